"""`MooringsServer`: an `MCPServer` with the Moorings guarantees wired in.

Every server builds one of these and registers its tools on it. On top of the SDK
it adds, once for all servers:

- identity from package metadata (`serverInfo.version` is the installed version);
- a guard around every `tools/call`: arguments checked strictly against the
  advertised schema, a per-call deadline, and a last cap on the size of the
  result's text (see `limits` for how tools bound their own output);
- tool annotations stated explicitly for every tool;
- resource subscriptions in both protocol eras, and client roots, when the
  server asks for them;
- background work started once serving begins (`run_in_background`), so slow
  housekeeping never delays the first answer;
- `listChanged` advertised truthfully (the SDK's `run()` always says false).

The SDK keeps its low-level server private and gives no other way to set the
notification options or register `resources/subscribe`; this module is the one
place that reaches for it (and for the registered tools, see `_trust_own_results`).
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, TypeVar, get_args, get_origin

import anyio
import mcp_types as types
from mcp.server._otel import OpenTelemetryMiddleware
from mcp.server.context import HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions, RequestHandler, Server
from mcp.server.mcpserver import MCPServer
from mcp.server.models import InitializationOptions
from mcp.shared.exceptions import MCPError
from opentelemetry import trace

from moorings_core.config import ServerSettings
from moorings_core.server.arguments import ArgumentChecker
from moorings_core.server.roots import ClientRoots
from moorings_core.server.subscriptions import ResourceSubscriptions

__all__ = ["MooringsServer", "package_version"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
P = TypeVar("P", bound=types.RequestParams)
R = TypeVar("R", bound=types.Result)
ResourceHandler = Callable[[ServerRequestContext[Any, Any], P], Awaitable[R]]


def package_version(distribution: str) -> str:
    """The installed version of `distribution`, or "0+unknown" when run from a bare source tree."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0+unknown"


