"""What the operator adds to the fetch tool's requests, under attack: --header and --proxy-url.

A --header (a token, often) goes to the hosts --allow-host names and nowhere else, not even where a
redirect from such a host leads, and its value is never shown in a result or a refusal. Through a
--proxy-url the tool works, and a hostile URL is refused before the proxy is asked anything. As in
`test_network_policy`, a canary listener beside each test must count no connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mcp_types as types
import pytest

from moorings_core.testing import ERAS, Era, connect, succeeded
from tests.core.web_world import FakeDNS, Proxy, loopback_only, serve
from tests.fetch.helpers import server_for
from tests.fetch.hostile import Canary
from tests.fetch.site import Site, serve_site

pytestmark = pytest.mark.anyio

HOME = "<html><body><p>Harbour news.</p></body></html>"
SECRET = "s3cr3t-harbour-token-7f1d"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def other() -> Iterator[Site]:
    """A second site on 127.0.0.1, which only --allow-private-network lets the server reach."""
    with serve_site() as served:
        yield served


@contextmanager
def serve_proxy() -> Iterator[Proxy]:
    yield from serve(Proxy())


def shown(result: types.CallToolResult) -> str:
    """Everything a client is shown of a result: its text and its structured content."""
    return result.model_dump_json()


@pytest.mark.parametrize("other_host", ["address", "name"])
async def test_an_operator_header_goes_only_to_the_hosts_allowed_by_name(
    site: Site, other: Site, other_host: str
) -> None:
    site.page("/", HOME)
    other.page("/page", HOME)
    other.page("/direct", HOME)
    origin = (
        f"http://127.0.0.1:{other.port}" if other_host == "address" else f"http://other.test:{other.port}"
    )
    site.page("/to-other", b"", status=302, headers={"Location": f"{origin}/page"}, content_type="")
    settings: dict[str, Any] = {
        "allow_host": [site.host],
        # Reaches the other site (and would reach any canary on loopback), but names no host for the header.
        "allow_private_network": True,
        "header": [f"Authorization: Bearer {SECRET}"],
    }
    async with connect(server_for(resolver=FakeDNS({"other.test": ["127.0.0.1"]}), **settings)) as client:
        results = [
            await client.call_tool("fetch", {"url": site.url("/")}),
            await client.call_tool("fetch", {"url": site.url("/to-other")}),
            await client.call_tool("fetch", {"url": f"{origin}/direct"}),
        ]
    home, redirected, direct = (succeeded(result) for result in results)
    assert "Harbour news." in home[0]
    assert redirected[1]["finalUrl"] == f"{origin}/page"
    assert "Harbour news." in direct[0]
    # The named site got the header with every request, robots.txt included ...
    assert {r.path: r.headers.get("authorization") for r in site.requests()} == {
        "/robots.txt": f"Bearer {SECRET}",
        "/": f"Bearer {SECRET}",
        "/to-other": f"Bearer {SECRET}",
    }
    # ... the other site never did, whether a redirect led there or the tool was sent there.
    assert sorted(r.path for r in other.requests()) == ["/direct", "/page", "/robots.txt"]
    assert all("authorization" not in r.headers for r in other.requests())
    for result in results:
        assert SECRET not in shown(result)


async def test_an_operator_header_is_never_shown_in_a_refusal(site: Site, canary: Canary) -> None:
    site.page("/", HOME)
    site.page("/to-canary", b"", status=302, headers={"Location": f"http://127.0.0.1:{canary.port}/"})
    site.page("/slow", HOME * 10_000, chunk_delay=0.5)
    settings: dict[str, Any] = {"allow_host": [site.host], "header": [f"X-Api-Key: {SECRET}"], "timeout": 1}
    async with connect(server_for(**settings)) as client:
        home = await client.call_tool("fetch", {"url": site.url("/")})
        refusals = [
            await client.call_tool("fetch", {"url": site.url("/missing")}),
            await client.call_tool("fetch", {"url": site.url("/to-canary")}),
            await client.call_tool("fetch", {"url": site.url("/slow")}),
            await client.call_tool("fetch", {"url": f"http://127.0.0.1:{canary.port}/"}),
            await client.call_tool("fetch", {"url": "http://169.254.169.254/latest/meta-data/"}),
        ]
        by_hand = await client.get_prompt("fetch", {"url": site.url("/to-canary")})
    assert "Harbour news." in succeeded(home)[0]
    assert [result.is_error for result in refusals] == [True] * len(refusals)
    assert "did not finish within the 1 s limit" in shown(refusals[2])
    assert by_hand.messages[0].content.text.startswith(f"Failed to fetch {site.url('/to-canary')}: ")  # type: ignore[union-attr]
    for said in [shown(home), *map(shown, refusals), by_hand.model_dump_json()]:
        assert SECRET not in said
    assert {r.headers.get("x-api-key") for r in site.requests()} == {SECRET}
    assert canary.connections == 0


@pytest.mark.parametrize("era", ERAS)
async def test_a_fetch_goes_through_the_proxy_and_a_hostile_url_never_reaches_it(
    site: Site, canary: Canary, era: Era
) -> None:
    site.page("/", HOME)
    site.page("/to-canary", b"", status=302, headers={"Location": f"http://127.0.0.1:{canary.port}/"})
    dns = FakeDNS({"home.test": ["127.0.0.1"]})
    with serve_proxy() as proxy:
        async with connect(server_for(site, resolver=dns, proxy_url=proxy.url()), era=era) as client:
            hostile = [
                await client.call_tool("fetch", {"url": f"http://127.0.0.1:{canary.port}/"}),
                await client.call_tool("fetch", {"url": f"http://2130706433:{canary.port}/"}),
                await client.call_tool("fetch", {"url": f"http://localhost:{canary.port}/"}),
                await client.call_tool("fetch", {"url": "http://169.254.169.254/latest/meta-data/"}),
                await client.call_tool("fetch", {"url": f"http://home.test:{canary.port}/"}),
            ]
            asked_before = (proxy.connections, list(proxy.asked))
            text, data = succeeded(await client.call_tool("fetch", {"url": site.url("/")}))
            redirected = await client.call_tool("fetch", {"url": site.url("/to-canary")})
    assert all(result.is_error for result in hostile)
    assert "Only public internet addresses are allowed" in shown(hostile[-1])
    assert asked_before == (0, [])
    assert text == f"Contents of {site.url('/')}:\nHarbour news."
    assert data["finalUrl"] == site.url("/")
    assert redirected.is_error
    assert f"redirected to http://127.0.0.1:{canary.port}/" in shown(redirected)
    # The proxy was asked for the allowed site only, by address: robots.txt, the page, the redirect.
    assert [(asked.method, asked.target) for asked in proxy.asked] == [
        ("GET", site.url("/robots.txt")),
        ("GET", site.url("/")),
        ("GET", site.url("/to-canary")),
    ]
    assert canary.connections == 0
