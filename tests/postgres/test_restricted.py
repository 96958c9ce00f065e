"""Restricted mode against hostile statements, each beside a legitimate control.

Every attack is tried through the tools a model has, on a real database, and the test then looks
from outside: the rows are all still there, no file was made, and the server still serves. The
statement rules refuse most of these before PostgreSQL sees them; the read-only transaction,
the server-side time limit and DISCARD ALL stand behind them (the last tests reach those layers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from moorings_core.testing import refusal, succeeded
from tests.postgres.helpers import SAMPLE_SQL, count, execute, fetch, serving, settings_for

pytestmark = pytest.mark.anyio

USERS = 3


@pytest.fixture(scope="module")
def sample_dsn(database_dsn: str) -> str:
    anyio.run(execute, database_dsn, SAMPLE_SQL)
    return database_dsn


@pytest.fixture
async def client(sample_dsn: str) -> AsyncIterator[Client]:
    async with serving(settings_for(sample_dsn, "--statement-timeout", "2")) as connected:
        yield connected


async def refused(client: Client, tool: str = "execute_sql", **arguments: Any) -> str:
    return refusal(await client.call_tool(tool, arguments))


@pytest.fixture
async def unchanged(sample_dsn: str) -> AsyncIterator[None]:
    """After the test: every row still there."""
    yield
    assert await count(sample_dsn, "users") == USERS
    assert await count(sample_dsn, "numbers") == 2500


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    "sql",
    [
        "COMMIT; DELETE FROM users",
        "ROLLBACK; DROP TABLE users",
        "END; DELETE FROM users",
        "SELECT 1; DELETE FROM users",
        "SET TRANSACTION READ WRITE",
        "DELETE FROM users",
        "WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone",
        "WITH a AS (WITH b AS (UPDATE users SET name = 'x' RETURNING 1) SELECT * FROM b) SELECT * FROM a",
        "SELECT * FROM users FOR UPDATE",
        "SELECT * INTO copied FROM users",
        "DO $$ BEGIN DELETE FROM users; END $$",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT query_to_xml('DELETE FROM users', true, true, '')",
        "SELECT pg_terminate_backend(pg_backend_pid())",
        "EXPLAIN ANALYZE DELETE FROM users",
    ],
)
async def test_writes_and_escapes_are_refused(client: Client, sql: str) -> None:
    for tool in ("query", "execute_sql"):
        await refused(client, tool, sql=sql)
    succeeded(await client.call_tool("query", {"sql": "SELECT count(*) FROM users"}))  # the control


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT * FROM pg_read_file('/etc/hostname') AS t",
        "SELECT * FROM pg_read_file('/etc/hostname') WITH ORDINALITY AS t",
        "SELECT * FROM ROWS FROM (pg_read_file('/etc/hostname')) AS t",
        "SELECT * FROM users, LATERAL pg_read_file('/etc/hostname') AS t",
        "SELECT * FROM (SELECT pg_read_file('/etc/hostname')) AS s",
        "WITH f AS (SELECT pg_catalog.pg_read_file('/etc/hostname')) SELECT * FROM f",
        "SELECT * FROM pg_ls_dir('.')",
        "SELECT PG_READ_BINARY_FILE('/etc/hostname')",
    ],
)
async def test_server_files_cannot_be_read(client: Client, sql: str) -> None:
    message = await refused(client, sql=sql)
    assert "pg_" in message.lower()
    succeeded(await client.call_tool("query", {"sql": "SELECT name FROM users WHERE id = 1"}))


async def test_copy_to_program_runs_nothing(client: Client, tmp_path: Path, sample_dsn: str) -> None:
    marker = tmp_path / "pwned"
    await refused(client, sql=f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'")
    async with serving(settings_for(sample_dsn, "--access-mode", "unrestricted")) as unrestricted:
        message = await refused(unrestricted, sql=f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'")
    assert "--allow-server-programs" in message
    assert not marker.exists()


async def test_explain_analyze_of_a_delete_is_refused_in_restricted_mode(
    client: Client, sample_dsn: str
) -> None:
    message = await refused(client, "explain_query", sql="DELETE FROM users", analyze=True)
    assert "analyze" in message.lower()
    # Planning it without running it is fine.
    succeeded(await client.call_tool("explain_query", {"sql": "DELETE FROM users"}))
    assert await count(sample_dsn, "users") == USERS


async def test_session_settings_do_not_reach_the_next_call(client: Client) -> None:
    # SET itself is refused; but whatever a statement could leave in the session, DISCARD ALL clears.
    await refused(client, sql="SET default_transaction_read_only = off")
    for _ in range(3):  # every pooled connection, not only the first
        _, result = await succeeded_call(client, "SELECT current_setting('default_transaction_read_only')")
        assert result["rows"] == [["off"]]  # the server's default: our read-only-ness is per transaction
        _, result = await succeeded_call(client, "SELECT current_setting('transaction_read_only')")
        assert result["rows"] == [["on"]]


async def succeeded_call(client: Client, sql: str) -> tuple[str, dict[str, Any]]:
    return succeeded(await client.call_tool("query", {"sql": sql}))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_sleep(600)",
        "SELECT count(*) FROM generate_series(1, 1e9::bigint)",
    ],
)
async def test_long_statements_are_stopped_by_the_time_limit(client: Client, sql: str) -> None:
    message = await refused(client, sql=sql)
    assert "time limit (2 s)" in message
    succeeded(await client.call_tool("query", {"sql": "SELECT 1"}))


async def test_an_endless_result_comes_as_one_page(client: Client) -> None:
    # A set-returning function in the select list streams; the cursor stops it after one page.
    _, page = await succeeded_call(client, "SELECT generate_series(1, 1000000000) AS n")
    assert page["truncated"] is True
    assert page["rowCount"] == 1000


async def test_a_huge_value_is_refused_or_bounded(client: Client) -> None:
    result = await client.call_tool("query", {"sql": "SELECT repeat('x', 1e9::int)"})
    if result.is_error:
        assert "time limit" in refusal(result) or "PostgreSQL" in refusal(result)
    else:
        cell = result.structured_content["rows"][0][0]
        assert cell["$text"]["truncated"] is True
    succeeded(await client.call_tool("query", {"sql": "SELECT 1"}))


async def test_a_connection_dropped_mid_statement_is_replaced(client: Client, sample_dsn: str) -> None:
    async def kill_it() -> None:
        await anyio.sleep(0.5)
        await fetch(
            sample_dsn,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'moorings-postgres' AND query LIKE '%pg_sleep(1.5)%'",
        )

    async with anyio.create_task_group() as group:
        group.start_soon(kill_it)
        result = await client.call_tool("query", {"sql": "SELECT pg_sleep(1.5)"})
    assert "connection" in refusal(result).lower()
    for _ in range(3):
        succeeded(await client.call_tool("query", {"sql": "SELECT 1"}))
