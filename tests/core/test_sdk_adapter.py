"""Contract tests of the SDK adapter: each pins one thing the installed `mcp` must still do.

When one fails after an SDK upgrade, its message names the change; adapt
`moorings_core.server.sdk_adapter` (and only it) before moving the `mcp` pin.
"""

from __future__ import annotations

from typing import Annotated, Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.server.lowlevel.server import Server
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from pydantic import field_validator

from moorings_core.config import ServerSettings
from moorings_core.server import MooringsServer, Output, ToolContext
from moorings_core.server.sdk_adapter import (
    LONG_LIVED_REQUESTS,
    SdkContractBroken,
    advertise_output_schema,
    advertise_truthfully,
    argument_model,
    connection_of,
    copy_tool,
    drop_idle_tracing,
    lowlevel_server,
    progress_requested,
    take_arguments_as_sent,
    take_whole_arguments,
    trust_own_results,
    whole_tool_list,
)
from moorings_core.testing import LEGACY, MODERN, connect

pytestmark = pytest.mark.anyio


class Shape(Output):
    count: int

    @field_validator("count")
    @classmethod
    def _not_thirteen(cls, count: int) -> int:
        # A rule the JSON schema cannot carry: only validating against the model finds it broken.
        if count == 13:
            raise ValueError("unlucky")
        return count


def test_mcpserver_keeps_a_lowlevel_server() -> None:
    assert isinstance(lowlevel_server(MCPServer(name="probe")), Server), (
        "MCPServer._lowlevel_server is gone or no longer a low-level Server"
    )
    with pytest.raises(SdkContractBroken, match="_lowlevel_server"):
        lowlevel_server(object())  # type: ignore[arg-type]


def test_the_sdk_traces_every_message_by_default_and_the_layer_can_be_dropped() -> None:
    server = lowlevel_server(MCPServer(name="probe"))
    tracing = [layer for layer in server.middleware if "OpenTelemetry" in type(layer).__name__]
    assert tracing, (
        "the SDK no longer installs its OpenTelemetry middleware: drop_idle_tracing has nothing to do"
    )
    drop_idle_tracing(server)
    assert not [layer for layer in server.middleware if "OpenTelemetry" in type(layer).__name__]


async def test_string_arguments_that_look_like_json_reach_the_tool_as_sent() -> None:
    def build(as_sent: bool) -> MCPServer[Any]:
        async def echo(cursor: str | None = None) -> str:
            """Echo the cursor."""
            return repr(cursor)

        tool = Tool.from_function(echo)
        if as_sent:
            take_arguments_as_sent(tool)
        return MCPServer(name="probe", tools=[tool])

    async with Client(build(as_sent=False)) as client:
        decoded = await client.call_tool("echo", {"cursor": "null"})
    assert decoded.structured_content == {"result": "None"}, (
        "the SDK no longer decodes JSON inside string arguments: take_arguments_as_sent is moot"
    )
    async with Client(build(as_sent=True)) as client:
        for sent in ("null", "[]", '{"a": 1}'):
            kept = await client.call_tool("echo", {"cursor": sent})
            assert kept.structured_content == {"result": repr(sent)}, "FuncMetadata.pre_parse_json moved"


def test_the_advertised_schema_is_the_argument_models_own() -> None:
    async def tool_with(path: str, limit: int | None = None, modes: list[str] | None = None) -> str:
        """A tool."""
        return path

    tool = Tool.from_function(tool_with)
    model = argument_model(tool)
    assert model.model_json_schema(by_alias=True) == tool.parameters, (
        "the SDK no longer derives a tool's input schema from fn_metadata.arg_model: the core's strict "
        "argument check would no longer check what clients are shown"
    )
    assert set(model.model_fields) == {"path", "limit", "modes"}


