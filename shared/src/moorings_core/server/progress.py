"""Progress notifications for long tool calls, fed from blocking work in a worker thread.

A tool wraps its long work in `reporting_progress(ctx)` and hands the `Progress` it yields to that
work (usually a function run with `limits.run_blocking`). The work calls `progress.update(done)`
as often as it likes: an update only stores the latest value, so a call per entry of a walk costs
next to nothing. A task on the event loop sends the latest value as `notifications/progress` at
most every `SEND_INTERVAL` seconds while it grows, and once more when the work ends.

Only a request that carried a progress token gets notifications; for any other the work is handed
`NO_PROGRESS`, whose `update` does nothing, and no task is started. The spec requires progress to
increase, so a value not above the last one sent is never sent. Sending is best effort: a client
that went away stops the notifications, never the work.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio

from moorings_core.server.contexts import ToolContext
from moorings_core.server.sdk_adapter import progress_requested

__all__ = [
    "NO_PROGRESS",
    "SEND_INTERVAL",
    "Describe",
    "Progress",
    "counted",
    "reporting_progress",
]

logger = logging.getLogger(__name__)

SEND_INTERVAL = 0.25  # seconds between notifications; read at each call, so tests can shorten it

Describe = Callable[[float, float | None], str]
"""Turns `(done, total)` into the notification's message; called only for values actually sent."""


class Progress(ABC):
    """Where blocking work says how far it got: handed out by `reporting_progress`, or `NO_PROGRESS`."""

    __slots__ = ()

    @abstractmethod
    def update(self, done: float, total: float | None = None, message: str | None = None) -> None:
        """Record that `done` (of `total`, when known) is finished; safe from any thread, cheap enough
        to call per item. `message` replaces the reporter's `describe` text for this value."""


class _Unwatched(Progress):
    """Progress of a call nobody watches: dropped."""

    __slots__ = ()

    def update(self, done: float, total: float | None = None, message: str | None = None) -> None:
        return None


NO_PROGRESS: Progress = _Unwatched()
"""The progress to hand work whose caller did not ask for any (and the default of work that takes one)."""


def counted(what: str) -> Describe:
    """Words a count: "12,000 files searched", or "1,200 of 5,000 rows skipped" with a total."""

    def describe(done: float, total: float | None) -> str:
        return f"{done:,.0f} {what}" if total is None else f"{done:,.0f} of {total:,.0f} {what}"

    return describe


class _Latest(Progress):
    """Keeps only the last update, as one tuple, so the sender never sees half of one."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: tuple[float, float | None, str | None] | None = None

    def update(self, done: float, total: float | None = None, message: str | None = None) -> None:
        self.value = (done, total, message)  # a single reference store: atomic across threads


class _Sender:
    """Sends what a `_Latest` holds whenever it has grown since the last notification."""

    def __init__(self, ctx: ToolContext, latest: _Latest, describe: Describe | None) -> None:
        self._ctx = ctx
        self._latest = latest
        self._describe = describe
        self._sent: float | None = None
        self._broken = False

    async def send_until(self, finished: anyio.Event, interval: float) -> None:
        """Send every `interval` until the work has `finished`, then once more. Never cancelled
        midway through a notification, so the last value sent is always known to have gone."""
        while not finished.is_set() and not self._broken:
            with anyio.move_on_after(interval):
                await finished.wait()
            await self.send_latest()

    async def send_latest(self) -> None:
        value = self._latest.value
        if value is None or self._broken:
            return
        done, total, message = value
        if self._sent is not None and done <= self._sent:
            return  # unchanged, or gone back: progress must increase
        self._sent = done
        if message is None and self._describe is not None:
            message = self._describe(done, total)
        try:
            await self._ctx.report_progress(done, total, message)
        except Exception:
            self._broken = True  # the connection is going away; the work itself is unaffected
            logger.debug("progress notification not sent; no more for this call", exc_info=True)


@asynccontextmanager
async def reporting_progress(
    ctx: ToolContext, describe: Describe | None = None, *, interval: float | None = None
) -> AsyncIterator[Progress]:
    """Send the progress the block's work records, if the caller asked for it.

    `describe` words a value for the message (`counted("files searched")`); `interval` overrides
    `SEND_INTERVAL`. The last value is sent when the block ends, before the result.
    """
    if not progress_requested(ctx.request_context):
        yield NO_PROGRESS
        return
    sender = _Sender(ctx, latest := _Latest(), describe)
    finished = anyio.Event()
    failure: BaseException | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sender.send_until, finished, SEND_INTERVAL if interval is None else interval)
        try:
            yield latest
        except BaseException as exc:  # re-raised below, as itself rather than in an exception group
            failure = exc
        finished.set()
    if failure is not None:
        raise failure
