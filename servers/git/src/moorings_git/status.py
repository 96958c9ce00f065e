"""A repository's status, read once from `git status --porcelain=v2 -z` and told two ways.

The text is in the shape of `git status` (what the reference server returns, so prompts written for
it still read it); the structure lists each entry with its index and work-tree states. An operation
in progress (a merge, a rebase, a cherry-pick, a revert, a bisect) is found from the marker files
git keeps in the git directory and comes with what to do next, in this server's tool names.

Submodules are compared by the commit they are at, not by what is inside them (`--ignore-
submodules=dirty`): looking inside would run git in each submodule, under that submodule's own,
unneutralised configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field

from moorings_core import Output

__all__ = ["STATUS_ARGS", "Operation", "StatusEntry", "StatusReport", "operation_in_progress", "parse_status"]

STATUS_ARGS = (
    "status",
    "--porcelain=v2",
    "-z",
    "--branch",
    "--show-stash",
    "--untracked-files=normal",
    "--ignore-submodules=dirty",
)

_STATES = {
    ".": None,
    "M": "modified",
    "T": "type changed",
    "A": "new file",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "U": "unmerged",
}
_CONFLICTS = {
    "DD": "both deleted",
    "AU": "added by us",
    "UD": "deleted by them",
    "UA": "added by them",
    "DU": "deleted by us",
    "AA": "both added",
    "UU": "both modified",
}

OperationName = Literal["merge", "rebase", "am", "cherry-pick", "revert", "bisect"]


class StatusEntry(Output):
    path: str = Field(description="Relative to the repository's top level.")
    original_path: str | None = Field(default=None, description="Where a renamed or copied file came from.")
    staged: str | None = Field(
        default=None, description="The change in the index: modified, new file, deleted, renamed..."
    )
    unstaged: str | None = Field(default=None, description="The change in the working tree, not yet staged.")
    conflict: str | None = Field(
        default=None, description="For an unmerged path: both modified, deleted by them..."
    )


class Operation(Output):
    name: OperationName = Field(description="What is in progress.")
    next_steps: str = Field(description="How to finish it, or abandon it, with this server's tools.")


class StatusReport(Output):
    """The status of a repository's working tree and index."""

    repository: str = Field(description="The repository's top level.")
    branch: str | None = Field(default=None, description="The current branch; absent when HEAD is detached.")
    commit: str | None = Field(
        default=None, description="The commit HEAD is at; absent before the first commit."
    )
    upstream: str | None = Field(default=None, description="The branch this one tracks.")
    ahead: int | None = Field(default=None, description="Commits here that the upstream lacks.")
    behind: int | None = Field(default=None, description="Commits in the upstream that are not here.")
    stashes: int = Field(default=0, description="Entries in the stash.")
    operation: Operation | None = Field(default=None, description="An operation in progress, if any.")
    clean: bool = Field(description="Nothing staged, changed, conflicted or untracked.")
    entries: list[StatusEntry] = Field(
        description="Changed, conflicted and untracked paths (this page of them)."
    )
    total_entries: int = Field(description="How many entries the status has in all.")
    next_cursor: str | None = Field(
        default=None, description="Pass back as cursor for the next page of entries."
    )


@dataclass
class _Parsed:
    branch: str | None = None
    commit: str | None = None
    upstream: str | None = None
    ahead: int | None = None
    behind: int | None = None
    stashes: int = 0
    entries: list[StatusEntry] = field(default_factory=list)
    untracked: list[StatusEntry] = field(default_factory=list)


def parse_status(output: bytes) -> _Parsed:
    """The branch facts and entries of `git status --porcelain=v2 -z --branch --show-stash`."""
    parsed = _Parsed()
    records = output.decode("utf-8", "surrogateescape").split("\0")
    at = 0
    while at < len(records):
        record = records[at]
        at += 1
        if not record:
            continue
        kind = record[0]
        if kind == "#":
            _header(record, parsed)
        elif kind == "1":
            parts = record.split(" ", 8)
            parsed.entries.append(_changed(parts[1], _text(parts[8])))
        elif kind == "2":
            parts = record.split(" ", 9)
            original = _text(records[at]) if at < len(records) else None
            at += 1
            parsed.entries.append(_changed(parts[1], _text(parts[9]), original))
        elif kind == "u":
            parts = record.split(" ", 10)
            xy = parts[1]
            conflict = _CONFLICTS.get(xy, f"unmerged ({xy})")
            parsed.entries.append(StatusEntry(path=_text(parts[10]), conflict=conflict))
        elif kind == "?":
            parsed.untracked.append(StatusEntry(path=_text(record[2:]), unstaged="untracked"))
    return parsed


def _text(path: str) -> str:
    """A path as JSON can carry it: bytes that are not UTF-8 shown as U+FFFD."""
    if path.isascii():  # most paths: nothing to replace
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _header(record: str, parsed: _Parsed) -> None:
    _, name, value = [*record.split(" ", 2), "", ""][:3]
    if name == "branch.oid" and value != "(initial)":
        parsed.commit = value
    elif name == "branch.head" and value != "(detached)":
        parsed.branch = _text(value)
    elif name == "branch.upstream":
        parsed.upstream = _text(value)
    elif name == "branch.ab":
        ahead, _, behind = value.partition(" ")
        parsed.ahead, parsed.behind = int(ahead), -int(behind)
    elif name == "stash":
        parsed.stashes = int(value)


