"""The SQLite guard on plain sqlite3 connections: every hostile statement beside a legitimate one.

The database file is opened read-write here on purpose, so what refuses a hostile statement is
the guard alone, not a read-only file.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moorings_core.errors import AccessDenied, LimitExceeded
from moorings_core.sandbox.sqlite import Access, SqliteGuard, quote_identifier

INFINITE_CTE = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n"
COUNT_FOREVER = (
    "SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n)"
)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "app.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as setup:
        setup.executescript(
            """
            CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE INDEX users_name ON users (name);
            INSERT INTO users (name) VALUES ('ada'), ('grace'), ('linus');
            """
        )
    setup.close()
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory no statement may create anything in."""
    path = tmp_path / "outside"
    path.mkdir()
    return path


def guarded(path: Path, guard: SqliteGuard) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, cached_statements=0)
    guard.install(connection)
    return connection


@pytest.fixture
def reader(db_file: Path) -> Iterator[tuple[sqlite3.Connection, SqliteGuard]]:
    guard = SqliteGuard(allow_writes=False)
    connection = guarded(db_file, guard)
    yield connection, guard
    connection.close()


@pytest.fixture
def writer(db_file: Path) -> Iterator[tuple[sqlite3.Connection, SqliteGuard]]:
    guard = SqliteGuard(allow_writes=True, writable_files=[db_file])
    connection = guarded(db_file, guard)
    yield connection, guard
    connection.close()


def run(
    pair: tuple[sqlite3.Connection, SqliteGuard],
    sql: str,
    access: Access = Access.READ,
    params: tuple[Any, ...] = (),
    timeout: float = 10.0,
    stop_by: float | None = None,
) -> list[Any]:
    connection, guard = pair
    with guard.statement(access, timeout, stop_by=stop_by):
        return connection.execute(sql, params).fetchall()


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- reading ------------------------------------------------------------------------------------

READING = [
    "SELECT name FROM users ORDER BY id",
    "WITH named AS (SELECT name FROM users) SELECT count(*) FROM named",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5) SELECT sum(x) FROM n",
    "EXPLAIN QUERY PLAN SELECT * FROM users WHERE name = 'ada'",
    "EXPLAIN SELECT 1",
    "PRAGMA table_info(users)",
    "PRAGMA main.index_list('users')",
    "PRAGMA journal_mode",
    "PRAGMA user_version",
    "PRAGMA quick_check",
    "SELECT * FROM pragma_table_info('users')",
    "SELECT name FROM sqlite_master WHERE type = 'table'",
    "SELECT json_extract('{\"a\": 1}', '$.a'), upper(name) FROM users",
]


@pytest.mark.parametrize("sql", READING)
def test_reading_statements_run_under_read(reader: tuple[sqlite3.Connection, SqliteGuard], sql: str) -> None:
    assert run(reader, sql)


