"""What the open databases hold, read from SQLite itself: tables, views, columns, keys, row counts.

Everything is asked with bound parameters through the pragma table-valued functions
(`pragma_table_xinfo(?, ?)`, `pragma_index_list`, ...), so a table name is only ever a value,
never SQL: `describe("users); --")` is an unknown table like any other. The only identifiers
formatted into SQL are schema names SQLite listed itself, quoted with `quote_identifier`. Every
statement runs through the `Database`'s guarded `fetch_all`, as a read.

An exact row count of a big table is a full scan, so it has a small budget of its own; past it,
ANALYZE's figure or the largest rowid stands in, flagged as an estimate. An exact count is kept
until the data may have changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from moorings_core import LimitExceeded, MooringsError, NotFound
from moorings_core.sandbox.sqlite import quote_identifier
from moorings_core.sql.binding import Bound

__all__ = [
    "ROW_COUNT_BUDGET",
    "Catalog",
    "ColumnInfo",
    "FetchAll",
    "ForeignKey",
    "IndexInfo",
    "TableDescription",
    "TableSummary",
    "Trigger",
]

ROW_COUNT_BUDGET = 0.2  # seconds an exact `count(*)` may take before an estimate is used instead


class FetchAll(Protocol):
    """Every row of a small reading statement, run under the `Database`'s guard; `budget` is its
    time limit in seconds, when shorter than the statement timeout."""

    async def __call__(
        self, sql: str, params: Bound = (), *, budget: float | None = None
    ) -> list[tuple[Any, ...]]: ...


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


class Catalog:
    """The schema of a connection's open databases, read through `fetch_all`.

    `total_changes` is the connection's count of rows it changed, which tells a kept row count
    that this connection wrote since.
    """

    def __init__(self, fetch_all: FetchAll, total_changes: Callable[[], int]) -> None:
        self._fetch_all = fetch_all
        self._total_changes = total_changes
        # Exact row counts, each with the data version it was counted at (see `_row_count`).
        self._counts: dict[tuple[str, str], tuple[tuple[int, int], int]] = {}
        # The open schema names, read once: only an ATTACH or DETACH changes them, which only a
        # statement that may write can run (see `forget_schemas`).
        self._schema_names: list[str] | None = None

    def forget_schemas(self) -> None:
        """A statement that may attach or detach a database runs: read the schema names again."""
        self._schema_names = None

    async def schema_version(self) -> int:
        """A number that changes whenever any open database's schema changes."""
        total = 0
        for schema in await self._schemas():
            rows = await self._fetch_all(f"PRAGMA {quote_identifier(schema)}.schema_version")
            total += int(rows[0][0])
        return total

    async def tables(self, include_views: bool = True) -> list[TableSummary]:
        """Tables (and views) of every open database, without SQLite's internal `sqlite_` tables.

        One statement reads every database's catalogue: a trip to the connection's thread costs
        about as much as reading a small catalogue.
        """
        schemas = await self._schemas()
        each = [
            f"SELECT {rank} AS rank, type, name, sql FROM {quote_identifier(schema)}.sqlite_master "  # noqa: S608 (names SQLite gave us, quoted)
            "WHERE type IN (:first, :second) AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            for rank, schema in enumerate(schemas)
        ]
        types: Bound = {"first": "table", "second": "view" if include_views else "table"}
        rows = await self._fetch_all(" UNION ALL ".join(each) + " ORDER BY rank, name", types)
        return [TableSummary(schemas[int(row[0])], str(row[2]), str(row[1]), _text(row[3])) for row in rows]

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

    async def _schemas(self) -> list[str]:
        """Open schema names in SQLite's lookup order for unqualified names: temp, main, attachments."""
        if self._schema_names is None:
            rows = await self._fetch_all("SELECT name FROM pragma_database_list ORDER BY seq")
            names = [str(row[0]) for row in rows]
            self._schema_names = sorted(names, key=lambda n: (n != "temp", n != "main"))
        return list(self._schema_names)

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
        return int(rows[0][0]), self._total_changes()

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


def _text(value: object) -> str | None:
    return None if value is None else str(value)
