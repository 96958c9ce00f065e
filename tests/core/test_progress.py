"""Progress notifications from blocking work (`moorings_core.server.progress`), in both protocol eras.

The worker below waits for the client to acknowledge each value before recording the next, so what
the client receives does not depend on timing: it is every value, once, in order.
"""

from __future__ import annotations

import threading

import mcp_types as types
import pytest

from moorings_core.blocking import run_blocking
from moorings_core.config import ServerSettings
from moorings_core.errors import InvalidInput
from moorings_core.server import (
    NO_PROGRESS,
    MooringsServer,
    Progress,
    ToolContext,
    counted,
    reporting_progress,
)
from moorings_core.server import progress as progress_module
from moorings_core.testing import LEGACY, MODERN, Era, connect, text_of
from tests.progress_log import ProgressLog

pytestmark = pytest.mark.anyio
ERAS = [pytest.param(LEGACY, id="2025"), pytest.param(MODERN, id="2026")]
WORKERS = 4
UPDATES_EACH = 20_000


@pytest.fixture(autouse=True)
def quick_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "SEND_INTERVAL", 0.001)


class Acks(ProgressLog):
    """The client's side of the pacing: each value received lets the worker record the next."""

    def __init__(self) -> None:
        super().__init__()
        self.event = threading.Event()

    async def callback(self, progress: float, total: float | None, message: str | None) -> None:
        await super().callback(progress, total, message)
        self.event.set()


def count_up(steps: int, acks: Acks | None, progress: Progress) -> str:
    for step in range(1, steps + 1):
        progress.update(step, steps)
        if acks is not None:
            assert acks.event.wait(10), "the client never acknowledged a value"
            acks.event.clear()
    return f"counted to {steps}"


def hammer(progress: Progress) -> int:
    """Several threads updating at once, as fast as they can."""

    def updates(worker: int) -> None:
        for value in range(UPDATES_EACH):
            progress.update(value * WORKERS + worker)

    threads = [threading.Thread(target=updates, args=(worker,)) for worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    progress.update(UPDATES_EACH * WORKERS)  # above them all: the value the client must end with
    return UPDATES_EACH * WORKERS


def make_server(acks: Acks | None = None) -> MooringsServer:
    server = MooringsServer(
        "demo",
        settings=ServerSettings.model_validate({"call_timeout": 0.5}),
        instructions="A server for tests.",
        distribution="moorings-core",
    )

    @server.tool(title="Count up", read_only=True)
    async def count(steps: int, ctx: ToolContext) -> str:
        """Count in a worker thread, reporting each step."""
        async with reporting_progress(ctx, counted("steps")) as progress:
            return await run_blocking(count_up, steps, acks, progress)

    @server.tool(title="Watched", read_only=True)
    async def watched(ctx: ToolContext) -> bool:
        """Whether anyone asked for this call's progress."""
        async with reporting_progress(ctx) as progress:
            return progress is not NO_PROGRESS

    @server.tool(title="Hammer", read_only=True)
    async def hammered(ctx: ToolContext) -> int:
        """Updates from several threads at once."""
        async with reporting_progress(ctx) as progress:
            return await run_blocking(hammer, progress)

    @server.tool(title="Fail midway", read_only=True)
    async def fail_midway(ctx: ToolContext) -> str:
        """Records progress, then fails the way a tool fails on bad input."""
        async with reporting_progress(ctx) as progress:
            progress.update(1)
            raise InvalidInput("That is not allowed.", hint="Try something else.")

    @server.tool(title="Overrun", read_only=True)
    async def overrun(ctx: ToolContext) -> str:
        """Blocks past the call's deadline."""
        async with reporting_progress(ctx) as progress:
            await run_blocking(threading.Event().wait, 2.0)
            progress.update(1)
        return "finished"

    return server


@pytest.mark.parametrize("era", ERAS)
async def test_slow_work_reports_each_value_in_order_and_the_result_is_unchanged(era: Era) -> None:
    acks = Acks()
    async with connect(make_server(acks), era=era) as client:
        result = await client.call_tool("count", {"steps": 5}, progress_callback=acks.callback)
    assert text_of(result) == "counted to 5"
    assert acks.updates == [(step, 5, f"{step} of 5 steps") for step in range(1, 6)]
    async with connect(make_server(), era=era) as client:
        unwatched = await client.call_tool("count", {"steps": 5})
    assert unwatched.model_dump(exclude={"meta"}) == result.model_dump(exclude={"meta"})


@pytest.mark.parametrize("era", ERAS)
async def test_without_a_progress_callback_nothing_is_sent_or_started(era: Era) -> None:
    notices: list[object] = []

    async def record(message: object) -> None:
        notices.append(message)

    async with connect(make_server(), era=era, message_handler=record) as client:
        assert (await client.call_tool("watched", {})).structured_content == {"result": False}
        result = await client.call_tool("count", {"steps": 50})
        assert text_of(result) == "counted to 50"
        log = ProgressLog()
        watched = await client.call_tool("watched", {}, progress_callback=log.callback)
        assert watched.structured_content == {"result": True}  # the control: a callback is seen
    assert not [notice for notice in notices if isinstance(notice, types.ProgressNotification)]


@pytest.mark.parametrize("era", ERAS)
async def test_updates_from_many_threads_arrive_strictly_increasing(era: Era) -> None:
    log = ProgressLog()
    async with connect(make_server(), era=era) as client:
        result = await client.call_tool("hammered", {}, progress_callback=log.callback)
        await log.wait_for(UPDATES_EACH * WORKERS)
    assert result.structured_content == {"result": UPDATES_EACH * WORKERS}
    log.assert_increasing()
    log.assert_last(UPDATES_EACH * WORKERS, None, None)


@pytest.mark.parametrize("era", ERAS)
async def test_a_failure_inside_stays_the_tools_own_error(era: Era) -> None:
    log = ProgressLog()
    async with connect(make_server(), era=era) as client:
        failed = await client.call_tool("fail_midway", {}, progress_callback=log.callback)
        assert failed.is_error
        assert "That is not allowed." in text_of(failed)
        overran = await client.call_tool("overrun", {}, progress_callback=log.callback)
        assert overran.is_error
        assert "did not finish within 0.5 seconds" in text_of(overran)
        # The server keeps serving, with progress, after both.
        counted_once = await client.call_tool("count", {"steps": 1}, progress_callback=log.callback)
        assert text_of(counted_once) == "counted to 1"
        await log.wait_for(1)
    log.assert_last(1, 1, "1 of 1 steps")


def test_counts_are_worded_with_thousands_and_the_total_when_known() -> None:
    searched = counted("files searched")
    assert searched(12_000, None) == "12,000 files searched"
    assert searched(1_200, 5_000) == "1,200 of 5,000 files searched"