READ_REFUSED = {
    "INSERT INTO users (name) VALUES ('mallory')": "INSERT into main.users",
    "UPDATE users SET name = 'x'": "UPDATE of main.users",
    "DELETE FROM users": "DELETE from main.users",
    "WITH doomed AS (SELECT id FROM users) DELETE FROM users WHERE id IN doomed": "DELETE from main.users",
    "REPLACE INTO users (id, name) VALUES (1, 'x')": "INSERT into main.users",
    "CREATE TABLE evil (x)": "CREATE TABLE main.evil",
    "CREATE TEMP TABLE scratch (x)": "CREATE TEMP TABLE temp.scratch",
    "CREATE VIEW v AS SELECT 1": "CREATE VIEW main.v",
    "CREATE INDEX evil ON users (name, id)": "CREATE INDEX main.evil",
    "DROP TABLE users": "DROP TABLE main.users",
    "DROP INDEX users_name": "DROP INDEX main.users_name",
    "ALTER TABLE users ADD COLUMN age INTEGER": "ALTER TABLE main.users",
    "ANALYZE": "CREATE TABLE main.sqlite_stat1",  # the first thing ANALYZE would do
    "REINDEX users_name": "REINDEX main.users_name",
    "REINDEX": "REINDEX main.users_name",
    "BEGIN": "BEGIN",
    "SAVEPOINT s": "SAVEPOINT s",
    "PRAGMA writable_schema = 1": "PRAGMA writable_schema = 1",
    "PRAGMA writable_schema": "PRAGMA writable_schema",
    "PRAGMA query_only = 0": "PRAGMA query_only = 0",
    "PRAGMA journal_mode = OFF": "PRAGMA journal_mode = OFF",
    "PRAGMA user_version = 7": "PRAGMA user_version = 7",
    "PRAGMA trusted_schema = 1": "PRAGMA trusted_schema = 1",
    "PRAGMA temp_store_directory = '/tmp'": "PRAGMA temp_store_directory = /tmp",
    "PRAGMA wal_checkpoint": "PRAGMA wal_checkpoint",
    "PRAGMA optimize": "PRAGMA optimize",
    "SELECT load_extension('/tmp/evil.so')": "The function load_extension()",
    "SELECT fts3_tokenizer('simple')": "The function fts3_tokenizer()",
}


@pytest.mark.parametrize(("sql", "action"), READ_REFUSED.items())
def test_changing_statements_are_refused_under_read(
    reader: tuple[sqlite3.Connection, SqliteGuard], db_file: Path, sql: str, action: str
) -> None:
    before = fingerprint(db_file)
    with pytest.raises(AccessDenied) as refused:
        run(reader, sql)
    assert refused.value.message.startswith(f"{action} is not allowed")
    assert "SELECT, WITH, EXPLAIN" in str(refused.value)  # and it says what is allowed
    assert fingerprint(db_file) == before
    assert run(reader, "SELECT count(*) FROM users") == [(3,)]  # the connection keeps working


def test_a_write_refusal_states_the_rules_it_applies(
    writer: tuple[sqlite3.Connection, SqliteGuard], db_file: Path
) -> None:
    with pytest.raises(AccessDenied) as refused:
        run(writer, "BEGIN", Access.WRITE)
    text = str(refused.value)
    assert "above" not in text  # no rules are "above" in a message read on its own
    assert f"the configured databases ({db_file})" in text
    assert "may not open or attach other files, load extensions" in text


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH DATABASE '{target}' AS x",
        "VACUUM INTO '{target}'",
        "ATTACH DATABASE 'file:{target}?mode=rwc' AS x",
    ],
)
def test_no_file_is_created_under_read(
    reader: tuple[sqlite3.Connection, SqliteGuard], outside: Path, sql: str
) -> None:
    with pytest.raises(AccessDenied, match=r"\(ATTACH or VACUUM INTO\) is not allowed"):
        run(reader, sql.format(target=outside / "x.db"))
    assert list(outside.iterdir()) == []


def test_a_bound_attach_path_is_refused_too(
    reader: tuple[sqlite3.Connection, SqliteGuard], outside: Path
) -> None:
    with pytest.raises(AccessDenied, match="ATTACH is not allowed"):
        run(reader, "ATTACH DATABASE ? AS x", params=(str(outside / "x.db"),))
    assert list(outside.iterdir()) == []


def test_vacuum_is_refused_under_read(reader: tuple[sqlite3.Connection, SqliteGuard], db_file: Path) -> None:
    before = fingerprint(db_file)
    with pytest.raises(AccessDenied):
        run(reader, "VACUUM")
    assert fingerprint(db_file) == before


