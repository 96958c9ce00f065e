"""The server bootstrap, in process, in both protocol eras: what every Moorings server inherits."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp.shared.subscriptions import ResourceUpdated
from pydantic import BaseModel, Field

from moorings_core.blocking import run_blocking
from moorings_core.config import ServerSettings
from moorings_core.errors import AccessDenied, InvalidInput, OperationFailed
from moorings_core.server import (
    MooringsServer,
    Output,
    RequestContext,
    ResourceContents,
    ToolContext,
    tool_result,
)
from moorings_core.testing import ERAS, LEGACY, MODERN, Era, connect, text_of

pytestmark = pytest.mark.anyio


class Replacement(BaseModel):
    """A structured argument's item, as edit_file takes them."""

    old: str
    new: str


class Watches:
    """Resources under `demo://` that record what the core asks to watch; `demo://secret` is refused."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.released = anyio.Event()

    async def list_resources(self, request: RequestContext) -> list[types.Resource]:
        return [types.Resource(uri="demo://a", name="a")]

    async def list_templates(self, request: RequestContext) -> list[types.ResourceTemplate]:
        return [types.ResourceTemplate(uri_template="demo://{name}", name="demo")]

    async def read(self, request: RequestContext, uri: str) -> ResourceContents:
        if not uri.startswith("demo://") or uri == "demo://secret":
            raise AccessDenied(f"{uri} is not for you.")
        if uri == "demo://broken":
            raise OperationFailed("The disk is on fire.")
        return types.TextResourceContents(uri=uri, text=f"contents of {uri}")

    async def check_subscription(self, request: RequestContext, uri: str) -> str:
        await self.read(request, uri)
        return uri.removeprefix("demo://")

    async def watch(self, uri: str, target: str) -> None:
        self.log.append(f"watch {target}")

    async def unwatch(self, uri: str) -> None:
        self.log.append(f"unwatch {uri.removeprefix('demo://')}")
        self.released.set()


def make_server(watches: Watches | None = None, **settings: object) -> MooringsServer:
    watches = watches or Watches()
    server = MooringsServer(
        "demo",
        settings=ServerSettings.model_validate({"max_output_chars": 1000, "call_timeout": 0.5, **settings}),
        instructions="A server for tests.",
        distribution="moorings-core",
    )
    server.add_resources(watches, list_changes=True)
    server.use_client_roots()

    @server.tool(title="Add", read_only=True)
    async def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool(title="Nap", read_only=True)
    async def nap(seconds: float) -> str:
        """Sleep on the event loop."""
        await anyio.sleep(seconds)
        return "rested"

    @server.tool(title="Block", read_only=True)
    async def block(seconds: float) -> str:
        """Sleep in a worker thread."""
        await run_blocking(time.sleep, seconds)
        return "rested"

    @server.tool(title="Echo", read_only=True)
    async def echo(text: str) -> str:
        """Return the text."""
        return text

    @server.tool(title="Refuse", read_only=False, destructive=True)
    async def refuse() -> str:
        """Always fails the way a tool fails on bad input."""
        raise InvalidInput("That is not allowed.", hint="Try something else.")

    @server.tool(title="Roots", read_only=True)
    async def roots(ctx: ToolContext) -> list[str]:
        """The client's roots as paths."""
        assert server.roots is not None
        offered = await server.roots.of(ctx.request_context)
        return ["none"] if offered is None else [str(path) for path in offered]

    return server


