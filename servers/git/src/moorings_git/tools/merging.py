"""git_merge and git_rebase: joining another branch's work into the current branch.

A merge or a rebase that meets conflicting changes stops half-way; that is reported as a result,
not an error, with the conflicted files and the next steps in this server's tools (`stops`).
A rebase never runs interactively: git's sequence editor is ":" in the sandbox, and no option here
asks for one.
"""

from __future__ import annotations

from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, ToolContext, ToolRegistry, tool_result
from moorings_git.repositories import Repository
from moorings_git.revisions import commit_of, head_commit, is_ancestor
from moorings_git.running import WRITE_OUTPUT
from moorings_git.stops import (
    Outcome,
    Stop,
    Stopping,
    describe_stop,
    require_idle,
    require_operation,
    resume,
    run_stoppable,
    stopped_result,
)
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import NO_NUL, Confirm, RepoPath
from moorings_git.tools.branches import current_branch

__all__ = ["MergeResult", "register_changes"]

MergeKind = Literal["fast-forward", "merge commit", "up to date", "squashed", "conflicts", "aborted"]


class MergeResult(Stopping):
    """How a merge went."""

    merged: bool = Field(
        description="The branch's work is now in the current branch (or in the index, for a squash); "
        "false when the merge stopped on conflicts or was aborted."
    )
    kind: MergeKind = Field(
        description="fast-forward (the branch just moved ahead), merge commit, up to date (nothing to "
        "merge), squashed (staged, not committed), conflicts, or aborted."
    )


_SequenceAction = Annotated[
    Literal["continue", "skip", "abort"] | None,
    Field(
        description="For a rebase that stopped on conflicts: continue (after resolving and staging the "
        "files with git_add), skip (drop the commit being replayed), or abort (go back to before it)."
    ),
]


