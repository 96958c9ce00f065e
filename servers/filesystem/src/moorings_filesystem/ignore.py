"""The .gitignore rules in force while walking a tree, matched by `pathspec` exactly as git reads them.

Rules come in layers, one per .gitignore file, from the allowed root down to the directory being
walked. Git's precedence holds: within a file the last matching pattern wins, and a deeper file
overrides a shallower one, so layers are asked deepest first and the first with an opinion decides
(`!pattern` re-includes). Paths are '/'-separated and relative to the walk's start; each layer
rewrites them relative to its own directory. Ignored directories are pruned by the walk, so a file
inside one is never re-included, as in git.

Speed: pathspec tries each pattern from Python (~1 µs a pattern a path). Most entries match nothing,
so each layer also joins pathspec's own regexes into one "screen" and first searches a whole
directory's entries at once (one line each); only a directory where the screen finds something is
decided entry by entry, and pathspec still makes every decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported on first use: pathspec costs ~20 ms, and start-up time matters
    from pathspec import GitIgnoreSpec

__all__ = ["IgnoreRules"]

_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_PLAIN_FLAGS = re.compile("").flags  # what pathspec compiles its str regexes with (re.UNICODE)


@dataclass(frozen=True)
class _Layer:
    """One .gitignore file: a path from the walk's start becomes `prefix + path[strip:]` for it."""

    spec: GitIgnoreSpec
    prefix: str  # for a file above the start: the start's path below that file's directory
    strip: int  # for a file below the start: the length of its directory's path (with the '/')
    screen: re.Pattern[str] | None  # see `_screen`; None: ask pathspec about every path

    def rewritten(self, candidate: str) -> str:
        return self.prefix + candidate[self.strip :]

    def may_match_any(self, candidates: Sequence[str]) -> bool:
        if self.screen is None:
            return True
        return (
            self.screen.search("\n".join(self.rewritten(candidate) for candidate in candidates)) is not None
        )

    def decision(self, candidate: str) -> bool | None:
        path = self.rewritten(candidate)
        if self.screen is not None and self.screen.search(path) is None:
            return None  # no pattern of this file matches: pathspec would say the same, slower
        return self.spec.check_file(path).include


class IgnoreRules:
    """An immutable stack of .gitignore layers; `within` and `above` return a new stack."""

    __slots__ = ("_layers",)

    def __init__(self, layers: tuple[_Layer, ...] = ()) -> None:
        self._layers = layers

    def __bool__(self) -> bool:
        return bool(self._layers)

    def above(self, lines: Iterable[str], start_below: str) -> IgnoreRules:
        """Add a .gitignore from a directory above the walk's start; `start_below` is the start's
        path below that directory (e.g. "src/app"). Push the outermost file first."""
        return self._pushed(lines, prefix=f"{start_below}/" if start_below else "", strip=0)

    def within(self, lines: Iterable[str], directory: str) -> IgnoreRules:
        """Add the .gitignore found in `directory` (a path from the start; "" for the start)."""
        return self._pushed(lines, prefix="", strip=len(directory) + 1 if directory else 0)

    def ignores_start(self) -> bool:
        """Whether the layers above the start ignore the start directory itself."""
        return _decide(self._layers, "")

    def ignores(self, path: str, *, is_dir: bool) -> bool:
        """Whether the entry at `path` (from the walk's start) is ignored."""
        return _decide(self._layers, _candidate(path, is_dir))

    def ignored_names(self, directory: str, entries: Sequence[tuple[str, bool]]) -> set[str]:
        """The names among a directory's `(name, is_dir)` entries that are ignored."""
        prefix = f"{directory}/" if directory else ""
        candidates = [_candidate(prefix + name, is_dir) for name, is_dir in entries]
        # A layer whose screen finds nothing in the whole directory has no opinion on any entry.
        active = tuple(layer for layer in self._layers if layer.may_match_any(candidates))
        if not active:
            return set()
        return {
            name
            for (name, _), candidate in zip(entries, candidates, strict=True)
            if _decide(active, candidate)
        }

    def _pushed(self, lines: Iterable[str], *, prefix: str, strip: int) -> IgnoreRules:
        from pathspec import GitIgnoreSpec

        spec = GitIgnoreSpec.from_lines(lines)
        if all(pattern.include is None for pattern in spec.patterns):  # only comments: nothing to ask
            return self
        return IgnoreRules((*self._layers, _Layer(spec, prefix, strip, _screen(spec))))


def _candidate(path: str, is_dir: bool) -> str:
    return f"{path}/" if is_dir else path  # a trailing '/' is how pathspec meets `dir/` rules


def _decide(layers: tuple[_Layer, ...], candidate: str) -> bool:
    for layer in reversed(layers):
        decision = layer.decision(candidate)
        if decision is not None:
            return decision
    return False


def _screen(spec: GitIgnoreSpec) -> re.Pattern[str] | None:
    """One regex that matches wherever any of the file's patterns matches: pathspec's regexes, joined.

    It is compiled MULTILINE so that searching many paths joined by newlines finds a match whenever
    one path alone would (`^`/`$` hold at each line; the match found for a path never needs the
    newline). Joining needs the named groups unnamed; when that cannot be done with certainty, or a
    regex uses `\\A`/`\\Z`, there is no screen, which is only slower.
    """
    sources: list[str] = []
    for pattern in spec.patterns:
        if pattern.include is None:
            continue
        regex = getattr(pattern, "regex", None)
        if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str):
            return None
        source, groups = _NAMED_GROUP.subn("(?:", regex.pattern)
        if regex.flags != _PLAIN_FLAGS or groups != len(regex.groupindex) or "(?P=" in source:
            return None
        if "\\A" in source or "\\Z" in source:
            return None
        sources.append(f"(?:{source})")
    try:
        return re.compile("|".join(sources), re.MULTILINE) if sources else None
    except re.error:
        return None
