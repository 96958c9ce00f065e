"""git_branch, git_create_branch and git_checkout: listing, making and switching branches."""

from __future__ import annotations

from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import MooringsServer, Output, ToolContext, ToolRegistry, tool_result
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.repositories import Repository
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import RepoPath

__all__ = [
    "Branch",
    "BranchCreated",
    "BranchList",
    "Switched",
    "current_branch",
    "register",
    "register_changes",
]

_FIELDS = (
    "%(HEAD)",
    "%(refname)",
    "%(refname:short)",
    "%(objectname)",
    "%(upstream:short)",
    "%(upstream:track,nobracket)",
    "%(contents:subject)",
)
_FORMAT = "--format=" + "%1f".join(_FIELDS)
_MAX_BRANCHES = 5_000


class Branch(Output):
    name: str = Field(description="Short name: main, or origin/main for a remote-tracking branch.")
    remote: bool = Field(description="A remote-tracking branch (refs/remotes).")
    current: bool = Field(description="The branch HEAD is on.")
    commit: str
    upstream: str | None = Field(default=None, description="The branch this one tracks.")
    tracking: str | None = Field(
        default=None, description="How it stands against its upstream: ahead 2, behind 1, gone."
    )
    subject: str = Field(description="Its last commit's subject.")


class BranchCreated(Output):
    name: str
    base: str = Field(description="What it was created from.")
    commit: str = Field(description="The commit it points at.")


class Switched(Output):
    branch: str | None = Field(default=None, description="The branch HEAD is on now; absent when detached.")
    commit: str = Field(description="The commit HEAD is at now.")
    created: bool = Field(description="The branch was created by this call.")


class BranchList(Output):
    branches: list[Branch]
    truncated: bool = Field(
        default=False, description=f"More than {_MAX_BRANCHES:,} matched; only those are listed."
    )


async def current_branch(toolbox: Toolbox, repo: Repository) -> str | None:
    """The branch HEAD is on, or None when detached."""
    result = await toolbox.git.run(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"], accept=(0, 1))
    name = result.stdout.decode("utf-8", "replace").strip()
    return name or None


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="List branches", read_only=True)
    async def git_branch(
        repo_path: RepoPath,
        ctx: ToolContext,
        branch_type: Annotated[
            Literal["local", "remote", "all"],
            Field(
                description="Local branches ('local'), remote-tracking branches ('remote') or both ('all')."
            ),
        ] = "local",
        contains: Annotated[str | None, Field(description="Only branches that contain this commit.")] = None,
        not_contains: Annotated[
            str | None, Field(description="Only branches that do not contain this commit.")
        ] = None,
    ) -> Annotated[types.CallToolResult, BranchList]:
        """List git branches, the current one marked with '*', each with its last commit and how it
        stands against its upstream. Filter by a commit they contain or lack."""
        repo = await toolbox.open(repo_path, ctx)
        args = ["branch", "--list", _FORMAT]
        args += {"local": [], "remote": ["--remotes"], "all": ["--all"]}[branch_type]
        if contains is not None:
            args.append(f"--contains={ordinary_argument(contains, 'commit')}")
        if not_contains is not None:
            args.append(f"--no-contains={ordinary_argument(not_contains, 'commit')}")
        output = await toolbox.git.text(repo, args)
        branches = [_branch(line) for line in output.splitlines() if line]
        listing = BranchList(branches=branches[:_MAX_BRANCHES], truncated=len(branches) > _MAX_BRANCHES)
        return tool_result(_describe(listing), listing)


def register_changes(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Create a branch", read_only=False)
    async def git_create_branch(
        repo_path: RepoPath,
        branch_name: Annotated[str, Field(min_length=1, description="The new branch's name.")],
        ctx: ToolContext,
        base_branch: Annotated[
            str | None,
            Field(description="Where it starts: a branch, tag or commit (default: the current branch)."),
        ] = None,
    ) -> Annotated[types.CallToolResult, BranchCreated]:
        """Create a new branch from an optional base branch (it does not switch to it: use git_checkout)."""
        ordinary_argument(branch_name, "branch name")
        repo = await toolbox.open(repo_path, ctx)
        base = ordinary_argument(base_branch, "base branch") if base_branch else None
        shown = base or await current_branch(toolbox, repo) or "HEAD"
        await toolbox.git.run(repo, ["branch", "--end-of-options", branch_name, *([base] if base else [])])
        commit = await _commit_of(toolbox, repo, f"refs/heads/{branch_name}")
        created = BranchCreated(name=branch_name, base=shown, commit=commit)
        return tool_result(f"Created branch '{branch_name}' from '{shown}'", created)

    @server.tool(title="Switch branches", read_only=False)
    async def git_checkout(
        repo_path: RepoPath,
        branch_name: Annotated[
            str,
            Field(
                min_length=1,
                description="The branch to switch to (a remote one's name, like feature, "
                "makes a local branch tracking origin/feature), or a commit or tag (detached HEAD).",
            ),
        ],
        ctx: ToolContext,
        create: Annotated[
            bool, Field(description="Create the branch first, from the current commit.")
        ] = False,
    ) -> Annotated[types.CallToolResult, Switched]:
        """Switch branches. Uncommitted changes are kept; if switching would overwrite them, nothing
        happens and the error names the files (commit or stash them first)."""
        ordinary_argument(branch_name, "branch name")
        repo = await toolbox.open(repo_path, ctx)
        # No --end-of-options: checkout reads what follows it as a second revision. The name was
        # checked not to start with "-", and "--" ends it as a revision, never a path.
        args = ["checkout", "--quiet", *(["-b", branch_name] if create else [branch_name, "--"])]
        await toolbox.git.run(repo, args)
        now = await current_branch(toolbox, repo)
        switched = Switched(branch=now, commit=await _commit_of(toolbox, repo, "HEAD"), created=create)
        if now is None:
            return tool_result(f"HEAD is now detached at {switched.commit[:12]} ('{branch_name}')", switched)
        return tool_result(f"Switched to {'a new ' if create else ''}branch '{now}'", switched)


async def _commit_of(toolbox: Toolbox, repo: Repository, ref: str) -> str:
    return (
        await toolbox.git.text(repo, ["rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"])
    ).strip()


def _branch(line: str) -> Branch:
    head, refname, short, commit, upstream, tracking, subject = (line.split("\x1f") + [""] * 7)[:7]
    return Branch(
        name=short,
        remote=refname.startswith("refs/remotes/"),
        current=head == "*",
        commit=commit,
        upstream=upstream or None,
        tracking=tracking or None,
        subject=subject,
    )


def _describe(listing: BranchList) -> str:
    if not listing.branches:
        return "(no branches)"
    lines = []
    for branch in listing.branches:
        tracking = (
            f" [{branch.upstream}{': ' + branch.tracking if branch.tracking else ''}]"
            if branch.upstream
            else ""
        )
        lines.append(
            f"{'*' if branch.current else ' '} {branch.name} {branch.commit[:12]}{tracking} {branch.subject}"
        )
    if listing.truncated:
        lines.append(f"[only the first {_MAX_BRANCHES:,}; narrow with contains or not_contains]")
    return "\n".join(lines)
