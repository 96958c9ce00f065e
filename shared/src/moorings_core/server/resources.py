"""What a server offers as resources, and the protocol requests the core answers with it.

A server describes its resources as a `ResourceProvider` (list them, list the templates, read one)
and, if clients may subscribe to them, as a `SubscribableResources` too (check a subscription,
watch what it names, stop watching). `MooringsServer.add_resources` hands the provider to the core,
which answers `resources/list`, `resources/templates/list` and `resources/read`, and both eras'
subscriptions (see `subscriptions`), and turns the core's errors into protocol errors here, once:
a refusal is the request's fault (`-32602`, invalid params), unless the world failed
(`OperationFailed`: `-32603`, internal error). The URI is in the error's data.

Providers are called with the request (`RequestContext`), so what a client may see can depend on
it (the filesystem server narrows to the client's roots).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TypeAlias, TypeVar, runtime_checkable

import mcp_types as types
from mcp.shared.exceptions import MCPError

from moorings_core.errors import MooringsError, OperationFailed
from moorings_core.server.contexts import RequestContext

__all__ = [
    "ResourceContents",
    "ResourceProvider",
    "SubscribableResources",
    "refusals_as_protocol_errors",
]

ResourceContents: TypeAlias = types.TextResourceContents | types.BlobResourceContents

_W = TypeVar("_W")
_P = TypeVar("_P", bound=types.RequestParams)
_R = TypeVar("_R", bound=types.Result)


class ResourceProvider(Protocol):
    """A server's resources: listed, templated, read."""

    async def list_resources(self, request: RequestContext) -> Sequence[types.Resource]:
        """The resources a client sees in `resources/list`."""
        ...

    async def list_templates(self, request: RequestContext) -> Sequence[types.ResourceTemplate]:
        """The URI templates a client sees in `resources/templates/list`."""
        ...

    async def read(self, request: RequestContext, uri: str) -> ResourceContents:
        """The contents at `uri`; a `MooringsError` refuses the read."""
        ...


@runtime_checkable
class SubscribableResources(ResourceProvider, Protocol[_W]):
    """Resources a client may subscribe to, in either protocol era.

    The core keeps count of listeners per URI; the provider hears only about the first and the
    last. `_W` is what the provider watches for a URI (a canonical path, a table name).
    """

    async def check_subscription(self, request: RequestContext, uri: str) -> _W:
        """What to watch for `uri` (passed to `watch`); a `MooringsError` refuses the subscription
        before anyone is counted as listening."""
        ...

    async def watch(self, uri: str, target: _W) -> None:
        """`uri` gained its first listener; `target` is what `check_subscription` returned for it."""
        ...

    async def unwatch(self, uri: str) -> None:
        """`uri` lost its last listener (unsubscribed, stream ended, client gone, or the server stops)."""
        ...


def _protocol_error(exc: MooringsError, uri: str) -> MCPError:
    """A refusal of a resource request as the JSON-RPC error the client receives."""
    code = types.INTERNAL_ERROR if isinstance(exc, OperationFailed) else types.INVALID_PARAMS
    return MCPError(code=code, message=str(exc), data={"uri": uri})


@contextmanager
def refusals_as_protocol_errors(uri: str) -> Iterator[None]:
    """Inside this block, a `MooringsError` about `uri` leaves as its protocol error."""
    try:
        yield
    except MooringsError as exc:
        raise _protocol_error(exc, uri) from None


Handler: TypeAlias = Callable[[RequestContext, _P], Awaitable[_R]]


def list_handler(
    provider: ResourceProvider,
) -> Handler[types.PaginatedRequestParams, types.ListResourcesResult]:
    async def list_resources(
        request: RequestContext, params: types.PaginatedRequestParams
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=list(await provider.list_resources(request)))

    return list_resources


def templates_handler(
    provider: ResourceProvider,
) -> Handler[types.PaginatedRequestParams, types.ListResourceTemplatesResult]:
    async def list_templates(
        request: RequestContext, params: types.PaginatedRequestParams
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=list(await provider.list_templates(request))
        )

    return list_templates


def read_handler(
    provider: ResourceProvider,
) -> Handler[types.ReadResourceRequestParams, types.ReadResourceResult]:
    async def read(
        request: RequestContext, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        with refusals_as_protocol_errors(uri):
            contents = await provider.read(request, uri)
        return types.ReadResourceResult(contents=[contents])

    return read
