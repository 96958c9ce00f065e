"""A token bucket that paces outbound requests: `RateLimiter(rate, burst)`.

The bucket holds at most `burst` tokens and gains `rate` of them a second; each
`acquire()` takes one, waiting for it when the bucket is empty. It starts full, so
the first `burst` requests go at once and later ones at `rate` a second. Waiters
queue on a lock and are served in turn, so one caller cannot starve another.
The clock and the sleep are anyio's unless given (tests pass a fake pair).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

import anyio

from moorings_core.errors import InvalidInput

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most `burst` acquisitions at once, then `rate` a second on average."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = anyio.current_time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise InvalidInput(f"A rate limit must be a positive number of requests a second, not {rate!r}.")
        if burst < 1:
            raise InvalidInput(f"A rate limit's burst must be at least 1 request, not {burst!r}.")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated: float | None = None  # the clock needs an event loop: read it on first use
        self._lock = anyio.Lock()

    async def acquire(self) -> None:
        """Take one token, waiting until there is one."""
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            # After the wait the token is due: take it even if rounding (or a sleep that woke a hair early)
            # left the bucket a fraction short. The shortfall stays as debt, so the average rate holds; a
            # loop until the bucket reads 1 could spin on waits too small to move the clock.
            self._tokens -= 1

    def _refill(self) -> None:
        now = self._clock()
        if self._updated is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now
