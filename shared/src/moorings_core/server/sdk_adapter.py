"""The one place Moorings reaches past the public API of the `mcp` SDK.

Everything else in the repository uses the SDK's public names only; a test
(`tests/test_sdk_boundary.py`) fails when a private name of `mcp` or `httpx` appears anywhere
but here. Each reach below says why no public way exists, and each has a contract test in
`tests/core/test_sdk_adapter.py` that fails with a message naming the SDK change when a release
moves what it relies on. That is how the `mcp` pin in `shared/pyproject.toml` moves: install the
next minor, run those contract tests, adapt this module, then widen the pin.

What is reached for, and why:

- `MCPServer`'s low-level `Server` (`lowlevel_server`). `MCPServer` keeps it private, yet only it
  can run one connection with our notification options (the SDK's `run()` says `listChanged:
  false` for everything), answer resource requests for lists that are not a fixed registry, serve
  `resources/subscribe` in the 2025 era and hear `notifications/roots/list_changed`. What we do
  with it afterwards is its public API (`add_request_handler`, `run`, ...).
- The SDK's span-per-message tracing middleware (`drop_idle_tracing`), which its docs say to
  drop from `Server.middleware` to opt out, but whose class lives in a private module.
- A tool's argument and output models (`argument_model`, `trust_own_results`), which live on its
  `fn_metadata`. The argument model is what the advertised input schema is generated from, so the
  core checks arguments strictly against it. The SDK validates a tool's own `CallToolResult`
  against the output model a second time; its `FuncMetadata` documents that a schema without a
  model is advertised but not validated.
- The SDK's pre-parsing of arguments (`take_arguments_as_sent`): before validating, it runs
  `json.loads` on any string argument whose type is not exactly `str`, so a cursor `"null"` became
  no cursor and `"[]"` an unreadable error. The core has already checked the arguments strictly
  (a JSON-encoded list in a string is refused there), so the values reach the tool as sent.
- The arguments of a tool declared by schema (`take_whole_arguments`, `advertise_output_schema`):
  the SDK builds a tool only from a Python function, validating and splitting the arguments by its
  parameters. A tool whose schema is data (from an OpenAPI document) is a function taking one
  `arguments` parameter that receives the arguments object whole, as sent (the core has checked it
  against the schema); its output schema is advertised from data, not derived from a return type.
  Such tools all have the same signature, and `Tool.from_function` builds a pydantic model of it
  every time (3 ms, 3 s for an OpenAPI document's thousand operations), so the first is built by
  the SDK and the others are copies of it for their own function (`copy_tool`).
- The connection behind a request (`connection_of`): the SDK builds a `ServerSession` per
  request and keeps the long-lived `Connection` private; subscriptions and cached client roots
  must outlive a request.
- Whether an in-process caller asked for progress (`progress_requested`): the SDK's in-process
  client hands its callback to the dispatcher without minting a progress token.
- The SDK's own `tools/list` answer (`whole_tool_list`): `MCPServer` lists every tool in one page
  and ignores the cursor. Paging it (`tool_pages`) replaces the handler, so the SDK's answer is
  taken first and cut into pages, which keeps each entry exactly the SDK's wire form of the tool.
- `server/discover`'s capabilities (`advertise_truthfully`): the SDK's handler claims every list
  may change whenever listen streams are served; its docs allow replacing the handler wholesale,
  which we do by wrapping it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, get_args

import mcp_types as types
from mcp.server.connection import Connection
from mcp.server.context import HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from pydantic import BaseModel

__all__ = [
    "LONG_LIVED_REQUESTS",
    "SdkContractBroken",
    "advertise_output_schema",
    "advertise_truthfully",
    "argument_model",
    "connection_of",
    "copy_tool",
    "drop_idle_tracing",
    "lowlevel_server",
    "progress_requested",
    "take_arguments_as_sent",
    "take_whole_arguments",
    "trust_own_results",
    "whole_tool_list",
]


class SdkContractBroken(RuntimeError):
    """The installed `mcp` no longer offers what this adapter relies on."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"moorings-core's SDK adapter: {what}. The installed mcp release changed this; "
            "adapt moorings_core.server.sdk_adapter and run tests/core/test_sdk_adapter.py."
        )


