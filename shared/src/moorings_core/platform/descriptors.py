"""Calls on an open file's descriptor that not every OS has.

Two sorts. Mechanisms with a portable path, chosen by `CAPABILITIES` (and forced portable by
`MOORINGS_PORTABLE=1`): positioned reads, in-kernel copies, flushing a copied tree at once. And
metadata that only adds to a copy or a replacement (permission bits, owner, times): used where the
OS offers it on a descriptor and skipped elsewhere, since no other call could do the same there.
On Windows before Python 3.13 a replaced file therefore keeps the default permissions (only the
read-only attribute means anything there), and a copy gets the time it was made.
"""

from __future__ import annotations

import contextlib
import errno
import os

from moorings_core.platform.capabilities import CAPABILITIES

__all__ = ["copy_contents", "flush_copy", "keep_owner", "read_at", "set_mode", "set_times"]

_COPY_CHUNK = 1 << 20


def read_at(fd: int, size: int, offset: int) -> bytes:
    """Up to `size` bytes from `offset`, leaving the file position where it was (`os.pread`)."""
    if CAPABILITIES.positioned_reads:
        return os.pread(fd, size, offset)
    position = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, size)
    finally:
        os.lseek(fd, position, os.SEEK_SET)


def copy_contents(source_fd: int, target_fd: int) -> None:
    """Copy what is left to read in `source_fd` to `target_fd`, in the kernel when it can."""
    if CAPABILITIES.kernel_copies:
        try:
            while os.copy_file_range(source_fd, target_fd, _COPY_CHUNK):
                pass
            return
        except OSError as exc:
            # Not supported here (old kernel, some file systems): copy through user space instead.
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                raise
    while chunk := os.read(source_fd, _COPY_CHUNK):
        view = memoryview(chunk)
        while view:
            view = view[os.write(target_fd, view) :]


def flush_copy(fd: int) -> None:
    """Flush one copied file, unless the whole file system is flushed once the copy is done
    (`DirectoryHandle.sync_file_system`)."""
    if not CAPABILITIES.file_system_sync:
        os.fsync(fd)


def set_mode(fd: int, mode: int) -> None:
    """Set the permission bits of the open file, where the OS can on a descriptor."""
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def keep_owner(fd: int, uid: int, gid: int) -> None:
    """Give the open file this owner and group if they are not ours, where we may (silently not)."""
    if not hasattr(os, "fchown") or (uid, gid) == (os.getuid(), os.getgid()):
        return
    with contextlib.suppress(PermissionError):  # only root may give a file away; it then stays ours
        os.fchown(fd, uid, gid)


def set_times(fd: int, access_ns: int, modification_ns: int) -> None:
    """Set the access and modification times of the open file, where the OS can on a descriptor."""
    if os.utime in os.supports_fd:
        os.utime(fd, ns=(access_ns, modification_ns))
