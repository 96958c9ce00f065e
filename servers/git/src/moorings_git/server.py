"""Assembles the git server from its settings and its tool families."""

from __future__ import annotations

from moorings_core import MooringsServer, ServerProgram
from moorings_core.sandbox.git import GitSandbox
from moorings_git.repositories import Repositories
from moorings_git.resources import GitResources
from moorings_git.running import Git
from moorings_git.settings import GitSettings
from moorings_git.toolbox import Toolbox
from moorings_git.tools import branches, commits, diffs, history, status

__all__ = ["PROGRAM", "build_server"]

INSTRUCTIONS = """\
Git in the repositories the operator allowed, and nothing else. Every tool takes repo_path, the
repository's folder. Long diffs and histories come in pages: each result says how to get the rest.
Operations that cannot be undone (a hard reset, a force push, rewriting a protected branch) ask for
confirm=true and say what they would do."""


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
    # In read-only mode the tools that change anything are not even listed; a call to one says why.
    changes = server.optional_tools(
        enabled=not settings.read_only,
        disabled_because="this server is read-only; the operator can allow changes by starting it "
        "without --read-only",
    )
    commits.register(changes, toolbox)
    branches.register_changes(changes, toolbox)
    return server


PROGRAM = ServerProgram(
    name="git",
    settings=GitSettings,
    build=build_server,
    description="Serve the git repositories given with --repository (else the client's roots, else "
    "the current directory) to an MCP client over stdio.",
)
