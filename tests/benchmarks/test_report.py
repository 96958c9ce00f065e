"""The markdown report: ratios a reader can use, even between rows far apart, and budgets."""

from __future__ import annotations

from benchmarks.harness import Result
from benchmarks.report import render
from benchmarks.scenarios.cold_start import ColdStart
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
