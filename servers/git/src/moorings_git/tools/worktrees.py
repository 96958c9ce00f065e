"""git_worktree: the working trees of a repository (`git worktree list`), read only.

Read from `git worktree list --porcelain -z`, whose records hold a path, the commit it is at, its
branch, and its bare, detached, locked and prunable marks. A linked working tree may lie outside
the allowed directories: the listing says so (`allowed`), since such a path cannot be a repo_path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import MooringsServer, Output, ToolContext, tool_result
from moorings_git.repositories import Repository
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import RepoPath

__all__ = ["Worktree", "WorktreeList", "register"]

_MAX_WORKTREES = 1_000


class Worktree(Output):
    path: str
    head: str | None = Field(default=None, description="The commit it is at (none for a bare repository).")
    branch: str | None = Field(default=None, description="Its branch; none when detached or bare.")
    bare: bool = False
    detached: bool = False
    locked: bool = False
    lock_reason: str | None = None
    prunable: bool = Field(default=False, description="Its folder is gone; `git worktree prune` forgets it.")
    prune_reason: str | None = None
    current: bool = Field(description="The working tree repo_path is in.")
    allowed: bool = Field(description="Inside the allowed directories, so it can be a repo_path.")


class WorktreeList(Output):
    """The main working tree first, then the linked ones."""

    worktrees: list[Worktree]
    truncated: bool = Field(default=False, description=f"More than {_MAX_WORKTREES:,}; only those listed.")


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="List worktrees", read_only=True)
    async def git_worktree(
        repo_path: RepoPath, ctx: ToolContext
    ) -> Annotated[types.CallToolResult, WorktreeList]:
        """List the repository's working trees (`git worktree list`): the main one and each linked
        one, with its path, commit and branch, and whether it is detached, locked or prunable."""
        repo = await toolbox.open(repo_path, ctx)
        result = await toolbox.git.run(repo, ["worktree", "list", "--porcelain", "-z"])
        worktrees = _parse(result.stdout.decode("utf-8", "replace"), repo)
        listing = WorktreeList(
            worktrees=worktrees[:_MAX_WORKTREES], truncated=len(worktrees) > _MAX_WORKTREES
        )
        return tool_result(_describe(listing), listing)


def _parse(output: str, repo: Repository) -> list[Worktree]:
    """Records of `git worktree list --porcelain -z`: NUL-ended "key value" fields, an empty field
    between records."""
    worktrees: list[Worktree] = []
    fields: dict[str, str] = {}
    for item in [*output.split("\0"), ""]:
        if item:
            key, _, value = item.partition(" ")
            fields[key] = value
            continue
        if "worktree" in fields:
            worktrees.append(_worktree(fields, repo))
        fields = {}
    return worktrees


def _worktree(fields: dict[str, str], repo: Repository) -> Worktree:
    path = fields["worktree"]
    return Worktree(
        path=path,
        head=fields.get("HEAD"),
        branch=fields["branch"].removeprefix("refs/heads/") if "branch" in fields else None,
        bare="bare" in fields,
        detached="detached" in fields,
        locked="locked" in fields,
        lock_reason=fields.get("locked") or None,
        prunable="prunable" in fields,
        prune_reason=fields.get("prunable") or None,
        current=_same(path, repo.work_tree),
        allowed=repo.jail.is_inside(path),
    )


def _same(path: str, work_tree: Path) -> bool:
    try:
        return Path(path).resolve() == work_tree
    except OSError:
        return False


def _describe(listing: WorktreeList) -> str:
    lines = []
    for tree in listing.worktrees:
        where = "(bare)" if tree.bare else tree.branch or f"(detached at {(tree.head or '')[:12]})"
        marks = []
        if tree.current:
            marks.append("current")
        if tree.locked:
            marks.append("locked" + (f": {tree.lock_reason}" if tree.lock_reason else ""))
        if tree.prunable:
            marks.append("prunable" + (f": {tree.prune_reason}" if tree.prune_reason else ""))
        if not tree.allowed:
            marks.append("outside the allowed directories")
        shown = f"  [{', '.join(marks)}]" if marks else ""
        lines.append(f"{tree.path}  {(tree.head or '')[:12]} {where}{shown}")
    if listing.truncated:
        lines.append(f"[only the first {_MAX_WORKTREES:,}]")
    return "\n".join(lines) or "(no working trees)"
