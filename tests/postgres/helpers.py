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
