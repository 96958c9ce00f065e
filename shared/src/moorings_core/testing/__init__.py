"""Test helpers every Moorings package reuses.

- `connect(server, era=...)`: an SDK `Client` talking to a `MooringsServer` in
  process, in either protocol era. The legacy path runs the server with *our*
  initialization options (truthful `listChanged`), as `serve_stdio` does.
- `connect_stdio(command, *args, era=...)`: the same `Client`, but over real stdio
  to a spawned console script, the way a host runs us.
- `sandbox(tmp_path)`: a temporary tree with an allowed root beside an outside
  directory holding a sentinel file, for hostile-path tests.
- `text_of(result)`, `succeeded(result)`, `refusal(result)`: what a tool result says, for assertions.
- `ERAS` (both protocol eras, as pytest parameters) and `HANG_LIMIT` (seconds before a hung call
  fails its test instead of stalling the run).
- `ResourceNotices`: what a server pushed about resources to a 2025-era client
  (`message_handler=notices.handler`), to wait for in tests.
- `inotify_handles()` and `eventually(condition)`: how many file watchers this process holds
  (Linux), and waiting for such an operating-system fact to come true.
- `fuzz_test(serve)`: the tool fuzzer (`fuzzing`), a pytest test by one line in each server's tests.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import mcp_types as types
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp import Client, StdioServerParameters
from mcp.shared.message import SessionMessage

from moorings_core.server.app import MooringsServer

__all__ = [
    "ERAS",
    "HANG_LIMIT",
    "LEGACY",
    "LEGACY_API",
    "MODERN",
    "Era",
    "ResourceNotices",
    "Sandbox",
    "connect",
    "connect_stdio",
    "eventually",
    "fuzz_test",
    "inotify_handles",
    "installed_script",
    "refusal",
    "sandbox",
    "succeeded",
    "text_of",
]

Era = Literal["2025-11-25", "2026-07-28"]
LEGACY: Era = "2025-11-25"
MODERN: Era = "2026-07-28"
ERAS = [pytest.param(LEGACY, id="2025"), pytest.param(MODERN, id="2026")]
"""Both protocol eras, for `@pytest.mark.parametrize("era", ERAS)`."""
LEGACY_API = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
"""Marks a test that uses what the 2026 protocol deprecated (client roots): the SDK warns about it."""
HANG_LIMIT = 30
"""Seconds a test waits on a call before failing: a hang fails its test instead of stalling the run."""


@asynccontextmanager
async def _legacy_transport(
    server: MooringsServer,
) -> AsyncIterator[
    tuple[MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]]
]:
    """The server's 2025-era loop on memory streams, as `serve_stdio` runs it."""
    to_server, server_inbox = anyio.create_memory_object_stream[SessionMessage | Exception](16)
    from_server, client_inbox = anyio.create_memory_object_stream[SessionMessage](16)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.run_connection, server_inbox, from_server)
        try:
            yield client_inbox, to_server
        finally:
            await to_server.aclose()
            tasks.cancel_scope.cancel()


@asynccontextmanager
async def connect(
    server: MooringsServer, *, era: Era = MODERN, **client_options: Any
) -> AsyncIterator[Client]:
    """An in-process client connected to `server` in the given protocol era.

    `client_options` go to `mcp.Client` (e.g. `message_handler`, `list_roots_callback`).
    """
    if era == MODERN:
        # "auto" sends server/discover, as a 2026 host does; a version pin would skip it.
        async with Client(server.mcp, mode="auto", **client_options) as client:
            if client.protocol_version != MODERN:
                raise AssertionError(f"{server.name} spoke {client.protocol_version}, not {MODERN}")
            yield client
        return
    async with Client(_legacy_transport(server), mode="legacy", **client_options) as client:
        yield client


def installed_script(name: str) -> str:
    """The path of an installed console script, looked up beside the running interpreter first.

    An absolute path (a script installed in another environment) is taken as it is.
    """
    if Path(name).is_absolute():
        return name
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"console script {name!r} is not installed; run `make install`")
    return found


@asynccontextmanager
async def connect_stdio(
    script: str, *args: str, era: Era = LEGACY, env: dict[str, str] | None = None, cwd: Path | None = None
) -> AsyncIterator[Client]:
    """A client speaking to the installed console script `script` over real stdio."""
    params = StdioServerParameters(
        command=installed_script(script),
        args=list(args),
        env={**os.environ, **(env or {})},
        cwd=str(cwd) if cwd else None,
    )
    # "auto" sends server/discover first, as a 2026 host does; a version pin would skip it.
    async with Client(params, mode="legacy" if era == LEGACY else "auto") as client:
        if client.protocol_version != era:
            raise AssertionError(f"{script} spoke {client.protocol_version}, not {era}")
        yield client


@dataclass(frozen=True)
class Sandbox:
    """An allowed root and, beside it, an outside directory that must never be touched."""

    root: Path
    outside: Path
    sentinel: Path


def sandbox(tmp_path: Path) -> Sandbox:
    """Lay out `tmp_path/root` (allowed) and `tmp_path/outside` (forbidden, with a sentinel file)."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    sentinel = outside / "secret.txt"
    sentinel.write_text("outside the sandbox\n")
    return Sandbox(root.resolve(), outside.resolve(), sentinel.resolve())


def text_of(result: types.CallToolResult) -> str:
    """All text blocks of a tool result, joined."""
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def succeeded(result: types.CallToolResult) -> tuple[str, dict[str, Any]]:
    """The text and structured content of a call that must have worked."""
    assert not result.is_error, text_of(result)
    assert isinstance(result.structured_content, dict), "a successful call carries structured content"
    return text_of(result), result.structured_content


def refusal(result: types.CallToolResult) -> str:
    """The message of a call that must have been refused: an error result with no structured content."""
    assert result.is_error, text_of(result)
    assert result.structured_content is None, result.structured_content
    return text_of(result)


class ResourceNotices:
    """What the server pushed to a 2025-era client, in arrival order: updated URIs, and "list_changed"."""

    def __init__(self) -> None:
        self._send, self._receive = anyio.create_memory_object_stream[str](256)
        self.seen: list[str] = []

    async def handler(self, message: object) -> None:
        """The client's `message_handler`."""
        if isinstance(message, types.ResourceUpdatedNotification):
            await self._send.send(message.params.uri)
        elif isinstance(message, types.ResourceListChangedNotification):
            await self._send.send("list_changed")

    async def wait_for(self, notice: str) -> None:
        """Read notices until a new `notice` arrives; every one read is kept in `seen`."""
        with anyio.fail_after(10):
            while True:
                self.seen.append(await self._receive.receive())
                if self.seen[-1] == notice:
                    return

    @asynccontextmanager
    async def open(self) -> AsyncIterator[ResourceNotices]:
        with self._send, self._receive:
            yield self


def inotify_handles() -> int:
    """How many inotify instances this process holds (Linux): one per running file watcher."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += str(fd.readlink()) == "anon_inode:inotify"
        except OSError:  # the fd listing itself, closed since
            continue
    return count


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds, for what no event announces: a stopped watcher's own thread
    closes its inotify handle a moment after the watcher stops, and tells no one."""
    with anyio.fail_after(5):
        while not condition():  # noqa: ASYNC110 - polling an operating-system fact, not a task's state
            await anyio.sleep(0.01)


# Last: the fuzzer builds on the helpers above.
from moorings_core.testing.fuzzing import fuzz_test  # noqa: E402
