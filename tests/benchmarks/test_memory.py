"""Peak memory: a process's own high-water mark, and its process tree's, children included."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from benchmarks.memory import TreeSampler, descendants, high_water_mark, resident_size

MIB = 2**20
# A parent that starts a child holding 96 MiB; each says "ready" once it is, then waits for stdin to close.
CHILD = (
    "import sys; ballast = bytearray(96 * 2**20); ballast[::4096] = b'x' * len(ballast[::4096]); "
    "print('ready', flush=True); sys.stdin.read()"
)
PARENT = (
    "import subprocess, sys\n"
    f"child = subprocess.Popen([sys.executable, '-c', {CHILD!r}], stdout=subprocess.PIPE, text=True)\n"
    "print(child.stdout.readline().strip(), child.pid, flush=True)\n"
    "sys.stdin.read()\n"
)


@pytest.fixture
def parent() -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A running parent process, and the pid of its child once the child holds its memory."""
    process = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    ready, child = process.stdout.readline().split()
    assert ready == "ready"
    yield process, int(child)
    process.communicate(timeout=30)  # closing its stdin ends the parent, and so the child's


def test_the_tree_peak_counts_a_child_that_the_process_own_peak_does_not(
    parent: tuple[subprocess.Popen[str], int],
) -> None:
    process, child = parent

    with TreeSampler(process.pid) as sampler:
        pass  # the sample taken on closing is enough: the child is holding its memory now

    own = high_water_mark(process.pid)
    assert own is not None
    assert own < 64 * MIB
    assert sampler.peak is not None
    assert sampler.peak >= 96 * MIB + own // 2
    assert descendants(process.pid) == [child]
    assert resident_size(child) >= 96 * MIB


def test_a_process_without_children_peaks_at_its_own_high_water_mark() -> None:
    script = "import sys; print('ready', flush=True); sys.stdin.read()"
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    try:
        assert process.stdout.readline() == "ready\n"  # started up: its memory stays as it is
        with TreeSampler(process.pid) as sampler:
            pass
        assert descendants(process.pid) == []
        assert sampler.peak == high_water_mark(process.pid)
    finally:
        process.communicate(timeout=30)


def test_a_process_that_is_gone_has_no_figures() -> None:
    gone = 2**22 + 1  # above the largest pid Linux hands out

    assert high_water_mark(gone) is None
    assert resident_size(gone) == 0
    assert descendants(gone) == []
