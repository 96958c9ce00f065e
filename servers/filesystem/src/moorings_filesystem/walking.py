"""Walking a tree inside the jail: fast, in a stable order, and never led outside by a symlink.

The walk starts from a directory the jail opened and goes down through `DirectoryHandle.open_directory`
(`openat(O_NOFOLLOW | O_DIRECTORY)` relative to the parent's fd where the OS has it), so no symbolic
link is ever followed: a symlink is reported as an entry of kind "symlink" and never entered, even
one that points inside (that keeps loops and duplicates out, as `find` and ripgrep do by default).
Kinds come from the directory entry's type, so files are not stat-ed; FIFOs and devices are
reported, never opened. Each directory's entries are sorted by name, which makes the order, and so
a cursor into it, the same from one call to the next.

What a walk skips is decided as each directory is read, so a skipped directory is never entered:
.gitignore rules (`ignore`), the `.git` directory, exclude globs, a depth limit, a caller's pruning
test, and a deadline. The .gitignore files of the directories between the allowed root and the start
apply too, unless they ignore the start itself (a directory asked for by name is searched).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from moorings_core import MooringsError, PathJail
from moorings_core.platform.files import DirectoryHandle, SpecialFile
from moorings_core.sandbox.paths import file_kind
from moorings_filesystem.globs import PathPatterns
from moorings_filesystem.ignore import IgnoreRules

__all__ = [
    "Directory",
    "FileTooBig",
    "Skipped",
    "TreeWalk",
    "WalkOptions",
    "entry_kind",
    "read_regular_file",
    "sorted_entries",
]

_MAX_OPEN_DEPTH = 256  # one directory per level is held open; deeper trees are reported, not entered
_MAX_GITIGNORE_BYTES = 1 << 20


class Directory(NamedTuple):
    """One directory met by a walk, with its entries (sorted, and without what the walk skips)."""

    path: str  # '/'-separated, relative to the walk's start; "" for the start itself
    depth: int  # the depth of its entries: 1 for the start's own
    handle: DirectoryHandle  # the open directory; valid only until the walk moves on
    entries: list[tuple[str, str]]  # (name, kind): file, directory, symlink, fifo, socket, device, other

    def path_of(self, name: str) -> str:
        """The path of one of its entries, from the walk's start."""
        return f"{self.path}/{name}" if self.path else name


@dataclass
class Skipped:
    """What a walk left out, so a result can say so."""

    ignored: int = 0  # by .gitignore (a pruned directory counts once)
    excluded: int = 0  # by exclude globs
    unreadable: int = 0  # directories that could not be opened or read
    too_deep: int = 0  # directories deeper than a walk can hold open


@dataclass(frozen=True)
class WalkOptions:
    gitignore: bool = True
    exclude: PathPatterns = field(default_factory=lambda: PathPatterns(()))
    max_depth: int | None = None  # the deepest level reported; 1 is the start's own entries
    descend: Callable[[str], bool] | None = None  # False for a directory prunes what is below it
    # A `time.monotonic()` after which no directory is entered, usually the call's
    # `moorings_core.limits.work_deadline()`: a tool returns what it found before the call's
    # deadline instead of being cut off (its thread would go on walking, unseen).
    deadline: float | None = None


