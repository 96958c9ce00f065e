"""Other processes: whether one still runs, and starting and stopping the programs tools run.

A process is known by its pid and its start time, since a pid is reused. Linux gives the start
time (`/proc`); macOS and the other POSIX systems can only say whether the pid exists
(`kill(pid, 0)`); where neither works, Windows among them (`os.kill` ends a process there), the
answer is "cannot tell", and callers then leave what they found alone.

A program a tool runs starts in a process group of its own where the OS has them, so stopping
it stops what it started as well (git starts ssh, a credential helper, its own subcommands), and
what it started and left running when it ended can be stopped too. Without process groups
(Windows) only the program itself is stopped, and what it leaves behind is out of reach.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
from pathlib import Path
from typing import Any, Protocol

from moorings_core.platform.capabilities import CAPABILITIES

__all__ = ["StoppableProcess", "child_process_options", "is_running", "stop_process_tree", "this_process"]


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


class StoppableProcess(Protocol):
    """What `stop_process_tree` needs of a started process (anyio's and subprocess's both fit)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    def kill(self) -> None: ...


def child_process_options() -> dict[str, Any]:
    """Keyword arguments for starting a child program so that `stop_process_tree` can stop it all."""
    return {"start_new_session": True} if CAPABILITIES.process_groups else {}


def stop_process_tree(process: StoppableProcess) -> None:
    """Stop `process` at once, and with process groups everything it started, including what it left
    running after it ended (a background child holding its pipes, say); harmless when nothing is left.

    The group's id is the program's pid, which no new process gets while any member of the group
    lives; once none is left `killpg` finds nothing (short of the pid counter wrapping round to it
    in between and a new session taking it).
    """
    if CAPABILITIES.process_groups and _kill_group(process.pid):
        return
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            process.kill()


def _kill_group(group: int) -> bool:
    """SIGKILL every process of `group`; False when there was none to signal."""
    try:
        os.killpg(group, signal.SIGKILL)  # type: ignore[attr-defined,unused-ignore]
    except (ProcessLookupError, PermissionError):
        return False  # already gone (a zombie's group may be empty)
    return True
