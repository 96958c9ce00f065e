"""robots.txt for the fetch tool, against a real HTTP server on 127.0.0.1.

The site serves whatever robots.txt (status, headers, body) a test gives it and
counts the requests for each host and path, so "fetched once" is counted where
it happens. Time is an injected clock that tests move; nothing sleeps. Host
names are answered by a table resolver, so one server can be several origins.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

import anyio
import httpx
import pytest

from moorings_core.errors import AccessDenied, InvalidInput
from moorings_core.sandbox.network import GuardedClient, NetworkPolicy
from moorings_fetch.robots import FAILURE_TTL, RULES_TTL, RobotsRules
from moorings_fetch.robots_txt import MAX_PARSED_BYTES

USER_AGENT = "Moorings-Fetch/0.1 (+https://github.com/moorings)"
NAMES = {"a.test": "127.0.0.1", "b.test": "127.0.0.1", "c.test": "127.0.0.1", "unlisted.test": "127.0.0.1"}
# The operator trusts loopback under these names; unlisted.test resolves to it without being trusted.
POLICY = NetworkPolicy(allowed_hosts=frozenset({"127.0.0.1", "a.test", "b.test", "c.test"}))
WAYS_OUT = ("`fetch` prompt", "--ignore-robots-txt", "The assistant must tell the user")


# --- the site -------------------------------------------------------------------------------------


class Reply(NamedTuple):
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = {}  # noqa: RUF012 (never mutated)
    hold: bool = False  # wait for Site.release before answering


class Site(ThreadingHTTPServer):
    """Serves `replies` by path (404 for other paths) and counts requests by (host, path)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: dict[str, Reply] = {}
        self.requests: Counter[tuple[str, str]] = Counter()
        self.arrived = threading.Event()  # a held request has arrived
        self.release = threading.Event()
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> httpx.URL:
        return httpx.URL(f"http://{host}:{self.port}{path}")

    def robots(self, text: str | bytes, status: int = 200, **headers: str) -> None:
        body = text.encode() if isinstance(text, str) else text
        self.replies["/robots.txt"] = Reply(status, body, headers)

    def hits(self, path: str = "/robots.txt", host: str = "127.0.0.1") -> int:
        with self._lock:
            return self.requests[host, path]

    def count(self, host: str, path: str) -> None:
        with self._lock:
            self.requests[host, path] += 1


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        self.server.count(host, self.path)
        reply = self.server.replies.get(self.path, Reply(404, b"no such page"))
        if reply.hold:
            self.server.arrived.set()
            self.server.release.wait()
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


# --- helpers --------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def resolve(host: str, port: int) -> list[str]:
    if host not in NAMES:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return [NAMES[host]]


@asynccontextmanager
async def robots_rules(
    policy: NetworkPolicy = POLICY, user_agent: str = USER_AGENT, **options: Any
) -> AsyncIterator[RobotsRules]:
    async with GuardedClient(policy, resolver=resolve) as client:
        yield RobotsRules(client, user_agent, **options)


async def refusal(rules: RobotsRules, url: httpx.URL) -> str:
    """The message of the refusal `check` must raise, hint included."""
    with pytest.raises(AccessDenied) as refused:
        await rules.check(url)
    return str(refused.value)


async def verdicts(
    site: Site, robots_txt: str | bytes, paths: list[str], user_agent: str = USER_AGENT
) -> list[bool]:
    """Whether each path is allowed by `robots_txt`, for `user_agent`."""
    site.robots(robots_txt)
    allowed = []
    async with robots_rules(user_agent=user_agent) as rules:
        for path in paths:
            try:
                await rules.check(site.url(path))
                allowed.append(True)
            except AccessDenied:
                allowed.append(False)
    return allowed


# --- what the rules say ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_disallowed_path_is_refused_and_the_rest_allowed(site: Site) -> None:
    robots = "User-agent: *\nDisallow: /private/\n"
    paths = ["/private/notes", "/private/", "/private", "/privateer", "/", "/public?q=1"]
    assert await verdicts(site, robots, paths) == [False, False, True, True, True, True]


