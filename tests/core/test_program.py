"""`run_program`: what every console script does, run for real in a child process.

The program below stands for a server that must open something before serving (as sqlite opens
its database): a marker file records what was opened and closed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pydantic import Field

from moorings_core.config import ServerSettings
from moorings_core.errors import NotFound
from moorings_core.program import ServerProgram
from moorings_core.server import MooringsServer
from moorings_core.testing import HANG_LIMIT


class ProbeSettings(ServerSettings):
    journal: Path = Field(description="Where the program notes what it opened and closed.")
    missing: bool = Field(default=False, description="Fail to open, as a missing database would.")


@asynccontextmanager
async def opened(settings: ProbeSettings) -> AsyncIterator[MooringsServer]:
    if settings.missing:
        raise NotFound("The thing to open does not exist.", hint="Name one that does.")
    with settings.journal.open("a") as journal:
        journal.write("opened\n")
    server = MooringsServer("probe", settings=settings, instructions="", distribution="moorings-core")

    @server.tool(title="Ping", read_only=True)
    async def ping() -> str:
        """Answer."""
        return "pong"

    try:
        yield server
    finally:
        with settings.journal.open("a") as journal:
            journal.write("closed\n")


PROGRAM = ServerProgram(name="probe", settings=ProbeSettings, build=opened, description="A probe server.")

_RUN = "from moorings_core.program import run_program; run_program('tests.core.test_program:PROGRAM')"
_INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}


def start(*args: str) -> subprocess.Popen[bytes]:
    root = Path(__file__).parents[2]
    return subprocess.Popen(
        [sys.executable, "-c", _RUN, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_a_failure_to_open_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    probe = start("--journal", str(tmp_path / "journal"), "--missing")
    out, err = probe.communicate(timeout=HANG_LIMIT)
    assert probe.returncode == 2
    assert err.decode().splitlines() == [
        "moorings-probe: error: The thing to open does not exist. Name one that does."
    ]
    assert out == b""  # no client was answered
    assert not (tmp_path / "journal").exists()


def test_a_bad_setting_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    probe = start("--journal", str(tmp_path / "journal"), "--call-timeout", "-1")
    _, err = probe.communicate(timeout=HANG_LIMIT)
    assert probe.returncode == 2
    assert len(err.decode().splitlines()) == 1
    assert err.decode().startswith("moorings-probe: error: --call-timeout")


def test_what_was_opened_is_closed_when_the_client_leaves(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    probe = start("--journal", str(journal))
    out, err = probe.communicate(json.dumps(_INITIALIZE).encode() + b"\n", timeout=HANG_LIMIT)
    assert probe.returncode == 0, err.decode()
    assert json.loads(out.splitlines()[0])["result"]["serverInfo"]["name"] == "moorings-probe"
    assert journal.read_text() == "opened\nclosed\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
def test_what_was_opened_is_closed_when_the_process_is_told_to_stop(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    probe = start("--journal", str(journal))
    assert probe.stdin is not None
    assert probe.stdout is not None
    probe.stdin.write(json.dumps(_INITIALIZE).encode() + b"\n")
    probe.stdin.flush()
    probe.stdout.readline()  # serving: the handshake was answered
    probe.send_signal(signal.SIGTERM)
    probe.communicate(timeout=HANG_LIMIT)
    assert probe.returncode == 0
    assert journal.read_text() == "opened\nclosed\n"


def test_version_comes_from_the_distribution(tmp_path: Path) -> None:
    probe = start("--version")
    out, _ = probe.communicate(timeout=HANG_LIMIT)
    assert probe.returncode == 0
    assert out.decode().startswith("moorings-probe ")
