"""Reading an entry a host already has: which program it runs, and whether that is a Moorings server."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from moorings.catalog import Server, all_servers

__all__ = ["entry_argv", "server_of"]


def entry_argv(entry: Mapping[str, Any]) -> list[str]:
    """The command and its arguments (`cmd` in Goose's entries, `command` in everyone else's)."""
    command = entry.get("command", entry.get("cmd"))
    args = entry.get("args")
    words = [command, *(args if isinstance(args, list) else [])]
    return [word for word in words if isinstance(word, str)]


def server_of(entry: object) -> Server | None:
    """The Moorings server an entry runs: by its pinned `--from moorings-x==V`, or its command."""
    if not isinstance(entry, Mapping):
        return None
    words = entry_argv(entry)
    for server in all_servers().values():
        if any(_names(word, server) for word in words):
            return server
    return None


def _names(word: str, server: Server) -> bool:
    return (
        word == server.distribution
        or word.startswith(server.distribution + "==")
        or PurePath(word).stem == server.distribution
    )
