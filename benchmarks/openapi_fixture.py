"""The openapi benchmarks' fixture: a realistic OpenAPI 3.1 document of N operations, and its API.

`generate_document(operations)` builds the document as a dict, the same one everywhere (one seeded
generator): resources of four operations each, in this order, cut short at `operations` —

- ``list{Things}``: ``GET /{things}`` with the shared ``limit`` and ``cursor`` query parameters
  (``$ref``s to ``components/parameters``), answering a page of ``{Thing}``;
- ``get{Thing}``: ``GET /{things}/{id}`` with an ``expand`` query parameter;
- ``create{Thing}``: ``POST /{things}`` with a required JSON body ``$ref``'ing ``{Thing}Create``;
- ``delete{Thing}``: ``DELETE /{things}/{id}``, answering 204.

Each resource has a tag and schemas of its own (``{Thing}``, ``{Thing}Create``, ``{Thing}Page``), which
``$ref`` shared ones: ``Owner`` → ``Address`` → ``GeoPoint`` (nested), ``Money``, and ``Category``, which
is recursive (its ``children`` are categories). Errors are shared responses (``NotFound``,
``ValidationFailed``) over one ``Error`` schema. Descriptions are a few sentences long, as in
documents that people write.

`write_documents(directory, document)` writes it as ``openapi.json`` and ``openapi.yaml``, to compare
what reading each costs.

`LocalApi` runs the API in a child process (`serve`: a small asyncio HTTP/1.1 server on 127.0.0.1),
so that it never competes for this process's GIL with the client it is timed against. It answers any
path the document has, generically: ``GET /{things}/{id}`` with a small object holding that ``id``
and the API's `LocalApi.token` (a secret of that process: an MCP server cannot make up an answer
that carries it), ``GET /{things}`` with a page of two, ``POST`` with the body it got and an id, and
``DELETE`` with 204. ``GET /__requests`` says how many requests it has answered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import subprocess
import sys
import threading
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

DEFAULT_OPERATIONS = 1_000
OPERATIONS_PER_RESOURCE = 4
REQUESTS_PATH = "/__requests"
_SEED = 2026

# Two word lists whose products name the resources: 25 x 10 = 250 resources, 1,000 operations.
_DOMAINS = (
    "berth", "vessel", "cargo", "crew", "tide", "harbour", "pilot", "tug", "lock", "quay",
    "customs", "fuel", "ballast", "anchor", "buoy", "chart", "weather", "tariff", "manifest", "port",
    "dock", "ferry", "freight", "mooring", "signal",
)  # fmt: skip
_THINGS = (
    "booking", "invoice", "inspection", "permit", "report", "schedule", "contact", "document",
    "incident", "allocation",
)  # fmt: skip
_WORDS = (
    "the", "request", "returns", "every", "field", "that", "callers", "may", "filter", "by", "when",
    "records", "are", "archived", "after", "ninety", "days", "owner", "account", "must", "hold",
    "permission", "to", "read", "them", "results", "sorted", "newest", "first", "and", "paged",
    "with", "an", "opaque", "cursor", "fields", "marked", "deprecated", "will", "be", "removed",
    "in", "next", "major", "version", "of", "this", "API", "harbour", "master", "approves",
    "changes", "within", "one", "working", "day",
)  # fmt: skip


def resource_names(operations: int) -> list[str]:
    """The resources of a document of `operations` operations, in camelCase ("berthBooking")."""
    count = -(-operations // OPERATIONS_PER_RESOURCE)
    if count > len(_DOMAINS) * len(_THINGS):
        raise ValueError(f"at most {len(_DOMAINS) * len(_THINGS) * OPERATIONS_PER_RESOURCE:,} operations")
    names = [domain + thing.capitalize() for thing in _THINGS for domain in _DOMAINS]
    return names[:count]


def get_operation(resource: str) -> str:
    """The operationId of `resource`'s ``GET /{things}/{id}``, which the calls scenario calls."""
    return f"get{_pascal(resource)}"


def collection_path(resource: str) -> str:
    """The path of `resource`'s collection: "berthBooking" → "/berth-bookings"."""
    kebab = "".join(f"-{char.lower()}" if char.isupper() else char for char in resource)
    return f"/{kebab}s"


