"""Resource subscriptions that work in both protocol eras.

- 2025-11-25 and older: the client sends `resources/subscribe {uri}` and the
  server pushes `notifications/resources/updated` on that connection. `MCPServer`
  has no hook for it, so the core registers the two request handlers itself.
- 2026-07-28: the client opens a `subscriptions/listen` stream naming the URIs;
  the SDK serves it from a subscription bus we publish to.

A server only says *what* changed (`publish_updated(uri)`, `publish_list_changed()`); this module
knows who is listening in either era. Before anyone is counted as listening to a URI, the server's
`SubscribableResources.check_subscription` sees the request and the URI and may refuse it; the
server then hears when a URI gains its first listener (`watch`, with what the check returned) and
loses its last (`unwatch`), so a file watcher or a poller runs only while someone cares, and is
released on unsubscribe, when a listen stream ends, when a client goes away, and at exit.

`WatchedUris` is the provider's side of that: which watched URI names which target (a file, a
repository; several URIs may name one), so that a change the watcher reports for a target reaches
the listeners of every URI naming it.
"""

from __future__ import annotations

import logging
import weakref
from collections import Counter
from collections.abc import Awaitable, Hashable, Mapping
from typing import Any, Generic, TypeVar

import mcp_types as types
from mcp.server.connection import Connection
from mcp.server.context import CallNext, HandlerResult
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp.shared.subscriptions import ResourcesListChanged, ResourceUpdated
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from moorings_core.server.contexts import RequestContext
from moorings_core.server.resources import SubscribableResources, refusals_as_protocol_errors
from moorings_core.server.sdk_adapter import connection_of

