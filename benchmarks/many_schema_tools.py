"""How long a server with a thousand schema tools takes to register them and to list them.

``python -m benchmarks.many_schema_tools [--tools 1000] [--page-size 100] [--runs 5]`` prints the
median of each step: registering the tools (`MooringsServer.schema_tool`, which checks every
schema), building the SDK server, and the first complete `tools/list` (every page) through the
SDK's in-process client, in the 2026-07-28 era. The schemas look like an OpenAPI document's
operations: 3 to 8 parameters of the usual JSON types, half of them with a description of their
own, and a third of the operations with `$defs` (a component schema, one property of which varies).
Times are the process's CPU time, steadier than the wall clock on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import anyio
import mcp_types as types

from moorings_core.config import ServerSettings
from moorings_core.server import MooringsServer, ToolContext
from moorings_core.testing import connect

_KINDS: list[dict[str, Any]] = [
    {"type": "string", "maxLength": 200},
    {"type": "integer", "minimum": 0},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "string", "enum": ["asc", "desc"]},
    {"type": "array", "items": {"type": "string"}},
    {"type": "string", "format": "date-time"},
    {"type": "object", "properties": {"key": {"type": "string"}}, "additionalProperties": False},
]


def operation_schema(number: int) -> dict[str, Any]:
    """A made-up operation's input schema: 3-8 properties, every third with `$defs`."""
    count = 3 + number % 6
    properties = {
        f"param_{number}_{index}": _described(_KINDS[(number + index) % len(_KINDS)], number, index)
        for index in range(count)
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties)[:2],
        "additionalProperties": False,
    }
    if number % 3 == 0:
        schema["$defs"] = {
            "Pet": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "tag": {"type": "string"},
                    "owner": {"$ref": "#/$defs/Owner"},
                    f"extra_{number % 7}": {"type": "integer"},
                },
                "required": ["name"],
            },
            "Owner": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}},
        }
        schema["properties"]["body"] = {"$ref": "#/$defs/Pet"}
    return schema


def _described(kind: dict[str, Any], number: int, index: int) -> dict[str, Any]:
    """Half the parameters have a description of their own, as in a documented API."""
    return {**kind, "description": f"Parameter {index} of operation {number}."} if index % 2 else kind


async def _answer(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
    return types.CallToolResult(content=[])


def register(tools: int, page_size: int | None) -> MooringsServer:
    paging = {} if page_size is None else {"tools_page_size": page_size}
    server = MooringsServer(
        "bench", settings=ServerSettings(), instructions="", distribution="moorings-core", **paging
    )
    for number in range(tools):
        server.schema_tool(
            name=f"operation_{number}",
            title=f"Operation {number}",
            description=f"Operation number {number} of a large API.",
            input_schema=operation_schema(number),
            output_schema={"type": "object"} if number % 2 else None,
            read_only=number % 2 == 0,
            handler=_answer,
        )
    return server


async def list_all(server: MooringsServer) -> int:
    async with connect(server) as client:
        page = await client.list_tools()
        listed = len(page.tools)
        while page.next_cursor is not None:
            page = await client.list_tools(cursor=page.next_cursor)
            listed += len(page.tools)
    return listed


def measure(tools: int, page_size: int | None) -> tuple[float, float, float]:
    started = time.process_time()
    server = register(tools, page_size)
    registered = time.process_time()
    _ = server.mcp
    built = time.process_time()
    listed = anyio.run(list_all, server)
    done = time.process_time()
    if listed != tools:
        raise AssertionError(f"listed {listed} of {tools} tools")
    return registered - started, built - registered, done - built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tools", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    page_size = arguments.page_size or None
    runs = [measure(arguments.tools, page_size) for _ in range(arguments.runs)]
    for index, step in enumerate(["register", "build the SDK server", "first tools/list, all pages"]):
        median = statistics.median(run[index] for run in runs)
        print(f"{step}: {median * 1000:.0f} ms ({median / arguments.tools * 1e6:.0f} us a tool)")


if __name__ == "__main__":
    main()
