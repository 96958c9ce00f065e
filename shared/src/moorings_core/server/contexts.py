"""The two contexts a server's code is handed, each named once.

- `ToolContext`: what a tool receives when it declares a parameter of this type (the SDK injects
  it): progress reporting, and the request behind the call as `ctx.request_context`.
- `RequestContext`: the request itself, as resource providers and every other handler receive it:
  its protocol era, its `_meta`, the session that can ask the client things (its roots).

Code that works for any request (a jail narrowed by the client's roots, say) takes a
`RequestContext`; a tool passes `ctx.request_context`.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context

__all__ = ["RequestContext", "ToolContext"]

ToolContext: TypeAlias = Context[Any, Any]
RequestContext: TypeAlias = ServerRequestContext[Any, Any]
