"""The fetch tool attacked through its URL: every spelling of this machine, other schemes, private and
cloud metadata addresses, redirects to any of them, and DNS answers that point home.

Each test runs beside a canary (`tests.fetch.hostile`), a listener on 127.0.0.1 whose port no rule
allows: hostile URLs spell its address and port in every form a URL can, and it must count no
connection. In the same session the test fetches a page from the allowed test site, which must work:
a server that refused everything would pass the rest. Addresses that cannot be served here (private
networks, cloud metadata) are guarded by an audit hook that fails any connection off loopback
(`tests.core.web_world.loopback_only`), so a bug fails the test instead of leaving the machine. Host
names are answered by `FakeDNS`, given to the server as its resolver.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from mcp import Client

from moorings_core.testing import ERAS, Era, connect, refusal, succeeded
from tests.core.web_world import PUBLIC_IP, FakeDNS, loopback_only
from tests.fetch.helpers import server_for
from tests.fetch.hostile import Canary, serve_canary
from tests.fetch.site import Site, serve_site

pytestmark = pytest.mark.anyio

HOME = "<html><head><title>Harbour</title></head><body><p>Harbour news.</p></body></html>"
ASK_THE_OPERATOR = ("Only public internet addresses are allowed", "--allow-host", "--allow-private-network")


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


async def fetch_home(client: Client, site: Site, host: str | None = None) -> None:
    """The legitimate fetch beside every attack: the allowed site's page, which must come back."""
    site.page("/", HOME)
    url = f"http://{host or site.host}/"
    text, data = succeeded(await client.call_tool("fetch", {"url": url}))
    assert text == f"Contents of {url}:\n# Harbour\n\nHarbour news."
    assert data["finalUrl"] == url


async def refused(client: Client, url: str) -> str:
    """The message of a fetch that must fail."""
    return refusal(await client.call_tool("fetch", {"url": url}))


def assert_says_what_to_allow(message: str) -> None:
    for words in ASK_THE_OPERATOR:
        assert words in message, message


# --- this machine, spelled every way a URL can ---------------------------------------------------

SPELLS = "it spells the IP address 127.0.0.1, which is not public (loopback)"
INSIDE_IPV6 = "(loopback (IPv4 127.0.0.1 inside IPv6))"
LOCALHOST = "localhost names always mean this machine (loopback)"

THIS_MACHINE = [
    ("http://127.0.0.1:{port}/", "it is not a public address (loopback)"),
    ("HTTP://127.0.0.1:{port}/", "it is not a public address (loopback)"),
    ("http://2130706433:{port}/", SPELLS),
    ("http://0x7f000001:{port}/", SPELLS),
    ("http://0x7f.1:{port}/", SPELLS),
    ("http://127.1:{port}/", SPELLS),
    ("http://017700000001:{port}/", SPELLS),
    ("http://127.0.0.1.:{port}/", SPELLS),
    ("http://0x7f.0.0.0x1:{port}/", SPELLS),
    ("http://127.0.0.1:0{port}/", "it is not a public address (loopback)"),
    (
        "http://127\u30020\u30020\u30021:{port}/",
        "Refused to connect to 127.0.0.1: it is not a public address",
    ),
    ("http://[::ffff:127.0.0.1]:{port}/", INSIDE_IPV6),
    ("http://[::ffff:7f00:1]:{port}/", INSIDE_IPV6),
    ("http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/", INSIDE_IPV6),
    ("http://[::ffff:127.0.0.1%25lo]:{port}/", INSIDE_IPV6),
    ("http://[64:ff9b::7f00:1]:{port}/", INSIDE_IPV6),
    ("http://[::127.0.0.1]:{port}/", INSIDE_IPV6),
    ("http://[2002:7f00:1::1]:{port}/", INSIDE_IPV6),
    ("http://[::1]:{port}/", "it is not a public address (loopback)"),
    ("http://0.0.0.0:{port}/", "it is not a public address (unspecified)"),
    ("http://0:{port}/", "it spells the IP address 0.0.0.0, which is not public (unspecified)"),
    ("http://0x0:{port}/", "it spells the IP address 0.0.0.0, which is not public (unspecified)"),
    ("http://[::]:{port}/", "it is not a public address (unspecified)"),
    ("http://localhost:{port}/", LOCALHOST),
    ("http://LOCALHOST:{port}/", LOCALHOST),
    ("http://localhost.:{port}/", LOCALHOST),
    ("http://harbour.localhost:{port}/", LOCALHOST),
]


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize(("url", "why"), THIS_MACHINE)
async def test_every_spelling_of_this_machine_is_refused(
    site: Site, canary: Canary, url: str, why: str, era: Era
) -> None:
    async with connect(server_for(site), era=era) as client:
        await fetch_home(client, site)
        message = await refused(client, url.format(port=canary.port))
    assert why in message
    assert_says_what_to_allow(message)
    assert f":{canary.port}" in message  # the --allow-host entry named is for this port
    assert canary.connections == 0


