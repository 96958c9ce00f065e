"""Several APIs behind one server: two harbour APIs on two ports, as [apis.north] and [apis.south].

Each API's tools carry its name, each call goes to its own API, and each API's credentials and
headers reach that API only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from moorings_core.testing import ERAS, Era, connect, refusal, succeeded
from moorings_openapi.server import opened_server
from moorings_openapi.settings import ApiSettings, OpenApiSettings
from tests.openapi.harbour_api import HARBOUR_YAML, HarbourApi, serve_harbour_api

pytestmark = pytest.mark.anyio

SOUTH_TOKEN = "south-bearer-secret-91d2"
SOUTH_KEY = "south-header-key-4e7a"


@pytest.fixture(scope="module")
def served_south() -> Iterator[HarbourApi]:
    with serve_harbour_api(bearer_token=SOUTH_TOKEN, header_key=SOUTH_KEY) as api:
        yield api


@pytest.fixture
def south(served_south: HarbourApi) -> HarbourApi:
    served_south.reset()
    return served_south


@asynccontextmanager
async def two_harbours(
    north: HarbourApi, south: HarbourApi, *, era: Era = "2026-07-28", **settings: Any
) -> AsyncIterator[Client]:
    """A client of one server over both: north signs with a bearer token, south with an API key."""
    apis = {
        "north": ApiSettings(
            spec=str(HARBOUR_YAML),
            base_url=north.base_url,
            bearer_token=north.bearer_token,
            headers=["X-Harbour: north"],
        ),
        "south": ApiSettings(
            spec=str(HARBOUR_YAML),
            base_url=south.base_url,
            api_key=south.header_key,
            headers=["X-Harbour: south"],
        ),
    }
    options = OpenApiSettings(apis=apis, allow_host=[north.host, south.host], **settings)
    async with opened_server(options) as server, connect(server, era=era) as client:
        yield client


@pytest.mark.parametrize("era", ERAS)
async def test_each_api_s_tools_carry_its_name(harbour_api: HarbourApi, south: HarbourApi, era: Era) -> None:
    async with two_harbours(harbour_api, south, era=era) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
    assert len(names) == 58
    assert names[:2] == ["north_listBoats", "north_createBoat"]
    assert names[29:31] == ["south_listBoats", "south_createBoat"]
    assert {name.partition("_")[2] for name in names[:29]} == {name.partition("_")[2] for name in names[29:]}


async def test_each_call_goes_to_its_own_api(harbour_api: HarbourApi, south: HarbourApi) -> None:
    south.boats[1]["name"] = "Southern Curlew"
    async with two_harbours(harbour_api, south) as client:
        _, from_north = succeeded(await client.call_tool("north_getBoat", {"boatId": 1}))
        _, from_south = succeeded(await client.call_tool("south_getBoat", {"boatId": 1}))
        succeeded(await client.call_tool("south_createBoat", {"name": "Gull"}))
    assert from_north["body"]["name"] == "Curlew 1"
    assert from_south["body"]["name"] == "Southern Curlew"
    assert [request.path for request in harbour_api.requests] == ["/v1/boats/1"]
    assert [request.path for request in south.requests] == ["/v1/boats/1", "/v1/boats"]
    assert 51 in south.boats
    assert 51 not in harbour_api.boats


async def test_each_api_s_credentials_and_headers_reach_it_alone(
    harbour_api: HarbourApi, south: HarbourApi
) -> None:
    async with two_harbours(harbour_api, south) as client:
        succeeded(await client.call_tool("north_getPrivateBearer", {}))
        succeeded(await client.call_tool("south_getPrivateKeyHeader", {}))
        north_without_key = await client.call_tool("north_getPrivateKeyHeader", {})
        south_without_token = await client.call_tool("south_getPrivateBearer", {})
        succeeded(await client.call_tool("north_getBoat", {"boatId": 2}))
        succeeded(await client.call_tool("south_getBoat", {"boatId": 2}))
    assert "api_key in [apis.north]" in refusal(north_without_key)
    assert "bearer_token in [apis.south]" in refusal(south_without_token)
    assert all(request.header("x-harbour") == "north" for request in harbour_api.requests)
    assert all(request.header("x-harbour") == "south" for request in south.requests)
    assert not any(request.mentions(SOUTH_KEY) for request in harbour_api.requests)
    assert not any(request.mentions(harbour_api.bearer_token) for request in south.requests)
    (north_private,) = harbour_api.requests_to("/private/bearer")
    assert north_private.header("authorization") == f"Bearer {harbour_api.bearer_token}"
    (south_private,) = south.requests_to("/private/key-header")
    assert south_private.header("x-api-key") == SOUTH_KEY


async def test_each_api_has_its_own_resources(harbour_api: HarbourApi, south: HarbourApi) -> None:
    async with two_harbours(harbour_api, south) as client:
        uris = [resource.uri for resource in (await client.list_resources()).resources]
        north_boat = await client.read_resource("openapi://north/operations/north_getBoat")
        with pytest.raises(MCPError, match="No resource"):
            await client.read_resource("openapi://north/operations/south_getBoat")
    assert uris[0] == "openapi://north/document"
    assert "openapi://south/document" in uris
    assert "openapi://south/operations/south_getBoat" in uris
    assert "(tool `north_getBoat`)" in north_boat.contents[0].text  # type: ignore[union-attr]


async def test_read_only_holds_for_every_api(harbour_api: HarbourApi, south: HarbourApi) -> None:
    async with two_harbours(harbour_api, south, read_only=True) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
    assert "north_getBoat" in names
    assert "south_getBoat" in names
    assert not [name for name in names if "create" in name or "delete" in name or "replace" in name]
