"""Goose: `config.yaml` under "extensions"; secrets named in env_keys, kept in Goose's own store."""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope
from moorings.launch import Launch
from moorings.places import Place

TIMEOUT = 300


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    if place.system == "windows":
        return [place.app_data / "Block" / "goose" / "config" / "config.yaml"]
    return [place.config_home / "goose" / "config.yaml"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(
        {
            "enabled": True,
            "type": "stdio",
            "name": name,
            "description": launch.server.summary,
            "cmd": launch.command,
            "args": launch.args,
            "envs": {},
            "env_keys": list(launch.secrets),
            "timeout": TIMEOUT,
        }
    )


HOST = Host(
    key="goose",
    title="Goose",
    format="yaml",
    container=("extensions",),
    paths=_paths,
    entry=_entry,
    secrets="reference",
    startup_limit=300.0,
    startup_field=("timeout", 1.0),
    startup_note="timeout (seconds) in the extension's entry",
)
