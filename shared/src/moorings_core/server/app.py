"""`MooringsServer`: the SDK's `MCPServer` with the Moorings guarantees wired in.

A server declares what it offers on a `MooringsServer` (tools, prompts, resources, client roots,
background work) and the SDK server is built from that declaration once, when it is first
needed (serving, or a test connecting). On top of the SDK it adds, once for all servers:

- identity from package metadata (`serverInfo.version` is the installed version);
- tools from Python functions (`tool`) or from JSON Schemas given as data (`schema_tool`, for tools
  made at start-up from a document such as an OpenAPI description);
- every tool call guarded (`call_guard`): arguments checked strictly against the advertised
  schema (a function tool's is closed to unknown arguments; a schema tool's is exactly as given);
  a per-call deadline; the settings' secrets (and those given to `also_secret`) redacted from
  every result and error; a last cap on the size of the result's text; a clear answer for a tool
  the operator left off (`optional_tools`);
- tool annotations stated explicitly for every tool;
- `tools/list` in pages when the server has many tools (`tools_page_size`; `tool_pages`);
- resources from a provider, with subscriptions in both protocol eras and client roots;
- background work and long-lived contexts started when serving begins, never delaying an answer;
- `listChanged` advertised truthfully in both eras (the SDK's `run()` always says false).

Whatever this needs beyond the SDK's public API goes through `sdk_adapter`, and only there.
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, Protocol, TypeVar, get_args, get_origin

import anyio
import mcp_types as types
from anyio.abc import ObjectReceiveStream, ObjectSendStream
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts import Prompt
from mcp.server.mcpserver.tools import Tool
from mcp.shared.message import SessionMessage
from opentelemetry import trace

from moorings_core.config import ServerSettings
from moorings_core.errors import InvalidInput
from moorings_core.redaction import RedactingFormatter, Redactor
from moorings_core.server import sdk_adapter
from moorings_core.server.call_guard import ArgumentCheck, CallGuard
from moorings_core.server.contexts import ToolContext
from moorings_core.server.resources import (
    ResourceProvider,
    SubscribableResources,
    list_handler,
    read_handler,
    templates_handler,
)
from moorings_core.server.roots import ClientRoots
from moorings_core.server.subscriptions import ResourceSubscriptions
from moorings_core.server.tool_pages import page_tool_list

__all__ = ["MooringsServer", "SchemaToolHandler", "ToolRegistry", "package_version"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

SchemaToolHandler = Callable[[dict[str, Any], ToolContext], Awaitable[types.CallToolResult]]
"""What answers a call of a schema tool: the arguments as sent (checked against its schema) and the
call's context; raising a `MooringsError` answers with its message as an error result."""

TOOL_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
"""The tool names MCP allows (SEP-986); a schema tool's name comes from data, so it is checked."""


