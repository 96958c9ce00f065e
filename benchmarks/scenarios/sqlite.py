"""Sqlite scenarios: the issue's performance section, ours beside the archived reference server.

Every scenario works on the cached database of `benchmarks.sqlite_fixture` (a 1,000,000-row
``shipments`` table), which each server serves as its ``--db-path``. Each run spawns a fresh
server, then, untimed, finishes the handshake and makes one small call of the same tool, so
neither start-up (that is `cold-start`'s number) nor a first call's one-time costs blur what a call
costs. The clock runs around the measured calls only.

Both servers are called with the reference's tool and parameter names. The reference answers a
failed statement with ordinary text ("Database error: ..."), not `isError`, so every result is
checked for what it must hold (rows, the table's name, its columns) and a result without it fails
the server instead of giving a flattering time. Every row says how many of the table's rows came
back: a server that pages returns its first page where the reference returns everything.

The queries have the ``sqlite3`` CLI as their floor, timed as a whole process: spawn and opening
the database included, its output written to a file. Its own ``.timer`` would leave those out but
only has millisecond resolution, too coarse for ``LIMIT 100``; so for that query a second row times
the CLI's start-up alone (``SELECT 1`` on the same database), to subtract.
"""

from __future__ import annotations

import statistics
from abc import abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from benchmarks.baselines import Baseline
from benchmarks.calls import start, text_of, text_size, timed_call
from benchmarks.scenarios import Scenario, register
from benchmarks.servers import ROOT_PLACEHOLDER, SQLITE_DATABASE
from benchmarks.sqlite_fixture import COLUMNS, REFERENCE, TABLE, SqliteSpec, ensure_database

if TYPE_CHECKING:
    from benchmarks.harness import Server

_QUICK_SPEC = SqliteSpec(rows=2_000)
_WARM_UP = {"query": f"SELECT * FROM {TABLE} LIMIT 1"}
_CLI = "sqlite3 (whole process)"
_CLI_START_UP = "sqlite3 (start-up only)"
_CLI_DATABASE = f"{ROOT_PLACEHOLDER}/{SQLITE_DATABASE}"
_CLI_HINT = "install the sqlite3 CLI (`apt-get install sqlite3`)"


def count_rows(text: str) -> int:
    """How many of the table's rows `text` holds, in whatever format it came: one reference each."""
    return len(REFERENCE.findall(text))


def check_rows(result: dict[str, Any]) -> str:
    """The text of a `read_query` result; raise `ValueError` when it holds no row at all."""
    text = text_of(result)
    if not REFERENCE.search(text):
        raise ValueError(f"read_query returned no rows: {text[:300]}")
    return text


def check_tables(result: dict[str, Any]) -> str:
    """The text of a `list_tables` result; raise `ValueError` unless it names the big table."""
    text = text_of(result)
    if TABLE not in text:
        raise ValueError(f"list_tables did not name {TABLE}: {text[:300]}")
    return text


def check_description(result: dict[str, Any]) -> str:
    """The text of a `describe_table` result; raise `ValueError` unless it names every column."""
    text = text_of(result)
    missing = [column for column in COLUMNS if column not in text]
    if missing:
        raise ValueError(f"describe_table did not name the column(s) {', '.join(missing)}: {text[:300]}")
    return text


class _DatabaseScenario(Scenario):
    """A scenario on the cached database; `quick=True` uses a small table and few calls."""

    default_runs = 5

    def __init__(self, *, quick: bool = False) -> None:
        self.spec = _QUICK_SPEC if quick else SqliteSpec()
        self.calls = 5 if quick else 20
        self.description = self._describe()

    @abstractmethod
    def _describe(self) -> str:
        """The description, with this variant's sizes."""

    def prepare(self, root: Path) -> Path:
        return ensure_database(self.spec)

    def quick(self) -> Scenario:
        return type(self)(quick=True)


