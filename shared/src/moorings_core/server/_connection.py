"""The connection behind a request.

The SDK builds a fresh `ServerSession` for every request and keeps the long-lived
`Connection` private. Whatever must outlive one request (a subscription, cached
client roots) is keyed on the connection, so this is the one place we reach for it.
"""

from __future__ import annotations

from typing import Any

from mcp.server.connection import Connection
from mcp.server.context import ServerRequestContext

__all__ = ["connection_of"]


def connection_of(ctx: ServerRequestContext[Any, Any]) -> Connection:
    connection: Connection = ctx.session._connection
    return connection
