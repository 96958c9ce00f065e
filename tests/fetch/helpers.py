"""Building fetch servers for tests: settings as flags would give them, allowed to reach a test site."""

from __future__ import annotations

from typing import Any

from moorings_core.sandbox.network import Resolver
from moorings_core.server import MooringsServer
from moorings_fetch.server import build_server
from moorings_fetch.settings import FetchSettings
from tests.fetch.site import Site


def server_for(
    site: Site | None = None, *, resolver: Resolver | None = None, **settings: Any
) -> MooringsServer:
    """A fetch server that may reach `site` (by its address and port) and nothing else private.

    `resolver` answers its DNS lookups instead of the system's (`tests.core.web_world.FakeDNS`).
    """
    if site is not None:
        settings.setdefault("allow_host", [site.host])
    return build_server(FetchSettings(**settings), resolver=resolver)
