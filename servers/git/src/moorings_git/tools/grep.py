"""git_grep: lines matching a pattern in the tracked files, or in the files of a revision.

One `git grep --null -n` gives path, line number and text per match; binary files are left out
(`-I`) and the repository's textconv programs never run. Matches come in pages: the cursor holds
the byte offset in git's output where the next page starts, so git skips what earlier pages showed
and stops as soon as the page is full. The output is in a fixed order (by path, then line), so the
offset finds the same place on the next call while the files are unchanged.
"""

from __future__ import annotations

from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, MooringsServer, Output, PageRequest, ToolContext, tool_result
from moorings_core.paging import with_note
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Cursor, Paths, RepoPath
from moorings_git.tools.diffs import pathspecs

__all__ = ["GrepMatch", "GrepResult", "register"]

_TEXT_CHARS = 500  # a matching line's text kept; a longer one (minified code) is cut
_MATCH_ROOM = 40  # characters a match takes beyond its path and text, in the text and the structure
_LONGEST_RECORD = 16 * 2**20  # read at most, when one matching line is longer than a page
_NARROW = "narrow it with paths or a more precise pattern"


class GrepMatch(Output):
    path: str = Field(description="Relative to the repository's top level.")
    line: int = Field(description="1-based.")
    text: str = Field(description=f"The matching line, cut at {_TEXT_CHARS} characters.")


class GrepResult(Output):
    """Matching lines, by path and then line number (this page of them)."""

    matches: list[GrepMatch]
    next_cursor: str | None = Field(default=None, description="Pass back as cursor for more matches.")


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="Search file contents", read_only=True)
    async def git_grep(
        repo_path: RepoPath,
        pattern: Annotated[
            str,
            Field(
                min_length=1,
                description="What to look for: an extended regular expression (like grep -E), or "
                "plain text with fixed_strings. It may start with '-'.",
            ),
        ],
        ctx: ToolContext,
        paths: Paths = None,
        revision: Annotated[
            str | None,
            Field(
                description="Search the files as this branch, tag or commit has them (default: the "
                "tracked files in the working tree, as they are now)."
            ),
        ] = None,
        ignore_case: Annotated[bool, Field(description="Match upper and lower case alike.")] = False,
        fixed_strings: Annotated[
            bool, Field(description="Take the pattern as plain text, not a regular expression.")
        ] = False,
        max_per_file: Annotated[
            int | None, Field(ge=1, description="At most this many matches in each file.")
        ] = None,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, GrepResult]:
        """Search the repository's tracked files (or a revision's files) for lines matching a
        pattern; each match gives its path, line number and text. Binary files are skipped.

        Many matches come in pages: pass back the cursor.
        """
        if "\0" in pattern or "\n" in pattern:
            raise InvalidInput("pattern holds a NUL or a line break; search for one line at a time.")
        at = [] if revision is None else [ordinary_argument(revision, "revision")]
        repo = await toolbox.open(repo_path, ctx)
        request = PageRequest(
            "git_grep",
            cursor,
            repo=str(repo.work_tree),
            pattern=pattern,
            paths=paths,
            revision=revision,
            ignore_case=ignore_case,
            fixed_strings=fixed_strings,
            max_per_file=max_per_file,
        )
        options = ["-F" if fixed_strings else "-E", *(["-i"] if ignore_case else [])]
        if max_per_file is not None:
            options.append(f"--max-count={max_per_file}")
        # -e makes the next argument the pattern whatever it starts with; the revision was checked
        # not to start with '-' (grep takes no --end-of-options), and "--" ends the revisions.
        args = [
            "grep",
            "--null",
            "--line-number",
            "-I",
            "--no-textconv",
            "--no-color",
            *options,
            "-e",
            pattern,
            *at,
            *(pathspecs(repo, paths) or ["--"]),
        ]
        prefix = f"{revision}:" if revision is not None else ""
        read = toolbox.budget
        while True:
            result = await toolbox.git.run(
                repo, args, max_output=read, skip_output=request.start, accept=(0, 1)
            )
            records = _records(result.stdout, complete=not result.cut)
            if records or not result.cut or read >= _LONGEST_RECORD:
                break
            read = _LONGEST_RECORD  # one matching line is longer than a page: read it whole
        if result.cut and not records:
            raise InvalidInput(f"A matching line is longer than {_LONGEST_RECORD:,} bytes; {_NARROW}.")
        matches: list[GrepMatch] = []
        spent = 0
        end = request.start
        for path, line, text, size in records:
            match = GrepMatch(path=path.removeprefix(prefix), line=line, text=text[:_TEXT_CHARS])
            cost = 2 * (len(match.path) + len(match.text)) + _MATCH_ROOM
            if matches and spent + cost > toolbox.budget:
                break
            matches.append(match)
            spent += cost
            end += size
        more = result.cut or len(matches) < len(records)
        next_cursor = request.cursor_at(end) if more else None
        return tool_result(
            with_note(_text(matches, request.start), _note(more, next_cursor, request.start)),
            GrepResult(matches=matches, next_cursor=next_cursor),
        )


def _records(output: bytes, *, complete: bool) -> list[tuple[str, int, str, int]]:
    """Each whole record of `git grep --null -n` (PATH NUL LINE NUL TEXT LF), with its size in bytes.

    A path may hold a line feed but never a NUL, so a record is read field by field. When the output
    was cut (`complete` false), a last record without its line feed is left for the next page.
    """
    records = []
    at = 0
    while at < len(output):
        path_end = output.find(b"\0", at)
        line_end = output.find(b"\0", path_end + 1) if path_end >= 0 else -1
        text_end = output.find(b"\n", line_end + 1) if line_end >= 0 else -1
        if text_end < 0:
            if complete and line_end >= 0:  # a last line without a line feed
                text_end = len(output)
            else:
                break
        number = output[path_end + 1 : line_end]
        records.append(
            (
                output[at:path_end].decode("utf-8", "replace"),
                int(number) if number.isdigit() else 0,
                output[line_end + 1 : text_end].decode("utf-8", "replace").removesuffix("\r"),
                text_end + 1 - at,
            )
        )
        at = text_end + 1
    return records


def _text(matches: list[GrepMatch], start: int) -> str:
    if not matches:
        return "(no more matches)" if start else "(no matches)"
    return "\n".join(f"{match.path}:{match.line}: {match.text}" for match in matches)


def _note(more: bool, next_cursor: str | None, start: int) -> str | None:
    if more:
        return (
            f'More matches follow: call git_grep again with the same arguments and cursor "{next_cursor}" '
            f"for the next page, or {_NARROW}."
        )
    return "Those were the last matches." if start else None
