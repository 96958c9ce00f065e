"""Tool calls as the scenarios make them: the untimed start of a run, a timed call, its text.

Shared by every scenario module, so each server is started, checked and timed the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from benchmarks.scenarios import Unsupported

if TYPE_CHECKING:
    from benchmarks.harness import Server


def start(server: Server, tool: str, warm_up: dict[str, Any]) -> None:
    """The untimed part of a run: the handshake, a check that the server has `tool`, a first call."""
    server.handshake()
    if not any(listed.get("name") == tool for listed in server.list_tools()):
        raise Unsupported(f"it has no {tool} tool")
    timed_call(server, tool, warm_up)


def first_tool(server: Server, tools: Sequence[str]) -> str:
    """The first of `tools` that `server` lists (an untimed `tools/list`); `Unsupported` if none."""
    listed = {tool.get("name") for tool in server.list_tools()}
    for tool in tools:
        if tool in listed:
            return tool
    raise Unsupported(f"it has none of the tools {', '.join(tools)}")


def timed_call(server: Server, tool: str, arguments: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Seconds from sending `tools/call` to its result, and the result; an `isError` one fails the server."""
    started = time.perf_counter()
    result = server.call_tool(tool, arguments)
    seconds = time.perf_counter() - started
    if result.get("isError"):
        raise ValueError(f"{tool} answered with an error: {text_of(result)[:300]}")
    return seconds, result


def next_cursor(result: dict[str, Any]) -> str | None:
    """The cursor for the page after `result`, or None when it is the last (or the only) one.

    Ours (and the MCP spelling) is ``nextCursor`` in the structured content; ``next_cursor`` is
    what some other servers use.
    """
    structured = result.get("structuredContent") or {}
    cursor = structured.get("nextCursor", structured.get("next_cursor"))
    return str(cursor) if cursor is not None else None


def text_of(result: dict[str, Any]) -> str:
    """The text blocks of a tool result, joined: what a model reads."""
    blocks = result.get("content") or []
    return "\n".join(str(block.get("text", "")) for block in blocks if block.get("type") == "text")


def text_size(text: str) -> str:
    """The size of `text` in UTF-8, for a person: "512 B", "48 KiB", "162.4 MiB"."""
    return byte_size(len(text.encode()))


def byte_size(size: int) -> str:
    """A number of bytes for a person: "512 B", "48 KiB", "162.4 MiB"."""
    if size >= 10 * 2**20:
        return f"{size / 2**20:,.1f} MiB"
    return f"{size / 1024:,.0f} KiB" if size >= 1024 else f"{size} B"
