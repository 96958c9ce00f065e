"""Spawn stdio MCP servers, run a scenario against each over the real protocol, collect numbers.

One *run* is one fresh server process: spawned, handed to the scenario (which times what it
cares about from `Server.started_at`), measured for peak RSS, then shut down the way a host does
it (close stdin, wait, terminate, kill). Runs are interleaved across servers (A B C A B C ...)
so that a noisy machine slows every server alike instead of whichever happened to run last.

Peak RSS is the server process's own high-water mark (`VmHWM` in /proc), read after the
scenario's last response and before shutdown: `getrusage(RUSAGE_CHILDREN)` would mix every
child of this process, and `wait4` would fold in the server's own children. A scenario that
sets `rss_with_children` gets the peak of the server and its descendants together instead,
sampled while it measures (`benchmarks.memory.TreeSampler`): for servers that do their work in
child processes.

A scenario that `keeps_servers` spawns each server once instead, on its first turn, and measures
that same process in every round (`_KeptServer`); the interleaving is the same. Each is shut
down when the scenario ends.

The scenario's fixture is made once per invocation (`prepare`) and, if it lives outside the
working directory (a database on a server), removed after the last round (`finish`).

A scenario's baselines (command-line tools such as `find`, or floors timed in this process such as
a plain HTTP client) take their turn in every round too, first, and become rows like the servers'.
A server the scenario raises `Unsupported` for is asked once and keeps its reason instead of numbers.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from benchmarks.baselines import CommandFailed, InProcessFloor, run_command
from benchmarks.memory import TreeSampler, high_water_mark
from benchmarks.rpc import ConnectionClosed, JsonRpcClient, RpcError
from benchmarks.scenarios import Unsupported

if TYPE_CHECKING:
    from benchmarks.baselines import Baseline
    from benchmarks.scenarios import Scenario
    from benchmarks.servers import ServerSpec

PROTOCOL_VERSION = "2025-11-25"
_CLIENT_INFO = {"name": "moorings-benchmarks", "version": "0"}
_SHUTDOWN_GRACE = 5.0
_MAX_PAGES = 10_000  # of a listing: a cursor that never ends is a bug to report, not a loop to wait out


class ServerFailed(Exception):
    """A server could not be started or broke during a run; it is dropped from the comparison."""


class Server:
    """A freshly spawned MCP server and the JSON-RPC client wired to its pipes."""

    def __init__(self, process: subprocess.Popen[bytes], started_at: float, timeout: float) -> None:
        assert process.stdin is not None
        assert process.stdout is not None
        self.process = process
        self.started_at = started_at
        self.rpc = JsonRpcClient(process.stdin, process.stdout, timeout)
        # What the scenario got back, in a few words (`Scenario.summarize`), for the report.
        self.returned: str | None = None

    def initialize(self) -> dict[str, Any]:
        """The 2025-11-25 handshake's first half: send `initialize`, return its result."""
        params = {"protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": _CLIENT_INFO}
        result = self.rpc.request("initialize", params)
        if not isinstance(result, dict) or "protocolVersion" not in result:
            raise ValueError(f"initialize returned no protocolVersion: {str(result)[:200]}")
        return result

    def initialized(self) -> None:
        """The handshake's second half; the server may serve requests only after it."""
        self.rpc.notify("notifications/initialized")

    def handshake(self) -> dict[str, Any]:
        result = self.initialize()
        self.initialized()
        return result

    def list_tools(self) -> list[dict[str, Any]]:
        """Every tool, from every page of `tools/list` (following `nextCursor`)."""
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = self.list_tools_page(cursor)
            tools += page["tools"]
            cursor = page.get("nextCursor")
            if cursor is None:
                return tools
        raise ValueError(f"tools/list still had more after {_MAX_PAGES:,} pages")

    def list_tools_page(self, cursor: str | None = None) -> dict[str, Any]:
        """One page of `tools/list`: its `tools` and, when more follow, a `nextCursor`."""
        result = self.rpc.request("tools/list", None if cursor is None else {"cursor": cursor})
        if not isinstance(result, dict) or not isinstance(result.get("tools"), list):
            raise ValueError(f"tools/list returned no list of tools: {str(result)[:200]}")
        return result

    def list_resources(self, cursor: str | None = None) -> dict[str, Any]:
        """One page of `resources/list`: its `resources` and, when more follow, a `nextCursor`."""
        result = self.rpc.request("resources/list", None if cursor is None else {"cursor": cursor})
        if not isinstance(result, dict) or not isinstance(result.get("resources"), list):
            raise ValueError(f"resources/list returned no list of resources: {str(result)[:200]}")
        return result

    def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = self.rpc.request("tools/call", {"name": name, "arguments": arguments})
        if not isinstance(result, dict):
            raise ValueError(f"tools/call returned no result object: {str(result)[:200]}")
        return result

    def cpu_seconds(self) -> float | None:
        """CPU time the process's live threads have used so far, or None where Linux does not say.

        Read from each thread's scheduler statistics (nanoseconds, unlike the clock ticks of
        /proc/PID/stat), so a batch of sub-millisecond calls still gets an exact figure. A thread
        that exits between two readings takes its time with it: measure across a batch that
        starts none and ends none.
        """
        try:
            threads = list(Path(f"/proc/{self.process.pid}/task").iterdir())
        except OSError:
            return None
        nanoseconds = []
        for thread in threads:
            with contextlib.suppress(OSError):  # it exited since the listing
                nanoseconds.append(int((thread / "schedstat").read_text().split()[0]))
        return sum(nanoseconds) / 1e9 if nanoseconds else None

    def peak_rss(self) -> int | None:
        """The process's peak resident set size in bytes, or None once it has exited."""
        return high_water_mark(self.process.pid)


