"""A model's statement, checked and run the way the server's access mode says, one page at a time.

Three layers stand between a statement and the database in restricted mode, one behind the other
(`moorings_core.sandbox.postgres` is the first, this module and `Database` the others); the first
two each keep a write out on their own:

1. `StatementRules` parses it with PostgreSQL's grammar: one statement, and in restricted mode
   only one that reads and calls none of the denied functions;
2. it runs inside `BEGIN READ ONLY` with a server-side `statement_timeout`, through the extended
   protocol (one statement per Parse, so nothing can be smuggled after a `;`), and is rolled back;
3. the connection goes back to the pool through `DISCARD ALL`, so no session state reaches the
   next call.

A statement that reads is run through a server-side cursor: only the page's rows (and one more,
to know whether more follow) ever leave the server, and a continuation moves the cursor past the
rows already shown on the server itself (`MOVE FORWARD`), so a huge result never sits in memory.
In unrestricted mode a read is committed (its functions may have effects), and any other
statement runs on its own, committed as PostgreSQL commits it; a write is never run twice, so its
RETURNING rows are shown once, up to a page, the rest counted on the server, never fetched.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeAlias

import asyncpg

from moorings_core import CheckedStatement, Pager
from moorings_core.sql.binding import Params, bind
from moorings_core.sql.rows import Column, Fetch, RowPage, fill_rows
from moorings_core.sql.values import JSONValue
from moorings_postgres.cells import Row, row_adapter
from moorings_postgres.database import Connection, Database
from moorings_postgres.errors import statement_error
from moorings_postgres.parameters import convert_parameters
from moorings_postgres.type_names import type_name

__all__ = ["StatementPage", "run_statement"]

Prepared: TypeAlias = "asyncpg.prepared_stmt.PreparedStatement[asyncpg.Record]"

_MOST_MOVED = 2**31 - 1  # MOVE takes a 32-bit count

_COUNTED = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "SELECT"})  # SELECT: CREATE TABLE AS


@dataclass(frozen=True)
class StatementPage(RowPage):
    """A page of a statement's rows, with PostgreSQL's command tag ("UPDATE 3") once it completed."""

    status: str | None = None

    @property
    def rows_changed(self) -> int | None:
        """Rows a write inserted, updated, deleted, merged or copied, from its command tag."""
        words = (self.status or "").split()
        if len(words) < 2 or words[0] not in _COUNTED or not words[-1].isdigit():
            return None  # "CREATE TABLE", "VACUUM": no rows counted
        return int(words[-1])


async def run_statement(
    database: Database,
    statement: CheckedStatement,
    params: Params,
    *,
    restricted: bool,
    max_rows: int,
    max_chars: int,
    offset: int = 0,
) -> StatementPage:
    """One page of `statement`'s rows (from `offset`), run as `restricted` says."""
    bound = bind(params, named=False)
    assert isinstance(bound, tuple)  # named=False refuses a mapping
    started = time.perf_counter()
    try:
        if restricted or statement.read_only:
            async with database.transaction(read_only=restricted) as connection:
                page = await _read(connection, statement.sql, bound, max_rows, max_chars, offset)
                if not restricted:
                    await connection.execute("COMMIT")
        else:
            async with database.connection() as connection:
                await connection.execute(f"SET statement_timeout = {database.timeout_ms()}")
                page = await _write(connection, statement, bound, max_rows, max_chars)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        raise statement_error(exc, statement.sql, timeout=database.statement_timeout) from None
    return replace(page, elapsed_ms=round((time.perf_counter() - started) * 1000, 3))


async def _read(
    connection: Connection, sql: str, bound: tuple[object, ...], max_rows: int, max_chars: int, offset: int
) -> StatementPage:
    prepared = await connection.prepare(sql)
    args = convert_parameters(bound, prepared.get_parameters())  # type: ignore[arg-type]
    columns = _columns(prepared)
    cursor = await prepared.cursor(*args)
    if offset:
        await cursor.forward(offset)
    pager: Pager[list[JSONValue]] = Pager(max_chars=max_chars, max_items=max_rows)
    page = await fill_rows(pager, _adapted(prepared, cursor.fetch), width=max(len(columns), 1))
    return StatementPage(columns=columns, page=replace(page, start=offset), elapsed_ms=0)


async def _write(
    connection: Connection,
    statement: CheckedStatement,
    bound: tuple[object, ...],
    max_rows: int,
    max_chars: int,
) -> StatementPage:
    prepared = await connection.prepare(statement.sql)
    args = convert_parameters(bound, prepared.get_parameters())  # type: ignore[arg-type]
    columns = _columns(prepared)
    if not columns:  # nothing comes back: PostgreSQL's command tag says what it did
        await prepared.fetch(*args)
        empty: Pager[list[JSONValue]] = Pager(max_chars=max_chars)
        return StatementPage(columns=[], page=empty.page(), elapsed_ms=0, status=prepared.get_statusmsg())
    # RETURNING rows stay on the server (a portal in a transaction): one page is read, the rest
    # only counted there, so a write that returns millions of rows never holds them here.
    async with connection.transaction():
        cursor = await prepared.cursor(*args)
        delivered = 0

        async def fetch(count: int) -> list[asyncpg.Record]:
            nonlocal delivered
            rows = await cursor.fetch(count)
            delivered += len(rows)
            return rows

        pager: Pager[list[JSONValue]] = Pager(max_chars=max_chars, max_items=max_rows)
        page = await fill_rows(pager, _adapted(prepared, fetch), width=len(columns))
        rest = await _skip_to_the_end(cursor) if page.more else 0
    return StatementPage(columns=columns, page=page, elapsed_ms=0, status=_tag(statement, delivered + rest))


async def _skip_to_the_end(cursor: asyncpg.cursor.Cursor[asyncpg.Record]) -> int:
    """Move the cursor past its last row on the server; how many rows it passed."""
    passed = 0
    while (moved := await cursor.forward(_MOST_MOVED)) == _MOST_MOVED:
        passed += moved
    return passed + moved


def _tag(statement: CheckedStatement, rows: int) -> str:
    """The command tag PostgreSQL gives a completed write ("INSERT 0 3", "UPDATE 3")."""
    return f"INSERT 0 {rows}" if statement.command == "INSERT" else f"{statement.command} {rows}"


def _adapted(prepared: Prepared, fetch: Callable[[int], Awaitable[Sequence[Any]]]) -> Fetch:
    """`fetch`, its rows' ranges, bit strings and such shown as PostgreSQL shows them (`cells`)."""
    adapt = row_adapter([attribute.type for attribute in prepared.get_attributes()])
    if adapt is None:
        return fetch  # a Record is a sequence of its values

    async def adapted(count: int) -> list[Row]:
        return [adapt(row) for row in await fetch(count)]

    return adapted


def _columns(prepared: Prepared) -> list[Column]:
    return [Column(attribute.name, type_name(attribute.type)) for attribute in prepared.get_attributes()]