def test_the_first_refused_action_is_recorded(reader: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    connection, guard = reader
    with pytest.raises(AccessDenied), guard.statement(Access.READ, 10.0) as record:
        connection.execute("PRAGMA writable_schema = ON")
    assert record.denial is not None
    assert record.denial.action == "PRAGMA writable_schema = ON"
    assert "may only read" in record.denial.reason


def test_a_read_only_guard_grants_no_other_access(reader: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    for access in (Access.WRITE, Access.CREATE_TABLE):
        with pytest.raises(AccessDenied, match="read-only"):
            run(reader, "SELECT 1", access)


def test_nothing_runs_outside_a_statement(reader: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    connection, _guard = reader
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        connection.execute("SELECT 1")
    assert run(reader, "SELECT 1") == [(1,)]


# -- writing ------------------------------------------------------------------------------------

WRITING = [
    "INSERT INTO users (name) VALUES ('mallory')",
    "UPDATE users SET name = upper(name)",
    "WITH doomed AS (SELECT id FROM users WHERE id > 2) DELETE FROM users WHERE id IN doomed",
    "CREATE TABLE notes (body TEXT)",
    "CREATE TEMP TABLE scratch (x)",
    "CREATE VIEW names AS SELECT name FROM users",
    "CREATE TRIGGER audit AFTER INSERT ON users BEGIN SELECT 1; END",
    "ALTER TABLE users ADD COLUMN age INTEGER",
    "CREATE INDEX users_id_name ON users (id, name)",
    "DROP INDEX users_name",
    "ANALYZE",
    "VACUUM",
    "PRAGMA user_version = 7",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA optimize",
    "SELECT name FROM users",
]


@pytest.mark.parametrize("sql", WRITING)
def test_changes_run_under_write(writer: tuple[sqlite3.Connection, SqliteGuard], sql: str) -> None:
    run(writer, sql, Access.WRITE)


WRITE_REFUSED = {
    "PRAGMA writable_schema = 1": "PRAGMA writable_schema = 1",
    "PRAGMA trusted_schema = ON": "PRAGMA trusted_schema = ON",
    "PRAGMA journal_mode = OFF": "PRAGMA journal_mode = OFF",
    "PRAGMA journal_mode = MEMORY": "PRAGMA journal_mode = MEMORY",
    "PRAGMA synchronous = OFF": "PRAGMA synchronous = OFF",
    "PRAGMA query_only = 0": "PRAGMA query_only = 0",
    "PRAGMA locking_mode = EXCLUSIVE": "PRAGMA locking_mode = EXCLUSIVE",
    "PRAGMA busy_timeout = 100000000": "PRAGMA busy_timeout = 100000000",
    "PRAGMA cache_size = -100000000": "PRAGMA cache_size = -100000000",
    "PRAGMA temp_store_directory = '/tmp'": "PRAGMA temp_store_directory = /tmp",
    "PRAGMA data_store_directory = '/tmp'": "PRAGMA data_store_directory = /tmp",
    "SELECT load_extension('/tmp/evil.so')": "The function load_extension()",
    "DETACH DATABASE main": "DETACH of 'main'",
    "BEGIN IMMEDIATE": "BEGIN",
    "COMMIT": "COMMIT",
    "SAVEPOINT s": "SAVEPOINT s",
}


@pytest.mark.parametrize(("sql", "action"), WRITE_REFUSED.items())
def test_unsafe_statements_are_refused_under_write(
    writer: tuple[sqlite3.Connection, SqliteGuard], sql: str, action: str
) -> None:
    with pytest.raises(AccessDenied) as refused:
        run(writer, sql, Access.WRITE)
    assert refused.value.message.startswith(f"{action} is not allowed")


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH DATABASE '{target}' AS x",
        "VACUUM INTO '{target}'",
        "ATTACH DATABASE 'file:{target}?mode=rwc' AS x",
        "ATTACH DATABASE '{target}' || '' AS x",
    ],
)
def test_no_file_is_created_outside_under_write(
    writer: tuple[sqlite3.Connection, SqliteGuard], outside: Path, sql: str
) -> None:
    with pytest.raises(AccessDenied):
        run(writer, sql.format(target=outside / "x.db"), Access.WRITE)
    assert list(outside.iterdir()) == []


def test_configured_files_can_be_attached_and_detached(
    tmp_path: Path, db_file: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    guard = SqliteGuard(allow_writes=True, writable_files=[db_file, other])
    pair = (guarded(db_file, guard), guard)
    try:
        monkeypatch.chdir(tmp_path)
        run(pair, "ATTACH DATABASE 'other.db' AS other", Access.WRITE)  # relative, like SQLite reads it
        run(pair, "CREATE TABLE other.t (x)", Access.WRITE)
        run(pair, "DETACH DATABASE other", Access.WRITE)
        (outside / "link.db").symlink_to(tmp_path / "elsewhere.db")
        with pytest.raises(AccessDenied, match="only the configured database files"):
            run(pair, f"ATTACH DATABASE '{outside / 'link.db'}' AS x", Access.WRITE)
        assert not (tmp_path / "elsewhere.db").exists()
    finally:
        pair[0].close()


def test_databases_attached_before_install_stay_attached(tmp_path: Path, db_file: Path) -> None:
    other = tmp_path / "other.db"
    connection = sqlite3.connect(db_file, isolation_level=None, cached_statements=0)
    connection.execute("ATTACH DATABASE ? AS configured", (str(other),))
    guard = SqliteGuard(allow_writes=True, writable_files=[db_file, other])
    guard.install(connection)
    try:
        with pytest.raises(AccessDenied, match="DETACH of 'configured'"):
            run((connection, guard), "DETACH DATABASE configured", Access.WRITE)
    finally:
        connection.close()


def test_writes_are_recorded(writer: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    connection, guard = writer
    with guard.statement(Access.WRITE, 10.0) as insert:
        connection.execute("INSERT INTO users (name) VALUES ('mallory')")
    with guard.statement(Access.WRITE, 10.0) as select:
        connection.execute("SELECT * FROM pragma_table_xinfo('users')").fetchall()
    with guard.statement(Access.WRITE, 10.0) as create:
        connection.execute("CREATE TABLE t (x)")
    assert (insert.wrote, insert.inserted) == (True, True)
    assert (select.wrote, select.inserted) == (False, False)  # SQLite's bookkeeping is no write
    assert (create.wrote, create.inserted) == (True, False)


# -- creating a table ---------------------------------------------------------------------------

CREATING = [
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT UNIQUE, owner REFERENCES users (id))",
    "CREATE TABLE IF NOT EXISTS users (x)",
    "CREATE TABLE pairs (a, b, PRIMARY KEY (a, b)) WITHOUT ROWID",
    "CREATE TABLE copy AS SELECT * FROM users",
    "CREATE TEMP TABLE scratch (x)",
]


@pytest.mark.parametrize("sql", CREATING)
def test_tables_can_be_created_under_create_table(
    writer: tuple[sqlite3.Connection, SqliteGuard], sql: str
) -> None:
    run(writer, sql, Access.CREATE_TABLE)


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO users (name) VALUES ('mallory')",
        "DROP TABLE users",
        "CREATE INDEX evil ON users (name, id)",
        "CREATE VIEW v AS SELECT 1",
        "CREATE VIRTUAL TABLE docs USING fts5(body)",
        "CREATE TABLE evil AS SELECT load_extension('/tmp/evil.so')",
        "PRAGMA user_version = 7",
        "SELECT * FROM users",
        "WITH t AS (SELECT 1) SELECT * FROM t",
        "PRAGMA table_info(users)",
    ],
)
def test_only_tables_are_created_under_create_table(
    writer: tuple[sqlite3.Connection, SqliteGuard], db_file: Path, sql: str
) -> None:
    before = fingerprint(db_file)
    with pytest.raises(AccessDenied):
        run(writer, sql, Access.CREATE_TABLE)
    assert fingerprint(db_file) == before


