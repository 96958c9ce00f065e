"""Running the benchmarks in the tests and reading their markdown report back: sections, tables, times."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_benchmarks(
    fixtures: Path, *arguments: str, environment: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m benchmarks` once, quickly, with no peer servers and fixtures under `fixtures`.

    `environment` adds to (or overrides) this process's variables.
    """
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--runs=1", "--warmup=0", "--servers=", *arguments],
        cwd=REPO_ROOT,
        env={**os.environ, "MOORINGS_BENCH_FIXTURES": str(fixtures), **(environment or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


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
    """A table's duration ("8.34 ms", "12.7 s", "1,189 s") in milliseconds."""
    match = re.fullmatch(r"([\d.,]+) (ms|s)", cell)
    assert match is not None, cell
    value = float(match.group(1).replace(",", ""))
    return value if match.group(2) == "ms" else value * 1000
