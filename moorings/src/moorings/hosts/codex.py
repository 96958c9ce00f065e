"""OpenAI Codex (CLI and IDE extension): `~/.codex/config.toml`, one `[mcp_servers.NAME]` table each.

The file is edited rather than `codex mcp add` run: that command cannot set `startup_timeout_sec`,
and Codex's default of 10 seconds is shorter than a first `uvx` download.
"""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope
from moorings.launch import Launch
from moorings.places import Place

STARTUP_TIMEOUT = 60


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    if scope == "project":
        return [place.project / ".codex" / "config.toml"]
    return [place.variable_path("CODEX_HOME", place.home / ".codex") / "config.toml"]


def _entry(launch: Launch, name: str) -> Entry:
    value: dict[str, object] = {"command": launch.command, "args": launch.args}
    if launch.secrets:
        # Codex passes these through from its own environment: the values stay out of the file.
        value["env_vars"] = list(launch.secrets)
    value["startup_timeout_sec"] = STARTUP_TIMEOUT
    return Entry(value)


HOST = Host(
    key="codex",
    title="Codex",
    format="toml",
    container=("mcp_servers",),
    paths=_paths,
    entry=_entry,
    secrets="reference",
    scopes=("user", "project"),
    startup_limit=10.0,
    startup_field=("startup_timeout_sec", 1.0),
    startup_note="startup_timeout_sec in its [mcp_servers.NAME] table (Codex's default is 10 s; "
    "moorings writes 60)",
)
