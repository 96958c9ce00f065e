"""git_log: the commit history, filtered, as entries (and as patches or stats on request).

One `git log -z` with a field-separated format gives every entry in one pass; entries are kept while
the page's budget allows and the cursor counts entries, so the next page is `--skip` further on.
With `patch` or `stat` the history is text in pages of whole lines, like a diff.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import mcp_types as types
from pydantic import Field

from moorings_core import MooringsServer, OperationFailed, Output, PageRequest, ToolContext, tool_result
from moorings_core.paging import join_notes, with_note
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.pages import read_page
from moorings_git.repositories import Repository
from moorings_git.running import DIFF_SAFETY
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Cursor, Paths, RepoPath
from moorings_git.tools.diffs import pathspecs

__all__ = ["LogEntry", "LogPage", "register"]

_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B")
_FORMAT = "--format=" + "%x1f".join(_FIELDS)
_TEXT_FORMAT = "--format=Commit: %H%nAuthor: %an <%ae>%nDate: %aI%nMessage: %w(0,0,4)%B"
_ENTRY_ROOM = 120  # characters an entry's structure adds to its text
_NO_COMMITS = re.compile(r"does not have any commits yet")


class LogEntry(Output):
    sha: str
    parents: list[str] = Field(description="Parent commits: none for a root commit, two or more for a merge.")
    author_name: str
    author_email: str
    authored_at: str = Field(description="ISO 8601, with the author's time zone.")
    committer_name: str
    committer_email: str
    committed_at: str = Field(description="ISO 8601, with the committer's time zone.")
    subject: str = Field(description="The message's first line.")
    body: str | None = Field(default=None, description="The rest of the message, when there is more.")


class LogPage(Output):
    """Commits, newest first (or in the order a revision range gives)."""

    entries: list[LogEntry] = Field(description="The commits (empty when stat or patch asked for text).")
    text: str | None = Field(
        default=None, description="With stat or patch: this page of the history as text."
    )
    next_cursor: str | None = Field(
        default=None, description="Pass back as cursor for the next page of commits."
    )


_Timestamp = Annotated[
    str | None,
    Field(
        description="ISO 8601 (2024-01-15T14:30:25), a date (2024-01-15, Jan 15 2024), or relative "
        "(2 weeks ago, yesterday)."
    ),
]


def _entry(record: str, message_room: int) -> dict[str, Any]:
    """One record of `git log -z` in `_FORMAT`, as `LogEntry` is on the wire (a thousand entries are
    built straight into that form: through the model they cost more than git takes to write them).
    A message longer than `message_room` is cut."""
    sha, parents, an, ae, ai, cn, ce, ci, message = [*record.split("\x1f", 8), *[""] * 8][:9]
    subject, _, body = message.strip("\n").partition("\n")
    body = body.strip("\n")
    if len(subject) + len(body) > message_room:
        shown = max(message_room - len(subject), 0)
        body = f"{body[:shown]}\n[message cut after {shown:,} characters: git_show shows it whole]"
    entry = {
        "sha": sha,
        "parents": parents.split(),
        "authorName": an,
        "authorEmail": ae,
        "authoredAt": ai,
        "committerName": cn,
        "committerEmail": ce,
        "committedAt": ci,
        "subject": subject[:message_room],
    }
    if body:
        entry["body"] = body
    return entry


def _entry_text(entry: dict[str, Any]) -> str:
    body = entry.get("body")
    message = entry["subject"] + ("\n    " + body.replace("\n", "\n    ") if body else "")
    return (
        f"Commit: {entry['sha']}\nAuthor: {entry['authorName']} <{entry['authorEmail']}>\n"
        f"Date: {entry['authoredAt']}\nMessage: {message}\n"
    )


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="Commit history", read_only=True)
    async def git_log(
        repo_path: RepoPath,
        ctx: ToolContext,
        max_count: Annotated[int, Field(ge=1, le=100_000, description="Most commits to show.")] = 10,
        start_timestamp: _Timestamp = None,
        end_timestamp: _Timestamp = None,
        revision: Annotated[
            str | None,
            Field(
                description="Where to start, or a range: a branch, tag or commit, or A..B for what B "
                "has that A has not (default: HEAD)."
            ),
        ] = None,
        author: Annotated[
            str | None,
            Field(
                description="Only commits whose author matches this (a regular expression on name and email)."
            ),
        ] = None,
        grep: Annotated[
            str | None, Field(description="Only commits whose message matches this regular expression.")
        ] = None,
        paths: Paths = None,
        skip: Annotated[int, Field(ge=0, description="Leave out this many commits first.")] = 0,
        stat: Annotated[
            bool, Field(description="Show each commit's changed files with lines added and removed.")
        ] = False,
        patch: Annotated[bool, Field(description="Show each commit's changes as a patch.")] = False,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, LogPage]:
        """Show the commit history: each commit's sha, author, date and message, newest first.

        Filter by time (start_timestamp/end_timestamp), author, message (grep) or paths; start from
        another revision or give a range (main..feature). stat or patch adds each commit's changes
        (as text only). A long history comes in pages: pass back the cursor.
        """
        repo = await toolbox.open(repo_path, ctx)
        request = PageRequest(
            "git_log",
            cursor,
            repo=str(repo.work_tree),
            max_count=max_count,
            start_timestamp=start_timestamp,
            end_timestamp=end_timestamp,
            revision=revision,
            author=author,
            grep=grep,
            paths=paths,
            skip=skip,
            stat=stat,
            patch=patch,
        )
        filters = _filters(start_timestamp, end_timestamp, author, grep)
        start = [] if revision is None else [ordinary_argument(revision, "revision")]
        selection = [*filters, "--end-of-options", *start, *(pathspecs(repo, paths) or ["--"])]
        try:
            if stat or patch:
                return await _changes(toolbox, repo, request, max_count, skip, stat, patch, selection)
            return await _entries(toolbox, repo, request, max_count, skip, selection)
        except OperationFailed as error:
            # A repository whose branch has no commit yet has an empty history, not a broken one.
            if revision is None and _NO_COMMITS.search(error.message):
                return tool_result("Commit history:\n(no commits yet)", LogPage(entries=[]))
            raise


def _filters(since: str | None, until: str | None, author: str | None, grep: str | None) -> list[str]:
    # The attached form (--since=VALUE): a value can never be read as an option of its own.
    named = (("--since", since), ("--until", until), ("--author", author), ("--grep", grep))
    return [f"{flag}={value}" for flag, value in named if value is not None]


async def _changes(
    toolbox: Toolbox,
    repo: Repository,
    request: PageRequest,
    max_count: int,
    skip: int,
    stat: bool,
    patch: bool,
    selection: list[str],
) -> types.CallToolResult:
    """The history as text with each commit's stat or patch, in pages of whole lines."""
    shape = [*DIFF_SAFETY, *(["--stat=200,160"] if stat else []), *(["-p"] if patch else [])]
    args = ["log", _TEXT_FORMAT, f"--max-count={max_count}", f"--skip={skip}", *shape, *selection]
    page = await read_page(
        toolbox, repo, args, request, budget=toolbox.budget, narrow="lower max_count or leave out patch"
    )
    body = page.text if page.text or page.start else "(no commits)"
    return tool_result(
        with_note(f"Commit history:\n{body}".rstrip("\n"), page.note),
        LogPage(entries=[], text=page.text, next_cursor=page.next_cursor),
    )