DISGUISED_OR_FOREIGN = [
    # Credentials in a URL disguise its host: the part before @ looks like the allowed site.
    ("http://{site}@127.0.0.1:{port}/", "has a user name or password before '@'"),
    ("http://127.0.0.1:{port}\\@{site}/", "has a user name or password before '@'"),
    ("http://%31%32%37.0.0.1:{port}/", "is written like an IP address but is not a valid one"),
    ("http://127.0.0.%31:{port}/", "is not a valid host name"),
    ("http://loc%61lhost:{port}/", "is not a valid host name"),
    # httpx refuses these outright; a resolver might have read 127.0.0.1 in the first two.
    ("http://0177.0.0.1:{port}/", "is not a valid URL: Invalid IPv4 address"),
    ("http://127.000.000.001:{port}/", "is not a valid URL: Invalid IPv4 address"),
    ("http://127.0.0.1\t:{port}/", "is not a valid URL: Invalid non-printable ASCII character"),
    ("http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3:{port}/", "Invalid IDNA hostname"),
    ("http:/127.0.0.1:{port}/", "has no host"),
    ("//127.0.0.1:{port}/", "has no scheme"),
    ("file:///etc/passwd", "uses the file: scheme; only http and https URLs can be fetched"),
    ("gopher://127.0.0.1:{port}/_GET%20/", "uses the gopher: scheme; only http and https"),
    ("ftp://127.0.0.1:{port}/", "uses the ftp: scheme; only http and https"),
    ("dict://127.0.0.1:{port}/info", "uses the dict: scheme; only http and https"),
    ("data:text/html,<p>hi</p>", "uses the data: scheme; only http and https"),
]


@pytest.mark.parametrize(("url", "why"), DISGUISED_OR_FOREIGN)
async def test_disguised_hosts_and_other_schemes_are_refused(
    site: Site, canary: Canary, url: str, why: str
) -> None:
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        message = await refused(client, url.format(port=canary.port, site=site.host))
    assert why in message
    assert canary.connections == 0


async def test_an_at_sign_after_the_host_does_not_move_the_request(site: Site, canary: Canary) -> None:
    # Parsers that disagree on where the host ends have sent such URLs to the part after the @.
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        fragment = await client.call_tool("fetch", {"url": f"http://{site.host}#@127.0.0.1:{canary.port}/"})
        query = await refused(client, f"http://{site.host}?@127.0.0.1:{canary.port}/")
    assert "Harbour news." in succeeded(fragment)[0]
    assert len(site.requests("/")) == 2  # the fragment stays here
    assert f"Failed to fetch http://{site.host}?@127.0.0.1:{canary.port}/ - status code 404" in query
    assert site.requests(f"/?@127.0.0.1:{canary.port}/") != []
    assert canary.connections == 0


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:{port}/", "http://2130706433:{port}/", "http://[::ffff:7f00:1]:{port}/"]
)
async def test_the_prompt_refuses_this_machine_too(site: Site, canary: Canary, url: str) -> None:
    hostile = url.format(port=canary.port)
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        result = await client.get_prompt("fetch", {"url": hostile})
    message = result.messages[0].content.text  # type: ignore[union-attr]
    assert message.startswith(f"Failed to fetch {hostile}: Refused to connect to")
    assert_says_what_to_allow(message)
    assert canary.connections == 0


# --- addresses that cannot be served here: refused before any connection -------------------------

ELSEWHERE = [
    ("http://10.0.0.1/", "(private)"),
    ("http://172.16.5.4/", "(private)"),
    ("http://192.168.1.1/", "(private)"),
    ("http://3232235777/", "spells the IP address 192.168.1.1, which is not public (private)"),
    ("http://169.254.1.1/", "(link-local)"),
    ("http://100.64.0.1/", "(carrier-grade NAT)"),
    ("http://[fe80::1]/", "(link-local)"),
    ("http://[fc00::1]/", "(unique local (private))"),
    ("http://[fd12:3456::1]/", "(unique local (private))"),
    ("http://[::ffff:10.0.0.1]/", "(private (IPv4 10.0.0.1 inside IPv6))"),
    ("http://[64:ff9b::a00:1]/", "(private (IPv4 10.0.0.1 inside IPv6))"),
]