class _QueryScenario(_DatabaseScenario):
    """`read_query` with one statement, beside the sqlite3 CLI running the same statement."""

    query: ClassVar[str]

    @abstractmethod
    def expected(self) -> int:
        """How many rows the statement selects."""

    def baselines(self) -> Sequence[Baseline]:
        command = ("sqlite3", "-readonly", "-json", _CLI_DATABASE, self.query)
        return (Baseline(_CLI, command, self.metrics[0], _CLI_HINT),)

    def summarize(self, output: str) -> str:
        return f"{count_rows(output):,} of {self.expected():,} rows in {text_size(output)} of text"


class LimitQuery(_QueryScenario):
    name = "sqlite-limit"
    metrics = ("LIMIT 100, per call",)
    query = f"SELECT * FROM {TABLE} LIMIT 100"

    def _describe(self) -> str:
        return (
            f"read_query {self.query!r} on a {self.spec.rows:,}-row table: median of {self.calls} calls "
            "per run, beside the sqlite3 CLI (one whole process per run, spawn included) and its start-up"
        )

    def expected(self) -> int:
        return min(100, self.spec.rows)

    def baselines(self) -> Sequence[Baseline]:
        start_up = ("sqlite3", "-readonly", _CLI_DATABASE, "SELECT 1")
        return (*super().baselines(), Baseline(_CLI_START_UP, start_up, self.metrics[0], _CLI_HINT))

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        start(server, "read_query", _WARM_UP)
        seconds, text = _median_call(server, "read_query", {"query": self.query}, check_rows, self.calls)
        server.returned = self.summarize(text)
        return {self.metrics[0]: seconds}


class SelectAll(_QueryScenario):
    name = "sqlite-full-scan"
    metrics = ("first response",)
    query = f"SELECT * FROM {TABLE}"
    default_runs = 3  # the reference takes seconds and about a gigabyte per call
    default_timeout = 300.0

    def _describe(self) -> str:
        return (
            f"read_query {self.query!r} on a {self.spec.rows:,}-row table: time to the first response "
            "(a first page from a server that pages, every row from one that does not) and peak RSS, "
            "beside the sqlite3 CLI printing every row (spawn included)"
        )

    def expected(self) -> int:
        return self.spec.rows

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        start(server, "read_query", _WARM_UP)
        seconds, result = timed_call(server, "read_query", {"query": self.query})
        server.returned = self.summarize(check_rows(result))
        if (result.get("structuredContent") or {}).get("nextCursor") is not None:
            server.returned += ", a nextCursor for the rest"
        return {self.metrics[0]: seconds}


class Schema(_DatabaseScenario):
    name = "sqlite-schema"
    metrics = ("list_tables, per call", "describe_table, per call")

    def _describe(self) -> str:
        return (
            f"list_tables, and describe_table of the {self.spec.rows:,}-row table: "
            f"median of {self.calls} calls each per run"
        )

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        start(server, "describe_table", {"table_name": "ports"})
        check_tables(timed_call(server, "list_tables", {})[1])  # the untimed first call of this one
        tables, tables_text = _median_call(server, "list_tables", {}, check_tables, self.calls)
        described, description = _median_call(
            server, "describe_table", {"table_name": TABLE}, check_description, self.calls
        )
        server.returned = (
            f"list_tables {text_size(tables_text)} of text, "
            f"describe_table {text_size(description)} naming all {len(COLUMNS)} columns"
        )
        return {self.metrics[0]: tables, self.metrics[1]: described}


def _median_call(
    server: Server, tool: str, arguments: dict[str, Any], check: Callable[[dict[str, Any]], str], calls: int
) -> tuple[float, str]:
    """The median seconds of `calls` calls of `tool`, each result checked, and the last one's text."""
    samples, text = [], ""
    for _ in range(calls):
        seconds, result = timed_call(server, tool, arguments)
        text = check(result)
        samples.append(seconds)
    return statistics.median(samples), text


for _scenario in (LimitQuery, SelectAll, Schema):
    register(_scenario())
