"""Compact mode against the real harbour API: three tools that find, describe and call every operation.

What the model sees: a page of operations at a time, continued by the cursor it is given; an
operation's documentation and input schema; and calls whose arguments are checked against that
schema exactly as the operation's own tool would check them, before anything is sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from moorings_core.testing import ERAS, Era, connect, refusal, succeeded
from tests.openapi.harbour_api import HarbourApi
from tests.openapi.helpers import harbour_client, harbour_server

pytestmark = pytest.mark.anyio

ALL_OPERATIONS = 29


async def every_page(client: Client, **arguments: Any) -> list[dict[str, Any]]:
    """Every page of list_operations, following each next_cursor as a model would."""
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        _, listing = succeeded(
            await client.call_tool("list_operations", {**arguments, **({"cursor": cursor} if cursor else {})})
        )
        pages.append(listing)
        cursor = listing.get("nextCursor")
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor does not move on"


@pytest.mark.parametrize("era", ERAS)
async def test_compact_mode_offers_exactly_three_tools(harbour_api: HarbourApi, era: Era) -> None:
    async with harbour_server(harbour_api, tool_mode="compact") as server, connect(server, era=era) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert sorted(tools) == ["call_operation", "describe_operation", "list_operations"]
    assert tools["list_operations"].annotations is not None
    assert tools["list_operations"].annotations.read_only_hint is True
    call = tools["call_operation"].annotations
    assert call is not None
    assert call.read_only_hint is False
    assert call.destructive_hint is True  # deleteBoat is among the operations
    assert call.open_world_hint is True


async def test_list_operations_pages_through_every_operation_once(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact", max_output_chars=1_000) as client:
        pages = await every_page(client)
    names = [entry["name"] for page in pages for entry in page["operations"]]
    assert len(pages) > 2
    assert all(page["operations"] for page in pages)
    assert len(names) == len(set(names)) == ALL_OPERATIONS
    assert names[:3] == ["listBoats", "createBoat", "getBoat"]
    assert all(page["total"] == ALL_OPERATIONS for page in pages)


async def test_a_page_says_how_to_go_on(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact", max_output_chars=1_000) as client:
        text, listing = succeeded(await client.call_tool("list_operations", {}))
    assert text.startswith("listBoats: GET /boats — List boats\n")
    assert f'cursor "{listing["nextCursor"]}"' in text
    assert listing["operations"][0] == {
        "name": "listBoats",
        "method": "GET",
        "path": "/boats",
        "summary": "List boats",
        "tags": ["boats"],
        "readOnly": True,
    }


async def test_a_cursor_from_other_arguments_or_made_up_is_refused(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact", max_output_chars=1_000) as client:
        _, first = succeeded(await client.call_tool("list_operations", {}))
        foreign = await client.call_tool("list_operations", {"tag": "misc", "cursor": first["nextCursor"]})
        forged = await client.call_tool("list_operations", {"cursor": "not-a-cursor"})
    assert "cursor" in refusal(foreign).lower()
    assert "Pass back the nextCursor" in refusal(forged)


async def test_query_and_tag_narrow_the_list(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact") as client:
        _, private = succeeded(await client.call_tool("list_operations", {"tag": "private"}))
        _, boats = succeeded(await client.call_tool("list_operations", {"query": "BOAT remove"}))
        text, none = succeeded(await client.call_tool("list_operations", {"query": "submarine"}))
    assert [entry["name"] for entry in private["operations"]] == [
        "getPrivateBearer",
        "getPrivateKeyHeader",
        "getPrivateKeyQuery",
        "getPrivateKeyCookie",
        "getPrivateBasic",
    ]
    assert private["total"] == 5
    assert [entry["name"] for entry in boats["operations"]] == ["deleteBoat"]
    assert none == {"operations": [], "total": 0}
    assert text == "No operation matches."


async def test_describe_operation_gives_documentation_and_input_schema(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact") as client:
        text, described = succeeded(await client.call_tool("describe_operation", {"operation": "getBoat"}))
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert described["name"] == "getBoat"
    assert (described["method"], described["path"]) == ("GET", "/boats/{boatId}")
    assert described["inputSchema"] == {
        "type": "object",
        "properties": {"boatId": {"type": "integer", "minimum": 1}},
        "required": ["boatId"],
        "additionalProperties": False,
    }
    assert described["outputSchema"]["required"] == ["status"]
    assert "## Parameters" in described["documentation"]
    assert "| `boatId` | path | yes | integer |" in described["documentation"]
    assert text.startswith("# `GET /boats/{boatId}` (tool `getBoat`)")
    assert "## Arguments (JSON Schema)" in text
    assert "getBoat" not in tools


async def test_call_operation_calls_the_api(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact") as client:
        _, answer = succeeded(
            await client.call_tool("call_operation", {"operation": "getBoat", "arguments": {"boatId": 2}})
        )
        tides = await client.call_tool("call_operation", {"operation": "getTides"})
    assert answer["status"] == 200
    assert answer["body"]["name"] == "Kittiwake 1"
    assert not tides.is_error
    assert "High water 06:12" in tides.content[0].text  # type: ignore[union-attr]
    assert [request.path for request in harbour_api.requests] == ["/v1/boats/2", "/v1/tides.txt"]


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"boatId": "two"}, "argument 'boatId': expected integer"),
        ({}, "argument 'boatId' is required"),
        ({"boatId": 2, "colour": "red"}, "colour"),
        ({"boatId": 0}, "boatId"),
    ],
)
async def test_call_operation_refuses_arguments_that_break_the_schema(
    harbour_api: HarbourApi, arguments: dict[str, Any], complaint: str
) -> None:
    async with harbour_client(harbour_api, tool_mode="compact") as client:
        result = await client.call_tool("call_operation", {"operation": "getBoat", "arguments": arguments})
    message = refusal(result)
    assert complaint in message
    assert "describe_operation 'getBoat'" in message
    assert harbour_api.requests == []


async def test_an_unknown_operation_is_named_with_the_way_to_find_one(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact") as client:
        described = await client.call_tool("describe_operation", {"operation": "getboat"})
        called = await client.call_tool("call_operation", {"operation": "sinkBoat", "arguments": {}})
    assert "There is no operation named 'getboat'" in refusal(described)
    assert "list_operations" in refusal(described)
    assert "There is no operation named 'sinkBoat'" in refusal(called)
    assert harbour_api.requests == []


async def test_compact_read_only_offers_only_reading_operations(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, tool_mode="compact", read_only=True) as client:
        pages = await every_page(client)
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        refused = await client.call_tool(
            "call_operation", {"operation": "deleteBoat", "arguments": {"boatId": 1}}
        )
    assert all(entry["method"] == "GET" for page in pages for entry in page["operations"])
    annotations = tools["call_operation"].annotations
    assert annotations is not None
    assert annotations.read_only_hint is True
    assert annotations.destructive_hint is False
    assert "There is no operation named 'deleteBoat'" in refusal(refused)
    assert harbour_api.requests == []