def generate_document(
    operations: int = DEFAULT_OPERATIONS, *, server_url: str | None = None
) -> dict[str, Any]:
    """An OpenAPI 3.1 document of exactly `operations` operations, as a dict (see the module's docstring)."""
    if operations < 1:
        raise ValueError(f"a document needs at least one operation, not {operations}")
    prose = _Prose(random.Random(_SEED))
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = _shared_schemas(prose)
    tags = []
    left = operations
    for resource in resource_names(operations):
        tags.append({"name": resource, "description": prose.sentences(2)})
        schemas |= _resource_schemas(resource, prose)
        for method, path, operation in _resource_operations(resource, prose)[:left]:
            paths.setdefault(path, {})[method] = operation
        left -= OPERATIONS_PER_RESOURCE
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Harbour Operations API",
            "version": "2026.12.0",
            "description": prose.sentences(5),
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": _shared_parameters(),
            "responses": _shared_responses(),
        },
    }
    if server_url is not None:
        document["servers"] = [{"url": server_url, "description": "The benchmark's local API"}]
    return document


def operation_ids(document: dict[str, Any]) -> list[str]:
    """Every operationId in `document`, in document order."""
    return [operation["operationId"] for item in document["paths"].values() for operation in item.values()]


def write_documents(directory: Path, document: dict[str, Any]) -> tuple[Path, Path]:
    """`document` as ``openapi.json`` and ``openapi.yaml`` in `directory`; their paths."""
    import yaml  # only the fixture needs it: the harness's other users never load YAML

    json_path, yaml_path = directory / "openapi.json", directory / "openapi.yaml"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    # Through JSON first: parts shared between operations would otherwise become YAML anchors,
    # which documents that people write seldom have.
    plain = json.loads(json_path.read_text())
    yaml_path.write_text(yaml.dump(plain, Dumper=dumper, sort_keys=False, allow_unicode=True))
    return json_path, yaml_path


# --- the document's parts ---------------------------------------------------------------------------


class _Prose:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self) -> str:
        words = self.rng.choices(_WORDS, k=self.rng.randint(8, 16))
        return " ".join(words).capitalize() + "."

    def sentences(self, count: int) -> str:
        return " ".join(self.sentence() for _ in range(count))


def _pascal(resource: str) -> str:
    return resource[0].upper() + resource[1:]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _resource_operations(resource: str, prose: _Prose) -> list[tuple[str, str, dict[str, Any]]]:
    name, collection = _pascal(resource), collection_path(resource)
    item = f"{collection}/{{id}}"
    errors = {"404": {"$ref": "#/components/responses/NotFound"}}
    id_parameter = {
        "name": "id",
        "in": "path",
        "required": True,
        "description": f"The {resource}'s identifier.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    }

    def operation(verb: str, **parts: Any) -> dict[str, Any]:
        return {
            "operationId": f"{verb}{name}{'s' if verb == 'list' else ''}",
            "summary": f"{verb.capitalize()} {resource}{'s' if verb == 'list' else ''}",
            "description": prose.sentences(prose.rng.randint(2, 4)),
            "tags": [resource],
            **parts,
        }

    return [
        (
            "get",
            collection,
            operation(
                "list",
                parameters=[
                    {"$ref": "#/components/parameters/Limit"},
                    {"$ref": "#/components/parameters/Cursor"},
                ],
                responses={"200": _json(_ref(f"{name}Page"), "A page of results."), **errors},
            ),
        ),
        (
            "get",
            item,
            operation(
                "get",
                parameters=[
                    id_parameter,
                    {
                        "name": "expand",
                        "in": "query",
                        "description": "Related objects to include in full rather than by identifier.",
                        "schema": {
                            "type": "array",
                            "items": {"type": "string", "enum": ["owner", "category"]},
                        },
                    },
                ],
                responses={"200": _json(_ref(name), f"The {resource}."), **errors},
            ),
        ),
        (
            "post",
            collection,
            operation(
                "create",
                requestBody={"required": True, **_json(_ref(f"{name}Create"), f"The new {resource}.")},
                responses={
                    "201": _json(_ref(name), f"The {resource}, created."),
                    "422": {"$ref": "#/components/responses/ValidationFailed"},
                },
            ),
        ),
        (
            "delete",
            item,
            operation(
                "delete", parameters=[id_parameter], responses={"204": {"description": "Deleted."}, **errors}
            ),
        ),
    ]


def _resource_schemas(resource: str, prose: _Prose) -> dict[str, Any]:
    name = _pascal(resource)
    writable = {
        "name": {"type": "string", "maxLength": 200, "description": prose.sentence()},
        "status": {"type": "string", "enum": ["draft", "active", "archived"], "default": "draft"},
        "notes": {"type": ["string", "null"], "description": prose.sentence()},
        "labels": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
        "amount": _ref("Money"),
        "owner": _ref("Owner"),
        "category": _ref("Category"),
    }
    return {
        name: {
            "type": "object",
            "description": prose.sentences(2),
            "required": ["id", "name", "status"],
            "properties": {
                "id": {"type": "string", "readOnly": True},
                **writable,
                "created_at": {"type": "string", "format": "date-time", "readOnly": True},
                "etag": {"type": "string", "readOnly": True},
            },
        },
        f"{name}Create": {
            "type": "object",
            "description": f"What a new {resource} is made of.",
            "required": ["name"],
            "properties": writable,
            "additionalProperties": False,
        },
        f"{name}Page": {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {"type": "array", "items": _ref(name)},
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "Pass as cursor for the next page.",
                },
            },
        },
    }


