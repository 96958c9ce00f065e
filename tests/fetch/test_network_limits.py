"""The fetch tool against servers that do not stop: a body past --max-bytes, compression bombs, a body
that trickles a byte a second, a server that never answers, headers without end, a robots.txt that
trickles.

Each is cut at its limit, the result or the refusal says which limit, memory stays bounded (traced
with tracemalloc: the server runs in this process), and the server goes on serving: a legitimate
fetch after the attack works. The misbehaving servers are `tests.fetch.hostile.serve_raw`, on ports
the fetch server is allowed to reach.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from mcp import Client

from moorings_core.server import MooringsServer
from moorings_core.testing import connect, refusal, succeeded
from tests.core.web_world import loopback_only
from tests.fetch.helpers import server_for
from tests.fetch.hostile import (
    BOMB_SIZE,
    Canary,
    RawServer,
    brotli_bomb,
    endless_body,
    endless_headers,
    gzip_bomb,
    never_answer,
    page,
    serve_raw,
    trickle,
)
from tests.fetch.site import Site

pytestmark = pytest.mark.anyio

HOME = "<html><body><p>Harbour news.</p></body></html>"
DEADLINE = 2  # --timeout, in seconds: what a trickling server gets before it is cut off


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


async def fetch_home(client: Client, site: Site) -> None:
    """The legitimate fetch after every attack: the server still serves."""
    site.page("/", HOME)
    text, _ = succeeded(await client.call_tool("fetch", {"url": site.url("/")}))
    assert text == f"Contents of {site.url('/')}:\nHarbour news."


def server_beside(site: Site, raw: RawServer) -> MooringsServer:
    """A server allowed to reach the site and the raw server, with a short deadline."""
    return server_for(allow_host=[site.host, raw.host], timeout=DEADLINE, call_timeout=30)


def cut_at_the_deadline(message: str, url: str) -> int:
    """The bytes that had arrived when the deadline cut `url` off, read from the refusal."""
    said = re.search(
        rf"Fetching {re.escape(url)} did not finish within the {DEADLINE} s limit \(([\d,]+) bytes of the"
        r" response had arrived\)\. The server is slow or its body never ends",
        message,
    )
    assert said is not None, message
    return int(said.group(1).replace(",", ""))


async def test_an_endless_body_is_cut_at_max_bytes_in_bounded_memory(site: Site, canary: Canary) -> None:
    with serve_raw({"/endless": endless_body}) as raw:
        async with connect(server_for(allow_host=[site.host, raw.host], max_bytes=65536)) as client:
            tracemalloc.start()
            try:
                result = await client.call_tool("fetch", {"url": raw.url("/endless"), "max_length": 999_999})
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            await fetch_home(client, site)
    text, data = succeeded(result)
    assert data["pageTruncated"] is True
    assert text.endswith(
        "<error>The page is longer than this server reads (65,536 bytes); the text above is of its beginning"
        " only.</error>"
    )
    assert data["content"].startswith("the tide is high the tide is high")
    assert data["length"] <= 65536
    assert peak < 16 * 2**20  # uncut, the body would grow until the deadline, a few hundred MB a second
    assert canary.connections == 0


@pytest.mark.parametrize(("coding", "bomb"), [("gzip", gzip_bomb), ("br", brotli_bomb)])
async def test_a_compression_bomb_is_cut_at_max_bytes_in_bounded_memory(
    site: Site, canary: Canary, coding: str, bomb: Callable[[], bytes]
) -> None:
    body = bomb()
    assert len(body) < 300 * 1024  # a few hundred KB on the wire, BOMB_SIZE (256 MiB) of text decoded
    site.page("/bomb", body, content_type="text/plain", headers={"Content-Encoding": coding})
    async with connect(server_for(site, max_bytes=2**20)) as client:
        tracemalloc.start()
        try:
            first = succeeded(await client.call_tool("fetch", {"url": site.url("/bomb"), "max_length": 100}))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        length = first[1]["length"]
        last = succeeded(
            await client.call_tool("fetch", {"url": site.url("/bomb"), "start_index": length - 10})
        )
        await fetch_home(client, site)
    assert first[1]["pageTruncated"] is True
    assert first[1]["content"] == "a" * 100
    assert length == 2**20
    assert last[0].endswith(
        "aaaaaaaaaa\n\n<error>The page is longer than this server reads (1,048,576 bytes); the text above is"
        " of its beginning only.</error>"
    )
    assert last[1]["fromCache"] is True
    assert len(site.requests("/bomb")) == 1
    # Decoding even one 64 KiB piece of the bomb at once makes about 64 MiB. (brotli's own buffers are
    # malloc'd by the C library, out of tracemalloc's sight; the core's tests bound them.)
    assert peak < BOMB_SIZE // 8
    assert canary.connections == 0


async def test_a_body_that_trickles_is_cut_at_the_deadline(site: Site, canary: Canary) -> None:
    with serve_raw({"/slow": trickle(b"x" * 100, per_second=1)}) as raw:
        async with connect(server_beside(site, raw)) as client:
            message = refusal(await client.call_tool("fetch", {"url": raw.url("/slow")}))
            await fetch_home(client, site)
    arrived = cut_at_the_deadline(message, raw.url("/slow"))
    assert 0 < arrived < 100
    assert raw.asked == ["/robots.txt", "/slow"]
    assert canary.connections == 0


async def test_a_server_that_never_answers_is_cut_at_the_deadline(site: Site, canary: Canary) -> None:
    with serve_raw({"/silent": never_answer}) as raw:
        async with connect(server_beside(site, raw)) as client:
            message = refusal(await client.call_tool("fetch", {"url": raw.url("/silent")}))
            await fetch_home(client, site)
    assert cut_at_the_deadline(message, raw.url("/silent")) == 0
    assert canary.connections == 0


async def test_headers_without_end_are_refused(site: Site, canary: Canary) -> None:
    with serve_raw({"/headers": endless_headers}) as raw:
        async with connect(server_beside(site, raw)) as client:
            tracemalloc.start()
            try:
                message = refusal(await client.call_tool("fetch", {"url": raw.url("/headers")}))
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            await fetch_home(client, site)
    # h11 gives up on a header block past its buffer limit, long before the deadline could.
    assert f"The request to {raw.url('/headers')} failed: Receive buffer too long." in message
    assert peak < 16 * 2**20
    assert canary.connections == 0


async def test_a_robots_txt_that_trickles_refuses_the_page_at_the_deadline(
    site: Site, canary: Canary
) -> None:
    answers = {"/robots.txt": trickle(b"User-agent: *\nAllow: /\n"), "/page": page(HOME.encode())}
    with serve_raw(answers) as raw:
        async with connect(server_beside(site, raw)) as client:
            message = refusal(await client.call_tool("fetch", {"url": raw.url("/page")}))
            await fetch_home(client, site)
            # The user's own fetch does not ask robots.txt: the page itself was there all along.
            by_hand = await client.get_prompt("fetch", {"url": raw.url("/page")})
    assert message.startswith(
        f"Error executing tool fetch: {raw.url('/page')} was not fetched: the site's robots.txt"
        f" ({raw.url('/robots.txt')}) could not be read (Fetching {raw.url('/robots.txt')} did not finish"
        f" within the {DEADLINE} s limit"
    )
    assert "RFC 9309 says to assume it does not" in message
    assert by_hand.messages[0].content.text == "Harbour news."  # type: ignore[union-attr]
    assert raw.asked == ["/robots.txt", "/page"]  # the page once: by the prompt
    assert canary.connections == 0
