"""Tools that list: the allowed directories and a directory's entries."""

from __future__ import annotations

import os
import stat

from pydantic import BaseModel, Field

from moorings_core.limits import run_blocking
from moorings_core.sandbox.paths import PathJail
from moorings_core.server import MooringsServer

__all__ = ["register"]


class AllowedDirectories(BaseModel):
    directories: list[str] = Field(description="Absolute paths of the directories this server may touch.")
    read_only: bool = Field(description="Whether every write is refused.")


class Entry(BaseModel):
    name: str
    type: str = Field(description="file, directory, symlink, fifo, socket, device or other.")


class DirectoryListing(BaseModel):
    path: str
    entries: list[Entry]


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


def _list(jail: PathJail, path: str) -> DirectoryListing:
    canonical = jail.resolve(path)
    fd = jail.open_directory(canonical)
    try:
        with os.scandir(fd) as scan:
            entries = [
                Entry(name=item.name, type=_kind(item.stat(follow_symlinks=False).st_mode)) for item in scan
            ]
    finally:
        os.close(fd)
    entries.sort(key=lambda entry: entry.name)
    return DirectoryListing(path=jail.display(canonical), entries=entries)


def register(server: MooringsServer, jail: PathJail) -> None:
    @server.tool(title="List allowed directories", read_only=True)
    async def list_allowed_directories() -> AllowedDirectories:
        """List the directories this server may access. Call this first to learn where you can work."""
        return AllowedDirectories(directories=[str(root) for root in jail.roots], read_only=jail.read_only)

    @server.tool(title="List directory", read_only=True)
    async def list_directory(path: str) -> DirectoryListing:
        """List the entries of a directory, each with its type (file, directory, symlink, fifo, ...).

        Symlinks are reported as symlinks, not followed.
        """
        return await run_blocking(_list, jail, path)
