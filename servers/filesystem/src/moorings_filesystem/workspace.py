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

from moorings_core import ClientRoots, PathJail, RequestContext
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

    async def jail_for(self, request: RequestContext) -> PathJail:
        """The jail for a request (a tool call passes `ctx.request_context`, a resource read or a
        subscription its own): the configured one, or what the client's roots make of it."""
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