METADATA = [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("http://2852039166/latest/meta-data/", "169.254.169.254"),
    ("http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"),
    ("http://[::ffff:169.254.169.254]/", "IPv4 169.254.169.254 inside IPv6"),
    ("http://[64:ff9b::a9fe:a9fe]/", "IPv4 169.254.169.254 inside IPv6"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),
    ("http://100.100.100.200/latest/meta-data/", "100.100.100.200"),
    ("http://169.254.170.2/v2/credentials/", "169.254.170.2"),
]


@pytest.mark.parametrize(("url", "kind"), ELSEWHERE)
async def test_private_and_link_local_addresses_are_refused_before_any_connection(
    site: Site, canary: Canary, url: str, kind: str
) -> None:
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        message = await refused(client, url)
    assert kind in message
    assert_says_what_to_allow(message)
    assert canary.connections == 0


@pytest.mark.parametrize("allow_private_network", [False, True])
@pytest.mark.parametrize(("url", "address"), METADATA)
async def test_cloud_metadata_is_refused_even_when_private_networks_are_allowed(
    site: Site, canary: Canary, url: str, address: str, allow_private_network: bool
) -> None:
    async with connect(server_for(site, allow_private_network=allow_private_network)) as client:
        await fetch_home(client, site)
        message = await refused(client, url)
    assert address in message
    assert "(cloud metadata" in message
    assert "hands out the cloud machine's credentials" in message
    assert "Neither --allow-private-network nor an allowed host name admits it" in message
    assert canary.connections == 0


# --- redirects: each hop is checked before it is requested ---------------------------------------

ALLOWABLE = True  # a refusal the operator could lift, which says how

HOSTILE_LOCATIONS = [
    ("http://127.0.0.1:{port}/", "it is not a public address (loopback)", ALLOWABLE),
    ("//127.0.0.1:{port}/", "it is not a public address (loopback)", ALLOWABLE),  # protocol-relative
    ("https://127.0.0.1:{port}/", "it is not a public address (loopback)", ALLOWABLE),
    ("http://2130706433:{port}/", SPELLS, ALLOWABLE),
    ("http://0x7f000001:{port}/", SPELLS, ALLOWABLE),
    ("http://127.1:{port}/", SPELLS, ALLOWABLE),
    ("http://[::ffff:127.0.0.1]:{port}/", INSIDE_IPV6, ALLOWABLE),
    ("http://[64:ff9b::7f00:1]:{port}/", INSIDE_IPV6, ALLOWABLE),
    ("http://0.0.0.0:{port}/", "(unspecified)", ALLOWABLE),
    ("http://localhost:{port}/", LOCALHOST, ALLOWABLE),
    ("http://harbour.localhost:{port}/", LOCALHOST, ALLOWABLE),
    ("http://10.0.0.1/", "(private)", ALLOWABLE),
    ("http://169.254.169.254/latest/meta-data/", "(cloud metadata)", ALLOWABLE),
    ("http://[fd00:ec2::254]/", "(cloud metadata)", ALLOWABLE),
    ("http://100.100.100.200/", "(cloud metadata)", ALLOWABLE),
    ("http://{site}@127.0.0.1:{port}/", "has a user name or password before '@'", not ALLOWABLE),
    ("file:///etc/passwd", "uses the file: scheme", not ALLOWABLE),
    ("gopher://127.0.0.1:{port}/_GET%20/", "uses the gopher: scheme", not ALLOWABLE),
    ("dict://127.0.0.1:{port}/info", "uses the dict: scheme", not ALLOWABLE),
    ("ftp://127.0.0.1:{port}/", "uses the ftp: scheme", not ALLOWABLE),
    # httpx cannot even build a URL from these: the redirect is refused as invalid.
    ("data:text/html,<p>hi</p>", "redirected to an invalid URL", not ALLOWABLE),
    ("http:127.0.0.1:{port}/", "redirected to an invalid URL", not ALLOWABLE),
]


def redirect_from(site: Site, location: str, status: int = 302, path: str = "/away") -> str:
    site.page(path, b"", status=status, headers={"Location": location}, content_type="")
    return site.url(path)


