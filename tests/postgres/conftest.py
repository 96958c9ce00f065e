"""A real PostgreSQL for the postgres server's tests: a fresh database per test module, dropped after.

The server is the one at MOORINGS_TEST_POSTGRES (default: postgres on 127.0.0.1:5432, trust
auth), which the development and CI machines start. When it cannot be reached the tests skip
with the reason, except in CI (CI=true), where a missing database is a failure, not a skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import NoReturn

import anyio
import asyncpg
import pytest

ADMIN_DSN = os.environ.get("MOORINGS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def unreachable(reason: str) -> NoReturn:
    """Skip the test that needs the server, with the reason; in CI (CI=true), fail it."""
    message = f"PostgreSQL at {ADMIN_DSN} is not reachable ({reason}); the postgres tests need it"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: a missing database fails the run)", pytrace=False)
    pytest.skip(message)


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN, timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin DSN, once the server answers (else skip, or fail in CI)."""
    try:
        anyio.run(_admin, "SELECT 1")
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unreachable(str(exc) or type(exc).__name__)
    return ADMIN_DSN


def dsn_for(database: str) -> str:
    """The admin DSN pointed at another database of the same server."""
    base, _, _ = ADMIN_DSN.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="module")
def database_dsn(postgres_server: str) -> Iterator[str]:
    """A new, empty database for one test module; dropped (even if sessions linger) at its end."""
    name = f"moorings_test_{os.getpid()}_{secrets.token_hex(4)}"
    anyio.run(_admin, f'CREATE DATABASE "{name}"')
    try:
        yield dsn_for(name)
    finally:
        anyio.run(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
