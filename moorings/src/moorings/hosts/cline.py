"""Cline (the VS Code extension): `cline_mcp_settings.json` in the extension's global storage."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place

TIMEOUT = 60


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    storage = place.app_data / "Code" / "User" / "globalStorage" / "saoudrizwan.claude-dev"
    return [storage / "settings" / "cline_mcp_settings.json"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(plain_entry(launch, extra={"disabled": False, "timeout": TIMEOUT}))


HOST = Host(
    key="cline",
    title="Cline",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="literal",
    startup_limit=float(TIMEOUT),
    startup_note="timeout (seconds) in the server's entry",
)
