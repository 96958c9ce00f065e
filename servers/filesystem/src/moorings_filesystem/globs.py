"""Glob patterns in the reference server's dialect (minimatch with `dot: true`), compiled to `re`.

`Glob` matches a '/'-separated path relative to a search's start, as the reference's `search_files`
does: `*` and `?` stay within one name, `[...]` is a character class, `**` alone in a segment spans
any number of directories (none included), `{a,b}` expands, `\\` escapes. Dotfiles are matched like
any name. A trailing `/` limits the pattern to directories. Extglobs (`+(...)`) and `!` negation are
not supported; their characters match literally.

`PathPatterns` is the dialect of include/exclude lists: a pattern without a slash matches an entry's
name at any depth (`node_modules`, `*.log`), one with a slash matches its path from the start
(`src/gen/**`, `/build`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from moorings_core import InvalidInput

__all__ = ["Glob", "PathPatterns"]

_MAX_ALTERNATIVES = 256  # brace expansion is exponential; a pattern is not a program
_ANY_DIRECTORIES = "(?:[^/]+/)*"  # `**/`: zero or more whole directory names


@dataclass(frozen=True)
class _Alternative:
    """One brace-free pattern, split into segments for pruning."""

    segments: tuple[str, ...]
    directory_only: bool

    @property
    def globstar(self) -> int | None:
        """The index of the first `**` segment, if any."""
        return self.segments.index("**") if "**" in self.segments else None


class Glob:
    """A compiled glob; `matches` a path, `may_match_below` tells whether a directory is worth entering."""

    def __init__(self, pattern: str) -> None:
        if not pattern:
            raise InvalidInput("The pattern is empty; give a glob such as '**/*.py' or 'README*'.")
        self.pattern = pattern
        self._alternatives = [_split(text) for text in _expand_braces(pattern)]
        # `**/name-glob` is the common case; matching the name alone is faster and means the same.
        self._by_name = all(_is_any_depth_name(alt) for alt in self._alternatives)
        alternatives = (
            [_Alternative(alt.segments[1:], alt.directory_only) for alt in self._alternatives]
            if self._by_name
            else self._alternatives
        )
        files = [alt for alt in alternatives if not alt.directory_only]
        self._any = _compile(alternatives)
        self._files = _compile(files) if len(files) != len(alternatives) else self._any
        self._prefixes = [
            [re.compile(_segment(segment)) for segment in alt.segments[: alt.globstar]]
            for alt in self._alternatives
        ]

    def matches(self, directory: str, name: str, *, is_dir: bool) -> bool:
        """Whether the entry `name` in `directory` ('/'-separated, from the search's start; "" for the
        start itself) matches."""
        subject = name if self._by_name or not directory else f"{directory}/{name}"
        return (self._any if is_dir else self._files).fullmatch(subject) is not None

    def may_match_below(self, directory: str) -> bool:
        """Whether anything below `directory` (a path from the start) could match; False prunes it."""
        names = directory.split("/")
        for alternative, prefix in zip(self._alternatives, self._prefixes, strict=True):
            if alternative.globstar is None and len(names) >= len(alternative.segments):
                continue  # the pattern ends at or above this directory's depth
            if all(regex.fullmatch(name) for regex, name in zip(prefix, names, strict=False)):
                return True
        return False


class PathPatterns:
    """Include or exclude globs: slash-less ones match an entry's name, the others its path."""

    def __init__(self, patterns: Sequence[str]) -> None:
        by_name: list[_Alternative] = []
        by_path: list[_Alternative] = []
        for pattern in patterns:
            if not pattern:
                raise InvalidInput("A pattern is empty; give globs such as 'node_modules' or '*.log'.")
            for text in _expand_braces(pattern):
                alternative = _split(text)
                anchored = text.startswith("/") or len(alternative.segments) > 1
                (by_path if anchored else by_name).append(alternative)
        self.patterns = tuple(patterns)
        self._name_any, self._name_files = _compile_pair(by_name)
        self._path_any, self._path_files = _compile_pair(by_path)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, path: str, name: str, *, is_dir: bool) -> bool:
        """Whether the entry `name` at `path` (from the search's start) is picked by a pattern."""
        by_name, by_path = (
            (self._name_any, self._path_any) if is_dir else (self._name_files, self._path_files)
        )
        return (by_name is not None and by_name.fullmatch(name) is not None) or (
            by_path is not None and by_path.fullmatch(path) is not None
        )


