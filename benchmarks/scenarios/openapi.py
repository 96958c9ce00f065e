"""OpenAPI scenarios: an MCP server made from a 1,000-operation document, loading it and calling its API.

Both write the document of `benchmarks.openapi_fixture` (250 resources x list, get, create,
delete) into the scenario's directory as ``openapi.json`` and ``openapi.yaml``, and serve its API
from a child process on 127.0.0.1 (`LocalApi`), whose ``127.0.0.1:PORT`` the server commands get
as ``{api_host}``. The server specs (`benchmarks.servers`): ``openapi`` (ours, JSON),
``openapi-yaml`` (the same document as YAML), ``openapi-compact`` (``--tool-mode compact``) and the
peer ``fastmcp-openapi`` (FastMCP's ``from_openapi``); ``sdk-hello`` is the floor of start-up.

``openapi-load``: a fresh process a run. Times from just before the spawn to the `initialize`
result (start-up, the document's loading included), then `tools/list` with every page (following
``nextCursor``), and the two together. A server must list every operation as a tool or none of
them (a compact mode, the floor); one that lists some is broken and fails its row.

``openapi-calls``: one process per server, kept for every round. Each round makes `calls`
sequential ``tools/call``s of ``getBerthBooking`` (``GET /berth-bookings/{id}``), or of
``call_operation`` naming it for a server that lists only that (our compact mode), each with an id
never asked before, so nothing can be answered from a cache: the total (and so calls a second), and
the round's p50 and p99, and the server's own CPU time per call (all its threads, on Linux: the
work without the waiting). The floor is the same requests with a plain ``httpx.Client`` (sync,
keep-alive) in this process, and a second row with ``httpx.AsyncClient``; each request timed
until its JSON is parsed, as a tool call is until its result is. Every answer is checked: status
200, the id asked for, and the API process's secret token (`LocalApi.token`), so a server that
answers without asking the API fails rather than posting a flattering time; the API's own count of
requests is in the row's note.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from benchmarks.baselines import InProcessFloor
from benchmarks.calls import byte_size, first_tool, text_of, timed_call
from benchmarks.openapi_fixture import (
    DEFAULT_OPERATIONS,
    LocalApi,
    collection_path,
    generate_document,
    get_operation,
    operation_ids,
    resource_names,
    write_documents,
)
from benchmarks.scenarios import Scenario, register
from benchmarks.servers import API_PLACEHOLDER

if TYPE_CHECKING:
    from benchmarks.baselines import Baseline
    from benchmarks.harness import Server

_QUICK_OPERATIONS = 40
WARM_UP_CALLS = 20
# The compact mode's one tool for every call: {"operation": operationId, "arguments": {...}}.
COMPACT_CALL = "call_operation"


class _OpenApiScenario(Scenario):
    """The fixture both scenarios share: the document in the directory, its API on 127.0.0.1."""

    def __init__(self, *, quick: bool = False) -> None:
        self.operations = _QUICK_OPERATIONS if quick else DEFAULT_OPERATIONS
        self.resource = resource_names(self.operations)[0]
        self._api: LocalApi | None = None
        self._operation_ids: frozenset[str] = frozenset()

    @property
    def api(self) -> LocalApi:
        if self._api is None:
            raise RuntimeError(f"{self.name} measured before its API was served (prepare)")
        return self._api

    def prepare(self, root: Path) -> None:
        self._api = LocalApi()
        document = generate_document(self.operations, server_url=self._api.origin)
        self._operation_ids = frozenset(operation_ids(document))
        write_documents(root, document)

    def placeholders(self) -> Mapping[str, str]:
        return {API_PLACEHOLDER: self.api.host}

    def finish(self, root: Path) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None


# --- openapi-load -----------------------------------------------------------------------------------


class OpenApiLoad(_OpenApiScenario):
    name = "openapi-load"
    metrics = ("initialize", "tools/list, every page", "spawn → every tool listed")
    default_timeout = 300.0  # a response: start-up with a big document has taken 90 s on a busy machine

    def __init__(self, *, quick: bool = False) -> None:
        super().__init__(quick=quick)
        self.description = (
            f"spawn → initialize result with a {self.operations:,}-operation OpenAPI document, then "
            "tools/list following every nextCursor; a fresh process a run"
        )

    def quick(self) -> Scenario:
        return OpenApiLoad(quick=True)

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        server.initialize()
        initialized_at = time.perf_counter()
        server.initialized()
        pages = [server.list_tools_page()]
        while (cursor := pages[-1].get("nextCursor")) is not None:
            pages.append(server.list_tools_page(cursor))
        listed_at = time.perf_counter()
        server.returned = self._listing(pages)
        return {
            "initialize": initialized_at - server.started_at,
            "tools/list, every page": listed_at - initialized_at,
            "spawn → every tool listed": listed_at - server.started_at,
        }

    def _listing(self, pages: Sequence[dict[str, Any]]) -> str:
        """What the pages listed, in a few words; `ValueError` when they hold some operations but not all."""
        tools = [tool for page in pages for tool in page["tools"]]
        names = {str(tool.get("name")) for tool in tools}
        operations = len(names & self._operation_ids)
        size = byte_size(sum(len(json.dumps(page).encode()) for page in pages))
        listed = f"{_counted(len(tools), 'tool')} in {_counted(len(pages), 'page')} ({size} of JSON)"
        if operations == len(self._operation_ids):
            return f"{listed}: every operation"
        if operations:
            raise ValueError(
                f"tools/list held {operations:,} of the document's {len(self._operation_ids):,} operations"
            )
        return f"{listed}: {', '.join(sorted(names)[:5])}"


# --- openapi-calls ----------------------------------------------------------------------------------


class OpenApiCalls(_OpenApiScenario):
    name = "openapi-calls"
    metrics = ("every call, total", "p50 per call", "p99 per call", "server CPU per call")
    default_runs = 5
    default_timeout = 300.0  # the first response is the start-up, which has taken 90 s (openapi-load)
    keeps_servers = True
    peer = "fastmcp-openapi"

    def __init__(self, *, quick: bool = False) -> None:
        super().__init__(quick=quick)
        self.calls = 20 if quick else 500
        self.tool = get_operation(self.resource)
        self.description = (
            f"{self.calls} sequential calls of {self.tool} (GET {collection_path(self.resource)}/{{id}}) "
            f"on a {self.operations:,}-operation document, against a local API; the floor is the same "
            "requests with httpx"
        )
        self._routes: dict[int, str] = {}  # the tool each server's calls go through, by its pid
        self._asked = 0  # ids asked so far, over every row and round: each call asks a new one
        self._sync: httpx.Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._async: httpx.AsyncClient | None = None

    def quick(self) -> Scenario:
        return OpenApiCalls(quick=True)

    def prepare(self, root: Path) -> None:
        super().prepare(root)
        self._sync = httpx.Client(base_url=self.api.origin)
        self._loop = asyncio.new_event_loop()
        self._async = httpx.AsyncClient(base_url=self.api.origin)

    def finish(self, root: Path) -> None:
        if self._sync is not None:
            self._sync.close()
        if self._loop is not None:
            if self._async is not None:
                self._loop.run_until_complete(self._async.aclose())
            self._loop.close()
        self._sync = self._async = self._loop = None
        super().finish(root)

    def baselines(self) -> Sequence[Baseline | InProcessFloor]:
        return (
            InProcessFloor("httpx.Client", self._measure_sync_floor),
            InProcessFloor("httpx.AsyncClient", self._measure_async_floor),
        )

    def calls_timed(self, metric: str) -> int | None:
        return self.calls if metric == "every call, total" else None

    # --- the servers ----------------------------------------------------------------------------

    def start(self, server: Server, root: Path) -> None:
        server.handshake()
        self._routes[server.process.pid] = first_tool(server, (self.tool, COMPACT_CALL))
        for _ in range(WARM_UP_CALLS):
            self._call(server)

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        requests_before = self.api.requests()
        samples = []
        cpu_before = server.cpu_seconds()
        for _ in range(self.calls):
            seconds, result = self._call(server)
            samples.append(seconds)
        cpu_after = server.cpu_seconds()
        route = self._routes[server.process.pid]
        how = "" if route == self.tool else f" through {route}"
        server.returned = self._summary(
            requests_before, f"a result of {byte_size(len(text_of(result)))} of text{how}"
        )
        timings = _timings(samples)
        if cpu_before is not None and cpu_after is not None:
            timings["server CPU per call"] = (cpu_after - cpu_before) / self.calls
        return timings

    def _call(self, server: Server) -> tuple[float, dict[str, Any]]:
        """One timed call for a new id, by the operation's own tool or through the compact mode's; checked."""
        identifier = self._next_id()
        route = self._routes[server.process.pid]
        arguments: dict[str, Any] = {"id": identifier}
        if route == COMPACT_CALL:
            arguments = {"operation": self.tool, "arguments": arguments}
        seconds, result = timed_call(server, route, arguments)
        self._check_response(*status_and_body(result), identifier)
        return seconds, result

    # --- the floors -----------------------------------------------------------------------------

    def _measure_sync_floor(self, root: Path) -> tuple[dict[str, float], str | None]:
        client = self._sync
        assert client is not None, "prepare made the client"
        requests_before = self.api.requests()
        samples = []
        for _ in range(self.calls):
            identifier = self._next_id()
            path = f"{collection_path(self.resource)}/{identifier}"
            started = time.perf_counter()
            response = client.get(path)
            body = response.json()
            samples.append(time.perf_counter() - started)
            self._check_response(response.status_code, body, identifier)
        return _timings(samples), self._summary(requests_before, "its JSON parsed")

    def _measure_async_floor(self, root: Path) -> tuple[dict[str, float], str | None]:
        loop, client = self._loop, self._async
        assert loop is not None, "prepare made the loop"
        assert client is not None, "prepare made the client"
        requests_before = self.api.requests()
        samples = loop.run_until_complete(self._async_calls(client))
        return _timings(samples), self._summary(requests_before, "its JSON parsed")

    async def _async_calls(self, client: httpx.AsyncClient) -> list[float]:
        samples = []
        for _ in range(self.calls):
            identifier = self._next_id()
            started = time.perf_counter()
            response = await client.get(f"{collection_path(self.resource)}/{identifier}")
            body = response.json()
            samples.append(time.perf_counter() - started)
            self._check_response(response.status_code, body, identifier)
        return samples

    # --- checks ---------------------------------------------------------------------------------

    def _next_id(self) -> str:
        self._asked += 1
        return f"bk-{self._asked:07d}"

    def _check_response(self, status: int, body: Any, identifier: str) -> None:
        """`ValueError` unless the API answered 200 with the object asked for, carrying its token."""
        if status != 200:
            raise ValueError(f"the call for id {identifier} got status {status}: {str(body)[:200]}")
        if not isinstance(body, dict) or body.get("id") != identifier or body.get("etag") != self.api.token:
            raise ValueError(
                f"the call for id {identifier} got another object than the API's: {str(body)[:200]}"
            )

    def _summary(self, requests_before: int, what: str) -> str:
        """The calls a round made and the requests the API saw; `ValueError` if it saw fewer."""
        requests = self.api.requests() - requests_before
        if requests < self.calls:
            raise ValueError(
                f"{self.calls:,} calls reached the API only {requests:,} times: answers were made up"
            )
        return f"{self.calls:,} answers checked ({what}), {requests:,} requests at the API"


def status_and_body(result: dict[str, Any]) -> tuple[int, Any]:
    """The HTTP status and body a tool result holds.

    Ours: structured content ``{"status": 200, "body": ...}``. A server that gives the body alone (as
    structured content, wrapped in ``{"result": ...}``, or as JSON text) is taken to have had a 200:
    the body's id and token still have to be right.
    """
    structured = result.get("structuredContent")
    if isinstance(structured, dict) and "status" in structured and "body" in structured:
        return int(structured["status"]), structured["body"]
    if isinstance(structured, dict):
        return 200, structured.get("result", structured) if len(structured) == 1 else structured
    try:
        return 200, json.loads(text_of(result))
    except ValueError:
        return 0, text_of(result)


def _counted(count: int, thing: str) -> str:
    return f"{count:,} {thing}{'' if count == 1 else 's'}"


def _timings(samples: Sequence[float]) -> dict[str, float]:
    percentiles = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "every call, total": sum(samples),
        "p50 per call": percentiles[49],
        "p99 per call": percentiles[98],
    }


register(OpenApiLoad())
register(OpenApiCalls())
