"""Whether another process is still running, for leftovers that name the process that made them.

A process is known by its pid and its start time, since a pid is reused. Linux gives the start
time (`/proc`); macOS and the other POSIX systems can only say whether the pid exists
(`kill(pid, 0)`); where neither works, Windows among them (`os.kill` ends a process there), the
answer is "cannot tell", and callers then leave what they found alone.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from moorings_core.platform.capabilities import CAPABILITIES

__all__ = ["is_running", "this_process"]


@functools.cache
def this_process() -> tuple[int, int]:
    """This process's pid and start time (0 where start times are unknown)."""
    pid = os.getpid()
    return pid, _start_time(pid) or 0


def is_running(pid: int, start: int) -> bool | None:
    """Whether the process `pid` that started at `start` (0: unknown) runs; None when this OS cannot tell."""
    if start and CAPABILITIES.process_start_times:
        return _start_time(pid) == start
    if CAPABILITIES.signal_probes:
        return _pid_exists(pid)
    return None


def _start_time(pid: int) -> int | None:
    """When `pid` started (clock ticks since boot); None if it is gone, a zombie, or unknowable."""
    if not CAPABILITIES.process_start_times:
        return None
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces; the fields after it are plain.
    fields = stat_line.rpartition(b")")[2].split()
    if len(fields) < 20 or fields[0] == b"Z":
        return None
    return int(fields[19])


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
