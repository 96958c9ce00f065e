"""Assembles the sqlite server from its settings, its open database and its tool families."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from moorings_core import MooringsServer, ServerProgram
from moorings_sqlite.database import Database
from moorings_sqlite.resources import SchemaResources
from moorings_sqlite.settings import SqliteSettings
from moorings_sqlite.tools import insights, querying, schema
from moorings_sqlite.tools.insights import Memo

__all__ = ["PROGRAM", "build_server", "open_database", "opened_server"]

INSTRUCTIONS_READ_ONLY = """\
A SQLite database, read-only: nothing can be changed through this server. Start with list_tables
and describe_table, then run one SQL statement per read_query call, with values bound through
`params`. Large results come in pages; every partial result says how to get the next one."""

INSTRUCTIONS_WRITABLE = """\
A SQLite database that may be changed. Start with list_tables and describe_table; read with
read_query and change data with write_query, one SQL statement per call, values bound through
`params`. Large results come in pages; every partial result says how to get the next one."""


async def open_database(settings: SqliteSettings) -> Database:
    """The database and attachments `settings` name, opened as they say (read-only by default)."""
    return await Database.open(
        settings.db_path,
        attachments=settings.attachments,
        allow_writes=settings.allow_writes,
        create=settings.create,
        timeout=settings.timeout,
    )


def build_server(settings: SqliteSettings, database: Database) -> MooringsServer:
    """The sqlite server over `database` (opened as `settings` say), ready to serve."""
    server = MooringsServer(
        "sqlite",
        settings=settings,
        instructions=INSTRUCTIONS_WRITABLE if settings.allow_writes else INSTRUCTIONS_READ_ONLY,
    )
    memo = Memo(server.subscriptions, max_chars=settings.max_output_chars)
    resources = SchemaResources(database, memo, server.subscriptions)
    server.add_resources(resources, list_changes=True)
    server.hold_while_serving(resources.watcher.hosted)
    server.hold_while_serving(resources.watching)
    schema.register(server, database)
    querying.register(server, database, settings)  # the write tools only with --allow-writes
    insights.register(server, memo, writable=settings.allow_writes)
    return server


@asynccontextmanager
async def opened_server(settings: SqliteSettings) -> AsyncIterator[MooringsServer]:
    """The server over its database, opened first (a file that is not a database stops it here)."""
    database = await open_database(settings)
    try:
        yield build_server(settings, database)
    finally:
        await database.close()


PROGRAM = ServerProgram(
    name="sqlite",
    settings=SqliteSettings,
    build=opened_server,
    description="Serve the SQLite database at --db-path to an MCP client over stdio; read-only "
    "unless --allow-writes.",
)
