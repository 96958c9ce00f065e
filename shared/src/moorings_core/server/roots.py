"""The directories a client offers as its roots.

Hosts on the 2025-11-25 protocol still send roots (deprecated in 2026-07-28,
SEP-2577, where servers may no longer ask the client anything). We ask once per
connection, cache the answer in the connection's state and forget it when the client says its roots
changed. A server uses roots only to *narrow* what the operator configured,
never to widen it (the reference filesystem server lets a client root of
file:///etc open /etc; we do not).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import mcp_types as types
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from moorings_core.server.contexts import RequestContext
from moorings_core.server.sdk_adapter import connection_of

__all__ = ["ClientRoots", "root_to_path"]

logger = logging.getLogger(__name__)

_ROOTS = types.ClientCapabilities(roots=types.RootsCapability())
_CACHE_KEY = "moorings.client_roots"  # in the connection's scratch state


def root_to_path(uri: str) -> Path | None:
    """The local path a `file://` root names, or None for any other kind of root."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parts.path))


class ClientRoots:
    """Asks each connection's client for its roots on demand, and caches the answer."""

    def __init__(self, on_change: Callable[[], Awaitable[None]] | None = None) -> None:
        self._on_change = on_change

    async def of(self, ctx: RequestContext) -> tuple[Path, ...] | None:
        """The client's file roots, or None when this client offers none (or cannot be asked)."""
        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS or not ctx.session.check_client_capability(
            _ROOTS
        ):
            return None
        state = connection_of(ctx).state
        cached: tuple[Path, ...] | None = state.get(_CACHE_KEY)
        if cached is None:
            try:
                # Sent as a plain request: `list_roots()` carries a deprecation warning
                # aimed at new code, and 2025-era hosts are exactly who we serve here.
                result = await ctx.session.send_request(types.ListRootsRequest(), types.ListRootsResult)
            except Exception as exc:  # the client failed to answer; serve without narrowing
                logger.warning("The client offers roots but did not list them: %r", exc)
                return None
            cached = tuple(path for root in result.roots if (path := root_to_path(str(root.uri))) is not None)
            state[_CACHE_KEY] = cached
        return cached

    async def handle_list_changed(self, ctx: RequestContext, params: object) -> None:
        """`notifications/roots/list_changed`: forget the cached roots; ask again next time."""
        connection_of(ctx).state.pop(_CACHE_KEY, None)
        if self._on_change is not None:
            await self._on_change()
