"""The token bucket, on a fake clock: what goes at once, what waits, and for how long."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from moorings_core.errors import InvalidInput
from moorings_core.ratelimit import RateLimiter


class FakeTime:
    """A clock that only moves when someone sleeps on it (or a test moves it), logging each sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()

    def limiter(self, rate: float, burst: int = 1) -> RateLimiter:
        return RateLimiter(rate, burst, clock=self.clock, sleep=self.sleep)


async def free_acquisitions(limiter: RateLimiter, time: FakeTime) -> int:
    """How many acquisitions go before the clock has to move."""
    count = 0
    while True:
        await limiter.acquire()
        if time.sleeps:
            return count
        count += 1


@pytest.mark.anyio
async def test_a_full_bucket_lets_a_burst_through_then_paces() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=2, burst=3)
    assert await free_acquisitions(limiter, time) == 3
    assert time.sleeps == [0.5]  # the fourth waited for one token at 2 a second


@pytest.mark.anyio
async def test_the_bucket_refills_at_the_rate() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=2, burst=5)
    for _ in range(5):
        await limiter.acquire()
    time.now += 1.0
    assert await free_acquisitions(limiter, time) == 2


@pytest.mark.anyio
async def test_an_idle_bucket_holds_no_more_than_the_burst() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=10, burst=2)
    await limiter.acquire()
    time.now += 100.0
    assert await free_acquisitions(limiter, time) == 2


@pytest.mark.anyio
async def test_a_partly_refilled_token_is_waited_for_only_the_rest_of_the_way() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=1)
    await limiter.acquire()
    time.now += 0.75
    await limiter.acquire()
    assert time.sleeps == [pytest.approx(0.25)]


@pytest.mark.anyio
async def test_concurrent_callers_are_served_one_token_at_a_time() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=4)
    served: list[float] = []

    async def caller() -> None:
        await limiter.acquire()
        served.append(time.now)

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(caller)
    assert served == [0.0, 0.25, 0.5, 0.75]


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (float("inf"), 1), (float("nan"), 1), (1, 0)])
def test_a_rate_limit_must_make_sense(rate: float, burst: int) -> None:
    with pytest.raises(InvalidInput, match="rate limit"):
        RateLimiter(rate, burst)
