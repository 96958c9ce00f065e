"""Cold start: how long a host waits, from spawning the server, until it can offer its tools.

Hosts spawn every configured server at launch, so this is latency every user pays. Two times,
both from just before the spawn: the `initialize` result (the process is up and the SDK loaded)
and the `tools/list` result after `notifications/initialized` (the server is usable). A server
may take at most `START_UP_BUDGET` longer than the first row, the bare SDK server by default.

The postgres servers get a small database of their own to connect to when PostgreSQL is there;
when it is not, the scenario still runs, and a postgres server that needs its database at
start-up fails its row with its own message. The openapi servers get a document of
`SMALL_API_OPERATIONS` operations, an API's usual size, whose API is never called.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.openapi_fixture import generate_document, write_documents
from benchmarks.postgres_fixture import PostgresSpec, create_database, drop_database
from benchmarks.scenarios import FixtureUnavailable, Scenario, register
from benchmarks.servers import API_PLACEHOLDER, SQLITE_DATABASE
from benchmarks.sqlite_fixture import SqliteSpec, write_database

if TYPE_CHECKING:
    from benchmarks.harness import Server

START_UP_BUDGET = 0.050  # seconds over a bare SDK server (`sdk-hello`), for each metric
_SMALL_DATABASE = PostgresSpec(rows=100, tables=5)
SMALL_API_OPERATIONS = 40
_UNCALLED_API = "127.0.0.1:9"  # the discard port: the servers only check the address at start


class ColdStart(Scenario):
    name = "cold-start"
    description = "spawn → initialize result, and spawn → tools/list result"
    metrics = ("initialize", "tools/list")
    _made_database = False  # whether `prepare` made the postgres servers' database, for `finish`

    def prepare(self, root: Path) -> None:
        # A small git repository holding a small database is a valid root for every kind of
        # server (filesystem, git, sqlite).
        (root / "README.md").write_text("A file so the root is not empty.\n")
        write_database(root / SQLITE_DATABASE, SqliteSpec(rows=100))
        write_documents(root, generate_document(SMALL_API_OPERATIONS))
        git = shutil.which("git")
        if git is not None:
            subprocess.run([git, "init", "--quiet", str(root)], check=True)
        try:
            create_database(_SMALL_DATABASE)
        except FixtureUnavailable as reason:
            print(f"{self.name}: the postgres servers get no database: {reason}", file=sys.stderr)
            self._made_database = False
        else:
            self._made_database = True

    def placeholders(self) -> Mapping[str, str]:
        return {API_PLACEHOLDER: _UNCALLED_API}

    def finish(self, root: Path) -> None:
        if self._made_database:
            drop_database()

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
