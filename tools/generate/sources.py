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


@dataclass(frozen=True)
class Ask:
    """A setting Claude Desktop's install dialog asks for, under this title."""

    title: str
    required: bool = False  # needed here though the server can do without it (it has other sources)


@dataclass(frozen=True)
class Showing:
    """What the generated files show of a server that its settings model cannot say.

    `example` is what a user types after `--` (the least the server needs, as one would write it);
    `one_click` the arguments of the READMEs' one-click links, which cannot know the user's paths:
    the folder open in the editor (`${workspaceFolder}`) where that is what the server wants, else a
    value VS Code asks for (`${input:FLAG}`); `dialog` what the bundle's install dialog asks, by flag.
    """

    example: tuple[str, ...]
    one_click: tuple[str, ...]
    dialog: dict[str, Ask]


SERVERS: dict[str, Showing] = {
    "filesystem": Showing(
        example=("~/projects",),
        one_click=("${workspaceFolder}",),
        dialog={"DIR": Ask("Directories"), "--read-only": Ask("Read only")},
    ),
    "sqlite": Showing(
        example=("--db-path", "~/shop.db"),
        one_click=("--db-path", "${input:db-path}"),
        dialog={"--db-path": Ask("Database file"), "--allow-writes": Ask("Allow writes")},
    ),
    "postgres": Showing(
        example=("postgresql://me@localhost/shop",),
        one_click=(),  # the DSN is a secret: VS Code asks for it through the entry's own prompt
        dialog={"DSN": Ask("Database URI"), "--access-mode": Ask("Access mode")},
    ),
    "git": Showing(
        example=("--repository", "~/code/harbour"),
        one_click=("--repository", "${workspaceFolder}"),
        # Without a repository the server jails itself to its working directory: the bundle's own.
        dialog={
            "--repository": Ask("Repositories", required=True),
            "--read-only": Ask("Read only"),
            "--allow-network": Ask("Allow network"),
        },
    ),
    "fetch": Showing(
        example=(),
        one_click=(),
        dialog={"--allow-private-network": Ask("Allow private networks")},
    ),
    "openapi": Showing(
        example=("--spec", "~/api/openapi.yaml"),
        one_click=("--spec", "${input:spec}"),
        # Without a document the server has nothing to serve (the config file's [apis.NAME] is not here).
        dialog={
            "--spec": Ask("OpenAPI document", required=True),
            "--base-url": Ask("Base URL"),
            "--bearer-token": Ask("Bearer token"),
            "--api-key": Ask("API key"),
            "--read-only": Ask("Read only"),
        },
    ),
}
"""Every server, in the order the READMEs and `moorings list` show them: a new server joins here."""


@dataclass(frozen=True)
class ServerSource:
    """One server: its program, its settings as flags, and its pyproject's metadata."""

    name: str
    showing: Showing
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
    if sorted(SERVERS) != on_disk:
        raise SystemExit(
            f"tools/generate/sources.py SERVERS {list(SERVERS)} does not match servers/: {on_disk}"
        )
    return [_source(name) for name in SERVERS]


def _source(name: str) -> ServerSource:
    program = importlib.import_module(f"moorings_{name}.server").PROGRAM
    project = tomllib.loads((REPO / "servers" / name / "pyproject.toml").read_text("utf-8"))["project"]
    return ServerSource(
        name=name,
        showing=SERVERS[name],
        program=program,
        settings=describe_settings(program.settings, server=name),
        version=project["version"],
        description=project["description"],
    )
