"""Where the tools may work: the configured jail, narrowed per request by the client's roots.

`--roots-mode` decides what client-offered MCP roots do:
- `intersect` (default): they narrow the configured directories, never widen them;
- `replace`: they replace them (the reference server's behaviour; opt-in, since a client root
  of file:///etc then opens /etc); like the reference, roots that are not existing directories
  are dropped, and when none is left the configured directories stay;
- `ignore`: only the configured directories count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context

from moorings_core.sandbox.paths import PathJail
from moorings_core.server import ClientRoots
from moorings_filesystem.settings import FilesystemSettings

__all__ = ["Workspace"]


@dataclass
class Workspace:
    """The settings and the jail every filesystem tool works through."""

    settings: FilesystemSettings
    jail: PathJail
    roots: ClientRoots

    @classmethod
    def from_settings(cls, settings: FilesystemSettings, roots: ClientRoots) -> Workspace:
        return cls(settings, PathJail(settings.directories, read_only=settings.read_only), roots)

    async def jail_for(self, ctx: Context[Any]) -> PathJail:
        """The jail for this tool call: the configured one, or what the client's roots make of it."""
        return await self.jail_for_request(ctx.request_context)

    async def jail_for_request(self, request: ServerRequestContext[Any, Any]) -> PathJail:
        """The jail for any request (a tool call, a resource read, a subscription)."""
        if self.settings.roots_mode == "ignore":
            return self.jail
        offered = await self.roots.of(request)
        if not offered:
            return self.jail
        if self.settings.roots_mode == "intersect":
            return self.jail.narrowed_to(offered)
        existing = [root for root in offered if root.is_dir()]
        if not existing:
            return self.jail
        return PathJail(existing, read_only=self.settings.read_only)