@pytest.mark.anyio
async def test_wildcards_and_end_anchors(site: Site) -> None:
    robots = "User-agent: *\nDisallow: /*.pdf$\nDisallow: /tmp*/cache\nDisallow: /exact$\n"
    paths = [
        "/a/b.pdf",
        "/b.pdf?x=1",
        "/b.pdfs",
        "/tmp1/x/cache/y",
        "/tmp/cache",
        "/tmpx",
        "/exact",
        "/exact/",
    ]
    assert await verdicts(site, robots, paths) == [False, True, True, False, False, True, False, True]


@pytest.mark.anyio
async def test_the_longest_match_decides_and_allow_wins_a_tie(site: Site) -> None:
    robots = (
        "User-agent: *\nDisallow: /docs/\nAllow: /docs/public/\n"
        "Allow: /shop\nDisallow: /shop/cart\nAllow: /same\nDisallow: /same\n"
    )
    paths = ["/docs/public/a", "/docs/draft", "/shop/items", "/shop/cart/1", "/same/x"]
    assert await verdicts(site, robots, paths) == [True, False, True, False, True]


@pytest.mark.anyio
async def test_a_group_for_our_product_token_replaces_the_star_group(site: Site) -> None:
    robots = "User-agent: *\nDisallow: /\n\nUser-agent: Moorings-Fetch\nDisallow: /secret\n"
    paths = ["/page", "/secret/plan"]
    assert await verdicts(site, robots, paths) == [True, False]
    assert await verdicts(site, robots, paths, user_agent="OtherBot/2.0") == [False, False]


@pytest.mark.anyio
async def test_the_product_token_matches_ignoring_case_and_version_but_not_as_a_prefix(site: Site) -> None:
    assert await verdicts(site, "User-agent: MOORINGS-fetch/9.9\nDisallow: /x\n", ["/x", "/y"]) == [
        False,
        True,
    ]
    # `Moorings` is another crawler's name, not a prefix rule that binds Moorings-Fetch.
    robots = "User-agent: Moorings\nDisallow: /\n\nUser-agent: *\nDisallow: /star-only\n"
    assert await verdicts(site, robots, ["/x", "/star-only"]) == [True, False]


@pytest.mark.anyio
async def test_groups_that_bind_us_are_combined_and_share_user_agent_lines(site: Site) -> None:
    robots = (
        "User-agent: OtherBot\nUser-agent: moorings-fetch\nDisallow: /one\n\n"
        "User-agent: *\nDisallow: /star\n\n"
        "User-agent: Moorings-Fetch\nDisallow: /two\n"
    )
    assert await verdicts(site, robots, ["/one", "/two", "/star"]) == [False, False, True]


@pytest.mark.anyio
async def test_rules_outside_groups_and_other_records_are_ignored(site: Site) -> None:
    robots = (
        "Disallow: /before-any-group\n"
        "Sitemap: https://example.test/sitemap.xml\n"
        "User-agent: *\n"
        "Crawl-delay: 5\n"
        "Disallow: /a # a comment\n"
        "disallow /no-colon\n"
        "Dissallow: /misspelled\n"
        "Disallow:\n"
        "Host: example.test\n"
    )
    paths = ["/before-any-group", "/a", "/no-colon", "/misspelled", "/b"]
    assert await verdicts(site, robots, paths) == [True, False, False, False, True]


@pytest.mark.anyio
async def test_robots_txt_itself_is_always_allowed(site: Site) -> None:
    assert await verdicts(site, "User-agent: *\nDisallow: /\n", ["/robots.txt", "/index.html"]) == [
        True,
        False,
    ]


@pytest.mark.anyio
async def test_percent_encoding_is_compared_as_rfc_9309_says(site: Site) -> None:
    robots = "User-agent: *\nDisallow: /%7Ejoe/\nDisallow: /~ann/\nDisallow: /a%2Fb\nDisallow: /café/\n"
    paths = [
        "/~joe/notes",  # an unreserved character matches its percent-encoding...
        "/%7Eann/notes",  # ...either way round
        "/a/b",  # an encoded "/" is not a path separator
        "/a%2fb",
        "/café/menu",  # httpx sends it as /caf%C3%A9/menu
        "/caf%C3%A9/menu",
        "/cafe/menu",
    ]
    assert await verdicts(site, robots, paths) == [False, False, True, False, False, False, True]


