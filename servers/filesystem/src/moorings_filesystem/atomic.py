"""Atomic replacement: a file (or a copied tree) is either all old or all new, never torn.

Every write builds its result under a temporary name in the target's own directory, flushes it to
disk, then renames it over the target (or into place, with "no replace" semantics, when nothing may
be overwritten), and flushes the directory. A `kill -9` or a power cut at any moment leaves the old
content or the new one; a full disk or an I/O error removes the temporary and leaves the original
byte-identical. All calls take a directory handle checked by the jail (`PathJail.open_parent`) and
a plain name in it, so nothing here follows a symlink or leaves the checked directory.

Temporaries are named `.moorings-tmp-<pid>-<process start>-<random>`. A killed writer leaves its
temporary behind; `sweep_directory` (before each write in that directory) and `sweep_tree` (once,
in the background after start) remove those whose writer is gone. The process start time tells a
dead writer from a new process that got the same pid, so a live writer's temporary is never
removed; where the OS cannot tell (`moorings_core.platform.processes`), temporaries are kept.

Nothing here is specific to the filesystem server: any server that writes files can use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from moorings_core import AccessDenied, InvalidInput, MooringsError, OperationFailed
from moorings_core.platform import descriptors, processes
from moorings_core.platform.files import DirectoryHandle, open_beneath

__all__ = [
    "TEMPORARY_PREFIX",
    "Replaced",
    "failure",
    "fsync_directory",
    "is_temporary",
    "remove_tree",
    "removed_on_failure",
    "replace_file",
    "sweep_directory",
    "sweep_in_background",
    "sweep_tree",
    "temporary_name",
    "write_all",
]

TEMPORARY_PREFIX = ".moorings-tmp-"
_TEMPORARY = re.compile(re.escape(TEMPORARY_PREFIX) + r"(\d+)-(\d+)-[0-9a-f]+\Z")

_NEW_FILE_MODE = 0o644  # the kernel takes the umask off
_PRIVATE_MODE = 0o600  # a temporary for an existing file stays private until it gets the file's mode
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_SWEEP_DEPTH = 256  # deeper trees are left alone rather than risk the recursion limit


@dataclass(frozen=True)
class Replaced:
    """What a replacement did."""

    created: bool  # nothing existed under the name before
    size: int  # bytes in the new file
    mode: int  # its permission bits


# -- temporary names ----------------------------------------------------------------------------


def temporary_name() -> str:
    """A fresh temporary name that says which live process owns it."""
    pid, start = processes.this_process()
    return f"{TEMPORARY_PREFIX}{pid}-{start}-{secrets.token_hex(6)}"


def is_temporary(name: str) -> bool:
    """Whether `name` looks like one of our temporaries (whoever wrote it)."""
    return _TEMPORARY.match(name) is not None


def _writer_is_gone(name: str) -> bool:
    match = _TEMPORARY.match(name)
    if match is None:
        return False  # not ours: never touch it
    return processes.is_running(int(match[1]), int(match[2])) is False  # None: cannot tell, keep it


# -- replacing ----------------------------------------------------------------------------------


def replace_file(
    directory: DirectoryHandle,
    name: str,
    fill: Callable[[int], None],
    *,
    display: str,
    overwrite: bool = True,
    mode: int | None = None,
) -> Replaced:
    """Make `name` in `directory` hold what `fill(fd)` writes, atomically.

    An existing file keeps its permission bits (and owner, when we may set it). A new file gets
    exactly `mode`, or by default 0o644 minus the umask. With `overwrite=False` an existing entry is never
    replaced, even one that appears while `fill` runs. On failure the temporary is removed, the
    original is untouched, and a `MooringsError` says so in terms of `display`.
    """
    with _listable(directory, display) as listable:
        with contextlib.suppress(OSError):  # housekeeping: never a reason to refuse the write
            sweep_directory(listable)
        existing = _entry(listable, name)
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise InvalidInput(f"'{display}' is a directory, not a file; name a file to write.")
        if existing is not None and not overwrite:
            raise OperationFailed(f"'{display}' already exists; nothing was overwritten.")
        keep = existing if existing is not None and stat.S_ISREG(existing.st_mode) else None
        temporary = temporary_name()
        written = _write_temporary(listable, temporary, fill, keep, mode, display)
        with removed_on_failure(listable, temporary, display):
            if overwrite:
                listable.replace(temporary, listable, name)
            else:
                listable.rename_noreplace(temporary, listable, name)
        _flush(listable, display)
    return Replaced(created=existing is None, size=written.st_size, mode=stat.S_IMODE(written.st_mode))


def _write_temporary(
    directory: DirectoryHandle,
    temporary: str,
    fill: Callable[[int], None],
    keep: os.stat_result | None,
    mode: int | None,
    display: str,
) -> os.stat_result:
    """Create, fill and flush the temporary; return its status. On failure, nothing is left."""
    creation_mode = _NEW_FILE_MODE if keep is None and mode is None else _PRIVATE_MODE
    try:
        fd = directory.open_file(temporary, _CREATE, creation_mode)
    except OSError as exc:
        raise failure(exc, display) from None
    with removed_on_failure(directory, temporary, display):
        try:
            fill(fd)
            os.fsync(fd)  # a full disk may only show here, with delayed allocation
            if keep is not None:
                # Owner first: chown clears set-id bits, which the chmod then restores.
                descriptors.keep_owner(fd, keep.st_uid, keep.st_gid)
                descriptors.set_mode(fd, stat.S_IMODE(keep.st_mode))
            elif mode is not None:
                descriptors.set_mode(fd, mode)
            return os.fstat(fd)
        finally:
            os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` (`os.write` may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_directory(directory: DirectoryHandle, display: str) -> None:
    """Flush a directory's entries (a rename is only durable once its directory is)."""
    try:
        with directory.listable() as listable:
            _flush(listable, display)
    except OSError as exc:
        raise _unflushed(exc, display) from None


