"""Reading the benchmarks' markdown report back in the tests: sections, tables, durations."""

from __future__ import annotations

import itertools
import re


def section(report: str, scenario: str) -> str:
    """The part of the report under the heading of `scenario`."""
    return report.split(f"## {scenario}: ", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str, metric: str) -> dict[str, list[str]]:
    """The cells of each row in the table under the heading for `metric`, by row name."""
    after = text.split(f"### {metric}\n\n", 1)[1]
    table = list(itertools.takewhile(lambda line: line.startswith("|"), after.splitlines()))
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    return {cells[0]: cells[1:] for cells in rows[2:]} | {"header": rows[0][1:]}


def milliseconds(cell: str) -> float:
    match = re.fullmatch(r"([\d.]+) ms", cell)
    assert match is not None, cell
    return float(match.group(1))
