"""One SQLite database (and its attachments), opened safely and queried in bounded pages.

A `Database` owns a single connection that lives in aiosqlite's worker thread, so every blocking
SQLite call happens there and never on the event loop. Calls are serialised by an asyncio lock:
SQLite connections are not meant to run two statements at once, and one at a time keeps the
guard's per-statement state simple.

Safety comes from three layers, each enough on its own for the read-only case:

1. the file is opened with a `mode=ro` URI (or `rw`, `rwc` when writes are allowed), and
   attachments likewise;
2. the core `SqliteGuard` (`moorings_core.sandbox.sqlite`) sets `PRAGMA query_only`, turns off
   extension loading and untrusted schema code, and installs an authorizer that allows each
   statement only the actions its `Access` permits, plus a progress handler that stops it at
   its deadline;
3. every value from the model is a bound parameter; the only identifiers ever formatted into SQL
   are schema and table names read back from SQLite itself, quoted with `quote_identifier`.

Results are streamed with `fetchmany` and cut at a row and a character budget; a continuation
re-runs the statement and steps over the rows already shown, which works for any statement
(no rewriting into `LIMIT ... OFFSET`).
"""

from __future__ import annotations

import asyncio
import difflib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import anyio

from moorings_core.errors import (
    AccessDenied,
    InvalidInput,
    LimitExceeded,
    MooringsError,
    NotFound,
    OperationFailed,
)
from moorings_core.paging import Pager
from moorings_core.sandbox.sqlite import Access, SqliteGuard, StatementRecord, quote_identifier
from moorings_core.server import NO_PROGRESS, Progress
from moorings_core.sql.binding import Bound, Params, bind
from moorings_core.sql.rows import LARGEST_BATCH, Column, RowPage, fill_rows
from moorings_core.sql.values import JSONValue, decode_text
from moorings_sqlite.decltypes import DeclaredTypes

__all__ = [
    "Access",
    "Column",
    "ColumnInfo",
    "Database",
    "ForeignKey",
    "IndexInfo",
    "Params",
    "PlanNode",
    "QueryPage",
    "TableDescription",
    "TableSummary",
    "Trigger",
]

BUSY_TIMEOUT = 1.0  # seconds to wait for another process's lock before saying "locked, retry"
ROW_COUNT_BUDGET = 0.2  # seconds an exact `count(*)` may take before an estimate is used instead

_T = TypeVar("_T")


# -- what the queries return -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueryPage(RowPage):
    """One page of a statement's rows, and what the statement changed.

    `rows_changed` and `last_insert_rowid` are None for a statement that did not write (resp.
    insert). A column's type is its declared type (see `moorings_sqlite.decltypes`).
    """

    rows_changed: int | None
    last_insert_rowid: int | None


@dataclass(frozen=True)
class TableSummary:
    """A table or view, in the database (schema) it belongs to: `main`, `temp` or an attachment."""

    database: str
    name: str
    type: str  # "table" or "view"
    sql: str | None


@dataclass(frozen=True)
class ColumnInfo:
    """A column as `PRAGMA table_xinfo` reports it (`hidden`: 0 normal, 1 hidden, 2/3 generated)."""

    cid: int
    name: str
    type: str
    notnull: bool
    default: str | None
    pk: int  # position in the primary key, 0 when not part of it
    hidden: int


@dataclass(frozen=True)
class IndexInfo:
    """An index; `origin` is "c" (CREATE INDEX), "u" (UNIQUE constraint) or "pk" (PRIMARY KEY)."""

    name: str
    unique: bool
    origin: str
    partial: bool
    columns: list[str]  # key columns in order; an expression is shown as "<expression>"


@dataclass(frozen=True)
class ForeignKey:
    """One column pair of a foreign key; a multi-column key has several with the same `id`."""

    id: int
    seq: int
    table: str
    from_column: str
    to_column: str | None  # None: the referenced table's primary key
    on_update: str
    on_delete: str


@dataclass(frozen=True)
class Trigger:
    name: str
    sql: str | None


