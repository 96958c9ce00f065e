"""A plain OpenAPI MCP server, for the openapi scenario tests: one tool per operation, calling the API.

Real stdio and real HTTP, written the obvious way on the SDK's low-level server, with our server's
command line (``--spec PATH --base-url URL``) and results (structured content ``{"status", "body"}``).
A tool's ``id`` argument fills the path's ``{id}``. Options: ``--page-size N`` lists the tools in
pages of N, each with a ``nextCursor`` but the last; ``--skip-operations N`` leaves the document's
last N operations out; ``--made-up`` answers without calling the API (the object asked for, but
without the API's token); ``--body-only`` gives the body alone as structured content, as
FastMCP's server does; ``--compact`` lists one tool, ``call_operation``, which takes an
``operation`` and its ``arguments``, as our compact mode does.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server


def _option(name: str, default: str | None = None) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def _operations() -> dict[str, tuple[str, str]]:
    """Each operationId's method and path, in document order, less the skipped."""
    document = json.loads(Path(str(_option("--spec"))).read_text())
    operations = {
        operation["operationId"]: (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    kept = len(operations) - int(_option("--skip-operations", "0") or 0)
    return dict(list(operations.items())[:kept])


OPERATIONS = _operations()
BASE_URL = str(_option("--base-url")).rstrip("/")
PAGE_SIZE = int(_option("--page-size", str(len(OPERATIONS) or 1)) or 1)
OPERATION_TOOLS = [
    types.Tool(
        name=name,
        description=f"{method} {path}",
        input_schema={"type": "object", "properties": {"id": {"type": "string"}}},
    )
    for name, (method, path) in OPERATIONS.items()
]
CALL_OPERATION = types.Tool(
    name="call_operation",
    description="Call any operation.",
    input_schema={
        "type": "object",
        "properties": {"operation": {"type": "string"}, "arguments": {"type": "object"}},
    },
)
TOOLS = [CALL_OPERATION] if "--compact" in sys.argv else OPERATION_TOOLS


async def list_tools(context: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    start = int(params.cursor) if params is not None and params.cursor else 0
    end = start + PAGE_SIZE
    return types.ListToolsResult(tools=TOOLS[start:end], next_cursor=str(end) if end < len(TOOLS) else None)


def _request(method: str, url: str) -> tuple[int, Any]:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"this test server calls only the tests' local API, not {url}")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


async def call_tool(context: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
    name, arguments = params.name, params.arguments or {}
    if name == CALL_OPERATION.name:
        name, arguments = arguments["operation"], arguments.get("arguments") or {}
    method, path = OPERATIONS[name]
    identifier = str(arguments.get("id", ""))
    if "--made-up" in sys.argv:
        status, body = 200, {"id": identifier, "name": "made up"}
    else:
        status, body = await asyncio.to_thread(_request, method, BASE_URL + path.replace("{id}", identifier))
    result = body if "--body-only" in sys.argv else {"status": status, "body": body}
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(result))], structured_content=result
    )


async def main() -> None:
    server: Server[Any] = Server("minimal-openapi", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


if __name__ == "__main__":
    asyncio.run(main())
