"""One tool per operation, against the real harbour API: what the model is offered, and what calls do.

Each test asserts on what a user sees (the tool list, a result's text, `isError`, its structured
content) and on what the API received (`harbour_api.requests`, every request as it arrived).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from jsonschema.validators import validator_for
from mcp import Client
from mcp.shared.exceptions import MCPError

from moorings_core import InvalidInput
from moorings_core.testing import ERAS, Era, connect, refusal, succeeded, text_of
from tests.openapi.harbour_api import HARBOUR_30_JSON, HarbourApi, harbour_document
from tests.openapi.helpers import harbour_client, harbour_server, harbour_variant
from tests.progress_log import ProgressLog

pytestmark = pytest.mark.anyio

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def documented_operations() -> list[tuple[str, str]]:
    """Every (operationId, METHOD) of harbour.yaml: paths in document order, methods in OpenAPI's."""
    return [
        (item[method]["operationId"], method.upper())
        for item in harbour_document()["paths"].values()
        for method in METHODS
        if method in item
    ]


async def tools_of(client: Client) -> dict[str, types.Tool]:
    return {tool.name: tool for tool in (await client.list_tools()).tools}


def failed(result: types.CallToolResult) -> str:
    """The text of an error result."""
    assert result.is_error, text_of(result)
    return text_of(result)


# -- tools/list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_every_operation_is_a_tool_named_by_its_operation_id(harbour_api: HarbourApi, era: Era) -> None:
    async with harbour_server(harbour_api) as server, connect(server, era=era) as client:
        tools = (await client.list_tools()).tools
    assert [tool.name for tool in tools] == [name for name, _ in documented_operations()]
    get_boat = next(tool for tool in tools if tool.name == "getBoat")
    assert get_boat.title == "Get a boat"
    assert get_boat.description is not None
    assert get_boat.description.startswith("Get a boat")
    assert "GET /boats/{boatId}" in get_boat.description
    assert "404 No such thing" in get_boat.description