def _is_any_depth_name(alternative: _Alternative) -> bool:
    """`**/x` where x is one name glob: the same as matching x against the entry's name."""
    segments = alternative.segments
    return len(segments) == 2 and segments[0] == "**" and segments[1] != "**"


def _compile_pair(alternatives: list[_Alternative]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Regexes for directories (every alternative) and for files (those without a trailing '/')."""
    files = [alt for alt in alternatives if not alt.directory_only]
    return (_compile(alternatives) if alternatives else None, _compile(files) if files else None)


def _compile(alternatives: list[_Alternative]) -> re.Pattern[str]:
    if not alternatives:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile("|".join(f"(?:{_translate(alt.segments)})" for alt in alternatives), re.DOTALL)


def _split(text: str) -> _Alternative:
    directory_only = text.endswith("/") and text.strip("/") != ""
    segments = tuple(segment for segment in text.strip("/").split("/") if segment)
    return _Alternative(segments or ("",), directory_only)


def _translate(segments: tuple[str, ...]) -> str:
    """A regex for a whole path: each segment's regex, joined by '/', with `**` spanning directories."""
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # `a/**` needs something below `a`; `**/b` and `a/**/b` may match no directory at all.
            parts.append(".+" if last else _ANY_DIRECTORIES)
        else:
            parts.append(_segment(segment) + ("" if last else "/"))
    return "".join(parts)


def _segment(segment: str) -> str:
    """A regex for one name: `*`, `?`, `[...]`, `\\x`; everything else literal."""
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "\\" and index + 1 < len(segment):
            out.append(re.escape(segment[index + 1]))
            index += 2
            continue
        if char == "*":
            while index + 1 < len(segment) and segment[index + 1] == "*":
                index += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            translated, index = _character_class(segment, index)
            out.append(translated)
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _character_class(segment: str, start: int) -> tuple[str, int]:
    """Translate `[...]` at `start`; return the regex and the index after it (a lone `[` is literal)."""
    index = start + 1
    negate = index < len(segment) and segment[index] in "!^"
    if negate:
        index += 1
    members: list[str] = []
    first = True
    while index < len(segment) and (segment[index] != "]" or first):
        char = segment[index]
        if char == "\\" and index + 1 < len(segment):
            index += 1
            char = segment[index]
        members.append(char if char == "-" and not first else re.escape(char))
        first = False
        index += 1
    if index >= len(segment):
        return re.escape("["), start + 1
    body = "".join(members)
    return (f"[^/{body}]" if negate else f"[{body}]"), index + 1


def _expand_braces(pattern: str) -> list[str]:
    """Expand `{a,b}` groups (nested too); a group without a top-level comma stays literal."""
    expanded = [pattern]
    done: list[str] = []
    while expanded:
        text = expanded.pop()
        group = _first_brace_group(text)
        if group is None:
            done.append(text)
            continue
        open_at, close_at, choices = group
        expanded.extend(text[:open_at] + choice + text[close_at + 1 :] for choice in reversed(choices))
        if len(done) + len(expanded) > _MAX_ALTERNATIVES:
            raise InvalidInput(
                f"The pattern {pattern!r} expands to more than {_MAX_ALTERNATIVES} alternatives; "
                "use fewer or smaller {a,b} groups."
            )
    return done


def _first_brace_group(text: str) -> tuple[int, int, list[str]] | None:
    """The first `{...}` with a top-level comma: (open index, close index, choices)."""
    index = 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == "{":
            found = _brace_choices(text, index)
            if found is not None:
                return index, found[0], found[1]
        index += 1
    return None


def _brace_choices(text: str, open_at: int) -> tuple[int, list[str]] | None:
    depth = 0
    choices: list[str] = []
    begin = open_at + 1
    index = open_at + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == "}":
            choices.append(text[begin:index])
            return (index, choices) if len(choices) > 1 else None
        elif char == "," and not depth:
            choices.append(text[begin:index])
            begin = index + 1
        index += 1
    return None