@pytest.mark.anyio
async def test_bytes_that_are_not_utf8_and_a_byte_order_mark_are_tolerated(site: Site) -> None:
    robots = b"\xef\xbb\xbfUser-agent: *\n\xff\xfe junk \x80\nDisallow: /caf\xe9/\nDisallow: /after\n"
    paths = ["/caf%E9/menu", "/caf%FF/menu", "/caf%C3%A9/menu", "/after", "/other"]
    # The Latin-1 é (the byte E9) reads as any byte that is not UTF-8, never as the UTF-8 é (%C3%A9).
    assert await verdicts(site, robots, paths) == [False, False, True, False, True]


@pytest.mark.anyio
async def test_only_the_first_500_kib_are_read_and_a_cut_line_is_dropped(site: Site) -> None:
    head = b"User-agent: *\nDisallow: /early/\n"
    cut_line = b"Disallow: /private-area\n"
    room = MAX_PARSED_BYTES - len(b"Disallow: /pri") - len(head)
    padding = b"# padding\n" * (room // 10 - 1)
    filler = b"#" * (room - len(padding) - 1) + b"\n"
    body = head + padding + filler + cut_line + b"Disallow: /late/\n" + b"# more\n" * 20_000
    assert body[:MAX_PARSED_BYTES].endswith(b"Disallow: /pri")  # the 500 KiB mark cuts this line
    assert len(body) > 600 * 1024
    site.robots(body)
    async with robots_rules() as rules:
        await refusal(rules, site.url("/early/page"))
        await rules.check(site.url("/print"))  # not refused by a `Disallow: /pri` left by the cut
        await rules.check(site.url("/private-area"))
        await rules.check(site.url("/late/page"))
    assert site.hits() == 1


# --- what the server answered ---------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("status", [404, 410, 400])
async def test_no_robots_txt_allows_everything(site: Site, status: int) -> None:
    site.robots("User-agent: *\nDisallow: /\n", status=status)
    async with robots_rules() as rules:
        await rules.check(site.url("/anything"))
        await rules.check(site.url("/else"))
    assert site.hits() == 1


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "phrase"), [(401, "Unauthorized"), (403, "Forbidden")])
async def test_a_robots_txt_behind_401_or_403_refuses_everything(
    site: Site, status: int, phrase: str
) -> None:
    site.robots("", status=status)
    async with robots_rules() as rules:
        message = await refusal(rules, site.url("/page"))
    assert f"answered with status {status} {phrase}" in message
    assert site.url("/page").path in message
    assert all(way in message for way in WAYS_OUT)


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "phrase"), [(500, "Internal Server Error"), (503, "Service Unavailable")])
async def test_a_server_error_refuses_for_a_short_while_then_robots_txt_is_asked_again(
    site: Site, status: int, phrase: str
) -> None:
    site.robots("", status=status)
    clock = Clock()
    async with robots_rules(clock=clock) as rules:
        message = await refusal(rules, site.url("/page"))
        clock.now += FAILURE_TTL - 1
        await refusal(rules, site.url("/other"))
        assert site.hits() == 1
        site.robots("User-agent: *\nDisallow: /other\n")  # the site recovers
        clock.now += 1
        await rules.check(site.url("/page"))
        await refusal(rules, site.url("/other"))
    assert site.hits() == 2
    assert f"answered with status {status} {phrase}" in message
    assert "assume it does not" in message
    assert all(way in message for way in WAYS_OUT)


@pytest.mark.anyio
async def test_429_is_a_server_error_not_a_missing_robots_txt(site: Site) -> None:
    site.robots("", status=429)
    async with robots_rules() as rules:
        assert "status 429 Too Many Requests" in await refusal(rules, site.url("/page"))


@pytest.mark.anyio
async def test_a_connection_refused_refuses_the_page(site: Site) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed when the block ends: nothing listens there
    async with robots_rules() as rules:
        message = await refusal(rules, httpx.URL(f"http://127.0.0.1:{port}/page"))
    assert f"robots.txt (http://127.0.0.1:{port}/robots.txt) could not be read" in message
    assert all(way in message for way in WAYS_OUT)


@pytest.mark.anyio
async def test_a_name_that_does_not_resolve_refuses_the_page() -> None:
    policy = NetworkPolicy(allowed_hosts=frozenset({"nowhere.test"}))
    async with robots_rules(policy) as rules:
        message = await refusal(rules, httpx.URL("http://nowhere.test/page"))
    assert "Could not resolve the host name nowhere.test" in message
    assert all(way in message for way in WAYS_OUT)


