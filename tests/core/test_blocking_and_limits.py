"""Output budgets, abandonable blocking work, and the call's deadline as work sees it."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from moorings_core.blocking import run_blocking, work_deadline
from moorings_core.config import ServerSettings
from moorings_core.limits import truncate_text
from moorings_core.server import MooringsServer
from moorings_core.testing import connect, succeeded


def test_text_within_the_budget_is_untouched() -> None:
    cut = truncate_text("hello", 10, how_to_continue="never needed")
    assert (cut.text, cut.truncated, cut.shown, cut.total) == ("hello", False, 5, 5)


def test_text_over_the_budget_is_cut_and_says_how_to_continue() -> None:
    cut = truncate_text("a" * 50, 20, how_to_continue="call again with offset=20")
    assert cut.truncated
    assert cut.text.startswith("a" * 20)
    assert "a" * 21 not in cut.text
    assert "showed 20 of 50 characters; call again with offset=20" in cut.text
    assert (cut.shown, cut.total) == (20, 50)


@pytest.mark.anyio
async def test_blocking_work_can_be_abandoned_by_a_deadline() -> None:
    release = threading.Event()
    with anyio.move_on_after(0.1) as scope:
        await run_blocking(release.wait, 30)
    release.set()
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_blocking_work_returns_its_result() -> None:
    assert await run_blocking(sum, [1, 2, 3]) == 6


# -- the call's deadline, as work sees it ------------------------------------------------------------


@pytest.mark.anyio
async def test_work_has_no_deadline_outside_a_call() -> None:
    assert work_deadline() is None


@pytest.mark.anyio
async def test_work_stops_before_the_deadline_to_leave_time_for_the_answer() -> None:
    with anyio.move_on_after(10):  # noqa: ASYNC100 - only its deadline is read
        before = time.monotonic()
        deadline = work_deadline()
        after = time.monotonic()
    assert deadline is not None
    assert before + 7 < deadline <= after + 8  # a fifth of the time left is kept for the answer


@pytest.mark.anyio
async def test_a_deadline_already_past_stops_work_at_once() -> None:
    with anyio.CancelScope(deadline=anyio.current_time() - 5):  # noqa: ASYNC100 - as above
        deadline = work_deadline()
        now = time.monotonic()
    assert deadline is not None
    assert deadline <= now


@pytest.mark.anyio
async def test_inside_a_tool_the_work_deadline_comes_from_the_call_timeout() -> None:
    server = MooringsServer(
        "demo",
        settings=ServerSettings.model_validate({"call_timeout": 30}),
        instructions="A server for tests.",
        distribution="moorings-core",
    )

    @server.tool(title="Time left", read_only=True)
    async def time_left() -> float:
        """Seconds of work left in this call."""
        deadline = work_deadline()
        return -1.0 if deadline is None else deadline - time.monotonic()

    async with connect(server) as client:
        _, structured = succeeded(await client.call_tool("time_left", {}))
    assert 20 < structured["result"] <= 24
