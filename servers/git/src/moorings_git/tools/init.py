"""git_init: a new, empty repository, only ever inside the jail.

The target is checked by the jail as a path to create (`PathJail.resolve(path, intent="create")`):
canonical, `..` and symlinks followed, and refused unless it lies inside an allowed directory, so
nothing is created outside. The branch name is checked before git runs, since git makes the folder
before it finds the name wrong.
"""

from __future__ import annotations

from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, Output, ToolContext, ToolRegistry, tool_result
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.repositories import Repository
from moorings_git.running import WRITE_OUTPUT
from moorings_git.toolbox import Toolbox
from moorings_git.tools.branches import current_branch

__all__ = ["Initialized", "register_changes"]


class Initialized(Output):
    path: str = Field(description="The new repository's folder.")
    branch: str | None = Field(default=None, description="Its first branch (it has no commit yet).")


def register_changes(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Create a repository", read_only=False)
    async def git_init(
        path: Annotated[
            str,
            Field(
                min_length=1,
                description="The folder to make a repository of, inside the allowed directories (absolute, "
                "or relative to the first of them); it and its missing parents are created.",
            ),
        ],
        ctx: ToolContext,
        initial_branch: Annotated[
            str | None,
            Field(
                min_length=1, description="The name of the first branch (default: the user's git default)."
            ),
        ] = None,
    ) -> Annotated[types.CallToolResult, Initialized]:
        """Create an empty git repository in a folder (git init), which is created if missing. Only
        inside the allowed directories; a folder that already is a repository is left alone."""
        jail = await toolbox.repositories.jail_for(ctx.request_context)
        target = jail.resolve(path, intent="create")
        if target.exists() and not target.is_dir():
            raise InvalidInput(f"{target} is a file; give a folder (new or existing) for the repository.")
        if (target / ".git").exists():
            raise InvalidInput(f"{target} already is a git repository; nothing was done.")
        # git runs in the nearest folder that exists: the target's parents are created by git itself.
        folder = next(candidate for candidate in (target, *target.parents) if candidate.is_dir())
        options = ["--quiet"]
        if initial_branch is not None:
            ordinary_argument(initial_branch, "initial branch")
            checked = await toolbox.git.run_in(
                folder, ["check-ref-format", "--branch", initial_branch], accept=range(256)
            )
            if checked.returncode:
                raise InvalidInput(f"{initial_branch!r} is not a valid branch name; nothing was created.")
            options.append(f"--initial-branch={initial_branch}")
        await toolbox.git.run_in(folder, ["init", *options, "--", str(target)], max_output=WRITE_OUTPUT)
        branch = await current_branch(toolbox, Repository(target, target / ".git", jail))
        text = f"Initialized an empty git repository in {target} (first branch: {branch or 'unknown'})."
        return tool_result(text, Initialized(path=str(target), branch=branch))
