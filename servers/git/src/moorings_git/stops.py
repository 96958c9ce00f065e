"""Commands that can stop half-way (a merge, a rebase, a cherry-pick, a revert, a stash applied).

Stopping on a conflict is not a failure of the call: it is the normal end of such a command when
two changes meet, and the model's next move is to resolve the files. So `run_stoppable` tells a
command that ended on a conflict (or with its operation left in progress, like a cherry-pick that
became empty) apart from one that failed: the first comes back as a `Stop` to report, with the
conflicted paths and what to do next in this server's tools; only the second raises.

`require_idle` comes before starting any of them: on top of an operation already in progress (or
of unresolved conflicts) git would refuse or mix the two, and the model should finish or abandon the
first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, Output, tool_result
from moorings_git.repositories import Repository
from moorings_git.revisions import head_commit
from moorings_git.running import WRITE_OUTPUT, Git, failure, git_message
from moorings_git.status import Operation, operation_in_progress

__all__ = [
    "MAX_CONFLICTS_SHOWN",
    "Outcome",
    "Stop",
    "Stopping",
    "conflicted_paths",
    "describe_stop",
    "require_idle",
    "require_operation",
    "resume",
    "run_stoppable",
    "stopped_result",
]

Resumable = Literal["rebase", "cherry-pick", "revert"]
Action = Literal["continue", "skip", "abort"]

MAX_CONFLICTS_SHOWN = 500
"""Conflicted paths a result names; the rest are counted (git_status pages through them all)."""

_LISTING_BYTES = 4 * 2**20
_SAID_CHARS = 600  # git's own words about a stop without conflicts: a few lines


class Stopping(Output):
    """What a command that may stop half-way left behind."""

    commit: str | None = Field(default=None, description="The commit HEAD is at afterwards.")
    conflicts: list[str] = Field(
        default_factory=list,
        description=f"Paths left in conflict, to resolve and stage with git_add (the first "
        f"{MAX_CONFLICTS_SHOWN}).",
    )
    total_conflicts: int = Field(default=0, description="How many paths are in conflict in all.")
    operation: Operation | None = Field(
        default=None, description="The operation left in progress, with how to finish or abandon it."
    )


class Outcome(Stopping):
    """How a rebase, cherry-pick or revert went."""

    completed: bool = Field(description="It finished; false when it stopped half-way (see operation).")


@dataclass(frozen=True)
class Stop:
    """How a command that stopped half-way left the repository."""

    operation: Operation | None
    conflicts: list[str]
    total_conflicts: int
    said: str
    """What git said, for a stop without conflicts (the reason is then only in its words)."""


async def conflicted_paths(git: Git, repo: Repository) -> tuple[list[str], int]:
    """The unmerged paths (at most `MAX_CONFLICTS_SHOWN`) and how many there are in all."""
    result = await git.run(repo, ["ls-files", "--unmerged", "-z"], max_output=_LISTING_BYTES)
    records = result.stdout.decode("utf-8", "replace").split("\0")
    if result.cut:
        records.pop()  # cut short
    # One record per stage ("mode sha stage<TAB>path"); a path has up to three.
    paths = list(dict.fromkeys(record.split("\t", 1)[1] for record in records if "\t" in record))
    return paths[:MAX_CONFLICTS_SHOWN], len(paths)


async def require_idle(git: Git, repo: Repository, starting: str) -> None:
    """Refuse to start `starting` (a sentence: "merge feature") over an operation or conflicts."""
    operation = operation_in_progress(repo.git_dir)
    if operation is not None:
        raise InvalidInput(
            f"Cannot {starting}: a {operation.name} is in progress. First {operation.next_steps}."
        )
    conflicts, total = await conflicted_paths(git, repo)
    if total:
        raise InvalidInput(
            f"Cannot {starting}: {_count(total)} still in conflict ({', '.join(conflicts[:5])}"
            f"{', ...' if total > 5 else ''}). Resolve them and stage them with git_add first."
        )


def require_operation(repo: Repository, name: str, action: str) -> Operation:
    """The operation in progress, which must be a `name` for `action` (continue, skip, abort) to apply."""
    operation = operation_in_progress(repo.git_dir)
    if operation is None:
        raise InvalidInput(f"No {name} is in progress, so there is nothing to {action}.")
    if operation.name != name:
        raise InvalidInput(
            f"A {operation.name} is in progress, not a {name}, so there is nothing to {action}: "
            f"{operation.next_steps}."
        )
    return operation


async def run_stoppable(git: Git, repo: Repository, args: Sequence[str]) -> Stop | None:
    """Run `git args`; None when it finished, a `Stop` when it stopped half-way, an error otherwise."""
    result = await git.run(repo, args, max_output=WRITE_OUTPUT, accept=range(256))
    if result.returncode == 0:
        return None
    conflicts, total = await conflicted_paths(git, repo)
    operation = operation_in_progress(repo.git_dir)
    if not total and operation is None:
        raise failure(args, result)
    said = "" if total else git_message(result)[:_SAID_CHARS]
    return Stop(operation, conflicts, total, said)


def describe_stop(headline: str, stop: Stop, next_steps: str | None = None) -> str:
    """The report of a stop: `headline`, the conflicted paths, then what to do next.

    `next_steps` stands in for the operation's own (a stash applied with conflicts has none).
    """
    lines = [headline]
    if stop.total_conflicts:
        lines.append(f"Conflicts in {_count(stop.total_conflicts)}:")
        lines += [f"\t{path}" for path in stop.conflicts]
        if stop.total_conflicts > len(stop.conflicts):
            lines.append(
                f"\t... and {stop.total_conflicts - len(stop.conflicts):,} more (git_status lists all)"
            )
    if stop.said:
        lines.append(f"git said: {stop.said}")
    steps = next_steps or (stop.operation.next_steps if stop.operation else None)
    if steps:
        lines.append(f"Next: {steps}.")
    return "\n".join(lines)


def stopped_result(headline: str, after: str | None, stop: Stop) -> types.CallToolResult:
    """The result of a rebase, cherry-pick or revert that stopped half-way."""
    result = Outcome(
        completed=False,
        commit=after,
        conflicts=stop.conflicts,
        total_conflicts=stop.total_conflicts,
        operation=stop.operation,
    )
    return tool_result(describe_stop(headline, stop), result)


async def resume(git: Git, repo: Repository, name: Resumable, action: Action) -> types.CallToolResult:
    """Continue, skip or abort the `name` in progress, and report how it then stands."""
    require_operation(repo, name, action)
    if action == "continue":
        await _require_resolved(git, repo, name)
    # No editor opens: GIT_EDITOR is ":" in the sandbox, and --no-edit where git takes it.
    no_edit = ["--no-edit"] if action == "continue" and name != "rebase" else []
    stop = await run_stoppable(git, repo, [name, f"--{action}", *no_edit])
    after = await head_commit(git, repo)
    if stop is not None:
        return stopped_result(f"The {name} stopped again.", after, stop)
    if action == "abort":
        text = f"The {name} was aborted: everything is back to before it (HEAD at {after})."
        return tool_result(text, Outcome(completed=False, commit=after))
    skipped = " (a commit was skipped)" if action == "skip" else ""
    text = f"The {name} is finished{skipped}: HEAD is at {after}."
    return tool_result(text, Outcome(completed=True, commit=after))


async def _require_resolved(git: Git, repo: Repository, name: str) -> None:
    """Refuse to continue while files are still in conflict, naming them."""
    conflicts, total = await conflicted_paths(git, repo)
    if total:
        shown = ", ".join(conflicts[:10]) + (", ..." if total > 10 else "")
        raise InvalidInput(
            f"Cannot continue the {name}: {_count(total)} still in conflict ({shown}). Resolve "
            f"{'them' if total != 1 else 'it'} and stage with git_add first."
        )


def _count(paths: int) -> str:
    return f"{paths:,} file{'s' if paths != 1 else ''}"
