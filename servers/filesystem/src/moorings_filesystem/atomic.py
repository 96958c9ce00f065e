"""Atomic replacement: a file (or a copied tree) is either all old or all new, never torn.

Every write builds its result under a temporary name in the target's own directory, flushes it to
disk, then renames it over the target (or into place, with "no replace" semantics, when nothing may
be overwritten), and flushes the directory. A `kill -9` or a power cut at any moment leaves the old
content or the new one; a full disk or an I/O error removes the temporary and leaves the original
byte-identical. All calls take a directory fd checked by the jail (`PathJail.open_parent`) and a
plain name in it, so nothing here follows a symlink or leaves the checked directory.

Temporaries are named `.moorings-tmp-<pid>-<process start>-<random>`. A killed writer leaves its
temporary behind; `sweep_directory` (before each write in that directory) and `sweep_tree` (once,
in the background after start) remove those whose writer is gone. The process start time (from
/proc) tells a dead writer from a new process that got the same pid, so a live writer's temporary
is never removed.

Nothing here is specific to the filesystem server: any server that writes files can use it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moorings_core.errors import AccessDenied, InvalidInput, MooringsError, OperationFailed

__all__ = [
    "TEMPORARY_PREFIX",
    "Replaced",
    "copy_contents",
    "failure",
    "fsync_directory",
    "is_temporary",
    "remove_tree",
    "removed_on_failure",
    "rename_noreplace",
    "replace_file",
    "sweep_directory",
    "sweep_in_background",
    "sweep_tree",
    "sync_filesystem",
    "temporary_name",
    "write_all",
]

TEMPORARY_PREFIX = ".moorings-tmp-"
_TEMPORARY = re.compile(re.escape(TEMPORARY_PREFIX) + r"(\d+)-(\d+)-[0-9a-f]+\Z")

_NEW_FILE_MODE = 0o644  # the kernel takes the umask off
_PRIVATE_MODE = 0o600  # a temporary for an existing file stays private until it gets the file's mode
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_RENAME_NOREPLACE = 1  # from <linux/fs.h>
_COPY_CHUNK = 1 << 20
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
    pid, start = _this_process()
    return f"{TEMPORARY_PREFIX}{pid}-{start}-{secrets.token_hex(6)}"


def is_temporary(name: str) -> bool:
    """Whether `name` looks like one of our temporaries (whoever wrote it)."""
    return _TEMPORARY.match(name) is not None


@functools.cache
def _this_process() -> tuple[int, int]:
    pid = os.getpid()
    return pid, _start_time(pid) or 0


def _start_time(pid: int) -> int | None:
    """When `pid` started (clock ticks since boot), or None if it is gone, a zombie, or unknowable."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces; the fields after it are plain.
    fields = stat_line.rpartition(b")")[2].split()
    if len(fields) < 20 or fields[0] == b"Z":
        return None
    return int(fields[19])


def _writer_is_gone(name: str) -> bool:
    match = _TEMPORARY.match(name)
    if match is None:
        return False  # not ours: never touch it
    pid, start = int(match[1]), int(match[2])
    if start == 0:  # written where /proc was unreadable: only a missing pid proves it dead
        return not _pid_exists(pid)
    return _start_time(pid) != start


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


# -- replacing ----------------------------------------------------------------------------------


def replace_file(
    dir_fd: int,
    name: str,
    fill: Callable[[int], None],
    *,
    display: str,
    overwrite: bool = True,
    mode: int | None = None,
) -> Replaced:
    """Make `name` in `dir_fd` hold what `fill(fd)` writes, atomically.

    An existing file keeps its permission bits (and owner, when we may set it). A new file gets
    exactly `mode`, or by default 0o644 minus the umask. With `overwrite=False` an existing entry is never
    replaced, even one that appears while `fill` runs. On failure the temporary is removed, the
    original is untouched, and a `MooringsError` says so in terms of `display`.
    """
    directory = _listable(dir_fd, display)
    try:
        with contextlib.suppress(OSError):  # housekeeping: never a reason to refuse the write
            sweep_directory(directory)
        existing = _entry(directory, name)
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise InvalidInput(f"'{display}' is a directory, not a file; name a file to write.")
        if existing is not None and not overwrite:
            raise OperationFailed(f"'{display}' already exists; nothing was overwritten.")
        keep = existing if existing is not None and stat.S_ISREG(existing.st_mode) else None
        temporary = temporary_name()
        written = _write_temporary(directory, temporary, fill, keep, mode, display)
        with removed_on_failure(directory, temporary, display):
            if overwrite:
                os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
            else:
                rename_noreplace(directory, temporary, directory, name)
        fsync_directory(directory, display)
        return Replaced(created=existing is None, size=written.st_size, mode=stat.S_IMODE(written.st_mode))
    finally:
        os.close(directory)


