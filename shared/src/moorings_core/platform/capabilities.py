"""What this operating system offers, detected once at import by looking for each feature itself.

Every field says whether one mechanism is there; each has a portable path that the rest of
`moorings_core.platform` takes when it is not. The operating system's name is consulted only where
a call exists everywhere but means something else (see `_windows_semantics`).

`MOORINGS_PORTABLE=1` in the environment turns every field off, so the portable paths, the ones
Windows takes, run and are tested here on Linux (`make test` does a second pass that way).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

__all__ = ["CAPABILITIES", "PORTABLE_VARIABLE", "Capabilities", "detect"]

PORTABLE_VARIABLE = "MOORINGS_PORTABLE"
"""Set to 1 to force every portable path (a simulation of the platforms that lack the features)."""

# The `dir_fd` forms the descriptor walk relies on; Windows supports none of them.
_AT_FUNCTIONS = ("open", "stat", "mkdir", "unlink", "rmdir", "rename", "readlink", "symlink", "link")


@dataclass(frozen=True)
class Capabilities:
    """The features found, each with the portable path taken without it."""

    directory_descriptors: bool
    """`openat` and the other `dir_fd` calls, `O_NOFOLLOW`, `O_DIRECTORY`, `scandir(fd)`: a directory
    is an open descriptor and a name is looked up in it without following links. Without: a
    directory is a checked path, re-checked around every use (see `files`)."""

    path_descriptors: bool
    """`O_PATH`: walk through directories that may be searched but not listed. Without: `O_RDONLY`."""

    positioned_reads: bool
    """`os.pread`. Without: seek, read, and seek back."""

    kernel_copies: bool
    """`os.copy_file_range`: file copies stay in the kernel. Without: copied through a buffer."""

    file_system_sync: bool
    """`syncfs` or `sync`: a tree of copies is flushed in one call. Without: an fsync per file."""

    stdio_diversion: bool
    """`fcntl(F_DUPFD_CLOEXEC)`: the protocol moves to private descriptors and fd 0/1 point at
    /dev/null and stderr. Without: `sys.stdin`/`sys.stdout` are redirected in Python only."""

    loop_signals: bool
    """Ask the event loop for SIGTERM and SIGINT (it refuses on Windows). Without: Python signal
    handlers (Ctrl-C, Ctrl-Break, SIGTERM where it exists) hand the request to the loop."""

    process_start_times: bool
    """`/proc/<pid>/stat`: when a process started, which tells a dead writer from a new process that
    got its pid. Without: whether the pid exists, or nothing at all (see `processes`)."""

    signal_probes: bool
    """`os.kill(pid, 0)` asks whether a process exists (on Windows the same call would end it)."""

    rename_refuses_existing: bool
    """`os.rename` never replaces an existing entry (Windows), so it is itself a no-replace rename."""

    process_groups: bool
    """`setsid` and `killpg`: a child program starts its own process group, and stopping it stops
    what it started too (git's ssh, say). Without: only the child itself is stopped."""

    forced: bool
    """`MOORINGS_PORTABLE=1` turned every feature off."""


def detect(environ: os._Environ[str] | dict[str, str] = os.environ) -> Capabilities:
    """Look for each feature (every one off when `MOORINGS_PORTABLE=1`)."""
    if environ.get(PORTABLE_VARIABLE, "") not in ("", "0"):
        return Capabilities(**{field.name: False for field in fields(Capabilities)} | {"forced": True})
    windows = _windows_semantics()
    return Capabilities(
        directory_descriptors=_has_directory_descriptors(),
        path_descriptors=hasattr(os, "O_PATH"),
        positioned_reads=hasattr(os, "pread"),
        kernel_copies=hasattr(os, "copy_file_range"),
        file_system_sync=hasattr(os, "sync"),
        stdio_diversion=_has_descriptor_duplication(),
        loop_signals=True,  # the loop is asked; `signals` falls back where it says no
        process_start_times=Path("/proc/self/stat").exists(),
        signal_probes=hasattr(os, "kill") and not windows,
        rename_refuses_existing=windows,
        process_groups=hasattr(os, "killpg") and hasattr(os, "setsid"),
        forced=False,
    )


def _has_directory_descriptors() -> bool:
    if not all(hasattr(os, flag) for flag in ("O_NOFOLLOW", "O_DIRECTORY")):
        return False
    at_functions = {getattr(os, name, None) for name in _AT_FUNCTIONS}
    return at_functions <= os.supports_dir_fd and os.scandir in os.supports_fd


def _has_descriptor_duplication() -> bool:
    try:
        import fcntl
    except ImportError:
        return False
    return hasattr(fcntl, "F_DUPFD_CLOEXEC")


def _windows_semantics() -> bool:
    """Calls that exist everywhere but mean something else on Windows: `os.kill(pid, 0)` terminates
    the process there, and `os.rename` refuses an existing target. No feature test can tell."""
    return os.name == "nt"


CAPABILITIES = detect()
"""The capabilities of this process, detected once."""
