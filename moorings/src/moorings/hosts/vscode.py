"""VS Code (Copilot's agent mode): `mcp.json` under "servers"; secrets asked for by VS Code itself."""

from __future__ import annotations

import json
from pathlib import PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    if scope == "project":
        return [place.project / ".vscode" / "mcp.json"]
    return [place.app_data / "Code" / "User" / "mcp.json"]


def input_id(variable: str) -> str:
    """The id of the prompt for a secret: `MOORINGS_OPENAPI_API_KEY` -> `moorings-openapi-api-key`."""
    return variable.lower().replace("_", "-")


def _entry(launch: Launch, name: str) -> Entry:
    value = plain_entry(launch, reference=lambda variable: "${input:" + input_id(variable) + "}")
    inputs = tuple(
        {
            "type": "promptString",
            "id": input_id(variable),
            "description": _describe(launch, variable),
            "password": True,
        }
        for variable in launch.secrets
    )
    return Entry({"type": "stdio", **value}, inputs=inputs)


def _describe(launch: Launch, variable: str) -> str:
    option = next(option for option in launch.server.options if option.env_var == variable)
    return f"{launch.server.command} {option.flag}: {option.description}"


def _cli(launch: Launch, name: str, scope: Scope, entry: Entry) -> list[str] | None:
    # `code --add-mcp` adds to the user profile and has no place for the prompts: those need the file.
    if scope != "user" or entry.inputs:
        return None
    return ["code", "--add-mcp", json.dumps({"name": name, **entry.value})]


HOST = Host(
    key="vscode",
    title="VS Code",
    format="json",
    container=("servers",),
    paths=_paths,
    entry=_entry,
    secrets="input",
    scopes=("user", "project"),
    cli=_cli,
    # `code --add-mcp` may hand the entry to a VS Code already running and return before that
    # one has written it.
    cli_grace=10.0,
)
