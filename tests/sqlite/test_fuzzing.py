"""Every sqlite tool fuzzed from its input schema, on a writable scratch copy of the sample database
(see moorings_core.testing.fuzzing); a database outside the root holds the sentinel, for the guard
to keep out of reach."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, closing

from moorings_core.server import MooringsServer
from moorings_core.testing import Sandbox, fuzz_test
from moorings_sqlite.server import build_server, open_database
from tests.sqlite.helpers import make_sample, settings_for


@asynccontextmanager
async def sqlite(box: Sandbox) -> AsyncIterator[MooringsServer]:
    with closing(sqlite3.connect(box.outside / "other.db")) as other, other:
        other.execute("CREATE TABLE secrets (value TEXT)")
        other.execute("INSERT INTO secrets VALUES (?)", (box.sentinel.read_text(),))
    config = settings_for(make_sample(box.root / "sample.db"), allow_writes=True, call_timeout=10, timeout=2)
    database = await open_database(config)
    try:
        yield build_server(config, database)
    finally:
        await database.close()


def sql(box: Sandbox) -> Iterable[str]:
    """Statements and names worth trying: the sample's own, and every road out of the database."""
    other, sentinel = box.outside / "other.db", box.sentinel
    return [
        "users", "orders", "big_spenders", "numbers", "main", "temp", "sqlite_master", "secrets",
        "SELECT * FROM users", "SELECT ?", "SELECT :name", "SELECT * FROM numbers",
        "INSERT INTO users (name) VALUES (?) RETURNING *", "DELETE FROM orders", "DROP TABLE users",
        "CREATE TABLE t (x)", "CREATE TABLE IF NOT EXISTS users (id)", "UPDATE users SET name = 'x'",
        f"ATTACH DATABASE '{other}' AS spy", f"ATTACH '{box.outside}/new.db' AS fresh",
        "SELECT * FROM spy.secrets", f"VACUUM INTO '{box.outside}/copy.db'",
        f"SELECT load_extension('{box.outside}/ext')", f"SELECT readfile('{sentinel}')",
        "PRAGMA writable_schema = ON", "PRAGMA journal_mode = WAL", "BEGIN", "COMMIT",
        "SELECT 1; DROP TABLE users", "users; DROP TABLE users --", "SELECT zeroblob(1000000000)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100000) SELECT i FROM n",
    ]  # fmt: skip


test_tools_survive_fuzzing = fuzz_test(sqlite, strings=sql)