def _method_of(request_type: type[types.Request[Any, Any]]) -> str:
    (method,) = get_args(request_type.model_fields["method"].annotation)
    return str(method)


LONG_LIVED_REQUESTS: frozenset[str] = frozenset({_method_of(types.SubscriptionsListenRequest)})
"""Requests whose answer is the connection itself: they end only when it ends (a listen stream)."""


def lowlevel_server(mcp: MCPServer[Any]) -> Server[Any]:
    """The low-level `Server` inside `mcp`."""
    server = getattr(mcp, "_lowlevel_server", None)
    if not isinstance(server, Server):
        raise SdkContractBroken("MCPServer no longer keeps its low-level Server as _lowlevel_server")
    return server


def drop_idle_tracing(server: Server[Any]) -> None:
    """Remove the SDK's OpenTelemetry middleware, which makes a no-op span per message.

    Each such span still cost about a tenth of a cheap call; a process started under OpenTelemetry
    has its tracer provider set before the server is built, and the caller keeps the spans then.
    """
    from mcp.server._otel import OpenTelemetryMiddleware

    server.middleware[:] = [
        layer for layer in server.middleware if not isinstance(layer, OpenTelemetryMiddleware)
    ]


def argument_model(tool: Tool) -> type[BaseModel]:
    """The pydantic model the SDK validates a tool's arguments with (and derives its schema from)."""
    model = getattr(tool.fn_metadata, "arg_model", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SdkContractBroken("FuncMetadata no longer keeps the argument model as arg_model")
    return model


class _ArgumentsAsSent(FuncMetadata):
    """A tool's metadata that validates the arguments as the client sent them."""

    def pre_parse_json(self, data: dict[str, Any]) -> dict[str, Any]:
        return data


def take_arguments_as_sent(tool: Tool) -> None:
    """Stop the SDK from decoding JSON found inside a tool's string arguments."""
    metadata = tool.fn_metadata
    if not callable(getattr(metadata, "pre_parse_json", None)):
        raise SdkContractBroken("FuncMetadata no longer pre-parses arguments in pre_parse_json")
    fields = {name: getattr(metadata, name) for name in type(metadata).model_fields}
    tool.fn_metadata = _ArgumentsAsSent.model_construct(**fields)


class _WholeArguments(FuncMetadata):
    """A tool's metadata that hands the function the arguments object whole, as `arguments`."""

    def validate_arguments(self, arguments_to_validate: dict[str, Any]) -> dict[str, Any]:
        return {"arguments": dict(arguments_to_validate)}


def take_whole_arguments(tool: Tool) -> None:
    """Call the tool's function with `arguments=` the whole arguments object as the client sent it.

    The function must have exactly one argument parameter, `arguments` (besides its context).
    """
    metadata = tool.fn_metadata
    if not callable(getattr(metadata, "validate_arguments", None)):
        raise SdkContractBroken("FuncMetadata no longer validates arguments in validate_arguments")
    if set(metadata.arg_model.model_fields) != {"arguments"}:
        raise ValueError(f"tool {tool.name!r}: its function must take exactly one argument, `arguments`")
    fields = {name: getattr(metadata, name) for name in type(metadata).model_fields}
    tool.fn_metadata = _WholeArguments.model_construct(**fields)


def copy_tool(
    template: Tool,
    fn: Callable[..., Any],
    *,
    name: str,
    title: str,
    description: str,
    annotations: types.ToolAnnotations,
) -> Tool:
    """`template`, made for `fn`, a function of exactly its function's signature, with these fields.

    What the SDK derived from the signature (argument model, context parameter) is shared; the
    tool's metadata is its own, so changing one tool's (`advertise_output_schema`) leaves the others.
    """
    if inspect.signature(fn) != inspect.signature(template.fn):
        raise ValueError(f"tool {name!r}: its function's signature differs from the template's")
    if "output_schema" in template.__dict__:
        raise RuntimeError(f"tool {template.name!r} was already listed: copy an unlisted template")
    if not isinstance(getattr(template, "fn_metadata", None), FuncMetadata):
        raise SdkContractBroken("Tool no longer keeps its FuncMetadata as fn_metadata")
    return template.model_copy(
        update={
            "fn": fn,
            "name": name,
            "title": title,
            "description": description,
            "annotations": annotations,
            "fn_metadata": template.fn_metadata.model_copy(),
        }
    )


def advertise_output_schema(tool: Tool, schema: dict[str, Any] | None) -> None:
    """List `schema` as the tool's output schema; the tool's `CallToolResult` is sent as it is.

    Must run before the tool is first listed (`Tool.output_schema` is read once and kept).
    """
    metadata = tool.fn_metadata
    if not hasattr(metadata, "output_schema") or not hasattr(metadata, "output_model"):
        raise SdkContractBroken("FuncMetadata no longer keeps output_schema and output_model")
    if "output_schema" in tool.__dict__:
        raise RuntimeError(f"tool {tool.name!r} was already listed with its output schema")
    metadata.output_schema = schema
    metadata.output_model = None


def trust_own_results(tool: Tool) -> None:
    """Send a tool's own `CallToolResult` as it is, without validating it against the output model.

    Such a result's structured part comes from the tool's output model (or from a page built in
    its wire form, which the tool's tests check against the schema); validating thousands of
    entries again took as long as listing the directory. The output schema stays advertised.
    """
    metadata = tool.fn_metadata
    if metadata.output_schema is not None and not hasattr(metadata, "output_model"):
        raise SdkContractBroken("FuncMetadata has no output_model field")
    metadata.output_model = None


def connection_of(ctx: ServerRequestContext[Any, Any]) -> Connection:
    """The long-lived connection a request arrived on."""
    connection = getattr(ctx.session, "_connection", None)
    if not isinstance(connection, Connection):
        raise SdkContractBroken("ServerSession no longer keeps its Connection as _connection")
    return connection


def progress_requested(ctx: ServerRequestContext[Any, Any]) -> bool:
    """Whether the caller of this request asked for progress notifications.

    Every wire transport, in both eras, carries a progress token; only the SDK's in-process
    client (`Client(server)`) hands over a callback without one, and only its private fields tell.
    """
    if ctx.meta is not None and "progress_token" in ctx.meta:
        return True
    outbound = getattr(ctx.session, "_request_outbound", None)
    outbound = getattr(outbound, "_inner", outbound)
    return getattr(outbound, "_on_progress", None) is not None


def advertise_truthfully(server: Server[Any], *, resources_list_changes: bool) -> None:
    """Make `server/discover` (2026-07-28) say what may change, as the 2025 handshake does.

    Tool and prompt lists never change while a Moorings server runs; the resource list only when
    the server says so.
    """
    entry = server.get_request_handler("server/discover")
    if entry is None:
        raise SdkContractBroken("the low-level Server registers no server/discover handler")
    discover = entry.handler

    async def truthful(ctx: ServerRequestContext[Any, Any], params: types.RequestParams) -> HandlerResult:
        result = await discover(ctx, params)
        if not isinstance(result, types.DiscoverResult):
            raise SdkContractBroken("server/discover no longer returns a DiscoverResult")
        capabilities = result.capabilities.model_copy(deep=True)
        if capabilities.tools is not None:
            capabilities.tools.list_changed = False
        if capabilities.prompts is not None:
            capabilities.prompts.list_changed = False
        if capabilities.resources is not None:
            capabilities.resources.list_changed = resources_list_changes
        return result.model_copy(update={"capabilities": capabilities})

    server.add_request_handler("server/discover", types.RequestParams, truthful)


ToolLister = Callable[[ServerRequestContext[Any, Any]], Awaitable[list[types.Tool]]]
"""Every tool a request may see, as the SDK lists them."""


def whole_tool_list(server: Server[Any]) -> ToolLister:
    """The SDK's `tools/list` answer (every tool, one page), to call before its handler is replaced.

    The SDK ignores the cursor: a page of its own would be cut into pages again.
    """
    entry = server.get_request_handler("tools/list")
    if entry is None:
        raise SdkContractBroken("the low-level Server registers no tools/list handler")
    sdk_handler = entry.handler

    async def listed(ctx: ServerRequestContext[Any, Any]) -> list[types.Tool]:
        result = await sdk_handler(ctx, types.PaginatedRequestParams())
        if not isinstance(result, types.ListToolsResult) or result.next_cursor is not None:
            raise SdkContractBroken("tools/list no longer answers every tool in one ListToolsResult")
        return result.tools

    return listed