__all__ = ["ResourceSubscriptions", "WatchedUris"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T", bound=Hashable)


class ResourceSubscriptions:
    """Who listens to which resource URI, across legacy sessions and modern listen streams."""

    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self._resources: SubscribableResources[Any] | None = None
        self._listeners: Counter[str] = Counter()
        self._legacy: dict[str, set[Connection]] = {}
        self._connections: weakref.WeakSet[Connection] = weakref.WeakSet()

    def allow(self, resources: SubscribableResources[Any]) -> None:
        """Let clients subscribe to the URIs of `resources`, as far as it allows."""
        self._resources = resources

    @property
    def allowed(self) -> bool:
        """Whether clients may subscribe at all."""
        return self._resources is not None

    @property
    def watched(self) -> frozenset[str]:
        """The URIs that have at least one listener now."""
        return frozenset(self._listeners)

    async def publish_updated(self, uri: str) -> None:
        """Tell every listener of `uri`, in either era, that it changed."""
        for connection in list(self._legacy.get(uri, ())):
            await _quietly(connection.outbound.notify("notifications/resources/updated", {"uri": uri}))
        await self.bus.publish(ResourceUpdated(uri=uri))

    async def publish_list_changed(self) -> None:
        """Tell every connected client that the list of resources changed."""
        for connection in list(self._connections):
            await _quietly(connection.outbound.notify("notifications/resources/list_changed", None))
        await self.bus.publish(ResourcesListChanged())

    async def close(self) -> None:
        """Release every watch (at exit)."""
        for uri in list(self._listeners):
            del self._listeners[uri]
            await self._provider().unwatch(uri)
        self._legacy.clear()

    # --- 2025-11-25: resources/subscribe and resources/unsubscribe -------------------------------

    async def handle_subscribe(
        self, ctx: RequestContext, params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        uri = str(params.uri)
        connection = connection_of(ctx)
        listeners = self._legacy.setdefault(uri, set())
        if connection not in listeners:
            target = await self._checked(ctx, uri)
            if not any(connection in others for others in self._legacy.values()):
                connection.exit_stack.push_async_callback(self._drop_connection, connection)
            listeners.add(connection)
            await self._add_listener(uri, target)
        return types.EmptyResult()

    async def handle_unsubscribe(
        self, ctx: RequestContext, params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        uri = str(params.uri)
        listeners = self._legacy.get(uri, set())
        if connection_of(ctx) in listeners:
            listeners.discard(connection_of(ctx))
            await self._remove_listener(uri)
        return types.EmptyResult()

    async def _drop_connection(self, connection: Connection) -> None:
        """A client went away without unsubscribing: release what it watched."""
        for uri, listeners in self._legacy.items():
            if connection in listeners:
                listeners.discard(connection)
                await self._remove_listener(uri)

    # --- 2026-07-28: watch what a listen stream names, for as long as it is open ---------------

    async def middleware(self, ctx: RequestContext, call_next: CallNext) -> HandlerResult:
        """Track legacy sessions (for list-changed) and the URIs each modern listen stream names."""
        if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._connections.add(connection_of(ctx))
            return await call_next(ctx)
        if ctx.method != "subscriptions/listen" or self._resources is None:
            return await call_next(ctx)
        uris = _listen_uris(ctx.params)
        targets = {uri: await self._checked(ctx, uri) for uri in uris}  # all allowed, or no stream
        for uri in uris:
            await self._add_listener(uri, targets[uri])
        try:
            return await call_next(ctx)
        finally:
            for uri in uris:
                await self._remove_listener(uri)

    # --- counting ------------------------------------------------------------------------------

    def _provider(self) -> SubscribableResources[Any]:
        if self._resources is None:
            raise RuntimeError("no subscribable resources are served")
        return self._resources

    async def _checked(self, ctx: RequestContext, uri: str) -> object:
        with refusals_as_protocol_errors(uri):
            return await self._provider().check_subscription(ctx, uri)

    async def _add_listener(self, uri: str, target: object) -> None:
        self._listeners[uri] += 1
        if self._listeners[uri] == 1:
            await self._provider().watch(uri, target)

    async def _remove_listener(self, uri: str) -> None:
        if self._listeners[uri] <= 0:
            return
        self._listeners[uri] -= 1
        if self._listeners[uri] == 0:
            del self._listeners[uri]
            await self._provider().unwatch(uri)


class WatchedUris(Generic[_T]):
    """The watched URIs of a provider by the target each names, to publish a target's change.

    The provider's `watch` notes a URI with its target (`add`) and its `unwatch` drops it
    (`remove`, which gives back the target to stop watching, if the URI was watched); its
    watcher's callback is `publish_updated`. The watchers count their own watches, so a target
    named by two URIs is watched twice and let go twice.
    """

    def __init__(self, subscriptions: ResourceSubscriptions) -> None:
        self._subscriptions = subscriptions
        self._targets: dict[str, _T] = {}  # watched URI -> what it names
        self._uris: dict[_T, set[str]] = {}  # and back: the watched URIs that name a target

    def add(self, uri: str, target: _T) -> None:
        """`uri`, which names `target`, gained its first listener."""
        self._targets[uri] = target
        self._uris.setdefault(target, set()).add(uri)

    def remove(self, uri: str) -> _T | None:
        """`uri` lost its last listener: the target it named, or None if it was not watched."""
        target = self._targets.pop(uri, None)
        if target is None:
            return None
        uris = self._uris[target]
        uris.discard(uri)
        if not uris:
            del self._uris[target]
        return target

    async def publish_updated(self, target: _T) -> None:
        """`target` changed: tell the listeners of every URI that names it, in URI order."""
        for uri in sorted(self._uris.get(target, ())):
            await self._subscriptions.publish_updated(uri)


def _listen_uris(params: object) -> list[str]:
    notifications = params.get("notifications") if isinstance(params, Mapping) else None
    uris = notifications.get("resourceSubscriptions") if isinstance(notifications, Mapping) else None
    return sorted({uri for uri in uris if isinstance(uri, str)}) if isinstance(uris, list) else []


async def _quietly(notification: Awaitable[None]) -> None:
    """Send a notification; a client that has gone away is not an error worth more than a log line."""
    try:
        await notification
    except Exception as exc:  # a closed stream raises anyio errors we cannot name portably
        logger.info("Could not deliver a notification: %r", exc)
