"""What the postgres server tests share: settings, a server over them, and SQL run from outside.

`serving(settings)` opens the databases as the console script does, builds the server and connects
an in-process client; everything is closed at the end. `execute(dsn, ...)` runs SQL as another
program would (to set up data, or to check that nothing changed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from mcp import Client

from moorings_core import load_settings
from moorings_core.testing import MODERN, Era, connect
from moorings_postgres.server import opened_server
from moorings_postgres.settings import PostgresSettings


def settings_for(dsn: str | None, *flags: str, **environ: str) -> PostgresSettings:
    """Settings as the command line `moorings-postgres [flags] DSN` gives them."""
    argv = [*flags, *([dsn] if dsn else [])]
    return load_settings(PostgresSettings, server="postgres", version="test", argv=argv, environ=environ)


@asynccontextmanager
async def serving(settings: PostgresSettings, era: Era = MODERN) -> AsyncIterator[Client]:
    """An in-process client of the server over `settings`' databases."""
    async with opened_server(settings) as server, connect(server, era=era) as client:
        yield client


async def execute(dsn: str, *statements: str) -> None:
    """Run `statements` on `dsn` from a connection of its own, committed."""
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """The rows of `sql` on `dsn`, read from a connection of its own."""
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


SAMPLE_SQL = """
CREATE TABLE users (
    id serial PRIMARY KEY,
    name text NOT NULL,
    email text UNIQUE,
    joined date,
    balance numeric(12, 2),
    tags text[],
    profile jsonb,
    avatar bytea,
    uid uuid,
    ttl interval,
    seen timestamptz
);
INSERT INTO users (name, email, joined, balance, tags, profile, avatar, uid, ttl, seen) VALUES
    ('Ada', 'ada@example.org', '1815-12-10', 12.50, '{math,engines}', '{"lang": "en", "n": [1, 2]}',
     '\\x00ff10', '123e4567-e89b-12d3-a456-426614174000', '1 year 2 mons 3 days 04:05:06.5',
     '2024-01-31 12:00:00+00'),
    ('Grace', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('Linus | Pipe', 'linus@example.org', '1969-12-28', 0, '{}', '[]', '', NULL, '-1 day', NULL);
CREATE TABLE numbers (n integer PRIMARY KEY, square bigint);
INSERT INTO numbers SELECT n, n * n FROM generate_series(1, 2500) AS n;
CREATE SCHEMA other;
CREATE TABLE other.users (id integer PRIMARY KEY, nickname text);
INSERT INTO other.users VALUES (1, 'shadow');
CREATE TABLE "we""ird Name" ("Mixed Case" integer, "semi;colon" text);
INSERT INTO "we""ird Name" VALUES (1, 'a;b');
"""
NUMBERS = 2_500


async def count(dsn: str, table: str) -> int:
    """Rows in `table` (a trusted name), counted from outside the server."""
    [row] = await fetch(dsn, f"SELECT count(*) FROM {table}")
    return int(row[0])
