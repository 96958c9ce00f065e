"""The servers as their own code declares them: the single source every generated file is made from."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from moorings_core.config import Setting, describe_settings
from moorings_core.program import ServerProgram

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

REPO = Path(__file__).resolve().parents[2]
ORDER = ("filesystem", "sqlite", "postgres", "git", "fetch", "openapi")
"""The order the README's table and `moorings list` show the servers in; a new server joins here."""


@dataclass(frozen=True)
class ServerSource:
    """One server: its program, its settings as flags, and its pyproject's metadata."""

    name: str
    program: ServerProgram  # type: ignore[type-arg]
    settings: tuple[Setting, ...]
    version: str
    description: str  # the pyproject's: "An MCP server for SQLite databases: the reference ..."

    @property
    def summary(self) -> str:
        """What the server is for, in one line: its description up to the first colon."""
        return self.description.split(": ", 1)[0]

    @property
    def directory(self) -> Path:
        return REPO / "servers" / self.name


def server_sources() -> list[ServerSource]:
    on_disk = sorted(path.parent.name for path in REPO.glob("servers/*/pyproject.toml"))
    if sorted(ORDER) != on_disk:
        raise SystemExit(f"tools/generate/sources.py ORDER {list(ORDER)} does not match servers/: {on_disk}")
    return [_source(name) for name in ORDER]


def _source(name: str) -> ServerSource:
    program = importlib.import_module(f"moorings_{name}.server").PROGRAM
    project = tomllib.loads((REPO / "servers" / name / "pyproject.toml").read_text("utf-8"))["project"]
    return ServerSource(
        name=name,
        program=program,
        settings=describe_settings(program.settings, server=name),
        version=project["version"],
        description=project["description"],
    )
