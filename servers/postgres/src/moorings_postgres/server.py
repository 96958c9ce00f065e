"""Assembles the postgres server from its settings, its databases and its tool families."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from moorings_core import MooringsServer, ServerProgram
from moorings_postgres.databases import Databases
from moorings_postgres.resources import SchemaResources
from moorings_postgres.settings import PostgresSettings
from moorings_postgres.tools import health, objects, querying

__all__ = ["PROGRAM", "build_server", "opened_server"]

INSTRUCTIONS_RESTRICTED = """\
A PostgreSQL database, read-only (restricted mode): only statements that read are run, each in a
read-only transaction that is rolled back. Start with list_schemas and list_objects, then
get_object_details; run one SQL statement per call with query or execute_sql, values bound
through `params` ($1, $2, ...). Large results come in pages; every partial result says how to get
the next one. explain_query shows plans; analyze_db_health and get_top_queries find problems."""

INSTRUCTIONS_UNRESTRICTED = """\
A PostgreSQL database that may be changed (unrestricted mode): execute_sql runs any single
statement and commits it. Start with list_schemas and list_objects, then get_object_details; bind
values through `params` ($1, $2, ...). Large results come in pages; every partial result says how
to get the next one. explain_query shows plans; analyze_db_health and get_top_queries find problems."""


def build_server(settings: PostgresSettings, databases: Databases) -> MooringsServer:
    """The postgres server over `databases` (opened or not), ready to serve."""
    server = MooringsServer(
        "postgres",
        settings=settings,
        instructions=INSTRUCTIONS_RESTRICTED if settings.restricted else INSTRUCTIONS_UNRESTRICTED,
    )
    querying.register(server, databases, settings)
    objects.register(server, databases)
    server.add_resources(SchemaResources(databases))
    health.register(server, databases)
    return server


@asynccontextmanager
async def opened_server(settings: PostgresSettings) -> AsyncIterator[MooringsServer]:
    """The server, its databases connected first when they can be (a database that is down is
    logged, and every call retries); the pools are closed at the end."""
    databases = Databases(settings)
    await databases.open()
    try:
        server = build_server(settings, databases)
        server.hold_while_serving(databases.giving_back_later)
        yield server
    finally:
        await databases.close()


PROGRAM = ServerProgram(
    name="postgres",
    settings=PostgresSettings,
    build=opened_server,
    description="Serve the PostgreSQL database at DSN to an MCP client over stdio; read-only "
    "(restricted) unless --access-mode unrestricted.",
)
