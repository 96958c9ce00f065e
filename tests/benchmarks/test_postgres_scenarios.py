"""The postgres scenarios: how results are read, a quick run of our server on a small database through
the command line, and what a run says when PostgreSQL is not there.

The peers live in `.bench/` and are not installed for the tests; our own server and the sqlite one
(the cheap calls' first row) are. Quick mode makes a few calls each: these tests check the report's
shape and what came back, never a timing.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from benchmarks.calls import next_cursor
from benchmarks.postgres_fixture import psql
from benchmarks.scenarios.postgres import check_rows, check_tables, count_rows, count_tables
from tests.benchmarks.reports import milliseconds, run_benchmarks, section, table_rows

SCENARIOS = ("pg-limit", "pg-full-select", "pg-introspect", "pg-cheap-calls")


def text_result(text: str, structured: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "structuredContent": structured, "isError": False}


# --- reading results -------------------------------------------------------------------------------


def test_rows_are_counted_by_reference_in_every_format_a_server_uses() -> None:
    as_json = json.dumps([{"id": 1, "reference": "ORD-0000001"}, {"id": 2, "reference": "ORD-0000002"}])
    as_repr = str([{"id": 1, "reference": "ORD-0000001"}, {"id": 2, "reference": "ORD-0000002"}])
    as_rows = json.dumps({"columns": ["id", "reference"], "rows": [[1, "ORD-0000001"], [2, "ORD-0000002"]]})

    assert [count_rows(text) for text in (as_json, as_repr, as_rows)] == [2, 2, 2]
    assert count_rows("ORD-123 and ORD-12345678 are not references; ORD-1234567 is") == 1


def test_tables_are_counted_once_however_often_a_listing_names_them() -> None:
    resources = json.dumps(
        [
            {"uri": "postgres://db/berth_001/schema", "name": '"berth_001" database schema'},
            {"uri": "postgres://db/berth_002/schema", "name": '"berth_002" database schema'},
            {"uri": "postgres://db/big/schema", "name": '"big" database schema'},
        ]
    )

    assert count_tables(resources) == 2
    assert count_tables("berth_1, berth_0001 and berth_abc are none of them") == 0


def test_a_result_without_rows_fails_even_when_it_is_not_flagged_as_an_error() -> None:
    rows = text_result("[{'id': 1, 'reference': 'ORD-0000001'}]")

    assert check_rows("execute_sql", rows) == "[{'id': 1, 'reference': 'ORD-0000001'}]"
    with pytest.raises(
        ValueError, match='execute_sql returned no rows: Error: relation "big" does not exist'
    ):
        check_rows("execute_sql", text_result('Error: relation "big" does not exist'))


def test_a_listing_that_names_no_table_fails() -> None:
    assert check_tables("list_objects", "[{'name': 'berth_001'}]") == "[{'name': 'berth_001'}]"
    with pytest.raises(ValueError, match=r"resources/list named none of the tables: \[\]"):
        check_tables("resources/list", "[]")


def test_the_next_page_is_found_under_either_spelling_of_the_cursor() -> None:
    assert next_cursor(text_result("rows", {"truncated": True, "next_cursor": "b2Zmc2V0"})) == "b2Zmc2V0"
    assert next_cursor(text_result("rows", {"nextCursor": "page-2"})) == "page-2"
    assert next_cursor(text_result("rows", {"truncated": False, "next_cursor": None})) is None
    assert next_cursor(text_result("rows")) is None


# --- through the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    # sqlite is the cheap calls' first row; the other scenarios list it as failed (it has no database there).
    completed = run_benchmarks(tmp_path_factory.mktemp("fixtures"), *SCENARIOS, "--servers=sqlite,postgres")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def test_a_limited_query_returns_its_hundred_rows_from_the_query_tool(
    run: subprocess.CompletedProcess[str],
) -> None:
    limited = section(run.stdout, "pg-limit")

    assert "on a 2,000-row table: median of 5 calls per run" in limited
    assert "- postgres returned 100 of 100 rows in " in limited
    assert milliseconds(table_rows(limited, "LIMIT 100, per call")["postgres"][0]) > 0


def test_a_full_select_gives_a_first_page_a_cursor_and_the_servers_peak_memory(
    run: subprocess.CompletedProcess[str],
) -> None:
    full = section(run.stdout, "pg-full-select")
    median, _minimum, _maximum, rss, ratio = table_rows(full, "first response")["postgres"]

    returned = re.search(r"- postgres returned ([\d,]+) of 2,000 rows in .+ from query(.*)", full)
    assert returned is not None, full
    assert 0 < int(returned.group(1).replace(",", "")) < 2_000
    assert returned.group(2) == ", a cursor for the rest"
    assert milliseconds(median) > 0
    assert 10 < float(rss.removesuffix(" MiB")) < 2048
    assert ratio == "1.00×"


def test_introspection_lists_every_table_of_the_schema(run: subprocess.CompletedProcess[str]) -> None:
    listed = section(run.stdout, "pg-introspect")

    assert re.search(r"- postgres returned 20 of 20 berth tables in .+ from list_objects", listed), listed
    assert milliseconds(table_rows(listed, "every table, per call")["postgres"][0]) > 0


def test_cheap_calls_put_a_select_1_within_a_budget_of_sqlites_list_tables(
    run: subprocess.CompletedProcess[str],
) -> None:
    cheap = section(run.stdout, "pg-cheap-calls")
    p50 = table_rows(cheap, "p50 per call")

    assert p50["header"][-2:] == ["Δ vs sqlite", "within +0.5 ms"]
    assert p50["sqlite"][-2:] == ["", ""]
    assert re.fullmatch(r"yes|no, [\d.]+ ms over", p50["postgres"][-1])
    calls_per_second = table_rows(cheap, "all calls")["postgres"][3]
    assert int(calls_per_second.replace(",", "")) > 0
    assert re.search(r"- sqlite returned \d+ B of text from list_tables\n", cheap)
    assert re.search(r"- postgres returned \d+ B of text from query\n", cheap)


def test_every_database_a_run_made_is_dropped_after_it(run: subprocess.CompletedProcess[str]) -> None:
    made = re.findall(r"postgres fixture: made (moorings_bench_\d+) ", run.stderr)
    dropped = re.findall(r"postgres fixture: dropped (moorings_bench_\d+)\n", run.stderr)

    assert len(made) == len(SCENARIOS)
    assert dropped == made
    assert made[0] not in psql(
        "postgres", "--no-align", "--tuples-only", "-c", "SELECT datname FROM pg_database"
    )


# --- without PostgreSQL ----------------------------------------------------------------------------


def test_each_scenario_says_why_it_did_not_run_when_postgresql_is_not_there(tmp_path: Path) -> None:
    nowhere = {"MOORINGS_BENCH_POSTGRES": "postgresql://postgres@127.0.0.1:1"}  # a port nothing listens on

    completed = run_benchmarks(tmp_path, *SCENARIOS, "--servers=sdk-hello", environment=nowhere)

    assert completed.returncode == 1
    refused = 'psql: error: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    for scenario in SCENARIOS:
        skipped = section(completed.stdout, scenario).strip()
        assert skipped.endswith(f"\n\nNot run: psql failed: {refused}.")
