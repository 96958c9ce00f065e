"""`tools/list` in pages (`MooringsServer(..., tools_page_size=N)`), in both protocol eras."""

from __future__ import annotations

from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from pydantic import RootModel

from moorings_core.config import ServerSettings
from moorings_core.server import MooringsServer, ToolContext
from moorings_core.testing import ERAS, Era, connect

pytestmark = pytest.mark.anyio


class Raw(RootModel[dict[str, Any]]):
    """An answer as it came over the wire."""


def many_tools(count: int, *, tools_page_size: int | None) -> MooringsServer:
    """`count` schema tools (some with an output schema, some not) and one function tool."""
    server = MooringsServer(
        "probe",
        settings=ServerSettings(),
        instructions="",
        distribution="moorings-core",
        tools_page_size=tools_page_size,
    )

    @server.tool(title="Hello", read_only=True)
    async def hello(name: str) -> str:
        """Say hello."""
        return f"hello {name}"

    async def answer(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type="text", text=repr(arguments))])

    for number in range(count):
        server.schema_tool(
            name=f"op_{number:04d}",
            title=f"Operation {number}",
            description=f"Does thing {number}.",
            input_schema={"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
            output_schema={"type": "object"} if number % 2 else None,
            read_only=number % 3 == 0,
            handler=answer,
        )
    return server


async def raw_page(client: Client, cursor: str | None) -> dict[str, Any]:
    """One tools/list answer as it came over the wire."""
    request = types.ListToolsRequest(params=types.PaginatedRequestParams(cursor=cursor))
    return (await client.session.send_request(request, Raw)).root


async def all_raw_pages(client: Client) -> list[dict[str, Any]]:
    pages = [await raw_page(client, None)]
    while "nextCursor" in pages[-1]:
        pages.append(await raw_page(client, pages[-1]["nextCursor"]))
    return pages


@pytest.mark.parametrize("era", ERAS)
async def test_250_tools_come_in_pages_of_100_exactly_as_the_sdk_lists_them(era: Era) -> None:
    async with connect(many_tools(250, tools_page_size=None), era=era) as client:
        (whole,) = await all_raw_pages(client)
    async with connect(many_tools(250, tools_page_size=100), era=era) as client:
        pages = await all_raw_pages(client)

    assert [len(page["tools"]) for page in pages] == [100, 100, 51]
    assert "nextCursor" not in whole
    assert [tool for page in pages for tool in page["tools"]] == whole["tools"]  # same entries, same order
    first = whole["tools"][2]
    assert first["name"] == "op_0001"
    assert first["title"] == "Operation 1"
    assert first["inputSchema"]["required"] == ["id"]
    assert first["outputSchema"] == {"type": "object"}
    assert first["annotations"]["readOnlyHint"] is False


@pytest.mark.parametrize("era", ERAS)
async def test_the_clients_list_tools_returns_one_page_and_follows_the_cursor_when_asked(era: Era) -> None:
    async with connect(many_tools(250, tools_page_size=100), era=era) as client:
        first = await client.list_tools()
        assert first.next_cursor is not None  # the SDK client does not follow cursors itself
        names = [tool.name for tool in first.tools]
        cursor: str | None = first.next_cursor
        while cursor is not None:
            page = await client.list_tools(cursor=cursor)
            names += [tool.name for tool in page.tools]
            cursor = page.next_cursor
        called = await client.call_tool("op_0248", {"id": 7})  # a tool listed on the last page

    assert names == ["hello"] + [f"op_{number:04d}" for number in range(250)]
    assert not called.is_error
    assert called.content == [types.TextContent(type="text", text="{'id': 7}")]


@pytest.mark.parametrize("era", ERAS)
async def test_a_list_that_fits_one_page_has_no_cursor(era: Era) -> None:
    async with connect(many_tools(99, tools_page_size=100), era=era) as client:
        pages = await all_raw_pages(client)
    assert [len(page["tools"]) for page in pages] == [100]


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("not a cursor", id="garbage"),
        pytest.param("bzoxMDA6MDAwMDAwMDAwMDAwMDAwMA", id="another-lists-offset"),
    ],
)
async def test_a_cursor_this_list_did_not_make_is_invalid_params(era: Era, cursor: str) -> None:
    async with connect(many_tools(250, tools_page_size=100), era=era) as client:
        with pytest.raises(MCPError) as refused:
            await raw_page(client, cursor)
    assert refused.value.error.code == types.INVALID_PARAMS
    assert "Invalid tools/list cursor" in refused.value.error.message
    assert "Pass back the nextCursor" in refused.value.error.message


async def test_a_cursor_of_a_server_with_other_tools_is_refused() -> None:
    async with connect(many_tools(250, tools_page_size=100)) as client:
        cursor = (await raw_page(client, None))["nextCursor"]
    async with connect(many_tools(260, tools_page_size=100)) as client:
        with pytest.raises(MCPError, match="Invalid tools/list cursor") as refused:
            await raw_page(client, cursor)
    assert refused.value.error.code == types.INVALID_PARAMS


@pytest.mark.parametrize("size", [0, -1])
def test_a_page_holds_at_least_one_tool(size: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        many_tools(1, tools_page_size=size)
