"""The Database class on real temporary databases: safety, paging, values, errors, introspection."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from moorings_core import blocking
from moorings_core.errors import AccessDenied, InvalidInput, LimitExceeded, NotFound, OperationFailed
from moorings_sqlite.database import Access, Database, Params, QueryPage

pytestmark = pytest.mark.anyio

BIG_TABLE_ROWS = 200_000
COUNT_FOREVER = (
    "SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n)"
)
BILLION = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000000) SELECT x FROM n"
)

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    total REAL DEFAULT 0,
    receipt BLOB
);
CREATE INDEX orders_by_user ON orders (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX orders_by_total ON orders (total * 2);
CREATE VIEW spenders AS SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id;
CREATE TRIGGER orders_audit AFTER DELETE ON orders BEGIN SELECT 1; END;
INSERT INTO users (name, email) VALUES ('ada', 'ada@example.org'), ('grace', NULL), ('linus', 'l@x.org');
INSERT INTO orders (user_id, total, receipt) VALUES (1, 12.5, X'00FF10'), (1, 30, NULL), (2, 7.25, NULL);
"""


def build(path: Path, script: str = SCHEMA) -> Path:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.executescript(script)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entries(directory: Path) -> list[Path]:
    return list(directory.iterdir())


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return build(tmp_path / "app.db")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)")
        connection.execute(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
            "INSERT INTO items SELECT x, 'item ' || x FROM n",
            (BIG_TABLE_ROWS,),
        )
    return path


@asynccontextmanager
async def opened(path: Path, **options: Any) -> AsyncIterator[Database]:
    database = await Database.open(path, **options)
    try:
        yield database
    finally:
        await database.close()


async def read(
    database: Database,
    sql: str,
    params: Params = None,
    *,
    max_rows: int = 100,
    max_chars: int = 100_000,
    offset: int = 0,
) -> QueryPage:
    return await database.query(
        sql, params, access=Access.READ, max_rows=max_rows, max_chars=max_chars, offset=offset
    )


async def write(database: Database, sql: str, params: Params = None, *, max_rows: int = 100) -> QueryPage:
    return await database.query(sql, params, access=Access.WRITE, max_rows=max_rows, max_chars=100_000)


# -- read-only ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO users (name) VALUES ('mallory')",
        "WITH doomed AS (SELECT id FROM users) DELETE FROM users WHERE id IN doomed",
        "UPDATE users SET name = 'x'",
        "DROP TABLE orders",
        "CREATE TEMP TABLE scratch (x)",
        "PRAGMA user_version = 5",
        "PRAGMA writable_schema = 1",
        "PRAGMA query_only = 0",
        "SELECT load_extension('/tmp/evil.so')",
        "VACUUM",
    ],
)
async def test_a_read_only_database_refuses_writes_through_any_sql(db_file: Path, sql: str) -> None:
    before = digest(db_file)
    async with opened(db_file) as database:
        with pytest.raises(AccessDenied, match="is not allowed"):
            await read(database, sql)
        assert (await read(database, "SELECT count(*) FROM users")).rows == [[3]]
    assert digest(db_file) == before


async def test_a_read_only_database_grants_no_write_access(db_file: Path) -> None:
    async with opened(db_file) as database:
        for access in (Access.WRITE, Access.CREATE_TABLE):
            with pytest.raises(AccessDenied, match="read-only") as refused:
                await database.query("CREATE TABLE t (x)", access=access, max_rows=1, max_chars=100)
            assert "--allow-writes" in str(refused.value)


@pytest.mark.parametrize("statement", ["ATTACH DATABASE '{target}' AS x", "VACUUM INTO '{target}'"])
@pytest.mark.parametrize("allow_writes", [False, True])
async def test_no_file_is_created_outside(
    db_file: Path, outside: Path, statement: str, allow_writes: bool
) -> None:
    async with opened(db_file, allow_writes=allow_writes) as database:
        access = Access.WRITE if allow_writes else Access.READ
        with pytest.raises(AccessDenied, match=r"\(ATTACH or VACUUM INTO\) is not allowed"):
            await database.query(
                statement.format(target=outside / "copy.db"), access=access, max_rows=1, max_chars=100
            )
    assert entries(outside) == []


async def test_reading_statements_of_every_kind_run(db_file: Path) -> None:
    async with opened(db_file) as database:
        assert (await read(database, "WITH t AS (SELECT name FROM users) SELECT count(*) FROM t")).rows == [
            [3]
        ]
        assert (await read(database, "PRAGMA table_info(users)")).rows[1][1] == "name"
        assert (await read(database, "EXPLAIN QUERY PLAN SELECT * FROM users WHERE id = 1")).rows
        assert (await read(database, "SELECT * FROM spenders ORDER BY user_id")).rows == [
            [1, 42.5],
            [2, 7.25],
        ]


