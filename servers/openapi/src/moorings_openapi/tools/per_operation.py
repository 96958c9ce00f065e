"""One tool per operation: the model sees each operation as a tool of its own, with its own schema.

A tool's hints come from its HTTP method, as HTTP defines the methods' semantics (RFC 9110 §9.2):
GET and HEAD only read; PUT and DELETE may be repeated to the same effect; DELETE destroys.
Every operation reaches outside this machine (`openWorldHint`).
"""

from __future__ import annotations

from typing import Any

import mcp_types as types

from moorings_core import MooringsServer, ToolContext, reporting_progress
from moorings_core.server import SchemaToolHandler
from moorings_openapi.calling import Caller
from moorings_openapi.catalog import Catalog, OperationTool

__all__ = ["describe_download", "hints", "register"]


def register(server: MooringsServer, catalog: Catalog, caller: Caller) -> None:
    for tool in catalog:
        server.schema_tool(
            name=tool.name,
            title=tool.title,
            description=tool.description,
            input_schema=tool.input_schema,
            output_schema=tool.output_schema,
            **hints(tool.operation.method),
            handler=_handler(tool, caller),
        )


def hints(method: str) -> dict[str, bool]:
    """The annotations an operation's HTTP method gives its tool."""
    return {
        "read_only": method in ("GET", "HEAD"),
        "destructive": method == "DELETE",
        "idempotent": method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS"),
        "open_world": True,
    }


def _handler(tool: OperationTool, caller: Caller) -> SchemaToolHandler:
    async def call(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        async with reporting_progress(ctx, describe_download) as progress:
            return await caller.call(tool, arguments, progress)

    return call


def describe_download(done: float, total: float | None) -> str:
    if total is None:
        return f"{done / 1024:,.0f} KiB of the response received"
    return f"{done / 1024:,.0f} of {total / 1024:,.0f} KiB of the response received"
