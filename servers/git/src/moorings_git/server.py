"""Assembles the git server from its settings and its tool families."""

from __future__ import annotations

from moorings_core import MooringsServer, ServerProgram
from moorings_core.sandbox.git import GitSandbox
from moorings_git.repositories import Repositories
from moorings_git.resources import GitResources
from moorings_git.running import Git
from moorings_git.settings import GitSettings
from moorings_git.toolbox import Toolbox
from moorings_git.tools import (
    blame,
    branches,
    cleaning,
    clone,
    commits,
    diffs,
    files,
    grep,
    history,
    init,
    merging,
    picking,
    remotes,
    stash,
    status,
    tags,
    worktrees,
)

__all__ = ["PROGRAM", "build_server"]

INSTRUCTIONS = """\
Git in the repositories the operator allowed, and nothing else. Every tool takes repo_path, the
repository's folder (git_clone and git_init take the new one's, path). Long diffs and histories come
in pages: each result says how to get the rest.
Operations that cannot be undone (a hard reset, a force push, rewriting a protected branch) ask for
confirm=true and say what they would do."""

_READ_ONLY = "this server is read-only; the operator can allow changes by starting it without --read-only"


def build_server(settings: GitSettings) -> MooringsServer:
    """The git server, ready to serve."""
    server = MooringsServer("git", settings=settings, instructions=INSTRUCTIONS)
    # Without --repository the client's roots are the jail, so the resource list follows them.
    roots = server.use_client_roots(on_change=server.subscriptions.publish_list_changed)
    sandbox = GitSandbox(allow_hooks=settings.allow_hooks, allow_network=settings.allow_network)
    toolbox = Toolbox(settings, Repositories(settings, roots), Git(sandbox))
    resources = GitResources(toolbox, server.subscriptions)
    server.add_resources(resources, list_changes=True)
    server.hold_while_serving(resources.watcher.hosted)
    status.register(server, toolbox)
    diffs.register(server, toolbox)
    history.register(server, toolbox)
    branches.register(server, toolbox)
    files.register(server, toolbox)
    blame.register(server, toolbox)
    grep.register(server, toolbox)
    worktrees.register(server, toolbox)
    remotes.register(server, toolbox)
    # In read-only mode the tools that change anything are not even listed; a call to one says why.
    changes = server.optional_tools(enabled=not settings.read_only, disabled_because=_READ_ONLY)
    commits.register(changes, toolbox)
    branches.register_changes(changes, toolbox)
    clone.register(changes, toolbox)  # local sources only, without --allow-network
    merging.register_changes(changes, toolbox)
    picking.register_changes(changes, toolbox)
    cleaning.register_changes(changes, toolbox)
    init.register_changes(changes, toolbox)
    # git_stash and git_tag have a listing-only form of the same name for a read-only server.
    if settings.read_only:
        stash.register_listing(server, toolbox)
        tags.register_listing(server, toolbox)
    else:
        stash.register_changes(changes, toolbox)
        tags.register_changes(changes, toolbox)
    # Fetch, pull and push talk to other machines and change refs: off unless both are allowed.
    network = server.optional_tools(
        enabled=settings.allow_network and not settings.read_only,
        disabled_because=_READ_ONLY
        if settings.read_only
        else "it talks to other repositories, and the network is off; start the server with "
        "--allow-network to allow it",
    )
    remotes.register_network(network, toolbox)
    return server


PROGRAM = ServerProgram(
    name="git",
    settings=GitSettings,
    build=build_server,
    description="Serve the git repositories given with --repository (else the client's roots, else "
    "the current directory) to an MCP client over stdio.",
)
