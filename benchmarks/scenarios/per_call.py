"""Per-call cost: each server's cheapest tool call beside a bare SDK server's no-op, side by side.

What a server adds to every call is its own share on top of what the SDK costs anyway, so the
floor runs in the same invocation: `sdk-hello` (a bare `MCPServer`, listed first by default) and
its `hello` tool. Every other server makes its cheapest call: the filesystem's `get_file_info`
on a small file, sqlite's `list_tables` on a small database (whichever of `CHEAPEST_CALLS` a
server lists first). The difference of a row's median to the floor's is that server's share,
and Moorings' budget for it is `SHARE_BUDGET`.

Every server is one process for the whole invocation (`keeps_servers`): spawned, handshaken and
warmed up once, untimed, then given a batch of sequential calls per round, the servers taking
turns, so a noisy neighbour slows every row alike. A round's percentiles are one sample each;
the tables give their median over the rounds and, in min and max, how much the rounds varied.

Beside the latency a client sees, each round gives the server's own CPU time per call (all its
threads, on Linux): the work, without the waiting (for a core, for the client, for a thread to
wake), which is where a hop between threads costs most on an idle machine.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.calls import text_of, text_size, timed_call
from benchmarks.scenarios import Scenario, Unsupported, register
from benchmarks.servers import SQLITE_DATABASE
from benchmarks.sqlite_fixture import SqliteSpec, write_database

if TYPE_CHECKING:
    from benchmarks.harness import Server

SMALL_FILE = "small.txt"
SHARE_BUDGET = 0.15e-3  # seconds over the floor's median, per call
# Tool name -> its arguments, given the scenario's directory; the floor's no-op first.
CHEAPEST_CALLS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "hello": lambda root: {"name": "floor"},
    "get_file_info": lambda root: {"path": str(root / SMALL_FILE)},
    "list_tables": lambda root: {},
}


class PerCall(Scenario):
    name = "per-call"
    metrics = ("p50 per call", "p90 per call", "p99 per call", "server CPU per call")
    default_runs = 20
    keeps_servers = True

    def __init__(self, *, quick: bool = False) -> None:
        self.calls = 5 if quick else 200
        self.warm_up_calls = 2 if quick else 100
        self.description = (
            f"each server's cheapest call ({', '.join(CHEAPEST_CALLS)}), {self.calls} sequential calls "
            "per round, the servers taking turns; the first server is the floor"
        )

    def quick(self) -> Scenario:
        return PerCall(quick=True)

    def prepare(self, root: Path) -> None:
        (root / SMALL_FILE).write_text("A small file for get_file_info.\n")
        write_database(root / SQLITE_DATABASE, SqliteSpec(rows=100))

    def start(self, server: Server, root: Path) -> None:
        server.handshake()
        tool, arguments = self._cheapest_call(server, root)
        for _ in range(self.warm_up_calls):
            timed_call(server, tool, arguments)

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        tool, arguments = self._cheapest_call(server, root)
        samples = []
        cpu_before = server.cpu_seconds()
        for _ in range(self.calls):
            seconds, result = timed_call(server, tool, arguments)
            samples.append(seconds)
        cpu_after = server.cpu_seconds()
        server.returned = f"{text_size(text_of(result))} of text from {tool}"
        percentiles = statistics.quantiles(samples, n=100, method="inclusive")
        timings = {
            "p50 per call": percentiles[49],
            "p90 per call": percentiles[89],
            "p99 per call": percentiles[98],
        }
        if cpu_before is not None and cpu_after is not None:
            timings["server CPU per call"] = (cpu_after - cpu_before) / self.calls
        return timings

    def budget(self, metric: str) -> float | None:
        return SHARE_BUDGET if metric == "p50 per call" else None

    @staticmethod
    def _cheapest_call(server: Server, root: Path) -> tuple[str, dict[str, Any]]:
        """The first of `CHEAPEST_CALLS` that `server` lists, with its arguments for `root`.

        Asked again each round (an untimed `tools/list`) rather than remembered per server.
        """
        listed = {tool.get("name") for tool in server.list_tools()}
        for tool, arguments in CHEAPEST_CALLS.items():
            if tool in listed:
                return tool, arguments(root)
        raise Unsupported(f"it has none of the tools {', '.join(CHEAPEST_CALLS)}")


register(PerCall())
