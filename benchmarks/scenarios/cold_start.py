"""Cold start: how long a host waits, from spawning the server, until it can offer its tools.

Hosts spawn every configured server at launch, so this is latency every user pays. Two times,
both from just before the spawn: the `initialize` result (the process is up and the SDK loaded)
and the `tools/list` result after `notifications/initialized` (the server is usable). A server
may take at most `START_UP_BUDGET` longer than the first row, the bare SDK server by default.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.scenarios import Scenario, register
from benchmarks.servers import SQLITE_DATABASE
from benchmarks.sqlite_fixture import SqliteSpec, write_database

if TYPE_CHECKING:
    from benchmarks.harness import Server

START_UP_BUDGET = 0.050  # seconds over a bare SDK server (`sdk-hello`), for each metric


class ColdStart(Scenario):
    name = "cold-start"
    description = "spawn → initialize result, and spawn → tools/list result"
    metrics = ("initialize", "tools/list")

    def prepare(self, root: Path) -> None:
        # A small git repository holding a small database is a valid root for every kind of
        # server (filesystem, git, sqlite).
        (root / "README.md").write_text("A file so the root is not empty.\n")
        write_database(root / SQLITE_DATABASE, SqliteSpec(rows=100))
        git = shutil.which("git")
        if git is not None:
            subprocess.run([git, "init", "--quiet", str(root)], check=True)

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        server.initialize()
        initialized_at = time.perf_counter()
        server.initialized()
        server.list_tools()
        listed_at = time.perf_counter()
        return {
            "initialize": initialized_at - server.started_at,
            "tools/list": listed_at - server.started_at,
        }

    def budget(self, metric: str) -> float:
        return START_UP_BUDGET


register(ColdStart())
