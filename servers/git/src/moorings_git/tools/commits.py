"""git_add, git_reset and git_commit: staging changes, unstaging them, and recording them."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, Output, ToolContext, ToolRegistry, tool_result
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.revisions import commit_of, head_commit
from moorings_git.running import WRITE_OUTPUT, failure
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Confirm, Paths, RepoPath
from moorings_git.tools.branches import current_branch

__all__ = ["Committed", "Reset", "Staged", "register"]


class Staged(Output):
    paths: list[str] = Field(description="The pathspecs staged, relative to the repository's top level.")


class Reset(Output):
    mode: Literal["mixed", "soft", "hard"]
    commit: str | None = Field(
        default=None, description="Where HEAD is now (absent before the first commit)."
    )
    branch: str | None = Field(
        default=None, description="The branch that was reset; absent when HEAD is detached."
    )
    paths: list[str] | None = Field(default=None, description="The paths unstaged, when only some were.")


class Committed(Output):
    sha: str
    branch: str | None = Field(
        default=None, description="The branch that now points at it; absent when detached."
    )
    amended: bool = Field(description="It replaced the previous last commit.")


_AUTHOR = re.compile(r"[^<>\x00\n]*[^<>\x00\n ] <[^<>\x00\n]+>")
_NOTHING_STAGED = re.compile(r"nothing to commit|nothing added to commit|no changes added to commit")

_Files = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=1_000,
        description="Files or folders to stage, relative to the repository's top level or absolute inside "
        "it; ['.'] stages every change, new files included.",
    ),
]


def register(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Stage files", read_only=False, idempotent=True)
    async def git_add(
        repo_path: RepoPath, files: _Files, ctx: ToolContext
    ) -> Annotated[types.CallToolResult, Staged]:
        """Add file contents to the staging area (the index), deletions included."""
        repo = await toolbox.open(repo_path, ctx)
        relative = [repo.relative(path) for path in files]
        await toolbox.git.run(repo, ["add", "--all", "--", *(f":(literal){path}" for path in relative)])
        return tool_result("Files staged successfully", Staged(paths=relative))

    @server.tool(title="Unstage or reset", read_only=False, destructive=True)
    async def git_reset(
        repo_path: RepoPath,
        ctx: ToolContext,
        mode: Annotated[
            Literal["mixed", "soft", "hard"],
            Field(
                description="mixed (default): unstage, keep the working tree. soft: move the branch only, "
                "keep everything staged. hard: discard staged and unstaged changes to tracked files "
                "(needs confirm)."
            ),
        ] = "mixed",
        target: Annotated[
            str | None,
            Field(
                description="The commit to reset the current branch to (default: HEAD, which only unstages)."
            ),
        ] = None,
        paths: Paths = None,
        confirm: Confirm = False,
    ) -> Annotated[types.CallToolResult, Reset]:
        """Unstage all staged changes (the default), or only some paths; or move the current branch to
        another commit (soft, mixed or hard). A hard reset, and moving a protected branch, need
        confirm=true; without it the call says what it would do."""
        repo = await toolbox.open(repo_path, ctx)
        if paths and mode != "mixed":
            raise InvalidInput(f"paths only go with mode='mixed' (unstaging them); not with mode={mode!r}.")
        # The target as a sha: `git reset` misreads --end-of-options (2.39 at least), and without a
        # target git resets to HEAD, which also works on a branch with no commit yet.
        commit = [await commit_of(toolbox.git, repo, target, "target")] if target else []
        shown = target or "HEAD"
        if paths:
            relative = [repo.relative(path) for path in paths]
            specs = [f":(literal){path}" for path in relative]
            await toolbox.git.run(repo, ["reset", "--quiet", *commit, "--", *specs])
            text = f"Unstaged changes to {len(paths)} path{'s' if len(paths) > 1 else ''}"
            head = await head_commit(toolbox.git, repo)
            return tool_result(text, Reset(mode=mode, commit=head, paths=relative))
        branch = await current_branch(toolbox, repo)
        if mode == "hard":
            toolbox.require_confirmation(
                confirm,
                f"discard every uncommitted change to tracked files and set {branch or 'HEAD'} to {shown}",
            )
        elif target and branch and toolbox.is_protected(branch):
            toolbox.require_confirmation(confirm, f"move the protected branch {branch} to {shown}")
        await toolbox.git.run(repo, ["reset", "--quiet", f"--{mode}", *commit, "--"], max_output=WRITE_OUTPUT)
        done = Reset(mode=mode, commit=await head_commit(toolbox.git, repo), branch=branch)
        if mode == "mixed" and not target:
            return tool_result("All staged changes reset", done)
        return tool_result(f"Reset {branch or 'HEAD'} to {shown} ({mode})", done)

    @server.tool(title="Commit", read_only=False)
    async def git_commit(
        repo_path: RepoPath,
        message: Annotated[
            str,
            Field(
                min_length=1,
                description="The commit message: a subject line, then optionally a blank line and a body.",
            ),
        ],
        ctx: ToolContext,
        amend: Annotated[
            bool,
            Field(
                description="Replace the last commit (its changes plus what is staged) instead of adding "
                "one; needs confirm on a protected branch."
            ),
        ] = False,
        author: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=1_000,
                description="The author, as 'Name <email>' (default: the configured user).",
            ),
        ] = None,
        allow_empty: Annotated[bool, Field(description="Record a commit even with nothing staged.")] = False,
        sign: Annotated[
            bool,
            Field(
                description="Sign the commit with the user's configured key (commits are also signed "
                "whenever the user's own git config asks)."
            ),
        ] = False,
        confirm: Confirm = False,
    ) -> Annotated[types.CallToolResult, Committed]:
        """Record the staged changes to the repository as a new commit with this message.

        Only what is staged (git_add) is committed; with nothing staged the call says so (unless
        allow_empty=true). amend replaces the last commit instead; author sets another author.
        """
        repo = await toolbox.open(repo_path, ctx)
        # "whitespace", as git commit -m does: a line such as "#12: fix" is the message, not a comment.
        args = ["commit", "--quiet", "--file=-", "--cleanup=whitespace"]
        branch = await current_branch(toolbox, repo)
        if amend:
            if branch and toolbox.is_protected(branch):
                toolbox.require_confirmation(
                    confirm, f"rewrite the last commit of the protected branch {branch}"
                )
            args.append("--amend")
        if author is not None:
            # Checked here rather than as a schema pattern: JSON Schema and Python read "$" differently.
            if not _AUTHOR.fullmatch(ordinary_argument(author, "author")):
                raise InvalidInput(
                    f"author {author!r} is not 'Name <email>'; give both, as git records them."
                )
            args.append(f"--author={author}")
        if allow_empty:
            args.append("--allow-empty")
        if sign:
            args.append("--gpg-sign")
        result = await toolbox.git.run(repo, args, stdin=message.encode(), accept=(0, 1))
        if result.returncode == 1:
            said = (result.stdout + result.stderr).decode("utf-8", "replace")
            if _NOTHING_STAGED.search(said):
                raise InvalidInput(
                    "Nothing is staged, so there is nothing to commit: stage changes with git_add first "
                    "(git_status shows them), or pass allow_empty=true for a commit without changes."
                )
            raise failure(args, result)
        sha = await head_commit(toolbox.git, repo) or ""
        committed = Committed(sha=sha, branch=branch, amended=amend)
        return tool_result(f"Changes committed successfully with hash {sha}", committed)