# -- the deadline -------------------------------------------------------------------------------


def test_a_runaway_statement_is_stopped_at_its_deadline(
    reader: tuple[sqlite3.Connection, SqliteGuard],
) -> None:
    with pytest.raises(LimitExceeded, match=r"longer than 0\.2 s") as stopped:
        run(reader, COUNT_FOREVER, timeout=0.2)
    assert "LIMIT" in str(stopped.value)
    assert run(reader, f"{INFINITE_CTE} LIMIT 3", timeout=0.2) == [(1,), (2,), (3,)]


def test_a_statement_stops_sooner_at_the_calls_deadline_and_says_which_limit_it_met(
    reader: tuple[sqlite3.Connection, SqliteGuard],
) -> None:
    with pytest.raises(LimitExceeded, match="so that the call could answer within its time limit") as stopped:
        run(reader, COUNT_FOREVER, timeout=30, stop_by=time.monotonic() + 0.2)
    assert "--call-timeout" in str(stopped.value)
    with pytest.raises(LimitExceeded, match=r"longer than 0\.2 s") as own:  # its own limit, sooner
        run(reader, COUNT_FOREVER, timeout=0.2, stop_by=time.monotonic() + 30)
    assert "--timeout" in str(own.value)


def test_a_call_deadline_already_past_stops_a_statement_at_its_first_check(
    reader: tuple[sqlite3.Connection, SqliteGuard],
) -> None:
    with pytest.raises(LimitExceeded, match="call could answer"):
        run(reader, f"{INFINITE_CTE} LIMIT 100000", timeout=30, stop_by=time.monotonic() - 5)
    assert run(reader, "SELECT 1") == [(1,)]


