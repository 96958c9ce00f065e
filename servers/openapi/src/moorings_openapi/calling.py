"""Calling an operation: its request sent through the core's guarded client, its response read into a result.

One client serves every call while the server serves (its connection pool kept warm). Every
request goes through the core's network policy, narrowed to the APIs' own origins, so neither an
argument nor a redirect can send a request, or a credential, anywhere else. Retries are the core's:
a 429 or 503 with a Retry-After is waited out (at most `MAX_RETRY_WAIT` seconds, within the call's
deadline) and sent again whatever the method, because the API says it did nothing; a connection
that fails before an answer is retried for idempotent methods only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import mcp_types as types

from moorings_core import NO_PROGRESS, Progress
from moorings_openapi.responses import tool_result

if TYPE_CHECKING:
    from moorings_core.ratelimit import RateLimiter
    from moorings_core.sandbox.network import GuardedClient, NetworkPolicy, Resolver
    from moorings_openapi.catalog import OperationTool

__all__ = ["MAX_RETRY_WAIT", "Caller"]

MAX_RETRY_WAIT = 30.0
ATTEMPTS = 3


class Caller:
    """Sends operations' requests, one client for the whole time the server serves."""

    def __init__(
        self,
        policy: NetworkPolicy,
        *,
        max_result_chars: int,
        rate_limiter: RateLimiter | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self._policy = policy
        self._max_result_chars = max_result_chars
        self._rate_limiter = rate_limiter
        self._resolver = resolver
        self._client: GuardedClient | None = None

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Hold the client open while the server serves (`MooringsServer.hold_while_serving`)."""
        from moorings_core.sandbox.network import GuardedClient

        client = GuardedClient(self._policy, resolver=self._resolver, rate_limiter=self._rate_limiter)
        async with client:
            self._client = client
            try:
                yield
            finally:
                self._client = None

    async def call(
        self, tool: OperationTool, arguments: dict[str, Any], progress: Progress = NO_PROGRESS
    ) -> types.CallToolResult:
        """Send `tool`'s request for `arguments` (checked against its input schema) and read the answer."""
        from moorings_core.sandbox.network import RetryPolicy

        if self._client is None:
            raise RuntimeError("the caller is not serving: hold Caller.serving while calling")
        request = tool.request(arguments)
        fetched = await self._client.request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.content,
            retry=RetryPolicy(attempts=ATTEMPTS, max_wait=MAX_RETRY_WAIT),
            on_progress=lambda done, total: progress.update(done, total),
        )
        return tool_result(
            fetched,
            tool.operation,
            body_check=tool.body_check,
            max_chars=self._max_result_chars,
            hint_for_auth=tool.missing_credentials(),
        )