def configure_logging(level: str) -> None:
    """Log to stderr only: stdout carries the protocol."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


def _closed(tool: types.Tool) -> types.Tool:
    """`tool` with `additionalProperties: false` on its input schema unless it says otherwise."""
    if "additionalProperties" in tool.input_schema:
        return tool
    return tool.model_copy(update={"input_schema": {**tool.input_schema, "additionalProperties": False}})


def _returns_call_tool_result(fn: Callable[..., Any]) -> bool:
    """Whether `fn` is annotated to return a `CallToolResult` (bare or `Annotated` with its model)."""
    returned = inspect.signature(fn, eval_str=True).return_annotation
    if get_origin(returned) is Annotated:
        returned = get_args(returned)[0]
    return returned is types.CallToolResult


def _error_result(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


class MooringsServer:
    """One Moorings MCP server: its settings, its SDK server, and the shared guarantees."""

    def __init__(
        self,
        name: str,
        *,
        settings: ServerSettings,
        instructions: str,
        distribution: str | None = None,
        subscriptions: ResourceSubscriptions | None = None,
        roots: ClientRoots | None = None,
        resources_list_changes: bool = False,
    ) -> None:
        configure_logging(settings.log_level)
        self.name = f"moorings-{name}"
        self.settings = settings
        self.version = package_version(distribution or self.name)
        self.subscriptions = subscriptions
        self.roots = roots
        self._arguments = ArgumentChecker()
        self._tools: dict[str, types.Tool] | None = None
        self._background: list[Callable[[], Awaitable[None]]] = []
        self._held: list[Callable[[], AbstractAsyncContextManager[object]]] = []
        middleware = [subscriptions.middleware] if subscriptions else []
        self.mcp: MCPServer[Any] = MCPServer(
            name=self.name,
            version=self.version,
            instructions=instructions,
            log_level=settings.log_level,
            subscriptions=subscriptions.bus if subscriptions else False,
            middleware=middleware,
            lifespan=self._lifespan,
        )
        self._trace_only_when_traced()
        self._call_tool = self._sdk_handler("tools/call")
        self.lowlevel.add_request_handler("tools/call", types.CallToolRequestParams, self._guard_tool_call)
        self.lowlevel.add_request_handler("tools/list", types.PaginatedRequestParams, self._list_tools)
        self._notifications = NotificationOptions(resources_changed=resources_list_changes)
        self._discover = self._sdk_handler("server/discover")
        self.lowlevel.add_request_handler("server/discover", types.RequestParams, self._truthful_discover)
        if subscriptions is not None:
            self.lowlevel.add_request_handler(
                "resources/subscribe", types.SubscribeRequestParams, subscriptions.handle_subscribe
            )
            self.lowlevel.add_request_handler(
                "resources/unsubscribe", types.UnsubscribeRequestParams, subscriptions.handle_unsubscribe
            )
        if roots is not None:
            self.lowlevel.add_notification_handler(
                "notifications/roots/list_changed", types.NotificationParams, roots.handle_list_changed
            )

    @property
    def lowlevel(self) -> Server[Any]:
        """The SDK's low-level server under `self.mcp` (private in the SDK; see the module docstring)."""
        return self.mcp._lowlevel_server

    def _trace_only_when_traced(self) -> None:
        """Drop the SDK's span-per-message middleware unless a tracer provider is configured.

        Without one, every span is a no-op that still cost about a tenth of a cheap call;
        a process started under OpenTelemetry (e.g. `opentelemetry-instrument`) has its
        provider set before the server is built, and keeps its spans.
        """
        if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            self.lowlevel.middleware[:] = [
                layer for layer in self.lowlevel.middleware if not isinstance(layer, OpenTelemetryMiddleware)
            ]

    def initialization_options(self) -> InitializationOptions:
        """What the server says about itself in the 2025-era `initialize` result."""
        return self.lowlevel.create_initialization_options(self._notifications)

    def tool(
        self,
        *,
        title: str,
        read_only: bool,
        destructive: bool = False,
        idempotent: bool = False,
        open_world: bool = False,
        name: str | None = None,
    ) -> Callable[[F], F]:
        """Register a tool; its docstring is the description the model reads.

        Every hint is stated, never left to a client's default: the spec's defaults
        assume a destructive, open-world tool, which would be wrong for most of ours.
        """
        annotations = types.ToolAnnotations(
            title=title,
            read_only_hint=read_only,
            destructive_hint=destructive and not read_only,
            idempotent_hint=idempotent or read_only,
            open_world_hint=open_world,
        )

        def register(fn: F) -> F:
            # cleandoc: the docstring's indentation would otherwise reach the model.
            description = inspect.cleandoc(fn.__doc__ or "")
            self.mcp.add_tool(fn, name=name, title=title, description=description, annotations=annotations)
            self._trust_own_results(name or fn.__name__, fn)
            self._tools = None
            return fn

        return register

    def _trust_own_results(self, name: str, fn: Callable[..., Any]) -> None:
        """Let a tool's `CallToolResult` through without the SDK validating it a second time.

        Such a result's structured part comes from the tool's own output model (or from a page
        built in its wire form, which the tool's tests check against the schema), yet the SDK
        validates it against that model again before sending: for a page of thousands of entries
        that took as long as listing the directory. The SDK documents that metadata with a
        schema but no model advertises the schema without validating; the registered tool is
        private to `MCPServer`, hence the reach. Tools that return anything else keep the SDK's
        conversion, which needs the model.
        """
        registered = self.mcp._tool_manager.get_tool(name)
        if registered is not None and _returns_call_tool_result(fn):
            registered.fn_metadata.output_model = None

    def run_in_background(self, task: Callable[[], Awaitable[None]]) -> None:
        """Start `task` when serving begins, beside the session, without delaying any answer.

        It runs once per served connection (once per process on stdio), in either era, and is
        cancelled when serving ends. A failure is logged, never raised into the session.
        """
        self._background.append(task)

    def serve_resources(
        self,
        *,
        list_resources: ResourceHandler[types.PaginatedRequestParams, types.ListResourcesResult],
        list_templates: ResourceHandler[types.PaginatedRequestParams, types.ListResourceTemplatesResult],
        read_resource: ResourceHandler[types.ReadResourceRequestParams, types.ReadResourceResult],
    ) -> None:
        """Answer `resources/list`, `resources/templates/list` and `resources/read` with these.

        For resources that are not a fixed set (files, tables), which the SDK's registry of
        decorated resources cannot list; the handlers run on the low-level server.
        """
        self.lowlevel.add_request_handler("resources/list", types.PaginatedRequestParams, list_resources)
        self.lowlevel.add_request_handler(
            "resources/templates/list", types.PaginatedRequestParams, list_templates
        )
        self.lowlevel.add_request_handler("resources/read", types.ReadResourceRequestParams, read_resource)

    def hold_while_serving(self, context: Callable[[], AbstractAsyncContextManager[object]]) -> None:
        """Enter `context()` when serving begins and leave it when serving ends.

        For what must outlive any one request, such as the task group a file watcher runs in.
        Entered in the order given, before background tasks start, and left in reverse, once per
        served connection like `run_in_background`.
        """
        self._held.append(context)

    @asynccontextmanager
    async def _lifespan(self, _app: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as held:
            for context in self._held:
                await held.enter_async_context(context())
            async with anyio.create_task_group() as tasks:
                for task in self._background:
                    tasks.start_soon(self._logged, task)
                yield {}
                tasks.cancel_scope.cancel()

    async def _logged(self, task: Callable[[], Awaitable[None]]) -> None:
        try:
            await task()
        except Exception:
            logger.exception("background task %r of %s failed", task, self.name)

    async def _truthful_discover(
        self, ctx: ServerRequestContext[Any, Any], params: types.RequestParams
    ) -> HandlerResult:
        """`server/discover` (2026-07-28) with `listChanged` as true as in the 2025 era.

        The SDK claims every list may change whenever listen streams are served; our
        tool and prompt lists never change while serving, and resources only when
        the server says so.
        """
        result = await self._discover(ctx, params)
        if not isinstance(result, types.DiscoverResult):  # pragma: no cover - the SDK's own handler
            return result
        capabilities = result.capabilities.model_copy(deep=True)
        if capabilities.tools is not None:
            capabilities.tools.list_changed = False
        if capabilities.prompts is not None:
            capabilities.prompts.list_changed = False
        if capabilities.resources is not None:
            capabilities.resources.list_changed = self._notifications.resources_changed
        return result.model_copy(update={"capabilities": capabilities})

    def _sdk_handler(self, method: str) -> RequestHandler[Any, Any]:
        entry = self.lowlevel.get_request_handler(method)
        if entry is None:  # pragma: no cover - MCPServer always registers tools/call
            raise RuntimeError(f"the SDK registered no handler for {method}")
        return entry.handler

    async def _guard_tool_call(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> HandlerResult:
        """Strict arguments, a deadline, and a bounded result for every `tools/call`.

        Wraps the SDK's own handler (as its extensions do), so results still go
        through the SDK's per-era shaping.
        """
        tools = await self._tool_table()
        tool = tools.get(params.name)
        if tool is None:
            # A protocol error, as the specification asks (the SDK would answer with a tool result).
            raise MCPError(
                types.INVALID_PARAMS,
                f"Unknown tool {params.name!r}. This server's tools: {', '.join(sorted(tools))}.",
            )
        problems = self._arguments.problems(tool.name, tool.input_schema, params.arguments or {})
        if problems is not None:
            return _error_result(problems)
        timeout = self.settings.call_timeout
        with anyio.move_on_after(timeout) as deadline:
            result = await self._call_tool(ctx, params)
        if deadline.cancelled_caught:
            return _error_result(
                f"Tool {params.name!r} did not finish within {timeout:g} seconds and was stopped. "
                "Ask for less at a time (a narrower path, query or range), "
                "or raise the server's --call-timeout."
            )
        return self._bounded(result)

    async def _tool_table(self) -> dict[str, types.Tool]:
        """The tools as clients see them, built once: every input schema closed to unknown arguments.

        A misspelt or stale argument name (`byte_offset` for `byteOffset`) would otherwise be
        dropped without a word and the call would quietly do something else.
        """
        if self._tools is None:
            self._tools = {tool.name: _closed(tool) for tool in await self.mcp.list_tools()}
        return self._tools

    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list((await self._tool_table()).values()))

    def _bounded(self, result: HandlerResult) -> HandlerResult:
        """Cut any text block over the output budget: the safety net behind each tool's own paging."""
        if not isinstance(result, types.CallToolResult):
            return result
        budget = self.settings.max_output_chars
        if all(
            not isinstance(block, types.TextContent) or len(block.text) <= budget for block in result.content
        ):
            return result
        note = (
            f"\n\n[truncated by the server at {budget:,} characters; ask for a smaller part, "
            "e.g. with the tool's offset/limit or cursor parameters]"
        )
        content: list[types.ContentBlock] = [
            types.TextContent(type="text", text=block.text[:budget] + note)
            if isinstance(block, types.TextContent) and len(block.text) > budget
            else block
            for block in result.content
        ]
        return result.model_copy(update={"content": content})