def entry_kind(entry: os.DirEntry[str]) -> str | None:
    """The kind of a directory entry, from its type when the file system gives it; None if it vanished."""
    try:
        if entry.is_dir(follow_symlinks=False):
            return "directory"
        if entry.is_file(follow_symlinks=False):
            return "file"
        if entry.is_symlink():
            return "symlink"
        return file_kind(entry.stat(follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return None
    except OSError:
        return "other"  # there, but not even its type can be read


def sorted_entries(directory: DirectoryHandle) -> list[tuple[str, str]]:
    """The (name, kind) pairs of the open directory, sorted by name.

    Files and directories, nearly everything, are told apart inline (a call per entry shows at
    10,000 entries); the rest go through `entry_kind`.
    """
    with directory.scandir() as scan:
        entries = [
            (
                entry.name,
                "directory"
                if entry.is_dir(follow_symlinks=False)
                else "file"
                if entry.is_file(follow_symlinks=False)
                else entry_kind(entry) or "",
            )
            for entry in scan
        ]
    entries.sort()
    if any(not kind for _, kind in entries):  # some vanished while being listed
        entries = [(name, kind) for name, kind in entries if kind]
    return entries


class FileTooBig(Exception):
    """A file over the size a reader accepts."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(size)


def read_regular_file(directory: DirectoryHandle, name: str, max_bytes: int) -> bytes | None:
    """The content of `name` in `directory`, or None unless it is a readable regular file (not a symlink).

    Opened by `DirectoryHandle.open_file`, so a FIFO swapped in is refused, never read.
    Raises `FileTooBig` for a file over `max_bytes`.
    """
    try:
        fd = directory.open_file(name)
    except (OSError, SpecialFile):
        return None
    try:
        info = os.fstat(fd)
        if info.st_size > max_bytes:
            raise FileTooBig(info.st_size)
        return os.read(fd, max(info.st_size, 1) + 1)[:max_bytes]  # +1: see a file that grew
    except OSError:
        return None
    finally:
        os.close(fd)


class TreeWalk:
    """Iterate the directories below a start, depth first, each with its entries; a context manager.

    A directory is yielded before any of its subdirectories; `start` is the canonical directory
    walked, `skipped` counts what was left out and `timed_out` says the deadline stopped the walk.
    """

    def __init__(self, jail: PathJail, path: str, options: WalkOptions) -> None:
        self.start: Path = jail.resolve(path)
        self.skipped = Skipped()
        self.timed_out = False
        self._prefix = f"{str(self.start).rstrip('/')}/"
        self._options = options
        rules = _rules_above(jail, self.start) if options.gitignore else IgnoreRules()
        self._top = jail.open_directory(self.start)
        self._directories = self._walk(rules)

    def __enter__(self) -> TreeWalk:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._directories.close()  # closes the directories still open
        self._top.close()

    def __iter__(self) -> Iterator[Directory]:
        return self._directories

    def absolute(self, path: str) -> str:
        """The absolute path of an entry, as the jail accepts it back."""
        return self._prefix + path

    def _walk(self, rules: IgnoreRules) -> Generator[Directory, None, None]:
        entries, rules = self._read(self._top, "", rules)
        yield Directory("", 1, self._top, entries)
        stack = [(self._top, "", 1, self._to_enter(entries, "", 1), rules)]
        try:
            while stack:
                handle, directory, depth, pending, rules = stack[-1]
                name = next(pending, None)
                if name is not None and self._past_deadline():
                    return
                if name is None:
                    stack.pop()
                    if handle is not self._top:
                        handle.close()
                    continue
                path = f"{directory}/{name}" if directory else name
                child = self._open_child(handle, name)
                if child is None:
                    continue
                entries, child_rules = self._read(child, path, rules)
                stack.append((child, path, depth + 1, self._to_enter(entries, path, depth + 1), child_rules))
                yield Directory(path, depth + 1, child, entries)
        finally:
            for handle, *_ in stack:
                if handle is not self._top:
                    handle.close()

    def _past_deadline(self) -> bool:
        deadline = self._options.deadline
        self.timed_out = deadline is not None and time.monotonic() > deadline
        return self.timed_out

    def _to_enter(self, entries: list[tuple[str, str]], directory: str, depth: int) -> Iterator[str]:
        """The subdirectories to walk into, decided once the caller has seen their parent."""
        for name, kind in entries:
            if kind == "directory" and self._enters(f"{directory}/{name}" if directory else name, depth):
                yield name

    def _enters(self, path: str, depth: int) -> bool:
        options = self._options
        if options.max_depth is not None and depth >= options.max_depth:
            return False
        if options.descend is not None and not options.descend(path):
            return False
        if depth >= _MAX_OPEN_DEPTH:
            self.skipped.too_deep += 1
            return False
        return True

    def _open_child(self, parent: DirectoryHandle, name: str) -> DirectoryHandle | None:
        try:
            # Never through a link: a directory swapped for a symlink since it was listed is not entered.
            return parent.open_directory(name)
        except OSError:
            self.skipped.unreadable += 1
            return None

    def _read(
        self, handle: DirectoryHandle, directory: str, rules: IgnoreRules
    ) -> tuple[list[tuple[str, str]], IgnoreRules]:
        """A directory's kept entries, sorted, and the .gitignore rules in force inside it."""
        try:
            entries = sorted_entries(handle)
        except OSError:
            self.skipped.unreadable += 1
            return [], rules
        if self._options.gitignore and (".gitignore", "file") in entries:
            try:
                content = read_regular_file(handle, ".gitignore", _MAX_GITIGNORE_BYTES)
            except FileTooBig:
                content = None
            if content is not None:
                rules = rules.within(_lines(content), directory)
        return self._kept(entries, directory, rules), rules

    def _kept(
        self, entries: list[tuple[str, str]], directory: str, rules: IgnoreRules
    ) -> list[tuple[str, str]]:
        gitignore, exclude = self._options.gitignore, self._options.exclude
        dropped: set[str] = set()
        if gitignore and (".git", "directory") in entries:
            dropped.add(".git")
        if rules:
            dropped |= rules.ignored_names(directory, [(name, kind == "directory") for name, kind in entries])
        self.skipped.ignored += len(dropped)
        if exclude:
            prefix = f"{directory}/" if directory else ""
            excluded = {
                name
                for name, kind in entries
                if name not in dropped and exclude.matches(prefix + name, name, is_dir=kind == "directory")
            }
            self.skipped.excluded += len(excluded)
            dropped |= excluded
        return [entry for entry in entries if entry[0] not in dropped] if dropped else entries


def _rules_above(jail: PathJail, start: Path) -> IgnoreRules:
    """The .gitignore rules of the directories from the allowed root down to `start` (excluded)."""
    roots = [root for root in jail.roots if start.is_relative_to(root)]
    if not roots:
        return IgnoreRules()
    root = max(roots, key=lambda candidate: len(candidate.parts))
    rules = IgnoreRules()
    directory = root
    for name in (*start.relative_to(root).parts, None):
        lines = _jailed_lines(jail, directory / ".gitignore") if directory != start else None
        if lines is not None:
            rules = rules.above(lines, start.relative_to(directory).as_posix())
        if name is not None:
            directory = directory / name
    return IgnoreRules() if rules.ignores_start() else rules


def _jailed_lines(jail: PathJail, path: Path) -> list[str] | None:
    try:
        fd = jail.open_file(path)
    except MooringsError:
        return None  # no .gitignore there, or one the jail refuses (a symlink out, a FIFO)
    try:
        return _lines(os.read(fd, _MAX_GITIGNORE_BYTES))
    except OSError:
        return None
    finally:
        os.close(fd)


def _lines(content: bytes) -> list[str]:
    return content.decode("utf-8", "replace").splitlines()
