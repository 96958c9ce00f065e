"""--rate-limit: the fetch server's requests leave at most that many a second, robots.txt included.

Asserted on what the test site received, never on how long anything took: a rate so low that a
second request could only go out after an hour shows the spacing as a request that never came. The
pages are read raw, so no call spends its short deadline on loading the HTML converters.
"""

from __future__ import annotations

import mcp_types as types
import pytest
from mcp import Client

from moorings_core.testing import connect, refusal, succeeded
from tests.fetch.helpers import server_for
from tests.fetch.site import Site

pytestmark = pytest.mark.anyio

PAGE = "<html><body><p>Tide table.</p></body></html>"
ONE_AN_HOUR = 1 / 3600


async def fetch(client: Client, url: str) -> types.CallToolResult:
    return await client.call_tool("fetch", {"url": url, "mode": "raw"})


def pages(site: Site, count: int) -> list[str]:
    for number in range(count):
        site.page(f"/{number}", PAGE)
    return [site.url(f"/{number}") for number in range(count)]


async def test_a_request_past_the_rate_waits_its_turn_and_never_leaves_within_the_call(site: Site) -> None:
    first, second = pages(site, 2)
    server = server_for(site, rate_limit=ONE_AN_HOUR, ignore_robots_txt=True, call_timeout=3)
    async with connect(server) as client:
        succeeded(await fetch(client, first))
        waited = refusal(await fetch(client, second))
    assert "did not finish within 3 seconds" in waited
    assert [request.path for request in site.requests()] == ["/0"]


async def test_robots_txt_takes_its_turn_like_any_request(site: Site) -> None:
    (page,) = pages(site, 1)
    site.page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    server = server_for(site, rate_limit=ONE_AN_HOUR, call_timeout=3)
    async with connect(server) as client:
        refusal(await fetch(client, page))
    assert [request.path for request in site.requests()] == ["/robots.txt"]


async def test_within_the_rate_every_request_goes_in_the_order_asked(site: Site) -> None:
    urls = pages(site, 12)  # a burst of 10 at once, then one every tenth of a second
    async with connect(server_for(site, rate_limit=10, ignore_robots_txt=True)) as client:
        for url in urls:
            succeeded(await fetch(client, url))
    assert [request.path for request in site.requests()] == [f"/{number}" for number in range(12)]


async def test_without_a_rate_limit_nothing_waits(site: Site) -> None:
    urls = pages(site, 2)
    async with connect(server_for(site, ignore_robots_txt=True, call_timeout=3)) as client:
        for url in urls:
            succeeded(await fetch(client, url))
    assert [request.path for request in site.requests()] == ["/0", "/1"]
