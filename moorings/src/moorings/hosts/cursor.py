"""Cursor: `~/.cursor/mcp.json` (or a project's `.cursor/mcp.json`), which expands ${env:VAR}."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    base = place.project if scope == "project" else place.home
    return [base / ".cursor" / "mcp.json"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(
        {"type": "stdio", **plain_entry(launch, reference=lambda variable: "${env:" + variable + "}")}
    )


HOST = Host(
    key="cursor",
    title="Cursor",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="reference",
    scopes=("user", "project"),
)
