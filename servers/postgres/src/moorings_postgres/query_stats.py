"""The statements that cost this database most, from the pg_stat_statements extension.

The extension needs two things only an operator can arrange, and each one missing is an error that
says exactly what to do: it must be created in the database (CREATE EXTENSION), and its library
must be loaded when PostgreSQL starts (shared_preload_libraries, then a restart). Created but not
loaded, reading its view fails with "pg_stat_statements must be loaded via shared_preload_libraries".
These are errors, not empty results: with no statistics the tool cannot answer, and an empty list
would read as "no costly queries".

Version 1.8 of the extension (PostgreSQL 13) renamed total_time and mean_time to total_exec_time
and mean_exec_time; the names the installed view has are the ones read. Only statements run in
this database are listed; without pg_read_all_stats, other roles' statement texts are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import asyncpg
from pydantic import Field

from moorings_core import OperationFailed, Output
from moorings_postgres.database import Database
from moorings_postgres.errors import statement_error

__all__ = ["QUERY_CHARS", "SortKey", "TopQueries", "TopQuery", "top_queries"]

SortKey = Literal["total_time", "mean_time", "calls", "rows", "resources"]

QUERY_CHARS = 2_000
"""A statement's text is cut at this many characters; its full length is given beside it."""

_ORDER: dict[SortKey, str] = {
    "total_time": "total_ms",
    "mean_time": "mean_ms",
    "calls": "calls",
    "rows": "rows",
    "resources": "blocks",
}


class TopQuery(Output):
    query: str = Field(description="The normalised statement ($1 for constants), cut to 2,000 characters.")
    query_chars: int = Field(description="The statement's full length.")
    query_id: int | None = Field(
        None, description="pg_stat_statements' queryid; null when hidden from this role."
    )
    user: str | None = Field(None, description="The role that ran it.")
    calls: int
    total_time_ms: float = Field(description="Execution time of all its calls, in milliseconds.")
    mean_time_ms: float = Field(description="Mean execution time of one call, in milliseconds.")
    rows: int = Field(description="Rows returned or changed by all its calls.")
    share_of_time: float | None = Field(
        None,
        description="Its share (0 to 1) of the execution time of every statement recorded for this database.",
    )
    shared_blocks_hit: int = Field(description="Blocks found in shared_buffers.")
    shared_blocks_read: int = Field(description="Blocks read from the disk or the OS cache.")
    blocks: int = Field(description="Shared and temporary blocks hit, read, dirtied and written: its I/O.")


class TopQueries(Output):
    sort_by: SortKey
    queries: list[TopQuery]
    statements: int = Field(description="Statements recorded for this database.")
    hidden: int = Field(description="Statements of other roles whose text this role may not see.")
    since: str | None = Field(
        None, description="When the statistics were last reset, in ISO 8601, UTC (extension 1.9+)."
    )
    extension_version: str
    track: str | None = Field(
        None, description="pg_stat_statements.track: top, all, or none (nothing recorded)."
    )


@dataclass(frozen=True)
class _View:
    """Where the installed extension's view is, and which of its column names it has."""

    schema: str  # quoted by PostgreSQL (quote_ident)
    version: str
    exec_columns: bool  # total_exec_time (1.8+) rather than total_time
    has_info: bool  # pg_stat_statements_info (1.9+)
    track: str | None  # pg_stat_statements.track, when the library is loaded


_LOOKUP = """
SELECT current_database() AS database,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') AS available,
       e.extversion AS version, quote_ident(n.nspname) AS schema,
       EXISTS (SELECT 1 FROM pg_attribute a
               WHERE a.attrelid = to_regclass(quote_ident(n.nspname) || '.pg_stat_statements')
                 AND a.attname = 'total_exec_time') AS exec_columns,
       to_regclass(quote_ident(n.nspname) || '.pg_stat_statements_info') IS NOT NULL AS has_info,
       current_setting('pg_stat_statements.track', true) AS track
FROM (SELECT 1) one
LEFT JOIN pg_extension e ON e.extname = 'pg_stat_statements'
LEFT JOIN pg_namespace n ON n.oid = e.extnamespace"""

_PRELOAD = (
    "pg_stat_statements must also be in shared_preload_libraries (postgresql.conf, keeping the libraries "
    "already listed there), which takes a restart of PostgreSQL; statistics are collected from then on."
)


