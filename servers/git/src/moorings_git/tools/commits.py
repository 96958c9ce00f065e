"""git_add, git_reset and git_commit: staging changes, unstaging them, and recording them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from moorings_core import InvalidInput, ToolContext, ToolRegistry
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Confirm, Paths, RepoPath
from moorings_git.tools.branches import current_branch

__all__ = ["register"]

_Files = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=10_000,
        description="Files or folders to stage, relative to the repository's top level or absolute inside "
        "it; ['.'] stages every change, new files included.",
    ),
]


def register(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Stage files", read_only=False, idempotent=True)
    async def git_add(repo_path: RepoPath, files: _Files, ctx: ToolContext) -> str:
        """Add file contents to the staging area (the index), deletions included."""
        repo = await toolbox.open(repo_path, ctx)
        specs = [f":(literal){repo.relative(path)}" for path in files]
        await toolbox.git.run(repo, ["add", "--all", "--", *specs])
        return "Files staged successfully"

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
    ) -> str:
        """Unstage all staged changes (the default), or only some paths; or move the current branch to
        another commit (soft, mixed or hard). A hard reset, and moving a protected branch, need
        confirm=true; without it the call says what it would do."""
        repo = await toolbox.open(repo_path, ctx)
        commit = ordinary_argument(target, "target") if target else "HEAD"
        if paths:
            if mode != "mixed":
                raise InvalidInput(
                    f"paths only go with mode='mixed' (unstaging them); not with mode={mode!r}."
                )
            specs = [f":(literal){repo.relative(path)}" for path in paths]
            await toolbox.git.run(repo, ["reset", "--quiet", "--end-of-options", commit, "--", *specs])
            return f"Unstaged changes to {len(paths)} path{'s' if len(paths) > 1 else ''}"
        branch = await current_branch(toolbox, repo)
        if mode == "hard":
            toolbox.require_confirmation(
                confirm,
                f"discard every uncommitted change to tracked files and set {branch or 'HEAD'} to {commit}",
            )
        elif target and branch and toolbox.is_protected(branch):
            toolbox.require_confirmation(confirm, f"move the protected branch {branch} to {commit}")
        await toolbox.git.run(repo, ["reset", "--quiet", f"--{mode}", "--end-of-options", commit, "--"])
        if mode == "mixed" and not target:
            return "All staged changes reset"
        return f"Reset {branch or 'HEAD'} to {commit} ({mode})"

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
            str | None, Field(description="The author, as 'Name <email>' (default: the configured user).")
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
    ) -> str:
        """Record the staged changes to the repository as a new commit with this message."""
        repo = await toolbox.open(repo_path, ctx)
        args = ["commit", "--quiet", "--file=-", "--cleanup=strip"]
        if amend:
            branch = await current_branch(toolbox, repo)
            if branch and toolbox.is_protected(branch):
                toolbox.require_confirmation(
                    confirm, f"rewrite the last commit of the protected branch {branch}"
                )
            args.append("--amend")
        if author is not None:
            args.append(f"--author={ordinary_argument(author, 'author')}")
        if allow_empty:
            args.append("--allow-empty")
        if sign:
            args.append("--gpg-sign")
        await toolbox.git.run(repo, args, stdin=message.encode())
        sha = (await toolbox.git.text(repo, ["rev-parse", "HEAD"])).strip()
        return f"Changes committed successfully with hash {sha}"