async def test_attachments_are_read_only_unless_writes_are_allowed(db_file: Path, tmp_path: Path) -> None:
    extra = build(tmp_path / "extra.db", "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
    before = digest(extra)
    async with opened(db_file, attachments={"extra": extra}) as database:
        assert database.databases == {"main": db_file, "extra": extra}
        assert (await read(database, "SELECT body FROM extra.notes")).rows == [["hi"]]
        with pytest.raises(AccessDenied):
            await read(database, "INSERT INTO extra.notes VALUES ('x')")
        with pytest.raises(AccessDenied, match="DETACH"):
            await read(database, "DETACH DATABASE extra")
    assert digest(extra) == before
    async with opened(db_file, attachments={"extra": extra}, allow_writes=True) as database:
        assert (await write(database, "INSERT INTO extra.notes VALUES ('x')")).rows_changed == 1
        with pytest.raises(AccessDenied, match="DETACH of 'extra'"):
            await write(database, "DETACH DATABASE extra")


# -- writing ------------------------------------------------------------------------------------


async def test_writes_report_what_they_changed(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        inserted = await write(database, "INSERT INTO users (name) VALUES (?), (?)", ["mallory", "trent"])
        assert (inserted.rows_changed, inserted.last_insert_rowid) == (2, 5)
        updated = await write(
            database, "UPDATE orders SET total = total + 1 WHERE user_id = :user", {"user": 1}
        )
        assert (updated.rows_changed, updated.last_insert_rowid) == (2, None)
        created = await write(database, "CREATE TABLE notes (body TEXT)")
        assert created.rows_changed == 0
        selected = await write(database, "SELECT count(*) FROM users")
        assert (selected.rows, selected.rows_changed) == ([[5]], None)


async def test_each_write_commits_on_its_own(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        with pytest.raises(AccessDenied, match="committed on its own"):
            await write(database, "BEGIN IMMEDIATE")
        await write(database, "INSERT INTO users (name) VALUES ('kept')")
        assert (await write(database, "VACUUM")).rows_changed == 0
    with closing(sqlite3.connect(db_file)) as other:  # committed, and nothing is left locked
        assert other.execute("SELECT count(*) FROM users WHERE name = 'kept'").fetchone() == (1,)


async def test_a_write_with_returning_is_not_run_twice(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        deleted = await write(database, "DELETE FROM orders RETURNING id", max_rows=2)
        assert (len(deleted.rows), deleted.page.more, deleted.rows_changed) == (2, True, 3)
        with pytest.raises(InvalidInput, match="cannot be continued"):
            await database.query(
                "INSERT INTO users (name) VALUES ('again') RETURNING id",
                access=Access.WRITE,
                max_rows=1,
                max_chars=1000,
                offset=1,
            )
        assert (await read(database, "SELECT count(*) FROM users")).rows == [[3]]


async def test_a_new_database_is_created_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with pytest.raises(NotFound, match="does not exist"):
        await Database.open(path)
    with pytest.raises(InvalidInput, match="--allow-writes"):
        await Database.open(path, create=True)
    assert not path.exists()
    async with opened(path, allow_writes=True, create=True) as database:
        before = await database.schema_version()
        await database.query("CREATE TABLE t (x)", access=Access.CREATE_TABLE, max_rows=1, max_chars=100)
        assert await database.schema_version() > before
    assert path.exists()


# -- paging -------------------------------------------------------------------------------------


async def test_a_billion_row_generator_returns_a_bounded_first_page(db_file: Path) -> None:
    async with opened(db_file, timeout=30) as database:
        page = await read(database, BILLION, max_rows=500)
    assert (len(page.rows), page.page.more) == (500, True)
    assert page.rows[-1] == [500]


async def test_a_large_table_pages_through_every_row_exactly_once(big_file: Path) -> None:
    seen: list[object] = []
    async with opened(big_file) as database:
        offset, more = 0, True
        while more:
            page = await read(
                database, "SELECT id, label FROM items", max_rows=50_000, max_chars=500_000, offset=offset
            )
            assert page.page.start == offset
            assert page.rows, "every page but an empty table's shows a row"
            seen.extend(row[0] for row in page.rows)
            offset, more = offset + len(page.rows), page.page.more
    assert seen == list(range(1, BIG_TABLE_ROWS + 1))


async def test_the_character_budget_cuts_pages_but_always_shows_a_row(db_file: Path) -> None:
    async with opened(db_file) as database:
        page = await read(database, "SELECT name FROM users ORDER BY id", max_chars=20)
        assert (page.rows, page.page.more) == ([["ada"], ["grace"]], True)
        tiny = await read(database, "SELECT name FROM users ORDER BY id", max_chars=1)
        assert (tiny.rows, tiny.page.more) == ([["ada"]], True)
        last = await read(database, "SELECT name FROM users ORDER BY id", max_chars=20, offset=2)
        assert (last.rows, last.page.more) == ([["linus"]], False)
        beyond = await read(database, "SELECT name FROM users ORDER BY id", offset=10)
        assert (beyond.rows, beyond.page.more) == ([], False)


async def test_a_result_has_columns_and_timing(db_file: Path) -> None:
    async with opened(db_file) as database:
        started = time.perf_counter()
        page = await read(database, "SELECT id, name AS who FROM users LIMIT 1")
        wall_ms = (time.perf_counter() - started) * 1000
    assert [column.name for column in page.columns] == ["id", "who"]
    assert 0 < page.elapsed_ms <= wall_ms  # the statement's own time, within the call's
    assert (page.rows_changed, page.last_insert_rowid) == (None, None)


# -- parameters and statements --------------------------------------------------------------------


async def test_parameters_are_bound(db_file: Path) -> None:
    async with opened(db_file) as database:
        by_position = await read(database, "SELECT name FROM users WHERE id = ? OR name = ?", [1, "linus"])
        assert by_position.rows == [["ada"], ["linus"]]
        by_name = await read(database, "SELECT name FROM users WHERE id = :id", {"id": 2})
        assert by_name.rows == [["grace"]]
        prefixed = await read(database, "SELECT name FROM users WHERE id = :id", {":id": 2})
        assert prefixed.rows == [["grace"]]
        hostile = await read(database, "SELECT count(*) FROM users WHERE name = ?", ["x' OR '1'='1"])
        assert hostile.rows == [[0]]


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("SELECT ? + ?", [1], "has 2 parameter placeholders but 1 value was given"),
        ("SELECT 1", [1, 2], "has 0 parameter placeholders but 2 values were given"),
        ("SELECT :a", {"b": 1}, "no value for the placeholder :a"),
        ("SELECT ?", {"a": 1}, "params must be a list"),
        ("SELECT ?", [[1, 2]], "must be a string, number, boolean or null, not list"),
        ("SELECT ?", [2**70], "cannot be stored"),
    ],
)
async def test_wrong_parameters_say_what_is_wanted(
    db_file: Path, sql: str, params: Any, message: str
) -> None:
    async with opened(db_file) as database:
        with pytest.raises(InvalidInput, match=message):
            await read(database, sql, params)
        assert (await read(database, "SELECT ?", [1])).rows == [[1]]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1; SELECT 2", "Only one SQL statement can run per call"),
        ("SELECT 1; DROP TABLE users", "Only one SQL statement can run per call"),
        ("   ", "The query is empty"),
        ("SELEC 1", 'SQLite rejected the statement: near "SELEC": syntax error'),
        ("SELECT * FROM nowhere", "no such table: nowhere"),
    ],
)
async def test_bad_statements_are_refused_clearly(db_file: Path, sql: str, message: str) -> None:
    async with opened(db_file) as database:
        with pytest.raises(InvalidInput, match=message):
            await read(database, sql)
        assert (await read(database, "SELECT 1;")).rows == [[1]]  # one trailing ';' is fine