async def top_queries(database: Database, *, sort_by: SortKey, limit: int) -> TopQueries:
    """The `limit` statements of this database that cost most by `sort_by`; an OperationFailed that
    says what the operator must do when pg_stat_statements is missing or not loaded."""
    view = await _installed_view(database)
    sql = _top_queries_sql(view, sort_by)
    rows = await _read_view(database, sql, limit, QUERY_CHARS)
    first = rows[0] if rows else None
    return TopQueries(
        sort_by=sort_by,
        queries=[_top_query(row) for row in rows],
        statements=first["statements"] if first else 0,
        hidden=first["hidden"] if first else 0,
        since=first["since"] if first else None,
        extension_version=view.version,
        track=view.track,
    )


async def _installed_view(database: Database) -> _View:
    (found,) = await database.fetch(_LOOKUP)
    if found["schema"] is None:
        if not found["available"]:
            raise OperationFailed(
                "pg_stat_statements is not available on this PostgreSQL server: its files are not installed, "
                "so there are no query statistics to read.",
                hint="An operator must install PostgreSQL's contrib modules (the postgresql-contrib package "
                "on most systems), then run CREATE EXTENSION pg_stat_statements; in "
                f"{found['database']}. {_PRELOAD}",
            )
        raise OperationFailed(
            f"The pg_stat_statements extension is not created in database {found['database']}, so there are "
            "no query statistics to read.",
            hint=f"An operator (a superuser) must run CREATE EXTENSION pg_stat_statements; in that database. "
            f"{_PRELOAD}",
        )
    return _View(
        schema=found["schema"],
        version=found["version"],
        exec_columns=found["exec_columns"],
        has_info=found["has_info"],
        track=found["track"],
    )


def _top_queries_sql(view: _View, sort_by: SortKey) -> str:
    """The query over the installed view: its schema as PostgreSQL quoted it, and column names and
    an order chosen from fixed sets. $1 is the limit, $2 the characters of text kept."""
    total, mean = ("total_exec_time", "mean_exec_time") if view.exec_columns else ("total_time", "mean_time")
    info = f"{view.schema}.pg_stat_statements_info"
    reset = f"(SELECT stats_reset FROM {info})" if view.has_info else "NULL"  # noqa: S608 - a quoted name
    return f"""
SELECT s.queryid AS query_id, left(s.query, $2) AS query, length(s.query) AS query_chars, r.rolname AS user,
       s.calls, s.{total}::float8 AS total_ms, s.{mean}::float8 AS mean_ms, s.rows,
       s.shared_blks_hit, s.shared_blks_read,
       s.shared_blks_hit + s.shared_blks_read + s.shared_blks_dirtied + s.shared_blks_written
           + s.temp_blks_read + s.temp_blks_written AS blocks,
       (s.{total} / nullif(sum(s.{total}) OVER (), 0))::float8 AS share_of_time,
       count(*) OVER () AS statements,
       count(*) FILTER (WHERE s.queryid IS NULL) OVER () AS hidden,
       to_char({reset}::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
FROM {view.schema}.pg_stat_statements s
LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY {_ORDER[sort_by]} DESC, query_id
LIMIT $1"""  # noqa: S608 - a name PostgreSQL quoted and our own column names


async def _read_view(database: Database, sql: str, *args: object) -> list[asyncpg.Record]:
    """`Database.fetch`, telling "the library is not loaded" (SQLSTATE 55000) from other failures."""
    async with database.transaction(read_only=True, own_query=True) as connection:
        try:
            return list(await connection.fetch(sql, *args))
        except asyncpg.ObjectNotInPrerequisiteStateError as exc:
            raise OperationFailed(
                "pg_stat_statements is created in this database, but its library is not loaded, so it "
                f"collects nothing: PostgreSQL says {str(exc)!r}.",
                hint="An operator must add pg_stat_statements to shared_preload_libraries in postgresql.conf "
                "(keeping the libraries already listed there; ALTER SYSTEM SET shared_preload_libraries also "
                "does it) and restart PostgreSQL; statistics are collected from then on.",
            ) from None
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise statement_error(exc, sql, timeout=database.statement_timeout) from None


def _top_query(row: asyncpg.Record) -> TopQuery:
    return TopQuery(
        query=row["query"],
        query_chars=row["query_chars"],
        query_id=row["query_id"],
        user=row["user"],
        calls=row["calls"],
        total_time_ms=row["total_ms"],
        mean_time_ms=row["mean_ms"],
        rows=row["rows"],
        share_of_time=row["share_of_time"],
        shared_blocks_hit=row["shared_blks_hit"],
        shared_blocks_read=row["shared_blks_read"],
        blocks=row["blocks"],
    )
