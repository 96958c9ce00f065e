"""Blocking work in a worker thread, within the running tool call's deadline.

Blocking work (file I/O, a database driver without async) runs through `run_blocking`, which a
call's deadline can abandon: the SDK's own thread hop for sync tools cannot be cancelled, so our
tools are `async def` and use this. Abandoned work would go on unseen, so work that can stop early
and still answer (a walk, an SQL statement) checks `work_deadline()` itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

__all__ = ["run_blocking", "work_deadline"]

R = TypeVar("R")

_ANSWER_SHARE = 0.2  # of the time a call has left, kept for building and sending its answer


async def run_blocking(fn: Callable[..., R], *args: object) -> R:
    """Run blocking `fn(*args)` in a worker thread that a deadline or cancellation can abandon.

    The thread runs to completion in the background if abandoned, so `fn` must
    leave nothing half-done on its own (our writes go through temporary files and
    an atomic rename, which makes that true).
    """
    return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)


def work_deadline() -> float | None:
    """When work for the running tool call should stop, as a `time.monotonic()` value.

    The server stops every tool call at its deadline (`call_timeout`), but a worker thread cannot
    be stopped from outside, and a tool that stops on its own can still answer: with what a walk
    found, or with a clear "the statement ran too long". Such work checks this time itself. It
    keeps `_ANSWER_SHARE` of the time left for building and sending the answer; it is already past
    when the call's deadline is. None when no deadline applies (outside a tool call).

    Call it from the tool's coroutine, where the call's deadline is in force, not from a thread.
    """
    deadline = anyio.current_effective_deadline()
    if deadline == math.inf:
        return None
    left = max(deadline - anyio.current_time(), 0.0)  # -inf once the call is cancelled
    return time.monotonic() + left * (1 - _ANSWER_SHARE)
