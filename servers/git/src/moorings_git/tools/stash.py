"""git_stash: setting uncommitted changes aside and bringing them back.

Two tools of the same name: on a read-only server, one that only lists and shows the stash
(`register_listing`); otherwise the whole of it (`register_changes`). server.py registers one or
the other, never both. Entries are named by their index (0 is the newest) and only ever reach git as
`stash@{N}` built here from that number.
"""

from __future__ import annotations

from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, NotFound, Output, PageRequest, ToolContext, ToolRegistry, tool_result
from moorings_core.paging import join_notes, with_note
from moorings_git.pages import read_page
from moorings_git.repositories import Repository
from moorings_git.running import DIFF_SAFETY, WRITE_OUTPUT
from moorings_git.stops import Stop, describe_stop, require_idle, run_stoppable
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import NO_NUL, Confirm, ContextLines, Cursor, Paths, RepoPath
from moorings_git.tools.diffs import pathspecs

__all__ = ["StashEntry", "StashResult", "register_changes", "register_listing"]

_FORMAT = "--format=%gd%x1f%H%x1f%cI%x1f%gs"
_ENTRY_ROOM = 160  # characters an entry's structure adds to its line of text
_LISTING_BYTES = 16 * 2**20


class StashEntry(Output):
    index: int = Field(description="Its place in the stash: 0 is the newest. Pass it as index.")
    message: str = Field(description="As git lists it: 'On main: message', or 'WIP on main: <commit>'.")
    branch: str | None = Field(default=None, description="The branch it was made on (absent: detached HEAD).")
    sha: str = Field(description="The stash commit.")
    created_at: str = Field(description="When it was made (ISO 8601).")


class StashResult(Output):
    """What a git_stash call did or found."""

    action: str
    entries: list[StashEntry] | None = Field(default=None, description="For list: this page of entries.")
    next_cursor: str | None = Field(
        default=None, description="For list and show: pass back as cursor for the next page."
    )
    entry: StashEntry | None = Field(
        default=None, description="The entry made (push), or applied, popped or dropped."
    )
    conflicts: list[str] | None = Field(
        default=None, description="For apply and pop: paths the entry's changes conflicted in."
    )


_Index = Annotated[
    int,
    Field(ge=0, le=1_000_000, description="Which entry, for show, pop, apply and drop: 0 is the newest."),
]
_Stat = Annotated[bool, Field(description="For show: only the changed files with lines added and removed.")]


def register_listing(server: ToolRegistry, toolbox: Toolbox) -> None:
    """git_stash for a read-only server: list and show only."""

    @server.tool(title="List or show stashed changes", read_only=True, name="git_stash")
    async def git_stash_listing(
        repo_path: RepoPath,
        action: Annotated[
            Literal["list", "show"],
            Field(description="list the stash's entries, or show one entry's changes as a diff."),
        ],
        ctx: ToolContext,
        index: _Index = 0,
        context_lines: ContextLines = 3,
        stat: _Stat = False,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, StashResult]:
        """List the stash (changes set aside with git stash), newest first, or show one entry's
        changes as a diff (this server is read-only: it cannot push, apply or drop entries).

        A long list or diff comes in pages: pass back the cursor.
        """
        repo = await toolbox.open(repo_path, ctx)
        if action == "list":
            return await _list(toolbox, repo, cursor)
        return await _show(toolbox, repo, index, context_lines, stat, cursor)