# -- values -------------------------------------------------------------------------------------


async def test_values_become_json(db_file: Path) -> None:
    async with opened(db_file) as database:
        page = await read(
            database,
            "SELECT NULL, 1, 2.5, 9e999, -9e999, 'text', X'00FF10', CAST(X'41FF42' AS TEXT), "
            "9223372036854775807",
        )
    assert page.rows == [
        [
            None,
            1,
            2.5,
            "Infinity",
            "-Infinity",
            "text",
            {"$blob": {"base64": "AP8Q", "size": 3, "truncated": False}},
            {"$text": {"value": "A\ufffdB", "length": 3, "truncated": False, "invalidUtf8": True}},
            9223372036854775807,
        ]
    ]


async def test_long_cells_are_cut_and_say_so(db_file: Path) -> None:
    async with opened(db_file) as database:
        page = await read(database, "SELECT zeroblob(100000), printf('%.*c', 100000, 'x')", max_chars=1000)
    blob, text = page.rows[0]
    assert isinstance(blob, dict)
    assert isinstance(text, dict)
    assert blob["$blob"] == {"base64": "A" * 500, "size": 100_000, "truncated": True}
    assert text["$text"] == {"value": "x" * 500, "length": 100_000, "truncated": True, "invalidUtf8": False}


# -- failures -----------------------------------------------------------------------------------