def test_the_deadline_covers_fetching(reader: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    connection, guard = reader
    first_rows: list[Any] = []

    def fetch_everything() -> None:
        with guard.statement(Access.READ, 0.2):
            cursor = connection.execute(INFINITE_CTE)
            first_rows.append(cursor.fetchone())  # the first row comes at once
            while cursor.fetchmany(1000):
                pass

    with pytest.raises(LimitExceeded):
        fetch_everything()
    assert first_rows == [(1,)]


def test_expire_stops_a_statement_from_another_thread(reader: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    connection, guard = reader

    def count_forever() -> None:
        with guard.statement(Access.READ, 60.0) as record:
            threading.Timer(0.1, guard.expire, args=(record,)).start()
            connection.execute(COUNT_FOREVER).fetchall()

    with pytest.raises(LimitExceeded):
        count_forever()


# -- values and names ---------------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Connection.setlimit is new in Python 3.11")
def test_huge_values_are_refused(reader: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    with pytest.raises(sqlite3.DataError, match="too big"):
        run(reader, "SELECT zeroblob(1000000000)")
    assert run(reader, "SELECT length(zeroblob(1000))") == [(1000,)]


def test_quote_identifier_round_trips_hostile_names(writer: tuple[sqlite3.Connection, SqliteGuard]) -> None:
    name = 'users"); DROP TABLE users; --'
    run(writer, f"CREATE TABLE {quote_identifier(name)} (x)", Access.WRITE)
    assert run(writer, "SELECT name FROM sqlite_master WHERE name = ?", params=(name,)) == [(name,)]
    assert run(writer, f"SELECT count(*) FROM {quote_identifier('users')}") == [(3,)]
    with pytest.raises(ValueError, match="NUL"):
        quote_identifier("a\0b")


def test_install_hardens_the_connection(
    reader: tuple[sqlite3.Connection, SqliteGuard], writer: tuple[sqlite3.Connection, SqliteGuard]
) -> None:
    assert run(reader, "PRAGMA query_only") == [(1,)]  # a second line behind the authorizer
    assert run(writer, "PRAGMA query_only") == [(0,)]
    assert run(reader, "PRAGMA trusted_schema") == [(0,)]  # views and triggers: harmless functions only