@pytest.mark.parametrize("era", ERAS)
async def test_server_info_carries_the_package_version(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        info = client.server_info
        assert info is not None
        assert (info.name, info.version) == ("moorings-demo", version("moorings-core"))


@pytest.mark.parametrize("era", ERAS)
async def test_arguments_are_checked_strictly_against_the_schema(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        assert (await client.call_tool("add", {"a": 2, "b": 3})).structured_content == {"result": 5}
        for bad in ({"a": "5", "b": 1}, {"a": True, "b": 1}, {"a": 1.5, "b": 1}):
            result = await client.call_tool("add", bad)
            assert result.is_error
            assert "argument 'a'" in text_of(result)
            assert "a: integer" in text_of(result)  # says what is allowed
        missing = await client.call_tool("add", {"a": 1})
        assert missing.is_error
        assert "- argument 'b' is required" in text_of(missing)


async def test_a_missing_field_inside_an_argument_says_which_argument() -> None:
    server = make_server()

    @server.tool(title="Edit", read_only=True)
    async def edit(edits: list[Replacement]) -> int:
        """Count the edits."""
        return len(edits)

    async with connect(server) as client:
        result = await client.call_tool("edit", {"edits": [{"old": "a", "new": "b"}, {"old": "c"}]})
        assert result.is_error
        assert "argument 'edits.1.new' is required" in text_of(result)


@pytest.mark.parametrize("era", ERAS)
async def test_an_unknown_tool_is_a_protocol_error_naming_the_tools(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool("subtract", {"a": 1, "b": 2})
        assert raised.value.code == types.INVALID_PARAMS
        assert "Unknown tool 'subtract'" in raised.value.message
        assert "add, block, echo" in raised.value.message  # what there is instead
        assert (await client.call_tool("add", {"a": 1, "b": 2})).structured_content == {"result": 3}


@pytest.mark.parametrize("era", ERAS)
async def test_unknown_arguments_are_refused_and_advertised_as_such(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools["add"].input_schema["additionalProperties"] is False
        result = await client.call_tool("add", {"a": 1, "b": 2, "c": 3})
        assert result.is_error
        assert "- argument 'c' is not a parameter of this tool" in text_of(result)
        assert "Expected parameters: a: integer, b: integer." in text_of(result)


@pytest.mark.parametrize("era", ERAS)
async def test_text_with_half_a_character_is_refused_naming_the_argument(era: Era) -> None:
    # JSON can escape a lone surrogate ("\\ud800"); it is text no tool could use, nor send back.
    async with connect(make_server(), era=era) as client:
        result = await client.call_tool("echo", {"text": "a\ud800b"})
        assert result.is_error
        assert "- argument 'text': text that is not valid Unicode (a lone surrogate" in text_of(result)
        assert not (await client.call_tool("echo", {"text": "ab"})).is_error


async def test_lax_conversions_the_sdk_would_make_are_refused() -> None:
    server = make_server()

    @server.tool(title="Shapes", read_only=True)
    async def shapes(
        names: list[str],
        mode: Literal["fast", "safe"] = "safe",
        limit: Annotated[int, Field(ge=1, le=10)] = 5,
        ratio: float = 1.0,
    ) -> str:
        """Echo the arguments."""
        return f"{names} {mode} {limit} {ratio}"

    async with connect(server) as client:
        assert not (await client.call_tool("shapes", {"names": ["a"], "ratio": 2})).is_error  # 2 is a number
        cases: dict[str, dict[str, Any]] = {
            "argument 'names': input should be a valid array": {"names": '["a"]'},  # JSON in a string
            "argument 'names.1': input should be a valid string": {"names": ["a", 7]},
            "argument 'mode': input should be 'fast' or 'safe'": {"names": [], "mode": "quick"},
            "argument 'limit': input should be less than or equal to 10, got 11": {"names": [], "limit": 11},
            "argument 'limit': input should be a valid integer, got 2.0": {"names": [], "limit": 2.0},
        }
        for expected, arguments in cases.items():
            result = await client.call_tool("shapes", arguments)
            assert result.is_error, arguments
            assert expected in text_of(result), text_of(result)


async def test_optional_arguments_report_the_constraint_not_the_union() -> None:
    server = make_server()

    @server.tool(title="Count", read_only=True)
    async def count(limit: int | None = None) -> int:
        """Echo a limit."""
        return limit or 0

    async with connect(server) as client:
        wrong_type = await client.call_tool("count", {"limit": "x"})
        assert "argument 'limit': input should be a valid integer, got \"x\"" in text_of(wrong_type)
        assert "limit: integer or null (optional)" in text_of(wrong_type)
        assert not (await client.call_tool("count", {"limit": None})).is_error


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("tool", ["nap", "block"])
async def test_a_call_past_its_deadline_is_stopped_and_the_server_keeps_serving(era: Era, tool: str) -> None:
    async with connect(make_server(call_timeout=0.2), era=era) as client:
        result = await client.call_tool(tool, {"seconds": 30})
        assert result.is_error
        assert "did not finish within 0.2 seconds" in text_of(result)
        assert "--call-timeout" in text_of(result)
        assert text_of(await client.call_tool(tool, {"seconds": 0})) == "rested"


@pytest.mark.parametrize("era", ERAS)
async def test_oversized_text_is_cut_with_a_note(era: Era) -> None:
    async with connect(make_server(max_output_chars=1000), era=era) as client:
        result = await client.call_tool("echo", {"text": "x" * 5000})
        text = text_of(result)
        assert text.startswith("x" * 1000)
        assert "x" * 1001 not in text
        assert "truncated by the server at 1,000 characters" in text
        short = await client.call_tool("echo", {"text": "hello"})
        assert text_of(short) == "hello"


@pytest.mark.parametrize("era", ERAS)
async def test_an_expected_failure_is_an_error_result_and_serving_goes_on(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        result = await client.call_tool("refuse", {})
        assert result.is_error
        assert "That is not allowed. Try something else." in text_of(result)
        assert "Traceback" not in text_of(result)
        assert (await client.call_tool("add", {"a": 1, "b": 1})).structured_content == {"result": 2}


class Sum(Output):
    total_value: int


@pytest.mark.parametrize("era", ERAS)
async def test_structured_results_from_models_results_and_wire_forms(era: Era) -> None:
    server = make_server()

    @server.tool(title="Sum as a model", read_only=True)
    async def sum_model(a: int, b: int) -> Sum:
        """The SDK converts a returned model."""
        return Sum(total_value=a + b)

    @server.tool(title="Sum as a result", read_only=True)
    async def sum_result(a: int, b: int, wire: bool = False) -> Annotated[types.CallToolResult, Sum]:
        """A result of our own passes through as it is."""
        total = a + b
        return tool_result(f"{total}", {"totalValue": total} if wire else Sum(total_value=total))

    async with connect(server, era=era) as client:
        schemas = {tool.name: tool.output_schema for tool in (await client.list_tools()).tools}
        assert schemas["sum_model"] == schemas["sum_result"]
        assert schemas["sum_result"] is not None
        assert "totalValue" in schemas["sum_result"]["properties"]
        model = await client.call_tool("sum_model", {"a": 1, "b": 2})
        assert model.structured_content == {"totalValue": 3}
        for wire in (False, True):
            result = await client.call_tool("sum_result", {"a": 1, "b": 2, "wire": wire})
            assert not result.is_error
            assert text_of(result) == "3"
            assert result.structured_content == {"totalValue": 3}


_TRACING_PROBE = """
import sys
from opentelemetry import trace
from moorings_core.server.sdk_adapter import lowlevel_server
from tests.core.test_server import make_server

class Provider(trace.TracerProvider):
    def get_tracer(self, *args, **kwargs):
        return trace.NoOpTracer()

if sys.argv[1] == "traced":
    trace.set_tracer_provider(Provider())
layers = lowlevel_server(make_server().mcp).middleware
print(any(type(layer).__name__ == "OpenTelemetryMiddleware" for layer in layers))
"""


@pytest.mark.parametrize(("mode", "spans"), [("untraced", "False"), ("traced", "True")])
def test_spans_are_made_only_when_a_tracer_provider_is_configured(mode: str, spans: str) -> None:
    # In a fresh interpreter: a tracer provider can be set only once per process.
    probe = subprocess.run(
        [sys.executable, "-c", _TRACING_PROBE, mode], capture_output=True, text=True, check=True, timeout=60
    )
    assert probe.stdout.strip() == spans


@pytest.mark.parametrize("era", ERAS)
async def test_every_tool_states_every_annotation(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for tool in tools.values():
        hints = tool.annotations
        assert hints is not None
        stated = (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint)
        assert None not in stated
    assert tools["add"].annotations is not None
    assert tools["add"].annotations.read_only_hint is True
    assert tools["refuse"].annotations is not None
    assert tools["refuse"].annotations.destructive_hint is True


async def test_legacy_capabilities_are_truthful() -> None:
    async with connect(make_server(), era=LEGACY) as client:
        capabilities = client.server_capabilities
    assert capabilities.resources is not None
    assert capabilities.resources.subscribe is True
    assert capabilities.resources.list_changed is True
    assert capabilities.tools is not None
    assert capabilities.tools.list_changed is False  # our tool lists never change while serving


async def test_modern_capabilities_are_truthful() -> None:
    async with connect(make_server(), era=MODERN) as client:
        capabilities = client.server_capabilities
    assert capabilities.resources is not None
    assert capabilities.resources.subscribe is True
    assert capabilities.resources.list_changed is True
    assert capabilities.tools is not None
    assert capabilities.tools.list_changed is False
    assert capabilities.prompts is not None
    assert capabilities.prompts.list_changed is False


async def test_a_server_without_subscriptions_does_not_claim_them() -> None:
    plain = MooringsServer("plain", settings=ServerSettings(), instructions="", distribution="moorings-core")
    for era in (LEGACY, MODERN):
        async with connect(plain, era=era) as client:
            resources = client.server_capabilities.resources
            assert resources is not None
            assert not resources.subscribe
            assert not resources.list_changed


async def test_legacy_subscribe_notifies_and_releases_the_watch() -> None:
    watches = Watches()
    server = make_server(watches)
    assert server.subscriptions is not None
    received: list[str] = []
    arrived = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            received.append(str(message.params.uri))
            arrived.set()

    async with connect(server, era=LEGACY, message_handler=on_message) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)  # the 2025 API, on purpose
            await client.subscribe_resource("demo://a")
            await client.subscribe_resource("demo://a")  # the same session twice: one watch
            assert watches.log == ["watch a"]
            await server.subscriptions.publish_updated("demo://a")
            await server.subscriptions.publish_updated("demo://other")
            with anyio.fail_after(5):
                await arrived.wait()
            await client.unsubscribe_resource("demo://a")
    assert received == ["demo://a"]
    assert watches.log == ["watch a", "unwatch a"]


async def test_modern_listen_stream_gets_updates_and_releases_the_watch() -> None:
    watches = Watches()
    server = make_server(watches)
    assert server.subscriptions is not None
    async with connect(server, era=MODERN) as client:
        async with client.listen(resource_subscriptions=["demo://b"]) as subscription:
            assert watches.log == ["watch b"]
            await server.subscriptions.publish_updated("demo://b")
            with anyio.fail_after(5):
                event = await subscription.__anext__()
            assert event == ResourceUpdated(uri="demo://b")
        with anyio.fail_after(5):
            await watches.released.wait()
    assert watches.log[-1] == "unwatch b"
    assert server.subscriptions.watched == frozenset()


async def test_close_releases_every_watch() -> None:
    watches = Watches()
    server = make_server(watches)
    assert server.subscriptions is not None
    async with connect(server, era=LEGACY) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.subscribe_resource("demo://c")
    await server.subscriptions.close()
    assert watches.log == ["watch c", "unwatch c"]


async def test_client_roots_are_asked_once_and_forgotten_on_change(tmp_path: Path) -> None:
    asked: list[int] = []

    async def list_roots(context: object) -> types.ListRootsResult:
        asked.append(1)
        return types.ListRootsResult(roots=[types.Root(uri=tmp_path.as_uri())])

    async with connect(make_server(), era=LEGACY, list_roots_callback=list_roots) as client:
        assert (await client.call_tool("roots", {})).structured_content == {"result": [str(tmp_path)]}
        await client.call_tool("roots", {})
        assert len(asked) == 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.send_roots_list_changed()
        # The notification is one-way: the next calls ask again once it has landed.
        with anyio.fail_after(5):
            while len(asked) < 2:
                await client.call_tool("roots", {})
    assert len(asked) == 2


@pytest.mark.parametrize("era", ERAS)
async def test_no_roots_when_the_client_offers_none(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        assert (await client.call_tool("roots", {})).structured_content == {"result": ["none"]}


@pytest.mark.parametrize("era", ERAS)
async def test_background_work_starts_once_serving_and_a_failure_does_not_stop_serving(era: Era) -> None:
    server = make_server()
    started = anyio.Event()

    async def housekeeping() -> None:
        started.set()

    async def broken() -> None:
        raise RuntimeError("background work failed")

    server.run_in_background(broken)
    server.run_in_background(housekeeping)
    async with connect(server, era=era) as client:
        with anyio.fail_after(5):
            await started.wait()
        assert (await client.call_tool("add", {"a": 1, "b": 1})).structured_content == {"result": 2}


@pytest.mark.parametrize("era", ERAS)
async def test_what_is_held_while_serving_is_entered_in_order_and_left_in_reverse(era: Era) -> None:
    server = make_server()
    events: list[str] = []

    def holding(name: str) -> Callable[[], AbstractAsyncContextManager[object]]:
        @asynccontextmanager
        async def held() -> AsyncIterator[None]:
            events.append(f"enter {name}")
            try:
                yield
            finally:
                events.append(f"leave {name}")

        return held

    server.hold_while_serving(holding("host"))
    server.hold_while_serving(holding("watcher"))
    assert events == []  # nothing is entered before serving begins
    async with connect(server, era=era) as client:
        assert (await client.call_tool("add", {"a": 1, "b": 1})).structured_content == {"result": 2}
        assert events[:2] == ["enter host", "enter watcher"]
    assert events[-2:] == ["leave watcher", "leave host"]


@pytest.mark.parametrize("era", ERAS)
async def test_resource_refusals_become_protocol_errors_in_one_place(era: Era) -> None:
    async with connect(make_server(), era=era) as client:
        listed = await client.list_resources()
        assert [str(resource.uri) for resource in listed.resources] == ["demo://a"]
        read = await client.read_resource("demo://a")
        assert isinstance(read.contents[0], types.TextResourceContents)
        assert read.contents[0].text == "contents of demo://a"
        with pytest.raises(MCPError) as refused:
            await client.read_resource("demo://secret")
        assert refused.value.error.code == types.INVALID_PARAMS  # the request's fault
        assert "is not for you" in refused.value.error.message
        with pytest.raises(MCPError) as failed:
            await client.read_resource("demo://broken")
        assert failed.value.error.code == types.INTERNAL_ERROR  # the world's fault
        assert "The disk is on fire." in failed.value.error.message


async def test_a_refused_legacy_subscription_watches_nothing() -> None:
    watches = Watches()
    async with connect(make_server(watches), era=LEGACY) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            with pytest.raises(MCPError, match="is not for you"):
                await client.subscribe_resource("demo://secret")
            await client.subscribe_resource("demo://a")  # the control
    assert watches.log == ["watch a", "unwatch a"]


async def test_a_listen_stream_naming_a_refused_uri_is_refused_whole() -> None:
    watches = Watches()
    async with connect(make_server(watches), era=MODERN) as client:
        with pytest.raises(MCPError, match="is not for you"):
            async with client.listen(resource_subscriptions=["demo://a", "demo://secret"]):
                pass
        async with client.listen(resource_subscriptions=["demo://a"]):  # the control
            assert watches.log == ["watch a"]
    assert "watch secret" not in watches.log


@pytest.mark.parametrize("era", ERAS)
async def test_a_withheld_tool_is_unlisted_and_says_how_to_enable_it(era: Era) -> None:
    server = make_server()
    writes = server.optional_tools(enabled=False, disabled_because="it is read-only; start it with --writes")

    @writes.tool(title="Write", read_only=False)
    async def write(text: str) -> str:
        """Never served."""
        raise AssertionError("a withheld tool ran")

    async with connect(server, era=era) as client:
        assert "write" not in {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("write", {"text": "x"})
    assert result.is_error
    assert (
        text_of(result)
        == "The tool 'write' is not enabled on this server: it is read-only; start it with --writes."
    )


async def test_the_call_guard_advertises_its_limits() -> None:
    # 2026-07-28 capabilities carry extensions; the 2025 handshake has no place for them.
    async with connect(make_server(call_timeout=2.5), era=MODERN) as client:
        extensions = client.server_capabilities.extensions or {}
    assert extensions["dev.moorings/call-guard"] == {
        "strictArguments": True,
        "callTimeoutSeconds": 2.5,
        "maxOutputChars": 1000,
    }


def test_nothing_is_declared_once_the_server_is_built() -> None:
    server = make_server()
    assert server.mcp is server.mcp  # built once
    with pytest.raises(RuntimeError, match="declare tools, prompts and resources first"):

        @server.tool(title="Late", read_only=True)
        async def late() -> str:
            """Too late."""
            return "late"
