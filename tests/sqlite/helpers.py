"""What the sqlite server tests share: a sample database, a server over it, and one-call clients.

`serving(path, ...)` opens the database as the CLI does (`open_database`), builds the server over it
and connects an in-process client in the given era; the database is closed at the end. The sample
(`make_sample`) is small but has everything a tool describes: a view, an index, a trigger, a foreign
key, NULLs, a BLOB, and a 2,500-row table to page through.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client

from moorings_core.testing import HANG_LIMIT, MODERN, Era, connect
from moorings_sqlite.server import build_server, open_database
from moorings_sqlite.settings import SqliteSettings

NUMBERS = 2_500  # rows in the sample's `numbers` table

READ_TOOLS = {"list_tables", "describe_table", "read_query", "explain_query", "append_insight"}
WRITE_TOOLS = {"write_query", "create_table"}

_SAMPLE_SQL = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE,
    joined TEXT DEFAULT CURRENT_DATE
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    total REAL,
    note TEXT,
    receipt BLOB
);
CREATE INDEX orders_by_user ON orders(user_id);
CREATE VIEW big_spenders AS
    SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id HAVING spent > 20;
CREATE TRIGGER orders_note AFTER INSERT ON orders WHEN new.note IS NULL
BEGIN UPDATE orders SET note = 'none' WHERE id = new.id; END;
CREATE TABLE numbers (n INTEGER PRIMARY KEY, square INTEGER);
INSERT INTO users (id, name, email) VALUES
    (1, 'Ada', 'ada@example.org'), (2, 'Grace', NULL), (3, 'Linus | Pipe', 'linus@example.org');
INSERT INTO orders (id, user_id, total, note, receipt) VALUES
    (1, 1, 12.5, 'first', X'00FF10'), (2, 1, 30.0, 'second, with a comma', NULL), (3, 2, 7.25, NULL, NULL);
"""
_NUMBERS_SQL = """
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
INSERT INTO numbers SELECT n, n * n FROM seq
"""


def make_sample(path: Path) -> Path:
    """Write the sample database to `path` and return it."""
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA synchronous = OFF")  # test data: no need to wait for the disk
        connection.executescript(f"BEGIN; {_SAMPLE_SQL}")
        connection.execute(_NUMBERS_SQL, (NUMBERS,))
        connection.execute("COMMIT")
    return path


def digest(path: Path) -> str:
    """The file's bytes, hashed: the same before and after means nothing was written."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def execute(path: Path, *statements: str) -> None:
    """Run statements on `path` from another connection, as another program would."""
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        for statement in statements:
            connection.execute(statement)


def settings_for(path: Path, **settings: Any) -> SqliteSettings:
    return SqliteSettings.model_validate({"db_path": path, **settings})


@asynccontextmanager
async def serving(
    path: Path, *, era: Era = MODERN, client_options: dict[str, Any] | None = None, **settings: Any
) -> AsyncIterator[Client]:
    """An in-process client of the sqlite server over `path`, opened as the CLI opens it."""
    config = settings_for(path, **settings)
    database = await open_database(config)
    try:
        async with connect(build_server(config, database), era=era, **(client_options or {})) as client:
            yield client
    finally:
        await database.close()


async def call(path: Path, tool: str, *, era: Era = MODERN, **arguments: Any) -> types.CallToolResult:
    """One call of `tool` on a fresh read-only server over `path`."""
    async with serving(path, era=era) as client:
        with anyio.fail_after(HANG_LIMIT):
            return await client.call_tool(tool, arguments)
