"""The servers the READMEs' examples run on, over the data the examples describe.

Each server's README shows calls on data of its own (the sqlite README's `users` and `orders`
tables, the filesystem README's `logs/app.log` and `src/app.py`); `SERVERS` lays out that data and
starts the server over it as its console script would, from a command line (the server's default
one, or with a README example's flags added), in process. The data lives in a temporary home
directory that the READMEs call `/home/me` (`HOME_SHOWN`): `shown` rewrites real output to that
spelling before it is compared.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp import Client

from moorings_core.config import ServerSettings, load_settings
from moorings_core.program import ServerProgram
from moorings_core.server import MooringsServer
from moorings_core.testing import connect
from moorings_filesystem.server import PROGRAM as FILESYSTEM
from moorings_sqlite.server import PROGRAM as SQLITE

__all__ = ["HOME_SHOWN", "SERVERS", "ReadmeServer", "serving", "shown"]

HOME_SHOWN = "/home/me"
"""The home directory as the READMEs write it; the fixtures' data lives in a temporary one."""

# What servers/sqlite/README.md queries: `orders` exactly as its describe_table example shows it,
# more than two users who joined in 2024 (a page of two has more after it), an order 7 to update.
_SHOP_SQL = """
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, joined TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL);
CREATE INDEX orders_by_user ON orders(user_id);
INSERT INTO users VALUES
    (1, 'Ada', '2024-02-11'), (2, 'Grace', '2024-05-03'), (3, 'Edsger', '2024-09-27'),
    (4, 'Alan', '2023-06-23');
INSERT INTO orders VALUES
    (1, 1, 30.0), (2, 2, 7.25), (3, 1, 12.5), (4, 3, 99.9), (5, 2, 18.0), (6, 4, 5.5), (7, 1, 10.0),
    (8, 3, 42.0);
"""


def _shop(home: Path) -> list[str]:
    database = home / "shop.db"
    home.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database)) as connection:
        connection.executescript(_SHOP_SQL)
    return ["--db-path", str(database)]


# What servers/filesystem/README.md reads, searches and edits, relative to its first DIR.
_PROJECT = {
    "logs/app.log": "".join(f"2026-11-02 09:{minute:02}:00 INFO request served\n" for minute in range(30)),
    "src/app.py": "import os\n\nDEBUG = True\n# TODO: read the port from the environment\nPORT = 8000\n",
}


def _project(home: Path) -> list[str]:
    root = home / "project"
    for name, content in _PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    return [str(root)]


@dataclass(frozen=True)
class ReadmeServer:
    """A server as the READMEs run it: its program, the data its examples describe, and the flags
    that change which tools it lists (each a configuration whose tool count the READMEs state)."""

    program: ServerProgram[Any]
    lay_out: Callable[[Path], list[str]]  # writes the data under a home directory; the arguments naming it
    tool_flags: tuple[str, ...]


SERVERS = {
    "filesystem": ReadmeServer(FILESYSTEM, _project, tool_flags=("--read-only",)),
    "sqlite": ReadmeServer(SQLITE, _shop, tool_flags=("--allow-writes",)),
}


@asynccontextmanager
async def serving(name: str, home: Path, flags: Sequence[str] = ()) -> AsyncIterator[Client]:
    """A client of server `name` started over its README data in `home` (laid out afresh), with `flags`."""
    readme_server = SERVERS[name]
    program = readme_server.program
    argv = [*readme_server.lay_out(home), *flags]
    settings: ServerSettings = load_settings(
        program.settings, server=program.name, version="0", argv=argv, environ={}
    )
    built = program.build(settings)
    if isinstance(built, MooringsServer):
        async with connect(built) as client:
            yield client
        return
    async with built as server, connect(server) as client:
        yield client


def shown(value: Any, home: Path) -> Any:
    """`value` (text, or JSON) with the temporary home written as the READMEs write it."""
    if isinstance(value, str):
        return value.replace(str(home.resolve()), HOME_SHOWN)
    if isinstance(value, list):
        return [shown(item, home) for item in value]
    if isinstance(value, dict):
        return {key: shown(item, home) for key, item in value.items()}
    return value
