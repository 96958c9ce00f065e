"""Where the tools may work: the configured jail, narrowed per request by the client's roots.

`--roots-mode` decides what client-offered MCP roots do:
- `intersect` (default): they narrow the configured directories, never widen them;
- `replace`: they replace them (the reference server's behaviour; opt-in, since a client root
  of file:///etc then opens /etc); like the reference, roots that are not existing directories
  are dropped, and when none is left the configured directories stay;
- `ignore`: only the configured directories count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from moorings_core import ClientRoots, PathJail, RequestContext
from moorings_filesystem.settings import FilesystemSettings

__all__ = ["Workspace"]

_KEPT_JAILS = 16  # sets of client roots remembered; more are rare (one per connection at most)


@dataclass
class Workspace:
    """The settings and the jail every filesystem tool works through."""

    settings: FilesystemSettings
    jail: PathJail
    roots: ClientRoots
    _jails: dict[tuple[Path, ...], PathJail] = field(default_factory=dict, repr=False)

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
        jail = self._jails.get(offered)
        if jail is None:
            if len(self._jails) >= _KEPT_JAILS:
                self._jails.clear()
            jail = self._jails[offered] = self._jail_within(offered)
        return jail

    def _jail_within(self, offered: tuple[Path, ...]) -> PathJail:
        """The jail for a client offering these roots (made once per set of roots: resolving them
        touches the disk, and a client asks with the same roots call after call)."""
        if self.settings.roots_mode == "intersect":
            return self.jail.narrowed_to(offered)
        existing = [root for root in offered if root.is_dir()]
        if not existing:
            return self.jail
        return PathJail(existing, read_only=self.settings.read_only)
