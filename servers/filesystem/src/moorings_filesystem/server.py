"""Assembles the filesystem server from its settings and its tool families."""

from __future__ import annotations

from moorings_core.server import ClientRoots, MooringsServer
from moorings_filesystem.resources import FileResources
from moorings_filesystem.settings import FilesystemSettings
from moorings_filesystem.tools import listing, managing, reading, searching, writing
from moorings_filesystem.workspace import Workspace

__all__ = ["build_server"]

INSTRUCTIONS = """\
Files in the directories the operator allowed, and nothing else. Call list_allowed_directories
first; pass absolute paths, or paths relative to the first allowed directory. Large files are read
in parts and every result says how to get the rest."""


def build_server(settings: FilesystemSettings) -> MooringsServer:
    """The filesystem server, ready to serve."""
    resources = FileResources()
    roots = ClientRoots(on_change=resources.subscriptions.publish_list_changed)  # the list is the roots
    workspace = Workspace.from_settings(settings, roots)
    server = MooringsServer(
        "filesystem",
        settings=settings,
        instructions=INSTRUCTIONS,
        roots=roots,
        subscriptions=resources.subscriptions,
        resources_list_changes=True,
    )
    resources.register(server, workspace)
    listing.register(server, workspace)
    reading.register(server, workspace)
    searching.register(server, workspace)
    if not settings.read_only:  # in read-only mode the write tools are not even listed
        writing.register(server, workspace)
        managing.register(server, workspace)
    return server
