"""Requests to stop the process: SIGTERM and SIGINT on POSIX, Ctrl-C and Ctrl-Break on Windows.

Where the event loop takes signals itself (asyncio on POSIX), it is asked to. Where it refuses
(Windows), or with `MOORINGS_PORTABLE=1`, Python signal handlers put each signal on a queue that a
worker thread waits on, and the loop hears it from there: a handler may run in the middle of the
loop's own code, so it touches nothing of the loop's. Windows delivers no SIGTERM from outside; a
host stops a server there by closing its stdin (end of input, `moorings_core.server.stdio`) or by
ending the process, which no handler sees.
"""

from __future__ import annotations

import contextlib
import queue
import signal
from collections.abc import AsyncIterator, Iterator, Sequence
from types import FrameType

import anyio
import anyio.to_thread

from moorings_core.platform.capabilities import CAPABILITIES

__all__ = ["stop_requests"]

_STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGBREAK")  # SIGBREAK: Ctrl-Break, Windows only


@contextlib.contextmanager
def stop_requests() -> Iterator[AsyncIterator[str]]:
    """While the block runs, each signal asking this process to stop arrives, by name, on the
    iterator it gives. Call it from the main thread, inside the event loop."""
    signals = [member for name, member in signal.Signals.__members__.items() if name in _STOP_SIGNALS]
    with contextlib.ExitStack() as stack:
        received = _from_the_loop(stack, signals) if CAPABILITIES.loop_signals else None
        if received is None:
            received = stack.enter_context(_from_python_handlers(signals))
        yield _names(received)


def _from_the_loop(
    stack: contextlib.ExitStack, signals: Sequence[signal.Signals]
) -> AsyncIterator[int] | None:
    try:
        return stack.enter_context(anyio.open_signal_receiver(*signals))
    except NotImplementedError:  # asyncio's loops on Windows
        return None


@contextlib.contextmanager
def _from_python_handlers(signals: Sequence[signal.Signals]) -> Iterator[AsyncIterator[int]]:
    received: queue.SimpleQueue[int | None] = queue.SimpleQueue()  # put() is safe in a handler

    def handler(signum: int, frame: FrameType | None) -> None:
        received.put(signum)

    previous = {}
    try:
        for signum in signals:
            previous[signum] = signal.signal(signum, handler)
        yield _taken_from(received)
    finally:
        for signum, earlier in previous.items():
            signal.signal(signum, earlier)
        received.put(None)  # lets the thread waiting on the queue go


async def _taken_from(received: queue.SimpleQueue[int | None]) -> AsyncIterator[int]:
    # Its own limiter: this wait lasts as long as the server, and must not hold a worker meant for tools.
    limiter = anyio.CapacityLimiter(1)
    while (
        signum := await anyio.to_thread.run_sync(received.get, abandon_on_cancel=True, limiter=limiter)
    ) is not None:
        yield signum


async def _names(received: AsyncIterator[int]) -> AsyncIterator[str]:
    async for signum in received:
        yield signal.Signals(signum).name