async def test_a_tools_own_result_is_validated_again_unless_trusted() -> None:
    def build(trusted: bool) -> MCPServer[Any]:
        async def shaped() -> Annotated[types.CallToolResult, Shape]:
            """A result whose structured part the output model (not its schema) would refuse."""
            return types.CallToolResult(content=[], structured_content={"count": 13})

        tool = Tool.from_function(shaped)
        if trusted:
            trust_own_results(tool)
        return MCPServer(name="probe", tools=[tool])

    async with Client(build(trusted=False)) as client:
        validated = await client.call_tool("shaped", {})
    assert validated.is_error, (
        "the SDK no longer validates a tool's CallToolResult: trust_own_results is moot"
    )
    async with Client(build(trusted=True)) as client:
        trusted = await client.call_tool("shaped", {})
    assert not trusted.is_error, "FuncMetadata.output_model is no longer read live: trust_own_results fails"
    assert trusted.structured_content == {"count": 13}
    assert (await _listed_output_schema(build(trusted=True))) is not None  # still advertised


async def _listed_output_schema(server: MCPServer[Any]) -> dict[str, Any] | None:
    async with Client(server) as client:
        return (await client.list_tools()).tools[0].output_schema


async def test_a_whole_arguments_tool_receives_the_arguments_object_as_sent() -> None:
    received: list[dict[str, Any]] = []

    def build(whole: bool) -> MCPServer[Any]:
        async def whole_call(arguments: dict[str, Any]) -> str:
            """Record the arguments."""
            received.append(arguments)
            return "ok"

        tool = Tool.from_function(whole_call)
        if whole:
            take_whole_arguments(tool)
        return MCPServer(name="probe", tools=[tool])

    sent = {"count": 2, "cursor": "null", "nested": {"a": [1, "[]"]}}
    async with Client(build(whole=False)) as client:
        split = await client.call_tool("whole_call", sent)
    assert received == []
    assert split.is_error, (
        "the SDK no longer validates arguments against the function's own parameters: "
        "take_whole_arguments is moot"
    )
    async with Client(build(whole=True)) as client:
        kept = await client.call_tool("whole_call", sent)
    assert not kept.is_error, "FuncMetadata.validate_arguments no longer feeds the function's kwargs"
    assert received == [sent]

    async def two(arguments: dict[str, Any], more: int) -> str:
        """Two parameters."""
        return ""

    with pytest.raises(ValueError, match="exactly one argument"):
        take_whole_arguments(Tool.from_function(two))


async def test_an_output_schema_given_as_data_is_listed_and_results_sent_as_they_are() -> None:
    schema = {"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"]}

    async def counted() -> types.CallToolResult:
        """A result the schema would refuse, sent as it is: the tool's own tests check its output."""
        return types.CallToolResult(content=[], structured_content={"count": "many"})

    tool = Tool.from_function(counted)
    advertise_output_schema(tool, schema)
    server = MCPServer(name="probe", tools=[tool])
    listed = (await server.list_tools())[0]
    result = await server.call_tool("counted", {})  # the server's answer, before any client checks it
    assert isinstance(result, types.CallToolResult)
    assert listed.output_schema == schema, (
        "Tool.output_schema no longer comes from FuncMetadata.output_schema: advertise_output_schema fails"
    )
    assert not result.is_error
    assert result.structured_content == {"count": "many"}
    with pytest.raises(RuntimeError, match="already listed"):
        advertise_output_schema(tool, None)


async def test_every_request_of_a_connection_reaches_the_same_connection() -> None:
    seen: list[int] = []
    server = MooringsServer("probe", settings=ServerSettings(), instructions="", distribution="moorings-core")

    @server.tool(title="Which connection", read_only=True)
    async def which(ctx: ToolContext) -> int:
        """The connection's identity."""
        connection = connection_of(ctx.request_context)
        connection.state.setdefault("first", len(seen))
        seen.append(id(connection))
        return int(connection.state["first"])

    # 2025 era: a connection that lasts (a 2026-07-28 request is a connection of its own).
    async with connect(server, era=LEGACY) as client:
        await client.call_tool("which", {})
        second = await client.call_tool("which", {})
    assert len(set(seen)) == 1, "ServerSession._connection is not the one connection behind its requests"
    assert second.structured_content == {"result": 0}  # its state outlived the first request