def package_version(distribution: str) -> str:
    """The installed version of `distribution`, or "0+unknown" when run from a bare source tree."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0+unknown"


_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

QUIET_LOGGERS = ("httpx", "httpcore")
"""Loggers kept at WARNING whatever --log-level says: httpx logs every request's URL at INFO (an API
key in its query string too), and httpcore its traffic at DEBUG."""


def configure_logging(level: str, redactor: Redactor | None = None) -> None:
    """Log to stderr only: stdout carries the protocol; never a secret of `redactor`, never what
    the HTTP libraries send. (A process that configured logging itself keeps its handlers.)"""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(RedactingFormatter(redactor or Redactor(), _LOG_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class ToolRegistry(Protocol):
    """Where a tool family registers its tools: a server, or a group of its optional tools."""

    @property
    def settings(self) -> ServerSettings: ...

    def tool(
        self,
        *,
        title: str,
        read_only: bool,
        destructive: bool = False,
        idempotent: bool = False,
        open_world: bool = False,
        name: str | None = None,
    ) -> Callable[[F], F]: ...

    def schema_tool(
        self,
        *,
        name: str,
        title: str,
        description: str,
        input_schema: dict[str, Any],
        output_schema: dict[str, Any] | None,
        read_only: bool,
        destructive: bool = False,
        idempotent: bool = False,
        open_world: bool = False,
        handler: SchemaToolHandler,
    ) -> None: ...

    def run_in_background(self, task: Callable[[], Awaitable[None]]) -> None: ...


class MooringsServer:
    """One Moorings MCP server: its settings, what it offers, and the shared guarantees."""

    def __init__(
        self,
        name: str,
        *,
        settings: ServerSettings,
        instructions: str,
        distribution: str | None = None,
        tools_page_size: int | None = None,
    ) -> None:
        """`tools_page_size`: list the tools that many at a time, with a cursor to the next page, for
        a server with hundreds of them; None (the default) lists them all in one answer."""
        if tools_page_size is not None and tools_page_size < 1:
            raise ValueError(f"tools_page_size must be at least 1, not {tools_page_size}")
        self._redactor = Redactor.of_settings(settings)
        configure_logging(settings.log_level, self._redactor)
        self.name = f"moorings-{name}"
        self.settings = settings
        self.instructions = instructions
        self.version = package_version(distribution or self.name)
        self.subscriptions = ResourceSubscriptions()
        """Where the server tells subscribers what changed (`publish_updated`, `publish_list_changed`)."""
        self.roots: ClientRoots | None = None
        self.tools_page_size = tools_page_size
        self._tools: dict[str, Tool] = {}
        self._withheld: dict[str, str] = {}
        self._checkers: dict[str, ArgumentCheck] = {}
        self._schema_tool_template: Tool | None = None  # what every schema tool is copied from
        self._prompts: list[Prompt] = []
        self._resources: ResourceProvider | None = None
        self._resources_list_changes = False
        self._background: list[Callable[[], Awaitable[None]]] = []
        self._held: list[Callable[[], AbstractAsyncContextManager[object]]] = []

    # -- what the server offers (declared before it serves) ------------------------------------------

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
        annotations = _annotations(title, read_only, destructive, idempotent, open_world)

        def register(fn: F) -> F:
            self._not_built_yet()
            # cleandoc: the docstring's indentation would otherwise reach the model.
            tool = Tool.from_function(
                fn,
                name=name,
                title=title,
                description=inspect.cleandoc(fn.__doc__ or ""),
                annotations=annotations,
            )
            # Closed to unknown arguments: a misspelt or stale name (`byte_offset` for `byteOffset`)
            # would otherwise be dropped without a word and the call quietly do something else.
            tool.parameters = {"additionalProperties": False, **tool.parameters}
            sdk_adapter.take_arguments_as_sent(tool)  # checked strictly by the CallGuard instead
            if _returns_call_tool_result(fn):
                sdk_adapter.trust_own_results(tool)
            self._tools[tool.name] = tool
            return fn

        return register

    def schema_tool(
        self,
        *,
        name: str,
        title: str,
        description: str,
        input_schema: dict[str, Any],
        output_schema: dict[str, Any] | None,
        read_only: bool,
        destructive: bool = False,
        idempotent: bool = False,
        open_world: bool = False,
        handler: SchemaToolHandler,
    ) -> None:
        """Register a tool whose schemas are data (made at start-up from an OpenAPI document, say).

        It is listed with exactly `input_schema` and `output_schema`, and the hints of `tool()`.
        A call's arguments are checked against `input_schema` (JSON Schema, 2020-12 unless its
        `$schema` says otherwise) and reach `handler` as sent; the deadline and output bound of
        every tool apply. The handler's structured content is sent as it is, not validated again.
        Raises `InvalidInput` for a name MCP does not allow, a name already taken, or a schema that
        is not a valid JSON Schema of an object.
        """
        self._not_built_yet()
        _check_tool_name(name, taken=name in self._tools or name in self._withheld)
        # Imported here: a server without schema tools does not pay for loading jsonschema.
        from moorings_core.server.schema_arguments import SchemaArgumentChecker, check_output_schema

        checker = SchemaArgumentChecker(name, input_schema)
        if output_schema is not None:
            check_output_schema(name, output_schema)

        call = _calling(handler)
        annotations = _annotations(title, read_only, destructive, idempotent, open_world)
        if self._schema_tool_template is None:
            self._schema_tool_template = Tool.from_function(call, name=name, description=description)
        # A copy: building each from the function took 3 ms, 3 s for a document's thousand operations.
        tool = sdk_adapter.copy_tool(
            self._schema_tool_template,
            call,
            name=name,
            title=title,
            description=description,
            annotations=annotations,
        )
        tool.parameters = input_schema
        sdk_adapter.take_whole_arguments(tool)  # checked by `checker` in the CallGuard instead
        sdk_adapter.advertise_output_schema(tool, output_schema)
        self._tools[name] = tool
        self._checkers[name] = checker

    def also_secret(self, value: str) -> None:
        """Never let `value` (and the forms it travels in) leave in a tool's result or error.

        The settings' `Secret()` fields are redacted already; this is for a secret the server makes
        or derives (a token it obtained, a key in the form the upstream receives it). At any time,
        also while serving. Values under 6 characters are not redacted (see `moorings_core.redaction`).
        """
        self._redactor.add(value)

    def optional_tools(self, *, enabled: bool, disabled_because: str) -> ToolRegistry:
        """The registry for tools the operator may leave off (writes on a read-only server, say).

        When `enabled`, that is this server. Otherwise the tools registered there are not listed,
        and a call to one is answered "not enabled on this server: `disabled_because`", which
        should say how the operator turns them on ("it is read-only; start it with --allow-writes").
        """
        return self if enabled else _WithheldTools(self.settings, self._withheld, disabled_because)

    def prompt(self, *, name: str, title: str, description: str) -> Callable[[F], F]:
        """Register a prompt template; the function's parameters are its arguments."""

        def register(fn: F) -> F:
            self._not_built_yet()
            self._prompts.append(Prompt.from_function(fn, name=name, title=title, description=description))
            return fn

        return register

    def add_resources(self, resources: ResourceProvider, *, list_changes: bool = False) -> None:
        """Answer the resource requests from `resources`; with `SubscribableResources`, subscriptions too.

        `list_changes` says the list may change while serving (announced with
        `self.subscriptions.publish_list_changed()`), which the capabilities then say.
        """
        self._not_built_yet()
        self._resources = resources
        self._resources_list_changes = list_changes
        if isinstance(resources, SubscribableResources):
            self.subscriptions.allow(resources)

    def use_client_roots(self, *, on_change: Callable[[], Awaitable[None]] | None = None) -> ClientRoots:
        """Ask 2025-era clients for their roots (see `ClientRoots`); `on_change` runs when they change."""
        self._not_built_yet()
        self.roots = ClientRoots(on_change)
        return self.roots

    def run_in_background(self, task: Callable[[], Awaitable[None]]) -> None:
        """Start `task` when serving begins, beside the session, without delaying any answer.

        It runs once per served connection (once per process on stdio), in either era, and is
        cancelled when serving ends. A failure is logged, never raised into the session.
        """
        self._background.append(task)

    def hold_while_serving(self, context: Callable[[], AbstractAsyncContextManager[object]]) -> None:
        """Enter `context()` when serving begins and leave it when serving ends.

        For what must outlive any one request, such as the task group a file watcher runs in.
        Entered in the order given, before background tasks start, and left in reverse, once per
        served connection like `run_in_background`.
        """
        self._held.append(context)

    # -- the SDK server built from it ------------------------------------------------------------------

    @cached_property
    def mcp(self) -> MCPServer[Any]:
        """The SDK server for what was declared; built on first use, after which nothing more is declared."""
        subscribable = self.subscriptions.allowed
        mcp: MCPServer[Any] = MCPServer(
            name=self.name,
            version=self.version,
            instructions=self.instructions,
            log_level=self.settings.log_level,
            tools=list(self._tools.values()),
            extensions=[
                CallGuard(self.settings, self._tools, self._withheld, self._checkers, self._redactor)
            ],
            subscriptions=self.subscriptions.bus if subscribable else False,
            middleware=[self.subscriptions.middleware] if subscribable else [],
            lifespan=self._lifespan,
        )
        for prompt in self._prompts:
            mcp.add_prompt(prompt)
        lowlevel = sdk_adapter.lowlevel_server(mcp)
        if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):  # nobody configured tracing
            sdk_adapter.drop_idle_tracing(lowlevel)
        sdk_adapter.advertise_truthfully(lowlevel, resources_list_changes=self._resources_list_changes)
        if self.tools_page_size is not None:
            page_tool_list(lowlevel, page_size=self.tools_page_size)
        self._answer_resource_requests(lowlevel)
        if self.roots is not None:
            lowlevel.add_notification_handler(
                "notifications/roots/list_changed", types.NotificationParams, self.roots.handle_list_changed
            )
        return mcp

    async def run_connection(
        self,
        read_stream: ObjectReceiveStream[SessionMessage | Exception],
        write_stream: ObjectSendStream[SessionMessage],
    ) -> None:
        """Serve one client connection, in whichever era it speaks, until its input ends."""
        lowlevel = sdk_adapter.lowlevel_server(self.mcp)
        notifications = NotificationOptions(resources_changed=self._resources_list_changes)
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options(notifications))

    def _answer_resource_requests(self, lowlevel: Server[Any]) -> None:
        if self._resources is None:
            return
        lowlevel.add_request_handler(
            "resources/list", types.PaginatedRequestParams, list_handler(self._resources)
        )
        lowlevel.add_request_handler(
            "resources/templates/list", types.PaginatedRequestParams, templates_handler(self._resources)
        )
        lowlevel.add_request_handler(
            "resources/read", types.ReadResourceRequestParams, read_handler(self._resources)
        )
        if self.subscriptions.allowed:
            lowlevel.add_request_handler(
                "resources/subscribe", types.SubscribeRequestParams, self.subscriptions.handle_subscribe
            )
            lowlevel.add_request_handler(
                "resources/unsubscribe", types.UnsubscribeRequestParams, self.subscriptions.handle_unsubscribe
            )

    def _not_built_yet(self) -> None:
        if "mcp" in self.__dict__:
            raise RuntimeError(f"{self.name} is already serving: declare tools, prompts and resources first")

    @asynccontextmanager
    async def _lifespan(self, _app: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as held:
            held.push_async_callback(self._release_subscriptions)
            for context in self._held:
                await held.enter_async_context(context())
            async with anyio.create_task_group() as tasks:
                for task in self._background:
                    tasks.start_soon(self._logged, task)
                yield {}
                tasks.cancel_scope.cancel()

    async def _release_subscriptions(self) -> None:
        if self.subscriptions.allowed:
            with anyio.CancelScope(shield=True):
                await self.subscriptions.close()

    async def _logged(self, task: Callable[[], Awaitable[None]]) -> None:
        try:
            await task()
        except Exception:
            logger.exception("background task %r of %s failed", task, self.name)


class _WithheldTools:
    """Optional tools the operator left off: recorded as withheld, never served."""

    def __init__(self, settings: ServerSettings, withheld: dict[str, str], because: str) -> None:
        self._settings = settings
        self._withheld = withheld
        self._because = because

    @property
    def settings(self) -> ServerSettings:
        return self._settings

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
        def withhold(fn: F) -> F:
            self._withheld[name or fn.__name__] = self._because
            return fn

        return withhold

    def schema_tool(
        self,
        *,
        name: str,
        title: str,
        description: str,
        input_schema: dict[str, Any],
        output_schema: dict[str, Any] | None,
        read_only: bool,
        destructive: bool = False,
        idempotent: bool = False,
        open_world: bool = False,
        handler: SchemaToolHandler,
    ) -> None:
        _check_tool_name(name, taken=False)
        self._withheld[name] = self._because

    def run_in_background(self, task: Callable[[], Awaitable[None]]) -> None:
        """Nothing runs for tools that are not served."""


def _calling(
    handler: SchemaToolHandler,
) -> Callable[[dict[str, Any], ToolContext], Awaitable[types.CallToolResult]]:
    """The function behind a schema tool: every one has this signature (see `copy_tool`)."""

    async def call(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        return await handler(arguments, ctx)

    return call


def _annotations(
    title: str, read_only: bool, destructive: bool, idempotent: bool, open_world: bool
) -> types.ToolAnnotations:
    """Every hint stated, never left to a client's default (which assumes a destructive,
    open-world tool); a read-only tool is neither destructive nor anything but idempotent."""
    return types.ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive and not read_only,
        idempotent_hint=idempotent or read_only,
        open_world_hint=open_world,
    )


def _check_tool_name(name: str, *, taken: bool) -> None:
    if not TOOL_NAME.fullmatch(name):
        raise InvalidInput(
            f"The tool name {name!r} is not one MCP allows.",
            hint="Use 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'.",
        )
    if taken:
        raise InvalidInput(
            f"The tool name {name!r} is already registered on this server.",
            hint="Give each tool its own name.",
        )


def _returns_call_tool_result(fn: Callable[..., Any]) -> bool:
    """Whether `fn` is annotated to return a `CallToolResult` (bare or `Annotated` with its model)."""
    returned = inspect.signature(fn, eval_str=True).return_annotation
    if get_origin(returned) is Annotated:
        returned = get_args(returned)[0]
    return returned is types.CallToolResult
