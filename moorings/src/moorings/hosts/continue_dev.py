"""Continue: `~/.continue/config.yaml`, whose "mcpServers" is a list of named entries."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    return [place.home / ".continue" / "config.yaml"]


def _entry(launch: Launch, name: str) -> Entry:
    entry = plain_entry(launch, reference=lambda variable: "${{ secrets." + variable + " }}")
    return Entry({"name": name, **entry})


HOST = Host(
    key="continue",
    title="Continue",
    format="yaml",
    container=("mcpServers",),
    named_list=True,
    paths=_paths,
    entry=_entry,
    secrets="reference",
)
