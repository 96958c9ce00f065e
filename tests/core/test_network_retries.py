"""Retries and pacing of outbound HTTP, against real servers on 127.0.0.1 that count what they get.

The site's `/busy` answers 429 or 503 (with or without Retry-After) a set number of
times before a page, and `/flaky` drops a set number of connections unanswered;
each test asserts on what the caller gets back and on how many requests the site saw.
"""

from __future__ import annotations

import datetime
import email.utils
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import anyio.lowlevel
import pytest

from moorings_core.errors import AccessDenied, InvalidInput, OperationFailed
from moorings_core.ratelimit import RateLimiter
from moorings_core.sandbox._retries import retry_after_seconds
from moorings_core.sandbox.network import Fetched, GuardedClient, NetworkPolicy, RetryPolicy
from tests.core.web_world import DNS, FakeDNS, Site, loopback_only, serve

POLICY = NetworkPolicy(allowed_hosts=frozenset({"site.test"}))
QUICK = RetryPolicy(attempts=3, max_wait=30.0, backoff=0.01)


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serve(Site())


async def fetch(url: str, method: str = "GET", policy: NetworkPolicy = POLICY, **kwargs: Any) -> Fetched:
    async with GuardedClient(policy, resolver=FakeDNS(DNS)) as client:
        return await client.request(method, url, **kwargs)


def asked(site: Site) -> list[str]:
    return [f"{request.method} {request.target.partition('?')[0]}" for request in site.received]


def http_date(seconds_from_now: float) -> str:
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return email.utils.format_datetime(when, usegmt=True)


# --- 429 and 503 with Retry-After -----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("after", ["0", "1"])
async def test_a_busy_answer_with_retry_after_is_waited_out_and_sent_again(
    site: Site, status: int, after: str
) -> None:
    fetched = await fetch(site.url(f"/busy?status={status}&after={after}", "site.test"), retry=QUICK)
    assert (fetched.status, fetched.body) == (200, b"done at last")
    assert (fetched.attempts, fetched.retry_after) == (2, float(after))
    assert asked(site) == ["GET /busy", "GET /busy"]


@pytest.mark.anyio
async def test_a_post_told_to_retry_after_is_sent_again(site: Site) -> None:
    # A 429 says the server did not act on the request, so even a POST goes again.
    fetched = await fetch(site.url("/busy?after=0", "site.test"), "POST", content=b"x", retry=QUICK)
    assert (fetched.status, fetched.attempts) == (200, 2)
    assert asked(site) == ["POST /busy", "POST /busy"]


@pytest.mark.anyio
async def test_a_retry_after_longer_than_the_policy_allows_is_returned_not_waited(site: Site) -> None:
    fetched = await fetch(site.url("/busy?after=60", "site.test"), retry=QUICK)
    assert (fetched.status, fetched.body) == (429, b"busy")
    assert (fetched.attempts, fetched.retry_after) == (1, 60.0)
    assert len(site.received) == 1


@pytest.mark.anyio
async def test_a_retry_after_date_in_the_past_means_now(site: Site) -> None:
    past = quote("Wed, 21 Oct 2015 07:28:00 GMT")
    fetched = await fetch(site.url(f"/busy?after={past}", "site.test"), retry=QUICK)
    assert (fetched.status, fetched.attempts, fetched.retry_after) == (200, 2, 0.0)


@pytest.mark.anyio
async def test_a_retry_after_date_an_hour_ahead_is_returned_with_the_wait(site: Site) -> None:
    fetched = await fetch(site.url(f"/busy?after={quote(http_date(3600))}", "site.test"), retry=QUICK)
    assert (fetched.status, fetched.attempts) == (429, 1)
    assert fetched.retry_after is not None
    assert 3500 < fetched.retry_after <= 3600


@pytest.mark.anyio
@pytest.mark.parametrize("status", [429, 503])
async def test_a_busy_answer_without_retry_after_is_not_retried(site: Site, status: int) -> None:
    fetched = await fetch(site.url(f"/busy?status={status}", "site.test"), retry=QUICK)
    assert (fetched.status, fetched.attempts, fetched.retry_after) == (status, 1, None)
    assert len(site.received) == 1


@pytest.mark.anyio
async def test_when_the_attempts_run_out_the_last_answer_is_returned(site: Site) -> None:
    fetched = await fetch(site.url("/busy?after=0&times=5", "site.test"), retry=QUICK)
    assert (fetched.status, fetched.attempts, fetched.retry_after) == (429, 3, 0.0)
    assert len(site.received) == 3


