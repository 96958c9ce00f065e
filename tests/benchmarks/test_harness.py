"""The benchmark harness, driven through its command line as a developer runs it.

Real servers over real pipes: the SDK hello-world server started twice under two names (the only
slow part, ≈ 4 cold starts), and tiny commands that die or do not exist for the failure paths.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HELLO_SERVER = REPO_ROOT / "benchmarks" / "peers" / "hello_server.py"


def run_benchmarks(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def table_rows(report: str, metric: str) -> dict[str, list[str]]:
    """The cells of each server's row in the table under the heading for `metric`."""
    section = report.split(f"### {metric}\n\n", 1)[1]
    table = list(itertools.takewhile(lambda line: line.startswith("|"), section.splitlines()))[2:]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    return {cells[0]: cells[1:] for cells in rows}


def milliseconds(cell: str) -> float:
    match = re.fullmatch(r"([\d.]+) ms", cell)
    assert match is not None, cell
    return float(match.group(1))


def test_cold_start_reports_sane_numbers_and_a_ratio_for_each_server() -> None:
    completed = run_benchmarks(
        "cold-start",
        "--runs=2",
        "--warmup=0",
        "--servers=sdk-hello",
        f"--command=hello-again={sys.executable} {HELLO_SERVER}",
    )

    assert completed.returncode == 0, completed.stderr
    assert "| server | median | min | max | peak RSS | ratio vs sdk-hello |" in completed.stdout
    initialize = table_rows(completed.stdout, "initialize")
    tools_list = table_rows(completed.stdout, "tools/list")
    assert set(initialize) == set(tools_list) == {"sdk-hello", "hello-again"}
    for server in ("sdk-hello", "hello-again"):
        median, minimum, maximum, rss, _ratio, _difference, _within = initialize[server]
        assert 0 < milliseconds(minimum) <= milliseconds(median) <= milliseconds(maximum)
        # tools/list is answered after initialize, and both are timed from the same spawn.
        assert milliseconds(tools_list[server][0]) >= milliseconds(median)
        rss_mib = float(rss.removesuffix(" MiB"))
        assert 10 < rss_mib < 2048
    assert initialize["sdk-hello"][4:] == ["1.00×", "", ""]
    assert float(initialize["hello-again"][4].removesuffix("×")) > 0
    # Start-up has a budget over the bare SDK server: the difference, and whether it fits.
    assert re.fullmatch(r"[+-][\d.]+ ms", initialize["hello-again"][5])
    assert re.fullmatch(r"yes|no, [\d.]+ ms over", initialize["hello-again"][6])


def test_a_server_that_dies_is_reported_with_its_last_words() -> None:
    dying = f"dies={sys.executable} -c 'import sys; sys.exit(\"no config found\")'"

    completed = run_benchmarks("cold-start", "--runs=1", "--servers=", f"--command={dying}")

    assert completed.returncode == 1
    assert "No server produced numbers." in completed.stdout
    assert "- dies: failed, the server closed its stdout (exit code 1)" in completed.stdout
    assert "its stderr ends with: no config found" in completed.stdout


def test_a_server_that_is_not_installed_is_skipped_with_a_note() -> None:
    completed = run_benchmarks("cold-start", "--servers=", "--command=ghost=/nonexistent/moorings-ghost")

    assert completed.returncode == 1
    assert "ghost: skipped, /nonexistent/moorings-ghost is not installed" in completed.stderr


def test_an_unknown_server_name_lists_the_known_ones() -> None:
    completed = run_benchmarks("cold-start", "--servers=sdk-hello,filesytem")

    assert completed.returncode == 2
    assert "unknown server(s) filesytem; known: sdk-hello, filesystem," in completed.stderr