def _write_temporary(
    directory: int,
    temporary: str,
    fill: Callable[[int], None],
    keep: os.stat_result | None,
    mode: int | None,
    display: str,
) -> os.stat_result:
    """Create, fill and flush the temporary; return its status. On failure, nothing is left."""
    creation_mode = _NEW_FILE_MODE if keep is None and mode is None else _PRIVATE_MODE
    try:
        fd = os.open(temporary, _CREATE_FLAGS, creation_mode, dir_fd=directory)
    except OSError as exc:
        raise failure(exc, display) from None
    with removed_on_failure(directory, temporary, display):
        try:
            fill(fd)
            os.fsync(fd)  # a full disk may only show here, with delayed allocation
            if keep is not None:
                _take_owner_and_mode(fd, keep)
            elif mode is not None:
                os.fchmod(fd, mode)
            return os.fstat(fd)
        finally:
            os.close(fd)


def _take_owner_and_mode(fd: int, original: os.stat_result) -> None:
    # Owner first: chown clears set-id bits, which the chmod then restores.
    if (original.st_uid, original.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, original.st_uid, original.st_gid)
    os.fchmod(fd, stat.S_IMODE(original.st_mode))


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` (`os.write` may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def copy_contents(source_fd: int, target_fd: int) -> None:
    """Copy what is left to read in `source_fd` to `target_fd`, in the kernel when it can."""
    try:
        while os.copy_file_range(source_fd, target_fd, _COPY_CHUNK):
            pass
        return
    except OSError as exc:
        # Not supported here (old kernel, some file systems): copy through user space instead.
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
            raise
    while chunk := os.read(source_fd, _COPY_CHUNK):
        write_all(target_fd, chunk)


def rename_noreplace(source_dir_fd: int, source: str, target_dir_fd: int, target: str) -> None:
    """Rename without ever replacing: raises FileExistsError if `target` exists.

    Uses renameat2(RENAME_NOREPLACE); where the kernel or file system lacks it, a hard link then
    an unlink (files), or a check then a rename (directories, which cannot be linked; a rename
    can only replace an empty directory there).
    """
    renameat2 = _renameat2()
    if renameat2 is not None:
        encoded = os.fsencode(source), os.fsencode(target)
        if renameat2(source_dir_fd, encoded[0], target_dir_fd, encoded[1], _RENAME_NOREPLACE) == 0:
            return
        code = _last_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), target)
    if stat.S_ISDIR(os.stat(source, dir_fd=source_dir_fd, follow_symlinks=False).st_mode):
        if _entry(target_dir_fd, target) is not None:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), target)
        os.rename(source, target, src_dir_fd=source_dir_fd, dst_dir_fd=target_dir_fd)
        return
    os.link(source, target, src_dir_fd=source_dir_fd, dst_dir_fd=target_dir_fd, follow_symlinks=False)
    os.unlink(source, dir_fd=source_dir_fd)


def _renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    import ctypes

    function: Callable[[int, bytes, int, bytes, int], int] | None = _libc_function(
        "renameat2", ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint
    )
    return function


def _last_errno() -> int:
    import ctypes

    return ctypes.get_errno()


@functools.cache
def _libc_function(name: str, *argtypes: Any) -> Any:
    """A C library function (errno kept for `ctypes.get_errno`), or None where it does not exist."""
    import ctypes  # on first use: start-up time matters more than this lookup

    function = getattr(ctypes.CDLL(None, use_errno=True), name, None)
    if function is None:  # renameat2 needs glibc 2.28; musl and other systems may lack either
        return None
    function.argtypes = list(argtypes) or [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def fsync_directory(dir_fd: int, display: str) -> None:
    """Flush a directory's entries (a rename is only durable once its directory is)."""
    directory = _listable(dir_fd, display)
    try:
        os.fsync(directory)
    except OSError as exc:
        raise OperationFailed(
            f"'{display}' was changed, but its directory could not be flushed to disk: {exc.strerror}."
        ) from None
    finally:
        os.close(directory)


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


def sync_filesystem(fd: int) -> None:
    """Flush the whole file system holding `fd` (one call instead of an fsync per copied file)."""
    syncfs = _libc_function("syncfs")
    if syncfs is None or syncfs(fd) != 0:
        os.sync()


# -- sweeping -----------------------------------------------------------------------------------


def sweep_directory(dir_fd: int) -> int:
    """Remove the temporaries in one directory whose writer is gone; return how many."""
    with os.scandir(dir_fd) as entries:
        stale = [entry.name for entry in entries if is_temporary(entry.name)]
    return _remove_stale(dir_fd, stale)


def _remove_stale(dir_fd: int, temporaries: list[str]) -> int:
    removed = 0
    for name in temporaries:
        if _writer_is_gone(name):
            with contextlib.suppress(OSError):  # another sweeper may be quicker; nothing else to do
                remove_tree(dir_fd, name)
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
            fd = os.open(root, _DIRECTORY_FLAGS)
        except OSError:
            continue
        try:
            removed += _sweep_below(fd, _SWEEP_DEPTH)
        finally:
            os.close(fd)
    return removed


def _sweep_below(dir_fd: int, depth: int) -> int:
    try:
        with os.scandir(dir_fd) as entries:  # one pass finds both our temporaries and where to go next
            names = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    except OSError:
        return 0  # unreadable: nothing of ours can be inside
    removed = _remove_stale(dir_fd, [name for name, _ in names if is_temporary(name)])
    for name, is_directory in names if depth > 0 else ():
        if not is_directory or is_temporary(name):
            continue
        try:
            child = os.open(name, _DIRECTORY_FLAGS, dir_fd=dir_fd)
        except OSError:
            continue
        try:
            removed += _sweep_below(child, depth - 1)
        finally:
            os.close(child)
    return removed


def remove_tree(dir_fd: int, name: str, removed: Callable[[int], None] | None = None) -> None:
    """Remove `name` in `dir_fd`, and all below it if it is a directory; symlinks are never followed.

    Iterative, one open fd per level, so a deep tree cannot exhaust the recursion limit. `removed`
    is told how many entries went each time some did (for progress).
    """
    if _unlinked(dir_fd, name):
        if removed is not None:
            removed(1)
        return
    # Each frame: the directory's parent fd, its name, its own fd, the subdirectories left to remove.
    stack = [_Frame(dir_fd, name, os.open(name, _DIRECTORY_FLAGS, dir_fd=dir_fd))]
    try:
        while stack:
            frame = stack[-1]
            if frame.pending is None:
                frame.pending, unlinked = _empty_but_directories(frame.fd)
                if removed is not None:
                    removed(unlinked)
            if frame.pending:
                child = frame.pending.pop()
                stack.append(_Frame(frame.fd, child, os.open(child, _DIRECTORY_FLAGS, dir_fd=frame.fd)))
                continue
            stack.pop()
            os.close(frame.fd)
            os.rmdir(frame.name, dir_fd=frame.parent)
            if removed is not None:
                removed(1)
    finally:
        for frame in stack:
            os.close(frame.fd)


@dataclass
class _Frame:
    parent: int
    name: str
    fd: int
    pending: list[str] | None = None


def _unlinked(dir_fd: int, name: str) -> bool:
    """Unlink `name` unless it is a directory; say whether it is gone."""
    try:
        os.unlink(name, dir_fd=dir_fd)
    except IsADirectoryError:
        return False
    except PermissionError:  # POSIX lets unlink say EPERM for a directory
        if stat.S_ISDIR(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
            return False
        raise
    return True


def _empty_but_directories(dir_fd: int) -> tuple[list[str], int]:
    """Unlink everything in the directory but its subdirectories: name those, and count the rest."""
    with os.scandir(dir_fd) as entries:
        names = [entry.name for entry in entries]
    directories = [name for name in names if not _unlinked(dir_fd, name)]
    return directories, len(names) - len(directories)


# -- small helpers ------------------------------------------------------------------------------


def _listable(dir_fd: int, display: str) -> int:
    """A readable fd for the directory `dir_fd` names (the jail's may be O_PATH: no fsync, no listing)."""
    try:
        return os.open(".", _DIRECTORY_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise failure(exc, display) from None


def _entry(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def removed_on_failure(dir_fd: int, temporary: str, display: str, action: str = "write") -> Iterator[None]:
    """Remove the temporary if the block fails; an OS error becomes a message for the model."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(OSError):
            remove_tree(dir_fd, temporary)
        if isinstance(exc, OSError):
            raise failure(exc, display, action) from None
        raise
