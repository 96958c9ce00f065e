"""`tools/list` in pages, for a server with more tools than a client should take in one answer.

The SDK's `MCPServer` answers every tool in one page and ignores the cursor. A server made from a
large document (an OpenAPI description with a thousand operations) asks for pages instead
(`MooringsServer(..., tools_page_size=100)`): each answer holds that many tools and an opaque
`nextCursor` while more follow.

Each page is cut from the SDK's own answer (`sdk_adapter.whole_tool_list`), so every entry is
exactly the SDK's wire form of its tool. That answer is taken once, on the first request: a
Moorings server's tools are fixed when it starts serving (it advertises `listChanged: false`), and
converting a thousand tools again for each of ten pages took longer than the paging.

Cursors are the core's (`moorings_core.paging`): an offset bound to this server's list, so a cursor
from another list (another server, another request kind, or the same server started with other
tools) is refused as invalid params rather than quietly continuing a different sequence. They carry
no state: both protocol eras serve them, including the 2026-07-28 one in which every request stands
alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError

from moorings_core.errors import InvalidInput
from moorings_core.paging import PageRequest
from moorings_core.server import sdk_adapter
from moorings_core.server.contexts import RequestContext

__all__ = ["page_tool_list"]

_METHOD = "tools/list"


def page_tool_list(server: Server[Any], *, page_size: int) -> None:
    """Make `server` answer `tools/list` `page_size` tools at a time, with a cursor to the next page."""
    if page_size < 1:
        raise ValueError(f"a page of tools holds at least one tool, not {page_size}")
    listed = sdk_adapter.whole_tool_list(server)
    whole: list[tuple[list[types.Tool], str]] = []  # the list and its fingerprint, once taken

    async def list_page(ctx: RequestContext, params: types.PaginatedRequestParams) -> types.ListToolsResult:
        if not whole:
            every = await listed(ctx)
            whole.append((every, _fingerprint(every)))
        tools, fingerprint = whole[0]
        request = _request(params.cursor, fingerprint)
        end = min(request.start + page_size, len(tools))
        more = end < len(tools)
        return types.ListToolsResult(
            tools=tools[request.start : end], next_cursor=request.cursor_at(end) if more else None
        )

    server.add_request_handler(_METHOD, types.PaginatedRequestParams, list_page)


def _request(cursor: str | None, fingerprint: str) -> PageRequest:
    """The page `cursor` asks for; a cursor made for another list is the request's fault (-32602)."""
    try:
        return PageRequest(_METHOD, cursor, tools=fingerprint)
    except InvalidInput:
        raise MCPError(
            types.INVALID_PARAMS,
            f"Invalid tools/list cursor {(cursor or '')[:40]!r}: it was not made by this "
            "server's tool list. Pass back the nextCursor of the previous tools/list answer unchanged, "
            "or omit the cursor to list from the first tool.",
        ) from None


def _fingerprint(tools: list[types.Tool]) -> str:
    """A short digest of which tools are listed, in order: what a cursor is bound to."""
    return hashlib.sha256("\n".join(tool.name for tool in tools).encode()).hexdigest()[:16]