def _flush(listable: DirectoryHandle, display: str) -> None:
    try:
        listable.fsync()
    except OSError as exc:
        raise _unflushed(exc, display) from None


def _unflushed(exc: OSError, display: str) -> MooringsError:
    return OperationFailed(
        f"'{display}' was changed, but its directory could not be flushed to disk: {exc.strerror}."
    )


def failure(exc: OSError, display: str, action: str = "write") -> MooringsError:
    """Say why `action` failed on `display`, and that nothing was changed (true until the rename)."""
    unchanged = "nothing was changed"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OperationFailed(
            f"The disk is full: could not {action} '{display}'; {unchanged}.",
            hint="Free some space, or write less.",
        )
    if exc.errno == errno.EROFS:
        return AccessDenied(f"'{display}' is on a read-only file system; {unchanged}.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return AccessDenied(f"The operating system denied permission to {action} '{display}'; {unchanged}.")
    if exc.errno == errno.EEXIST:
        return OperationFailed(f"'{display}' already exists; nothing was overwritten.")
    if exc.errno == errno.EIO:
        return OperationFailed(f"An I/O error stopped the {action} of '{display}'; {unchanged}.")
    return OperationFailed(f"Could not {action} '{display}': {exc.strerror or exc}; {unchanged}.")


# -- sweeping -----------------------------------------------------------------------------------


def sweep_directory(directory: DirectoryHandle) -> int:
    """Remove the temporaries in one (listable) directory whose writer is gone; return how many."""
    with directory.scandir() as entries:
        stale = [entry.name for entry in entries if is_temporary(entry.name)]
    return _remove_stale(directory, stale)


def _remove_stale(directory: DirectoryHandle, temporaries: list[str]) -> int:
    removed = 0
    for name in temporaries:
        if _writer_is_gone(name):
            with contextlib.suppress(OSError):  # another sweeper may be quicker; nothing else to do
                remove_tree(directory, name)
                removed += 1
    return removed


def sweep_in_background(roots: Iterable[Path]) -> threading.Thread:
    """Start `sweep_tree(roots)` on a daemon thread: it never delays a request, nor the exit.

    Stopping it midway is harmless: each removal is whole or left for the next sweep.
    """
    thread = threading.Thread(target=sweep_tree, args=(tuple(roots),), name="moorings-sweep", daemon=True)
    thread.start()
    return thread


def sweep_tree(roots: Iterable[Path]) -> int:
    """Sweep every directory below `roots`, never following a symlink; return how many were removed."""
    removed = 0
    for root in roots:
        try:
            directory = open_beneath(str(root), (), listable=True)
        except OSError:
            continue
        with directory:
            removed += _sweep_below(directory, _SWEEP_DEPTH)
    return removed


def _sweep_below(directory: DirectoryHandle, depth: int) -> int:
    try:
        with directory.scandir() as entries:  # one pass finds both our temporaries and where to go next
            names = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    except OSError:
        return 0  # unreadable: nothing of ours can be inside
    removed = _remove_stale(directory, [name for name, _ in names if is_temporary(name)])
    for name, is_directory in names if depth > 0 else ():
        if not is_directory or is_temporary(name):
            continue
        try:
            child = directory.open_directory(name)
        except OSError:
            continue
        with child:
            removed += _sweep_below(child, depth - 1)
    return removed


def remove_tree(directory: DirectoryHandle, name: str, removed: Callable[[int], None] | None = None) -> None:
    """Remove `name` in `directory`, and all below it if it is a directory; symlinks are never followed.

    Iterative, one open handle per level, so a deep tree cannot exhaust the recursion limit.
    `removed` is told how many entries went each time some did (for progress).
    """
    if _unlinked(directory, name):
        if removed is not None:
            removed(1)
        return
    # Each frame: the directory's parent, its name, itself, the subdirectories left to remove.
    stack = [_Frame(directory, name, directory.open_directory(name))]
    try:
        while stack:
            frame = stack[-1]
            if frame.pending is None:
                frame.pending, unlinked = _empty_but_directories(frame.directory)
                if removed is not None:
                    removed(unlinked)
            if frame.pending:
                child = frame.pending.pop()
                stack.append(_Frame(frame.directory, child, frame.directory.open_directory(child)))
                continue
            stack.pop()
            frame.directory.close()
            frame.parent.rmdir(frame.name)
            if removed is not None:
                removed(1)
    finally:
        for frame in stack:
            frame.directory.close()


@dataclass
class _Frame:
    parent: DirectoryHandle
    name: str
    directory: DirectoryHandle
    pending: list[str] | None = None


def _unlinked(directory: DirectoryHandle, name: str) -> bool:
    """Unlink `name` unless it is a directory; say whether it is gone."""
    try:
        directory.unlink(name)
    except IsADirectoryError:
        return False
    except PermissionError:  # POSIX lets unlink say EPERM for a directory, Windows says EACCES
        if stat.S_ISDIR(directory.entry(name).st_mode):
            return False
        raise
    return True


def _empty_but_directories(directory: DirectoryHandle) -> tuple[list[str], int]:
    """Unlink everything in the directory but its subdirectories: name those, and count the rest."""
    with directory.scandir() as entries:
        names = [entry.name for entry in entries]
    directories = [name for name in names if not _unlinked(directory, name)]
    return directories, len(names) - len(directories)


# -- small helpers ------------------------------------------------------------------------------


def _listable(directory: DirectoryHandle, display: str) -> DirectoryHandle:
    """The directory opened so it can be listed and flushed (the jail's may only name entries)."""
    try:
        return directory.listable()
    except OSError as exc:
        raise failure(exc, display) from None


def _entry(directory: DirectoryHandle, name: str) -> os.stat_result | None:
    try:
        return directory.entry(name)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def removed_on_failure(
    directory: DirectoryHandle, temporary: str, display: str, action: str = "write"
) -> Iterator[None]:
    """Remove the temporary if the block fails; an OS error becomes a message for the model."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(OSError):
            remove_tree(directory, temporary)
        if isinstance(exc, OSError):
            raise failure(exc, display, action) from None
        raise
