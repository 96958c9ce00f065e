"""`servers/<name>/server.json`: each server as the official MCP Registry lists it.

One PyPI package per server, run with `uvx`, over stdio. The registry's clients turn the package's
arguments and environment variables into questions for the user, and VS Code, the one that installs
most from it, asks every one it is given and always passes the answer: an optional argument still
goes on the command line, an unanswered variable is set to "", and our servers refuse an empty
value (`--proxy-url`, `--attach`, half of basic auth). So a server.json lists only what a user
adding the server must or should decide, in a form no answer can break:

- `packageArguments`: what the server serves, the settings it cannot start without — the required
  ones, the positional one, and a single path (openapi's `--spec` document); never a secret.
- `environmentVariables`: a secret the server needs (the postgres DSN: a secret never goes on a
  command line, where the process list shows it), and the server's own switches (`--read-only`,
  `--allow-writes`, `--access-mode`, ...) as pick lists with their defaults, so an answer is never
  empty. Switches are variables, not flags, because a boolean flag here takes no value
  (`--read-only` / `--no-read-only`), which a registry argument, always `--flag VALUE`, cannot say.

Everything else keeps its default: the limits and timeouts every server shares, numbers, lists,
optional credentials and the config file's tables. Each README and `--help` document them, and a
host's configuration can add any `MOORINGS_<SERVER>_*` variable by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from moorings_core.config import ServerSettings, Setting

from .sources import ServerSource

SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
GITHUB_OWNER = "moorings-mcp"
"""Not decided yet: the one place both the registry namespace and the repository URL come from."""
REPOSITORY_URL = f"https://github.com/{GITHUB_OWNER}/moorings"
DESCRIPTION_LIMIT = 100  # the schema's maxLength
SHARED = frozenset(ServerSettings.model_fields)  # limits, timeouts and log level: every server's tuning
SWITCHES = ("bool", "choice")
FORMATS = {"path": "filepath", "int": "number", "float": "number", "bool": "boolean"}


def registry_name(server: str) -> str:
    """The server's name in the registry, which its README must declare as `mcp-name: ...`."""
    return f"io.github.{GITHUB_OWNER}/moorings-{server}"


def outputs(sources: list[ServerSource]) -> dict[Path, str]:
    return {
        source.directory / "server.json": json.dumps(server_json(source), indent=2, ensure_ascii=False) + "\n"
        for source in sources
    }


def server_json(source: ServerSource) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_URL,
        "name": registry_name(source.name),
        "description": _description(source),
        "version": source.version,
        "repository": {"url": REPOSITORY_URL, "source": "github", "subfolder": f"servers/{source.name}"},
        "packages": [_package(source)],
    }


def _description(source: ServerSource) -> str:
    """The longest that fits of the pyproject's description cut after a clause, and its summary."""
    clauses = source.description.split(", ")
    candidates = [", ".join(clauses[:count]) for count in range(1, len(clauses) + 1)] + [source.summary]
    fitting = [text for text in candidates if len(text) <= DESCRIPTION_LIMIT]
    if not fitting:
        raise SystemExit(
            f"servers/{source.name}/pyproject.toml: the description up to its first colon is longer than "
            f"the registry's {DESCRIPTION_LIMIT} characters; shorten it"
        )
    return max(fitting, key=len)


def _package(source: ServerSource) -> dict[str, Any]:
    package: dict[str, Any] = {
        "registryType": "pypi",
        "identifier": source.program.command,
        "version": source.version,
        "runtimeHint": "uvx",
        "transport": {"type": "stdio"},
    }
    arguments = [_argument(setting) for setting in source.settings if is_argument(setting)]
    variables = [_variable(setting) for setting in source.settings if is_variable(setting)]
    if arguments:
        package["packageArguments"] = arguments
    if variables:
        package["environmentVariables"] = variables
    return package


def is_argument(setting: Setting) -> bool:
    """What the server serves: required, positional, or a single path; never a secret."""
    if setting.secret or setting.from_file_only:
        return False
    return setting.required or setting.positional or (setting.holds_path and not setting.many)


def is_variable(setting: Setting) -> bool:
    """A secret the server needs to start, or one of the server's own switches."""
    if setting.from_file_only or is_argument(setting):
        return False
    if setting.secret:
        return setting.required or setting.positional
    return setting.kind in SWITCHES and setting.name not in SHARED


def _argument(setting: Setting) -> dict[str, Any]:
    if setting.positional:
        head = {"type": "positional", "valueHint": setting.name}
    else:
        head = {"type": "named", "name": setting.flag}
    return {**head, **_input(setting), **({"isRepeated": True} if setting.many else {})}


def _variable(setting: Setting) -> dict[str, Any]:
    return {"name": setting.env_var, **_input(setting)}


def _input(setting: Setting) -> dict[str, Any]:
    """What the user is asked: the setting's own wording, format, choices and default."""
    fields: dict[str, Any] = {
        "description": setting.description,
        "format": FORMATS.get(setting.kind, "string"),
        "isRequired": setting.required,
    }
    if setting.secret:
        fields["isSecret"] = True
    choices = ["true", "false"] if setting.kind == "bool" else list(setting.choices)
    if choices:
        fields["choices"] = choices
    if not setting.required and setting.default != "none":
        fields["default"] = setting.default
    return fields
