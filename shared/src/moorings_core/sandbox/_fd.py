"""Race-free opening beneath a root: walk directory fds and never follow a symlink.

`PathJail` checks a path by name, but names can change between the check and the use. These helpers
re-walk the checked, canonical path from the root's directory fd, opening each component relative to
the previous one with O_NOFOLLOW | O_DIRECTORY. A component that became a symlink (or stopped being a
directory) makes the walk fail with `TreeChanged` instead of escaping; the caller checks again.

Files are opened with O_NONBLOCK and fstat-ed before anyone reads them, so a FIFO, socket or device
is refused without ever blocking. O_TRUNC is applied only after that check, with ftruncate.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence

__all__ = [
    "SpecialFile",
    "TreeChanged",
    "file_kind",
    "open_directory_beneath",
    "open_regular_file",
    "special_kind",
]

# O_PATH lets us pass through directories we may search but not list; elsewhere O_RDONLY does.
_TRAVERSE: int = getattr(os, "O_PATH", os.O_RDONLY)
_DIRECTORY_FLAGS = os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC

# Errors that mean "this component is not the plain directory or file we checked a moment ago".
_CHANGED_ERRNOS = frozenset({errno.ELOOP, errno.ENOTDIR, errno.ENOENT})


class TreeChanged(Exception):
    """A component was replaced (by a symlink, a file, or nothing) between the check and the open."""


class SpecialFile(Exception):
    """The target is a FIFO, socket or device, which a server never opens."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


def file_kind(mode: int) -> str:
    """The kind of an entry from its `st_mode`: file, directory, symlink, fifo, socket, device or other."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


_SPECIAL_WORDING = {
    "fifo": "a FIFO (named pipe)",
    "socket": "a socket",
    "device": "a device",
}


def special_kind(mode: int) -> str | None:
    """Name the kind of a special file for a message, or None for files, directories and symlinks."""
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return _SPECIAL_WORDING.get(file_kind(mode))


def open_directory_beneath(root: str, parts: Sequence[str], *, listable: bool) -> int:
    """Open `root/parts...` as a directory without following any symlink below `root`.

    `listable` asks for an fd that can be listed (O_RDONLY); otherwise it may be an O_PATH fd, good
    only as the `dir_fd` of another call.
    """
    last_flags = os.O_RDONLY if listable else _TRAVERSE
    # The root is canonical and set by the operator, so opening it by name is the trusted start.
    fd = os.open(root, (last_flags if not parts else _TRAVERSE) | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for index, name in enumerate(parts):
            access = last_flags if index == len(parts) - 1 else _TRAVERSE
            child = _open_child_directory(name, access, fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_child_directory(name: str, access: int, parent_fd: int) -> int:
    try:
        fd = os.open(name, access | _DIRECTORY_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        if exc.errno in _CHANGED_ERRNOS:
            raise TreeChanged(name) from None
        raise
    if not stat.S_ISDIR(os.fstat(fd).st_mode):  # O_PATH | O_NOFOLLOW may hand back a symlink itself
        os.close(fd)
        raise TreeChanged(name)
    return fd


def open_regular_file(parent_fd: int, name: str, flags: int, mode: int) -> int:
    """Open `name` inside `parent_fd` as a regular file; refuse anything else without blocking.

    Raises `TreeChanged` when `name` became a symlink (or vanished, unless O_CREAT is given),
    `SpecialFile` for FIFOs, sockets and devices, and `IsADirectoryError` for a directory.
    """
    try:
        fd = os.open(name, (flags & ~os.O_TRUNC) | _FILE_FLAGS, mode, dir_fd=parent_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno == errno.ENOENT and not flags & os.O_CREAT):
            raise TreeChanged(name) from None
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing with no reader
            raise SpecialFile("a socket or FIFO") from None
        raise
    try:
        _require_regular(fd, name)
        os.set_blocking(fd, True)
        if flags & os.O_TRUNC:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _require_regular(fd: int, name: str) -> None:
    file_mode = os.fstat(fd).st_mode
    if stat.S_ISREG(file_mode):
        return
    if stat.S_ISDIR(file_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    raise SpecialFile(special_kind(file_mode) or "not a regular file")