@dataclass
class Result:
    """What one server (or baseline tool) produced over all measured runs of one scenario."""

    server: str
    timings: dict[str, list[float]] = field(default_factory=dict)
    peak_rss: list[int] = field(default_factory=list)
    failure: str | None = None
    unsupported: str | None = None
    returned: str | None = None


def run_scenario(
    scenario: Scenario,
    servers: Sequence[ServerSpec],
    *,
    runs: int,
    warmup: int = 1,
    timeout: float = 30.0,
    progress: Callable[[str], None] | None = None,
    baselines: Sequence[Baseline | InProcessFloor] = (),
) -> list[Result]:
    """Run `scenario` `warmup + runs` times per server and baseline tool, interleaved.

    Keep the last `runs`; the results list the `baselines` first, then the `servers`.
    """
    baseline_results = [Result(baseline.name) for baseline in baselines]
    server_results = [Result(spec.name) for spec in servers]
    with (
        tempfile.TemporaryDirectory(prefix="moorings-bench-") as workdir,
        contextlib.ExitStack() as kept,
    ):
        root = scenario.prepare(Path(workdir)) or Path(workdir)
        # Registered first, so it runs last: after every kept server has been shut down.
        kept.callback(scenario.finish, root)
        turns = [_turn(scenario, spec, root, timeout, kept) for spec in servers]
        for round_number in range(warmup + runs):
            measured = round_number >= warmup
            if progress is not None:
                label = f"run {round_number - warmup + 1}/{runs}" if measured else "warm-up"
                progress(f"{scenario.name}: {label}")
            for baseline, result in zip(baselines, baseline_results, strict=True):
                if result.failure is None:
                    _run_baseline_once(scenario, baseline, root, timeout, result, measured)
            for turn, result in zip(turns, server_results, strict=True):
                if result.failure is None and result.unsupported is None:
                    _take_turn(turn, result, measured)
    return baseline_results + server_results


# One server's turn in a round: its timings, its peak RSS and what it returned.
_Measurement = tuple[dict[str, float], int | None, str | None]


def _turn(
    scenario: Scenario, spec: ServerSpec, root: Path, timeout: float, kept: contextlib.ExitStack
) -> Callable[[], _Measurement]:
    if not scenario.keeps_servers:
        return lambda: _measure_fresh(scenario, spec, root, timeout)
    return kept.enter_context(contextlib.closing(_KeptServer(scenario, spec, root, timeout))).measure


def _take_turn(turn: Callable[[], _Measurement], result: Result, measured: bool) -> None:
    try:
        timings, rss, returned = turn()
    except Unsupported as reason:
        result.unsupported = str(reason)
    except ServerFailed as error:
        result.failure = str(error)
    else:
        if measured:
            _record(result, timings, rss, returned)


def _measure_fresh(scenario: Scenario, spec: ServerSpec, root: Path, timeout: float) -> _Measurement:
    """One run on a process of its own: spawned, measured, shut down."""
    with spawn(spec.argv(root, scenario.placeholders()), cwd=root, timeout=timeout) as server:
        timings, rss = _measure(scenario, server, root)
        return timings, rss, server.returned