@pytest.mark.anyio
async def test_a_robots_txt_that_never_comes_refuses_the_page(site: Site) -> None:
    site.replies["/robots.txt"] = Reply(hold=True)
    policy = NetworkPolicy(allowed_hosts=POLICY.allowed_hosts, total_timeout=0.5)
    async with robots_rules(policy) as rules:
        message = await refusal(rules, site.url("/page"))
    assert "did not finish within the 0.5 s limit" in message
    assert all(way in message for way in WAYS_OUT)


@pytest.mark.anyio
async def test_a_robots_txt_the_network_policy_refuses_gives_the_policys_reason(site: Site) -> None:
    async with robots_rules(NetworkPolicy(allowed_hosts=frozenset({"a.test"}))) as rules:
        message = await refusal(rules, site.url("/page", host="unlisted.test"))
    assert "it resolves to 127.0.0.1, which is not a public address (loopback)" in message
    assert f"--allow-host unlisted.test:{site.port}" in message
    assert site.hits(host="unlisted.test") == 0


# --- redirects ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_redirected_robots_txt_is_followed(site: Site) -> None:
    site.replies["/robots.txt"] = Reply(301, headers={"Location": "/real-robots.txt"})
    site.replies["/real-robots.txt"] = Reply(body=b"User-agent: *\nDisallow: /private\n")
    async with robots_rules() as rules:
        await rules.check(site.url("/public"))
        await refusal(rules, site.url("/private"))
    assert (site.hits(), site.hits("/real-robots.txt")) == (1, 1)


@pytest.mark.anyio
async def test_a_redirect_loop_refuses_the_page(site: Site) -> None:
    site.replies["/robots.txt"] = Reply(302, headers={"Location": "/robots.txt"})
    async with robots_rules() as rules:
        message = await refusal(rules, site.url("/page"))
    assert "redirected more than 5 times" in message
    assert site.hits() == 6


@pytest.mark.anyio
async def test_a_redirect_that_cannot_be_followed_refuses_the_page(site: Site) -> None:
    site.replies["/robots.txt"] = Reply(300)  # Multiple Choices, no Location to follow
    async with robots_rules() as rules:
        assert "status 300 Multiple Choices" in await refusal(rules, site.url("/page"))


# --- caching --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_robots_txt_is_fetched_once_per_origin_for_24_hours(site: Site) -> None:
    site.robots("User-agent: *\nDisallow: /private\n")
    clock = Clock()
    async with robots_rules(clock=clock) as rules:
        for path in ["/a", "/b", "/c?x=1", "/a"]:
            await rules.check(site.url(path))
        await refusal(rules, site.url("/private"))
        clock.now += RULES_TTL - 1
        await rules.check(site.url("/d"))
        assert site.hits() == 1
        site.robots("User-agent: *\nDisallow: /d\n")
        clock.now += 1
        await refusal(rules, site.url("/d"))
        await rules.check(site.url("/private"))
    assert site.hits() == 2


@pytest.mark.anyio
async def test_each_origin_has_its_own_robots_txt(site: Site) -> None:
    site.robots("User-agent: *\nDisallow: /\n")
    async with robots_rules() as rules:
        await refusal(rules, site.url("/x", host="a.test"))
        await refusal(rules, site.url("/x", host="b.test"))
        await refusal(rules, site.url("/y", host="a.test"))
        with pytest.raises(AccessDenied, match="could not be read"):  # https: another origin, no TLS here
            await rules.check(httpx.URL(f"https://a.test:{site.port}/x"))
    assert (site.hits(host="a.test"), site.hits(host="b.test")) == (1, 1)


@pytest.mark.anyio
async def test_concurrent_checks_of_one_origin_share_one_fetch(site: Site) -> None:
    site.replies["/robots.txt"] = Reply(body=b"User-agent: *\nDisallow: /private\n", hold=True)
    outcomes: list[str] = []

    async with robots_rules() as rules:

        async def check(path: str) -> None:
            try:
                await rules.check(site.url(path))
                outcomes.append("allowed")
            except AccessDenied:
                outcomes.append("refused")

        async with anyio.create_task_group() as group:
            for index in range(10):
                group.start_soon(check, "/private" if index % 2 else f"/page{index}")
            await anyio.to_thread.run_sync(site.arrived.wait)
            site.release.set()
    assert sorted(outcomes) == ["allowed"] * 5 + ["refused"] * 5
    assert site.hits() == 1


