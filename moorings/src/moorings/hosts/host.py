"""What the front door needs to know of an MCP host: where its config is, and what an entry looks like."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from moorings.launch import Launch
from moorings.places import Place

__all__ = ["Entry", "Format", "Host", "Scope", "SecretStyle", "plain_entry"]

Format = Literal["json", "toml", "yaml"]
Scope = Literal["user", "project"]
SecretStyle = Literal["literal", "reference", "input"]
"""How a host gets a secret: written in its file, a reference it expands, or a prompt of its own."""


@dataclass(frozen=True)
class Entry:
    """What one server adds to a host's file."""

    value: dict[str, Any]  # at container/name (or, for a host listing entries, the item named name)
    inputs: tuple[dict[str, Any], ...] = ()  # VS Code's prompts for the secrets, in its top-level "inputs"


@dataclass(frozen=True)
class Host:
    key: str  # what `moorings install KEY` takes
    title: str
    format: Format
    container: tuple[str, ...]  # the key path of the servers' table (or list)
    paths: Callable[[Place, Scope], list[PurePath]]  # the first that exists is read; else the first
    entry: Callable[[Launch, str], Entry]
    secrets: SecretStyle
    scopes: tuple[Scope, ...] = ("user",)
    named_list: bool = False  # entries are a list of items with a `name` (Continue), not a table
    cli: Callable[[Launch, str, Scope, Entry], list[str] | None] | None = None  # its own command, if any
    cli_grace: float = 0.0  # seconds its command may take to have the entry in the file after returning
    startup_limit: float | None = None  # seconds the host waits for a server to start, where known
    startup_note: str = ""  # where that limit comes from and how to raise it
    startup_field: tuple[str, float] | None = None  # the entry's own limit: its key, and seconds per unit
    notes: tuple[str, ...] = field(default=())  # what a user of this host should know after an install

    def startup_limit_of(self, entry: Mapping[str, Any]) -> float | None:
        """The seconds this host waits for that entry's server to start, where known."""
        if self.startup_field is not None:
            key, unit = self.startup_field
            value = entry.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value) * unit
        return self.startup_limit

    def config_path(self, place: Place, scope: Scope) -> PurePath:
        """The file to read and write: the first candidate that exists, else the first."""
        candidates = self.paths(place, scope)
        return next((path for path in candidates if _exists(path)), candidates[0])


def _exists(path: PurePath) -> bool:
    from pathlib import Path

    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a Windows path looked at from elsewhere
        return False


def plain_entry(
    launch: Launch,
    *,
    reference: Callable[[str], str] | None = None,
    extra: Mapping[str, Any] | None = None,
    env_key: str = "env",
    command_key: str = "command",
) -> dict[str, Any]:
    """The `command`/`args`/`env` entry most hosts share; `reference` spells a secret the host expands."""
    value: dict[str, Any] = {command_key: launch.command, "args": launch.args}
    env = secret_env(launch, reference)
    if env:
        value[env_key] = env
    value.update(extra or {})
    return value


def secret_env(launch: Launch, reference: Callable[[str], str] | None) -> dict[str, str]:
    """Each secret's variable, with its value written in (literal) or as the host's reference to it."""
    return {
        variable: reference(variable) if reference else (value or "")
        for variable, value in launch.secrets.items()
    }
