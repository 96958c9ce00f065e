"""The operator's credentials never reach the model or the log, whatever happens to a call.

Every kind of credential is configured at once (bearer token, API key in header and in query,
basic auth, extra headers), then a battery of calls runs through the in-process client: answers
that work, 401s, 404s, 422s, arguments the schema refuses, a redirect refused, a timeout, a
resource read, the prompt, tools/list. No secret of the harbour API (`HarbourApi.secrets`, the
Basic form included) may appear in anything the client got, nor in any log record at DEBUG.
The API itself must have received each credential where its scheme says: otherwise a server
that sent none would pass.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
import yaml
from mcp import Client

from moorings_core.testing import succeeded, text_of
from tests.openapi.harbour_api import HarbourApi, harbour_document
from tests.openapi.helpers import harbour_client

pytestmark = pytest.mark.anyio

# Operations of the harbour document that send the API key in the query, in this test's copy.
QUERY_KEYED = ("/slow", "/redirect-away", "/server-error", "/echo/{value}")


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """harbour.yaml with the query API key required by a slow, a redirecting, a failing and an echoing
    operation: the calls whose failure messages name the URL, and the one that says it back."""
    document: dict[str, Any] = copy.deepcopy(harbour_document())
    for path in QUERY_KEYED:
        document["paths"][path]["get"]["security"] = [{"keyQuery": []}]
    target = tmp_path / "harbour.yaml"
    target.write_text(yaml.safe_dump(document), encoding="utf-8")
    return target


def every_credential(api: HarbourApi, spec: Path) -> dict[str, Any]:
    """Settings with each secret in its own place: the query key in a second API of the same document."""
    return {
        "spec": str(spec),
        "bearer_token": api.bearer_token,
        "api_key": api.header_key,
        "username": api.basic_user,
        "password": api.basic_password,
        "header": [f"X-Harbour-Cookie: {api.cookie_key}"],
        "timeout": 2.0,
        "apis": {
            "q": {
                "spec": str(spec),
                "base_url": api.base_url,
                "api_key": api.query_key,
                "headers": [f"Cookie: harbour_key={api.cookie_key}"],
                "include_operation": ["getPrivateKeyQuery", "getSlow", "redirectAway", "getServerError"],
            }
        },
    }


BATTERY: list[tuple[str, dict[str, Any]]] = [
    ("getBoat", {"boatId": 1}),  # 200
    ("getBoat", {"boatId": 9999}),  # 404
    ("getBoat", {"boatId": "one"}),  # refused by the schema
    ("getBoat", {"boatId": 1, "api_key": "x"}),  # an unknown argument
    ("listBoats", {"limit": 1000}),  # refused by the schema
    ("listBoats", {"cursor": "not-a-cursor"}),  # 422 from the API
    ("createBoat", {"body": {"name": ""}}),  # refused by the schema, or 422
    ("getPrivateBearer", {}),  # 200 with the bearer token
    ("getPrivateKeyHeader", {}),  # 200 with the header key
    ("getPrivateKeyQuery", {}),  # 401: the main API's key is the header key
    ("getPrivateKeyCookie", {}),  # 401: likewise
    ("getPrivateBasic", {}),  # 200 with basic auth
    ("q_getPrivateKeyQuery", {}),  # 200 with the query key
    ("q_redirectAway", {}),  # a redirect to another host, refused
    ("q_getServerError", {}),  # 500
    ("q_getSlow", {"seconds": 10}),  # a timeout
    ("getMismatch", {}),  # a body that does not fit its schema
    ("listBookings", {"berthId": "A01", "X-Request-Id": "x\r\ny"}),  # refused: a line break
]


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(api: HarbourApi, seen: str, where: str) -> None:
    for secret in api.secrets:
        assert secret not in seen, f"{where} shows {secret!r}"


def shown(result: types.CallToolResult) -> str:
    """Everything a tool result carries: its text and its structured content."""
    return text_of(result) + repr(result.structured_content) + repr(result.meta)


async def everything_listed(client: Client) -> str:
    tools = await client.list_tools()
    resources = await client.list_resources()
    templates = await client.list_resource_templates()
    prompts = await client.list_prompts()
    overview = await client.get_prompt("api_overview")
    pages = [tools.model_dump_json(), resources.model_dump_json(), templates.model_dump_json()]
    pages += [prompts.model_dump_json(), overview.model_dump_json()]
    for resource in resources.resources:
        pages.append((await client.read_resource(resource.uri)).model_dump_json())
    for tool in tools.tools:
        api = "q" if tool.name.startswith("q_") else "spec"
        page = await client.read_resource(f"openapi://{api}/operations/{tool.name}")
        pages.append(page.model_dump_json())
    return "\n".join(pages)


async def test_no_credential_appears_in_any_output_or_log(
    harbour_api: HarbourApi, spec: Path, logged: pytest.LogCaptureFixture
) -> None:
    async with harbour_client(harbour_api, **every_credential(harbour_api, spec)) as client:
        listed = await everything_listed(client)
        results = [(name, await client.call_tool(name, arguments)) for name, arguments in BATTERY]
        succeeded(await client.call_tool("getBoat", {"boatId": 1}))  # still serving

    assert_no_secret(harbour_api, listed, "a listing, resource or prompt")
    for name, result in results:
        assert_no_secret(harbour_api, shown(result), f"the result of {name}")
    assert_no_secret(harbour_api, logged.text, "the log")
    assert_no_secret(harbour_api, "\n".join(repr(record.args) for record in logged.records), "a log record")

    by_name = dict(results)
    assert not by_name["getPrivateBearer"].is_error
    assert not by_name["getPrivateKeyHeader"].is_error
    assert not by_name["getPrivateBasic"].is_error
    assert not by_name["q_getPrivateKeyQuery"].is_error
    for failed in ("getPrivateKeyQuery", "q_redirectAway", "q_getServerError", "q_getSlow", "getBoat"):
        assert by_name[failed].is_error, failed
    assert "did not finish within the 2 s limit" in text_of(by_name["q_getSlow"])
    assert "redirected to" in text_of(by_name["q_redirectAway"])
    # And the credentials did travel, each where its scheme puts it.
    sent = harbour_api.requests
    assert any(request.query.get("api_key") == [harbour_api.query_key] for request in sent)
    assert any(request.header("x-api-key") == harbour_api.header_key for request in sent)
    assert any(request.header("x-harbour-cookie") == harbour_api.cookie_key for request in sent)
    assert any(request.header("authorization") == harbour_api.basic_authorization for request in sent)


async def test_a_failure_names_the_url_without_a_query_key(harbour_api: HarbourApi, spec: Path) -> None:
    async with harbour_client(
        harbour_api, spec=str(spec), api_key=harbour_api.query_key, timeout=1.0
    ) as client:
        slow = text_of(await client.call_tool("getSlow", {"seconds": 10}))
        away = text_of(await client.call_tool("redirectAway", {}))
    assert f"Fetching http://{harbour_api.host}/v1/slow?… did not finish" in slow
    assert f"http://{harbour_api.host}/v1/redirect-away?… redirected to" in away
    assert harbour_api.query_key not in slow + away
    assert [request.query["api_key"] for request in harbour_api.requests] == [[harbour_api.query_key]] * 2


async def test_an_api_that_echoes_the_key_back_does_not_show_it(harbour_api: HarbourApi, spec: Path) -> None:
    async with harbour_client(harbour_api, spec=str(spec), api_key=harbour_api.query_key) as client:
        result = await client.call_tool("echoPath", {"value": "x"})
    [request] = harbour_api.requests
    assert request.query["api_key"] == [harbour_api.query_key]
    assert not result.is_error
    assert harbour_api.query_key not in shown(result)
