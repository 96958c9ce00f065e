"""Postgres scenarios: ours beside the archived reference server and Postgres MCP Pro, in one run.

Every scenario works on a database of its own (`benchmarks.postgres_fixture`: a 100,000-row
``big`` table and 500 small tables), made before the first run and dropped after the last, which
every postgres server spec serves. Each run spawns a fresh server and, untimed, finishes the
handshake and makes one small call of the same kind, so neither start-up (`cold-start`'s number)
nor a first call's one-time costs blur what a call costs; `pg-cheap-calls` keeps one process per
server instead, as `per-call` does.

Each server runs SQL with its own tool: ``query`` (ours, the reference) or ``execute_sql``
(Postgres MCP Pro), whichever of `QUERY_TOOLS` it lists first, with the same statement. Neither
peer flags every failure with ``isError``, so each result is checked for what it must hold (rows,
the tables' names) and a result without it fails the server instead of giving a flattering time.
Every row says how much came back: a server that pages returns its first page where the peers
return everything.

Postgres MCP Pro takes about 31 ms for any call and about 10 s and 2 GB for the whole table, so
the scenarios wait up to a minute for a response; a server slower than that fails as a timeout
rather than holding the run up.
"""

from __future__ import annotations

import json
import statistics
import time
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from benchmarks.calls import first_tool, next_cursor, text_of, text_size, timed_call
from benchmarks.postgres_fixture import (
    REFERENCE,
    TABLE,
    TABLE_NAME,
    PostgresSpec,
    create_database,
    drop_database,
)
from benchmarks.scenarios import Scenario, Unsupported, register
from benchmarks.servers import SQLITE_DATABASE
from benchmarks.sqlite_fixture import SqliteSpec, write_database

if TYPE_CHECKING:
    from benchmarks.harness import Server

QUERY_TOOLS = ("query", "execute_sql")
SCHEMA = "public"
CHEAP_CALL_BUDGET = 0.5e-3  # seconds over the SQLite server's list_tables, per call (p50)
# Tool name -> its arguments: the SQLite server's list_tables (the first row, the budget's
# baseline), then each postgres server's cheapest statement.
CHEAP_CALLS: dict[str, dict[str, Any]] = {
    "list_tables": {},
    "query": {"sql": "SELECT 1"},
    "execute_sql": {"sql": "SELECT 1"},
}
_QUICK_SPEC = PostgresSpec(rows=2_000, tables=20)
_WARM_UP = f"SELECT * FROM {TABLE} LIMIT 1"
_MAX_PAGES = 1_000  # a cursor that never ends is a bug to report, not a loop to wait out

# One page of a listing: seconds taken, the text a model reads, and the cursor for the next page.
_Page = tuple[float, str, str | None]


def count_rows(text: str) -> int:
    """How many of the big table's rows `text` holds, in whatever format it came: one reference each."""
    return len(REFERENCE.findall(text))


def count_tables(text: str) -> int:
    """How many of the introspection tables `text` names, each counted once however often it appears."""
    return len(set(TABLE_NAME.findall(text)))


def check_rows(tool: str, result: dict[str, Any]) -> str:
    """The text of a query's result; raise `ValueError` when it holds no row at all."""
    text = text_of(result)
    if not REFERENCE.search(text):
        raise ValueError(f"{tool} returned no rows: {text[:300]}")
    return text


def check_tables(method: str, text: str) -> str:
    """`text` of a listing; raise `ValueError` unless it names at least one introspection table."""
    if not TABLE_NAME.search(text):
        raise ValueError(f"{method} named none of the tables: {text[:300]}")
    return text


class _PostgresScenario(Scenario):
    """A scenario on the benchmark database; `quick=True` uses a small one and few calls."""

    default_runs = 5
    default_timeout = 60.0

    def __init__(self, *, quick: bool = False) -> None:
        self.spec = _QUICK_SPEC if quick else PostgresSpec()
        self.calls = 5 if quick else 20
        self.description = self._describe()

    @abstractmethod
    def _describe(self) -> str:
        """The description, with this variant's sizes."""

    def prepare(self, root: Path) -> None:
        create_database(self.spec)

    def finish(self, root: Path) -> None:
        drop_database()

    def quick(self) -> Scenario:
        return type(self)(quick=True)


def _start_querying(server: Server) -> str:
    """The untimed start of a run: the handshake, the server's query tool, a first small query."""
    server.handshake()
    tool = first_tool(server, QUERY_TOOLS)
    check_rows(tool, timed_call(server, tool, {"sql": _WARM_UP})[1])
    return tool


class _QueryScenario(_PostgresScenario):
    query: ClassVar[str]

    @abstractmethod
    def expected(self) -> int:
        """How many rows the statement selects."""

    def summarize(self, output: str) -> str:
        return f"{count_rows(output):,} of {self.expected():,} rows in {text_size(output)} of text"


class LimitQuery(_QueryScenario):
    name = "pg-limit"
    metrics = ("LIMIT 100, per call",)
    query = f"SELECT * FROM {TABLE} LIMIT 100"

    def _describe(self) -> str:
        return f"{self.query!r} on a {self.spec.rows:,}-row table: median of {self.calls} calls per run"

    def expected(self) -> int:
        return min(100, self.spec.rows)

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        tool = _start_querying(server)
        samples, text = [], ""
        for _ in range(self.calls):
            seconds, result = timed_call(server, tool, {"sql": self.query})
            text = check_rows(tool, result)
            samples.append(seconds)
        server.returned = f"{self.summarize(text)} from {tool}"
        return {self.metrics[0]: statistics.median(samples)}


