"""A bare `MCPServer` with one trivial tool: the floor any Python MCP server stands on.

The benchmarks run it as the baseline, so a ratio against it shows what a server adds on top of
the SDK itself (imports, tool registration, its own start-up work).
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server = MCPServer("sdk-hello")


@server.tool()
def hello(name: str = "world") -> str:
    """Say hello to `name`."""
    return f"Hello, {name}!"


if __name__ == "__main__":
    server.run()
