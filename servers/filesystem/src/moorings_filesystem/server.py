"""Assembles the filesystem server from its settings and its tool families."""

from __future__ import annotations

from moorings_core import MooringsServer, ServerProgram
from moorings_filesystem.resources import FileResources
from moorings_filesystem.settings import FilesystemSettings
from moorings_filesystem.tools import listing, managing, reading, searching, writing
from moorings_filesystem.workspace import Workspace

__all__ = ["PROGRAM", "build_server"]

INSTRUCTIONS = """\
Files in the directories the operator allowed, and nothing else. Call list_allowed_directories
first; pass absolute paths, or paths relative to the first allowed directory. Large files are read
in parts and every result says how to get the rest."""


def build_server(settings: FilesystemSettings) -> MooringsServer:
    """The filesystem server, ready to serve."""
    server = MooringsServer("filesystem", settings=settings, instructions=INSTRUCTIONS)
    # The resource list is the allowed directories as the client's roots narrow them.
    roots = server.use_client_roots(on_change=server.subscriptions.publish_list_changed)
    workspace = Workspace.from_settings(settings, roots)
    resources = FileResources(workspace, server.subscriptions)
    server.add_resources(resources, list_changes=True)
    server.hold_while_serving(resources.watcher.hosted)
    listing.register(server, workspace)
    reading.register(server, workspace)
    searching.register(server, workspace)
    # In read-only mode the write tools are not even listed; a call to one says how to enable them.
    writes = server.optional_tools(
        enabled=not settings.read_only,
        disabled_because="this server is read-only; the operator can enable writes by starting it "
        "without --read-only",
    )
    writing.register(writes, workspace)
    managing.register(writes, workspace)
    return server


PROGRAM = ServerProgram(
    name="filesystem",
    settings=FilesystemSettings,
    build=build_server,
    description="Serve the files in DIR... to an MCP client over stdio.",
)
