"""Tools that search: files by glob (`search_files`), and file contents (`search_file_contents`).

Both walk the tree with `walking.TreeWalk` (dir fds, no symlink ever followed, .gitignore honoured
unless `includeIgnored`), in the same stable order every time, so a cursor is simply how many matches
came before: the next call walks again and skips them. Pages are the core's (`moorings_core.paging`):
a cursor only continues a search with the same path, pattern and filters. Every call counts all the
matches, so a cut result says how many more there are ("(N more)").

`search_files` keeps the reference's dialect: `pattern` is a glob matched against each path relative
to `path` ('*.py' finds files directly in it, '**/*.py' at any depth), and it returns absolute paths,
one per line. Directories that cannot hold a match are not entered, so an anchored pattern is cheap.

`search_file_contents` reads each candidate file whole (up to the read limit; bigger ones are skipped
with a note) and runs one compiled `re` over the bytes, not line by line; a file with a NUL byte in its
first block is binary and skipped. Case-insensitive patterns with non-ASCII letters search decoded
text instead, since bytes regexes fold ASCII only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, AnyStr, NamedTuple

import mcp_types as types
from pydantic import Field

from moorings_core import (
    InvalidInput,
    MooringsServer,
    Output,
    Page,
    Pager,
    PageRequest,
    PathJail,
    Progress,
    ToolContext,
    counted,
    reporting_progress,
    run_blocking,
    tool_result,
    work_deadline,
)
from moorings_core.paging import join_notes, room_for_items, with_note
from moorings_core.platform.files import DirectoryHandle
from moorings_filesystem.globs import Glob, PathPatterns
from moorings_filesystem.walking import FileTooBig, TreeWalk, WalkOptions, read_regular_file
from moorings_filesystem.workspace import Workspace

__all__ = ["register"]

_BINARY_PROBE = 8192  # bytes looked at for a NUL, like git and grep
_MAX_LINE_CHARS = 400  # a minified file's line is cut around the match
_PATH_OVERHEAD = 16  # characters a path costs beyond itself, in the text and the structured copy
_MATCH_OVERHEAD = 48
_COUNT_LIMIT = 100_000  # matches counted beyond a full page before the count says "at least"
_SKIPPED_NAMES = 5  # files named in a note about big files


class FileSearch(Output):
    path: str = Field(description="The directory searched.")
    pattern: str
    matches: list[str] = Field(description="Absolute paths of this page's matches, in walk order.")
    total: int = Field(description="Matches in the whole tree.")
    next_cursor: str | None = Field(None, description="Pass back as `cursor` for the next page.")
    ignored: int = Field(description="Entries left out by .gitignore (an ignored directory counts once).")
    note: str | None = None


class ContentMatch(Output):
    path: str = Field(description="Absolute path of the file.")
    line: int = Field(description="1-based line number.")
    text: str = Field(description="The matching line (cut around the match when very long).")
    before: list[str] | None = Field(None, description="Context lines before it, in order.")
    after: list[str] | None = Field(None, description="Context lines after it, in order.")


class ContentSearch(Output):
    path: str = Field(description="The directory or file searched.")
    pattern: str
    matches: list[ContentMatch] = Field(description="This page of matching lines, in walk order.")
    total: int = Field(description="Matching lines found (at least this many when `complete` is false).")
    complete: bool = Field(description="Whether every match was counted.")
    next_cursor: str | None = Field(None, description="Pass back as `cursor` for the next page.")
    files_searched: int
    skipped_binary: int = Field(description="Files skipped for a NUL byte in their first block.")
    skipped_large: int = Field(description="Files skipped for being over the read limit.")
    ignored: int = Field(description="Entries left out by .gitignore (an ignored directory counts once).")
    note: str | None = None


def _ignored_note(ignored: int, gitignore: bool) -> str | None:
    if not (ignored and gitignore):
        return None
    entries = f"{ignored:,} {'entry' if ignored == 1 else 'entries'}"
    return f"{entries} ignored by .gitignore not searched (pass includeIgnored: true to search them)"


def _files(count: int, kind: str = "") -> str:
    return f"{count:,} {kind}{'file' if count == 1 else 'files'}"


# -- search_files ---------------------------------------------------------------------------------


def _find(
    jail: PathJail,
    path: str,
    glob: Glob,
    options: WalkOptions,
    request: PageRequest,
    pager: Pager[str],
    progress: Progress,
) -> types.CallToolResult:
    options = replace(options, descend=glob.may_match_below)
    scanned = 0
    with TreeWalk(jail, path, options) as walk:
        for directory in walk:
            scanned += len(directory.entries)
            progress.update(scanned)
            for name, kind in directory.entries:
                if glob.matches(directory.path, name, is_dir=kind == "directory"):
                    absolute = walk.absolute(directory.path_of(name))
                    pager.offer(absolute, len(absolute) + _PATH_OVERHEAD)
        start, ignored, timed_out = walk.start, walk.skipped.ignored, walk.timed_out
    page = pager.page(pager.seen, exact=not timed_out)
    note = join_notes(
        _timed_out_note(timed_out),
        request.note(page, "match", narrow="narrow the pattern or the path"),
        _ignored_note(ignored, options.gitignore),
        _pattern_hint(glob.pattern) if page.total == 0 else None,
    )
    result = FileSearch(
        path=jail.display(start),
        pattern=glob.pattern,
        matches=page.items,
        total=pager.seen,
        next_cursor=request.next_cursor(page),
        ignored=ignored,
        note=note,
    )
    text = "\n".join(page.items) if page.items else _nothing_found(page)
    return tool_result(with_note(text, note), result)


def _nothing_found(page: Page[Any]) -> str:
    """The text of a page without matches: a later page says why in its note."""
    return "" if page.start else "No matches found"


def _timed_out_note(timed_out: bool) -> str | None:
    if not timed_out:
        return None
    return (
        "The search stopped before the end of the tree to answer within the call's time limit, so "
        "the results and counts are partial: search a subdirectory or narrow the pattern"
    )


def _pattern_hint(pattern: str) -> str | None:
    if "/" in pattern or "**" in pattern:
        return None
    return (
        f"'{pattern}' is matched against paths relative to `path`, so it only finds entries directly "
        f"inside it; use '**/{pattern}' to search every depth"
    )


# -- search_file_contents -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    """A compiled content search: over bytes, or over decoded text when case folding needs Unicode."""

    pattern: str
    binary_regex: re.Pattern[bytes] | None
    text_regex: re.Pattern[str] | None
    context: int
    # For literal ASCII-folded or exact text: a file without it is skipped at memchr speed.
    needle: bytes | None = None
    fold: bool = False  # compare `needle` with the content lowered (ASCII only, as a bytes regex folds)

    @classmethod
    def compile(cls, pattern: str, *, literal: bool, case_sensitive: bool | None, context: int) -> _Query:
        if case_sensitive is None:  # smart case: an upper-case letter asks for an exact match
            case_sensitive = pattern != pattern.lower()
        source = re.escape(pattern) if literal else pattern
        flags = re.MULTILINE | (0 if case_sensitive else re.IGNORECASE)
        try:
            text_regex = re.compile(source, flags)
        except re.error as exc:
            raise InvalidInput(
                f"The pattern is not a valid regular expression: {exc}.",
                hint="Fix it, or pass literal: true to search for the text as it is.",
            ) from None
        if not case_sensitive and not pattern.isascii():
            return cls(pattern, None, text_regex, context)
        needle = (pattern if case_sensitive else pattern.lower()).encode("utf-8") if literal else None
        try:
            binary_regex = re.compile(source.encode("utf-8"), flags)
            return cls(pattern, binary_regex, None, context, needle, fold=not case_sensitive)
        except re.error:  # a str-only construct, e.g. \N{...} or \u00e9: search decoded text
            return cls(pattern, None, text_regex, context)


class _Hit(NamedTuple):
    """A matching line in a buffer: its number, where it starts and ends, where the match starts."""

    number: int
    start: int  # of the line
    end: int  # of the line, before its newline
    match_start: int


def _hits(buffer: AnyStr, regex: re.Pattern[AnyStr], newline: AnyStr) -> Iterator[_Hit]:
    """Each line with a match (once, at its first match), found by searching the whole buffer."""
    size = len(buffer)
    position = 0
    number = 1
    counted_to = 0
    while position <= size:
        found = regex.search(buffer, position)
        if found is None:
            return
        line_start = buffer.rfind(newline, 0, found.start()) + 1
        if line_start == size:
            return  # the empty "line" after a final newline is not a line
        line_end = buffer.find(newline, found.start())
        if line_end < 0:
            line_end = size
        number += buffer.count(newline, counted_to, line_start)
        counted_to = line_start
        yield _Hit(number, line_start, line_end, found.start())
        position = line_end + 1


def _lines_before(buffer: AnyStr, line_start: int, count: int, newline: AnyStr) -> list[AnyStr]:
    lines: list[AnyStr] = []
    end = line_start - 1
    while count > 0 and end >= 0:
        start = buffer.rfind(newline, 0, end) + 1
        lines.append(buffer[start:end])
        end = start - 1
        count -= 1
    return lines[::-1]


def _lines_after(buffer: AnyStr, line_end: int, count: int, newline: AnyStr) -> list[AnyStr]:
    lines: list[AnyStr] = []
    start = line_end + 1
    while count > 0 and start < len(buffer):
        end = buffer.find(newline, start)
        if end < 0:
            end = len(buffer)
        lines.append(buffer[start:end])
        start = end + 1
        count -= 1
    return lines


def _cost(line: bytes | str) -> int:
    """About what a shown line adds to the result, in the text and in the structured copy."""
    return min(len(line), _MAX_LINE_CHARS) + _MATCH_OVERHEAD


def _column(before_match: bytes | str) -> int:
    """The character offset of a match in its line."""
    return len(before_match.decode("utf-8", "replace") if isinstance(before_match, bytes) else before_match)


def _shown(line: bytes | str, around: int = 0) -> str:
    """A line as text, without its CR, cut to a window around `around` (a character offset) if long."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.removesuffix("\r")
    if len(text) <= _MAX_LINE_CHARS:
        return text
    begin = max(0, min(around - _MAX_LINE_CHARS // 4, len(text) - _MAX_LINE_CHARS))
    cut = text[begin : begin + _MAX_LINE_CHARS]
    return f"{'…' if begin else ''}{cut}{'…' if begin + _MAX_LINE_CHARS < len(text) else ''}"


@dataclass
class _Scan:
    """What a content search met besides matches."""

    files: int = 0
    binary: int = 0
    large: int = 0
    large_names: list[str] = field(default_factory=list)  # the first few, for the note
    counted_all: bool = True  # False once counting beyond a full page stopped at _COUNT_LIMIT
    timed_out: bool = False

    @property
    def complete(self) -> bool:
        return self.counted_all and not self.timed_out


class _ContentSearch:
    """Search the files of a walk (or one file), filling one page and counting the rest."""

    def __init__(self, query: _Query, pager: Pager[ContentMatch], max_bytes: int) -> None:
        self.query = query
        self.pager = pager
        self.max_bytes = max_bytes
        self.scan = _Scan()

    def search(self, handle: DirectoryHandle, name: str, directory: str) -> bool:
        """Search the file `name` in `handle` (`directory`: its absolute path, with a final '/').

        Returns False once enough has been counted and the walk should stop.
        """
        try:
            content = read_regular_file(handle, name, self.max_bytes)
        except FileTooBig:
            self.scan.large += 1
            if len(self.scan.large_names) < _SKIPPED_NAMES:
                self.scan.large_names.append(directory + name)
            return True
        if content is None:
            return True
        if content.find(b"\0", 0, _BINARY_PROBE) >= 0:
            self.scan.binary += 1
            return True
        self.scan.files += 1
        query = self.query
        if query.needle is not None and query.needle not in (content.lower() if query.fold else content):
            return True  # the common case, answered without the regex engine
        if query.binary_regex is not None:
            if query.binary_regex.search(content) is not None:
                self._matches(content, query.binary_regex, b"\n", directory + name)
        elif query.text_regex is not None:
            self._matches(content.decode("utf-8", "replace"), query.text_regex, "\n", directory + name)
        if self._counted_enough():
            self.scan.counted_all = False
            return False
        return True

    def _counted_enough(self) -> bool:
        """Whether the page is full and enough matches beyond it were counted to say "at least"."""
        return self.pager.full and self.pager.seen - self.pager.end >= _COUNT_LIMIT

    def _matches(self, buffer: AnyStr, regex: re.Pattern[AnyStr], newline: AnyStr, absolute: str) -> None:
        pager, context = self.pager, self.query.context
        for hit in _hits(buffer, regex, newline):
            if self._counted_enough():
                return
            if not pager.wants_next():
                pager.count()
                continue
            line = buffer[hit.start : hit.end]
            before: list[AnyStr] = _lines_before(buffer, hit.start, context, newline)
            after: list[AnyStr] = _lines_after(buffer, hit.end, context, newline)
            cost = len(absolute) + _cost(line) + sum(map(_cost, before)) + sum(map(_cost, after))
            match = ContentMatch(
                path=absolute,
                line=hit.number,
                text=_shown(line, _column(buffer[hit.start : hit.match_start])),
                before=[_shown(other) for other in before] or None,
                after=[_shown(other) for other in after] or None,
            )
            pager.offer(match, cost)


def _grep(
    jail: PathJail,
    path: str,
    request: PageRequest,
    search: _ContentSearch,
    options: WalkOptions,
    include: PathPatterns,
    progress: Progress,
) -> types.CallToolResult:
    canonical = jail.resolve(path)
    ignored = 0
    if canonical.is_dir():
        with TreeWalk(jail, path, options) as walk:
            _search_tree(walk, include, search, options.deadline, progress)
            ignored = walk.skipped.ignored
            search.scan.timed_out = search.scan.timed_out or walk.timed_out
    else:
        _search_file(jail, canonical, search)
    return _content_result(jail.display(canonical), request, search, ignored, options.gitignore)


def _search_tree(
    walk: TreeWalk, include: PathPatterns, search: _ContentSearch, deadline: float | None, progress: Progress
) -> None:
    searched = 0
    for directory in walk:
        where = walk.absolute(directory.path_of(""))
        for name, kind in directory.entries:
            if kind != "file":
                continue  # symlinks are not followed, FIFOs and devices never opened
            if include and not include.matches(directory.path_of(name), name, is_dir=False):
                continue
            if deadline is not None and time.monotonic() > deadline:
                search.scan.timed_out = True
                return
            searched += 1
            progress.update(searched)
            if not search.search(directory.handle, name, where):
                return


def _search_file(jail: PathJail, canonical: Path, search: _ContentSearch) -> None:
    """A single file named by `path`: opened through the jail, then read like a walked one."""
    directory, name = jail.open_parent(canonical, intent="read")
    with directory:
        search.search(directory, name, jail.display(canonical)[: -len(name)])


def _content_result(
    searched: str, request: PageRequest, search: _ContentSearch, ignored: int, gitignore: bool
) -> types.CallToolResult:
    scan = search.scan
    page = search.pager.page(search.pager.seen, exact=scan.complete)
    narrow = "narrow the pattern, the path or includePatterns"
    notes: list[str | None] = [_timed_out_note(scan.timed_out), request.note(page, "match", narrow=narrow)]
    if scan.binary:
        notes.append(f"{_files(scan.binary, 'binary ')} skipped")
    if scan.large:
        names = ", ".join(scan.large_names) + (", …" if scan.large > len(scan.large_names) else "")
        notes.append(
            f"{_files(scan.large)} over the {search.max_bytes:,}-byte read limit skipped ({names}); "
            "read them in parts with read_text_file's head or tail"
        )
    notes.append(_ignored_note(ignored, gitignore))
    note = join_notes(*notes)
    text = _render(page.items) if page.items else _nothing_found(page)
    result = ContentSearch(
        path=searched,
        pattern=search.query.pattern,
        matches=page.items,
        total=search.pager.seen,
        complete=scan.complete,
        next_cursor=request.next_cursor(page),
        files_searched=scan.files,
        skipped_binary=scan.binary,
        skipped_large=scan.large,
        ignored=ignored,
        note=note,
    )
    return tool_result(with_note(text, note), result)


def _render(matches: list[ContentMatch]) -> str:
    """grep's heading style: the path, then "12:text" for matches and "13-text" for context, with "--"
    between groups of lines that do not touch; a line is printed once, as a match if it is one."""
    by_file: dict[str, dict[int, str]] = {}
    for match in matches:
        lines = by_file.setdefault(match.path, {})
        for number, text in enumerate(match.before or [], start=match.line - len(match.before or [])):
            lines.setdefault(number, f"{number}-{text}")
        lines[match.line] = f"{match.line}:{match.text}"
        for number, text in enumerate(match.after or [], start=match.line + 1):
            lines.setdefault(number, f"{number}-{text}")
    blocks: list[str] = []
    for path, lines in by_file.items():
        block = [path]
        previous = None
        for number in sorted(lines):
            if previous is not None and number > previous + 1:
                block.append("--")
            block.append(lines[number])
            previous = number
        blocks.append("\n".join(block))
    return "\n\n".join(blocks)


# -- registration ---------------------------------------------------------------------------------

_Cursor = Annotated[
    str | None, Field(description="The cursor a previous page ended with; omit it for the first page.")
]
_Exclude = Annotated[
    tuple[str, ...],
    Field(
        description="Globs to leave out, with what is below them: without a slash a pattern matches a "
        "name at any depth ('node_modules', '*.min.js'); with one, the path from `path` ('src/gen/**')."
    ),
]
_IncludeIgnored = Annotated[bool, Field(description="Also search what .gitignore files exclude (and .git).")]


def register(server: MooringsServer, workspace: Workspace) -> None:
    settings = workspace.settings

    def walk_options(exclude: tuple[str, ...], include_ignored: bool) -> WalkOptions:
        return WalkOptions(
            gitignore=settings.follow_gitignore and not include_ignored,
            exclude=PathPatterns(exclude),
            deadline=work_deadline(),
        )

    @server.tool(title="Search files", read_only=True)
    async def search_files(
        path: Annotated[str, Field(description="The directory to search in.")],
        pattern: Annotated[
            str,
            Field(
                min_length=1,
                description="A glob matched against each path relative to `path`: '*.py' for files "
                "directly inside, '**/*.py' at any depth, 'src/**/test_*.{py,ts}'.",
            ),
        ],
        ctx: ToolContext,
        excludePatterns: _Exclude = (),  # noqa: N803 - the reference server's parameter name
        includeIgnored: _IncludeIgnored = False,  # noqa: N803
        maxResults: Annotated[  # noqa: N803
            int, Field(ge=1, le=10_000, description="Most paths returned in one page.")
        ] = 1_000,
        cursor: _Cursor = None,
    ) -> Annotated[types.CallToolResult, FileSearch]:
        """Recursively find files and directories whose path matches a glob; returns absolute paths,
        one per line, or "No matches found".

        The glob is matched against the path relative to `path`: '*.ext' matches only directly inside
        it, '**/*.ext' at every depth. Entries ignored by .gitignore are skipped unless includeIgnored
        is true; symlinks are listed but not followed. Many matches come in pages: the result says
        how many more there are and gives a cursor for the next page.
        """
        jail = await workspace.jail_for(ctx.request_context)
        request = PageRequest(
            "search_files",
            cursor,
            path=path,
            pattern=pattern,
            excludePatterns=excludePatterns,
            includeIgnored=includeIgnored,
        )
        pager: Pager[str] = request.pager(
            max_chars=room_for_items(settings.max_output_chars), max_items=maxResults
        )
        options = walk_options(excludePatterns, includeIgnored)
        async with reporting_progress(ctx, counted("entries scanned")) as progress:
            return await run_blocking(_find, jail, path, Glob(pattern), options, request, pager, progress)

    @server.tool(title="Search file contents", read_only=True)
    async def search_file_contents(
        path: Annotated[str, Field(description="The directory to search in, or a single file.")],
        pattern: Annotated[
            str, Field(min_length=1, description="A Python regular expression, or plain text with literal.")
        ],
        ctx: ToolContext,
        literal: Annotated[bool, Field(description="Search for the pattern as plain text.")] = False,
        caseSensitive: Annotated[  # noqa: N803
            bool | None,
            Field(description="Omit for smart case: exact when the pattern has an upper-case letter."),
        ] = None,
        includePatterns: Annotated[  # noqa: N803
            tuple[str, ...],
            Field(description="Only search files matching one of these globs ('*.py', 'src/**/*.ts')."),
        ] = (),
        excludePatterns: _Exclude = (),  # noqa: N803
        contextLines: Annotated[  # noqa: N803
            int, Field(ge=0, le=20, description="Lines shown before and after each match.")
        ] = 0,
        includeIgnored: _IncludeIgnored = False,  # noqa: N803
        maxResults: Annotated[  # noqa: N803
            int, Field(ge=1, le=1_000, description="Most matching lines returned in one page.")
        ] = 100,
        cursor: _Cursor = None,
    ) -> Annotated[types.CallToolResult, ContentSearch]:
        """Search inside files (like grep): every line matching a regular expression, or plain text
        with literal: true, with its line number and optional context lines.

        Output: each file's path, then "12:line" for matches and "13-line" for context. Case is
        smart by default (exact only if the pattern has an upper-case letter). Skips binary files,
        files over the read limit, and what .gitignore excludes (unless includeIgnored). Many matches
        come in pages: the result says how many more there are and gives a cursor for the next page.
        """
        jail = await workspace.jail_for(ctx.request_context)
        request = PageRequest(
            "search_file_contents",
            cursor,
            path=path,
            pattern=pattern,
            literal=literal,
            caseSensitive=caseSensitive,
            includePatterns=includePatterns,
            excludePatterns=excludePatterns,
            includeIgnored=includeIgnored,
        )
        query = _Query.compile(pattern, literal=literal, case_sensitive=caseSensitive, context=contextLines)
        pager: Pager[ContentMatch] = request.pager(
            max_chars=room_for_items(settings.max_output_chars), max_items=maxResults
        )
        search = _ContentSearch(query, pager, settings.max_read_bytes)
        options = walk_options(excludePatterns, includeIgnored)
        include = PathPatterns(includePatterns)
        async with reporting_progress(ctx, counted("files searched")) as progress:
            return await run_blocking(_grep, jail, path, request, search, options, include, progress)
