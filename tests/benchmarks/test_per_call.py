"""The per-call scenario, driven through the command line: the floor and our servers side by side.

The servers are the real ones: `sdk-hello` (the floor), `moorings-filesystem` and `moorings-sqlite`
from the project venv, each one process for the whole run. Quick mode makes a few calls each, so
these tests check the report's shape and that its numbers hang together, never a timing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.benchmarks.reports import milliseconds, run_benchmarks, section, table_rows

MINIMAL_SERVER = Path(__file__).with_name("minimal_filesystem_server.py")
BARE_SERVER = "from mcp.server.mcpserver import MCPServer; MCPServer('bare').run()"
METRICS = ("p50 per call", "p90 per call", "p99 per call")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    fixtures = tmp_path_factory.mktemp("fixtures")
    completed = run_benchmarks(fixtures, "per-call", "--runs=2", "--servers=sdk-hello,filesystem,sqlite")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return section(completed.stdout, "per-call")


def signed_milliseconds(cell: str) -> float:
    sign, magnitude = cell[0], cell[1:]
    assert sign in "+-", cell
    return milliseconds(magnitude) * (-1 if sign == "-" else 1)


def test_each_server_makes_its_cheapest_call_on_one_process_over_the_rounds(report: str) -> None:
    assert "2 rounds per server on one process each, interleaved;" in report
    assert re.search(r"- sdk-hello returned \d+ B of text from hello\n", report)
    assert re.search(r"- filesystem returned \d+ B of text from get_file_info\n", report)
    assert re.search(r"- sqlite returned \d+ B of text from list_tables\n", report)


def test_percentiles_and_the_servers_cpu_are_reported_for_every_server(report: str) -> None:
    for server in ("sdk-hello", "filesystem", "sqlite"):
        p50, p90, p99 = (milliseconds(table_rows(report, metric)[server][0]) for metric in METRICS)
        assert 0 < p50 <= p90 <= p99
        assert milliseconds(table_rows(report, "server CPU per call")[server][0]) > 0


def test_the_median_gets_each_servers_share_over_the_floor_and_the_budget(report: str) -> None:
    rows = table_rows(report, "p50 per call")

    assert rows["header"][-2:] == ["Δ vs sdk-hello", "within +0.15 ms"]
    assert rows["sdk-hello"][-2:] == ["", ""]
    floor = milliseconds(rows["sdk-hello"][0])
    # Each cell is rounded on its own: to the microsecond below 1 ms, to 10 µs above. On a busy
    # machine both times pass 1 ms, and the two roundings of ±5 µs add up.
    close = 0.011
    for server in ("filesystem", "sqlite"):
        share, verdict = rows[server][-2:]
        assert signed_milliseconds(share) == pytest.approx(milliseconds(rows[server][0]) - floor, abs=close)
        if signed_milliseconds(share) <= 0.15:
            assert verdict == "yes"
        else:
            over = re.fullmatch(r"no, ([\d.]+ ms) over", verdict)
            assert over is not None, verdict
            assert milliseconds(over.group(1)) == pytest.approx(signed_milliseconds(share) - 0.15, abs=close)
    assert "Δ vs sdk-hello" not in table_rows(report, "p99 per call")["header"]


def test_a_server_without_any_of_the_cheap_tools_reads_n_a(tmp_path: Path) -> None:
    bare = f'--command=bare={sys.executable} -c "{BARE_SERVER}"'
    minimal = f"--command=minimal={sys.executable} {MINIMAL_SERVER} {{root}}"

    completed = run_benchmarks(tmp_path, "per-call", minimal, bare)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert table_rows(completed.stdout, "p50 per call")["bare"] == ["n/a"] * 7
    assert "- bare: n/a, it has none of the tools hello, get_file_info, list_tables" in completed.stdout


def test_a_server_that_dies_mid_run_is_dropped_with_its_own_last_words(tmp_path: Path) -> None:
    dying = f"--command=dying={sys.executable} {MINIMAL_SERVER} {{root}} --die-after 4"
    steady = f"--command=steady={sys.executable} {MINIMAL_SERVER} {{root}}"

    completed = run_benchmarks(tmp_path, "per-call", "--runs=2", dying, steady)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "| dying |" not in completed.stdout
    assert "- dying: failed, the server closed its stdout (exit code 3)" in completed.stdout
    assert "its stderr ends with: out of file infos" in completed.stdout
    assert milliseconds(table_rows(completed.stdout, "p50 per call")["steady"][0]) > 0