def register_changes(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Merge a branch", read_only=False)
    async def git_merge(
        repo_path: RepoPath,
        ctx: ToolContext,
        branch: Annotated[
            str | None,
            Field(
                description="The branch (or tag, or commit) to merge into the current branch; "
                "required unless abort=true."
            ),
        ] = None,
        no_ff: Annotated[
            bool, Field(description="Always make a merge commit, even when a fast-forward would do.")
        ] = False,
        squash: Annotated[
            bool,
            Field(
                description="Stage the branch's changes as one change, without committing or recording "
                "a merge (commit them with git_commit)."
            ),
        ] = False,
        message: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=100_000,
                pattern=NO_NUL,
                description="The merge commit's message (default: git's \"Merge branch '...'\").",
            ),
        ] = None,
        abort: Annotated[
            bool,
            Field(
                description="Abandon a merge that stopped on conflicts and go back to before it "
                "(discards the resolutions made so far)."
            ),
        ] = False,
    ) -> Annotated[types.CallToolResult, MergeResult]:
        """Merge a branch into the current branch, or abort a merge that stopped on conflicts.

        The result says plainly whether it fast-forwarded, made a merge commit, or found nothing
        to merge. If the changes conflict, the merge stops: that is not an error, the result lists
        the conflicted files and the next steps (resolve them, git_add, then git_commit; or
        git_merge with abort=true). message sets the merge commit's message.
        """
        repo = await toolbox.open(repo_path, ctx)
        if abort:
            if branch is not None or no_ff or squash or message is not None:
                raise InvalidInput(
                    "abort=true takes no other argument: it only abandons the merge in progress."
                )
            return await _abort_merge(toolbox, repo)
        if branch is None:
            raise InvalidInput("Give the branch to merge, or abort=true to abandon a merge in progress.")
        if squash and (no_ff or message is not None):
            raise InvalidInput(
                "squash=true makes no commit, so it takes neither no_ff nor message; give the message "
                "to git_commit afterwards."
            )
        theirs = await commit_of(toolbox.git, repo, branch, "branch")
        await require_idle(toolbox.git, repo, f"merge {branch}")
        before = await head_commit(toolbox.git, repo)
        into = await current_branch(toolbox, repo) or "HEAD"
        already = before is not None and await is_ancestor(toolbox.git, repo, theirs, before)
        args = [
            "merge",
            "--no-stat",
            "--no-edit",
            *(["--no-ff"] if no_ff else []),
            *(["--squash"] if squash else []),
            *([f"--message={message}"] if message is not None else []),
            "--end-of-options",
            branch,
        ]
        stop = await run_stoppable(toolbox.git, repo, args)
        after = await head_commit(toolbox.git, repo)
        if stop is not None:
            return _stopped_merge(branch, into, after, stop)
        if already:
            kind: MergeKind = "up to date"
            text = f"Already up to date: {into} already has everything in {branch}; nothing changed."
        elif squash:
            kind = "squashed"
            text = (
                f"Squashed {branch} into the index: its changes are staged but not committed, and no "
                "merge is recorded. Review them with git_diff_staged and commit them with git_commit."
            )
        elif after == theirs:
            kind = "fast-forward"
            text = (
                f"Fast-forwarded {into} to {branch} ({after}): {into} had nothing of its own, so no "
                "merge commit was made (no_ff=true makes one)."
            )
        else:
            kind = "merge commit"
            text = f"Merged {branch} into {into} with the merge commit {after}."
        return tool_result(text, MergeResult(merged=True, kind=kind, commit=after))

    @server.tool(title="Rebase the current branch", read_only=False, destructive=True)
    async def git_rebase(
        repo_path: RepoPath,
        ctx: ToolContext,
        onto: Annotated[
            str | None,
            Field(
                description="The branch (or commit) to replay the current branch's own commits on top "
                "of: its upstream, like main. Give this, or action."
            ),
        ] = None,
        action: _SequenceAction = None,
        confirm: Confirm = False,
    ) -> Annotated[types.CallToolResult, Outcome]:
        """Rebase the current branch onto another (never interactive), or continue, skip or abort a
        rebase that stopped on conflicts.

        The branch's commits that `onto` lacks are replayed on top of it, which rewrites them:
        rebasing a protected branch (main, master, or as configured) needs confirm=true. A conflict
        stops the rebase: that is not an error, the result lists the conflicted files and the next
        steps (resolve them, git_add, then action='continue'; or 'skip', or 'abort').
        """
        repo = await toolbox.open(repo_path, ctx)
        if action is not None:
            if onto is not None:
                raise InvalidInput(
                    "Give onto to start a rebase, or action for the one in progress; not both."
                )
            return await resume(toolbox.git, repo, "rebase", action)
        if onto is None:
            raise InvalidInput(
                "Give onto (the branch to rebase onto) to start a rebase, or action to continue, skip or "
                "abort the one in progress."
            )
        upstream = await commit_of(toolbox.git, repo, onto, "onto")
        branch = await current_branch(toolbox, repo)
        if branch is not None and toolbox.is_protected(branch):
            toolbox.require_confirmation(
                confirm,
                f"rewrite the protected branch {branch}: its commits that {onto} lacks would be replayed "
                f"on top of {onto}, getting new shas",
            )
        await require_idle(toolbox.git, repo, f"rebase onto {onto}")
        before = await head_commit(toolbox.git, repo)
        # The sha, not the name: nothing of it can be read as an option, in any git version.
        stop = await run_stoppable(toolbox.git, repo, ["rebase", upstream])
        after = await head_commit(toolbox.git, repo)
        name = branch or "HEAD"
        if stop is not None:
            return stopped_result(f"The rebase of {name} onto {onto} stopped half-way.", after, stop)
        if after == before:
            text = f"{name} is already up to date with {onto}: nothing to rebase."
        else:
            text = f"Rebased {name} onto {onto}: it is now at {after}."
        return tool_result(text, Outcome(completed=True, commit=after))


async def _abort_merge(toolbox: Toolbox, repo: Repository) -> types.CallToolResult:
    require_operation(repo, "merge", "abort")
    await toolbox.git.run(repo, ["merge", "--abort"], max_output=WRITE_OUTPUT)
    after = await head_commit(toolbox.git, repo)
    text = "Merge aborted: the branch, the index and the working tree are back to before the merge."
    return tool_result(text, MergeResult(merged=False, kind="aborted", commit=after))


def _stopped_merge(branch: str, into: str, after: str | None, stop: Stop) -> types.CallToolResult:
    headline = f"Merging {branch} into {into} stopped on conflicts: nothing is committed yet."
    result = MergeResult(
        merged=False,
        kind="conflicts",
        commit=after,
        conflicts=stop.conflicts,
        total_conflicts=stop.total_conflicts,
        operation=stop.operation,
    )
    return tool_result(describe_stop(headline, stop), result)
