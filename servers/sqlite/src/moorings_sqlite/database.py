"""One SQLite database (and its attachments), opened safely and queried in bounded pages.

A `Database` owns a single connection that lives in aiosqlite's worker thread, so every blocking
SQLite call happens there and never on the event loop. Calls are serialised by an asyncio lock:
SQLite connections are not meant to run two statements at once, and one at a time keeps the
guard's per-statement state simple.

Safety comes from three layers, each enough on its own for the read-only case:

1. the file is opened with a `mode=ro` URI (or `rw`, `rwc` when writes are allowed), and
   attachments likewise (`opening`);
2. the core `SqliteGuard` (`moorings_core.sandbox.sqlite`) sets `PRAGMA query_only`, turns off
   extension loading and untrusted schema code, and installs an authorizer that allows each
   statement only the actions its `Access` permits, plus a progress handler that stops it at
   its deadline: its own timeout, or sooner the deadline of the tool call it serves;
3. every value from the model is a bound parameter (`moorings_core.sql.binding`); the only
   identifiers ever formatted into SQL are schema and table names read back from SQLite itself,
   quoted with `quote_identifier` (`introspection`).

Results are streamed with `fetchmany` into the core's pages of rows (`moorings_core.sql.rows`),
cut at a row and a character budget; a continuation re-runs the statement and steps over the rows
already shown, which works for any statement (no rewriting into `LIMIT ... OFFSET`). SQLite's
errors become messages a model can act on (`errors`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import anyio

from moorings_core import (
    NO_PROGRESS,
    Access,
    AccessDenied,
    InvalidInput,
    MooringsError,
    Pager,
    Progress,
    SqliteGuard,
    work_deadline,
)
from moorings_core.sandbox.sqlite import StatementRecord
from moorings_core.sql.binding import Bound, Params, bind
from moorings_core.sql.rows import LARGEST_BATCH, Column, Fetch, RowPage, fill_rows
from moorings_core.sql.values import JSONValue, decode_text
from moorings_sqlite.decltypes import DeclaredTypes
from moorings_sqlite.errors import translate
from moorings_sqlite.introspection import Catalog, TableDescription, TableSummary
from moorings_sqlite.opening import database_files, open_connection, open_mode

__all__ = ["Access", "Database", "Params", "PlanNode", "QueryPage"]


@dataclass(frozen=True)
class QueryPage(RowPage):
    """One page of a statement's rows, and what the statement changed.

    `rows_changed` and `last_insert_rowid` are None for a statement that did not write (resp.
    insert). A column's type is its declared type (see `moorings_sqlite.decltypes`).
    """

    rows_changed: int | None
    last_insert_rowid: int | None


@dataclass(frozen=True)
class PlanNode:
    """A step of EXPLAIN QUERY PLAN; `parent` is 0 for the top level."""

    id: int
    parent: int
    detail: str


class Database:
    """A guarded SQLite connection; open it with `await Database.open(...)`, then `await close()`."""

    def __init__(
        self,
        connection: aiosqlite.Connection,
        guard: SqliteGuard,
        databases: dict[str, Path],
        *,
        allow_writes: bool,
        timeout: float,
    ) -> None:
        self._connection = connection
        self._guard = guard
        self._databases = databases
        self._lock = anyio.Lock()
        self._catalog = Catalog(self._fetch_all, lambda: connection.total_changes)
        self._declared_types = DeclaredTypes(databases)
        # A temporary table or view only this connection sees could shadow a name the declared
        # types' own connection resolves to another table: no declared types while there is one.
        # None: unknown since a statement that may have created or dropped one.
        self._temp_tables: bool | None = False
        self.allow_writes = allow_writes
        self.timeout = timeout

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        attachments: Mapping[str, Path] | None = None,
        allow_writes: bool = False,
        create: bool = False,
        timeout: float = 10.0,  # noqa: ASYNC109 (each statement's limit, not this call's)
    ) -> Database:
        """Open `path` (and attach `attachments`, `{schema name: path}`) and check it is a database.

        Read-only unless `allow_writes`; `create` (only with `allow_writes`) creates missing files.
        Raises NotFound (a missing file), InvalidInput (bad arguments) or OperationFailed (not a
        database, corrupt, unreadable).
        """
        if create and not allow_writes:
            raise InvalidInput("Creating a database needs writes to be allowed (--allow-writes --create).")
        if timeout <= 0:
            raise InvalidInput(f"The statement timeout must be positive, not {timeout}.")
        databases = database_files(path, attachments or {}, create=create)
        writable = list(databases.values()) if allow_writes else []
        guard = SqliteGuard(allow_writes=allow_writes, writable_files=writable)
        connection = await open_connection(
            databases, open_mode(allow_writes=allow_writes, create=create), guard
        )
        database = cls(connection, guard, databases, allow_writes=allow_writes, timeout=timeout)
        try:
            await database.schema_version()  # reads every header: a non-database fails here
        except MooringsError:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        """Close the connection (rolling back any transaction left open) and stop its thread."""
        await self._connection.close()
        self._declared_types.close()

    @property
    def databases(self) -> dict[str, Path]:
        """The open databases by schema name: `main` first, then the attachments."""
        return dict(self._databases)

    # -- statements -------------------------------------------------------------------------------

    async def query(
        self,
        sql: str,
        params: Params = None,
        *,
        access: Access,
        max_rows: int,
        max_chars: int,
        offset: int = 0,
        progress: Progress = NO_PROGRESS,
    ) -> QueryPage:
        """Run one statement and return the page of its rows that starts at `offset`.

        The page stops at `max_rows` rows or before the JSON of its rows passes `max_chars`
        characters (one row is always shown). A continuation (`offset > 0`) runs the statement
        again, stepping over the rows already shown (told to `progress`, of `offset`), so it is
        only allowed for statements that only read. Raises AccessDenied (the guard refused),
        LimitExceeded (the deadline passed), InvalidInput (bad SQL or parameters) or
        OperationFailed (locked, corrupt, constraint...).
        """
        if not sql.strip():
            raise InvalidInput("The query is empty; give one SQL statement.")
        if max_rows < 1 or max_chars < 1 or offset < 0:
            raise InvalidInput("max_rows and max_chars must be at least 1, and offset at least 0.")
        if access is not Access.READ and not self.allow_writes:
            raise AccessDenied(
                "This server is read-only: statements that change the database are not allowed.",
                hint="The operator can start it with --allow-writes.",
            )
        bound = bind(params)
        started = time.perf_counter()
        try:
            return await self._run_page(
                sql,
                bound,
                access if offset == 0 else Access.READ,
                max_rows,
                max_chars,
                offset,
                started,
                progress,
            )
        except AccessDenied:
            if offset == 0 or access is Access.READ:
                raise
            raise InvalidInput(
                "This statement changes the database, so it cannot be continued: reading further "
                "would run it again. Only its first page of results is available."
            ) from None

    async def explain(self, sql: str, params: Params = None) -> list[PlanNode]:
        """EXPLAIN QUERY PLAN for one statement, as flat nodes linked by `parent`."""
        if not sql.strip():
            raise InvalidInput("The query is empty; give one SQL statement to explain.")
        # EXPLAIN never runs the statement, but the guard still applies its rules to it.
        access = Access.WRITE if self.allow_writes else Access.READ
        rows = await self._fetch_all("EXPLAIN QUERY PLAN " + sql, bind(params), access)
        return [PlanNode(int(row[0]), int(row[1]), str(row[3])) for row in rows]

    # -- schema (see `introspection`) ---------------------------------------------------------------

    async def schema_version(self) -> int:
        """A number that changes whenever any open database's schema changes."""
        return await self._catalog.schema_version()

    async def tables(self, include_views: bool = True) -> list[TableSummary]:
        """Tables (and views) of every open database, without SQLite's internal `sqlite_` tables."""
        return await self._catalog.tables(include_views)

    async def describe(self, name: str, database: str | None = None) -> TableDescription:
        """Columns, indexes, foreign keys, triggers and row count of a table or view (or NotFound)."""
        return await self._catalog.describe(name, database)

    # -- internals --------------------------------------------------------------------------------

    async def _run_page(
        self,
        sql: str,
        bound: Bound,
        access: Access,
        max_rows: int,
        max_chars: int,
        offset: int,
        started: float,
        progress: Progress,
    ) -> QueryPage:
        async with self._lock:
            if access is not Access.READ:  # it may create temporary tables, attach or detach
                self._temp_tables = None
                self._catalog.forget_schemas()
            with self._statement(access, self.timeout) as record:
                async with self._cursor(sql, bound) as cursor:
                    pager: Pager[list[JSONValue]] = Pager(
                        start=offset, max_chars=max_chars, max_items=max_rows
                    )
                    pager.count(await self._step_over(cursor, offset, progress))
                    names = [str(d[0]) for d in cursor.description or ()]
                    page = await fill_rows(pager, _fetcher(cursor), width=len(names))
                    last_rowid = cursor.lastrowid
                # Asked once the statement is reset: a write with RETURNING whose rows were not
                # all fetched has made all its changes, but only now has SQLite counted them.
                changed = await self._changes() if record.changed_rows else 0
            columns = await self._result_columns(sql, names)
        return QueryPage(
            columns=columns,
            page=page,
            rows_changed=changed if record.wrote else None,
            last_insert_rowid=last_rowid if record.inserted else None,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    async def _fetch_all(
        self,
        sql: str,
        params: Bound = (),
        access: Access = Access.READ,
        budget: float | None = None,
    ) -> list[tuple[Any, ...]]:
        """Every row of a small internal statement (schema queries: bounded by the schema).

        One trip to the connection's thread (execute and fetch together): describing a table takes
        several of these, and each trip costs about as much as a small query itself.
        """
        async with self._lock:
            return await self._fetch_all_locked(sql, params, access, budget)

    async def _fetch_all_locked(
        self,
        sql: str,
        params: Bound = (),
        access: Access = Access.READ,
        budget: float | None = None,
    ) -> list[tuple[Any, ...]]:
        """`_fetch_all` for a caller that already holds the lock."""
        with self._statement(access, self.timeout if budget is None else budget):
            async with self._interrupted_on_cancel():
                rows = await self._connection.execute_fetchall(sql, params)
        return [tuple(row) for row in rows]

    async def _result_columns(self, sql: str, names: list[str]) -> list[Column]:
        """The statement's result columns with their declared types (called under the lock).

        Read after the statement ran here, so only a statement the guard let through is looked at.
        """
        declared: list[str | None] = [None] * len(names)
        if names and self._temp_tables is None:
            self._temp_tables = await self._has_temp_tables()
        if names and not self._temp_tables:
            declared = await anyio.to_thread.run_sync(self._declared_types.of, sql, names)
        return [Column(name, declared_type) for name, declared_type in zip(names, declared, strict=True)]

    async def _has_temp_tables(self) -> bool:
        """Whether this connection has temporary tables or views (called under the lock)."""
        try:
            rows = await self._fetch_all_locked(
                "SELECT EXISTS (SELECT 1 FROM temp.sqlite_master WHERE type IN ('table', 'view'))"
            )
        except MooringsError:
            return True  # not known: no declared types rather than a failed call
        return bool(rows[0][0])

    async def _step_over(self, cursor: aiosqlite.Cursor, count: int, progress: Progress) -> int:
        """Step over the first `count` rows (a continuation re-runs the statement from its start);
        how many there were."""
        self._connection.text_factory = bytes  # rows stepped over are never shown: don't decode them
        skipped = 0
        try:
            while skipped < count:
                batch = len(list(await cursor.fetchmany(min(count - skipped, LARGEST_BATCH))))
                if not batch:
                    break
                skipped += batch
                progress.update(skipped, count)
        finally:
            self._connection.text_factory = decode_text
        return skipped

    async def _changes(self) -> int:
        """The rows the last finished statement changed (inside its guarded scope)."""
        async with self._cursor("SELECT changes()", ()) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def _cursor(self, sql: str, params: Bound) -> AsyncIterator[aiosqlite.Cursor]:
        """A cursor over `sql`, closed however the call ends: an open one would keep its lock."""
        cursor = None
        try:
            async with self._interrupted_on_cancel():
                cursor = await self._connection.execute(sql, params)
                yield cursor
        finally:
            if cursor is not None:
                with anyio.CancelScope(shield=True):
                    await cursor.close()

    @asynccontextmanager
    async def _interrupted_on_cancel(self) -> AsyncIterator[None]:
        """A cancelled call stops its statement now rather than at its deadline."""
        try:
            yield
        except anyio.get_cancelled_exc_class():
            await self._connection.interrupt()
            raise

    @contextmanager
    def _statement(self, access: Access, timeout: float) -> Iterator[StatementRecord]:
        """The guard's scope for one statement, with SQLite's other errors made readable.

        The statement stops at `timeout`, or sooner at the deadline of the tool call it serves, so
        that the call can still answer (with a clear error) instead of being cut off.
        """
        loop = asyncio.get_running_loop()
        try:
            with self._guard.statement(access, timeout, stop_by=work_deadline()) as record:
                # The progress handler stops a statement between steps; this stops one long step.
                left = max(record.deadline - time.monotonic(), 0.0)
                watchdog = loop.call_later(left, self._guard.expire, record)
                try:
                    yield record
                finally:
                    watchdog.cancel()
        except (sqlite3.Error, sqlite3.Warning) as exc:  # Python 3.10 warns about a second statement
            raise translate(exc, self._databases) from None
        except OverflowError as exc:  # an integer parameter beyond SQLite's 64 bits
            raise InvalidInput(f"A parameter value cannot be stored: {exc}.") from None
        except UnicodeEncodeError:  # JSON can carry a lone surrogate; SQLite's UTF-8 cannot
            raise InvalidInput(
                "The statement or a parameter contains text that is not valid Unicode (a lone surrogate)."
            ) from None


def _fetcher(cursor: aiosqlite.Cursor) -> Fetch:
    """The cursor's `fetchmany`, as the core's pages of rows fetch."""

    async def fetch(size: int) -> list[Any]:
        return list(await cursor.fetchmany(size))

    return fetch
