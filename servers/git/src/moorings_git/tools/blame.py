"""git_blame: who last changed each line of a file, and in which commit.

`git blame --porcelain` is run for a window of lines at a time (`-L first,last`): blame's work grows
with the lines it explains, so a page of a 100,000-line file costs what a page costs. The window
holds one line more than the page may show, so whether more follow is known without counting the
file. The cursor counts lines from `start_line`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import (
    InvalidInput,
    MooringsServer,
    OperationFailed,
    Output,
    Pager,
    PageRequest,
    ToolContext,
    tool_result,
)
from moorings_core.commands import CommandResult
from moorings_core.paging import with_note
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.running import failure
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Cursor, RepoPath

__all__ = ["Blame", "BlameLine", "register"]

_LINE_CHARS = 2_000  # a line's content kept; a longer line (minified code) is cut
_LINE_ROOM = 250  # characters a line takes beyond its varying facts, in the text and the structure
_OUTPUT_BYTES = 16 * 2**20  # blame's output for one window, read at most
_SHORT_FILE = re.compile(r"has only (\d+) lines?")
_NARROW = "give start_line and end_line for the part you need"


class BlameLine(Output):
    line: int = Field(description="The line's number in the file blamed.")
    sha: str = Field(description="The commit that last changed it (all zeros: not committed yet).")
    author: str
    author_email: str
    authored_at: str = Field(description="ISO 8601, with the author's time zone.")
    summary: str = Field(description="That commit's subject.")
    content: str = Field(description=f"The line, cut at {_LINE_CHARS:,} characters.")
    original_line: int = Field(description="The line's number in that commit.")
    original_path: str | None = Field(
        default=None, description="The file's path in that commit, when it had another (a rename)."
    )


class Blame(Output):
    """The last change to each line of a file (this page of its lines)."""

    path: str = Field(description="Relative to the repository's top level.")
    lines: list[BlameLine]
    next_cursor: str | None = Field(default=None, description="Pass back as cursor for the next lines.")


@dataclass
class _Commit:
    """What porcelain output says about a commit, once, at its first line."""

    author: str = ""
    author_email: str = ""
    time: int = 0
    zone: str = "+0000"
    summary: str = ""
    path: str = ""


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="Blame: who changed each line", read_only=True)
    async def git_blame(
        repo_path: RepoPath,
        path: Annotated[
            str,
            Field(
                min_length=1,
                description="The file, relative to the repository's top level or absolute inside it.",
            ),
        ],
        ctx: ToolContext,
        revision: Annotated[
            str | None,
            Field(
                description="Blame the file as this branch, tag or commit has it (default: the file in "
                "the working tree, whose uncommitted lines show as 'Not Committed Yet')."
            ),
        ] = None,
        start_line: Annotated[int, Field(ge=1, description="The first line to explain (1-based).")] = 1,
        end_line: Annotated[
            int | None, Field(ge=1, description="The last line to explain (default: the file's end).")
        ] = None,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, Blame]:
        """Show, for each line of a file, the commit that last changed it: its sha, author, date and
        subject beside the line. Give start_line and end_line for a part of the file.

        The text reads like compact `git blame` output. A long file comes in pages (pass back the
        cursor). The repository's textconv programs never run.
        """
        if end_line is not None and end_line < start_line:
            raise InvalidInput(f"end_line {end_line} is before start_line {start_line}.")
        at = [] if revision is None else [ordinary_argument(revision, "revision")]
        repo = await toolbox.open(repo_path, ctx)
        relative = repo.relative(path)
        request = PageRequest(
            "git_blame",
            cursor,
            repo=str(repo.work_tree),
            path=relative,
            revision=revision,
            start_line=start_line,
            end_line=end_line,
        )
        first = start_line + request.start
        if end_line is not None and first > end_line:
            return _nothing_after(relative, end_line)
        page_lines = max(toolbox.budget // _LINE_ROOM, 10)  # as many as could fit, if short
        last = first + page_lines if end_line is None else min(first + page_lines, end_line)
        args = ["blame", "--porcelain", "--no-textconv", f"-L{first},{last}", *at, "--", relative]
        result = await toolbox.git.run(repo, args, max_output=_OUTPUT_BYTES, accept=(0, 128))
        if result.returncode and not result.cut:
            return _past_the_end(args, result, relative, first, request.start)
        lines = _parse(result.stdout.decode("utf-8", "replace"), relative)
        if result.cut:
            lines.pop()  # the last line's content may be cut short
            if not lines:
                raise OperationFailed(f"line {first} of {relative} is longer than git_blame reads.")
        pager: Pager[BlameLine] = Pager(max_chars=toolbox.budget)
        for line in lines[:page_lines]:
            pager.offer(line, _cost(line))
        shown = pager.items
        more = result.cut or len(shown) < len(lines)
        next_cursor = request.cursor_at(request.start + len(shown)) if more else None
        note = None
        if more:
            note = (
                f"showed lines {first:,}-{first + len(shown) - 1:,} of {relative}, and more follow: call "
                f'git_blame again with the same arguments and cursor "{next_cursor}" for the next page, '
                f"or {_NARROW}"
            )
        text = "\n".join(_line_text(line) for line in shown) or "(empty file)"
        return tool_result(with_note(text, note), Blame(path=relative, lines=shown, next_cursor=next_cursor))


def _nothing_after(relative: str, line: int) -> types.CallToolResult:
    return tool_result(f"[no lines after line {line:,}]", Blame(path=relative, lines=[]))


def _past_the_end(
    args: list[str], result: CommandResult, relative: str, first: int, offset: int
) -> types.CallToolResult:
    """Blame refused its range: an empty file, a start past the end, or a cursor at the very end."""
    short = _SHORT_FILE.search(result.error_text)
    if short is None:
        raise failure(args, result)
    length = int(short.group(1))
    if offset:  # the previous page ended at the file's last line
        return _nothing_after(relative, first - 1)
    if length == 0:
        return tool_result("(empty file)", Blame(path=relative, lines=[]))
    raise InvalidInput(
        f"{relative} has only {length:,} line{'s' if length != 1 else ''}; "
        f"start_line {first:,} is past its end."
    )


def _parse(output: str, relative: str) -> list[BlameLine]:
    """The lines of `git blame --porcelain`: a header per line, commit facts at a commit's first
    line, then the line itself after a tab."""
    commits: dict[str, _Commit] = {}
    lines: list[BlameLine] = []
    sha, original, final = "", 0, 0
    expecting_header = True
    for row in output.split("\n"):
        if row.startswith("\t"):
            facts = commits.setdefault(sha, _Commit())
            lines.append(
                BlameLine(
                    line=final,
                    sha=sha,
                    author=facts.author,
                    author_email=facts.author_email,
                    authored_at=_when(facts.time, facts.zone),
                    summary=facts.summary,
                    content=row[1 : _LINE_CHARS + 1],
                    original_line=original,
                    original_path=facts.path if facts.path not in ("", relative) else None,
                )
            )
            expecting_header = True
            continue
        key, _, value = row.partition(" ")
        if expecting_header:
            fields = value.split()
            if len(fields) < 2:
                continue
            sha, original, final = key, int(fields[0]), int(fields[1])
            expecting_header = False
            continue
        facts = commits.setdefault(sha, _Commit())
        if key == "author":
            facts.author = value
        elif key == "author-mail":
            facts.author_email = value.removeprefix("<").removesuffix(">")
        elif key == "author-time" and value.isdigit():
            facts.time = int(value)
        elif key == "author-tz":
            facts.zone = value
        elif key == "summary":
            facts.summary = value
        elif key == "filename":
            facts.path = value
    return lines


def _when(time: int, zone: str) -> str:
    """A porcelain author-time and author-tz (+0130) as ISO 8601 in that zone."""
    sign = -1 if zone.startswith("-") else 1
    digits = zone.lstrip("+-")
    minutes = int(digits[:2] or 0) * 60 + int(digits[2:4] or 0) if digits.isdigit() else 0
    return datetime.fromtimestamp(time, timezone(timedelta(minutes=sign * minutes))).isoformat()


def _cost(line: BlameLine) -> int:
    varying = len(line.content) + len(line.author) + len(line.summary)
    return 2 * varying + len(line.author_email) + len(line.original_path or "") + _LINE_ROOM


def _line_text(line: BlameLine) -> str:
    return f"{line.sha[:8]} ({line.author} {line.authored_at[:10]} {line.line:>5}) {line.content}"
