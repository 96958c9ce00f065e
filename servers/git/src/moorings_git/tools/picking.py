"""git_cherry_pick and git_revert: applying single commits' changes, or undoing them, as new commits.

Each revision is resolved to its sha first (`revisions`), so git gets only hexadecimal shas: nothing
the model wrote reaches these commands' argument lists. A conflict stops the operation; that is
reported as a result with the next steps (`stops`), and `action` then continues, skips or aborts it.
No editor ever opens: GIT_EDITOR is ":" in the sandbox and these commands run with --no-edit.
"""

from __future__ import annotations

from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, ToolContext, ToolRegistry, tool_result
from moorings_git.revisions import commit_of, commits_of, head_commit
from moorings_git.stops import Outcome, require_idle, resume, run_stoppable, stopped_result
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import RepoPath
from moorings_git.tools.branches import current_branch

__all__ = ["register_changes"]

_MAX_PICKED = 1_000  # commits one call may pick, ranges included


def register_changes(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Cherry-pick commits", read_only=False)
    async def git_cherry_pick(
        repo_path: RepoPath,
        ctx: ToolContext,
        commits: Annotated[
            list[Annotated[str, Field(min_length=1)]] | None,
            Field(
                min_length=1,
                max_length=100,
                description="The commits whose changes to apply on the current branch, in order: "
                "shas, branches, tags, or ranges A..B (B's commits that A lacks, oldest first). "
                "Give this, or action.",
            ),
        ] = None,
        action: Annotated[
            Literal["continue", "skip", "abort"] | None,
            Field(
                description="For a cherry-pick that stopped: continue (after resolving and staging the "
                "files with git_add), skip (leave the current commit out), or abort (go back to before it)."
            ),
        ] = None,
    ) -> Annotated[types.CallToolResult, Outcome]:
        """Apply the changes of existing commits on top of the current branch, each as a new commit
        (git cherry-pick), or continue, skip or abort a cherry-pick that stopped.

        A conflict stops it: that is not an error, the result lists the conflicted files and the
        next steps (resolve them, git_add, then action='continue'; or 'skip', or 'abort').
        """
        repo = await toolbox.open(repo_path, ctx)
        if action is not None:
            if commits is not None:
                raise InvalidInput(
                    "Give commits to cherry-pick, or action for the one in progress; not both."
                )
            return await resume(toolbox.git, repo, "cherry-pick", action)
        if commits is None:
            raise InvalidInput("Give commits to cherry-pick, or action for the cherry-pick in progress.")
        shas: list[str] = []
        for revision in commits:
            shas += await commits_of(toolbox.git, repo, revision, "commit", limit=_MAX_PICKED - len(shas))
        await require_idle(toolbox.git, repo, "cherry-pick")
        branch = await current_branch(toolbox, repo) or "HEAD"
        stop = await run_stoppable(toolbox.git, repo, ["cherry-pick", *shas])
        after = await head_commit(toolbox.git, repo)
        if stop is not None:
            return stopped_result(f"The cherry-pick onto {branch} stopped half-way.", after, stop)
        picked = f"{len(shas)} commits" if len(shas) > 1 else f"commit {shas[0]}"
        text = f"Cherry-picked {picked} onto {branch}: it is now at {after}."
        return tool_result(text, Outcome(completed=True, commit=after))

    @server.tool(title="Revert a commit", read_only=False)
    async def git_revert(
        repo_path: RepoPath,
        ctx: ToolContext,
        commit: Annotated[
            str | None,
            Field(
                min_length=1,
                description="The commit whose changes to undo with a new commit (a sha, HEAD~2, a tag). "
                "Give this, or action.",
            ),
        ] = None,
        action: Annotated[
            Literal["continue", "abort"] | None,
            Field(
                description="For a revert that stopped on conflicts: continue (after resolving and "
                "staging the files with git_add), or abort (go back to before it)."
            ),
        ] = None,
    ) -> Annotated[types.CallToolResult, Outcome]:
        """Undo a commit's changes with a new commit that reverses them (history is kept, not
        rewritten), or continue or abort a revert that stopped.

        A conflict stops it: that is not an error, the result lists the conflicted files and the
        next steps (resolve them, git_add, then action='continue'; or action='abort').
        """
        repo = await toolbox.open(repo_path, ctx)
        if action is not None:
            if commit is not None:
                raise InvalidInput("Give the commit to revert, or action for the one in progress; not both.")
            return await resume(toolbox.git, repo, "revert", action)
        if commit is None:
            raise InvalidInput("Give the commit to revert, or action for the revert in progress.")
        sha = await commit_of(toolbox.git, repo, commit, "commit")
        await require_idle(toolbox.git, repo, f"revert {commit}")
        stop = await run_stoppable(toolbox.git, repo, ["revert", "--no-edit", sha])
        after = await head_commit(toolbox.git, repo)
        if stop is not None:
            return stopped_result(f"The revert of {commit} stopped half-way.", after, stop)
        text = f"Reverted {commit} ({sha}) with the new commit {after}, which undoes its changes."
        return tool_result(text, Outcome(completed=True, commit=after))
