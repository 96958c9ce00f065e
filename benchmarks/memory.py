"""Peak memory of a server: its own high-water mark, or that of it and its child processes together.

A server's own peak is exact: the kernel keeps it (``VmHWM`` in /proc/PID/status). A server that
does its work in child processes (the reference fetch server runs Node for every page it
simplifies) needs more: the kernel keeps no peak for a process tree, and a child that has exited
and been reaped by the server is out of our sight. So `TreeSampler` samples, from a thread, the
resident size of the server and every live descendant (found through /proc/PID/task/TID/children)
every few milliseconds, summed; a child living for less than an interval can be missed, which is
why the peak it reports is never below the server's own high-water mark. Summing resident sizes
counts pages the processes share twice; for a Python server and the Node process it starts, that
is their libraries' few MiB.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from types import TracebackType

__all__ = ["TreeSampler", "descendants", "high_water_mark", "resident_size"]

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_INTERVAL = 0.01  # seconds


def high_water_mark(pid: int) -> int | None:
    """The process's own peak resident size in bytes, or None once it has exited (or is a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None  # a zombie has no memory lines left


def resident_size(pid: int) -> int:
    """The process's resident size now, in bytes; 0 once it has exited."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`: children, their children, and so on."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            threads = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue  # it exited meanwhile
        for thread in threads:
            with contextlib.suppress(OSError):
                children = [int(child) for child in (thread / "children").read_text().split()]
                found += children
                pending += children
    return found


class TreeSampler:
    """Samples the summed resident size of `pid` and its descendants until closed; `peak` is the most seen.

    Use it as a context manager around the work to watch.
    """

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL) -> None:
        self._pid = pid
        self._interval = interval
        self._most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-sampler-{pid}", daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()  # the state at the end, however short the work was

    @property
    def peak(self) -> int | None:
        """The most the tree held at once (never below the process's own peak); None once it has exited."""
        own = high_water_mark(self._pid)
        return None if own is None else max(own, self._most)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _sample(self) -> None:
        total = sum(resident_size(pid) for pid in (self._pid, *descendants(self._pid)))
        self._most = max(self._most, total)
