"""LM Studio: `~/.lmstudio/mcp.json`, in Cursor's notation."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    return [place.home / ".lmstudio" / "mcp.json"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(plain_entry(launch))


HOST = Host(
    key="lm-studio",
    title="LM Studio",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="literal",
)
