"""`MooringsServer`: the SDK's `MCPServer` with the Moorings guarantees wired in.

A server declares what it offers on a `MooringsServer` (tools, prompts, resources, client roots,
background work) and the SDK server is built from that declaration once, when it is first
needed (serving, or a test connecting). On top of the SDK it adds, once for all servers:

- identity from package metadata (`serverInfo.version` is the installed version);
- every tool call guarded (`call_guard`): arguments checked strictly against the advertised
  schema, which is closed to unknown arguments; a per-call deadline; a last cap on the size of the
  result's text; a clear answer for a tool the operator left off (`optional_tools`);
- tool annotations stated explicitly for every tool;
- resources from a provider, with subscriptions in both protocol eras and client roots;
- background work and long-lived contexts started when serving begins, never delaying an answer;
- `listChanged` advertised truthfully in both eras (the SDK's `run()` always says false).

Whatever this needs beyond the SDK's public API goes through `sdk_adapter`, and only there.
"""

from __future__ import annotations

import inspect
import logging
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
from moorings_core.server import sdk_adapter
from moorings_core.server.call_guard import CallGuard
from moorings_core.server.resources import (
    ResourceProvider,
    SubscribableResources,
    list_handler,
    read_handler,
    templates_handler,
)
from moorings_core.server.roots import ClientRoots
from moorings_core.server.subscriptions import ResourceSubscriptions

__all__ = ["MooringsServer", "ToolRegistry", "package_version"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


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

    def run_in_background(self, task: Callable[[], Awaitable[None]]) -> None: ...


class MooringsServer:
    """One Moorings MCP server: its settings, what it offers, and the shared guarantees."""

    def __init__(
        self, name: str, *, settings: ServerSettings, instructions: str, distribution: str | None = None
    ) -> None:
        configure_logging(settings.log_level)
        self.name = f"moorings-{name}"
        self.settings = settings
        self.instructions = instructions
        self.version = package_version(distribution or self.name)
        self.subscriptions = ResourceSubscriptions()
        """Where the server tells subscribers what changed (`publish_updated`, `publish_list_changed`)."""
        self.roots: ClientRoots | None = None
        self._tools: dict[str, Tool] = {}
        self._withheld: dict[str, str] = {}
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
        annotations = types.ToolAnnotations(
            title=title,
            read_only_hint=read_only,
            destructive_hint=destructive and not read_only,
            idempotent_hint=idempotent or read_only,
            open_world_hint=open_world,
        )

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
            extensions=[CallGuard(self.settings, self._tools, self._withheld)],
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

    def run_in_background(self, task: Callable[[], Awaitable[None]]) -> None:
        """Nothing runs for tools that are not served."""


def _returns_call_tool_result(fn: Callable[..., Any]) -> bool:
    """Whether `fn` is annotated to return a `CallToolResult` (bare or `Annotated` with its model)."""
    returned = inspect.signature(fn, eval_str=True).return_annotation
    if get_origin(returned) is Annotated:
        returned = get_args(returned)[0]
    return returned is types.CallToolResult