def _measure(scenario: Scenario, server: Server, root: Path) -> tuple[dict[str, float], int | None]:
    """`scenario.measure` on `server`, and the peak RSS it reached: its own, or its process tree's."""
    if not scenario.rss_with_children:
        return scenario.measure(server, root), server.peak_rss()
    with TreeSampler(server.process.pid) as sampler:
        timings = scenario.measure(server, root)
    return timings, sampler.peak


class _KeptServer:
    """One process of `spec` for every round: spawned and readied on its first turn, measured on each.

    The process lives in a generator suspended inside `spawn`, so a failure in any round still
    comes out as `ServerFailed` carrying this server's own exit code and stderr, and `close`
    shuts it down the usual way.
    """

    def __init__(self, scenario: Scenario, spec: ServerSpec, root: Path, timeout: float) -> None:
        self._rounds = self._serve(scenario, spec, root, timeout)

    def measure(self) -> _Measurement:
        return next(self._rounds)

    def close(self) -> None:
        self._rounds.close()

    @staticmethod
    def _serve(
        scenario: Scenario, spec: ServerSpec, root: Path, timeout: float
    ) -> Generator[_Measurement, None, None]:
        with spawn(spec.argv(root, scenario.placeholders()), cwd=root, timeout=timeout) as server:
            scenario.start(server, root)
            while True:
                timings, rss = _measure(scenario, server, root)
                yield timings, rss, server.returned


def _run_baseline_once(
    scenario: Scenario,
    baseline: Baseline | InProcessFloor,
    root: Path,
    timeout: float,
    result: Result,
    measured: bool,
) -> None:
    if isinstance(baseline, InProcessFloor):
        _run_floor_once(baseline, root, result, measured)
        return
    try:
        run = run_command(baseline.argv(root), cwd=root, timeout=timeout)
    except CommandFailed as error:
        result.failure = str(error)
        return
    if measured:
        timings = dict.fromkeys(baseline.metrics, run.seconds)
        _record(result, timings, run.peak_rss, scenario.summarize(run.output))


def _run_floor_once(floor: InProcessFloor, root: Path, result: Result, measured: bool) -> None:
    try:
        timings, returned = floor.measure(root)
    except (ValueError, OSError) as error:
        result.failure = str(error)
        return
    if measured:
        _record(result, timings, None, returned)


def _record(result: Result, timings: dict[str, float], rss: int | None, returned: str | None) -> None:
    for metric, seconds in timings.items():
        result.timings.setdefault(metric, []).append(seconds)
    if rss is not None:
        result.peak_rss.append(rss)
    result.returned = returned


@contextlib.contextmanager
def spawn(argv: Sequence[str], *, cwd: Path, timeout: float = 30.0) -> Iterator[Server]:
    """Start `argv` as a stdio MCP server, yield it, and always shut it down afterwards.

    Protocol failures inside the block become `ServerFailed` carrying the exit code and the
    tail of the server's stderr, which is what explains a crash.
    """
    with tempfile.TemporaryFile() as stderr:
        started_at = time.perf_counter()
        try:
            process = subprocess.Popen(
                argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
            )
        except OSError as error:
            raise ServerFailed(f"could not start {argv[0]}: {error}") from None
        server = Server(process, started_at, timeout)
        try:
            yield server
        except _RUN_FAILURES as error:
            _shutdown(server)
            raise ServerFailed(_describe_failure(error, process, stderr)) from None
        finally:
            _shutdown(server)


# What a misbehaving or dying server looks like from here; anything else is a bug in the harness.
_RUN_FAILURES = (ConnectionClosed, TimeoutError, RpcError, ServerFailed, BrokenPipeError, ValueError)


def _shutdown(server: Server) -> None:
    """Close stdin, then escalate to SIGTERM and SIGKILL, as the MCP stdio transport prescribes."""
    process = server.process
    server.rpc.close()
    _close_quietly(process.stdin)
    if process.returncode is None:
        try:
            process.wait(_SHUTDOWN_GRACE)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(_SHUTDOWN_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    _close_quietly(process.stdout)


def _close_quietly(stream: IO[bytes] | None) -> None:
    if stream is None or stream.closed:
        return
    # Flushing into a dead server's stdin fails; its unread input no longer matters.
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def _describe_failure(error: Exception, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> str:
    # The last line of stderr is what explains a crash: a traceback ends with the exception.
    stderr.seek(0)
    lines = stderr.read().decode(errors="replace").strip().splitlines()
    detail = f"; its stderr ends with: {lines[-1].strip()}" if lines else ""
    return f"{error} (exit code {process.returncode}){detail}"
