"""The path jail: the only way a server turns a model's path into something it touches.

A `PathJail` holds the operator's allowed roots as canonical absolute directories. A path is checked
in two steps:

1. `resolve` reads the model's text the way a careless model means it (one pair of stray quotes,
   `~`, a path relative to the *first* root, NFC or NFD spelling of the same name), then walks it one
   component at a time (from `/`, or from the root it is spelt under), following every symlink
   (dangling ones too, so their target is what gets checked) with a loop limit. The canonical result
   must lie inside a root; containment compares whole components, so `/a/dir` never admits
   `/a/dir_evil`.
2. The `open_*` methods re-walk that canonical path from the root without following symlinks and
   hand back a `DirectoryHandle` or a file descriptor (see `moorings_core.platform.files`: an fd
   walk where the OS has `openat`, re-checked paths on Windows), so a directory swapped for a
   symlink after step 1 cannot lead outside. Both steps are retried a few times when the tree
   changes underneath, then the open is refused.

FIFOs, sockets and devices are refused by `lstat` in step 1 and again by `fstat` after a non-blocking
open in step 2, so reading one returns an error at once instead of hanging the server.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from moorings_core.errors import AccessDenied, InvalidInput, MooringsError, NotFound, OperationFailed
from moorings_core.platform.files import (
    DirectoryHandle,
    SpecialFile,
    TreeChanged,
    file_kind,
    is_link,
    open_beneath,
    special_kind,
)

__all__ = ["Intent", "PathJail", "file_kind"]

Intent = Literal["read", "write", "create"]
"""What the caller will do: read an existing entry, change an existing one, or possibly create it."""

MAX_PATH_BYTES = 4096  # Linux PATH_MAX, counted in the file system encoding
MAX_NAME_BYTES = 255  # NAME_MAX: the longest single file name
_MAX_SYMLINKS = 40  # what Linux follows before ELOOP
_OPEN_ATTEMPTS = 3  # re-checks after the tree changed between check and open

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_QUOTES = ("'", '"')

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Walked:
    """A canonical path, with what `lstat` found there."""

    path: Path
    entry: os.stat_result | None  # None when nothing exists at `path`
    through_file: bool  # some component was looked up below a file, so the path cannot exist
    parent_exists: bool


@dataclass(frozen=True)
class _Located(_Walked):
    """A canonical path found inside `root`."""

    root: Path

    def parts(self) -> tuple[str, ...]:
        """The components below the root, in order."""
        return self.path.relative_to(self.root).parts


class PathJail:
    """Confine paths to a set of allowed directories.

    `roots` are canonical (absolute, symlinks resolved); relative paths start from `roots[0]`.
    With `read_only`, every write or create is refused.
    """

    def __init__(self, roots: Sequence[str | os.PathLike[str]], *, read_only: bool = False) -> None:
        if not roots:
            raise InvalidInput("No allowed directory was configured; name at least one directory.")
        canonical = (_canonical_root(root) for root in roots)
        self.roots: tuple[Path, ...] = tuple(dict.fromkeys(canonical))
        self.read_only = read_only
        # Deepest root first, so a path inside nested roots is walked from the nearest one.
        self._roots_by_depth = sorted(self.roots, key=lambda root: len(root.parts), reverse=True)

    def __repr__(self) -> str:
        roots = ", ".join(str(root) for root in self.roots)
        return f"PathJail([{roots}], read_only={self.read_only})"

    # -- checking -------------------------------------------------------------------------------

    def resolve(
        self, path: str | os.PathLike[str], *, intent: Intent = "read", follow_symlinks: bool = True
    ) -> Path:
        """Return the canonical absolute path for `path`, or refuse it.

        "read" and "write" need an existing entry; "create" accepts a missing one (its missing parents
        too: a server may create them). With `follow_symlinks=False` the last component is the entry
        itself, e.g. a symlink to delete, and only its parent is resolved.

        Raises AccessDenied (outside the roots, a special file, a write in read-only mode),
        InvalidInput (malformed path) or NotFound.
        """
        return self._check(path, intent, follow_symlinks).path

    def is_inside(self, path: str | os.PathLike[str]) -> bool:
        """Whether `path`, once canonical, lies inside a root (whether or not it exists)."""
        try:
            self._locate(_validated(path), follow_final=True)
        except MooringsError:
            return False
        return True

    def display(self, path: str | os.PathLike[str]) -> str:
        """How to show a checked path to the model: absolute, so it can be passed back as it is."""
        return os.fspath(path)

    # -- opening --------------------------------------------------------------------------------

    def open_file(self, path: str | os.PathLike[str], flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
        """Open a regular file inside the roots and return its fd (the caller closes it).

        Write flags make it a write (O_CREAT a create, inside an existing parent). Symlinks are
        followed only as far as `resolve` allows; FIFOs, sockets and devices are refused.
        """
        intent: Intent = "create" if flags & os.O_CREAT else "write" if flags & _WRITE_FLAGS else "read"

        def open_in_parent(located: _Located) -> int:
            if located.entry is not None and stat.S_ISDIR(located.entry.st_mode):
                raise InvalidInput(f"'{os.fspath(path)}' is a directory, not a file.")
            parent, name = self._open_parent_of(located, path)
            with parent:
                return parent.open_file(name, flags, mode)

        return self._open(path, intent, True, open_in_parent)

    def open_directory(self, path: str | os.PathLike[str]) -> DirectoryHandle:
        """Open a directory inside the roots for listing (`handle.scandir()`); the caller closes it."""

        def open_listable(located: _Located) -> DirectoryHandle:
            if located.entry is not None and not stat.S_ISDIR(located.entry.st_mode):
                raise InvalidInput(f"'{os.fspath(path)}' is a file, not a directory.")
            return open_beneath(str(located.root), located.parts(), listable=True)

        return self._open(path, "read", True, open_listable)

    def open_parent(
        self, path: str | os.PathLike[str], *, intent: Intent = "create"
    ) -> tuple[DirectoryHandle, str]:
        """Open the directory holding the entry `path` names and return `(directory, name)`.

        The entry itself is not followed if it is a symlink. Act on it through the handle
        (`directory.mkdir(name)`, `.unlink(name)`, `.rename_noreplace(name, ...)`) so the change
        lands in the checked directory. The caller closes `directory`.
        """
        return self._open(path, intent, False, lambda located: self._open_parent_of(located, path))

    def open_holder(
        self, path: str | os.PathLike[str], *, follow_symlinks: bool = True
    ) -> tuple[Path, DirectoryHandle, str]:
        """Check an existing entry for reading and open the directory that holds it, to look at the
        entry without opening it (`directory.entry(name)`, `.readlink(name)`): one check gives both
        the canonical path and the handle.

        Returns `(canonical, directory, name)`; for an allowed directory itself, `directory` is that
        directory and `name` is ".". With `follow_symlinks=False` a final symlink is the entry
        itself. The caller closes `directory`.
        """

        def open_holding(located: _Located) -> tuple[Path, DirectoryHandle, str]:
            if not located.parts():
                return located.path, open_beneath(str(located.root), (), listable=False), "."
            directory, name = self._open_parent_of(located, path)
            return located.path, directory, name

        return self._open(path, "read", follow_symlinks, open_holding)

    # -- narrowing ------------------------------------------------------------------------------

    def narrowed_to(self, client_roots: Iterable[str | os.PathLike[str]]) -> PathJail:
        """A jail limited to where the client's roots (paths or file:// URIs) meet the configured ones.

        A client root inside a configured root narrows to it; one containing a configured root keeps
        that configured root; one outside every root, missing, or not a directory is ignored. The
        result never reaches beyond the configured roots; if no client root overlaps them, this jail
        is returned unchanged (the operator's roots are the boundary, the client's only a hint).
        """
        narrowed: list[Path] = []
        for offered in client_roots:
            client_root = _client_root_path(offered)
            if client_root is None:
                continue
            for root in self.roots:
                if client_root.is_relative_to(root):
                    narrowed.append(client_root)
                elif root.is_relative_to(client_root):
                    narrowed.append(root)
        if not narrowed:
            return self
        return PathJail(list(dict.fromkeys(narrowed)), read_only=self.read_only)

    # -- internals ------------------------------------------------------------------------------

    def _check(self, path: str | os.PathLike[str], intent: Intent, follow_final: bool) -> _Located:
        text = _validated(path)
        if intent != "read" and self.read_only:
            raise AccessDenied(
                f"This server is read-only: it cannot change '{text}'. Only reading is allowed, "
                f"inside {self._roots_text()}."
            )
        unquoted = _without_quotes(text)
        try:
            located = self._check_text(text, intent, follow_final)
        except NotFound:
            if unquoted is None:
                raise
            return self._check_text(unquoted, intent, follow_final)
        if located.entry is None and unquoted is not None:
            return self._check_text(unquoted, intent, follow_final)
        return located

    def _check_text(self, text: str, intent: Intent, follow_final: bool) -> _Located:
        located = self._locate(text, follow_final=follow_final)
        if located.through_file:
            raise NotFound(f"'{text}' does not exist: one of its parent components is a file.")
        if located.entry is None:
            if intent != "create":
                raise NotFound(f"'{text}' does not exist. Paths are looked up inside {self._roots_text()}.")
            return located
        kind = special_kind(located.entry.st_mode)
        if kind is not None:
            raise AccessDenied(f"'{text}' is {kind}; only regular files and directories can be used.")
        return located

    def _locate(self, text: str, *, follow_final: bool) -> _Located:
        absolute = self._absolute(text)
        # A root is canonical, so a path spelt under one can start walking there instead of at `/`.
        start = self._root_of(absolute)
        names = _components(absolute.relative_to(start)) if start else _components(absolute)
        try:
            walked = _walk(start or Path(absolute.anchor), names, follow_final=follow_final)
        except _SymlinkLoop:
            raise InvalidInput(f"'{text}' goes through too many symbolic links (a loop?).") from None
        except OSError as exc:
            raise _os_error(text, exc) from None
        root = self._root_of(walked.path)
        if root is None:
            raise AccessDenied(self._outside_message(text, absolute))
        return _Located(walked.path, walked.entry, walked.through_file, walked.parent_exists, root)

    def _absolute(self, text: str) -> Path:
        if _is_home_relative(text):
            try:
                return Path(text).expanduser()
            except RuntimeError:  # no HOME and no password entry
                raise InvalidInput("'~' cannot be used: this server has no home directory.") from None
        # `/` keeps an absolute path as it is and puts a relative one under the first root.
        return self.roots[0] / text

    def _root_of(self, canonical: Path) -> Path | None:
        # Whole components are compared, so `/a/dir` never contains `/a/dir_evil`.
        for root in self._roots_by_depth:
            if canonical.is_relative_to(root):
                return root
        return None

    def _outside_message(self, text: str, absolute: Path) -> str:
        if _is_home_relative(text):
            home = Path("~").expanduser()  # known to work: `absolute` was made from it
            reason = f"'~' is the home directory {home}, which is outside the allowed ones"
        elif self._root_of(Path(os.path.normpath(absolute))) is not None:
            reason = "it leads outside the allowed directories through a symbolic link"
        else:
            reason = "it is outside the allowed directories"
        return f"Access to '{text}' is denied: {reason}. Allowed: {self._roots_text()}."

    def _roots_text(self) -> str:
        roots = ", ".join(str(root) for root in self.roots)
        note = " (read-only)" if self.read_only else ""
        return f"{roots}{note}; relative paths start from {self.roots[0]}"

    def _open(
        self,
        path: str | os.PathLike[str],
        intent: Intent,
        follow_final: bool,
        opener: Callable[[_Located], _T],
    ) -> _T:
        for _attempt in range(_OPEN_ATTEMPTS):
            located = self._check(path, intent, follow_final)
            try:
                return opener(located)
            except TreeChanged:
                continue  # something was swapped since the check: check again from scratch
            except SpecialFile as exc:
                raise AccessDenied(
                    f"'{os.fspath(path)}' is {exc.kind}; only regular files and directories can be used."
                ) from None
            except OSError as exc:
                raise _os_error(os.fspath(path), exc) from None
        raise OperationFailed(f"'{os.fspath(path)}' kept changing while it was being opened; try again.")

    def _open_parent_of(self, located: _Located, path: str | os.PathLike[str]) -> tuple[DirectoryHandle, str]:
        parts = located.parts()
        if not parts:
            raise AccessDenied(
                f"'{os.fspath(path)}' is an allowed directory itself; name a file or directory inside it."
            )
        if not located.parent_exists:
            raise NotFound(
                f"The directory that would hold '{os.fspath(path)}' does not exist; create it first."
            )
        return open_beneath(str(located.root), parts[:-1], listable=False), parts[-1]


# -- reading the model's text -------------------------------------------------------------------


def _validated(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if not text:
        raise InvalidInput("The path is empty; give a path inside one of the allowed directories.")
    if "\0" in text:
        raise InvalidInput("The path contains a NUL character, which no file name can contain.")
    try:
        encoded = os.fsencode(text)
    except UnicodeEncodeError:
        raise InvalidInput("The path contains characters that cannot be part of a file name.") from None
    if len(encoded) > MAX_PATH_BYTES:
        raise InvalidInput(
            f"The path is {len(encoded)} bytes long; paths are limited to {MAX_PATH_BYTES} bytes."
        )
    longest = max(len(name) for name in encoded.replace(os.sep.encode(), b"/").split(b"/"))
    if longest > MAX_NAME_BYTES:
        raise InvalidInput(
            f"The path has a {longest}-byte name; each name is limited to {MAX_NAME_BYTES} bytes."
        )
    return text


def _is_home_relative(text: str) -> bool:
    """`~` and `~/...` mean the home directory; `~user` is not expanded (it is just a name)."""
    return text == "~" or text.startswith(("~/", f"~{os.sep}"))


def _without_quotes(text: str) -> str | None:
    """The text inside one pair of matching quotes, or None if it is not quoted that way."""
    if len(text) > 2 and text[0] == text[-1] and text[0] in _QUOTES:
        return text[1:-1]
    return None


def _canonical_root(root: str | os.PathLike[str]) -> Path:
    given = Path(root).expanduser()
    canonical = given.resolve()
    if not canonical.is_dir():
        problem = "is not a directory" if canonical.exists() else "does not exist"
        raise InvalidInput(f"The allowed directory '{given}' {problem}; name an existing directory.")
    return canonical


def _client_root_path(offered: str | os.PathLike[str]) -> Path | None:
    """A client root as a canonical existing directory, or None when it cannot be one."""
    text = os.fspath(offered)
    if text.startswith("file://"):
        url = urllib.parse.urlsplit(text)
        if url.netloc not in ("", "localhost"):
            return None
        text = urllib.parse.unquote(url.path)
    if "\0" in text or not Path(text).is_absolute():
        return None
    canonical = Path(text).resolve()
    return canonical if canonical.is_dir() else None


def _os_error(text: str, exc: OSError) -> MooringsError:
    """Translate an operating system refusal into a message for the model."""
    if exc.errno == errno.ENAMETOOLONG:
        return InvalidInput(f"'{text}' is too long for the file system once resolved; use a shorter path.")
    if isinstance(exc, FileNotFoundError):
        return NotFound(f"'{text}' does not exist.")
    if isinstance(exc, FileExistsError):
        return OperationFailed(f"'{text}' already exists.")
    if isinstance(exc, IsADirectoryError):
        return InvalidInput(f"'{text}' is a directory, not a file.")
    if isinstance(exc, NotADirectoryError):
        return InvalidInput(f"'{text}' is a file, not a directory.")
    if isinstance(exc, PermissionError):
        return AccessDenied(f"The operating system denied access to '{text}'.")
    return OperationFailed(f"Could not use '{text}': {exc.strerror or exc}.")


# -- canonicalisation ---------------------------------------------------------------------------


class _SymlinkLoop(Exception):
    """More symlinks than the kernel would follow."""


def _walk(start: Path, names: list[str], *, follow_final: bool) -> _Walked:
    """Canonicalise `start/names...` one name at a time, like realpath but with more to say.

    Symlinks (and Windows junctions) are followed (the last one only with `follow_final`), even
    dangling ones, so the result names where a write would land. `..` is taken physically (the
    parent of what was resolved so far). Missing components are kept as spelt, or respelt NFC/NFD
    when only the other spelling exists. `start` must be a canonical directory (an anchor such as
    `/`, or a root).
    """
    pending = names[::-1]  # a stack: the next name is at the end
    current = start
    entry: os.stat_result | None = current.lstat()
    through_file = False
    links_followed = 0
    while pending:
        name = pending.pop()
        if name == "..":
            through_file = through_file or (entry is not None and not stat.S_ISDIR(entry.st_mode))
            current = current.parent
            entry = _lstat(current)
            continue
        if entry is None or not stat.S_ISDIR(entry.st_mode):
            through_file = through_file or entry is not None
            current, entry = current / name, None  # nothing exists below a missing entry or a file
            continue
        directory_entry = entry
        name, entry = _lookup(current, name)
        if entry is not None and is_link(entry) and (pending or follow_final):
            links_followed += 1
            if links_followed > _MAX_SYMLINKS:
                raise _SymlinkLoop
            target = (current / name).readlink()
            if target.is_absolute():
                current = Path(target.anchor)
                entry = current.lstat()
            else:
                entry = directory_entry  # a relative target starts from the link's directory
            pending.extend(_components(target)[::-1])
            continue
        current = current / name
    parent = _lstat(current.parent)
    parent_exists = parent is not None and stat.S_ISDIR(parent.st_mode)
    return _Walked(current, entry, through_file, parent_exists)


def _components(path: Path) -> list[str]:
    """The names in `path`, without its anchor (`/`, a drive); `..` is kept, `.` and empty names dropped."""
    return list(path.parts[1:] if path.anchor else path.parts)


def _lookup(directory: Path, name: str) -> tuple[str, os.stat_result | None]:
    """`lstat` a name, falling back to its other Unicode spelling when the given one does not exist."""
    entry = _lstat(directory / name)
    if entry is not None or name.isascii():
        return name, entry
    for spelling in (unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)):
        if spelling != name:
            entry = _lstat(directory / spelling)
            if entry is not None:
                return spelling, entry
    return name, None


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
