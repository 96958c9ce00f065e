"""The operator's credentials against the real harbour API: each goes where its scheme says, and no
model ever reads one.

Each /private endpoint answers only when its own credential arrives in its own place; the record
of requests shows exactly where each went, and every result is searched for every secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest

from moorings_core.testing import refusal, succeeded, text_of
from tests.openapi.harbour_api import HarbourApi, RecordedRequest, harbour_document
from tests.openapi.helpers import harbour_client, harbour_variant

pytestmark = pytest.mark.anyio


def places_of(secret: str, request: RecordedRequest) -> list[str]:
    """Where in `request` the secret arrived: "query", or a header's name."""
    places = ["query"] if secret in request.query_string else []
    return places + [name for name, value in request.headers if secret in value]


def shows(result: types.CallToolResult, secrets: tuple[str, ...]) -> list[str]:
    """The secrets a result shows, in its text or its structured content."""
    everything = text_of(result) + json.dumps(result.structured_content)
    return [secret for secret in secrets if secret in everything]


CREDENTIALS: dict[str, tuple[Callable[[HarbourApi], dict[str, str]], Callable[[HarbourApi], str], str]] = {
    # operation: (settings, the secret as it travels, where it must arrive)
    "getPrivateBearer": (
        lambda api: {"bearer_token": api.bearer_token},
        lambda api: f"Bearer {api.bearer_token}",
        "authorization",
    ),
    "getPrivateKeyHeader": (lambda api: {"api_key": api.header_key}, lambda api: api.header_key, "x-api-key"),
    "getPrivateKeyQuery": (lambda api: {"api_key": api.query_key}, lambda api: api.query_key, "query"),
    "getPrivateKeyCookie": (lambda api: {"api_key": api.cookie_key}, lambda api: api.cookie_key, "cookie"),
    "getPrivateBasic": (
        lambda api: {"username": api.basic_user, "password": api.basic_password},
        lambda api: api.basic_authorization,
        "authorization",
    ),
}


@pytest.mark.parametrize("operation", list(CREDENTIALS))
async def test_each_credential_goes_exactly_where_its_scheme_says(
    harbour_api: HarbourApi, operation: str
) -> None:
    settings, travelling, place = CREDENTIALS[operation]
    async with harbour_client(harbour_api, **settings(harbour_api)) as client:
        text, answer = succeeded(await client.call_tool(operation, {}))
    assert answer == {"status": 200, "contentType": "application/json", "body": {"ok": True}}
    assert json.loads(text) == {"ok": True}
    (sent,) = harbour_api.requests
    assert places_of(travelling(harbour_api), sent) == [place]
    for secret in harbour_api.secrets:
        assert places_of(secret, sent) in ([], [place])


async def test_the_query_key_is_added_after_the_arguments(harbour_api: HarbourApi, tmp_path: Path) -> None:
    """An operation with query parameters of its own gets the key beside them, and the model is not
    offered a parameter the key occupies."""
    listing = harbour_document()["paths"]["/boats"]["get"]
    key_parameter = {"name": "api_key", "in": "query", "schema": {"type": "string"}}
    spec = harbour_variant(
        tmp_path,
        {
            "/boats": {
                "get": {"security": [{"keyQuery": []}], "parameters": [*listing["parameters"], key_parameter]}
            }
        },
    )
    async with harbour_client(harbour_api, spec=spec, api_key=harbour_api.query_key) as client:
        schema = next(
            tool for tool in (await client.list_tools()).tools if tool.name == "listBoats"
        ).input_schema
        overriding = await client.call_tool("listBoats", {"api_key": "the-model-s-own"})
        first = await client.call_tool("listBoats", {"limit": 2, "type": "sail"})
        _, second = succeeded(await client.call_tool("listBoats", succeeded(first)[1]["nextPage"]))
    assert "api_key" not in schema["properties"]
    assert "api_key" in refusal(overriding)
    # The API's next link echoes the key; the next page's arguments do not.
    assert shows(first, harbour_api.secrets) == []
    assert [boat["id"] for boat in second["body"]["items"]] == [9, 12]
    sent = harbour_api.requests
    assert sent[0].query == {"limit": ["2"], "type": ["sail"], "api_key": [harbour_api.query_key]}
    assert sent[1].query["api_key"] == [harbour_api.query_key]


WITH_KEY = "start the server with MOORINGS_OPENAPI_API_KEY set."


