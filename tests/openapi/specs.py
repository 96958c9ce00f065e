"""OpenAPI documents for the tests: the committed ones, ones written in a test, a generated large one,
and a real HTTP server on 127.0.0.1 to read them from."""

from __future__ import annotations

import asyncio
import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from moorings_openapi.loading import load_api
from moorings_openapi.operations import Api

DATA = Path(__file__).parent / "data"
PUBLIC = DATA / "public"
HOSTILE = DATA / "hostile"
SPLIT = DATA / "split"


def load(source: str | Path) -> Api:
    """`load_api` on a file, from synchronous tests."""
    return asyncio.run(load_api(str(source), read_url=None))


def write(directory: Path, text: str, name: str = "openapi.yaml") -> Path:
    """A document written to `directory/name` (its parents created)."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def minimal(paths: str, *, version: str = "3.0.3", extra: str = "") -> str:
    """A YAML document with the given `paths:` body (indented by the caller as under `paths:`)."""
    return f'openapi: {version}\ninfo: {{title: T, version: "1"}}\n{extra}paths:\n{paths}'


def large_spec(path_count: int) -> dict[str, Any]:
    """A document of `path_count` paths, each with GET and POST, sharing component schemas by $ref."""
    components = {
        "Address": {
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        },
        "Error": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
        "Page": {"type": "object", "properties": {"next": {"type": "string", "nullable": True}}},
    }
    paths: dict[str, Any] = {}
    for index in range(path_count):
        name = f"Thing{index}"
        components[name] = {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "name": {"type": "string", "maxLength": 100},
                "address": {"$ref": "#/components/schemas/Address"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "related": {"$ref": f"#/components/schemas/Thing{(index + 1) % path_count}"},
            },
        }
        ref = {"$ref": f"#/components/schemas/{name}"}
        error = {
            "description": "Failure",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        paths[f"/things{index}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {
                "operationId": f"getThing{index}",
                "parameters": [{"$ref": "#/components/parameters/Limit"}],
                "responses": {
                    "200": {"description": "The thing", "content": {"application/json": {"schema": ref}}},
                    "default": error,
                },
            },
            "post": {
                "operationId": f"updateThing{index}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                "responses": {
                    "200": {"description": "Updated", "content": {"application/json": {"schema": ref}}},
                    "default": error,
                },
            },
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Large", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "parameters": {
                "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}
            },
        },
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _FileServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A server refused mid-read hangs up on purpose: not worth a traceback on stderr."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve_directory(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 serving `directory`: its base URL and the paths requested."""
    requested: list[str] = []

    class Handler(_QuietHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            super().do_GET()

    server = _FileServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
