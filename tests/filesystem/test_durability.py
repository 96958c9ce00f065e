"""Nothing is ever lost: kill -9 in the middle of writes, a full disk, moves across file systems.

The kill test runs the installed console script over real stdio with a plain JSON-RPC line client,
fires concurrent multi-megabyte `write_file` calls and SIGKILLs the server at random moments: each
time, every file holds exactly its old payload or the new one (48 interrupted writes in all). The
full-disk tests mount a 1 MiB tmpfs (we run as root here and in CI; elsewhere they are skipped,
saying why) and fill it.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import mcp_types as types
import pytest
from mcp import Client

from moorings_core.testing import Sandbox, connect, installed_script, text_of
from moorings_filesystem import atomic
from moorings_filesystem.tools import managing, writing
from tests.capabilities import needs_writer_liveness
from tests.filesystem.helpers import FamilyCalls

KILLS = 12  # each costs a server start (about a second of CPU), hence few kills with many writes each
WRITES_IN_FLIGHT = 4  # each kill lands on four concurrent writes, each at its own stage
PAYLOAD_BYTES = 3 * 2**20
# Two payloads that differ everywhere, so any mix or cut of them is caught.
PAYLOADS = (
    ("a" * 63 + "\n") * (PAYLOAD_BYTES // 64),
    ("b" * 31 + "\n") * (PAYLOAD_BYTES // 32 + 1000),
)
TOOLS = FamilyCalls(writing.register, managing.register)
REPLY_WAIT = 30.0  # seconds: a generous bound on one reply, so a broken server fails instead of hanging


# -- a plain JSON-RPC line client over the real console script ----------------------------------


class LineServer:
    """The installed `moorings-filesystem` serving `root`, spoken to one JSON line at a time."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [installed_script("moorings-filesystem"), str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._next_id = 0

    @property
    def _stdin(self) -> IO[bytes]:
        assert self.process.stdin is not None
        return self.process.stdin

    def send(self, method: str, params: dict[str, Any], *, notification: bool = False) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if not notification:
            message["id"] = self._next_id
        self._stdin.write(json.dumps(message).encode() + b"\n")
        self._stdin.flush()
        return self._next_id

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the server closed its output"
        reply: dict[str, Any] = json.loads(line)
        return reply

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        request_id = self.send(method, params)
        while (reply := self.receive()).get("id") != request_id:
            pass  # a notification
        return reply

    def start(self) -> None:
        """The 2025-era handshake, then one small call so the first-call costs are paid."""
        self.request(
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "kill", "version": "1"},
            },
        )
        self.send("notifications/initialized", {}, notification=True)
        warm_up = self.call("write_file", {"path": "warm-up.txt", "content": "x"})
        assert not warm_up["result"].get("isError"), warm_up

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments})

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._close_pipes()

    def stop(self) -> None:
        """End of input: the server leaves cleanly."""
        self._stdin.close()
        self.process.wait(timeout=REPLY_WAIT)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                with contextlib.suppress(BrokenPipeError):  # it died with our last bytes unread
                    pipe.close()


def temporaries(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if atomic.is_temporary(path.name)]


@pytest.mark.stdio
@pytest.mark.timeout(120)
@needs_writer_liveness  # the restart sweeps what the killed writers left
def test_kill_9_mid_write_leaves_the_old_file_or_the_new_never_a_torn_one(tmp_path: Path) -> None:
    root = (tmp_path / "root").resolve()
    root.mkdir()
    targets = [root / f"big{index}.txt" for index in range(WRITES_IN_FLIGHT)]
    for target in targets:
        target.write_text(PAYLOADS[1])
    # Servers start (about a second each) while earlier ones are being killed.
    spares = deque(LineServer(root) for _ in range(2))

    def next_server() -> LineServer:
        server = spares.popleft()
        spares.append(LineServer(root))
        server.start()
        return server

    def write_all(server: LineServer, content: str) -> None:
        for target in targets:
            server.send(
                "tools/call", {"name": "write_file", "arguments": {"path": target.name, "content": content}}
            )

    # Uninterrupted writes tell how long they take here, to spread the kills over that time.
    calibration = next_server()
    began = time.perf_counter()
    write_all(calibration, PAYLOADS[0])
    replies = [calibration.receive() for _ in targets]
    write_seconds = time.perf_counter() - began
    calibration.stop()
    assert not any(reply["result"].get("isError") for reply in replies), replies
    assert all(target.read_text() == PAYLOADS[0] for target in targets)

    outcomes: Counter[str] = Counter()
    chance = random.Random(20261128)  # noqa: S311 - timing, not secrets
    killed_pids = []
    try:
        for kill in range(KILLS):
            before = [target.read_text() for target in targets]
            new = PAYLOADS[kill % 2]
            server = next_server()
            write_all(server, new)
            time.sleep(chance.uniform(0, write_seconds))
            server.kill()
            killed_pids.append(server.process.pid)

            for target, old in zip(targets, before, strict=True):
                after = target.read_text()
                assert after in (old, new), f"{target.name} torn by kill {kill}: {len(after):,} characters"
                outcomes["new" if after == new != old else "old"] += 1
    finally:
        for spare in spares:
            spare.kill()

    assert outcomes["old"], f"no kill landed before a rename: {outcomes}"
    assert outcomes["new"], f"no kill landed after a rename: {outcomes}"

    # A restart sweeps what killed writers left, anywhere in the tree, and nothing of a live writer.
    nested = root / "deep" / "er"
    nested.mkdir(parents=True)
    dead = nested / f"{atomic.TEMPORARY_PREFIX}{killed_pids[-1]}-1-0badc0de"
    dead.write_text("left by a killed writer")
    live = nested / atomic.temporary_name()  # owned by this test process, which is alive
    live.write_text("still being written")
    server = LineServer(root)
    server.start()
    deadline = time.monotonic() + REPLY_WAIT
    while temporaries(root) != [live] and time.monotonic() < deadline:
        time.sleep(0.05)
    server.stop()

    assert temporaries(root) == [live]
    assert all(target.read_text() in PAYLOADS for target in targets)


