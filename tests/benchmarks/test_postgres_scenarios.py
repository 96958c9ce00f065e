"""The postgres scenarios: how results are read, and what a run says when PostgreSQL is not there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.calls import next_cursor
from benchmarks.scenarios.postgres import check_rows, check_tables, count_rows, count_tables
from tests.benchmarks.reports import run_benchmarks, section

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


# --- without PostgreSQL ----------------------------------------------------------------------------


def test_each_scenario_says_why_it_did_not_run_when_postgresql_is_not_there(tmp_path: Path) -> None:
    nowhere = {"MOORINGS_BENCH_POSTGRES": "postgresql://postgres@127.0.0.1:1"}  # a port nothing listens on

    completed = run_benchmarks(tmp_path, *SCENARIOS, "--servers=sdk-hello", environment=nowhere)

    assert completed.returncode == 1
    refused = 'psql: error: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    for scenario in SCENARIOS:
        skipped = section(completed.stdout, scenario).strip()
        assert skipped.endswith(f"\n\nNot run: psql could not make the fixture: {refused}.")
