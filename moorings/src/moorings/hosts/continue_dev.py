"""Continue: `~/.continue/config.yaml`, whose "mcpServers" is a list of named entries."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    return [place.home / ".continue" / "config.yaml"]


CONNECTION_TIMEOUT = 60_000
"""Milliseconds to wait for a server to start (Continue's own default is 20 s: short for a first uvx)."""


def _entry(launch: Launch, name: str) -> Entry:
    entry = plain_entry(
        launch,
        reference=lambda variable: "${{ secrets." + variable + " }}",
        extra={"connectionTimeout": CONNECTION_TIMEOUT},
    )
    return Entry({"name": name, "type": "stdio", **entry})


HOST = Host(
    key="continue",
    title="Continue",
    format="yaml",
    container=("mcpServers",),
    named_list=True,
    paths=_paths,
    entry=_entry,
    secrets="reference",
    startup_limit=20.0,
    startup_field=("connectionTimeout", 0.001),
    startup_note="connectionTimeout (milliseconds) in the server's entry (moorings writes 60000)",
)
