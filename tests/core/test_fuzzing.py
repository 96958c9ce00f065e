"""The tool fuzzer catches what it promises to: a crash, an escape, a leak, a hang; a sound tool passes.

Each test fuzzes a one-tool server built for it, a few calls per tool, and reads the fuzzer's verdict.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from moorings_core.config import ServerSettings
from moorings_core.errors import NotFound
from moorings_core.server import MooringsServer
from moorings_core.testing import ERAS, Era, Sandbox
from moorings_core.testing.fuzzing import Serve, fuzz_tools

Register = Callable[[MooringsServer, Sandbox], None]


def serving(register: Register, call_timeout: float = 5) -> Serve:
    """A `serve` for the fuzzer: a server with the one tool `register` adds."""

    @asynccontextmanager
    async def serve(box: Sandbox) -> AsyncIterator[MooringsServer]:
        settings = ServerSettings.model_validate({"call_timeout": call_timeout})
        server = MooringsServer(
            "fuzzed", settings=settings, instructions="One tool.", distribution="moorings-core"
        )
        register(server, box)
        yield server

    return serve


def sound(server: MooringsServer, box: Sandbox) -> None:
    @server.tool(title="Size", read_only=True)
    async def size(name: str, limit: int | None = None) -> int:
        """The size of a file in the root."""
        path = box.root / name
        try:
            found = "\x00" not in name and path.resolve().is_relative_to(box.root) and path.is_file()
            size = path.stat().st_size if found else 0
        except OSError:  # a name too long for the file system, say
            found = False
        if not found:
            raise NotFound(f"No file {name!r} in the root.")
        return min(size, limit if limit is not None else 2**31)


def crashing(server: MooringsServer, box: Sandbox) -> None:
    @server.tool(title="Crash", read_only=True)
    async def crash(count: int) -> int:
        """Divides by the count."""
        return 100 // count


def escaping(server: MooringsServer, box: Sandbox) -> None:
    @server.tool(title="Scribble", read_only=False)
    async def scribble(text: str) -> str:
        """Writes beside the root."""
        (box.outside / "scribbled.txt").write_text("x")
        return "done"


def leaking(server: MooringsServer, box: Sandbox) -> None:
    @server.tool(title="Peek", read_only=True)
    async def peek(name: str) -> str:
        """Reads a file outside the root."""
        return box.sentinel.read_text()


def hanging(server: MooringsServer, box: Sandbox) -> None:
    @server.tool(title="Stall", read_only=True)
    async def stall() -> str:
        """Blocks in a thread no deadline can abandon."""
        await anyio.to_thread.run_sync(time.sleep, 3)
        return "late"


@pytest.mark.parametrize("era", ERAS)
def test_a_sound_tool_passes(tmp_path: Path, era: Era) -> None:
    fuzz_tools(serving(sound), tmp_path, era=era, examples=15)


@pytest.mark.parametrize(
    ("register", "verdict"),
    [
        (crashing, "crash logged an error"),  # the SDK logs the ZeroDivisionError's traceback
        (
            escaping,
            # the very first call, named; no later call is blamed
            r"Case\(tool='scribble', arguments=\{'text': ''\}.*\) changed the tree outside the root:\n"
            "outside: modified\noutside/scribbled.txt: appeared",
        ),
        (leaking, "peek sent content from outside the root"),
    ],
)
def test_a_faulty_tool_fails_the_run(tmp_path: Path, register: Register, verdict: str) -> None:
    with pytest.raises(AssertionError, match=verdict):
        fuzz_tools(serving(register), tmp_path, era="2026-07-28", examples=15)


def test_a_call_that_does_not_answer_in_time_is_a_hang(tmp_path: Path) -> None:
    with pytest.raises(
        AssertionError, match=r"Case\(tool='stall', arguments=\{\}.*did not answer within 1 s"
    ):
        fuzz_tools(serving(hanging, call_timeout=0.5), tmp_path, era="2026-07-28", examples=2, hang_limit=1)


def test_a_server_whose_own_deadline_is_past_the_hang_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="call_timeout below 30 s"):
        fuzz_tools(serving(sound, call_timeout=60), tmp_path, era="2026-07-28", examples=1)