async def test_a_cookie_key_joins_the_cookie_arguments(harbour_api: HarbourApi, tmp_path: Path) -> None:
    spec = harbour_variant(
        tmp_path, {"/berths/{berthId}/bookings": {"get": {"security": [{"keyCookie": []}]}}}
    )
    async with harbour_client(harbour_api, spec=spec, api_key=harbour_api.cookie_key) as client:
        await client.call_tool("listBookings", {"berthId": "A01", "session_hint": "calm"})
    (sent,) = harbour_api.requests
    assert sent.header("cookie") == f"session_hint=calm; harbour_key={harbour_api.cookie_key}"
    assert places_of(harbour_api.cookie_key, sent) == ["cookie"]


async def test_without_the_credential_the_401_names_the_setting(harbour_api: HarbourApi) -> None:
    needed = {
        "getPrivateBearer": "start the server with MOORINGS_OPENAPI_BEARER_TOKEN set.",
        "getPrivateKeyHeader": "an API key (header X-API-Key): " + WITH_KEY,
        "getPrivateKeyQuery": "an API key (query api_key): " + WITH_KEY,
        "getPrivateKeyCookie": "an API key (cookie harbour_key): " + WITH_KEY,
        "getPrivateBasic": "MOORINGS_OPENAPI_USERNAME and MOORINGS_OPENAPI_PASSWORD set.",
    }
    async with harbour_client(harbour_api) as client:
        results = {operation: await client.call_tool(operation, {}) for operation in needed}
    for operation, hint in needed.items():
        text = refusal(results[operation])
        assert " failed: 401 Unauthorized.\nThe API said:\n" in text
        assert "needs its credential." in text
        assert (
            "The API did not accept the credentials sent (or needs some and got none). This operation needs "
            in text
        )
        assert text.endswith(hint)


async def test_a_wrong_credential_is_refused_without_asking_for_a_setting(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, bearer_token="not-the-harbour-token") as client:
        result = await client.call_tool("getPrivateBearer", {})
    text = refusal(result)
    assert text.endswith("The API did not accept the credentials sent (or needs some and got none).")
    assert "not-the-harbour-token" not in text


async def test_no_result_shows_a_credential(harbour_api: HarbourApi, tmp_path: Path) -> None:
    """Not a success, not an API error, not a timeout or a refused redirect, whose messages quote the URL."""
    key_in_query: dict[str, dict[str, Any]] = {"get": {"security": [{"keyQuery": []}]}}
    spec = harbour_variant(
        tmp_path, dict.fromkeys(("/slow", "/redirect-away", "/server-error"), key_in_query)
    )
    calls: list[tuple[str, dict[str, Any]]] = [
        ("getPrivateKeyQuery", {}),
        ("getSlow", {"seconds": 10}),
        ("redirectAway", {}),
        ("getServerError", {}),
        ("getPrivateBearer", {}),
    ]
    settings = {"spec": spec, "api_key": harbour_api.query_key, "timeout": 0.5}
    async with harbour_client(harbour_api, **settings) as client:
        results = [await client.call_tool(name, arguments) for name, arguments in calls]
    assert [result.is_error for result in results] == [False, True, True, True, True]
    assert "did not finish within the 0.5 s limit" in text_of(results[1])
    assert "/v1/slow?… did not finish" in text_of(results[1])  # the URL cut at its query
    assert "only sends requests to" in text_of(results[2])
    assert all(places_of(harbour_api.query_key, request) == ["query"] for request in harbour_api.requests[:4])
    for result in results:
        assert shows(result, harbour_api.secrets) == [], text_of(result)


async def test_operator_headers_go_on_every_request(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, header=["X-Harbour-Tenant: north-quay"]) as client:
        succeeded(await client.call_tool("getBoat", {"boatId": 1}))
        succeeded(await client.call_tool("postNotice", {"title": "Fog"}))
    assert [request.header("x-harbour-tenant") for request in harbour_api.requests] == [
        "north-quay",
        "north-quay",
    ]


async def test_an_open_operation_of_a_document_with_requirements_gets_no_credentials(
    harbour_api: HarbourApi,
) -> None:
    """harbour.yaml asks for credentials on its private operations only: listBoats is open."""
    async with harbour_client(
        harbour_api, api_key=harbour_api.header_key, bearer_token=harbour_api.bearer_token
    ) as client:
        result = await client.call_tool("listBoats", {"limit": 1})
    assert not result.is_error
    [request] = harbour_api.requests
    assert not any(request.mentions(secret) for secret in harbour_api.secrets)
