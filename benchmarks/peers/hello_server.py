"""A bare `MCPServer` with one trivial tool: the floor any Python MCP server stands on.

The benchmarks run it as the baseline, so a ratio against it shows what a server adds on top of
the SDK itself (imports, tool registration, its own start-up work), and its `hello` is the no-op
the per-call scenario measures every other server's call against. `hello` is `async def`: the
SDK runs a plain `def` tool in a worker thread, and that hop (≈ 0.07 ms a call here) would be
counted into the floor although a server that needs one pays for it itself.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server = MCPServer("sdk-hello")


@server.tool()
async def hello(name: str = "world") -> str:
    """Say hello to `name`."""
    return f"Hello, {name}!"


if __name__ == "__main__":
    server.run()