async def test_a_runaway_statement_is_stopped_and_the_database_keeps_serving(db_file: Path) -> None:
    async with opened(db_file, timeout=0.3) as database:
        with pytest.raises(LimitExceeded, match=r"longer than 0\.3 s"):
            await read(database, COUNT_FOREVER)
        assert (await read(database, "SELECT count(*) FROM users")).rows == [[3]]


async def test_a_cancelled_statement_is_stopped_at_once(db_file: Path) -> None:
    async with opened(db_file, timeout=3600) as database:
        # Cancelled, not timed out: under a deadline the statement would stop itself just before it.
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read, database, COUNT_FOREVER)
            await anyio.wait_all_tasks_blocked()  # the statement runs in the connection's thread
            tasks.cancel_scope.cancel()
        with anyio.fail_after(30):  # waits for nothing: the cancelled statement was interrupted
            assert (await read(database, "SELECT count(*) FROM users")).rows == [[3]]


@contextmanager
def locked(path: Path, how: str) -> Iterator[None]:
    """Another process's lock on `path`, held while the block runs."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute(f"BEGIN {how}")
        other.execute("UPDATE users SET name = name")
        yield
        other.execute("ROLLBACK")


async def test_a_statement_under_a_deadline_stops_before_it_with_a_clear_error(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocking, "_ANSWER_SHARE", 0.5)  # the statement stops half a second early
    async with opened(db_file, timeout=3600) as database:
        with anyio.move_on_after(1) as call, pytest.raises(LimitExceeded, match="within its time limit"):
            await read(database, COUNT_FOREVER)
        assert not call.cancelled_caught  # the statement stopped itself before the deadline
        assert (await read(database, "SELECT count(*) FROM users")).rows == [[3]]


async def test_a_locked_database_says_to_retry(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        with locked(db_file, "EXCLUSIVE"):
            with pytest.raises(OperationFailed, match="locked") as reading:
                await read(database, "SELECT count(*) FROM users")
            assert "Retry in a moment" in str(reading.value)
        assert (await read(database, "SELECT count(*) FROM users")).rows == [[3]]
        with locked(db_file, "IMMEDIATE"):
            with pytest.raises(OperationFailed, match="locked"):
                await write(database, "INSERT INTO users (name) VALUES ('x')")
            assert (await read(database, "SELECT count(*) FROM users")).rows == [[3]]  # readers still read
        assert (await write(database, "INSERT INTO users (name) VALUES ('x')")).rows_changed == 1


async def test_a_file_that_is_not_a_database_is_refused_at_opening(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are not the pages you are looking for\n" * 200)
    with pytest.raises(OperationFailed, match=r"notes\.db' is not an SQLite database"):
        await Database.open(path)
    with pytest.raises(OperationFailed, match=r"notes\.db' is not an SQLite database"):
        await Database.open(build(tmp_path / "fine.db"), attachments={"notes": path})
    with pytest.raises(InvalidInput, match="is a directory"):
        await Database.open(tmp_path)
    empty = tmp_path / "empty.db"
    empty.touch()
    async with opened(empty) as database:  # an empty file is an empty database
        assert await database.tables() == []


async def test_a_corrupt_table_is_reported_and_the_rest_still_works(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as setup:
        setup.execute("PRAGMA page_size = 4096")
        setup.execute("CREATE TABLE fine (x)")
        setup.execute("CREATE TABLE broken (x)")
        setup.execute("INSERT INTO fine VALUES (1)")
        setup.execute("INSERT INTO broken SELECT zeroblob(100) FROM (SELECT 1 UNION SELECT 2)")
        broken_page = setup.execute("SELECT rootpage FROM sqlite_master WHERE name = 'broken'").fetchone()[0]
    with path.open("r+b") as raw:  # overwrite the broken table's root page with garbage
        raw.seek((broken_page - 1) * 4096)
        raw.write(b"\xa5" * 4096)
    async with opened(path) as database:
        with pytest.raises(OperationFailed, match="corrupt"):
            await read(database, "SELECT * FROM broken")
        assert (await read(database, "SELECT x FROM fine")).rows == [[1]]


# -- introspection ------------------------------------------------------------------------------


async def test_tables_lists_tables_and_views_of_every_database(db_file: Path, tmp_path: Path) -> None:
    extra = build(tmp_path / "extra.db", "CREATE TABLE notes (body TEXT);")
    async with opened(db_file, attachments={"extra": extra}) as database:
        everything = await database.tables()
        tables_only = await database.tables(include_views=False)
    assert [(t.database, t.name, t.type) for t in everything] == [
        ("main", "orders", "table"),
        ("main", "spenders", "view"),
        ("main", "users", "table"),
        ("extra", "notes", "table"),
    ]
    assert [t.name for t in tables_only] == ["orders", "users", "notes"]
    assert everything[0].sql is not None
    assert everything[0].sql.startswith("CREATE TABLE orders")


async def test_describe_tells_everything_about_a_table(db_file: Path) -> None:
    async with opened(db_file) as database:
        orders = await database.describe("ORDERS")  # names match as SQLite matches them
    assert (orders.database, orders.name, orders.type) == ("main", "orders", "table")
    assert [(c.name, c.type, c.pk, c.default) for c in orders.columns] == [
        ("id", "INTEGER", 1, None),
        ("user_id", "INTEGER", 0, None),
        ("total", "REAL", 0, "0"),
        ("receipt", "BLOB", 0, None),
    ]
    indexes = {index.name: index for index in orders.indexes}
    assert indexes["orders_by_user"].partial
    assert indexes["orders_by_user"].columns == ["user_id"]
    assert indexes["orders_by_total"].columns == ["<expression>"]
    [key] = orders.foreign_keys
    assert (key.table, key.from_column, key.to_column, key.on_delete) == ("users", "user_id", "id", "CASCADE")
    assert [trigger.name for trigger in orders.triggers] == ["orders_audit"]
    assert (orders.row_count, orders.row_count_exact) == (3, True)


async def test_describe_a_view_and_an_unique_constraint(db_file: Path) -> None:
    async with opened(db_file) as database:
        view = await database.describe("spenders", database="main")
        users = await database.describe("users")
    assert view.type == "view"
    assert [column.name for column in view.columns] == ["user_id", "spent"]
    assert (view.row_count, view.row_count_exact) == (2, True)
    assert [(index.unique, index.origin, index.columns) for index in users.indexes] == [
        (True, "u", ["email"])
    ]


async def test_a_row_count_follows_writes_from_here_and_from_other_programs(db_file: Path) -> None:
    async with opened(db_file, allow_writes=True) as database:
        before = (await database.describe("users")).row_count
        again = (await database.describe("users")).row_count  # kept: nothing changed
        await write(database, "INSERT INTO users (name) VALUES ('mary')")
        after_ours = (await database.describe("users")).row_count
        with closing(sqlite3.connect(db_file, isolation_level=None)) as other:
            other.execute("DELETE FROM users WHERE name IN ('ada', 'grace')")
        after_theirs = (await database.describe("users")).row_count
    assert (before, again, after_ours, after_theirs) == (3, 3, 4, 2)


async def test_a_view_too_slow_to_count_has_no_row_count(db_file: Path, tmp_path: Path) -> None:
    path = build(tmp_path / "endless.db", f"CREATE VIEW endless AS {COUNT_FOREVER};")
    async with opened(path) as database:
        endless = await database.describe("endless")
    assert (endless.row_count, endless.row_count_exact) == (None, False)


@pytest.mark.parametrize(
    ("name", "database"),
    [
        ("users); --", None),
        ('users" --', None),
        ("users", "main; DROP TABLE users"),
        ("sqlite_master' OR '1'='1", None),
    ],
)
async def test_hostile_names_are_just_unknown(db_file: Path, name: str, database: str | None) -> None:
    before = digest(db_file)
    async with opened(db_file) as db:
        with pytest.raises(NotFound):
            await db.describe(name, database=database)
        assert (await db.describe("users")).name == "users"
    assert digest(db_file) == before


async def test_an_unknown_table_suggests_close_names(db_file: Path) -> None:
    async with opened(db_file) as database:
        with pytest.raises(NotFound, match="no table or view named 'user'") as missing:
            await database.describe("user")
        assert "Did you mean: users" in str(missing.value)
        with pytest.raises(NotFound, match="no database named 'elsewhere'") as no_database:
            await database.describe("users", database="elsewhere")
        assert "Open databases: main" in str(no_database.value)


async def test_explain_shows_the_plan_under_the_guard(db_file: Path) -> None:
    async with opened(db_file) as database:
        plan = await database.explain("SELECT * FROM orders WHERE user_id = ?", [1])
        assert any("orders_by_user" in node.detail for node in plan)
        assert all(node.parent == 0 or node.parent in {n.id for n in plan} for node in plan)
        with pytest.raises(AccessDenied):
            await database.explain("DELETE FROM users")
        with pytest.raises(InvalidInput, match="Only one SQL statement"):
            await database.explain("SELECT 1; SELECT 2")
