"""Gemini CLI: `gemini mcp add`, which writes `~/.gemini/settings.json` (or the project's), expanding $VAR.

Checked against Gemini CLI 0.61.0: the command keeps the file's comments and writes the entry as
given, as long as the server's arguments follow `--` (before it, a server's `--timeout 30` or
`-e x` is taken as Gemini's own option) and no --env value holds a second `=` (cut off there):
ours are `${VAR}` references.
"""

from __future__ import annotations

from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    base = place.project if scope == "project" else place.variable_path("GEMINI_CLI_HOME", place.home)
    return [base / ".gemini" / "settings.json"]


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(plain_entry(launch, reference=lambda variable: "${" + variable + "}"))


def _cli(launch: Launch, name: str, scope: Scope, entry: Entry) -> list[str]:
    env = entry.value.get("env", {})
    options = [option for variable, value in env.items() for option in ("--env", f"{variable}={value}")]
    command, args = entry.value["command"], entry.value["args"]
    return ["gemini", "mcp", "add", "--scope", scope, *options, name, command, "--", *args]


HOST = Host(
    key="gemini",
    title="Gemini CLI",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="reference",
    scopes=("user", "project"),
    cli=_cli,
)
