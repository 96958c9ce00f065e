"""Baseline command-line tools: timed whole, their own peak RSS, failures that explain themselves."""

from __future__ import annotations

import resource
import shutil
import sys
import time
from pathlib import Path

import pytest

from benchmarks.baselines import Baseline, CommandFailed, run_command


def test_a_command_run_returns_its_output_and_time(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.md").write_text("x")

    started = time.perf_counter()
    run = run_command(["find", str(tmp_path), "-name", "*.txt"], cwd=tmp_path, timeout=10)
    wall = time.perf_counter() - started

    assert run.output == f"{tmp_path / 'a.txt'}\n"
    assert 0 < run.seconds <= wall  # the command's own time, within the call's


def test_a_command_run_is_timed_whole(tmp_path: Path) -> None:
    run = run_command([sys.executable, "-c", "import time; time.sleep(0.05)"], cwd=tmp_path, timeout=10)

    assert run.seconds >= 0.05  # it slept at least that long: the time covers the whole process


@pytest.mark.skipif(shutil.which("time") is None, reason="peak RSS of a baseline needs GNU time")
def test_the_peak_rss_is_the_tools_own_not_this_python_process(tmp_path: Path) -> None:
    run = run_command(["find", str(tmp_path)], cwd=tmp_path, timeout=10)

    ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert run.peak_rss is not None
    assert 0 < run.peak_rss < ours / 2


def test_a_failing_command_says_how_it_failed(tmp_path: Path) -> None:
    with pytest.raises(CommandFailed, match=r"ls exited with status 2; its stderr ends with: .*nothing-here"):
        run_command(["ls", str(tmp_path / "nothing-here")], cwd=tmp_path, timeout=10)


def test_a_command_past_its_timeout_is_killed_with_its_children(tmp_path: Path) -> None:
    script = "sleep 30 & echo $! > child.pid; wait"

    with pytest.raises(CommandFailed, match=r"did not finish within 0.3 s"):
        run_command(["sh", "-c", script], cwd=tmp_path, timeout=0.3)

    assert wait_until_dead(int((tmp_path / "child.pid").read_text()))


def wait_until_dead(pid: int) -> bool:
    """True once `pid` is gone or a zombie; False if it still runs after a few seconds."""
    for _ in range(500):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.01)
    return False


def test_a_baseline_names_what_is_missing_and_how_to_install_it(tmp_path: Path) -> None:
    present = Baseline("find", ("find", "{root}/tree", "-name", "x"), "glob search")
    absent = Baseline("nope", ("moorings-no-such-tool",), "glob search", "install it from somewhere")

    assert present.missing() is None
    assert present.argv(tmp_path) == [shutil.which("find"), f"{tmp_path}/tree", "-name", "x"]
    assert absent.missing() == "moorings-no-such-tool is not installed; install it from somewhere"


def test_rg_from_the_dev_dependencies_runs_without_being_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make install` puts rg beside the venv's python (the `ripgrep` wheel): no PATH needs it."""
    monkeypatch.setenv("PATH", str(tmp_path))
    rg = Baseline("rg", ("rg", "--version"), "content search")

    assert rg.missing() is None
    assert rg.argv(tmp_path)[0] == str(Path(sys.executable).parent / "rg")
    assert run_command(rg.argv(tmp_path), cwd=tmp_path, timeout=10).output.startswith("ripgrep ")
