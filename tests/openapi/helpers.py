"""Building openapi servers for tests: settings as flags would give them, over the harbour API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client

from moorings_core.server import MooringsServer
from moorings_core.testing import connect
from moorings_openapi.server import opened_server
from moorings_openapi.settings import OpenApiSettings
from tests.openapi.harbour_api import HARBOUR_YAML, HarbourApi


def harbour_settings(api: HarbourApi, **settings: Any) -> OpenApiSettings:
    """Settings for the harbour API as served, which the server may reach (it is on loopback)."""
    settings.setdefault("spec", str(HARBOUR_YAML))
    settings.setdefault("base_url", api.base_url)
    settings.setdefault("allow_host", [api.host])
    return OpenApiSettings(**settings)


@asynccontextmanager
async def harbour_server(api: HarbourApi, **settings: Any) -> AsyncIterator[MooringsServer]:
    async with opened_server(harbour_settings(api, **settings)) as server:
        yield server


@asynccontextmanager
async def harbour_client(api: HarbourApi, **settings: Any) -> AsyncIterator[Client]:
    """An in-process client of an openapi server over the harbour API."""
    async with harbour_server(api, **settings) as server, connect(server) as client:
        yield client
