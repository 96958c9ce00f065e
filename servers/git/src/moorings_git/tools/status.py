"""git_status: the working tree and the index, with branch tracking and any operation in progress."""

from __future__ import annotations

from typing import Annotated

import mcp_types as types

from moorings_core import MooringsServer, PageRequest, ToolContext, tool_result
from moorings_core.paging import join_notes, with_note
from moorings_git.repositories import Repository
from moorings_git.status import (
    STATUS_ARGS,
    StatusEntry,
    StatusReport,
    describe,
    operation_in_progress,
    parse_status,
)
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Cursor, RepoPath

__all__ = ["read_status", "register"]

_ENTRY_ROOM = 40  # characters an entry takes beyond its path, in the text and the structure


async def read_status(toolbox: Toolbox, repo: Repository, request: PageRequest) -> tuple[str, StatusReport]:
    """The status of `repo` as text and structure, its entries paged by `request`."""
    result = await toolbox.git.run(repo, STATUS_ARGS)
    output = result.stdout
    if result.cut:  # the last record may be cut short; the entries read are a lower bound
        output = output[: output.rfind(b"\0") + 1]
    parsed = parse_status(output)
    pager = request.pager(max_chars=toolbox.budget)
    everything = [*parsed.entries, *parsed.untracked]
    for entry in everything:
        pager.offer(entry, len(entry.path) * 2 + _ENTRY_ROOM)
    page = pager.page(len(everything), exact=not result.cut)
    shown: list[StatusEntry] = list(page.items)
    report = StatusReport(
        repository=str(repo.work_tree),
        branch=parsed.branch,
        commit=parsed.commit,
        upstream=parsed.upstream,
        ahead=parsed.ahead,
        behind=parsed.behind,
        stashes=parsed.stashes,
        operation=operation_in_progress(repo.git_dir),
        clean=not everything,
        entries=shown,
        total_entries=len(everything),
        next_cursor=request.next_cursor(page),
    )
    text = describe(
        report,
        staged=[entry for entry in shown if entry.staged],
        unstaged=[entry for entry in shown if entry.unstaged and entry.unstaged != "untracked"],
        conflicted=[entry for entry in shown if entry.conflict],
        untracked=[entry for entry in shown if entry.unstaged == "untracked"],
    )
    note = join_notes(request.note(page, "entry", narrow="look at fewer paths with git_diff_unstaged"))
    return with_note(text, note), report


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="Status", read_only=True)
    async def git_status(
        repo_path: RepoPath, ctx: ToolContext, cursor: Cursor = None
    ) -> Annotated[types.CallToolResult, StatusReport]:
        """Show the working tree status: the branch and how it stands against its upstream, staged
        and unstaged changes, conflicts, untracked files, and any merge, rebase, cherry-pick or
        revert in progress with what to do next.

        The text reads like `git status`; the structured result lists each path with its staged and
        unstaged change. A very dirty tree comes in pages (pass back the cursor).
        """
        repo = await toolbox.open(repo_path, ctx)
        request = PageRequest("git_status", cursor, repo=str(repo.work_tree))
        text, report = await read_status(toolbox, repo, request)
        return tool_result(f"Repository status:\n{text}", report)
