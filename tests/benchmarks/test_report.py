"""The markdown report: ratios a reader can use, even between rows far apart."""

from __future__ import annotations

from benchmarks.harness import Result
from benchmarks.report import render
from benchmarks.scenarios.cold_start import ColdStart
from tests.benchmarks.reports import table_rows


def timed(server: str, seconds: float) -> Result:
    return Result(server, timings={"initialize": [seconds], "tools/list": [seconds]}, peak_rss=[2**20])


def test_ratios_have_two_decimals_and_a_much_faster_row_two_significant_digits() -> None:
    report = render(ColdStart(), [timed("slow", 2.0), timed("slower", 7.9), timed("fast", 0.009)], runs=1)

    ratios = {server: cells[-1] for server, cells in table_rows(report, "initialize").items()}
    assert ratios == {"slow": "1.00×", "slower": "3.95×", "fast": "0.0045×", "header": "ratio vs slow"}
