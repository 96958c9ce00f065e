"""`ProgressLog`: what a client's progress callback received, for the progress tests of every package."""

from __future__ import annotations

from itertools import pairwise

import anyio

WAIT_LIMIT = 30  # seconds before a value that never arrives fails its test


class ProgressLog:
    """Pass `log.callback` as `progress_callback`; `updates` holds (progress, total, message) in order."""

    def __init__(self) -> None:
        self.updates: list[tuple[float, float | None, str | None]] = []
        self._arrived = anyio.Event()

    async def callback(self, progress: float, total: float | None, message: str | None) -> None:
        self.updates.append((progress, total, message))
        self._arrived.set()

    @property
    def values(self) -> list[float]:
        return [value for value, _, _ in self.updates]

    def assert_last(self, progress: float, total: float | None, message: str | None) -> None:
        """The last update received was this one."""
        assert self.updates, "no progress was received"
        assert self.updates[-1] == (progress, total, message), self.updates[-5:]

    async def wait_for(self, value: float) -> None:
        """Until `value` (or more) arrived. A 2025-era client runs each callback in a task of its
        own, which may still be pending when the result is in; call this before the client closes."""
        with anyio.fail_after(WAIT_LIMIT):
            while True:
                self._arrived = anyio.Event()
                if self.updates and self.updates[-1][0] >= value:
                    return
                await self._arrived.wait()

    def assert_increasing(self, at_least: int = 1) -> None:
        """Every value above the one before, and at least `at_least` of them."""
        assert len(self.updates) >= at_least, self.updates
        assert all(earlier < later for earlier, later in pairwise(self.values)), self.values
