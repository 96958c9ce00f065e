"""Every postgres tool fuzzed from its input schema (see moorings_core.testing.fuzzing), in
restricted mode over the sample database: the sandbox's sentinel file is what a statement that
escaped would read (pg_read_file and the like), and it must never reach a result."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from moorings_core.server import MooringsServer
from moorings_core.testing import ERAS, Era, Sandbox
from moorings_core.testing.fuzzing import fuzz_tools
from moorings_postgres.server import opened_server
from tests.postgres.helpers import SAMPLE_SQL, execute, settings_for


@pytest.fixture(scope="module")
def sample_dsn(database_dsn: str) -> str:
    anyio.run(execute, database_dsn, SAMPLE_SQL)
    return database_dsn


def sql(box: Sandbox) -> Iterable[str]:
    """Statements and names worth trying: the sample's own, and every road out of the database."""
    sentinel = box.sentinel
    return [
        "users", "other", "numbers", "public", "pg_catalog", 'we"ird Name', "table", "view",
        "SELECT * FROM users", "SELECT $1", "SELECT * FROM numbers", "SELECT * FROM other.users",
        "DELETE FROM users", "DROP TABLE users", "COMMIT; DELETE FROM users", "SET ROLE postgres",
        f"SELECT pg_read_file('{sentinel}')", f"SELECT * FROM pg_read_file('{sentinel}') AS t",
        f"COPY users TO '{box.outside}/dump.csv'", f"COPY (SELECT 1) TO PROGRAM 'touch {box.outside}/x'",
        f"SELECT lo_import('{sentinel}')", "SELECT pg_sleep(30)", "SELECT repeat('x', 100000000)",
        "SELECT generate_series(1, 100000000)", "WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d",
    ]  # fmt: skip


@pytest.mark.timeout(240)
@pytest.mark.parametrize("era", ERAS)
def test_tools_survive_fuzzing(tmp_path: Path, era: Era, sample_dsn: str) -> None:
    @asynccontextmanager
    async def postgres(box: Sandbox) -> AsyncIterator[MooringsServer]:
        settings = settings_for(sample_dsn, "--statement-timeout", "2", "--call-timeout", "10")
        async with opened_server(settings) as server:
            yield server

    fuzz_tools(postgres, tmp_path, era=era, strings=sql)
