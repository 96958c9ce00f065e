"""The openapi:// resources and the api_overview prompt, through the in-process client."""

from __future__ import annotations

import json

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from moorings_core.testing import ERAS, Era, connect
from tests.openapi.harbour_api import HARBOUR_YAML, HarbourApi, harbour_document
from tests.openapi.helpers import harbour_client, harbour_server

pytestmark = pytest.mark.anyio


def only_text(result: types.ReadResourceResult) -> types.TextResourceContents:
    (contents,) = result.contents
    assert isinstance(contents, types.TextResourceContents)
    return contents


@pytest.mark.parametrize("era", ERAS)
async def test_the_document_and_every_operation_are_listed(harbour_api: HarbourApi, era: Era) -> None:
    async with harbour_server(harbour_api) as server, connect(server, era=era) as client:
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        tools = [tool.name for tool in (await client.list_tools()).tools]
    document, *operations = resources
    assert (document.uri, document.mime_type) == ("openapi://spec/document", "application/json")
    assert document.title == "Harbour API: the OpenAPI document"
    assert document.description == f"The OpenAPI 3.1.0 document, as read from {HARBOUR_YAML}."
    assert [resource.uri for resource in operations] == [
        f"openapi://spec/operations/{name}" for name in tools
    ]
    get_boat = next(resource for resource in operations if resource.name == "getBoat")
    assert (get_boat.title, get_boat.description, get_boat.mime_type) == (
        "Get a boat",
        "GET /boats/{boatId}",
        "text/markdown",
    )
    (template,) = templates
    assert template.uri_template == "openapi://{api}/operations/{operation}"
    assert template.mime_type == "text/markdown"


@pytest.mark.parametrize("era", ERAS)
async def test_the_document_reads_as_json(harbour_api: HarbourApi, era: Era) -> None:
    async with harbour_server(harbour_api) as server, connect(server, era=era) as client:
        contents = only_text(await client.read_resource("openapi://spec/document"))
    assert contents.mime_type == "application/json"
    assert json.loads(contents.text) == harbour_document()


async def test_an_operation_reads_as_markdown(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        boat = only_text(await client.read_resource("openapi://spec/operations/getBoat"))
        bearer = only_text(await client.read_resource("openapi://spec/operations/getPrivateBearer"))
    assert boat.mime_type == "text/markdown"
    assert boat.text.startswith(
        "# `GET /boats/{boatId}` (tool `getBoat`)\nOperation id: `getBoat`\nTags: boats\n"
    )
    assert "| `boatId` | path | yes | integer |  |" in boat.text
    assert "### 200\n\nThe boat.\nContent: `application/json`" in boat.text
    assert "### 404\n\nNo such thing." in boat.text
    assert boat.text.endswith("## Security\n\nNo credentials are needed.")
    assert "## Security" in bearer.text
    assert "bearerAuth" in bearer.text
    assert harbour_api.requests == []


async def test_operations_read_the_same_in_compact_mode(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        per_tool = only_text(await client.read_resource("openapi://spec/operations/listBookings")).text
    async with harbour_client(harbour_api, tool_mode="compact") as client:
        compact = only_text(await client.read_resource("openapi://spec/operations/listBookings")).text
    assert compact == per_tool
    assert "`X-Request-Id` | header" in compact
    assert "`session_hint` | cookie" in compact


@pytest.mark.parametrize(
    "uri",
    [
        "openapi://spec/operations/sinkBoat",
        "openapi://spec/operations/",
        "openapi://other/document",
        "openapi://spec/schemas/Boat",
        "file:///etc/passwd",
    ],
)
async def test_an_unknown_resource_is_an_error_naming_the_real_ones(
    harbour_api: HarbourApi, uri: str
) -> None:
    async with harbour_client(harbour_api) as client:
        with pytest.raises(MCPError) as raised:
            await client.read_resource(uri)
    message = str(raised.value)
    assert f"No resource {uri!r}." in message
    assert "openapi://API/document and openapi://API/operations/OPERATION, with API one of spec" in message


async def test_a_read_only_server_has_no_resource_for_what_it_leaves_out(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, read_only=True) as client:
        uris = [resource.uri for resource in (await client.list_resources()).resources]
        with pytest.raises(MCPError, match="No resource"):
            await client.read_resource("openapi://spec/operations/deleteBoat")
    assert "openapi://spec/operations/getBoat" in uris
    assert "openapi://spec/operations/deleteBoat" not in uris


@pytest.mark.parametrize("era", ERAS)
async def test_the_overview_prompt_gives_the_api_by_tag(harbour_api: HarbourApi, era: Era) -> None:
    async with harbour_server(harbour_api) as server, connect(server, era=era) as client:
        (prompt,) = (await client.list_prompts()).prompts
        overview = await client.get_prompt("api_overview")
    assert (prompt.name, prompt.title) == ("api_overview", "Overview of the API")
    assert not prompt.arguments
    (message,) = overview.messages
    assert isinstance(message.content, types.TextContent)
    text = message.content.text
    assert text.startswith("# Harbour API (version 1.0.0)\n")
    assert "29 operations." in text
    assert (
        "## boats\nThe boats moored in the harbour.\n"
        "- `listBoats`: GET /boats — List boats\n"
        "- `createBoat`: POST /boats — Register a boat\n"
    ) in text
    assert "## private\nOne operation per security scheme" in text
    assert harbour_api.base_url in text  # where the server calls it, not the document's server
    assert "127.0.0.1:8000" not in text
    assert harbour_api.requests == []


async def test_the_overview_names_only_the_tools_offered(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, include_tag=["boats"]) as client:
        overview = await client.get_prompt("api_overview")
    content = overview.messages[0].content
    assert isinstance(content, types.TextContent)
    assert "`listBoats`" in content.text
    assert "getTides" not in content.text
