"""Windsurf: `~/.codeium/windsurf/mcp_config.json`, which expands ${env:VAR}."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    return [place.home / ".codeium" / "windsurf" / "mcp_config.json"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(plain_entry(launch, reference=lambda variable: "${env:" + variable + "}"))


HOST = Host(
    key="windsurf",
    title="Windsurf",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="reference",
)