@dataclass(frozen=True)
class TableDescription:
    """Everything about one table or view; `row_count_exact` is False when it is an estimate."""

    database: str
    name: str
    type: str
    sql: str | None
    columns: list[ColumnInfo]
    indexes: list[IndexInfo]
    foreign_keys: list[ForeignKey]
    triggers: list[Trigger]
    row_count: int | None
    row_count_exact: bool


@dataclass(frozen=True)
class PlanNode:
    """A step of EXPLAIN QUERY PLAN; `parent` is 0 for the top level."""

    id: int
    parent: int
    detail: str


# -- the database --------------------------------------------------------------------------------


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
        # Exact row counts, each with the data version it was counted at (see `_row_count`).
        self._counts: dict[tuple[str, str], tuple[tuple[int, int], int]] = {}
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
        databases = {"main": _database_file(path, create=create)}
        for name, attached in (attachments or {}).items():
            databases[_schema_name(name, databases)] = _database_file(attached, create=create)
        writable = list(databases.values()) if allow_writes else []
        guard = SqliteGuard(allow_writes=allow_writes, writable_files=writable)
        mode = "rwc" if create else "rw" if allow_writes else "ro"

        failures: list[sqlite3.Error] = []

        def connect() -> sqlite3.Connection:
            try:
                return _connect(databases, mode, guard)
            except sqlite3.Error as exc:
                # Raised below instead: when a connector raises, aiosqlite stops its thread without
                # waiting for it, and the thread can outlive the event loop. A stand-in connection
                # lets the thread be closed properly.
                failures.append(exc)
                return sqlite3.connect(":memory:")

        # aiosqlite runs the connector in the connection's own thread: opening, attaching and
        # installing the guard all happen there, like every later call.
        connection = aiosqlite.Connection(connect, iter_chunk_size=LARGEST_BATCH)
        await connection
        if failures:
            await connection.close()
            raise _open_error(failures[0], databases)
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

    # -- schema -----------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        """A number that changes whenever any open database's schema changes."""
        total = 0
        for schema in await self._schemas():
            rows = await self._fetch_all(f"PRAGMA {quote_identifier(schema)}.schema_version")
            total += int(rows[0][0])
        return total

    async def tables(self, include_views: bool = True) -> list[TableSummary]:
        """Tables (and views) of every open database, without SQLite's internal `sqlite_` tables."""
        types = ("table", "view") if include_views else ("table",)
        summaries: list[TableSummary] = []
        for schema in await self._schemas():
            rows = await self._fetch_all(
                f"SELECT type, name, sql FROM {quote_identifier(schema)}.sqlite_master "  # noqa: S608 (a name SQLite gave us, quoted)
                "WHERE type IN (?, ?) AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                (types[0], types[-1]),
            )
            summaries.extend(TableSummary(schema, str(row[1]), str(row[0]), _text(row[2])) for row in rows)
        return summaries

    async def describe(self, name: str, database: str | None = None) -> TableDescription:
        """Columns, indexes, foreign keys, triggers and row count of a table or view.

        `name` is matched like SQLite does (ASCII case-insensitively), in `database` or, without
        it, in the order SQLite resolves unqualified names (temp, main, then attachments).
        Raises NotFound listing close names.
        """
        summary = await self._find(name, database)
        schema, table = summary.database, summary.name
        columns = [
            ColumnInfo(int(r[0]), str(r[1]), str(r[2]), bool(r[3]), _text(r[4]), int(r[5]), int(r[6]))
            for r in await self._fetch_all("SELECT * FROM pragma_table_xinfo(?, ?)", (table, schema))
        ]
        indexes = []
        for row in await self._fetch_all(
            'SELECT name, "unique", origin, partial FROM pragma_index_list(?, ?) ORDER BY seq DESC',
            (table, schema),
        ):
            index_columns = await self._fetch_all(
                "SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno", (row[0], schema)
            )
            keys = [str(c[0]) if c[0] is not None else "<expression>" for c in index_columns]
            indexes.append(IndexInfo(str(row[0]), bool(row[1]), str(row[2]), bool(row[3]), keys))
        foreign_keys = [
            ForeignKey(int(r[0]), int(r[1]), str(r[2]), str(r[3]), _text(r[4]), str(r[5]), str(r[6]))
            for r in await self._fetch_all(
                'SELECT id, seq, "table", "from", "to", on_update, on_delete '
                "FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq",
                (table, schema),
            )
        ]
        triggers = [
            Trigger(str(r[0]), _text(r[1]))
            for r in await self._fetch_all(
                f"SELECT name, sql FROM {quote_identifier(schema)}.sqlite_master "  # noqa: S608 (a name SQLite gave us, quoted)
                "WHERE type = 'trigger' AND tbl_name = ? ORDER BY name",
                (table,),
            )
        ]
        row_count, exact = await self._row_count(summary)
        return TableDescription(
            schema,
            table,
            summary.type,
            summary.sql,
            columns,
            indexes,
            foreign_keys,
            triggers,
            row_count,
            exact,
        )

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
            if access is not Access.READ:
                self._temp_tables = None
            with self._statement(access, self.timeout) as record:
                async with self._cursor(sql, bound) as cursor:
                    pager: Pager[list[JSONValue]] = Pager(
                        start=offset, max_chars=max_chars, max_items=max_rows
                    )
                    pager.count(await self._step_over(cursor, offset, progress))
                    names = [str(d[0]) for d in cursor.description or ()]

                    async def fetch(size: int) -> list[Any]:
                        return list(await cursor.fetchmany(size))

                    page = await fill_rows(pager, fetch, width=len(names))
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
        params: Sequence[Any] | Mapping[str, Any] = (),
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
        params: Sequence[Any] | Mapping[str, Any] = (),
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
        """The guard's scope for one statement, with SQLite's other errors made readable."""
        loop = asyncio.get_running_loop()
        try:
            with self._guard.statement(access, timeout) as record:
                # The progress handler stops a statement between steps; this stops one long step.
                watchdog = loop.call_later(timeout, self._guard.expire, record)
                try:
                    yield record
                finally:
                    watchdog.cancel()
        except (sqlite3.Error, sqlite3.Warning) as exc:  # Python 3.10 warns about a second statement
            raise _translate(exc, self._databases) from None
        except OverflowError as exc:  # an integer parameter beyond SQLite's 64 bits
            raise InvalidInput(f"A parameter value cannot be stored: {exc}.") from None
        except UnicodeEncodeError:  # JSON can carry a lone surrogate; SQLite's UTF-8 cannot
            raise InvalidInput(
                "The statement or a parameter contains text that is not valid Unicode (a lone surrogate)."
            ) from None

    async def _schemas(self) -> list[str]:
        """Open schema names in SQLite's lookup order for unqualified names: temp, main, attachments."""
        rows = await self._fetch_all("SELECT name FROM pragma_database_list ORDER BY seq")
        names = [str(row[0]) for row in rows]
        return sorted(names, key=lambda n: (n != "temp", n != "main"))

    async def _find(self, name: str, database: str | None) -> TableSummary:
        schemas = await self._schemas()
        if database is not None:
            matching = [s for s in schemas if s.casefold() == database.casefold()]
            if not matching:
                raise NotFound(
                    f"There is no database named {database!r}.",
                    hint=f"Open databases: {', '.join(s for s in schemas if s != 'temp')}.",
                )
            schemas = matching
        candidates: list[TableSummary] = []
        for schema in schemas:
            rows = await self._fetch_all(
                f"SELECT type, name, sql FROM {quote_identifier(schema)}.sqlite_master "  # noqa: S608 (a name SQLite gave us, quoted)
                "WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
                (name,),
            )
            candidates.extend(TableSummary(schema, str(r[1]), str(r[0]), _text(r[2])) for r in rows)
        if candidates:
            return candidates[0]
        known = [f"{t.name}" for t in await self.tables()]
        close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
        where = f" in {database!r}" if database is not None else ""
        hint = f"Did you mean: {', '.join(close)}?" if close else "Call list_tables to see the tables."
        raise NotFound(f"There is no table or view named {name!r}{where}.", hint=hint)

    async def _row_count(self, summary: TableSummary) -> tuple[int | None, bool]:
        """The exact row count if it comes within the budget, else an estimate (or None).

        An exact count of a big table is a full scan, so it is kept until the data may have changed:
        a commit by another connection moves the file's `data_version`, one of ours moves
        `total_changes`.
        """
        key = (summary.database, summary.name)
        version = await self._data_version(summary.database)
        cached = self._counts.get(key)
        if cached is not None and cached[0] == version:
            return cached[1], True
        qualified = f"{quote_identifier(summary.database)}.{quote_identifier(summary.name)}"
        try:
            rows = await self._fetch_all(f"SELECT count(*) FROM {qualified}", budget=ROW_COUNT_BUDGET)  # noqa: S608 (a name SQLite gave us, quoted)
        except LimitExceeded:
            return await self._estimated_count(summary, qualified), False
        except MooringsError:
            return None, False  # e.g. a view over a missing table: no count, but still a description
        if summary.type == "table":  # a view's rows may come from other databases' tables
            self._counts[key] = (version, int(rows[0][0]))
        return int(rows[0][0]), True

    async def _data_version(self, schema: str) -> tuple[int, int]:
        rows = await self._fetch_all(f"PRAGMA {quote_identifier(schema)}.data_version")
        return int(rows[0][0]), self._connection.total_changes

    async def _estimated_count(self, summary: TableSummary, qualified: str) -> int | None:
        """ANALYZE's count when there is one, else the largest rowid (exact if no row was deleted)."""
        try:
            stats = await self._fetch_all(
                f"SELECT stat FROM {quote_identifier(summary.database)}.sqlite_stat1 "  # noqa: S608 (a name SQLite gave us, quoted)
                "WHERE tbl = ? ORDER BY idx IS NOT NULL LIMIT 1",
                (summary.name,),
            )
        except MooringsError:
            stats = []  # never analysed: no sqlite_stat1 table
        if stats and str(stats[0][0]).split(" ")[0].isdigit():
            return int(str(stats[0][0]).split(" ")[0])
        if summary.type != "table":
            return None
        try:
            rows = await self._fetch_all(f"SELECT max(rowid) FROM {qualified}", budget=ROW_COUNT_BUDGET)  # noqa: S608 (a name SQLite gave us, quoted)
        except MooringsError:
            return None  # a WITHOUT ROWID table
        return int(rows[0][0] or 0)