def _changed(xy: str, path: str, original: str | None = None) -> StatusEntry:
    return StatusEntry(
        path=path, original_path=original, staged=_STATES.get(xy[0]), unstaged=_STATES.get(xy[1])
    )


_NEXT_STEPS: dict[OperationName, str] = {
    "merge": "resolve the conflicted files, stage them with git_add, then git_commit to conclude the "
    "merge; or git_merge with abort=true to go back to before it",
    "rebase": "resolve the conflicted files and stage them with git_add, then git_rebase with "
    "action='continue' (or 'skip' to drop this commit); or git_rebase with action='abort'",
    "am": "a patch series (git am) is being applied; finish or abort it with git in a terminal",
    "cherry-pick": "resolve the conflicted files and stage them with git_add, then git_cherry_pick with "
    "action='continue' (or 'skip' to leave this commit out); or action='abort' to go back",
    "revert": "resolve the conflicted files and stage them with git_add, then git_revert with "
    "action='continue'; or action='abort' to go back",
    "bisect": "a bisect is in progress; mark commits or end it with git bisect in a terminal",
}


def operation_in_progress(git_dir: Path) -> Operation | None:
    """The operation whose marker git left in `git_dir`, if any (the same markers git's prompt reads)."""
    name: OperationName | None = None
    if (git_dir / "rebase-merge").is_dir():
        name = "rebase"
    elif (git_dir / "rebase-apply").is_dir():
        name = "am" if (git_dir / "rebase-apply" / "applying").exists() else "rebase"
    elif (git_dir / "MERGE_HEAD").exists():
        name = "merge"
    elif (git_dir / "CHERRY_PICK_HEAD").exists():
        name = "cherry-pick"
    elif (git_dir / "REVERT_HEAD").exists():
        name = "revert"
    elif (git_dir / "sequencer" / "todo").exists():
        # Commits still to pick after one was committed by hand (git_commit instead of continue).
        name = _sequence(git_dir / "sequencer" / "todo")
    elif (git_dir / "BISECT_LOG").exists():
        name = "bisect"
    return None if name is None else Operation(name=name, next_steps=_NEXT_STEPS[name])


def _sequence(todo: Path) -> OperationName:
    """Whether the sequencer's remaining steps revert or pick commits."""
    try:
        with todo.open("rb") as steps:
            first = steps.read(16)
    except OSError:
        first = b""
    return "revert" if first.startswith(b"revert") else "cherry-pick"


def describe(
    report: StatusReport,
    staged: list[StatusEntry],
    unstaged: list[StatusEntry],
    conflicted: list[StatusEntry],
    untracked: list[StatusEntry],
) -> str:
    """The status as `git status` words it (long format), for the model to read."""
    lines = [
        f"On branch {report.branch}" if report.branch else f"HEAD detached at {(report.commit or '')[:12]}"
    ]
    if report.commit is None:
        lines.append("\nNo commits yet")
    if report.upstream:
        lines.append(_tracking(report))
    if report.operation:
        lines.append(f"\nA {report.operation.name} is in progress: {report.operation.next_steps}.")
    sections = (
        ("Unmerged paths:", [(f"{entry.conflict}:", entry) for entry in conflicted]),
        ("Changes to be committed:", [(f"{entry.staged}:", entry) for entry in staged]),
        ("Changes not staged for commit:", [(f"{entry.unstaged}:", entry) for entry in unstaged]),
    )
    for title, labelled in sections:
        if labelled:
            lines.append(f"\n{title}")
            lines += [f"\t{label:<12}{_shown_path(entry)}" for label, entry in labelled]
    if untracked:
        lines.append("\nUntracked files:")
        lines += [f"\t{entry.path}" for entry in untracked]
    if report.clean:
        lines.append("\nnothing to commit, working tree clean")
    if report.stashes:
        lines.append(f"\nYour stash holds {report.stashes} {'entry' if report.stashes == 1 else 'entries'}.")
    return "\n".join(lines)


def _shown_path(entry: StatusEntry) -> str:
    return f"{entry.original_path} -> {entry.path}" if entry.original_path else entry.path


def _tracking(report: StatusReport) -> str:
    ahead, behind = report.ahead or 0, report.behind or 0
    upstream = f"'{report.upstream}'"
    if ahead and behind:
        return (
            f"Your branch and {upstream} have diverged,\nand have {ahead} and {behind} different "
            "commits each, respectively."
        )
    if ahead:
        return f"Your branch is ahead of {upstream} by {ahead} commit{'s' if ahead > 1 else ''}."
    if behind:
        return f"Your branch is behind {upstream} by {behind} commit{'s' if behind > 1 else ''}."
    return f"Your branch is up to date with {upstream}."
