"""The openapi scenarios, run through the command line on the quick (40-operation) document.

The servers are `minimal_openapi_server.py`, a plain MCP server with our server's command line and
results over real HTTP, so these tests need neither FastMCP (in .bench/) nor our own server; one of
them is named ``fastmcp-openapi``, so that the calls tables get their column of ratios against the
peer. The floors are the real httpx clients, against the real local API.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from benchmarks.scenarios.openapi import status_and_body
from benchmarks.servers import API_PLACEHOLDER, ServerSpec
from tests.benchmarks.reports import milliseconds, run_benchmarks, section, table_rows

MINIMAL_SERVER = Path(__file__).with_name("minimal_openapi_server.py")


def minimal(name: str, *options: str) -> str:
    command = (
        f"{sys.executable} {MINIMAL_SERVER} --spec {{root}}/openapi.json --base-url http://{API_PLACEHOLDER}"
    )
    return f"--command={name}={command} {' '.join(options)}"


def test_a_scenario_fills_in_its_own_placeholders_beside_the_root() -> None:
    spec = ServerSpec("x", ("server", "--spec", "{root}/openapi.json", "--allow-host", API_PLACEHOLDER))

    argv = spec.argv(Path("/fixture"), {API_PLACEHOLDER: "127.0.0.1:8123"})

    assert argv == ["server", "--spec", "/fixture/openapi.json", "--allow-host", "127.0.0.1:8123"]


@pytest.mark.parametrize(
    ("structured", "expected"),
    [
        ({"status": 404, "body": {"code": "not_found"}}, (404, {"code": "not_found"})),
        ({"id": "a", "etag": "t"}, (200, {"id": "a", "etag": "t"})),  # the body alone, as FastMCP gives it
        ({"result": {"id": "a"}}, (200, {"id": "a"})),  # wrapped, as FastMCP wraps what is not an object
    ],
)
def test_a_result_gives_its_status_and_body(structured: dict[str, object], expected: object) -> None:
    assert status_and_body({"content": [], "structuredContent": structured}) == expected


def test_a_result_without_structured_content_gives_its_json_text() -> None:
    assert status_and_body({"content": [{"type": "text", "text": '{"id": "a"}'}]}) == (200, {"id": "a"})
    assert status_and_body({"content": [{"type": "text", "text": "Error: refused"}]}) == (0, "Error: refused")


# --- openapi-load ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def load_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    completed = run_benchmarks(
        tmp_path_factory.mktemp("fixtures"),
        "openapi-load",
        minimal("one-page"),
        minimal("paged", "--page-size", "7"),
        minimal("partial", "--skip-operations", "1"),
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return section(completed.stdout, "openapi-load")


def test_load_times_start_up_and_every_page_of_the_listing(load_report: str) -> None:
    initialize = table_rows(load_report, "initialize")
    listing = table_rows(load_report, "tools/list, every page")
    both = table_rows(load_report, "spawn → every tool listed")

    assert list(initialize) == list(listing) == list(both) == ["one-page", "paged", "header"]
    for server in ("one-page", "paged"):
        assert milliseconds(both[server][0]) >= milliseconds(initialize[server][0])
    assert "with a 40-operation OpenAPI document" in load_report


def test_load_follows_every_next_cursor(load_report: str) -> None:
    assert re.search(
        r"- one-page returned 40 tools in 1 page \([\d,]+ KiB of JSON\): every operation", load_report
    )
    assert re.search(
        r"- paged returned 40 tools in 6 pages \([\d,]+ KiB of JSON\): every operation", load_report
    )


def test_a_server_that_lists_some_operations_but_not_all_fails(load_report: str) -> None:
    assert "| partial |" not in load_report
    assert "- partial: failed, tools/list held 39 of the document's 40 operations" in load_report


# --- openapi-calls ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def calls_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    completed = run_benchmarks(
        tmp_path_factory.mktemp("fixtures"),
        "openapi-calls",
        # Its get tool is on the listing's second page: the check that it has one follows the cursor.
        minimal("fastmcp-openapi", "--body-only", "--page-size", "2"),
        minimal("ours"),
        minimal("compact", "--compact"),
        minimal("made-up", "--made-up"),
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return section(completed.stdout, "openapi-calls")


def test_calls_are_timed_beside_httpx_and_the_peer(calls_report: str) -> None:
    total = table_rows(calls_report, "every call, total")
    p50, p99 = table_rows(calls_report, "p50 per call"), table_rows(calls_report, "p99 per call")

    rows = ["httpx.Client", "httpx.AsyncClient", "fastmcp-openapi", "ours", "compact", "header"]
    assert list(total) == list(p50) == list(p99) == rows
    assert total["header"] == [
        "median",
        "min",
        "max",
        "calls/s",
        "peak RSS",
        "ratio vs httpx.Client",
        "ratio vs fastmcp-openapi",
    ]
    for server in rows[:-1]:
        median, calls_per_second = milliseconds(total[server][0]), float(total[server][3].replace(",", ""))
        assert calls_per_second == pytest.approx(20 / median * 1000, rel=0.01)
        assert milliseconds(p50[server][0]) <= milliseconds(p99[server][0])
    assert total["httpx.Client"][4] == "n/a"  # a floor in this process has no peak of its own
    # The floors are this process, not a server: they have no server CPU time.
    assert list(table_rows(calls_report, "server CPU per call")) == [*rows[2:-1], "header"]
    assert "20 sequential calls of getBerthBooking (GET /berth-bookings/{id})" in calls_report


def test_every_answer_is_checked_and_every_request_counted(calls_report: str) -> None:
    for row, what in [
        ("httpx.Client", "its JSON parsed"),
        ("httpx.AsyncClient", "its JSON parsed"),
        ("fastmcp-openapi", "a result of \\d+ B of text"),
        ("ours", "a result of \\d+ B of text"),
        ("compact", "a result of \\d+ B of text through call_operation"),
    ]:
        assert re.search(
            f"- {re.escape(row)} returned 20 answers checked \\({what}\\), 20 requests at the API",
            calls_report,
        )


def test_a_server_that_answers_without_asking_the_api_fails(calls_report: str) -> None:
    assert "| made-up |" not in calls_report
    assert re.search(
        r"- made-up: failed, the call for id bk-\d+ got another object than the API's", calls_report
    )