class FullSelect(_QueryScenario):
    name = "pg-full-select"
    metrics = ("first response",)
    query = f"SELECT * FROM {TABLE}"
    default_runs = 3  # a peer takes seconds and gigabytes per call

    def _describe(self) -> str:
        return (
            f"{self.query!r} on a {self.spec.rows:,}-row table: time to the first response (a first page "
            "from a server that pages, every row from one that does not) and the server's peak RSS"
        )

    def expected(self) -> int:
        return self.spec.rows

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        tool = _start_querying(server)
        seconds, result = timed_call(server, tool, {"sql": self.query})
        server.returned = f"{self.summarize(check_rows(tool, result))} from {tool}"
        if next_cursor(result) is not None:
            server.returned += ", a cursor for the rest"
        return {self.metrics[0]: seconds}


class Introspect(_PostgresScenario):
    name = "pg-introspect"
    metrics = ("every table, per call",)

    def _describe(self) -> str:
        return (
            f"list the {self.spec.tables + 1:,} tables of a schema, every page: list_objects where a server "
            f"has it, else resources/list (the reference's one per table); median of {self.calls} per run"
        )

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        capabilities = server.handshake().get("capabilities") or {}
        method, fetch = _lister(server, has_resources="resources" in capabilities)
        _all_pages(method, fetch)  # the untimed first listing
        samples, text, pages = [], "", 0
        for _ in range(self.calls):
            seconds, texts = _all_pages(method, fetch)
            samples.append(seconds)
            text, pages = "".join(texts), len(texts)
        server.returned = (
            f"{count_tables(text):,} of {self.spec.tables:,} berth tables in {text_size(text)} of text "
            f"from {method}" + (f" over {pages} pages" if pages > 1 else "")
        )
        return {self.metrics[0]: statistics.median(samples)}


def _lister(server: Server, *, has_resources: bool) -> tuple[str, Callable[[str | None], _Page]]:
    """How `server` lists a schema's tables (`list_objects`, else its resources), and a fetch of a page."""
    try:
        tool = first_tool(server, ("list_objects",))
    except Unsupported:
        if not has_resources:
            raise Unsupported("it has neither a list_objects tool nor resources") from None
        return "resources/list", lambda cursor: _resources_page(server, cursor)
    return tool, lambda cursor: _objects_page(server, cursor)


def _objects_page(server: Server, cursor: str | None) -> _Page:
    arguments: dict[str, Any] = {"schema_name": SCHEMA, "object_type": "table"}
    seconds, result = timed_call(server, "list_objects", arguments | ({"cursor": cursor} if cursor else {}))
    return seconds, text_of(result), next_cursor(result)


def _resources_page(server: Server, cursor: str | None) -> _Page:
    started = time.perf_counter()
    result = server.list_resources(cursor)
    seconds = time.perf_counter() - started
    following = result.get("nextCursor")
    return seconds, json.dumps(result["resources"]), str(following) if following is not None else None


def _all_pages(method: str, fetch: Callable[[str | None], _Page]) -> tuple[float, list[str]]:
    """Every page of a listing, following its cursor: the seconds they took together, their texts."""
    total, texts, cursor = 0.0, [], None
    while True:
        seconds, text, cursor = fetch(cursor)
        total += seconds
        texts.append(check_tables(method, text))
        if cursor is None:
            return total, texts
        if len(texts) == _MAX_PAGES:
            raise ValueError(f"{method} still had more after {_MAX_PAGES} pages")


class CheapCalls(Scenario):
    name = "pg-cheap-calls"
    metrics = ("all calls", "p50 per call", "p99 per call")
    default_runs = 5
    default_timeout = 60.0
    keeps_servers = True

    def __init__(self, *, quick: bool = False) -> None:
        self.calls = 20 if quick else 500
        self.warm_up_calls = 2 if quick else 50
        self.description = (
            f"{self.calls} sequential `SELECT 1` on one process per server, the servers taking turns, beside "
            "the SQLite server's list_tables (put it first: the budget is over its p50)"
        )

    def quick(self) -> Scenario:
        return CheapCalls(quick=True)

    def prepare(self, root: Path) -> None:
        write_database(root / SQLITE_DATABASE, SqliteSpec(rows=100))
        create_database(_QUICK_SPEC)  # `SELECT 1` reads no table: the smallest will do

    def finish(self, root: Path) -> None:
        drop_database()

    def start(self, server: Server, root: Path) -> None:
        server.handshake()
        tool = first_tool(server, tuple(CHEAP_CALLS))
        for _ in range(self.warm_up_calls):
            timed_call(server, tool, CHEAP_CALLS[tool])

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        tool = first_tool(server, tuple(CHEAP_CALLS))  # asked each round, untimed, as per-call does
        samples: list[float] = []
        result: dict[str, Any] = {}
        for _ in range(self.calls):
            seconds, result = timed_call(server, tool, CHEAP_CALLS[tool])
            samples.append(seconds)
        server.returned = f"{text_size(text_of(result))} of text from {tool}"
        percentiles = statistics.quantiles(samples, n=100, method="inclusive")
        return {"all calls": sum(samples), "p50 per call": percentiles[49], "p99 per call": percentiles[98]}

    def calls_timed(self, metric: str) -> int | None:
        return self.calls if metric == "all calls" else None

    def budget(self, metric: str) -> float | None:
        return CHEAP_CALL_BUDGET if metric == "p50 per call" else None


for _scenario in (LimitQuery, FullSelect, Introspect, CheapCalls):
    register(_scenario())