async def _entries(
    toolbox: Toolbox, repo: Repository, request: PageRequest, max_count: int, skip: int, selection: list[str]
) -> types.CallToolResult:
    wanted = max_count - request.start
    args = [
        "log",
        "-z",
        _FORMAT,
        f"--max-count={max(wanted, 0)}",
        f"--skip={skip + request.start}",
        *selection,
    ]
    result = await toolbox.git.run(repo, args, max_output=toolbox.budget * 2)
    records = [record for record in result.stdout.decode("utf-8", "replace").split("\0") if record]
    if result.cut and records:
        cut_short = records.pop()
        if not records:  # one commit's message is longer than a page: it is shown cut
            records = [cut_short]
    pager = request.pager(max_chars=toolbox.budget)
    pager.count(request.start)
    texts: list[str] = []
    # A message is in the text and in the structure: cut, a few entries still share a page.
    message_room = toolbox.budget // 8
    for record in records:
        entry = _entry(record, message_room)
        text = _entry_text(entry)
        if pager.offer(entry, len(text) * 2 + _ENTRY_ROOM):
            texts.append(text)
    if result.cut and not pager.full:
        pager.count()  # git had more to say than was read: there is a next page
    page = pager.page(None if pager.seen > pager.end else pager.seen)
    log: dict[str, Any] = {"entries": page.items}  # LogPage's wire form, as the entries are
    cursor = request.next_cursor(page)
    if cursor is not None:
        log["nextCursor"] = cursor
    note = join_notes(
        request.note(page, "commit", narrow="narrow it with start_timestamp, author, grep or paths")
    )
    body = "\n".join(texts).rstrip("\n") or ("" if request.start else "(no commits)")
    return tool_result(with_note(f"Commit history:\n{body}".rstrip("\n"), note), log)