@pytest.mark.anyio
async def test_a_wait_that_would_outlast_the_deadline_is_not_waited(site: Site) -> None:
    # 5 s is within max_wait, but the request has 2 s in all.
    policy = NetworkPolicy(allowed_hosts=frozenset({"site.test"}), total_timeout=2.0)
    fetched = await fetch(site.url("/busy?after=5", "site.test"), policy=policy, retry=QUICK)
    assert (fetched.status, fetched.attempts, fetched.retry_after) == (429, 1, 5.0)
    assert len(site.received) == 1


@pytest.mark.anyio
async def test_a_request_that_shortens_its_deadline_does_not_wait_past_it(site: Site) -> None:
    fetched = await fetch(site.url("/busy?after=1", "site.test"), timeout=0.5, retry=QUICK)
    assert (fetched.status, fetched.attempts, fetched.retry_after) == (429, 1, 1.0)


@pytest.mark.anyio
async def test_a_retry_resends_the_redirect_hop_that_was_busy_not_the_chain(site: Site) -> None:
    fetched = await fetch(site.url("/redirect?to=/busy%3Fafter%3D0", "site.test"), retry=QUICK)
    assert (fetched.status, fetched.attempts) == (200, 2)
    assert fetched.redirects == (site.url("/redirect?to=/busy%3Fafter%3D0", "site.test"),)
    assert asked(site) == ["GET /redirect", "GET /busy", "GET /busy"]


# --- connection failures --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_an_idempotent_request_is_sent_again_after_a_dropped_connection(
    site: Site, method: str
) -> None:
    fetched = await fetch(site.url("/flaky", "site.test"), method, retry=QUICK)
    assert (fetched.status, fetched.body, fetched.attempts) == (200, b"answered", 2)
    assert asked(site) == [f"{method} /flaky", f"{method} /flaky"]


@pytest.mark.anyio
async def test_a_post_is_never_sent_again_after_a_dropped_connection(site: Site) -> None:
    with pytest.raises(OperationFailed, match=r"The request to http://site.test:\d+/flaky failed: "):
        await fetch(site.url("/flaky", "site.test"), "POST", content=b"order one", retry=QUICK)
    assert asked(site) == ["POST /flaky"]


@pytest.mark.anyio
async def test_connection_failures_stop_when_the_attempts_run_out(site: Site) -> None:
    with pytest.raises(
        OperationFailed,
        match=r"/flaky\?drops=5 failed \(3 attempts\): Server disconnected without sending a response\.$",
    ):
        await fetch(site.url("/flaky?drops=5", "site.test"), retry=QUICK)
    assert len(site.received) == 3


@pytest.mark.anyio
async def test_a_refused_connection_is_retried_then_reported() -> None:
    # Nothing listens on the port: each attempt is refused at connect time.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OperationFailed, match=r"failed \(3 attempts\)"):
        await fetch(f"http://site.test:{port}/", retry=QUICK)


@pytest.mark.anyio
async def test_a_policy_refusal_is_never_retried(site: Site) -> None:
    with pytest.raises(AccessDenied):
        await fetch(site.url("/page"), retry=QUICK)  # 127.0.0.1 by address: not admitted
    assert site.connections == 0


# --- without a retry policy nothing changes -------------------------------------------------------


@pytest.mark.anyio
async def test_without_a_retry_policy_a_busy_answer_is_returned_at_once(site: Site) -> None:
    fetched = await fetch(site.url("/busy?after=0", "site.test"))
    assert (fetched.status, fetched.attempts, fetched.retry_after) == (429, 1, None)
    assert len(site.received) == 1


@pytest.mark.anyio
async def test_without_a_retry_policy_a_dropped_connection_fails_at_once(site: Site) -> None:
    with pytest.raises(OperationFailed, match=r"/flaky failed: "):
        await fetch(site.url("/flaky", "site.test"))
    assert len(site.received) == 1


# --- pacing ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_rate_limiter_paces_every_hop_and_every_retry(site: Site) -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds
        await anyio.lowlevel.checkpoint()

    limiter = RateLimiter(2.0, burst=1, clock=lambda: now[0], sleep=sleep)
    async with GuardedClient(POLICY, resolver=FakeDNS(DNS), rate_limiter=limiter) as client:
        fetched = await client.request(
            "GET", site.url("/redirect?to=/busy%3Fafter%3D0", "site.test"), retry=QUICK
        )
    assert fetched.status == 200
    # Three sends (the redirect, the busy answer, its retry): the first took the token, two waited for one.
    assert len(site.received) == 3
    assert waits == [0.5, 0.5]


# --- the policy and the header --------------------------------------------------------------------


@pytest.mark.parametrize(
    "options", [{"attempts": 0}, {"max_wait": -1.0}, {"backoff": float("nan")}, {"max_wait": float("inf")}]
)
def test_a_retry_policy_must_make_sense(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        RetryPolicy(**options)


NOW = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 01 Jan 2026 12:00:30 GMT", 30.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("٣", None),  # a digit, but not an ASCII one
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds
