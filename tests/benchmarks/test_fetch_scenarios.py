"""The fetch scenarios: how pages are read and projected, and a run through the command line on a small page.

The servers are `minimal_fetch_server.py`, a plain MCP server with the reference's fetch tool and
texts over real HTTP, so these tests need neither the reference (in .bench/) nor our own server.
One of them is named ``ref-fetch`` so that the tables get their column of ratios against the
reference. The curl row is the real curl, when installed.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from benchmarks import scenarios
from benchmarks.scenarios.fetch import (
    FEWEST_LATER_PAGES,
    PAGING_BUDGET,
    SLOW_PAGE,
    Page,
    project,
    read_page,
    should_stop,
)
from tests.benchmarks.reports import milliseconds, run_benchmarks, section, table_rows

MINIMAL_SERVER = Path(__file__).with_name("minimal_fetch_server.py")
URL = "http://127.0.0.1:8000/a.html?r=1"
TRUNCATED = (
    "\n\n<error>Content truncated. Call the fetch tool with a start_index of {} to get more content.</error>"
)


def minimal(name: str, *options: str) -> str:
    return f"--command={name}={sys.executable} {MINIMAL_SERVER} {' '.join(options)}"


# --- reading pages -------------------------------------------------------------------------------


def test_a_page_is_its_text_between_the_header_and_the_continuation() -> None:
    text = f"Contents of {URL}:\n" + "x" * 10 + TRUNCATED.format(30)

    assert read_page(text, 20, 10) == Page("x" * 10, 30)
    assert read_page(f"Contents of {URL}:\nthe end", 30, 10) == Page("the end", None)
    # A page may end before max_length (at a line, say), if the next starts where it ends.
    assert read_page(f"Contents of {URL}:\n" + "x" * 7 + TRUNCATED.format(27), 20, 10) == Page("x" * 7, 27)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Failed to fetch the page", "did not answer with 'Contents of <url>:'"),
        (f"Contents of {URL}:\n<error>No more content available.</error>", "had nothing at start_index 20"),
        (f"Contents of {URL}:\n" + "x" * 11, "returned 11 characters, more than max_length 10"),
        (f"Contents of {URL}:\n" + "x" * 9 + TRUNCATED.format(30), "named 30 as the next"),
        (f"Contents of {URL}:\n" + TRUNCATED.format(20), "returned 0 characters from start_index 20"),
        (f"Contents of {URL}:\n" + "x" * 10 + TRUNCATED.format(31), "named 31 as the next"),
    ],
)
def test_a_page_that_breaks_the_contract_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        read_page(text, 20, 10)


def test_paging_stops_only_after_the_fewest_later_pages_once_they_are_slow_or_long() -> None:
    fast, slow = [0.01] * FEWEST_LATER_PAGES, [SLOW_PAGE * 2] * FEWEST_LATER_PAGES

    assert not should_stop(slow[:-1], PAGING_BUDGET * 2)
    assert not should_stop(fast, 1.0)
    assert should_stop(slow, 1.0)
    assert should_stop(fast, PAGING_BUDGET + 1)


def test_a_projection_adds_the_median_later_page_for_every_page_after_the_first() -> None:
    assert project(5.0, [1.0, 3.0, 2.0], pages=101) == 5.0 + 100 * 2.0
    assert project(5.0, [], pages=1) == 5.0


def test_there_is_a_scenario_per_page_size() -> None:
    registry = scenarios.load()

    sizes = {
        name: registry[name].description.split(" HTML")[0]
        for name in ("fetch-100kb", "fetch-1mb", "fetch-5mb")
    }
    assert sizes == {
        "fetch-100kb": "fetch of a 100 KB",
        "fetch-1mb": "fetch of a 1 MB",
        "fetch-5mb": "fetch of a 5 MB",
    }


# --- through the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    completed = run_benchmarks(
        tmp_path_factory.mktemp("fixtures"),
        "fetch-1mb",
        minimal("ref-fetch"),
        minimal("cached", "--cache", "--child", "--slow-later", str(SLOW_PAGE + 0.1)),
        minimal("dropping", "--drop-section", "3"),
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return section(completed.stdout, "fetch-1mb")


def test_every_page_is_timed_and_the_reference_gets_a_ratio_column(report: str) -> None:
    first, every = table_rows(report, "first page"), table_rows(report, "every page")
    later = table_rows(report, "later page, median")

    curl = ["curl --compressed"] if shutil.which("curl") else []
    assert list(first) == list(every) == [*curl, "ref-fetch", "cached", "header"]
    assert list(later) == ["ref-fetch", "cached", "header"]
    assert first["header"][-1] == "ratio vs ref-fetch"
    assert first["ref-fetch"][-1] == "1.00×"
    assert milliseconds(every["ref-fetch"][0]) > milliseconds(first["ref-fetch"][0])
    assert "fetch of a 60 KB HTML article page" in report
    assert (
        "peak RSS is the median of the per-run peaks of the server and its child processes together" in report
    )


def test_each_row_says_what_it_got_and_how_often_it_downloaded_the_page(report: str) -> None:
    match = re.search(
        r"- ref-fetch returned (\d+) pages, [\d,]+ characters, (\d+) of (\d+) sections; "
        r"the page downloaded (\d+)× \([\d,]+ KiB on the wire, gzipped\), robots.txt (\d+)×",
        report,
    )
    assert match is not None, report
    pages, found, sections, downloads, robots = (int(number) for number in match.groups())

    assert pages > FEWEST_LATER_PAGES + 1
    assert found == sections > 3
    assert downloads == robots == pages  # the reference's way: everything again for every page


def test_a_server_whose_later_pages_are_slow_has_the_rest_projected(report: str) -> None:
    match = re.search(
        r"- cached returned (\d+) of (\d+) pages \([\d,]+ characters, \d+ sections\), then stopped: "
        r'"every page" is PROJECTED as the first page plus \d+ times the median later page; '
        r"the page downloaded 1× \([\d,]+ KiB on the wire, gzipped\), robots.txt 1×",
        report,
    )
    assert match is not None, report
    taken, pages = int(match.group(1)), int(match.group(2))

    assert taken == FEWEST_LATER_PAGES + 1 < pages
    later = milliseconds(table_rows(report, "later page, median")["cached"][0])
    assert later > SLOW_PAGE * 1000
    assert milliseconds(table_rows(report, "every page")["cached"][0]) >= (pages - 1) * later


def test_a_child_process_holding_memory_counts_in_the_peak(report: str) -> None:
    rows = table_rows(report, "first page")
    rss = {server: float(rows[server][3].removesuffix(" MiB")) for server in ("ref-fetch", "cached")}

    assert rss["cached"] >= rss["ref-fetch"] + 60  # its child holds 64 MiB


def test_a_server_that_loses_part_of_the_article_fails(report: str) -> None:
    assert "| dropping |" not in report
    assert re.search(
        r"- dropping: failed, fetch's \d+ pages held (\d+) of the article's \d+ sections \(missing 3\)",
        report,
    )