def register_changes(server: ToolRegistry, toolbox: Toolbox) -> None:
    """The whole git_stash."""

    @server.tool(title="Stash changes", read_only=False, destructive=True)
    async def git_stash(
        repo_path: RepoPath,
        action: Annotated[
            Literal["push", "list", "show", "pop", "apply", "drop"],
            Field(
                description="push: set the uncommitted changes aside (the working tree is then clean). "
                "list: the entries, newest first. show: one entry's changes as a diff. pop: bring an "
                "entry's changes back and remove it. apply: bring them back and keep it. drop: delete "
                "an entry (needs confirm)."
            ),
        ],
        ctx: ToolContext,
        index: _Index = 0,
        message: Annotated[
            str | None,
            Field(
                min_length=1, max_length=10_000, pattern=NO_NUL, description="For push: what the entry holds."
            ),
        ] = None,
        include_untracked: Annotated[
            bool, Field(description="For push: stash untracked files too (ignored ones stay).")
        ] = False,
        paths: Paths = None,
        context_lines: ContextLines = 3,
        stat: _Stat = False,
        cursor: Cursor = None,
        confirm: Confirm = False,
    ) -> Annotated[types.CallToolResult, StashResult]:
        """Set uncommitted changes aside and bring them back later (git stash): push, list, show,
        pop, apply, drop.

        push takes a message, include_untracked and paths (only those paths' changes); show, pop,
        apply and drop take the entry's index (0, the newest, by default). Dropping an entry cannot
        be undone and needs confirm=true. If an entry's changes conflict with the working tree when
        applied, the result lists the conflicted files and the entry is kept.
        """
        repo = await toolbox.open(repo_path, ctx)
        _only_for(action, "push", message=message, include_untracked=include_untracked, paths=paths)
        _only_for(action, "show", stat=stat)
        _only_for(action, ("list", "show"), cursor=cursor)
        if action == "list":
            return await _list(toolbox, repo, cursor)
        if action == "show":
            return await _show(toolbox, repo, index, context_lines, stat, cursor)
        if action == "push":
            return await _push(toolbox, repo, message, include_untracked, paths)
        entry = await _entry(toolbox, repo, index)
        if action == "drop":
            toolbox.require_confirmation(
                confirm, f"delete the stash entry {index} ({entry.message}) for good"
            )
            await toolbox.git.run(repo, ["stash", "drop", "--quiet", f"stash@{{{index}}}"])
            text = f"Dropped stash entry {index} ({entry.message}; it was {entry.sha})."
            return tool_result(text, StashResult(action=action, entry=entry))
        return await _bring_back(toolbox, repo, action, entry)


def _only_for(action: str, allowed: str | tuple[str, ...], **given: object) -> None:
    """Refuse arguments given for an action that does not take them (they would be silently ignored)."""
    actions = (allowed,) if isinstance(allowed, str) else allowed
    if action in actions:
        return
    for name, value in given.items():
        if value not in (None, False, []):
            raise InvalidInput(
                f"{name} goes with action={' or '.join(repr(a) for a in actions)}, not {action!r}."
            )


async def _list(toolbox: Toolbox, repo: Repository, cursor: str | None) -> types.CallToolResult:
    request = PageRequest("git_stash", cursor, repo=str(repo.work_tree), action="list")
    entries = await _entries(toolbox, repo)
    pager = request.pager(max_chars=toolbox.budget)
    lines = []
    for entry in entries:
        line = f"stash@{{{entry.index}}}: {entry.message} ({entry.sha[:12]}, {entry.created_at})"
        if pager.offer(entry, len(line) * 2 + _ENTRY_ROOM):
            lines.append(line)
    page = pager.page(len(entries))
    note = join_notes(request.note(page, "entry"))
    text = "\n".join(lines) if entries else "The stash is empty."
    result = StashResult(action="list", entries=list(page.items), next_cursor=request.next_cursor(page))
    return tool_result(with_note(text, note), result)


async def _entries(toolbox: Toolbox, repo: Repository) -> list[StashEntry]:
    result = await toolbox.git.run(repo, ["stash", "list", _FORMAT], max_output=_LISTING_BYTES)
    lines = result.stdout.decode("utf-8", "replace").split("\n")
    if result.cut:
        lines.pop()
    return [_parse(line) for line in lines if line.count("\x1f") >= 3]


def _parse(line: str) -> StashEntry:
    name, sha, created, subject = line.split("\x1f", 3)
    # "stash@{3}"; and "WIP on main: ..." or "On main: ...": branch names hold no ": ".
    index = int(name.removeprefix("stash@{").removesuffix("}"))
    where = subject.removeprefix("WIP ").removeprefix("On ").removeprefix("on ")
    branch = where.split(": ", 1)[0] if ": " in where else None
    return StashEntry(
        index=index,
        message=subject,
        branch=None if branch in (None, "(no branch)") else branch,
        sha=sha,
        created_at=created,
    )


