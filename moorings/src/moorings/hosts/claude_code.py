"""Claude Code: `claude mcp add-json`, which writes `~/.claude.json` (user) or `.mcp.json` (project).

Checked against Claude Code 2.1.337: `add-json` keeps the entry as given (`"type": "stdio"` and
`${VAR}` references included), and refuses a name that scope already has (exit status 1).
"""

from __future__ import annotations

import json
from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    if scope == "project":
        return [place.project / ".mcp.json"]
    # CLAUDE_CONFIG_DIR moves the file: Claude Code's own `mcp add-json` writes it there.
    return [place.variable_path("CLAUDE_CONFIG_DIR", place.home) / ".claude.json"]


def _entry(launch: Launch, name: str) -> Entry:
    # Claude Code expands ${VAR} in an entry when it starts the server.
    return Entry({"type": "stdio", **plain_entry(launch, reference=lambda variable: "${" + variable + "}")})


def _cli(launch: Launch, name: str, scope: Scope, entry: Entry) -> list[str]:
    return ["claude", "mcp", "add-json", "--scope", scope, name, json.dumps(entry.value)]


HOST = Host(
    key="claude-code",
    title="Claude Code",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="reference",
    scopes=("user", "project"),
    cli=_cli,
    startup_limit=30.0,
    startup_note="MCP_TIMEOUT (milliseconds) in Claude Code's environment raises it, to 60 s at most: "
    "MCP_TIMEOUT=60000 claude",
)
