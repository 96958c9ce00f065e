"""Directories and files beneath an allowed root, used without ever being led out by a link.

A `DirectoryHandle` is a directory the jail checked (`open_beneath`). Every operation names an
entry *in* it, so what it does lands in the checked directory and nowhere else. There are two
kinds, chosen once by `CAPABILITIES.directory_descriptors`:

- Descriptors (Linux, macOS): the handle is an open directory fd, reached from the root's fd one
  component at a time with `O_NOFOLLOW | O_DIRECTORY`, and entries are used with the `dir_fd`
  calls. A component that became a link (or stopped being a directory) fails the walk with
  `TreeChanged` instead of escaping. Nothing here races.
- Paths (Windows, or `MOORINGS_PORTABLE=1`): the handle is the checked path and the identity
  (device, inode) the directory had. Before each use the path must still resolve to itself
  (`os.path.realpath`, which resolves symlinks and junctions, changes nothing) and still be that
  directory. A file opened by path is kept only if the path the OS gives for the opened file itself
  (`GetFinalPathNameByHandleW` on Windows, `/proc/self/fd` on Linux) is the checked path, so file
  contents are never read or written outside, even when a component is swapped under us. (Where
  neither exists, the file found at the path once re-resolved must be the one opened: two lookups,
  which a process swapping fast enough can split.) What remains is the moment between a re-check
  and the call: a local process that swaps a directory for a link in that moment can make a
  listing show an outside directory's names, a create leave an empty file or directory outside,
  and an unlink, rmdir or rename act on the entry of the same name outside. The security model
  says so.

Files are opened non-blocking where the OS can, and fstat-ed before anyone reads them: a FIFO,
socket or device is refused without blocking. O_TRUNC is applied only after that check.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from moorings_core.platform._libc import last_errno, libc_function
from moorings_core.platform.capabilities import CAPABILITIES

if TYPE_CHECKING:
    from os import _ScandirIterator

__all__ = [
    "DirectoryHandle",
    "SpecialFile",
    "TreeChanged",
    "file_kind",
    "is_link",
    "links_a_directory",
    "make_fifo",
    "open_beneath",
    "special_kind",
]

# The flag sets, defined once. A flag the OS lacks counts as 0: only the descriptor walk needs
# O_NOFOLLOW and O_DIRECTORY, and it runs only where they exist.
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # Windows has no FIFOs in its file system to block on
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY_FLAGS = getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE_FLAGS = _NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0) | _CLOEXEC
# O_PATH lets the walk pass through directories it may search but not list; elsewhere O_RDONLY does.
_TRAVERSE: int = getattr(os, "O_PATH", os.O_RDONLY) if CAPABILITIES.path_descriptors else os.O_RDONLY

# Errors that mean "this component is not the plain directory or file we checked a moment ago".
_CHANGED_ERRNOS = frozenset({errno.ELOOP, errno.ENOTDIR, errno.ENOENT})
_RENAME_NOREPLACE = 1  # renameat2, from <linux/fs.h>
_RENAME_EXCL = 0x4  # renameatx_np, from macOS's <sys/stdio.h>
_UNSUPPORTED_ERRNOS = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, getattr(errno, "ENOTSUP", 0)})
_NAME_SURROGATE = 0x20000000  # a Windows reparse point that names another path: a symlink or a junction


class TreeChanged(OSError):
    """A component was replaced (by a link, a file, another directory, or nothing) since the check."""

    def __init__(self, path: str) -> None:
        super().__init__(
            errno.ELOOP, "it changed while in use (a link or another entry took its place)", path
        )


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


_SPECIAL_WORDING = {"fifo": "a FIFO (named pipe)", "socket": "a socket", "device": "a device"}


def special_kind(mode: int) -> str | None:
    """Name the kind of a special file for a message, or None for files, directories and symlinks."""
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return _SPECIAL_WORDING.get(file_kind(mode))


def is_link(info: os.stat_result) -> bool:
    """Whether an `lstat` result is a link: a symlink, or on Windows a junction (which `S_ISLNK` misses)."""
    return stat.S_ISLNK(info.st_mode) or bool(getattr(info, "st_reparse_tag", 0) & _NAME_SURROGATE)


def make_fifo(path: str | os.PathLike[str]) -> bool:
    """Create a FIFO (named pipe) at `path`; False where the system has none (Windows)."""
    mkfifo = getattr(os, "mkfifo", None)
    if mkfifo is None:
        return False
    mkfifo(path)
    return True


def links_a_directory(info: os.stat_result) -> bool:
    """Whether an `lstat`-ed link is a directory link (Windows tells them apart; elsewhere False)."""
    return bool(getattr(info, "st_file_attributes", 0) & stat.FILE_ATTRIBUTE_DIRECTORY)


class DirectoryHandle(ABC):
    """A checked directory, open for naming entries in it; a context manager that closes it."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path  # absolute, as checked

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def __enter__(self) -> DirectoryHandle:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Let go of the directory."""

    @abstractmethod
    def status(self) -> os.stat_result:
        """The directory's own status."""

    @abstractmethod
    def entry(self, name: str) -> os.stat_result:
        """The status of the entry `name`, a link as itself (FileNotFoundError when there is none)."""

    @abstractmethod
    def scandir(self) -> _ScandirIterator[str]:
        """The entries, as `os.scandir` gives them (a context manager)."""

    @abstractmethod
    def open_directory(self, name: str) -> DirectoryHandle:
        """The subdirectory `name`, never through a link (OSError: ELOOP for a link, ENOTDIR...)."""

    @abstractmethod
    def listable(self) -> DirectoryHandle:
        """This directory opened again so that it can be listed and flushed; the caller closes it."""

    @abstractmethod
    def open_file(self, name: str, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
        """Open `name` as a regular file and return its fd; refuse anything else without blocking.

        Raises `TreeChanged` when `name` became a link (or vanished, unless O_CREAT is given),
        `SpecialFile` for FIFOs, sockets and devices, `IsADirectoryError` for a directory.
        """

    @abstractmethod
    def mkdir(self, name: str, mode: int = 0o777) -> None:
        """Create the directory `name` (the umask applies)."""

    @abstractmethod
    def unlink(self, name: str) -> None:
        """Remove the entry `name`, which is not a directory (a link goes, never its target)."""

    @abstractmethod
    def rmdir(self, name: str) -> None:
        """Remove the empty directory `name`."""

    @abstractmethod
    def readlink(self, name: str) -> str:
        """The text of the link `name`."""

    @abstractmethod
    def symlink(self, target: str, name: str, *, to_directory: bool = False) -> None:
        """Create the link `name` holding `target`; Windows makes a directory link `to_directory`."""

    @abstractmethod
    def replace(self, name: str, target: DirectoryHandle, target_name: str) -> None:
        """Rename `name` to `target_name` in `target` atomically, replacing what is there."""

    @abstractmethod
    def rename_noreplace(self, name: str, target: DirectoryHandle, target_name: str) -> None:
        """Rename `name` to `target_name` in `target`, never replacing: FileExistsError if it exists."""

    @abstractmethod
    def fsync(self) -> None:
        """Flush the directory's entries to disk (a rename is durable once its directory is)."""

    @abstractmethod
    def set_mode(self, mode: int) -> None:
        """Set the directory's permission bits."""

    def sync_file_system(self) -> None:
        """Flush every file written to this directory's file system, where the OS has one call for it
        (`CAPABILITIES.file_system_sync`; elsewhere `descriptors.flush_copy` flushed each file)."""
        if CAPABILITIES.file_system_sync:
            os.sync()


def open_beneath(root: str, parts: Sequence[str], *, listable: bool) -> DirectoryHandle:
    """Open `root/parts...` as a directory without following any link below `root`.

    `root` is canonical and set by the operator, so opening it by name is the trusted start. With
    `listable` false the handle may only name entries (an O_PATH fd), not list them.
    Raises `TreeChanged` when a component is no longer a plain directory.
    """
    if CAPABILITIES.directory_descriptors:
        return _descriptor_walk(root, parts, listable=listable)
    return _open_by_path(os.path.join(root, *parts))


# -- descriptors ----------------------------------------------------------------------------------


class _DescriptorDirectory(DirectoryHandle):
    __slots__ = ("fd",)

    def __init__(self, fd: int, path: str) -> None:
        self.path = path  # set here, not through super(): a walk makes one per directory
        self.fd = fd

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def status(self) -> os.stat_result:
        return os.fstat(self.fd)

    def entry(self, name: str) -> os.stat_result:
        return os.stat(name, dir_fd=self.fd, follow_symlinks=False)

    def scandir(self) -> _ScandirIterator[str]:
        return os.scandir(self.fd)

    def open_directory(self, name: str) -> DirectoryHandle:
        fd = os.open(name, os.O_RDONLY | _DIRECTORY_FLAGS, dir_fd=self.fd)
        return _DescriptorDirectory(fd, f"{self.path}/{name}")  # POSIX only: "/" is the separator

    def listable(self) -> DirectoryHandle:
        return _DescriptorDirectory(os.open(".", os.O_RDONLY | _DIRECTORY_FLAGS, dir_fd=self.fd), self.path)

    def open_file(self, name: str, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
        try:
            fd = os.open(name, (flags & ~os.O_TRUNC) | _NOFOLLOW | _FILE_FLAGS, mode, dir_fd=self.fd)
        except OSError as exc:
            raise _open_failure(exc, os.path.join(self.path, name), flags) from None
        return _checked_regular(fd, name, flags)

    def mkdir(self, name: str, mode: int = 0o777) -> None:
        os.mkdir(name, mode, dir_fd=self.fd)

    def unlink(self, name: str) -> None:
        os.unlink(name, dir_fd=self.fd)

    def rmdir(self, name: str) -> None:
        os.rmdir(name, dir_fd=self.fd)

    def readlink(self, name: str) -> str:
        return os.readlink(name, dir_fd=self.fd)

    def symlink(self, target: str, name: str, *, to_directory: bool = False) -> None:
        os.symlink(target, name, dir_fd=self.fd)

    def replace(self, name: str, target: DirectoryHandle, target_name: str) -> None:
        os.replace(name, target_name, src_dir_fd=self.fd, dst_dir_fd=_descriptor(target))

    def rename_noreplace(self, name: str, target: DirectoryHandle, target_name: str) -> None:
        target_fd = _descriptor(target)
        if _native_noreplace(self.fd, name, target_fd, target_name):
            return
        if stat.S_ISDIR(self.entry(name).st_mode):  # a directory cannot be linked: check, then rename
            _refuse_existing(target, target_name)
            os.rename(name, target_name, src_dir_fd=self.fd, dst_dir_fd=target_fd)
            return
        os.link(name, target_name, src_dir_fd=self.fd, dst_dir_fd=target_fd, follow_symlinks=False)
        os.unlink(name, dir_fd=self.fd)

    def fsync(self) -> None:
        os.fsync(self.fd)

    def set_mode(self, mode: int) -> None:
        os.fchmod(self.fd, mode)

    def sync_file_system(self) -> None:
        syncfs = libc_function("syncfs")
        if syncfs is None or syncfs(self.fd) != 0:  # syncfs is Linux's: one file system, not all
            super().sync_file_system()


def _descriptor(directory: DirectoryHandle) -> int:
    assert isinstance(directory, _DescriptorDirectory), "one kind of handle per process"
    return directory.fd


def _descriptor_walk(root: str, parts: Sequence[str], *, listable: bool) -> DirectoryHandle:
    last_flags = os.O_RDONLY if listable else _TRAVERSE
    fd = os.open(root, (last_flags if not parts else _TRAVERSE) | os.O_DIRECTORY | _CLOEXEC)
    try:
        for index, name in enumerate(parts):
            access = last_flags if index == len(parts) - 1 else _TRAVERSE
            child = _open_child_directory(name, access, fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return _DescriptorDirectory(fd, os.path.join(root, *parts))


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


def _native_noreplace(source_fd: int, source: str, target_fd: int, target: str) -> bool:
    """Rename with the kernel's own no-replace flag; False where the kernel or file system lacks it."""
    import ctypes

    arguments = (source_fd, os.fsencode(source), target_fd, os.fsencode(target))
    renameat2 = libc_function(
        "renameat2", ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint
    )
    if renameat2 is not None:
        result = renameat2(*arguments, _RENAME_NOREPLACE)
    else:
        renameatx_np = libc_function(
            "renameatx_np", ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint
        )
        if renameatx_np is None:
            return False
        result = renameatx_np(*arguments, _RENAME_EXCL)
    if result == 0:
        return True
    code = last_errno()
    if code in _UNSUPPORTED_ERRNOS:
        return False  # this file system cannot: fall back
    raise OSError(code, os.strerror(code), target)


# -- paths ----------------------------------------------------------------------------------------


class _PathDirectory(DirectoryHandle):
    __slots__ = ("_identity",)

    def __init__(self, path: str, identity: tuple[int, int]) -> None:
        super().__init__(path)
        self._identity = identity

    def close(self) -> None:
        pass  # nothing is held open

    def _checked(self) -> str:
        """The path, once it is shown to still lead, without a link, to this very directory."""
        try:
            info = os.lstat(self.path)
        except OSError:
            raise TreeChanged(self.path) from None
        if (
            _identity(info) != self._identity
            or not stat.S_ISDIR(info.st_mode)
            or not _leads_to_itself(self.path)
        ):
            raise TreeChanged(self.path)
        return self.path

    def _child(self, name: str) -> str:
        return os.path.join(self._checked(), name)

    def status(self) -> os.stat_result:
        return os.lstat(self._checked())

    def entry(self, name: str) -> os.stat_result:
        return os.lstat(self._child(name))

    def scandir(self) -> _ScandirIterator[str]:
        return os.scandir(self._checked())

    def open_directory(self, name: str) -> DirectoryHandle:
        return _open_by_path(self._child(name))

    def listable(self) -> DirectoryHandle:
        return _PathDirectory(self._checked(), self._identity)

    def open_file(self, name: str, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
        path = self._child(name)
        _refuse_link_or_special(path, flags)  # before opening: the open itself would follow a link
        try:
            fd = os.open(path, (flags & ~os.O_TRUNC) | _FILE_FLAGS, mode)
        except OSError as exc:
            raise _open_failure(exc, path, flags) from None
        try:
            if not _opened_at(fd, path):  # swapped between the check and the open
                raise TreeChanged(path)
        except BaseException:
            os.close(fd)
            raise
        return _checked_regular(fd, name, flags)

    def mkdir(self, name: str, mode: int = 0o777) -> None:
        os.mkdir(self._child(name), mode)

    def unlink(self, name: str) -> None:
        os.unlink(self._child(name))

    def rmdir(self, name: str) -> None:
        os.rmdir(self._child(name))

    def readlink(self, name: str) -> str:
        return os.readlink(self._child(name))

    def symlink(self, target: str, name: str, *, to_directory: bool = False) -> None:
        os.symlink(target, self._child(name), target_is_directory=to_directory)

    def replace(self, name: str, target: DirectoryHandle, target_name: str) -> None:
        os.replace(self._child(name), _path(target)._child(target_name))

    def rename_noreplace(self, name: str, target: DirectoryHandle, target_name: str) -> None:
        source, destination = self._child(name), _path(target)._child(target_name)
        if CAPABILITIES.rename_refuses_existing:
            os.rename(source, destination)
            return
        if stat.S_ISDIR(os.lstat(source).st_mode):  # a directory cannot be linked: check, then rename
            _refuse_existing(target, target_name)
            os.rename(source, destination)
            return
        os.link(source, destination, follow_symlinks=False)
        os.unlink(source)

    def fsync(self) -> None:
        try:
            fd = os.open(self._checked(), os.O_RDONLY | _CLOEXEC)
        except PermissionError:
            return  # Windows opens no directory as a file; NTFS journals its entries itself
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def set_mode(self, mode: int) -> None:
        os.chmod(self._checked(), mode)


def _path(directory: DirectoryHandle) -> _PathDirectory:
    assert isinstance(directory, _PathDirectory), "one kind of handle per process"
    return directory


def _open_by_path(path: str) -> DirectoryHandle:
    """The directory at `path`, if it is one and no component of `path` is a link."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise TreeChanged(path) from None
    if not stat.S_ISDIR(info.st_mode) or is_link(info) or not _leads_to_itself(path):
        raise TreeChanged(path)
    return _PathDirectory(path, _identity(info))


def _leads_to_itself(path: str) -> bool:
    """Whether resolving every link and junction in `path` leaves it as it is."""
    try:
        resolved = os.path.realpath(path)
    except OSError:  # a component stopped being a link while it was being read
        return False
    return os.path.normcase(resolved) == os.path.normcase(path)


def _opened_at(fd: int, path: str) -> bool:
    """Whether the open file `fd` lives at `path`, reached without a link."""
    final_path = _final_path_reader()
    if final_path is not None:
        found = final_path(fd)
        return found is not None and os.path.normcase(found) == os.path.normcase(path)
    try:  # the weaker check: the file at `path` now is the one opened, and `path` has no link
        here = os.lstat(path)
    except OSError:
        return False
    return _identity(here) == _identity(os.fstat(fd)) and _leads_to_itself(path)


@functools.cache
def _final_path_reader() -> Callable[[int], str | None] | None:
    """How to ask the OS where an open file is (the path of the file itself, not the one used to
    open it), or None where it cannot say."""
    if sys.platform == "win32":
        return _windows_final_path_reader()
    if os.path.isdir("/proc/self/fd"):
        return _proc_final_path
    return None


def _proc_final_path(fd: int) -> str | None:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def _windows_final_path_reader() -> Callable[[int], str | None] | None:
    if sys.platform == "win32":
        import ctypes
        import msvcrt
        from ctypes import wintypes

        try:
            function = ctypes.WinDLL("kernel32", use_last_error=True).GetFinalPathNameByHandleW
        except (OSError, AttributeError):
            return None
        function.argtypes = [wintypes.HANDLE, wintypes.LPWSTR, wintypes.DWORD, wintypes.DWORD]
        function.restype = wintypes.DWORD

        def final_path(fd: int) -> str | None:
            handle = msvcrt.get_osfhandle(fd)
            size = function(handle, None, 0, 0)  # 0: the normalized path with its drive letter
            if size == 0:
                return None
            buffer = ctypes.create_unicode_buffer(size)
            length = function(handle, buffer, size, 0)
            if length == 0 or length >= size:
                return None
            found: str = buffer.value
            if found.startswith("\\\\?\\UNC\\"):
                return "\\\\" + found[len("\\\\?\\UNC\\") :]
            return found.removeprefix("\\\\?\\")

        return final_path
    return None


def _refuse_link_or_special(path: str, flags: int) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if flags & os.O_CREAT:
            return
        raise TreeChanged(path) from None
    if is_link(info):
        raise TreeChanged(path)  # what O_NOFOLLOW would refuse
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    kind = special_kind(info.st_mode)
    if kind is not None:
        raise SpecialFile(kind)


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


# -- both -----------------------------------------------------------------------------------------


def _open_failure(exc: OSError, path: str, flags: int) -> Exception:
    if exc.errno == errno.ELOOP or (exc.errno == errno.ENOENT and not flags & os.O_CREAT):
        return TreeChanged(path)
    if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing with no reader
        return SpecialFile("a socket or FIFO")
    return exc


def _checked_regular(fd: int, name: str, flags: int) -> int:
    """`fd` once it is shown to be a regular file, blocking again, truncated if O_TRUNC asked."""
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
        if not stat.S_ISREG(mode):
            raise SpecialFile(special_kind(mode) or "not a regular file")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        if flags & os.O_TRUNC:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _refuse_existing(directory: DirectoryHandle, name: str) -> None:
    try:
        directory.entry(name)
    except FileNotFoundError:
        return
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), name)
