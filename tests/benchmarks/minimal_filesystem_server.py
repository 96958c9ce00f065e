"""A plain filesystem MCP server with the reference's tool names, for the scenario tests.

Real stdio and real files, written the obvious way: the scenarios can be tested end to end without
Node or our own server. Like the reference, it has no content-search tool. With ``--broken``,
`search_files` answers every call with an error; with ``--pages N``, `list_directory` returns N
entries at a time and a `nextCursor` for the rest; with ``--die-after N``, the process exits
during the call of `get_file_info` after the N-th.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections import deque
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

server = MCPServer("minimal-filesystem")
_file_infos = itertools.count(1)


@server.tool()
def search_files(path: str, pattern: str) -> str:
    if "--broken" in sys.argv:
        raise ToolError("searching is broken today")
    return "\n".join(sorted(str(match) for match in Path(path).glob(pattern))) or "No matches found"


@server.tool()
def directory_tree(path: str) -> str:
    return json.dumps(_tree(Path(path)), indent=2)


class Page(BaseModel):
    entries: list[str]
    nextCursor: str | None = None  # noqa: N815 - the wire name the scenarios follow


@server.tool()
def list_directory(path: str, cursor: str | None = None) -> Page:
    names = [
        f"[{'DIR' if entry.is_dir() else 'FILE'}] {entry.name}" for entry in sorted(Path(path).iterdir())
    ]
    size = int(sys.argv[sys.argv.index("--pages") + 1]) if "--pages" in sys.argv else len(names)
    start = int(cursor or 0)
    end = start + size
    return Page(entries=names[start:end], nextCursor=str(end) if end < len(names) else None)


@server.tool()
def read_text_file(path: str, head: int | None = None, tail: int | None = None) -> str:
    with Path(path).open() as lines:
        if head is not None:
            return "".join(itertools.islice(lines, head))
        return "".join(deque(lines, maxlen=tail))


@server.tool()
def get_file_info(path: str) -> str:
    if "--die-after" in sys.argv and next(_file_infos) > int(sys.argv[sys.argv.index("--die-after") + 1]):
        print("out of file infos", file=sys.stderr, flush=True)
        os._exit(3)
    return f"size: {Path(path).stat().st_size}"


def _tree(directory: Path) -> list[dict[str, Any]]:
    return [
        {"name": entry.name, "type": "directory", "children": _tree(entry)}
        if entry.is_dir()
        else {"name": entry.name, "type": "file"}
        for entry in sorted(directory.iterdir())
    ]


if __name__ == "__main__":
    server.run()