def _shared_schemas(prose: _Prose) -> dict[str, Any]:
    return {
        "Money": {
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$"},
                "currency": {"type": "string", "minLength": 3, "maxLength": 3},
            },
        },
        "GeoPoint": {
            "type": "object",
            "properties": {
                "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            },
        },
        "Address": {
            "type": "object",
            "properties": {
                "street": {"type": "string"},
                "city": {"type": "string"},
                "country": {"type": "string", "minLength": 2, "maxLength": 2},
                "location": _ref("GeoPoint"),
            },
        },
        "Owner": {
            "type": "object",
            "description": prose.sentence(),
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "display_name": {"type": "string"},
                "email": {"type": "string", "format": "email"},
                "address": _ref("Address"),
            },
        },
        "Category": {
            "type": "object",
            "description": "A node of the category tree; its children are categories too.",
            "required": ["code"],
            "properties": {
                "code": {"type": "string"},
                "title": {"type": "string"},
                "children": {"type": "array", "items": _ref("Category")},
            },
        },
        "Error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    }


def _shared_parameters() -> dict[str, Any]:
    return {
        "Limit": {
            "name": "limit",
            "in": "query",
            "description": "How many results a page holds at most.",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
        "Cursor": {
            "name": "cursor",
            "in": "query",
            "description": "The next_cursor of the previous page, to get the page after it.",
            "schema": {"type": "string"},
        },
    }


def _shared_responses() -> dict[str, Any]:
    return {
        "NotFound": _json(_ref("Error"), "There is no such object."),
        "ValidationFailed": _json(_ref("Error"), "The request's body does not match its schema."),
    }


# --- the API --------------------------------------------------------------------------------------


class LocalApi:
    """The API of the fixture's documents, served by a child process on 127.0.0.1 until `close`.

    `origin` is ``http://127.0.0.1:PORT``, `host` is ``127.0.0.1:PORT``; `token` is in every object
    it answers with.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.openapi_fixture", "serve"],
            cwd=Path(__file__).resolve().parents[1],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().split()
        if len(line) != 2:
            self.close()
            raise RuntimeError("the local API did not start (see its stderr above)")
        self.origin, self.token = line
        self.host = urlsplit(self.origin).netloc

    def requests(self) -> int:
        """How many requests the API has answered so far (not counting these questions)."""
        count: int = httpx.get(self.origin + REQUESTS_PATH).json()["requests"]
        return count

    def close(self) -> None:
        # Closing its stdin is how it is told to stop; it exits within its next poll.
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> LocalApi:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def answer(method: str, path: str, body: bytes, token: str) -> tuple[int, bytes]:
    """The API's status and JSON body for one request (generic: any collection, any id)."""
    parts = [part for part in urlsplit(path).path.split("/") if part]
    if not parts or len(parts) > 2:
        return 404, json.dumps({"code": "not_found", "message": f"no such path: {path}"}).encode()
    kind = parts[0]
    if method == "DELETE" and len(parts) == 2:
        return 204, b""
    if method == "GET" and len(parts) == 2:
        return 200, json.dumps(_object(kind, parts[1], token)).encode()
    if method == "GET":
        items = [_object(kind, str(number), token) for number in (1, 2)]
        return 200, json.dumps({"items": items, "next_cursor": None}).encode()
    if method == "POST" and len(parts) == 1:
        try:
            fields = json.loads(body or b"{}")
        except ValueError:
            return 422, json.dumps({"code": "invalid_json", "message": "the body is not JSON"}).encode()
        return 201, json.dumps({**_object(kind, "new-1", token), **fields}).encode()
    return 405, json.dumps({"code": "method_not_allowed", "message": f"{method} {path}"}).encode()


def _object(kind: str, identifier: str, token: str) -> dict[str, Any]:
    return {
        "id": identifier,
        "name": f"{kind} {identifier}",
        "status": "active",
        "created_at": "2026-12-01T09:30:00Z",
        "etag": token,
    }


def serve() -> None:
    """Serve the API until stdin closes; first print its origin and token on one line."""
    loop = asyncio.new_event_loop()
    api = _Api(secrets.token_hex(8))
    listener = loop.run_until_complete(loop.create_server(lambda: _Connection(api), "127.0.0.1", 0))
    port = listener.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port} {api.token}", flush=True)
    # Until the parent closes our stdin, or dies.
    threading.Thread(
        target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(loop.stop)), daemon=True
    ).start()
    try:
        loop.run_forever()
    finally:
        listener.close()
        loop.close()


