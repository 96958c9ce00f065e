"""Gemini CLI: `~/.gemini/settings.json` (or a project's `.gemini/settings.json`), which expands $VAR."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    base = place.project if scope == "project" else place.home
    return [base / ".gemini" / "settings.json"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(plain_entry(launch, reference=lambda variable: "${" + variable + "}"))


HOST = Host(
    key="gemini",
    title="Gemini CLI",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="reference",
    scopes=("user", "project"),
)
