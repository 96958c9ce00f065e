"""The Moorings servers as the front door knows them, without importing any of them.

`catalog.json`, shipped beside this module, is generated from each server's own `ServerProgram`
and settings model (`python -m tools.generate`; a test fails when it is stale), so a server's
flags are written once, in its model, and `moorings` works before any server is installed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Option", "Server", "UnknownServer", "all_servers", "server_named"]


@dataclass(frozen=True)
class Option:
    """One setting of a server, as `moorings_core.config.Setting` describes it."""

    name: str
    flag: str  # "--read-only", or the metavar ("DIR") of the positional setting
    env_var: str
    kind: str  # bool | int | float | str | path | choice | table
    many: bool = False
    positional: bool = False
    metavar: str = ""
    allowed: str = ""
    default: str = ""
    description: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    secret: bool = False
    path_style: str | None = None  # a name in moorings_core.config.PATH_STYLES
    env_aliases: tuple[str, ...] = ()

    @property
    def from_file_only(self) -> bool:
        return self.kind == "table"

    @property
    def takes_value(self) -> bool:
        """Whether the flag is followed by a value (`--no-read-only` and `--read-only` are not)."""
        return self.kind != "bool" or self.many

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Option:
        return cls(
            **{
                **data,
                "choices": tuple(data.get("choices", ())),
                "env_aliases": tuple(data.get("env_aliases", ())),
            }
        )


@dataclass(frozen=True)
class Server:
    """A Moorings server: its distribution on PyPI, the version this front door pins, its settings."""

    name: str  # "filesystem"
    version: str
    summary: str  # one line: what it is for
    description: str
    options: tuple[Option, ...] = field(default=())

    @property
    def distribution(self) -> str:
        return f"moorings-{self.name}"

    @property
    def command(self) -> str:
        """The console script, named as the distribution."""
        return self.distribution

    @property
    def requirement(self) -> str:
        """The exact release, so that a host never runs a stale copy from uv's cache."""
        return f"{self.distribution}=={self.version}"

    @property
    def positional(self) -> Option | None:
        return next((option for option in self.options if option.positional), None)

    @property
    def flags(self) -> dict[str, Option]:
        return {option.flag: option for option in self.options if not option.positional}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Server:
        options = tuple(Option.from_json(option) for option in data["options"])
        return cls(**{**data, "options": options})


class UnknownServer(LookupError):
    def __init__(self, name: str) -> None:
        known = ", ".join(all_servers())
        super().__init__(f"there is no Moorings server named {name!r}; the servers are: {known}")


@cache
def all_servers() -> dict[str, Server]:
    """Every server, by name, in the order `moorings list` shows them."""
    text = resources.files(__package__).joinpath("catalog.json").read_text(encoding="utf-8")
    return {entry["name"]: Server.from_json(entry) for entry in json.loads(text)["servers"]}


def server_named(name: str) -> Server:
    """The server called `name` ("filesystem", or its distribution name "moorings-filesystem")."""
    servers = all_servers()
    found = servers.get(name.removeprefix("moorings-").lower())
    if found is None:
        raise UnknownServer(name)
    return found