async def test_an_in_process_caller_asking_for_progress_is_recognised() -> None:
    asked: list[bool] = []
    server = MooringsServer("probe", settings=ServerSettings(), instructions="", distribution="moorings-core")

    @server.tool(title="Asked", read_only=True)
    async def asked_for_progress(ctx: ToolContext) -> bool:
        """Whether progress was asked for."""
        asked.append(progress_requested(ctx.request_context))
        return asked[-1]

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        return None

    async with connect(server, era=MODERN) as client:
        await client.call_tool("asked_for_progress", {})
        await client.call_tool("asked_for_progress", {}, progress_callback=on_progress)
    assert asked == [False, True], (
        "the in-process dispatcher no longer keeps the caller's callback as _on_progress "
        "(nor sends a progress token): progress_requested cannot tell"
    )


async def test_the_sdk_claims_lists_change_in_discover_and_ours_says_the_truth() -> None:
    plain = MCPServer(name="probe")
    async with Client(plain, mode="auto") as client:
        claimed = client.server_capabilities
    assert claimed.tools is not None
    assert claimed.tools.list_changed, (
        "the SDK's discover no longer claims tools may change: drop the wrapper"
    )

    corrected = MCPServer(name="probe")
    advertise_truthfully(lowlevel_server(corrected), resources_list_changes=False)
    async with Client(corrected, mode="auto") as client:
        told = client.server_capabilities
    assert told.tools is not None
    assert told.tools.list_changed is False
    assert told.resources is not None
    assert told.resources.list_changed is False


def test_the_long_lived_requests_are_the_listen_streams() -> None:
    assert frozenset({"subscriptions/listen"}) == LONG_LIVED_REQUESTS


async def test_the_sdk_lists_every_tool_in_one_page_whatever_the_cursor() -> None:
    async def one(number: int) -> int:
        """A tool."""
        return number

    server = MCPServer(name="probe", tools=[Tool.from_function(one, name=f"tool_{n}") for n in range(3)])
    lowlevel = lowlevel_server(server)
    listed = whole_tool_list(lowlevel)
    async with Client(server, mode="auto") as client:
        with_cursor = await client.list_tools(cursor="anything")
    assert with_cursor.next_cursor is None, "MCPServer now pages tools/list: tool_pages would page it again"
    assert len(with_cursor.tools) == 3
    assert [tool.name for tool in await listed(None)] == ["tool_0", "tool_1", "tool_2"]  # type: ignore[arg-type]
    assert await listed(None) == (await server.list_tools())  # type: ignore[arg-type]


async def test_a_copied_tool_is_the_template_for_another_function_with_its_own_metadata() -> None:
    async def first(arguments: dict[str, Any], ctx: ToolContext) -> str:
        return "first"

    async def second(arguments: dict[str, Any], ctx: ToolContext) -> str:
        return "second"

    template = Tool.from_function(first)
    annotations = types.ToolAnnotations(read_only_hint=True)
    copy = copy_tool(
        template, second, name="second", title="Second", description="The other.", annotations=annotations
    )
    take_whole_arguments(copy)
    advertise_output_schema(copy, {"type": "object"})
    server = MCPServer(name="probe", tools=[copy])
    (listed,) = await server.list_tools()
    result = await server.call_tool("second", {"anything": 1})
    assert (listed.name, listed.title, listed.description) == ("second", "Second", "The other.")
    assert listed.annotations == annotations
    assert listed.output_schema == {"type": "object"}
    assert template.output_schema == Tool.from_function(first).output_schema, (
        "copy_tool shared the template's FuncMetadata with its copy"
    )
    assert isinstance(result, types.CallToolResult)
    assert result.content == [types.TextContent(type="text", text="second")]

    async def other(arguments: dict[str, Any]) -> str:
        return ""

    with pytest.raises(ValueError, match="signature differs"):
        copy_tool(template, other, name="x", title="x", description="x", annotations=annotations)
