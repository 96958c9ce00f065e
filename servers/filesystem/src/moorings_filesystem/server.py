"""Assembles the filesystem server from its settings and its tool modules."""

from __future__ import annotations

from moorings_core.sandbox.paths import PathJail
from moorings_core.server import MooringsServer
from moorings_filesystem.settings import FilesystemSettings
from moorings_filesystem.tools import listing, reading

__all__ = ["build_server"]

INSTRUCTIONS = """\
Files in the directories the operator allowed, and nothing else. Call list_allowed_directories
first; pass absolute paths, or paths relative to the first allowed directory. Large files are read
in parts (head/tail) and every result says how to get the rest."""


def build_server(settings: FilesystemSettings) -> MooringsServer:
    """The filesystem server, ready to serve."""
    jail = PathJail(settings.directories, read_only=settings.read_only)
    server = MooringsServer("filesystem", settings=settings, instructions=INSTRUCTIONS)
    listing.register(server, jail)
    reading.register(server, jail, settings)
    return server
