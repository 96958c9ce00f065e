"""git_clone: a copy of a repository, made in a new folder inside the jail.

Both ends are checked before git runs, so a refused clone creates nothing:
- the target must lie inside the jail and be new (or an empty folder);
- a source on this machine must lie inside the jail too (cloning a repository from outside it would
  read past the directories the operator allowed); a URL source needs --allow-network; sources
  git would read as an option or as a helper program (`ext::`) are refused (`locations.locate`).

A local source is cloned with `--no-local`, through git's own transport, rather than by copying or
hard-linking its `.git/objects`: only the objects its refs reach are read, so whatever a crafted
object directory holds (symbolic links, alternates pointing elsewhere) is not copied along. The
git serving that end runs in the sandbox with the source's configuration taken back
(`transport.local_program_option`). Submodules are not cloned (`submodule.recurse=false`, the
sandbox's, and clone does not recurse unless asked).

git runs from the file system's root rather than from inside any repository: clone reads no
repository's configuration but its own, and the sandbox would otherwise pass the overrides of the
repository around the working directory (its core.worktree among them) to the new clone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import AccessDenied, InvalidInput, Output, ToolContext, ToolRegistry, tool_result
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.locations import locate, redact
from moorings_git.toolbox import Toolbox
from moorings_git.transport import local_program_option, run_remote_command

__all__ = ["Cloned", "register"]


class Cloned(Output):
    path: str = Field(description="The new repository's folder.")
    source: str = Field(description="Where it came from (a password in a URL shown as ***).")
    branch: str | None = Field(
        default=None, description="The branch checked out; absent when detached or empty."
    )
    commit: str | None = Field(
        default=None, description="The commit checked out; absent for an empty repository."
    )


def register(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Clone a repository", read_only=False, open_world=toolbox.settings.allow_network)
    async def git_clone(
        url_or_path: Annotated[
            str,
            Field(
                min_length=1,
                description="The repository to copy: a path inside the allowed directories, or (when "
                "the server allows the network) an https:// or ssh:// URL, or user@host:path.",
            ),
        ],
        path: Annotated[
            str,
            Field(
                min_length=1,
                description="The new folder to clone into, inside the allowed directories (absolute, "
                "or relative to the first of them); it must not exist yet, or be empty.",
            ),
        ],
        ctx: ToolContext,
        branch: Annotated[
            str | None, Field(description="The branch to check out (default: the source's HEAD).")
        ] = None,
    ) -> Annotated[types.CallToolResult, Cloned]:
        """Clone a repository into a new folder inside the allowed directories. The source is a
        repository inside them or, when the server was started with --allow-network, a remote URL.
        Submodules are not cloned and no hook of the source runs."""
        jail = await toolbox.repositories.jail_for(ctx.request_context)
        source = locate(url_or_path, "clone source")
        shown = redact(url_or_path)
        if source.kind == "network" and not toolbox.settings.allow_network:
            raise AccessDenied(
                f"Cloning {shown} needs the network, which this server does not use: the operator can "
                "start it with --allow-network. A repository inside the allowed directories can be "
                "cloned by its path."
            )
        args = ["clone", "--no-local", "--quiet"]
        if branch is not None:
            args.append(f"--branch={ordinary_argument(branch, 'branch')}")
        address = source.address
        if source.kind == "local":
            local = source.inside(jail, jail.roots[0], "read")
            address = str(local)
            if local.is_dir():
                args.append(await local_program_option(toolbox.git.sandbox, local, "upload-pack"))
        target = _new_folder(jail.resolve(path, intent="create"), path)
        await run_remote_command(
            toolbox.git.sandbox,
            Path(target.anchor),
            [*args, "--end-of-options", address, str(target)],
            call_timeout=toolbox.settings.call_timeout,
            remote=shown,
        )
        cloned = await _checked_out(toolbox, target, shown)
        return tool_result(f"Cloned {shown} into {target} ({_describe(cloned)})", cloned)


async def _checked_out(toolbox: Toolbox, clone: Path, source: str) -> Cloned:
    """What the new clone has checked out."""
    sandbox = toolbox.git.sandbox
    commit = await sandbox.run(clone, ["rev-parse", "--verify", "--quiet", "HEAD"], max_output=4096)
    branch = await sandbox.run(clone, ["symbolic-ref", "--quiet", "--short", "HEAD"], max_output=4096)
    sha = commit.stdout.decode("utf-8", "replace").strip()
    name = branch.stdout.decode("utf-8", "replace").strip()
    return Cloned(path=str(clone), source=source, branch=name or None, commit=sha or None)


def _describe(cloned: Cloned) -> str:
    """ "main at 1234abcd", or that it is empty."""
    if not cloned.commit:
        return "an empty repository"
    at = cloned.commit[:12]
    return f"{cloned.branch} at {at}" if cloned.branch else f"detached HEAD at {at}"


def _new_folder(target: Path, given: str) -> Path:
    """`target` if a clone can go there: nothing there yet, or an empty folder."""
    if target.is_dir():
        if any(target.iterdir()):
            raise InvalidInput(f"{given} already exists and is not empty; clone into a new folder.")
    elif target.exists() or target.is_symlink():
        raise InvalidInput(f"{given} already exists and is not a folder; clone into a new folder.")
    return target