class _Api:
    def __init__(self, token: str) -> None:
        self.token = token
        self.served = 0

    def respond(self, method: str, target: str, body: bytes) -> tuple[int, bytes]:
        if target == REQUESTS_PATH:
            return 200, json.dumps({"requests": self.served}).encode()
        self.served += 1
        return answer(method, target, body, self.token)


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: requests with a Content-Length body (or none), in order.

    A few lines of parsing on the event loop rather than `http.server`'s thread and header parser
    per request: the API answers in tens of microseconds, so the clients timed against it are what
    the tables show, not it.
    """

    def __init__(self, api: _Api) -> None:
        self._api = api
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None and (request := self._next_request()) is not None:
            method, target, body, keep_alive = request
            status, payload = self._api.respond(method, target, body)
            length = b"" if status == 204 else b"Content-Length: %d\r\n" % len(payload)
            head = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s" % (
                status,
                HTTPStatus(status).phrase.encode(),
                length,
            )
            self._transport.write(
                head + (b"" if keep_alive else b"Connection: close\r\n") + b"\r\n" + payload
            )
            if not keep_alive:
                self._transport.close()
                self._transport = None

    def _next_request(self) -> tuple[str, str, bytes, bool] | None:
        """The next whole request in the buffer, taken out of it, or None until it has arrived."""
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        request_line, *header_lines = self._buffer[:end].decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines)
        }
        length = int(headers.get("content-length", "0"))
        if len(self._buffer) < end + 4 + length:
            return None
        body = bytes(self._buffer[end + 4 : end + 4 + length])
        del self._buffer[: end + 4 + length]
        method, target, _ = request_line.split(" ", 2)
        return method, target, body, headers.get("connection", "").lower() != "close"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.openapi_fixture")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API on 127.0.0.1 until stdin closes")
    write = commands.add_parser("write", help="write openapi.json and openapi.yaml into a directory")
    write.add_argument("directory", type=Path)
    write.add_argument("--operations", type=int, default=DEFAULT_OPERATIONS)
    write.add_argument("--server-url")
    arguments = parser.parse_args(argv)
    if arguments.command == "serve":
        serve()
    else:
        document = generate_document(arguments.operations, server_url=arguments.server_url)
        for path in write_documents(arguments.directory, document):
            print(path)


if __name__ == "__main__":
    main()
