"""Claiming stdin and stdout for the protocol, and how they may be read.

Where `fcntl` can duplicate a descriptor above 2 and close-on-exec (`CAPABILITIES.stdio_diversion`:
Linux, macOS), the protocol moves to private descriptors while serving, and fd 0 then reads
/dev/null and fd 1 writes to stderr: nothing else in the process, not a child process (git, say),
a C library or a stray `os.write(1, ...)`, can corrupt the protocol stream or eat its input.

Elsewhere (Windows) the protocol stays on fd 0 and fd 1 and only Python's own streams move:
`sys.stdout` writes to stderr and `sys.stdin` reads nothing, which covers `print()`, `input()`
and logging set up later. Not covered there: writes straight to fd 1 (`os.write`, C extensions,
`sys.__stdout__`) and child processes that inherit the standard handles: a server that starts a
child process gives it its stdin and stdout explicitly.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from moorings_core.platform.capabilities import CAPABILITIES

__all__ = ["StdioStreams", "loop_can_wait_readable"]


@dataclass
class StdioStreams:
    """The descriptors that carry the protocol while the process's stdio is claimed."""

    wire_in: int
    wire_out: int
    restore: Callable[[], None]

    @classmethod
    @contextlib.contextmanager
    def claim(cls) -> Iterator[StdioStreams]:
        """Give the protocol its own stdin and stdout until the block ends (see the module's text)."""
        sys.stdout.flush()
        claimed = _divert_descriptors() if CAPABILITIES.stdio_diversion else _redirect_python_streams()
        try:
            yield claimed
        finally:
            # What print() left in Python's buffer belongs to stderr: flushed now, before fd 1 is
            # the protocol's again (unbuffered runs hid this; a host's plain Python buffers).
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
            claimed.restore()


def _divert_descriptors() -> StdioStreams:
    """Move the protocol onto private fds; point fd 0 at /dev/null and fd 1 at stderr."""
    import fcntl

    # Above 2, so that a closed stderr can never make fd 1's new target the protocol itself.
    wire_in = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
    wire_out = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)

    def restore() -> None:
        os.dup2(wire_in, 0)
        os.dup2(wire_out, 1)

    return StdioStreams(wire_in, wire_out, restore)


def _redirect_python_streams() -> StdioStreams:
    """Keep the protocol on fd 0 and 1 (in binary mode); send Python's stdout to stderr."""
    _binary_mode(0, 1)
    saved_in, saved_out = sys.stdin, sys.stdout
    sys.stdout = sys.stderr
    sys.stdin = Path(os.devnull).open(encoding="utf-8")  # noqa: SIM115 - closed by restore()

    def restore() -> None:
        sys.stdin.close()
        sys.stdin, sys.stdout = saved_in, saved_out

    return StdioStreams(0, 1, restore)


def _binary_mode(*fds: int) -> None:
    """No newline translation on Windows descriptors (elsewhere there is none to turn off)."""
    if sys.platform == "win32":
        import msvcrt

        for fd in fds:
            msvcrt.setmode(fd, os.O_BINARY)


def loop_can_wait_readable(fd: int) -> bool:
    """Whether the event loop can wait for `fd` to be readable: pipes, sockets and terminals can on
    POSIX (regular files and /dev/null cannot); on Windows only sockets, so stdin is read on a thread."""
    if CAPABILITIES.forced:
        return False
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(fd, selectors.EVENT_READ)
            selector.select(0)  # Windows' select() takes only sockets, and says so here
        except (OSError, ValueError):
            return False
    return True