async def _entry(toolbox: Toolbox, repo: Repository, index: int) -> StashEntry:
    entries = await _entries(toolbox, repo)
    if index >= len(entries):
        held = f"it holds {len(entries)} (0 to {len(entries) - 1})" if entries else "it is empty"
        raise NotFound(f"The stash has no entry {index}: {held}.")
    return entries[index]


async def _show(
    toolbox: Toolbox, repo: Repository, index: int, context_lines: int, stat: bool, cursor: str | None
) -> types.CallToolResult:
    entry = await _entry(toolbox, repo, index)
    request = PageRequest(
        "git_stash",
        cursor,
        repo=str(repo.work_tree),
        action="show",
        sha=entry.sha,
        context_lines=context_lines,
        stat=stat,
    )
    shape = ["--stat=200,160"] if stat else ["--patch", f"-U{context_lines}"]
    args = ["stash", "show", *DIFF_SAFETY, "--no-color", "--include-untracked", *shape, f"stash@{{{index}}}"]
    narrow = "stat=true" if not stat else "a smaller stash"
    page = await read_page(toolbox, repo, args, request, budget=toolbox.budget, narrow=narrow)
    body = page.text if page.text or page.start else "(no changes)\n"
    text = with_note(f"stash@{{{index}}}: {entry.message}\n{body}".rstrip("\n"), page.note)
    return tool_result(text, StashResult(action="show", entry=entry, next_cursor=page.next_cursor))


async def _push(
    toolbox: Toolbox, repo: Repository, message: str | None, include_untracked: bool, paths: list[str] | None
) -> types.CallToolResult:
    before = len(await _entries(toolbox, repo))
    args = [
        "stash",
        "push",
        "--quiet",
        *(["--include-untracked"] if include_untracked else []),
        *([f"--message={message}"] if message is not None else []),
        *(pathspecs(repo, paths) or ["--"]),
    ]
    await toolbox.git.run(repo, args, max_output=WRITE_OUTPUT)
    entries = await _entries(toolbox, repo)
    if len(entries) == before:
        untracked = (
            "" if include_untracked else " (untracked files are only stashed with include_untracked=true)"
        )
        raise InvalidInput(f"There were no local changes to stash{untracked}; nothing was stashed.")
    entry = entries[0]
    text = f"Stashed the changes as entry 0: {entry.message}. The working tree is clean of them now."
    return tool_result(text, StashResult(action="push", entry=entry))


async def _bring_back(
    toolbox: Toolbox, repo: Repository, action: Literal["pop", "apply"], entry: StashEntry
) -> types.CallToolResult:
    await require_idle(toolbox.git, repo, f"{action} a stash entry")
    args = ["stash", action, "--quiet", f"stash@{{{entry.index}}}"]
    stop = await run_stoppable(toolbox.git, repo, args)
    if stop is not None:
        return _conflicted(action, entry, stop)
    if action == "pop":
        text = f"Brought back stash entry {entry.index} ({entry.message}) and removed it from the stash."
    else:
        text = f"Brought back stash entry {entry.index} ({entry.message}); it stays in the stash."
    return tool_result(text, StashResult(action=action, entry=entry))


def _conflicted(action: str, entry: StashEntry, stop: Stop) -> types.CallToolResult:
    headline = (
        f"Stash entry {entry.index} ({entry.message}) was applied with conflicts; the entry stays in "
        "the stash."
    )
    steps = (
        "resolve the conflicted files and stage them with git_add (git_reset unstages them again if "
        f"you want them as plain changes); once the changes are safe, git_stash with action='drop' and "
        f"index={entry.index} deletes the entry"
    )
    result = StashResult(action=action, entry=entry, conflicts=stop.conflicts)
    return tool_result(describe_stop(headline, stop, steps), result)
