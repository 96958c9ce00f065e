"""Zed: its `settings.json` (with comments) under "context_servers"."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    if scope == "project":
        return [place.project / ".zed" / "settings.json"]
    if place.system == "windows":
        return [place.app_data / "Zed" / "settings.json"]
    return [place.config_home / "zed" / "settings.json"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(plain_entry(launch))


HOST = Host(
    key="zed",
    title="Zed",
    format="json",
    container=("context_servers",),
    paths=_paths,
    entry=_entry,
    secrets="literal",
    scopes=("user", "project"),
)