# -- a full disk --------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, mounted for the test and unmounted after it."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
            check=True,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        pytest.skip("no mount command here, so no small file system to fill")
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"mounting a tmpfs is not permitted here (needs root): {exc.stderr.strip()}")
    try:
        yield mount_point.resolve()
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


@asynccontextmanager
async def client_for(*directories: Path) -> AsyncIterator[Client]:
    async with connect(TOOLS.server(*directories)) as client:
        yield client


async def call(directory: Path, tool: str, **arguments: Any) -> types.CallToolResult:
    async with client_for(directory) as client:
        return await client.call_tool(tool, arguments)


def fill_with(path: Path, size: int) -> bytes:
    content = (b"0123456789abcdef" * (size // 16 + 1))[:size]
    path.write_bytes(content)
    return content


def assert_disk_full(result: types.CallToolResult) -> None:
    assert result.is_error
    assert "disk is full" in text_of(result)
    assert "nothing was changed" in text_of(result)


@pytest.mark.anyio
async def test_a_write_that_does_not_fit_leaves_the_original_and_no_temporary(small_disk: Path) -> None:
    original = fill_with(small_disk / "data.txt", 200_000)

    result = await call(small_disk, "write_file", path="data.txt", content="x" * 2_000_000)

    assert_disk_full(result)
    assert (small_disk / "data.txt").read_bytes() == original
    assert os.listdir(small_disk) == ["data.txt"]


@pytest.mark.anyio
async def test_appends_and_copies_that_do_not_fit_change_nothing(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = fill_with(small_disk / "data.txt", 600_000)
    (small_disk / "tree").mkdir()
    fill_with(small_disk / "tree" / "part.bin", 300_000)

    async with client_for(small_disk) as client:
        results = {
            "append by copy": await client.call_tool(
                "append_file", {"path": "data.txt", "content": "x" * 50}
            ),
            "copy": await client.call_tool("copy_file", {"source": "data.txt", "destination": "copy.txt"}),
            "tree copy": await client.call_tool("copy_directory", {"source": "tree", "destination": "tree2"}),
        }
        monkeypatch.setattr(writing, "APPEND_COPY_LIMIT", 0)
        results["append in place"] = await client.call_tool(
            "append_file", {"path": "data.txt", "content": "y" * 600_000}
        )

    for name in ("append by copy", "copy", "tree copy", "append in place"):
        assert_disk_full(results[name])
    assert (small_disk / "data.txt").read_bytes() == original
    assert sorted(os.listdir(small_disk)) == ["data.txt", "tree"]
    assert os.listdir(small_disk / "tree") == ["part.bin"]


@pytest.mark.anyio
async def test_an_edit_that_does_not_fit_leaves_the_original(small_disk: Path) -> None:
    original = fill_with(small_disk / "data.txt", 600_000)
    edit = [{"oldText": "0123456789abcdef", "newText": "fedcba9876543210", "replaceAll": True}]

    result = await call(small_disk, "edit_file", path="data.txt", edits=edit)

    assert_disk_full(result)
    assert (small_disk / "data.txt").read_bytes() == original
    assert os.listdir(small_disk) == ["data.txt"]


# -- moves across file systems ------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_move_across_file_systems_copies_whole_then_removes_the_source(
    box: Sandbox, small_disk: Path
) -> None:
    fill_with(box.root / "file.bin", 100_000)
    (box.root / "file.bin").chmod(0o640)
    (box.root / "dir" / "sub").mkdir(parents=True)
    (box.root / "dir" / "sub" / "a.txt").write_text("a")
    (box.root / "dir" / "link").symlink_to("sub/a.txt")
    expected = (box.root / "file.bin").read_bytes()

    async with client_for(box.root, small_disk) as client:
        moved_file = await client.call_tool(
            "move_file", {"source": "file.bin", "destination": str(small_disk / "file.bin")}
        )
        moved_dir = await client.call_tool(
            "move_file", {"source": "dir", "destination": str(small_disk / "dir")}
        )

    for result in (moved_file, moved_dir):
        assert not result.is_error, text_of(result)
        assert isinstance(result.structured_content, dict)
        assert result.structured_content["acrossFilesystems"] is True
    assert (small_disk / "file.bin").read_bytes() == expected
    assert (small_disk / "file.bin").stat().st_mode & 0o777 == 0o640
    assert (small_disk / "dir" / "sub" / "a.txt").read_text() == "a"
    assert os.readlink(small_disk / "dir" / "link") == "sub/a.txt"
    assert sorted(os.listdir(box.root)) == []
    assert temporaries(small_disk) == []


@pytest.mark.anyio
async def test_a_move_across_file_systems_that_does_not_fit_keeps_the_source(
    box: Sandbox, small_disk: Path
) -> None:
    original = fill_with(box.root / "huge.bin", 2_000_000)

    async with client_for(box.root, small_disk) as client:
        result = await client.call_tool(
            "move_file", {"source": "huge.bin", "destination": str(small_disk / "huge.bin")}
        )

    assert_disk_full(result)
    assert (box.root / "huge.bin").read_bytes() == original
    assert os.listdir(small_disk) == []