# -- opening --------------------------------------------------------------------------------------


def _connect(databases: Mapping[str, Path], mode: str, guard: SqliteGuard) -> sqlite3.Connection:
    """Open main and attach the rest (runs in aiosqlite's thread); the guard comes last."""
    main, *_ = databases.values()
    connection = sqlite3.connect(
        _uri(main, mode),
        uri=True,
        timeout=BUSY_TIMEOUT,
        isolation_level=None,  # autocommit: each statement is its own transaction
        check_same_thread=True,
        cached_statements=0,  # re-prepare every time, so the authorizer judges every execution
    )
    try:
        connection.text_factory = decode_text
        for name, path in list(databases.items())[1:]:
            connection.execute(f"ATTACH DATABASE ? AS {quote_identifier(name)}", (_uri(path, mode),))
        guard.install(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _uri(path: Path, mode: str) -> str:
    return f"{path.as_uri()}?mode={mode}"


_SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database


def _database_file(path: Path, *, create: bool) -> Path:
    """The canonical path of a database file, which must exist unless it may be created."""
    resolved = Path(path).expanduser().resolve()
    if resolved.is_dir():
        raise InvalidInput(f"'{path}' is a directory; give the path of an SQLite database file.")
    if not resolved.exists():
        if not create:
            raise NotFound(
                f"The database file '{path}' does not exist.",
                hint="Check the path; to create a new database, use --allow-writes --create.",
            )
        if not resolved.parent.is_dir():
            raise NotFound(f"The directory for the new database '{path}' does not exist.")
        return resolved
    try:
        with resolved.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise OperationFailed(f"Could not read the database file '{path}': {exc.strerror or exc}.") from None
    if header and header != _SQLITE_HEADER:  # an empty file is an empty database
        raise OperationFailed(f"'{path}' is not an SQLite database (or it is encrypted).")
    return resolved


_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _schema_name(name: str, taken: Mapping[str, Path]) -> str:
    if not _SCHEMA_NAME.fullmatch(name):
        raise InvalidInput(f"The attachment name {name!r} must be a plain identifier (letters, digits, _).")
    if name.lower() in {"main", "temp"} or name.lower() in {t.lower() for t in taken}:
        raise InvalidInput(f"The attachment name {name!r} is already used; choose another.")
    return name


def _open_error(exc: sqlite3.Error, databases: Mapping[str, Path]) -> MooringsError:
    translated = _translate(exc, databases)
    if isinstance(translated, InvalidInput):  # a plain SQL error at opening means the file is unusable
        return OperationFailed(f"Could not open the database: {exc}.")
    return translated


# -- error translation ----------------------------------------------------------------------------

_BINDING_COUNT = re.compile(r"uses (\d+), and there (?:are|is) (\d+) supplied")
_MISSING_NAME = re.compile(r"binding parameter (:\S+?)\.?$")


def _translate(exc: sqlite3.Error | sqlite3.Warning, databases: Mapping[str, Path]) -> MooringsError:
    """An sqlite3 error as a message that says what happened and what to do about it."""
    message = str(exc)
    code = getattr(exc, "sqlite_errorname", "") or ""
    files = ", ".join(str(path) for path in databases.values())
    if code in {"SQLITE_BUSY", "SQLITE_LOCKED"} or "is locked" in message:
        return OperationFailed(
            "The database is locked: another process holds a write lock on it.",
            hint="Retry in a moment.",
        )
    if code == "SQLITE_NOTADB" or "file is not a database" in message:
        return OperationFailed(f"Not an SQLite database (or encrypted): {files}.")
    if code == "SQLITE_CORRUPT" or "malformed" in message:
        return OperationFailed(
            f"The database file is corrupt ({message}): {files}.",
            hint="Reading other tables may still work; run PRAGMA quick_check to see what is damaged.",
        )
    if code == "SQLITE_READONLY" or "readonly database" in message:
        return AccessDenied(f"The database is read-only here ({message}).")
    if code == "SQLITE_TOOBIG" or "too big" in message:
        return LimitExceeded(
            f"A value is too large for this server ({message}).",
            hint="Select part of it, e.g. with substr() or length().",
        )
    if code in {"SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_NOMEM"}:
        return OperationFailed(f"SQLite could not complete the statement: {message}.")
    if isinstance(exc, sqlite3.IntegrityError):
        return OperationFailed(f"The statement violates a constraint: {message}.")
    if isinstance(exc, (sqlite3.ProgrammingError, sqlite3.Warning)):
        return _programming_error(message)
    return InvalidInput(f"SQLite rejected the statement: {message}.")


def _programming_error(message: str) -> MooringsError:
    if "one statement at a time" in message:
        return InvalidInput(
            "Only one SQL statement can run per call, and this text holds more than one.",
            hint="Send each statement in its own call (a trailing ';' is fine).",
        )
    counts = _BINDING_COUNT.search(message)
    if counts:
        wanted, given = int(counts[1]), int(counts[2])
        return InvalidInput(
            f"The statement has {wanted} parameter placeholder{'s' if wanted != 1 else ''} but "
            f"{given} value{'s were' if given != 1 else ' was'} given in params.",
            hint="Give exactly one value per placeholder, in order.",
        )
    missing = _MISSING_NAME.search(message)
    if missing:
        return InvalidInput(f"params has no value for the placeholder {missing[1]}.")
    if "has no name" in message:
        return InvalidInput(
            "The statement uses '?' placeholders, so params must be a list, not an object.",
        )
    return InvalidInput(f"The statement or its parameters cannot be used: {message}.")


# -- small helpers --------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    return None if value is None else str(value)
