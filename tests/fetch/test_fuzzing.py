"""The fetch tool fuzzed from its input schema (see moorings_core.testing.fuzzing).

The site it may reach serves a page, JSON, a redirect and a robots.txt; beside it a canary listener
on a port the server is not allowed to reach must see no connection at all, whatever URL the
fuzzer draws: loopback in every spelling, localhost names, other schemes, redirects, credentials.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import ExitStack, asynccontextmanager

from moorings_core.server import MooringsServer
from moorings_core.testing import Sandbox, fuzz_test
from tests.fetch.helpers import server_for
from tests.fetch.hostile import Canary, serve_canary
from tests.fetch.site import Site, serve_site

# The fuzzer asks for the strings before it builds the server, so the site and the canary start with
# the strings and stop with the server.
_worlds: dict[str, tuple[ExitStack, Site, Canary]] = {}


def _world(box: Sandbox) -> tuple[ExitStack, Site, Canary]:
    if str(box.root) not in _worlds:
        stack = ExitStack()
        site = stack.enter_context(serve_site())
        canary = stack.enter_context(serve_canary())
        _worlds[str(box.root)] = (stack, site, canary)
    return _worlds[str(box.root)]


@asynccontextmanager
async def fetch_server(box: Sandbox) -> AsyncIterator[MooringsServer]:
    stack, site, canary = _world(box)
    port = canary.port
    with stack:
        site.page("/", "<html><head><title>Home</title></head><body><p>Harbour news.</p></body></html>")
        site.page("/data.json", '{"tide": "high"}', content_type="application/json")
        site.page(
            "/away", b"", status=302, headers={"Location": f"http://127.0.0.1:{port}/"}, content_type=""
        )
        site.page("/robots.txt", "User-agent: *\nDisallow: /private\n", content_type="text/plain")
        yield server_for(site, call_timeout=10, timeout=5)
        assert canary.connections == 0, "the canary listener was reached"
    del _worlds[str(box.root)]


def fetch_strings(box: Sandbox) -> Iterable[str]:
    _, site, canary = _world(box)
    port = canary.port
    return [
        site.url("/"), site.url("/data.json"), site.url("/away"), site.url("/private/x"),
        site.url("/missing"),
        f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", f"http://2130706433:{port}/",
        f"http://0x7f.1:{port}/", f"http://[::ffff:127.0.0.1]:{port}/", f"http://0.0.0.0:{port}/",
        f"http://user@127.0.0.1:{port}/", f"http://{site.host}@127.0.0.1:{port}/", "http://169.254.169.254/",
        f"file://{box.sentinel}", "gopher://127.0.0.1/", "data:text/html,hi", "ftp://x/", "http://", "https://[::1",
        "readable", "full", "text", "raw",
    ]  # fmt: skip


test_tools_survive_fuzzing = fuzz_test(fetch_server, strings=fetch_strings)
