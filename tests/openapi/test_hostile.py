"""The openapi server attacked through its tools' arguments and by the API it calls.

Each test calls the server through the SDK's in-process client, as a model would, and asserts on
two things: what the model is told, and what reached the network. The harbour API records every
request as it arrived (raw path, query, headers, body), and a canary (`tests.fetch.hostile`), a
listener no rule allows, must count no connection: an argument or a redirect that named it and
got through would show there, whatever the tool result said.

Beside each attack the same session makes an ordinary call that must work, so a server that
refused everything would not pass.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from moorings_core.testing import connect, refusal, succeeded, text_of
from moorings_openapi.server import opened_server
from tests.core.web_world import PUBLIC_IP, FakeDNS, loopback_only
from tests.fetch.hostile import Canary, serve_canary
from tests.openapi.harbour_api import HarbourApi
from tests.openapi.helpers import harbour_client, harbour_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def canary() -> Iterator[Canary]:
    with serve_canary() as canary:
        yield canary


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    """A request that somehow left for a private or metadata address fails the test, not the network."""
    with loopback_only():
        yield


async def get_boat_one(client: Client) -> None:
    """The legitimate call beside every attack."""
    _, data = succeeded(await client.call_tool("getBoat", {"boatId": 1}))
    assert data["body"]["name"] == "Curlew 1"


async def echoed(client: Client, value: str) -> dict[str, Any]:
    """What /echo/{value} received, for a call that must have been sent."""
    _, data = succeeded(await client.call_tool("echoPath", {"value": value}))
    body: dict[str, Any] = data["body"]
    return body


# --- path parameters that try to go elsewhere ----------------------------------------------------

# Each value, percent-encoded whole, as the API must receive it under /v1/echo/.
ELSEWHERE = [
    ("http://127.0.0.1:{port}/x", "http%3A%2F%2F127.0.0.1%3A{port}%2Fx"),
    ("//127.0.0.1:{port}/x", "%2F%2F127.0.0.1%3A{port}%2Fx"),
    ("//evil.example/x", "%2F%2Fevil.example%2Fx"),
    ("https://evil.example", "https%3A%2F%2Fevil.example"),
    ("@127.0.0.1:{port}", "%40127.0.0.1%3A{port}"),
    ("x@evil.example/y", "x%40evil.example%2Fy"),
    ("../../x", "..%2F..%2Fx"),
    ("a/../../../etc/passwd", "a%2F..%2F..%2F..%2Fetc%2Fpasswd"),
    ("%2e%2e", "%252e%252e"),
    ("%2E%2E%2Fboats", "%252E%252E%252Fboats"),
    ("..%2f..%2f", "..%252f..%252f"),
    ("a%2Fb", "a%252Fb"),
    ("a/b", "a%2Fb"),
    ("?api_key=stolen", "%3Fapi_key%3Dstolen"),
    ("x?limit=1#frag", "x%3Flimit%3D1%23frag"),
    ("#fragment", "%23fragment"),
    ("..\\..\\x", "..%5C..%5Cx"),
    ("\\\\127.0.0.1\\x", "%5C%5C127.0.0.1%5Cx"),
    ("x;matrix=1", "x%3Bmatrix%3D1"),
    ("\uff0e\uff0e\uff0fx", "%EF%BC%8E%EF%BC%8E%EF%BC%8Fx"),  # fullwidth ../
    ("\u2024\u2024\u2215x", "%E2%80%A4%E2%80%A4%E2%88%95x"),  # one-dot leaders, division slash
    ("127\u30020\u30020\u30021", "127%E3%80%820%E3%80%820%E3%80%821"),  # ideographic full stops
    ("a b\tc", "a%20b%09c"),
    ("x\x00y", "x%00y"),
]


@pytest.mark.parametrize(("value", "raw"), ELSEWHERE)
async def test_a_path_value_stays_one_encoded_segment_under_the_operations_path(
    harbour_api: HarbourApi, canary: Canary, value: str, raw: str
) -> None:
    value, raw = value.format(port=canary.port), raw.format(port=canary.port)
    async with harbour_client(harbour_api) as client:
        await get_boat_one(client)
        received = await echoed(client, value)
    assert received["raw_path"] == f"/v1/echo/{raw}"
    assert received["value"] == value  # decoded once, as the API routes it
    [_, echo] = harbour_api.requests
    assert echo.raw_path == f"/v1/echo/{raw}"
    assert echo.query_string == ""
    assert echo.header("host") == harbour_api.host
    assert canary.connections == 0


async def test_a_line_break_in_a_path_value_is_sent_encoded_never_as_a_new_header(
    harbour_api: HarbourApi,
) -> None:
    async with harbour_client(harbour_api) as client:
        message = refusal(await client.call_tool("echoPath", {"value": "x\r\nHost: evil.example\r\n\r\n"}))
    assert "404 Not Found" in message  # the API routes no path with a line break in it
    [request] = harbour_api.requests
    assert request.raw_path == "/v1/echo/x%0D%0AHost%3A%20evil.example%0D%0A%0D%0A"
    assert request.header("host") == harbour_api.host


@pytest.mark.parametrize("value", [".", ".."])
async def test_a_dot_segment_is_refused_and_nothing_is_sent(harbour_api: HarbourApi, value: str) -> None:
    async with harbour_client(harbour_api) as client:
        message = refusal(await client.call_tool("echoPath", {"value": value}))
        await get_boat_one(client)
    assert f"would make the path segment {value!r}" in message
    assert "'.' and '..' are not allowed" in message
    assert [request.path for request in harbour_api.requests] == ["/v1/boats/1"]


async def test_an_empty_path_value_is_refused_and_nothing_is_sent(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        message = refusal(await client.call_tool("echoPath", {"value": ""}))
    assert "the path parameter 'value' is empty" in message
    assert harbour_api.requests == []


async def test_a_lone_surrogate_in_a_path_value_is_refused(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        message = refusal(await client.call_tool("echoPath", {"value": "a\ud800b"}))
    assert "not valid Unicode" in message
    assert harbour_api.requests == []


async def test_a_query_value_cannot_add_parameters_or_leave_the_query(harbour_api: HarbourApi) -> None:
    arguments = {"berthId": "A01", "from": "2024-05-01&api_key=stolen#x", "to": "2024-05-02"}
    async with harbour_client(harbour_api) as client:
        # `from` is `format: date`, which the schema check does not enforce: the value goes as text.
        _, data = succeeded(await client.call_tool("listBookings", arguments))
    received = data["body"]["received"]
    assert received["from"] == "2024-05-01&api_key=stolen#x"
    assert received["query_string"] == "from=2024-05-01%26api_key%3Dstolen%23x&to=2024-05-02"
    [request] = harbour_api.requests
    assert request.query == {"from": ["2024-05-01&api_key=stolen#x"], "to": ["2024-05-02"]}


# --- headers and cookies that try to add their own -------------------------------------------------

BAD_HEADER_VALUES = [
    ("x\r\nX-Evil: 1", "the character U+000D"),
    ("x\nX-Evil: 1", "the character U+000A"),
    ("x\rX-Evil: 1", "the character U+000D"),
    ("x\x00y", "the character U+0000"),
    ("x\ty", "the character U+0009"),
    ("x\x7fy", "the character U+007F"),
    ("x\x85y", "the character U+0085"),
    ("x\u2028X-Evil: 1", "the character U+2028"),
    ("caf\u00e9", "the character U+00E9"),
]


@pytest.mark.parametrize(("value", "named"), BAD_HEADER_VALUES)
async def test_a_header_value_with_a_control_character_is_refused_unsent(
    harbour_api: HarbourApi, value: str, named: str
) -> None:
    async with harbour_client(harbour_api) as client:
        message = refusal(await client.call_tool("listBookings", {"berthId": "A01", "X-Request-Id": value}))
        await get_boat_one(client)
    assert f"the header parameter 'X-Request-Id' holds {named}, which a header cannot carry" in message
    assert "printable ASCII only" in message
    assert [request.path for request in harbour_api.requests] == ["/v1/boats/1"]
    assert all(request.header("x-evil") is None for request in harbour_api.requests)


BAD_COOKIE_VALUES = [
    ("x\r\nX-Evil: 1", "the character U+000D"),
    ("x\x00y", "the character U+0000"),
    ("a; harbour_key=stolen", "';'"),
    ("a, harbour_key=stolen", "','"),
    ("\u00e9", "the character U+00E9"),
]


@pytest.mark.parametrize(("value", "named"), BAD_COOKIE_VALUES)
async def test_a_cookie_value_that_could_add_a_cookie_or_header_is_refused_unsent(
    harbour_api: HarbourApi, value: str, named: str
) -> None:
    async with harbour_client(harbour_api) as client:
        message = refusal(await client.call_tool("listBookings", {"berthId": "A01", "session_hint": value}))
    assert f"the cookie parameter 'session_hint' holds {named}, which a cookie cannot carry" in message
    assert harbour_api.requests == []


async def test_header_and_cookie_values_that_are_safe_arrive_as_given(harbour_api: HarbourApi) -> None:
    arguments = {"berthId": "A01", "X-Request-Id": 'req: 1 = "two"', "session_hint": "hint=a b"}
    async with harbour_client(harbour_api) as client:
        _, data = succeeded(await client.call_tool("listBookings", arguments))
    assert data["body"]["received"]["x_request_id"] == 'req: 1 = "two"'
    [request] = harbour_api.requests
    assert request.header("cookie") == "session_hint=hint=a b"
    assert request.header("x-evil") is None


# --- the model cannot give or override credentials ---------------------------------------------

CREDENTIAL_ARGUMENTS = [
    ("getPrivateKeyHeader", "X-API-Key"),
    ("getPrivateKeyHeader", "x-api-key"),
    ("getPrivateKeyQuery", "api_key"),
    ("getPrivateKeyCookie", "harbour_key"),
    ("getPrivateBearer", "Authorization"),
    ("getPrivateBasic", "authorization"),
    ("getPrivateKeyCookie", "Cookie"),
    ("getPrivateBearer", "Host"),
    ("listBookings", "Cookie"),
    ("listBookings", "Host"),
]


@pytest.mark.parametrize(("tool", "argument"), CREDENTIAL_ARGUMENTS)
async def test_an_argument_naming_a_credential_or_header_is_unknown(
    harbour_api: HarbourApi, tool: str, argument: str
) -> None:
    arguments: dict[str, Any] = {argument: "stolen"}
    if tool == "listBookings":
        arguments["berthId"] = "A01"
    async with harbour_client(
        harbour_api,
        bearer_token=harbour_api.bearer_token,
        api_key=harbour_api.header_key,
    ) as client:
        listed = {listed.name: listed for listed in (await client.list_tools()).tools}
        message = refusal(await client.call_tool(tool, arguments))
    assert argument not in listed[tool].input_schema.get("properties", {})
    assert argument in message
    assert harbour_api.requests == []


async def test_the_credential_the_api_receives_is_the_operators(harbour_api: HarbourApi) -> None:
    async with harbour_client(
        harbour_api,
        bearer_token=harbour_api.bearer_token,
        api_key=harbour_api.header_key,
        username=harbour_api.basic_user,
        password=harbour_api.basic_password,
    ) as client:
        succeeded(await client.call_tool("getPrivateKeyHeader", {}))
        succeeded(await client.call_tool("getPrivateBearer", {}))
        succeeded(await client.call_tool("getPrivateBasic", {}))
        refusal(await client.call_tool("getPrivateKeyHeader", {"X-API-Key": "stolen"}))
    key_header, bearer, basic = harbour_api.requests
    assert key_header.header("x-api-key") == harbour_api.header_key
    assert bearer.header("authorization") == f"Bearer {harbour_api.bearer_token}"
    assert basic.header("authorization") == harbour_api.basic_authorization
    assert not any(request.mentions("stolen") for request in harbour_api.requests)


# --- oversized answers -----------------------------------------------------------------------------


async def test_a_huge_answer_is_cut_to_the_result_limit_with_a_notice(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("getHuge", {"bytes": 5_000_000})
        await get_boat_one(client)
    text = text_of(result)
    assert not result.is_error
    assert len(text) <= 20_000
    # The body (5 MB) was read whole, under the default 10 MiB cap; only the result is cut.
    assert re.search(r"this result shows 19,500 of its 4,9\d\d,\d{3} characters", text), text[-300:]
    assert "narrow the request" in text


async def test_a_huge_answer_past_max_bytes_is_read_no_further(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, max_bytes=64 * 1024, max_result_chars=2_000) as client:
        result = await client.call_tool("getHuge", {"bytes": 50_000_000})
        await get_boat_one(client)
    text = text_of(result)
    assert len(text) <= 2_000
    assert "64 KiB" in text or "65,536" in text, text[-400:]


# --- slow answers ----------------------------------------------------------------------------------


async def test_a_slow_api_times_out_with_a_clear_error_and_the_server_keeps_serving(
    harbour_api: HarbourApi,
) -> None:
    async with harbour_client(harbour_api, timeout=0.5) as client:
        message = refusal(await client.call_tool("getSlow", {"seconds": 30}))
        await get_boat_one(client)
        await get_boat_one(client)
    assert "did not finish within the 0.5 s limit" in message
    assert [request.path for request in harbour_api.requests] == ["/v1/slow", "/v1/boats/1", "/v1/boats/1"]


# --- redirects -------------------------------------------------------------------------------------


async def test_a_redirect_to_another_host_is_refused(harbour_api: HarbourApi, canary: Canary) -> None:
    async with harbour_client(harbour_api, allow_private_network=True) as client:
        message = refusal(await client.call_tool("redirectAway", {}))
        await get_boat_one(client)
    assert f"redirected to http://127.0.0.2:{harbour_api.port}/v1/boats" in message
    assert f"this server only sends requests to http://{harbour_api.host}" in message
    assert [request.path for request in harbour_api.requests] == ["/v1/redirect-away", "/v1/boats/1"]


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/steal",
        "http://localhost:{port}/steal",
        "http://[::ffff:127.0.0.1]:{port}/steal",
        "http://2130706433:{port}/steal",
        "//127.0.0.1:{port}/steal",
    ],
)
async def test_a_redirect_to_the_canary_reaches_nothing_and_carries_no_credential(
    harbour_api: HarbourApi, canary: Canary, target: str
) -> None:
    harbour_api.redirect_away_to = target.format(port=canary.port)
    async with harbour_client(
        harbour_api,
        allow_private_network=True,  # the origin rule holds where the address rules would not
        bearer_token=harbour_api.bearer_token,
        header=[f"X-Operator: {harbour_api.header_key}"],
    ) as client:
        message = refusal(await client.call_tool("redirectAway", {}))
        await get_boat_one(client)
    assert "redirected to" in message
    assert "this server only sends requests to" in message
    assert canary.connections == 0
    for secret in harbour_api.secrets:
        assert secret not in message


async def test_a_redirect_within_the_api_is_followed(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("redirectHere", {})
    assert not result.is_error
    assert '"name": "Curlew 1"' in text_of(result)
    assert [request.path for request in harbour_api.requests] == ["/v1/redirect-here", "/v1/boats/1"]


# --- a base URL whose name resolves to a private address ------------------------------------------


@asynccontextmanager
async def client_resolving(api: HarbourApi, dns: FakeDNS, **settings: Any) -> AsyncIterator[Client]:
    """A client of a server whose --base-url is api.example.test, which `dns` answers."""
    settings.setdefault("base_url", f"http://api.example.test:{api.port}/v1")
    settings.setdefault("allow_host", [])
    async with (
        opened_server(harbour_settings(api, **settings), resolver=dns) as server,
        connect(server) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("answers", "why", "settings"),
    [
        (["127.0.0.1"], "it resolves to 127.0.0.1, which is not a public address (loopback)", {}),
        ([PUBLIC_IP, "127.0.0.1"], "it resolves to 127.0.0.1, which is not a public address", {}),
        (["::ffff:127.0.0.1"], "which is not a public address", {}),
        (["10.0.0.1"], "it resolves to 10.0.0.1, which is not a public address (private)", {}),
        (
            ["169.254.169.254"],
            "hands out the cloud machine's credentials",
            {"allow_private_network": True},
        ),
    ],
)
async def test_a_base_url_name_resolving_to_a_private_address_is_refused_at_call_time(
    harbour_api: HarbourApi, answers: list[str], why: str, settings: dict[str, Any]
) -> None:
    dns = FakeDNS({"api.example.test": answers})
    async with client_resolving(
        harbour_api, dns, bearer_token=harbour_api.bearer_token, **settings
    ) as client:
        message = refusal(await client.call_tool("getBoat", {"boatId": 1}))
    assert "Refused to connect to api.example.test" in message
    assert why in message
    assert dns.lookups == ["api.example.test"]
    assert harbour_api.requests == []
    assert harbour_api.bearer_token not in message


async def test_a_base_url_name_the_operator_allowed_is_reached(harbour_api: HarbourApi) -> None:
    dns = FakeDNS({"api.example.test": ["127.0.0.1"]})
    async with client_resolving(
        harbour_api, dns, allow_host=[f"api.example.test:{harbour_api.port}"]
    ) as client:
        await get_boat_one(client)
    [request] = harbour_api.requests
    assert request.header("host") == f"api.example.test:{harbour_api.port}"
