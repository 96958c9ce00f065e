"""The ways real APIs misbehave, against the harbour API: rate limits, outages, dropped connections,
redirects, answers too large or too slow, and answers that break their own document.

Each ends either in the API's data or in an error result that says what happened, and the server
answers the next call as if nothing had.
"""

from __future__ import annotations

import logging

import pytest

from moorings_core.testing import refusal, succeeded, text_of
from tests.openapi.harbour_api import HarbourApi
from tests.openapi.helpers import harbour_client

pytestmark = pytest.mark.anyio


async def test_a_rate_limit_is_waited_out_and_retried(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, answer = succeeded(await client.call_tool("getLimited", {}))
    assert answer["body"] == {"ok": True, "calls": 3}
    assert len(harbour_api.requests_to("/limited")) == 3


async def test_an_outage_ends_in_an_error_that_says_it_was_retried(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("getUnavailable", {})
        after = await client.call_tool("getBoat", {"boatId": 1})
    text = refusal(result)
    assert text.startswith("GET /unavailable failed: 503 Service Unavailable (retried 2 times).")
    assert "Down for maintenance." in text
    assert "The API is unavailable for now. It asked to wait 1 second before trying again." in text
    assert len(harbour_api.requests_to("/unavailable")) == 3
    succeeded(after)


async def test_a_dropped_connection_is_retried_for_a_get(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        _, answer = succeeded(await client.call_tool("getFlaky", {}))
    assert answer["body"] == {"ok": True, "calls": 2}
    assert len(harbour_api.requests_to("/flaky")) == 2


async def test_a_redirect_within_the_api_is_followed(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("redirectHere", {})
    assert not result.is_error
    assert '"name": "Curlew 1"' in text_of(result)
    assert [request.path for request in harbour_api.requests] == ["/v1/redirect-here", "/v1/boats/1"]


async def test_a_redirect_elsewhere_is_refused(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api) as client:
        result = await client.call_tool("redirectAway", {})
        after = await client.call_tool("getBoat", {"boatId": 1})
    text = refusal(result)
    assert f"redirected to {harbour_api.redirect_away_to}" in text
    assert f"this server only sends requests to http://{harbour_api.host}." in text
    assert "Only the base URLs the server was started with can be reached." in text
    assert [request.path for request in harbour_api.requests] == ["/v1/redirect-away", "/v1/boats/1"]
    succeeded(after)


async def test_a_huge_answer_is_cut_with_a_note(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, max_result_chars=1_000) as client:
        result = await client.call_tool("getHuge", {"bytes": 20_000})
    text, answer = succeeded(result)
    assert answer == {"status": 200, "contentType": "application/json", "truncated": True}
    assert len(text) < 1_500
    assert text.startswith('["harbour log: all quiet on the pontoons')
    assert text.endswith(
        "[The JSON above is incomplete; this result shows 500 of its 19,900 characters. To get the rest,"
        " narrow the request (arguments that select fewer or smaller items).]"
    )


async def test_an_answer_past_max_bytes_is_cut_and_says_so(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, max_bytes=4_096) as client:
        text, answer = succeeded(await client.call_tool("getHuge", {"bytes": 100_000}))
    assert answer["truncated"] is True
    assert "body" not in answer
    assert text.endswith(
        "[the API sent more than this server reads (only the first 4,096 bytes arrived). To get the"
        " rest, narrow the request (arguments that select fewer or smaller items).]"
    )


async def test_a_slow_answer_times_out_and_the_server_answers_the_next_call(harbour_api: HarbourApi) -> None:
    async with harbour_client(harbour_api, timeout=0.5) as client:
        result = await client.call_tool("getSlow", {"seconds": 10})
        _, after = succeeded(await client.call_tool("getBoat", {"boatId": 1}))
    text = refusal(result)
    assert "did not finish within the 0.5 s limit" in text
    assert "The server is slow or its body never ends" in text
    assert after["body"]["id"] == 1


async def test_an_answer_that_breaks_its_schema_is_given_undocumented(
    harbour_api: HarbourApi, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="moorings_openapi.responses"):
        async with harbour_client(harbour_api) as client:
            text, answer = succeeded(await client.call_tool("getMismatch", {}))
    assert answer == {
        "status": 200,
        "contentType": "application/json",
        "undocumentedBody": {"id": "one", "name": 42, "type": "submarine"},
    }
    assert text.startswith("Warning: the response does not match the API's documented schema (")
    assert '"type": "submarine"' in text
    assert "GET /mismatch: the response does not match its documented schema" in caplog.text
