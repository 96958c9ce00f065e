"""Running git for a tool: in the sandbox, in the repository's top level, failures told plainly.

Every git command of this server goes through `Git.run`, which puts it in the core's
`GitSandbox` (no program from the repository's own configuration runs; hooks only with
`--allow-hooks`; the network only with `--allow-network`) and turns a failed command into an error
the model can act on: git's own message, without its "fatal: " prefix, plus what to do next where
the failure is a common one.

The git command line is used rather than GitPython: every git operation GitPython offers beyond
reading objects runs this same command line underneath, synchronously and with the whole output in
memory, and GitPython says itself that it does not suit long-running processes (it leaks system
resources), which is what a server is. Here each command is an asyncio subprocess with its output
bounded and its process group stopped with the call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from moorings_core import InvalidInput, NotFound, OperationFailed
from moorings_core.commands import CommandResult
from moorings_core.sandbox.git import GitSandbox
from moorings_git.repositories import Repository

__all__ = ["DIFF_SAFETY", "WRITE_OUTPUT", "Git", "failure", "git_message"]

DIFF_SAFETY = ("--no-textconv", "--no-ext-diff")
"""For every command that shows a diff: the repository's textconv and diff programs never run."""

_SMALL_OUTPUT = 4 * 2**20  # commands whose output is a few lines, read whole

WRITE_OUTPUT = 64 * 2**20
"""The output budget of a command that changes the repository: never reached, since a command cut
short at its budget is stopped half-way, which a write must never be."""

_NOT_FOUND = re.compile(
    r"unknown revision|bad revision|not a valid object name|invalid object name|did not match any|"
    r"not a commit|no such ref|ambiguous argument|does not exist|pathspec .* did not match|"
    r"no such path|malformed object name|unable to resolve revision",
    re.IGNORECASE,  # git says "Not a valid object name" in some commands, "not a valid" in others
)
_ADVICE = (
    (
        re.compile(r"Please tell me who you are|empty ident name"),
        "git has no identity for commits: set user.name and user.email in your global git config, "
        "or pass author to git_commit.",
    ),
    (
        re.compile(r"dubious ownership"),
        "git refuses a repository owned by another user; its owner can run it, or add it to the "
        "global safe.directory setting.",
    ),
    (
        re.compile(
            r"local changes (to the following files )?would be overwritten|untracked working tree files "
            r"would be (overwritten|removed)|You have unstaged changes|Your index contains uncommitted"
        ),
        "Commit those changes (git_add, git_commit) or set them aside (git_stash with action='push', "
        "include_untracked=true for untracked files), then try again.",
    ),
    (
        re.compile(r"index\.lock': File exists"),
        "another git process is working in this repository (or one crashed and left .git/index.lock); "
        "try again when it is done.",
    ),
)


@dataclass
class Git:
    """Runs git commands for the tools of one server."""

    sandbox: GitSandbox

    async def run(
        self,
        repo: Repository,
        args: Sequence[str],
        *,
        max_output: int = _SMALL_OUTPUT,
        skip_output: int = 0,
        stdin: bytes | None = None,
        accept: Sequence[int] = (0,),
    ) -> CommandResult:
        """Run `git args` in `repo`; raise a readable error unless it ended with a code in `accept`."""
        return await self.run_in(
            repo.work_tree, args, max_output=max_output, skip_output=skip_output, stdin=stdin, accept=accept
        )

    async def run_in(
        self,
        folder: Path,
        args: Sequence[str],
        *,
        max_output: int = _SMALL_OUTPUT,
        skip_output: int = 0,
        stdin: bytes | None = None,
        accept: Sequence[int] = (0,),
    ) -> CommandResult:
        """`run` in a folder that is not (yet) a checked repository: where git_init makes one."""
        result = await self.sandbox.run(
            folder, args, max_output=max_output, skip_output=skip_output, stdin=stdin
        )
        if not result.cut and result.returncode not in accept:
            raise failure(args, result)
        return result

    async def text(self, repo: Repository, args: Sequence[str], **options: object) -> str:
        """`run`, returning stdout as text (invalid UTF-8 replaced)."""
        result = await self.run(repo, args, **options)  # type: ignore[arg-type]
        return result.stdout.decode("utf-8", "replace")


def failure(args: Sequence[str], result: CommandResult) -> InvalidInput | NotFound | OperationFailed:
    """The error for a git command that failed, in git's words and with advice where there is some."""
    message = git_message(result)
    if not message.endswith((".", "!", "?")):
        message += "."
    command = f"git {args[0]}" if args else "git"
    for pattern, advice in _ADVICE:
        if pattern.search(message):
            return OperationFailed(f"{command} failed: {message}", hint=advice)
    if _NOT_FOUND.search(message):
        return NotFound(f"{command} failed: {message}")
    return OperationFailed(f"{command} failed: {message}")


def git_message(result: CommandResult) -> str:
    """What git said about how a command ended, on one line, without its hints and prefixes.

    A list git indents under a line (the files a checkout would overwrite) becomes "a, b.".
    """
    text = result.error_text or result.stdout.decode("utf-8", "replace").strip()
    parts: list[str] = []
    listed: list[str] = []
    for raw in text.splitlines():
        line = raw.strip().removeprefix("fatal: ").removeprefix("error: ")
        if not line or line.startswith("hint:"):
            continue
        if raw.startswith("\t"):
            listed.append(line)
            continue
        if listed:
            parts.append(", ".join(listed) + ".")
            listed = []
        parts.append(line)
    if listed:
        parts.append(", ".join(listed) + ".")
    return " ".join(parts) or f"it ended with exit status {result.returncode} and said nothing"