@pytest.mark.parametrize(("location", "why", "allowable"), HOSTILE_LOCATIONS)
async def test_a_redirect_to_a_refused_place_is_refused_before_the_hop(
    site: Site, canary: Canary, location: str, why: str, allowable: bool
) -> None:
    away = redirect_from(site, location.format(port=canary.port, site=site.host))
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        message = await refused(client, away)
    assert f"{away} redirected to" in message
    assert why in message
    assert ("--allow-host" in message) is allowable
    assert canary.connections == 0
    assert [request.path for request in site.requests()] == ["/robots.txt", "/", "/away"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_every_redirect_status_is_checked(site: Site, canary: Canary, status: int) -> None:
    locations = [
        "http://127.0.0.1:{port}/",
        "//127.0.0.1:{port}/",
        "http://169.254.169.254/",
        "file:///etc/passwd",
    ]
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        for number, location in enumerate(locations):
            away = redirect_from(site, location.format(port=canary.port), status, path=f"/away{number}")
            message = await refused(client, away)
            assert f"{away} redirected to" in message
    assert canary.connections == 0


@pytest.mark.parametrize(
    "location", ["/\\127.0.0.1:{port}/", "\\\\127.0.0.1:{port}/", "/.//127.0.0.1:{port}/"]
)
async def test_a_relative_redirect_stays_on_the_site(site: Site, canary: Canary, location: str) -> None:
    # Browsers read a backslash as a slash, which makes the first two leave for 127.0.0.1; httpx reads
    # them as paths on the same site. Either way the canary is not reached.
    away = redirect_from(site, location.format(port=canary.port))
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        message = await refused(client, away)
    assert "status code 404" in message
    assert canary.connections == 0


async def test_a_redirect_to_a_name_for_this_machine_is_refused_when_it_resolves(
    site: Site, canary: Canary
) -> None:
    away = redirect_from(site, f"http://rebound.test:{canary.port}/")
    dns = FakeDNS({"rebound.test": ["127.0.0.1"]})
    async with connect(server_for(site, resolver=dns)) as client:
        await fetch_home(client, site)
        message = await refused(client, away)
    assert f"{away} redirected to http://rebound.test:{canary.port}/" in message
    assert "it resolves to 127.0.0.1, which is not a public address (loopback)" in message
    assert_says_what_to_allow(message)
    assert canary.connections == 0


async def test_a_robots_txt_that_redirects_to_this_machine_refuses_the_page(
    site: Site, canary: Canary
) -> None:
    site.page("/robots.txt", b"", status=301, headers={"Location": f"http://127.0.0.1:{canary.port}/"})
    site.page("/news", HOME)
    with serve_site() as other:
        async with connect(server_for(allow_host=[site.host, other.host])) as client:
            await fetch_home(client, other)
            message = await refused(client, site.url("/news"))
    assert f"reading the site's robots.txt ({site.url('/robots.txt')}) first was refused" in message
    assert f"redirected to http://127.0.0.1:{canary.port}/" in message
    assert canary.connections == 0
    assert site.requests("/news") == []


async def test_redirects_are_followed_up_to_five_hops(site: Site, canary: Canary) -> None:
    for hop in range(5):
        redirect_from(site, f"/hop{hop + 1}", path=f"/hop{hop}")
    site.page("/hop5", HOME)
    async with connect(server_for(site)) as client:
        text, data = succeeded(await client.call_tool("fetch", {"url": site.url("/hop0")}))
    assert "Harbour news." in text
    assert data["finalUrl"] == site.url("/hop5")
    assert canary.connections == 0


async def test_a_sixth_redirect_is_refused_with_the_limit(site: Site, canary: Canary) -> None:
    for hop in range(6):
        redirect_from(site, f"/hop{hop + 1}", path=f"/hop{hop}")
    site.page("/hop6", HOME)
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        message = await refused(client, site.url("/hop0"))
    assert f"{site.url('/hop0')} redirected more than 5 times" in message
    assert f"the last hop pointed to {site.url('/hop6')}" in message
    assert site.requests("/hop6") == []
    assert canary.connections == 0


async def test_a_redirect_loop_stops_at_the_limit(site: Site, canary: Canary) -> None:
    loop = redirect_from(site, "/loop", path="/loop")
    async with connect(server_for(site)) as client:
        await fetch_home(client, site)
        message = await refused(client, loop)
    assert f"{loop} redirected more than 5 times" in message
    assert len(site.requests("/loop")) == 6  # the first request and five hops
    assert canary.connections == 0


# --- DNS: every answer checked, and the connection made to the address checked -------------------

NAMES_FOR_THIS_MACHINE = {
    "mixed.test": [PUBLIC_IP, "127.0.0.1"],  # one bad answer among good ones is enough to refuse
    "mapped.test": ["::ffff:127.0.0.1"],
    "six.test": ["::1"],
    "zero.test": ["0.0.0.0"],
}


@pytest.mark.parametrize("name", sorted(NAMES_FOR_THIS_MACHINE))
async def test_a_name_that_resolves_to_this_machine_is_refused(site: Site, canary: Canary, name: str) -> None:
    dns = FakeDNS(NAMES_FOR_THIS_MACHINE)
    async with connect(server_for(site, resolver=dns)) as client:
        await fetch_home(client, site)
        message = await refused(client, f"http://{name}:{canary.port}/")
    assert f"Refused to connect to {name}: it resolves to " in message
    assert "which is not a public address" in message
    assert_says_what_to_allow(message)
    assert canary.connections == 0


@pytest.fixture
def canary_at_the_sites_port(site: Site) -> Iterator[Canary]:
    """A canary on 127.0.0.2 at the site's port: the same URL reaches one or the other by address."""
    with ExitStack() as stack:
        try:
            canary = stack.enter_context(serve_canary("127.0.0.2", site.port))
        except OSError as exc:  # only Linux routes all of 127.0.0.0/8 to loopback by default
            pytest.skip(f"cannot listen on 127.0.0.2 here: {exc}")
        yield canary


@pytest.mark.parametrize("era", ERAS)
async def test_dns_rebinding_cannot_move_a_connection_to_an_address_not_checked(
    site: Site, canary_at_the_sites_port: Canary, era: Era
) -> None:
    canary = canary_at_the_sites_port
    # The first answer is the allowed site, every later one the canary: a client that checked one
    # lookup and connected after another would reach the canary.
    dns = FakeDNS({"tides.test": ["127.0.0.1"]}, then={"tides.test": ["127.0.0.2"]})
    site.page("/tides", HOME, headers={"Connection": "close"})  # so the next fetch needs a new connection
    settings: dict[str, Any] = {"allow_host": [site.host], "ignore_robots_txt": True}
    async with connect(server_for(resolver=dns, **settings), era=era) as client:
        text, _ = succeeded(await client.call_tool("fetch", {"url": f"http://tides.test:{site.port}/tides"}))
        later = await refused(client, f"http://tides.test:{site.port}/tides?again")
    assert "Harbour news." in text
    assert [request.headers["host"] for request in site.requests("/tides")] == [f"tides.test:{site.port}"]
    assert "Refused to connect to tides.test: it resolves to 127.0.0.2" in later
    assert dns.lookups == ["tides.test", "tides.test"]
    assert canary.connections == 0


async def test_an_allowed_name_is_allowed_only_on_its_port(site: Site, canary: Canary) -> None:
    dns = FakeDNS({"harbour.test": ["127.0.0.1"]})
    async with connect(server_for(resolver=dns, allow_host=[f"harbour.test:{site.port}"])) as client:
        await fetch_home(client, site, host=f"harbour.test:{site.port}")
        message = await refused(client, f"http://harbour.test:{canary.port}/")
    assert "it resolves to 127.0.0.1, which is not a public address (loopback)" in message
    assert f"--allow-host harbour.test:{canary.port}" in message
    assert canary.connections == 0


@pytest.mark.parametrize("allow_private_network", [False, True])
@pytest.mark.parametrize("metadata", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200"])
async def test_an_allowed_name_that_resolves_to_cloud_metadata_is_refused(
    site: Site, canary: Canary, metadata: str, allow_private_network: bool
) -> None:
    dns = FakeDNS({"instance.test": [metadata]})
    settings: dict[str, Any] = {
        "allow_host": [site.host, "instance.test"],
        "allow_private_network": allow_private_network,
    }
    async with connect(server_for(resolver=dns, **settings)) as client:
        await fetch_home(client, site)
        message = await refused(client, "http://instance.test/latest/meta-data/")
        by_hand = await client.get_prompt("fetch", {"url": "http://instance.test/latest/meta-data/"})
    prompt_message = by_hand.messages[0].content.text  # type: ignore[union-attr]
    for said in (message, prompt_message):
        assert f"Refused to connect to instance.test: it resolves to {metadata}" in said
        assert "hands out the cloud machine's credentials" in said
    assert canary.connections == 0


def test_the_canary_counts_what_reaches_it(canary: Canary) -> None:
    """The canary is what every test above relies on: it must see a connection when there is one."""
    with socket.create_connection(("127.0.0.1", canary.port)):
        pass
    assert canary.connections == 1
