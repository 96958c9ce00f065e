"""Declared types of result columns, read through SQLite's C API on real files.

Through `Database` (what read_query shows) and through `DeclaredTypes` itself, whose private
connection must never change a file, whatever statement it is given to prepare.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import pytest

from moorings_core.errors import OperationFailed
from moorings_core.testing import succeeded
from moorings_sqlite.database import Access, Database, Params
from moorings_sqlite.decltypes import DeclaredTypes
from tests.sqlite.helpers import call, execute, make_sample, serving

pytestmark = pytest.mark.anyio

SCHEMA = """
CREATE TABLE orders (id INTEGER PRIMARY KEY, name TEXT NOT NULL, total REAL, code VARCHAR(20));
CREATE VIEW named_orders AS SELECT id AS order_id, upper(name) AS loud, code FROM orders;
INSERT INTO orders (name, total, code) VALUES ('ada', 12.5, 'A-1'), ('grace', 30, 'G-2');
"""


def build(path: Path, script: str = SCHEMA) -> Path:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.executescript(script)
    return path


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return build(tmp_path / "shop.db")


@asynccontextmanager
async def opened(path: Path, **options: Any) -> AsyncIterator[Database]:
    database = await Database.open(path, **options)
    try:
        yield database
    finally:
        await database.close()


async def types_of(
    database: Database, sql: str, params: Params = None, *, access: Access = Access.READ
) -> list[tuple[str, str | None]]:
    page = await database.query(sql, params, access=access, max_rows=10, max_chars=10_000)
    return [(column.name, column.type) for column in page.columns]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file in `directory` and its bytes: equal snapshots mean nothing was written or created."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


# -- through Database ----------------------------------------------------------------------------


async def test_table_columns_have_their_declared_type_and_expressions_none(db_file: Path) -> None:
    async with opened(db_file) as database:
        assert await types_of(database, "SELECT id, name, total*2 AS t FROM orders") == [
            ("id", "INTEGER"),
            ("name", "TEXT"),
            ("t", None),
        ]
        assert await types_of(database, "SELECT *, count(*) AS n, 'x' AS lit FROM orders") == [
            ("id", "INTEGER"),
            ("name", "TEXT"),
            ("total", "REAL"),
            ("code", "VARCHAR(20)"),
            ("n", None),
            ("lit", None),
        ]


async def test_a_view_passes_on_its_table_columns_types(db_file: Path) -> None:
    async with opened(db_file) as database:
        assert await types_of(database, "SELECT * FROM named_orders") == [
            ("order_id", "INTEGER"),
            ("loud", None),
            ("code", "VARCHAR(20)"),
        ]


async def test_an_attached_database_has_its_own_types(db_file: Path, tmp_path: Path) -> None:
    archive = build(
        tmp_path / "archive.db", "CREATE TABLE shipments (id INT, sent_on DATE, weight DECIMAL(8,2));"
    )
    async with opened(db_file, attachments={"archive": archive}) as database:
        assert await types_of(
            database, "SELECT s.id, s.sent_on, s.weight, o.name FROM archive.shipments s, orders o"
        ) == [("id", "INT"), ("sent_on", "DATE"), ("weight", "DECIMAL(8,2)"), ("name", "TEXT")]


async def test_a_statement_with_parameters(db_file: Path) -> None:
    async with opened(db_file) as database:
        assert await types_of(database, "SELECT name, total FROM orders WHERE id = ?", [1]) == [
            ("name", "TEXT"),
            ("total", "REAL"),
        ]
        assert await types_of(database, "SELECT code, :extra AS extra FROM orders", {"extra": 5}) == [
            ("code", "VARCHAR(20)"),
            ("extra", None),
        ]


async def test_a_schema_changed_by_another_program_is_followed(db_file: Path) -> None:
    async with opened(db_file) as database:
        assert await types_of(database, "SELECT id, total FROM orders") == [
            ("id", "INTEGER"),
            ("total", "REAL"),
        ]
        execute(
            db_file,
            "DROP VIEW named_orders",
            "DROP TABLE orders",
            "CREATE TABLE orders (id TEXT, total BLOB)",
        )
        assert await types_of(database, "SELECT id, total FROM orders") == [("id", "TEXT"), ("total", "BLOB")]
        execute(db_file, "CREATE TABLE later (stamp DATETIME)")
        assert await types_of(database, "SELECT stamp FROM later") == [("stamp", "DATETIME")]


async def test_temporary_tables_only_the_main_connection_sees_give_no_types(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        await database.query(
            "CREATE TEMP TABLE scratch (x INTEGER)", access=Access.WRITE, max_rows=1, max_chars=100
        )
        assert await types_of(database, "SELECT x FROM scratch") == [("x", None)]
        # One that shadows a main table must not be given the main table's types either.
        await database.query(
            "CREATE TEMP TABLE orders (id TEXT)", access=Access.WRITE, max_rows=1, max_chars=100
        )
        assert await types_of(database, "SELECT id FROM orders") == [("id", None)]
        for table in ("scratch", "orders"):
            await database.query(f"DROP TABLE temp.{table}", access=Access.WRITE, max_rows=1, max_chars=100)
        assert await types_of(database, "SELECT id FROM orders") == [("id", "INTEGER")]


async def test_a_failed_write_leaves_the_types_known(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        with pytest.raises(OperationFailed):
            await database.query(
                "INSERT INTO orders (name) VALUES (NULL)", access=Access.WRITE, max_rows=1, max_chars=100
            )
        assert await types_of(database, "SELECT name FROM orders") == [("name", "TEXT")]


async def test_returning_columns_of_a_write_have_types(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        assert await types_of(
            database,
            "INSERT INTO orders (name, total) VALUES (?, ?) RETURNING id, name, total + 1 AS more",
            ["linus", 3],
            access=Access.WRITE,
        ) == [("id", "INTEGER"), ("name", "TEXT"), ("more", None)]


# -- DeclaredTypes itself ----------------------------------------------------------------------------


def test_what_cannot_be_prepared_is_unknown_not_an_error(db_file: Path) -> None:
    declared = DeclaredTypes({"main": db_file})
    try:
        assert declared.of("SELECT x FROM nowhere", ["x"]) == [None]
        assert declared.of("SELEKT 1", ["1"]) == [None]
        assert declared.of("-- only a comment", ["x"]) == [None]
        assert declared.of("SELECT '\udc00' AS odd", ["odd"]) == [None]  # not encodable as UTF-8
        # Columns other than the main connection's: unknown rather than another table's types.
        assert declared.of("SELECT id, name FROM orders", ["id", "label"]) == [None, None]
        assert declared.of("SELECT id, name FROM orders", ["id", "name"]) == ["INTEGER", "TEXT"]  # control
    finally:
        declared.close()
    assert declared.of("SELECT id FROM orders", ["id"]) == [None]  # closed


def test_a_database_that_cannot_be_opened_gives_unknown_types(tmp_path: Path) -> None:
    declared = DeclaredTypes({"main": tmp_path / "missing.db"})
    try:
        assert declared.of("SELECT 1 AS one", ["one"]) == [None]
        assert not (tmp_path / "missing.db").exists()  # read-only: opening creates nothing
    finally:
        declared.close()


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO orders (name) VALUES ('mallory') RETURNING id",
        "UPDATE orders SET total = 0 RETURNING total",
        "DELETE FROM orders RETURNING *",
        "DROP TABLE orders",
        "CREATE TABLE more (x)",
        "ATTACH DATABASE '{here}/elsewhere.db' AS elsewhere",
        "VACUUM INTO '{here}/copy.db'",
        "PRAGMA journal_mode = WAL",
        "PRAGMA user_version = 7",
    ],
)
def test_the_private_connection_never_writes(db_file: Path, sql: str) -> None:
    before = snapshot(db_file.parent)
    declared = DeclaredTypes({"main": db_file})
    try:
        declared.of(sql.format(here=db_file.parent), ["x"])
        assert declared.of("SELECT name FROM orders", ["name"]) == ["TEXT"]  # control: it works
    finally:
        declared.close()
    assert snapshot(db_file.parent) == before  # same bytes, no -journal, -wal or new file


async def test_reading_through_database_writes_nothing(db_file: Path) -> None:
    before = snapshot(db_file.parent)
    async with opened(db_file) as database:
        for sql in ("SELECT * FROM orders", "SELECT * FROM named_orders", "SELECT count(*) FROM orders"):
            await types_of(database, sql)
    assert snapshot(db_file.parent) == before


# -- through the tool --------------------------------------------------------------------------------


async def test_read_query_structured_columns_carry_declared_types(tmp_path: Path) -> None:
    sample = make_sample(tmp_path / "sample.db")
    _, structured = succeeded(
        await call(
            sample,
            "read_query",
            query="SELECT o.id, u.name, o.total, o.total * 2 AS doubled FROM orders o "
            "JOIN users u ON u.id = o.user_id WHERE o.id = ?",
            params=[1],
        )
    )
    assert structured["columns"] == [
        {"name": "id", "type": "INTEGER"},
        {"name": "name", "type": "TEXT"},
        {"name": "total", "type": "REAL"},
        {"name": "doubled"},  # an expression has no declared type
    ]


async def test_write_query_returning_columns_carry_declared_types(tmp_path: Path) -> None:
    sample = make_sample(tmp_path / "sample.db")
    async with serving(sample, allow_writes=True) as client:
        _, structured = succeeded(
            await client.call_tool(
                "write_query",
                {"query": "UPDATE orders SET total = 1 WHERE id = 1 RETURNING id, note, total * 2 AS n"},
            )
        )
    assert structured["columns"] == [
        {"name": "id", "type": "INTEGER"},
        {"name": "note", "type": "TEXT"},
        {"name": "n"},
    ]