@pytest.mark.anyio
async def test_when_the_fetching_check_is_cancelled_a_waiting_check_fetches(site: Site) -> None:
    site.replies["/robots.txt"] = Reply(body=b"User-agent: *\nDisallow: /private\n", hold=True)
    outcomes: list[str] = []
    async with robots_rules() as rules, anyio.create_task_group() as group:
        first = anyio.CancelScope()

        async def fetching() -> None:
            with first:
                await rules.check(site.url("/page"))
            outcomes.append("cancelled" if first.cancelled_caught else "finished")

        async def waiting() -> None:
            outcomes.append(await refusal(rules, site.url("/private")))

        group.start_soon(fetching)
        await anyio.to_thread.run_sync(site.arrived.wait)
        group.start_soon(waiting)
        await anyio.wait_all_tasks_blocked()
        site.replies["/robots.txt"] = Reply(body=b"User-agent: *\nDisallow: /private\n")
        first.cancel()
    assert outcomes[0] == "cancelled"
    assert "`Disallow: /private` (line 2)" in outcomes[1]
    assert site.hits() == 2


@pytest.mark.anyio
async def test_the_cache_keeps_the_most_recently_used_origins(site: Site) -> None:
    site.robots("User-agent: *\nDisallow: /private\n")
    async with robots_rules(max_origins=2) as rules:
        for host in ["a.test", "b.test", "a.test", "c.test", "a.test", "b.test"]:
            await rules.check(site.url("/page", host=host))
    # b.test was the least recently used when c.test came, so it is fetched again.
    assert [site.hits(host=host) for host in ["a.test", "b.test", "c.test"]] == [1, 2, 1]


@pytest.mark.anyio
async def test_the_cache_is_bounded_by_the_size_of_the_rules_it_holds(site: Site) -> None:
    site.robots("User-agent: *\n" + "".join(f"Disallow: /dir{index}/\n" for index in range(100)))
    async with robots_rules(max_rule_bytes=1000) as rules:  # one site's rules (about 700 bytes) fit
        for host in ["a.test", "b.test", "a.test"]:
            await rules.check(site.url("/page", host=host))
    assert (site.hits(host="a.test"), site.hits(host="b.test")) == (2, 1)


# --- messages -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_refusal_quotes_the_rule_and_says_what_the_user_can_do(site: Site) -> None:
    site.robots("# rules\nUser-agent: *\nDisallow: /dir\n\nUser-agent: moorings-fetch\nDisallow: /dir/sub\n")
    async with robots_rules() as rules:
        message = await refusal(rules, site.url("/dir/sub/page"))
    robots_url = f"http://127.0.0.1:{site.port}/robots.txt"
    assert message.startswith(
        f"http://127.0.0.1:{site.port}/dir/sub/page was not fetched: the site's robots.txt ({robots_url})"
        " does not allow Moorings-Fetch to fetch it. `Disallow: /dir/sub` (line 6) in the group for"
        " `User-agent: moorings-fetch` matches this URL."
    )
    assert all(way in message for way in WAYS_OUT)


@pytest.mark.anyio
async def test_the_quote_is_the_longest_matching_rule_and_is_kept_short(site: Site) -> None:
    long_pattern = "/long/" + "x" * 1000
    site.robots(
        f"User-agent: *\nDisallow: /long/\nDisallow: /lo\nDisallow: {long_pattern}\nAllow: /long/ok\n"
    )
    async with robots_rules() as rules:
        short = await refusal(rules, site.url("/long/page"))
        long = await refusal(rules, site.url(long_pattern + "/page"))
    assert "`Disallow: /long/` (line 2) in the group for `User-agent: *`" in short
    assert "`Disallow: /long/xxx" in long
    assert "…` (line 4)" in long
    assert len(long) < 1000  # the URL and the rule are shortened; the rule matched all of the URL


@pytest.mark.anyio
async def test_a_user_agent_without_a_product_token_is_refused() -> None:
    async with GuardedClient(POLICY) as client:
        with pytest.raises(InvalidInput, match="does not start with a product token"):
            RobotsRules(client, "1.0 (no name)")
        assert RobotsRules(client, "  My_Bot-X/3 (compatible)").product_token == "My_Bot-X"
