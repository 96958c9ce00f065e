"""query, execute_sql and explain_query on a real database: rows as JSON, pages, parameters, plans."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from mcp import Client

from moorings_core.testing import refusal, succeeded
from tests.postgres.helpers import NUMBERS, SAMPLE_SQL, count, execute, fetch, serving, settings_for

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sample_dsn(database_dsn: str) -> str:
    anyio.run(execute, database_dsn, SAMPLE_SQL)
    return database_dsn


@pytest.fixture
async def client(sample_dsn: str) -> AsyncIterator[Client]:
    async with serving(settings_for(sample_dsn)) as connected:
        yield connected


async def call(client: Client, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    return succeeded(await client.call_tool(tool, arguments))


async def test_rows_come_back_as_json_with_their_sql_types(client: Client) -> None:
    _, result = await call(client, "query", sql="SELECT * FROM users ORDER BY id")
    columns = {column["name"]: column["type"] for column in result["columns"]}
    assert columns["id"] == "integer"
    assert columns["balance"] == "numeric"
    assert columns["tags"] == "text[]"
    assert columns["seen"] == "timestamp with time zone"
    ada = dict(zip(columns, result["rows"][0], strict=True))
    assert ada["balance"] == "12.50"  # exact digits, never a float
    assert ada["joined"] == "1815-12-10"
    assert ada["tags"] == ["math", "engines"]
    assert ada["profile"] == {"lang": "en", "n": [1, 2]}
    assert ada["avatar"] == {"$blob": {"base64": "AP8Q", "size": 3, "truncated": False}}
    assert ada["uid"] == "123e4567-e89b-12d3-a456-426614174000"
    assert ada["ttl"] == "P1Y2M3DT4H5M6.5S"  # months and days kept apart, as PostgreSQL keeps them
    assert ada["seen"] == "2024-01-31T12:00:00+00:00"
    grace = dict(zip(columns, result["rows"][1], strict=True))
    assert grace["email"] is None
    assert result["rowCount"] == 3
    assert result["truncated"] is False


async def test_the_reference_query_tool_answers_in_json_text(client: Client) -> None:
    text, _ = await call(client, "query", sql="SELECT name FROM users WHERE id = 1")
    assert text.startswith('[\n{"name":"Ada"}')


async def test_a_big_result_comes_in_pages_with_a_scoped_cursor(client: Client) -> None:
    sql = "SELECT n, square FROM numbers ORDER BY n"
    text, first = await call(client, "execute_sql", sql=sql, maxRows=1000)
    assert first["rowCount"] == 1000
    assert first["truncated"] is True
    assert first["nextCursor"] in text
    _, second = await call(client, "execute_sql", sql=sql, maxRows=1000, cursor=first["nextCursor"])
    assert second["rows"][0] == [1001, 1001 * 1001]
    _, last = await call(client, "execute_sql", sql=sql, maxRows=1000, cursor=second["nextCursor"])
    assert last["rows"][-1] == [NUMBERS, NUMBERS * NUMBERS]
    assert last["truncated"] is False
    assert "nextCursor" not in last
    other = await client.call_tool(
        "execute_sql", {"sql": "SELECT n FROM numbers", "cursor": first["nextCursor"]}
    )
    assert "cursor" in refusal(other).lower()


async def test_a_page_is_cut_to_the_character_budget(sample_dsn: str) -> None:
    async with serving(settings_for(sample_dsn, "--max-result-chars", "1000")) as client:
        _, page = await call(client, "query", sql="SELECT n, repeat('x', 100) AS pad FROM numbers")
    assert 1 <= page["rowCount"] < 20
    assert page["truncated"] is True


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        ("SELECT name FROM users WHERE id = $1", [1], [["Ada"]]),
        ("SELECT name FROM users WHERE id = $1", ["2"], [["Grace"]]),
        ("SELECT name FROM users WHERE joined < $1 ORDER BY id", ["1900-01-01"], [["Ada"]]),
        ("SELECT name FROM users WHERE seen = $1", ["2024-01-31T12:00:00Z"], [["Ada"]]),
        ("SELECT name FROM users WHERE balance = $1", [12.5], [["Ada"]]),
        ("SELECT name FROM users WHERE uid = $1", ["123e4567-e89b-12d3-a456-426614174000"], [["Ada"]]),
        ("SELECT $1::jsonb -> 'a' AS a", ['{"a": [1]}'], [[[1]]]),
        ("SELECT $1::interval AS i", ["P1DT2H"], [["P1DT2H"]]),
        ("SELECT $1 AS echoed", ["it's; DROP TABLE users"], [["it's; DROP TABLE users"]]),
    ],
)
async def test_parameters_are_converted_to_their_placeholders_types(
    client: Client, sql: str, params: list[Any], expected: list[list[Any]]
) -> None:
    _, result = await call(client, "query", sql=sql, params=params)
    assert result["rows"] == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "has 1 placeholder but 0 params"),
        (["ten"], "Parameter $1 is a int4"),
        ([1.5], "Parameter $1 is a int4"),
    ],
)
async def test_parameters_that_do_not_fit_are_refused_clearly(
    client: Client, params: list[Any], message: str
) -> None:
    result = await client.call_tool("query", {"sql": "SELECT * FROM users WHERE id = $1", "params": params})
    assert message in refusal(result)


async def test_same_named_tables_in_two_schemas_stay_apart(client: Client) -> None:
    _, result = await call(client, "query", sql="SELECT nickname FROM other.users")
    assert result["rows"] == [["shadow"]]


async def test_identifiers_with_quotes_and_semicolons_work(client: Client) -> None:
    _, result = await call(client, "query", sql='SELECT "Mixed Case", "semi;colon" FROM "we""ird Name"')
    assert result["rows"] == [[1, "a;b"]]


async def test_postgresql_errors_say_what_and_where(client: Client) -> None:
    text = refusal(await client.call_tool("query", {"sql": "SELECT nme FROM users"}))
    assert 'column "nme" does not exist' in text
    assert "Hint" in text  # PostgreSQL's own: Perhaps you meant to reference the column "users.name"
    text = refusal(await client.call_tool("query", {"sql": "SELECT FROM WHERE"}))
    assert "syntax error" in text.lower()


async def test_explain_shows_a_tree_and_the_json_plan(client: Client) -> None:
    text, result = await call(client, "explain_query", sql="SELECT * FROM numbers WHERE n = $1", params=[5])
    assert "Index Scan using numbers_pkey on numbers" in text
    assert result["plan"]["Plan"]["Node Type"] == "Index Scan"
    assert result["analyzed"] is False
    text, result = await call(client, "explain_query", sql="SELECT count(*) FROM numbers", analyze=True)
    assert "actual time=" in text
    assert "Execution Time" in text
    assert result["analyzed"] is True


async def test_hypothetical_indexes_say_hypopg_is_missing(client: Client) -> None:
    result = await client.call_tool(
        "explain_query",
        {
            "sql": "SELECT * FROM users WHERE email = 'x'",
            "hypothetical_indexes": [{"table": "users", "columns": ["email"]}],
        },
    )
    assert "hypopg" in refusal(result)
    succeeded(await client.call_tool("query", {"sql": "SELECT 1"}))  # and the server goes on


async def test_unrestricted_mode_runs_and_commits_any_statement(sample_dsn: str) -> None:
    await execute(sample_dsn, "CREATE TABLE IF NOT EXISTS scratch (id serial PRIMARY KEY, v text)")
    async with serving(settings_for(sample_dsn, "--access-mode", "unrestricted")) as client:
        text, result = await call(
            client,
            "execute_sql",
            sql="INSERT INTO scratch (v) VALUES ($1), ($2) RETURNING id, v",
            params=["a", "b"],
        )
        assert result["command"] == "INSERT 0 2"
        assert result["rowsChanged"] == 2
        assert [row[1] for row in result["rows"]] == ["a", "b"]
        assert text.startswith("Done: INSERT 0 2. Rows changed: 2.")
        _, made = await call(client, "execute_sql", sql="CREATE TABLE scratch2 (x int)")
        assert made["command"] == "CREATE TABLE"
        _, vacuumed = await call(client, "execute_sql", sql="VACUUM scratch")
        assert vacuumed["command"] == "VACUUM"
        # query stays read-only whatever the mode, as the reference server's was.
        refused = await client.call_tool("query", {"sql": "DELETE FROM scratch"})
        assert "read" in refusal(refused)
        # explain with analyze runs a write, and rolls it back.
        await call(client, "explain_query", sql="DELETE FROM scratch", analyze=True)
    assert await count(sample_dsn, "scratch") == 2
    await execute(sample_dsn, "DROP TABLE scratch, scratch2")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'infinity'::timestamptz", "infinity"),
        ("'-infinity'::date", "-infinity"),
        ("'9999-12-31 23:59:59.999999'::timestamp", "9999-12-31T23:59:59.999999"),  # not infinity
        ("'10000-01-01'::date", "+10000-01-01"),
        ("'4713-01-01 BC'::date", "-4712-01-01"),  # ISO 8601 counts 1 BC as year 0
        ("'2024-02-29 12:30:00.5+02'::timestamptz", "2024-02-29T10:30:00.500000+00:00"),
        ("'1999-12-31 23:59:59'::timestamp", "1999-12-31T23:59:59"),
        ("int4range(1, 5)", "[1,5)"),
        ("'[2024-01-01,)'::daterange", "[2024-01-01,)"),
        ("'empty'::numrange", "empty"),
        ("B'101'", "101"),
        ("'x'::\"char\"", "x"),
        ("'0/16B6C50'::pg_lsn", "0/16B6C50"),
        ("'NaN'::numeric", "NaN"),
        ("'192.168.0.1/24'::inet", "192.168.0.1/24"),
        ("ARRAY[int4range(1, 2), NULL]", ["[1,2)", None]),
        ('\'{"a": {"b": [true, null]}}\'::json', {"a": {"b": [True, None]}}),
    ],
)
async def test_values_come_back_as_postgresql_shows_them(
    client: Client, expression: str, expected: Any
) -> None:
    _, result = await call(client, "query", sql=f"SELECT {expression} AS v")
    assert result["rows"] == [[expected]]


async def test_composite_values_are_objects_by_field(client: Client, sample_dsn: str) -> None:
    await execute(sample_dsn, "CREATE TYPE pair AS (lo int, span int4range)")
    _, result = await call(client, "query", sql="SELECT ROW(1, int4range(2, 3))::pair AS p")
    assert result["rows"] == [[{"lo": 1, "span": "[2,3)"}]]


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        ("SELECT $1::timestamptz = 'infinity' AS same", ["infinity"], [[True]]),
        ("SELECT $1::date AS d", ["2024-02-29"], [["2024-02-29"]]),
        ("SELECT $1::timestamp AS t", ["2024-02-29T01:02:03"], [["2024-02-29T01:02:03"]]),
    ],
)
async def test_temporal_parameters_round_trip(
    client: Client, sql: str, params: list[Any], expected: Any
) -> None:
    _, result = await call(client, "query", sql=sql, params=params)
    assert result["rows"] == expected


async def test_plan_nodes_are_named_as_psql_names_them(client: Client) -> None:
    text, _ = await call(client, "explain_query", sql="DELETE FROM users WHERE id = 1")
    assert text.startswith("Delete on users  (cost=")
    text, _ = await call(client, "explain_query", sql="SELECT n % 7, count(*) FROM numbers GROUP BY 1")
    assert text.split("  (")[0] in {"HashAggregate", "GroupAggregate"}
    text, _ = await call(client, "explain_query", sql="SELECT * FROM numbers ORDER BY n DESC LIMIT 1")
    assert "Index Scan Backward using numbers_pkey on numbers" in text


async def test_hypothetical_indexes_change_the_plan_when_hypopg_is_there(
    client: Client, sample_dsn: str
) -> None:
    [available] = await fetch(
        sample_dsn, "SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'"
    )
    if not available[0]:
        pytest.skip("hypopg is not installed on this PostgreSQL server (Debian: postgresql-15-hypopg)")
    await execute(sample_dsn, "CREATE EXTENSION IF NOT EXISTS hypopg")
    try:
        sql = "SELECT * FROM numbers WHERE square = 49"
        without, _ = await call(client, "explain_query", sql=sql)
        assert "Seq Scan on numbers" in without
        index = {"table": "public.numbers", "columns": ["square"]}
        text, result = await call(client, "explain_query", sql=sql, hypothetical_indexes=[index])
        [name] = result["hypotheticalIndexes"]
        assert "Index Scan" in text
        assert name in text  # the plan uses the index that does not exist
        refused = await client.call_tool(
            "explain_query", {"sql": sql, "analyze": True, "hypothetical_indexes": [index]}
        )
        assert "cannot be used with analyze" in refusal(refused)
        again, _ = await call(client, "explain_query", sql=sql)  # nothing stays behind for the next call
        assert "Seq Scan on numbers" in again
    finally:
        await execute(sample_dsn, "DROP EXTENSION hypopg")


async def test_a_write_returning_many_rows_shows_a_page_and_counts_the_rest(sample_dsn: str) -> None:
    await execute(sample_dsn, "CREATE TABLE copies (n integer)")
    try:
        async with serving(
            settings_for(sample_dsn, "--access-mode", "unrestricted", "--max-rows", "100")
        ) as client:
            text, result = await call(
                client, "execute_sql", sql="INSERT INTO copies SELECT n FROM numbers RETURNING n"
            )
        assert (result["command"], result["rowsChanged"]) == (f"INSERT 0 {NUMBERS}", NUMBERS)
        assert len(result["rows"]) == 100
        assert result["truncated"] is True
        assert "a write is never run again" in text
        assert await count(sample_dsn, "copies") == NUMBERS  # committed, all of it
    finally:
        await execute(sample_dsn, "DROP TABLE copies")
