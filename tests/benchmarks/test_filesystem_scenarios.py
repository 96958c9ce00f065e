"""The filesystem scenarios, driven through the command line on their small (--quick) fixture.

The server is `minimal_filesystem_server.py`: a plain MCP server with the reference's tool names
and, like the reference, no content search, so these tests need neither Node nor our own server.
`find` and `rg` are the real tools. Every scenario runs once in one invocation, shared by the
tests below; without rg, grep is left out of it (the minimal server gives it nothing to time) and
its test is skipped.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from benchmarks.baselines import locate
from tests.benchmarks.reports import milliseconds, run_benchmarks, section, table_rows

MINIMAL_SERVER = Path(__file__).with_name("minimal_filesystem_server.py")
HAS_RG = locate("rg") is not None
SCENARIOS = (
    "search-files",
    *(("grep",) if HAS_RG else ()),
    "directory-tree",
    "list-directory",
    "read-head-tail",
    "cheap-calls",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    fixtures = tmp_path_factory.mktemp("fixtures")
    completed = run_benchmarks(
        fixtures, *SCENARIOS, f"--command=minimal={sys.executable} {MINIMAL_SERVER} {{root}}"
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_glob_search_puts_find_first_as_the_baseline_and_both_find_every_match(report: str) -> None:
    search = section(report, "search-files")
    rows = table_rows(search, "glob search")

    assert list(rows) == ["find", "minimal", "header"]
    assert rows["header"][-1] == "ratio vs find"
    assert rows["find"][-1] == "1.00×"
    assert float(rows["minimal"][-1].removesuffix("×")) > 0
    assert "- find returned 20 of 20 files in " in search
    assert "- minimal returned 20 of 20 files in " in search


@pytest.mark.skipif(not HAS_RG, reason="rg is not installed (`make install` brings it) nor on PATH")
def test_content_search_puts_rg_first_and_reads_n_a_for_a_server_without_one(report: str) -> None:
    grep = section(report, "grep")
    rows = table_rows(grep, "content search")

    assert rows["minimal"] == ["n/a"] * 5
    assert "- minimal: n/a, it has no search_file_contents tool" in grep
    assert rows["rg"][-1] == "1.00×"
    assert "- rg returned 5 of 5 matches in " in grep
    assert "- rg -j1 returned 5 of 5 matches in " in grep


def test_tree_and_listing_report_how_much_of_the_fixture_came_back(report: str) -> None:
    assert "- minimal returned 200 of 200 files in " in section(report, "directory-tree")
    assert "- minimal returned 300 of 300 entries in " in section(report, "list-directory")
    tables = (
        ("directory-tree", "directory_tree"),
        ("list-directory", "list_directory"),
        ("list-directory", "list_directory, every page"),
    )
    for scenario, metric in tables:
        median, minimum, maximum, rss, ratio = table_rows(section(report, scenario), metric)["minimal"]
        assert 0 < milliseconds(minimum) <= milliseconds(median) <= milliseconds(maximum)
        assert rss.endswith(" MiB")
        assert ratio == "1.00×"


def test_a_listing_in_pages_is_followed_to_its_end_and_timed_whole(tmp_path: Path) -> None:
    paged = f"--command=paged={sys.executable} {MINIMAL_SERVER} {{root}} --pages 100"

    completed = run_benchmarks(tmp_path, "list-directory", paged)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    first_page = milliseconds(table_rows(completed.stdout, "list_directory")["paged"][0])
    every_page = milliseconds(table_rows(completed.stdout, "list_directory, every page")["paged"][0])
    assert every_page > first_page
    assert re.search(
        r"- paged returned 100 of 300 entries in \d+ KiB of text on the first page,"
        r" 300 of 300 entries in \d+ KiB of text on all 3\n",
        completed.stdout,
    )


def test_head_and_tail_are_timed_per_call(report: str) -> None:
    reads = section(report, "read-head-tail")

    assert "of a 1 MiB file: median of 5 calls each per run" in reads
    for metric in ("head=10, per call", "tail=10, per call"):
        assert milliseconds(table_rows(reads, metric)["minimal"][0]) > 0


def test_cheap_calls_give_calls_per_second_and_percentiles(report: str) -> None:
    calls = section(report, "cheap-calls")
    batch = table_rows(calls, "all calls")

    assert batch["header"][3] == "calls/s"
    median, _minimum, _maximum, per_second, _rss, _ratio = batch["minimal"]
    assert int(per_second.replace(",", "")) == pytest.approx(20 / milliseconds(median) * 1000, rel=0.01)
    p50 = milliseconds(table_rows(calls, "p50 per call")["minimal"][0])
    p99 = milliseconds(table_rows(calls, "p99 per call")["minimal"][0])
    assert 0 < p50 <= p99


def test_a_server_answering_with_an_error_fails_instead_of_being_timed(tmp_path: Path) -> None:
    broken = f"--command=broken={sys.executable} {MINIMAL_SERVER} {{root}} --broken"

    completed = run_benchmarks(tmp_path, "search-files", broken)

    assert "| broken |" not in completed.stdout
    assert "- broken: failed, search_files answered with an error: " in completed.stdout
    assert "searching is broken today" in completed.stdout
    assert completed.returncode == 0  # find still produced numbers


def test_an_unknown_scenario_lists_the_known_ones(tmp_path: Path) -> None:
    completed = run_benchmarks(tmp_path, "search-files", "grepp")

    assert completed.returncode == 2
    assert "unknown scenario(s) grepp; known: cheap-calls, cold-start, directory-tree," in completed.stderr
