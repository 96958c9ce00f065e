"""Three tools over every operation, for APIs with more operations than a model should be shown at once.

`list_operations` finds operations (by words or tag, a page at a time), `describe_operation` gives
one operation's documentation and input schema, and `call_operation` calls it with arguments that
are checked against that schema exactly as the operation's own tool would check them. A document
of a thousand operations then costs the model three tool descriptions, and each operation's schema
is built only when it is described or called.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, MooringsServer, Output, ToolContext, reporting_progress, tool_result
from moorings_core.paging import PageRequest, join_notes, room_for_items, with_note
from moorings_core.server.call_guard import ArgumentCheck
from moorings_openapi.calling import Caller
from moorings_openapi.catalog import Catalog, OperationTool
from moorings_openapi.tools.per_operation import describe_download

__all__ = ["OperationEntry", "OperationList", "OperationSchema", "register"]

_PAGE_ITEMS = 100


class OperationEntry(Output):
    name: str = Field(description="The operation's name, for describe_operation and call_operation.")
    method: str = Field(description="Its HTTP method.")
    path: str = Field(description="Its path template.")
    summary: str = Field(description="What it does, in a line (may be empty).")
    tags: list[str] = Field(description="The document's tags for it.")
    read_only: bool = Field(description="It only reads (GET or HEAD).")


class OperationList(Output):
    """A page of the operations that match."""

    operations: list[OperationEntry]
    total: int = Field(description="How many operations match, in all pages.")
    next_cursor: str | None = Field(default=None, description="Pass it as cursor for the next page.")


class OperationSchema(Output):
    """One operation: what to send and what comes back."""

    name: str
    method: str
    path: str
    input_schema: dict[str, Any] = Field(description="The JSON Schema call_operation's arguments must fit.")
    output_schema: dict[str, Any] | None = Field(
        default=None,
        description="The JSON Schema of a successful result's structured content, if documented.",
    )
    documentation: str = Field(description="The operation's documentation, as markdown.")


Query = Annotated[
    str | None,
    Field(
        max_length=200,
        description="Words to look for in names, paths, summaries and descriptions (all must appear, "
        "case-insensitive).",
    ),
]
Tag = Annotated[str | None, Field(max_length=200, description="Only operations with this tag (exact).")]
Cursor = Annotated[
    str | None, Field(max_length=200, description="The next_cursor of the previous page, to continue.")
]
OperationName = Annotated[
    str, Field(min_length=1, max_length=128, description="The operation's name, as list_operations gives it.")
]
Arguments = Annotated[
    dict[str, Any],
    Field(description="The operation's arguments, as describe_operation's input_schema says."),
]


def register(server: MooringsServer, catalog: Catalog, caller: Caller) -> None:
    budget = room_for_items(server.settings.max_output_chars)
    checkers: dict[str, ArgumentCheck] = {}
    all_read_only = all(tool.operation.method in ("GET", "HEAD") for tool in catalog)

    @server.tool(title="List the API's operations", read_only=True)
    async def list_operations(
        query: Query = None, tag: Tag = None, cursor: Cursor = None
    ) -> Annotated[types.CallToolResult, OperationList]:
        """Lists the operations this server can call, a page at a time: name, method, path, summary.

        Narrow with `query` (words in the name, path, summary or description) or `tag`. Then call
        describe_operation for an operation's arguments, and call_operation to call it.
        """
        matching = [tool for tool in catalog if _matches(tool, query, tag)]
        request = PageRequest("list_operations", cursor, query=query, tag=tag)
        pager = request.pager(max_chars=budget, max_items=_PAGE_ITEMS)
        for tool in matching:
            pager.offer(tool, len(_line(tool)) + 1)
            if pager.full:  # not `offer`'s False alone: that is also every item before the cursor
                break
        page = pager.page(len(matching))
        lines = [_line(tool) for tool in page.items] or ["No operation matches."]
        note = join_notes(request.note(page, "operation", narrow="narrow with query or tag"))
        listing = OperationList(
            operations=[_entry(tool) for tool in page.items],
            total=len(matching),
            next_cursor=request.next_cursor(page),
        )
        return tool_result(with_note("\n".join(lines), note), listing)

    @server.tool(title="Describe an API operation", read_only=True)
    async def describe_operation(
        operation: OperationName,
    ) -> Annotated[types.CallToolResult, OperationSchema]:
        """Gives an operation's documentation and the JSON Schema of its arguments for call_operation."""
        tool = catalog.get(operation)
        schema = OperationSchema(
            name=tool.name,
            method=tool.operation.method,
            path=tool.operation.path,
            input_schema=tool.input_schema,
            output_schema=tool.output_schema,
            documentation=tool.document(),
        )
        arguments = json.dumps(tool.input_schema, indent=1)
        text = f"{schema.documentation}\n\n## Arguments (JSON Schema)\n\n{arguments}"
        return tool_result(text, schema)

    @server.tool(
        title="Call an API operation",
        read_only=all_read_only,
        destructive=any(tool.operation.method == "DELETE" for tool in catalog),
        open_world=True,
    )
    async def call_operation(
        operation: OperationName, ctx: ToolContext, arguments: Arguments | None = None
    ) -> types.CallToolResult:
        """Calls an operation with `arguments`, which must fit its input schema (see describe_operation).

        The result is the API's answer: its JSON as structured content ({"status", "body"}) and as
        text, or its text; an error status comes back as an error with the API's message.
        """
        tool = catalog.get(operation)
        given = arguments or {}
        checker = checkers.get(tool.name)
        if checker is None:
            # Imported here: jsonschema is loaded with the first call, not at start-up.
            from moorings_core.server.schema_arguments import SchemaArgumentChecker

            checker = checkers[tool.name] = SchemaArgumentChecker(tool.name, tool.input_schema)
        problems = checker.problems(given)
        if problems is not None:
            raise InvalidInput(problems, hint=f"describe_operation {tool.name!r} gives its input schema.")
        async with reporting_progress(ctx, describe_download) as progress:
            return await caller.call(tool, given, progress)


def _matches(tool: OperationTool, query: str | None, tag: str | None) -> bool:
    operation = tool.operation
    if tag is not None and tag not in operation.tags:
        return False
    if not query:
        return True
    haystack = " ".join((tool.name, operation.path, operation.summary, operation.description)).lower()
    return all(word in haystack for word in query.lower().split())


def _line(tool: OperationTool) -> str:
    summary = tool.operation.summary.strip().splitlines()[0] if tool.operation.summary.strip() else ""
    return f"{tool.name}: {tool.operation.label}" + (f" — {summary}" if summary else "")


def _entry(tool: OperationTool) -> OperationEntry:
    operation = tool.operation
    return OperationEntry(
        name=tool.name,
        method=operation.method,
        path=operation.path,
        summary=operation.summary,
        tags=list(operation.tags),
        read_only=operation.method in ("GET", "HEAD"),
    )
