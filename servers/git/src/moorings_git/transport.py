"""Running a git command that talks to another repository: fetch, pull, push, clone.

Three things set these commands apart from the rest:

- They wait on someone else. A remote that accepts the connection and never answers would hold
  the call until the server's deadline, whose message ("ask for less") does not fit; so they are
  stopped a moment before it, and say the remote did not answer in time.
- Their messages may carry a URL, and a URL may carry a password or a token: hidden (`redact`).
- A repository on this machine, at the other end, is run by git too (`git-upload-pack` for a
  fetch, `git-receive-pack` for a push, started by the command in that repository). Git clears
  the `-c` settings for that child (`GIT_CONFIG_PARAMETERS` is among the variables it resets for
  a local transport), so that repository's own configuration and hooks would apply: a pushed-to
  repository's `hooks/pre-receive` would run. So the program at the other end is named
  explicitly (`--upload-pack=`, `--receive-pack=`): git in the sandbox, with that repository's
  overrides, as every other git command here runs. For a remote over ssh the option names plain
  `git-upload-pack`: a repository's own `remote.<name>.uploadpack` would otherwise be the command
  run on the remote host with the user's key, and git keeps the first value it reads (the
  repository's) over a later `-c`, so the sandbox's override alone does not take it back.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import anyio

from moorings_core import MooringsError, OperationFailed
from moorings_core.commands import CommandResult
from moorings_core.sandbox.git import GitSandbox
from moorings_git.locations import redact
from moorings_git.running import failure

__all__ = ["local_program_option", "run_remote_command", "unsuccessful"]

_OUTPUT = 4 * 2**20  # these commands say a few lines per ref
_MARGIN = 1.0  # seconds before the call's deadline when git is stopped, to answer in
_SHARE = 0.1  # ... or this share of a short deadline


async def local_program_option(
    sandbox: GitSandbox, repository: Path, program: Literal["upload-pack", "receive-pack"]
) -> str:
    """`--upload-pack=` or `--receive-pack=`: the sandboxed git that serves a repository on this machine."""
    argv = await sandbox.argv(repository, [program])
    return f"--{program}={shlex.join(argv)}"


async def run_remote_command(
    sandbox: GitSandbox,
    cwd: Path,
    args: Sequence[str],
    *,
    call_timeout: float,
    remote: str,
    accept: Sequence[int] = (0,),
) -> CommandResult:
    """Run `git args` in `cwd`, stopped just before the call's deadline; no secret in its failure.

    `remote` (already redacted) names the other end in the message when it does not answer.
    """
    deadline = anyio.current_effective_deadline()  # the call's, set by the server around each call
    if math.isinf(deadline):
        deadline = anyio.current_time() + call_timeout
    with anyio.CancelScope(deadline=deadline - min(_MARGIN, call_timeout * _SHARE)):
        result = await sandbox.run(cwd, args, max_output=_OUTPUT)
        if result.returncode not in accept:
            raise unsuccessful(args, result)
        return result
    raise OperationFailed(
        f"git {args[0]} was stopped at the end of the call's {call_timeout:g} seconds: {remote} did "
        "not answer in time (or the transfer is that large).",
        hint="Check the address with git_remote and that its host is reachable; for a large "
        "repository the operator can raise the server's --call-timeout.",
    )


def unsuccessful(args: Sequence[str], result: CommandResult) -> MooringsError:
    """The error for a failed remote command, in git's words with any credentials hidden."""
    error = failure(args, result)
    return type(error)(redact(error.message), hint=error.hint and redact(error.hint))
