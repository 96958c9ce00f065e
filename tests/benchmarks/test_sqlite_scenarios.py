"""The sqlite scenarios: how results are read, and a run through the command line on a small table.

The server is `minimal_sqlite_server.py`, a plain MCP server with the reference's tool names, so
these tests need neither the reference's venv nor our own server. The sqlite3 CLI is the real one
(its rows are skipped with a note where it is not installed).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scenarios.sqlite import check_description, check_rows, check_tables, count_rows
from tests.benchmarks.reports import milliseconds, run_benchmarks, section, table_rows

MINIMAL_SERVER = Path(__file__).with_name("minimal_sqlite_server.py")
SCENARIOS = ("sqlite-limit", "sqlite-full-scan", "sqlite-schema")
HAS_CLI = shutil.which("sqlite3") is not None


def minimal(name: str, *options: str) -> str:
    command = " ".join((sys.executable, str(MINIMAL_SERVER), "--db-path", "{root}/bench.sqlite3", *options))
    return f"--command={name}={command}"


def text_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False}


# --- reading results -------------------------------------------------------------------------------


def test_rows_are_counted_by_reference_in_every_format_a_server_or_the_cli_uses() -> None:
    as_json = json.dumps({"rows": [[1, "SHP-0000001", None], [2, "SHP-0000002", 3.5]]})
    as_repr = str([{"id": 1, "reference": "SHP-0000001"}, {"id": 2, "reference": "SHP-0000002"}])
    as_cli = '[{"id":1,"reference":"SHP-0000001"},\n{"id":2,"reference":"SHP-0000002"}]\n'
    as_csv = "id,reference\r\n1,SHP-0000001\r\n2,SHP-0000002\r\n"

    assert [count_rows(text) for text in (as_json, as_repr, as_cli, as_csv)] == [2, 2, 2, 2]
    assert count_rows("SHP-123 and SHP-12345678 are not references; SHP-1234567 is") == 1


def test_a_result_without_rows_fails_even_when_it_is_not_flagged_as_an_error() -> None:
    rows = text_result("[{'id': 1, 'reference': 'SHP-0000001'}]")

    assert check_rows(rows) == "[{'id': 1, 'reference': 'SHP-0000001'}]"
    with pytest.raises(ValueError, match="read_query returned no rows: Database error: no such table"):
        check_rows(text_result("Database error: no such table: shipments"))


def test_schema_results_must_name_the_table_and_every_column() -> None:
    columns = "id reference vessel port weight_kg departed_at delivered_at notes seal"

    assert check_tables(text_result("[{'name': 'ports'}, {'name': 'shipments'}]"))
    assert check_description(text_result(columns)) == columns
    with pytest.raises(ValueError, match="list_tables did not name shipments"):
        check_tables(text_result("[{'name': 'ports'}]"))
    with pytest.raises(ValueError, match=r"did not name the column\(s\) notes, seal: id reference"):
        check_description(text_result(columns.removesuffix(" notes seal")))


# --- through the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    completed = run_benchmarks(
        tmp_path_factory.mktemp("fixtures"), *SCENARIOS, minimal("minimal"), minimal("paged", "--pages", "50")
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_a_limited_query_puts_the_cli_and_its_start_up_first(report: str) -> None:
    limited = section(report, "sqlite-limit")
    rows = table_rows(limited, "LIMIT 100, per call")

    if HAS_CLI:
        assert list(rows)[:2] == ["sqlite3 (whole process)", "sqlite3 (start-up only)"]
        assert rows["header"][-1] == "ratio vs sqlite3 (whole process)"
        assert "- sqlite3 (whole process) returned 100 of 100 rows in " in limited
    else:
        assert (
            "- sqlite3 (whole process): skipped, sqlite3 is not installed; install the sqlite3 CLI" in limited
        )
    assert "on a 2,000-row table: median of 5 calls per run" in limited
    assert "- minimal returned 100 of 100 rows in " in limited
    assert milliseconds(rows["minimal"][0]) > 0


def test_a_full_scan_says_how_much_each_server_returned_in_its_first_response(report: str) -> None:
    scan = section(report, "sqlite-full-scan")
    rows = table_rows(scan, "first response")

    assert "- minimal returned 2,000 of 2,000 rows in " in scan
    assert "- paged returned 50 of 2,000 rows in " in scan
    assert ", a nextCursor for the rest" in scan.split("- paged returned", 1)[1].splitlines()[0]
    for server in ("minimal", "paged"):
        median, _minimum, _maximum, rss, _ratio = rows[server]
        assert milliseconds(median) > 0
        assert rss.endswith(" MiB")
    if HAS_CLI:
        assert "- sqlite3 (whole process) returned 2,000 of 2,000 rows in " in scan


def test_schema_calls_are_timed_per_call_with_no_cli_row(report: str) -> None:
    schema = section(report, "sqlite-schema")

    for metric in ("list_tables, per call", "describe_table, per call"):
        rows = table_rows(schema, metric)
        assert list(rows) == ["minimal", "paged", "header"]
        assert milliseconds(rows["minimal"][0]) > 0
    assert "- minimal returned list_tables " in schema
    assert " naming all 9 columns" in schema


def test_a_server_reporting_a_failed_statement_as_text_fails_instead_of_being_timed(tmp_path: Path) -> None:
    completed = run_benchmarks(
        tmp_path, "sqlite-full-scan", minimal("like-the-reference", "--errors-as-text")
    )

    assert "| like-the-reference |" not in completed.stdout
    assert (
        "- like-the-reference: failed, read_query returned no rows: Database error: no such table"
        in completed.stdout
    )


def test_cold_start_gives_a_sqlite_server_a_database_to_open(tmp_path: Path) -> None:
    completed = run_benchmarks(tmp_path, "cold-start", minimal("minimal"))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert milliseconds(table_rows(completed.stdout, "tools/list")["minimal"][0]) > 0
