"""The markdown report: ratios a reader can use, even between rows far apart, and budgets."""

from __future__ import annotations

from benchmarks.harness import Result
from benchmarks.report import render
from benchmarks.scenarios.cold_start import ColdStart
from benchmarks.scenarios.fetch import Fetch100KB
from tests.benchmarks.reports import table_rows


def timed(server: str, seconds: float) -> Result:
    return Result(server, timings={"initialize": [seconds], "tools/list": [seconds]}, peak_rss=[2**20])


def test_ratios_have_two_decimals_and_a_much_faster_row_two_significant_digits() -> None:
    report = render(ColdStart(), [timed("slow", 2.0), timed("slower", 7.9), timed("fast", 0.009)], runs=1)

    ratios = {server: cells[4] for server, cells in table_rows(report, "initialize").items()}
    assert ratios == {"slow": "1.00×", "slower": "3.95×", "fast": "0.0045×", "header": "ratio vs slow"}


def test_a_budget_gives_each_row_its_difference_to_the_baseline_and_whether_it_fits() -> None:
    rows = [timed("bare", 0.5), timed("close", 0.53), timed("late", 0.61), timed("early", 0.42)]

    report = render(ColdStart(), rows, runs=1)

    budgets = {server: cells[5:] for server, cells in table_rows(report, "tools/list").items()}
    assert budgets == {
        "header": ["Δ vs bare", "within +50 ms"],
        "bare": ["", ""],
        "close": ["+30.0 ms", "yes"],
        "late": ["+110 ms", "no, 60.0 ms over"],
        "early": ["-80.0 ms", "yes"],
    }


def fetched(server: str, seconds: float) -> Result:
    return Result(server, timings={"first page": [seconds]}, peak_rss=[2**20])


def test_a_scenario_with_a_peer_gets_a_second_ratio_column_against_it() -> None:
    scenario = Fetch100KB()
    rows = [fetched("curl", 0.02), fetched("ours", 0.5), fetched("ref-fetch", 4.0)]

    with_peer = table_rows(render(scenario, rows, runs=1), "first page")
    peer_first = table_rows(render(scenario, rows[::-1], runs=1), "first page")
    without_peer = table_rows(render(scenario, rows[:2], runs=1), "first page")

    assert with_peer["header"][-2:] == ["ratio vs curl", "ratio vs ref-fetch"]
    assert with_peer["ours"][-2:] == ["25.00×", "0.12×"]
    assert with_peer["ref-fetch"][-1] == "1.00×"
    assert peer_first["header"][-1] == "ratio vs ref-fetch"
    assert len(peer_first["header"]) == len(without_peer["header"]) == 5
    assert "peak RSS is the median of the per-run peaks of the server and its child processes together" in (
        render(scenario, rows, runs=1)
    )


def test_long_durations_are_shown_in_seconds() -> None:
    rows = [
        fetched("curl", 0.0123),
        fetched("ours", 9.87),
        fetched("ref-fetch", 12.34),
        fetched("slow", 1234.5),
    ]

    medians = {
        server: cells[0]
        for server, cells in table_rows(render(Fetch100KB(), rows, runs=1), "first page").items()
    }

    assert medians == {
        "header": "median",
        "curl": "12.3 ms",
        "ours": "9870 ms",
        "ref-fetch": "12.3 s",
        "slow": "1,234 s",
    }