async def test_a_description_carries_the_operation_s_own_words(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        tools = await tools_of(client)
    description = tools["listBoats"].description or ""
    assert "A page of boats, oldest first; follow next_cursor" in description
    assert "GET /boats" in description


async def test_parameters_of_every_location_are_arguments(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        tools = await tools_of(client)
    schema = tools["listBookings"].input_schema
    assert schema["properties"] == {
        "berthId": {"type": "string", "pattern": "^[A-Z][0-9]{2}$"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "X-Request-Id": {"type": "string"},
        "session_hint": {"type": "string"},
    }
    assert schema["required"] == ["berthId"]
    assert schema["additionalProperties"] is False
    listing = tools["listBoats"].input_schema["properties"]
    assert listing["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": "Only boats with every one of these tags.",
    }
    assert listing["limit"]["maximum"] == 100


async def test_body_fields_are_arguments_beside_the_parameters(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        tools = await tools_of(client)
    replace = tools["replaceBoat"].input_schema
    assert sorted(replace["properties"]) == ["berthId", "boatId", "length_m", "name", "tags", "type"]
    assert replace["required"] == ["boatId", "name"]
    notice = tools["postNotice"].input_schema
    assert sorted(notice["properties"]) == ["body", "channels", "title", "urgent"]
    assert notice["required"] == ["title"]
    note = tools["putNote"].input_schema
    assert note["properties"]["body"] == {"type": "string"}
    assert note["required"] == ["noteId", "body"]


async def test_a_body_field_named_like_a_path_parameter_keeps_both(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        schema = (await tools_of(client))["createBooking"].input_schema
        _, receipt = succeeded(
            await client.call_tool(
                "createBooking", {"berthId": "A01", "body_berthId": "B02", "id": "bk-1", "boatId": 7}
            )
        )
    assert list(schema["properties"]) == ["berthId", "id", "body_berthId", "boatId", "from", "to"]
    assert schema["properties"]["berthId"]["pattern"] == "^[A-Z][0-9]{2}$"
    assert (
        schema["properties"]["body_berthId"]["description"]
        == "The berth asked for; may differ from the path's."
    )
    assert schema["required"] == ["berthId", "id", "body_berthId", "boatId"]
    assert receipt["body"] == {"pathBerthId": "A01", "booking": {"id": "bk-1", "berthId": "B02", "boatId": 7}}
    (sent,) = harbour_api.requests
    assert sent.raw_path == "/v1/berths/A01/bookings"
    assert json.loads(sent.body) == {"id": "bk-1", "berthId": "B02", "boatId": 7}


async def test_tools_with_a_json_answer_advertise_the_envelope(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        tools = await tools_of(client)
    envelope = tools["getBoat"].output_schema
    assert envelope is not None
    assert envelope["required"] == ["status"]
    assert set(envelope["properties"]) == {
        "status",
        "contentType",
        "body",
        "undocumentedBody",
        "truncated",
        "location",
        "nextPage",
    }
    assert envelope["properties"]["body"]["$ref"] == "#/$defs/Boat"
    assert envelope["$defs"]["Boat"]["required"] == ["id", "name", "type", "length_m", "tags", "berthId"]
    # No JSON success documented: text results only, no schema to promise.
    assert [
        name for name in ("getTides", "getWeather", "getChart", "deleteBoat") if tools[name].output_schema
    ] == []


HINTS = {
    # name: (read-only, destructive, idempotent)
    "getBoat": (True, False, True),
    "listBookings": (True, False, True),
    "replaceBoat": (False, False, True),
    "putNote": (False, False, True),
    "deleteBoat": (False, True, True),
    "createBoat": (False, False, False),
    "updateBoat": (False, False, False),
}


async def test_hints_follow_the_http_method(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        tools = await tools_of(client)
    for name, hints in HINTS.items():
        annotations = tools[name].annotations
        assert annotations is not None
        given = (annotations.read_only_hint, annotations.destructive_hint, annotations.idempotent_hint)
        assert given == hints, name


async def test_every_tool_reaches_outside(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        tools = (await client.list_tools()).tools
    assert all(tool.annotations is not None and tool.annotations.open_world_hint for tool in tools)


SUCCESSFUL_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("listBoats", {"limit": 2}),
    ("getBoat", {"boatId": 1}),
    ("createBoat", {"name": "Gull", "length_m": 6.5}),
    ("replaceBoat", {"boatId": 2, "name": "Tern 9", "type": "row"}),
    ("updateBoat", {"boatId": 3, "berthId": None}),
    ("listBookings", {"berthId": "C07", "from": "2026-06-01"}),
    ("createBooking", {"berthId": "C07", "id": "b", "body_berthId": "C07", "boatId": 1}),
    ("postNotice", {"title": "Gale warning", "urgent": True}),
    ("uploadDocument", {"file": "chart notes"}),
    ("putNote", {"noteId": "n1", "body": "Fender on B02"}),
    ("echoPath", {"value": "x"}),
    ("getMismatch", {}),
]


@pytest.mark.parametrize("era", ERAS)
async def test_every_structured_result_fits_the_advertised_output_schema(
    harbour_api: HarbourApi, era: Era
) -> None:
    async with harbour_server(harbour_api) as server, connect(server, era=era) as client:
        tools = await tools_of(client)
        results = [(name, await client.call_tool(name, arguments)) for name, arguments in SUCCESSFUL_CALLS]
    for name, result in results:
        schema = tools[name].output_schema
        assert schema is not None
        _, structure = succeeded(result)
        validator = validator_for(schema)(schema)
        assert list(validator.iter_errors(structure)) == [], name


# -- calls and their results -----------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_a_json_answer_is_structured_content_and_text(harbour_api: HarbourApi, era: Era) -> None:
    async with harbour_server(harbour_api) as server, connect(server, era=era) as client:
        text, answer = succeeded(await client.call_tool("getBoat", {"boatId": 1}))
    boat = {
        "id": 1,
        "name": "Curlew 1",
        "type": "motor",
        "length_m": 7.5,
        "tags": ["racing"],
        "berthId": "B02",
    }
    assert answer == {"status": 200, "contentType": "application/json", "body": boat}
    assert json.loads(text) == boat
    (sent,) = harbour_api.requests
    assert (sent.method, sent.raw_path) == ("GET", "/v1/boats/1")
    assert sent.header("accept") == "application/json"


async def test_next_page_arguments_passed_back_walk_every_page(harbour_api: HarbourApi) -> None:
    ids: list[int] = []
    arguments: dict[str, Any] = {"limit": 15}
    async with harbour_client(harbour_api) as client:
        while True:
            text, answer = succeeded(await client.call_tool("listBoats", arguments))
            ids += [boat["id"] for boat in answer["body"]["items"]]
            if "nextPage" not in answer:
                assert "More results follow" not in text
                break
            listed = ", ".join(f"{name}={json.dumps(value)}" for name, value in answer["nextPage"].items())
            assert text.endswith(
                f"More results follow: call this tool again with {listed} for the next page."
            )
            arguments = answer["nextPage"]
    assert ids == list(range(1, 51))
    assert len(harbour_api.requests_to("/boats")) == 4


async def test_array_query_arguments_are_sent_repeated_and_survive_paging(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, first = succeeded(await client.call_tool("listBoats", {"tags": ["family", "classic"], "limit": 3}))
        _, second = succeeded(await client.call_tool("listBoats", first["nextPage"]))
    assert first["nextPage"]["tags"] == ["family", "classic"]
    boats = first["body"]["items"] + second["body"]["items"]
    assert [boat["id"] for boat in boats] == [2, 7, 12, 17, 22, 27]
    assert all({"family", "classic"} <= set(boat["tags"]) for boat in boats)
    assert harbour_api.requests[0].query_string == "limit=3&tags=family&tags=classic"
    assert harbour_api.requests[1].query["tags"] == ["family", "classic"]


async def test_creating_answers_201_with_the_new_resource_s_location(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        text, created = succeeded(await client.call_tool("createBoat", {"name": "Gull", "tags": ["new"]}))
        _, fetched = succeeded(await client.call_tool("getBoat", {"boatId": created["body"]["id"]}))
    assert created["status"] == 201
    assert created["location"] == harbour_api.url("/boats/51")
    assert text.startswith(f"201 Created\nLocation: {harbour_api.url('/boats/51')}\n")
    assert fetched["body"]["name"] == "Gull"
    sent = harbour_api.requests[0]
    assert sent.header("content-type") == "application/json"
    assert json.loads(sent.body) == {"name": "Gull", "tags": ["new"]}


async def test_replace_change_and_delete(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, replaced = succeeded(await client.call_tool("replaceBoat", {"boatId": 5, "name": "Petrel 9"}))
        _, changed = succeeded(await client.call_tool("updateBoat", {"boatId": 5, "length_m": 8.25}))
        deleted = await client.call_tool("deleteBoat", {"boatId": 5})
        gone = await client.call_tool("getBoat", {"boatId": 5})
    assert replaced["body"] == {
        "id": 5,
        "name": "Petrel 9",
        "type": "sail",
        "length_m": None,
        "tags": [],
        "berthId": None,
    }
    assert changed["body"]["length_m"] == 8.25
    assert changed["body"]["name"] == "Petrel 9"
    assert not deleted.is_error
    assert deleted.structured_content is None
    assert text_of(deleted) == "DELETE /boats/{boatId} succeeded: 204 No Content, with no body."
    assert "404 Not Found" in failed(gone)
    assert [(request.method, request.path) for request in harbour_api.requests] == [
        ("PUT", "/v1/boats/5"),
        ("PATCH", "/v1/boats/5"),
        ("DELETE", "/v1/boats/5"),
        ("GET", "/v1/boats/5"),
    ]
    assert json.loads(harbour_api.requests[1].body) == {"length_m": 8.25}
    assert 5 not in harbour_api.boats


async def test_a_form_body_is_sent_url_encoded(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, echoed = succeeded(
            await client.call_tool(
                "postNotice", {"title": "Gale & rain", "urgent": True, "channels": ["vhf", "web"]}
            )
        )
    assert echoed["status"] == 201
    assert echoed["body"]["fields"] == {
        "title": ["Gale & rain"],
        "urgent": ["true"],
        "channels": ["vhf", "web"],
    }
    (sent,) = harbour_api.requests
    assert sent.header("content-type") == "application/x-www-form-urlencoded"


async def test_a_multipart_body_is_sent_as_form_data(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, echoed = succeeded(
            await client.call_tool(
                "uploadDocument", {"file": "Buoy 3 is off station", "description": "report"}
            )
        )
    assert echoed["body"]["content_type"].startswith("multipart/form-data; boundary=")
    assert echoed["body"]["fields"] == {"description": ["report"], "file": ["Buoy 3 is off station"]}
    (sent,) = harbour_api.requests
    assert b"Buoy 3 is off station" in sent.body


async def test_a_text_body_is_sent_as_text(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, note = succeeded(
            await client.call_tool("putNote", {"noteId": "n 1", "body": "Fender on B02\nand B03"})
        )
    assert note["body"] == {
        "noteId": "n 1",
        "text": "Fender on B02\nand B03",
        "content_type": "text/plain; charset=utf-8",
    }
    (sent,) = harbour_api.requests
    assert sent.raw_path == "/v1/notes/n%201"
    assert sent.body == b"Fender on B02\nand B03"


async def test_a_binary_answer_is_summarised_never_returned(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("getChart", {"chartId": "approach"})
    assert not result.is_error
    assert result.structured_content is None
    assert [block.type for block in result.content] == ["text"]
    assert text_of(result) == (
        "The API answered 200 OK with image/png content (79 bytes)."
        " This server does not return binary content, so it is not included."
    )


async def test_text_and_xml_answers_are_given_as_text(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        tides = await client.call_tool("getTides", {})
        weather = await client.call_tool("getWeather", {})
    assert not tides.is_error
    assert text_of(tides) == "High water 06:12 4.1 m\nLow water 12:30 0.9 m\nHigh water 18:41 4.3 m\n"
    assert not weather.is_error
    assert '<forecast><wind from="SW" force="4"/></forecast>' in text_of(weather)


async def test_header_cookie_and_query_arguments_arrive_where_the_document_says(
    harbour_api: HarbourApi,
) -> None:
    async with harbour_client(harbour_api) as client:
        _, answer = succeeded(
            await client.call_tool(
                "listBookings",
                {
                    "berthId": "B12",
                    "X-Request-Id": "req-42",
                    "session_hint": "calm",
                    "from": "2026-06-01",
                    "to": "2026-06-30",
                },
            )
        )
    assert answer["body"]["berthId"] == "B12"
    assert answer["body"]["received"] == {
        "x_request_id": "req-42",
        "session_hint": "calm",
        "from": "2026-06-01",
        "to": "2026-06-30",
        "query_string": "from=2026-06-01&to=2026-06-30",
        "cookie": "session_hint=calm",
    }


async def test_a_path_value_stays_one_segment(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, answer = succeeded(await client.call_tool("echoPath", {"value": "a/b c?d#e"}))
    assert answer["body"] == {
        "raw_path": "/v1/echo/a%2Fb%20c%3Fd%23e",
        "query_string": "",
        "value": "a/b c?d#e",
    }


# -- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_not_found_is_an_error_with_the_api_s_message(harbour_api: HarbourApi, era: Era) -> None:
    async with harbour_server(harbour_api) as server, connect(server, era=era) as client:
        result = await client.call_tool("getBoat", {"boatId": 999})
    text = refusal(result)
    assert text.startswith("GET /boats/{boatId} failed: 404 Not Found.\nThe API said:\n")
    assert "There is no boat '999'." in text
    assert text.endswith(
        "a listing operation can show which exist), or it is not visible with the credentials in use."
    )


async def test_arguments_the_api_refuses_come_back_with_its_reason(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("listBoats", {"cursor": "zzzz"})
    text = refusal(result)
    assert text.startswith("GET /boats failed: 422 Unprocessable")
    assert "cursor is not one this API gave out." in text
    assert "check them against this tool's input schema" in text


async def test_a_server_error_says_so_and_that_it_may_pass(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("getServerError", {})
    text = refusal(result)
    assert text.startswith("GET /server-error failed: 500 Internal Server Error.")
    assert "Something broke in the harbour office." in text
    assert "The API failed on its side; the same call may work later." in text


BAD_ARGUMENTS: list[tuple[str, dict[str, Any], str]] = [
    ("getBoat", {"boatId": "one"}, "argument 'boatId': expected integer"),
    ("getBoat", {}, "argument 'boatId' is required"),
    ("listBoats", {"limit": 1000}, "1000 is greater than the maximum of 100"),
    ("listBoats", {"colour": "red"}, "colour"),
    ("listBoats", {"type": "submarine"}, "submarine"),
    ("createBoat", {"name": ""}, "name"),
    ("listBookings", {"berthId": "a1"}, "berthId"),
    ("createBooking", {"berthId": "A01"}, "argument 'body_berthId' is required"),
    ("echoPath", {"value": ".."}, "value"),
    ("listBookings", {"berthId": "A01", "X-Request-Id": "a\r\nX-Evil: 1"}, "X-Request-Id"),
    ("listBookings", {"berthId": "A01", "session_hint": "a; harbour_key=x"}, "session_hint"),
]


async def test_bad_arguments_are_refused_before_any_request(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        for name, arguments, complaint in BAD_ARGUMENTS:
            result = await client.call_tool(name, arguments)
            assert complaint in refusal(result), (name, arguments)
            assert harbour_api.requests == [], (name, arguments)


async def test_the_server_keeps_serving_after_errors(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        outcomes = [
            (await client.call_tool("getBoat", {"boatId": "x"})).is_error,
            (await client.call_tool("getBoat", {"boatId": 999})).is_error,
            (await client.call_tool("getServerError", {})).is_error,
            (await client.call_tool("redirectAway", {})).is_error,
            (await client.call_tool("getBoat", {"boatId": 1})).is_error,
        ]
    assert outcomes == [True, True, True, True, False]


# -- which operations are offered ---------------------------------------------------------------


async def test_read_only_offers_only_reading_operations(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, read_only=True) as client:
        tools = await tools_of(client)
        with pytest.raises(MCPError, match="Unknown tool 'deleteBoat'"):
            await client.call_tool("deleteBoat", {"boatId": 1})
    reading = [name for name, method in documented_operations() if method in ("GET", "HEAD")]
    assert list(tools) == reading
    assert all(tool.annotations is not None and tool.annotations.read_only_hint for tool in tools.values())
    assert harbour_api.requests == []
    assert 1 in harbour_api.boats


@pytest.mark.parametrize(
    ("settings", "offered"),
    [
        (
            {"include_tag": ["boats"]},
            ["listBoats", "createBoat", "getBoat", "replaceBoat", "deleteBoat", "updateBoat"],
        ),
        (
            {"include_tag": ["b*"], "exclude_operation": ["*Boat", "listBoats"]},
            ["listBookings", "createBooking"],
        ),
        (
            {"include_operation": ["getPrivate*"], "exclude_tag": []},
            [
                "getPrivateBearer",
                "getPrivateKeyHeader",
                "getPrivateKeyQuery",
                "getPrivateKeyCookie",
                "getPrivateBasic",
            ],
        ),
        ({"include_tag": ["notices"], "read_only": True}, None),
        ({"include_tag": ["boats"], "read_only": True}, ["listBoats", "getBoat"]),
    ],
)
async def test_tag_and_operation_filters_choose_the_tools(
    harbour_api: HarbourApi, settings: dict[str, Any], offered: list[str] | None
) -> None:
    if offered is None:
        with pytest.raises(InvalidInput, match="No operation is left to offer"):
            async with harbour_client(harbour_api, **settings):
                pass
        return
    async with harbour_client(harbour_api, **settings) as client:
        assert list(await tools_of(client)) == offered


async def test_exclude_tag_leaves_out_its_operations(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, exclude_tag=["misc", "private"]) as client:
        names = list(await tools_of(client))
    assert names == [
        "listBoats",
        "createBoat",
        "getBoat",
        "replaceBoat",
        "deleteBoat",
        "updateBoat",
        "listBookings",
        "createBooking",
        "postNotice",
        "uploadDocument",
        "putNote",
    ]


# -- other documents, methods and downloads ------------------------------------------------------


async def test_a_3_0_document_is_served_alike(harbour_api: HarbourApi) -> None:
    async with harbour_client(
        harbour_api, spec=str(HARBOUR_30_JSON), bearer_token=harbour_api.bearer_token
    ) as client:
        tools = await tools_of(client)
        _, created = succeeded(await client.call_tool("createBoat", {"name": "Ørn", "length_m": None}))
        too_short = await client.call_tool("createBoat", {"name": "Ørn", "length_m": 0})
        private = await client.call_tool("getPrivateBearer", {})
    assert list(tools) == ["listBoats", "createBoat", "getBoat", "getPrivateBearer", "getPrivateKeyQuery"]
    length = tools["createBoat"].input_schema["properties"]["length_m"]
    assert length["exclusiveMinimum"] == 0  # 3.0's boolean form, as JSON Schema 2020-12 says it
    assert "null" in json.dumps(length)  # 3.0's nullable
    assert created["body"]["name"] == "Ørn"
    assert "length_m" in refusal(too_short)
    assert json.loads(harbour_api.requests[0].body.decode()) == {"name": "Ørn", "length_m": None}
    assert len(harbour_api.requests) == 2
    # Its 200 documents no body: the result is the JSON as text, with no schema to promise.
    assert tools["getPrivateBearer"].output_schema is None
    assert not private.is_error
    assert json.loads(text_of(private)) == {"ok": True}


async def test_a_head_operation_reads_and_answers_without_a_body(
    harbour_api: HarbourApi, tmp_path: Path
) -> None:
    head = {
        "operationId": "headBoat",
        "summary": "Whether a boat exists",
        "responses": {"200": {"description": "It does."}, "404": {"description": "It does not."}},
    }
    spec = harbour_variant(tmp_path, {"/boats/{boatId}": {"head": head}})
    async with harbour_client(harbour_api, spec=spec, read_only=True) as client:
        tools = await tools_of(client)
        there = await client.call_tool("headBoat", {"boatId": 1})
        missing = await client.call_tool("headBoat", {"boatId": 999})
    annotations = tools["headBoat"].annotations
    assert annotations is not None
    assert (annotations.read_only_hint, annotations.destructive_hint, annotations.idempotent_hint) == (
        True,
        False,
        True,
    )
    assert text_of(there) == "HEAD /boats/{boatId} succeeded: 200 OK, with no body."
    assert not there.is_error
    assert failed(missing).startswith("HEAD /boats/{boatId} failed: 404 Not Found.")
    assert [request.method for request in harbour_api.requests] == ["HEAD", "HEAD"]


async def test_a_long_download_reports_progress(harbour_api: HarbourApi) -> None:
    log = ProgressLog()
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("getHuge", {"bytes": 2_000_000}, progress_callback=log.callback)
        await log.wait_for(2_000_000)
    assert not result.is_error
    log.assert_increasing()  # how many depends on how fast the bytes come: on loopback, often one
    size, total, _ = log.updates[-1]
    assert size == total
    assert size > 2_000_000
    log.assert_last(size, size, f"{size / 1024:,.0f} of {size / 1024:,.0f} KiB of the response received")
