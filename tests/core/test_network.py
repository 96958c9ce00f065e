"""The outbound-HTTP policy, against real HTTP(S) servers on 127.0.0.1 (`web_world`).

Every hostile URL is checked twice: the refusal (type and message) and the
server's connection count, which must stay at zero. Host names are answered by
`FakeDNS`, an injected resolver, so a name can "resolve" to any address while
the only traffic ever sent goes to loopback; an audit hook makes any other
connection attempt fail the test instead of leaving the machine.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import tracemalloc
from collections.abc import Iterator
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import httpx
import pytest

from moorings_core.errors import AccessDenied, InvalidInput, LimitExceeded, OperationFailed
from moorings_core.sandbox.network import Fetched, GuardedClient, NetworkPolicy, resolve_destination
from tests.core.web_world import (
    BIG_BODY,
    BOMB_SIZE,
    DNS,
    PAGE_TEXT,
    PUBLIC_IP,
    CertificateAuthority,
    FakeDNS,
    Site,
    brotli_bomb,
    loopback_only,
    serve,
    tls_server,
)


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serve(Site())


# The site under two names, both trusted by the operator.
TRUSTING_SITE = NetworkPolicy(allowed_hosts=frozenset({"site.test", "other.test"}))


async def fetch(
    url: str, policy: NetworkPolicy = TRUSTING_SITE, method: str = "GET", **kwargs: Any
) -> Fetched:
    async with GuardedClient(policy, resolver=FakeDNS(DNS)) as client:
        return await client.request(method, url, **kwargs)


def _echoed(fetched: Fetched) -> dict[str, Any]:
    seen: dict[str, Any] = json.loads(fetched.body)
    return seen


# --- hostile URLs ---------------------------------------------------------------------------------

MALFORMED_OR_FOREIGN = [
    ("file:///etc/passwd", "uses the file: scheme; only http and https"),
    ("ftp://127.0.0.1:{port}/", "uses the ftp: scheme"),
    ("gopher://127.0.0.1:{port}/_GET%20/page", "uses the gopher: scheme"),
    ("data:text/plain,hello", "uses the data: scheme"),
    ("javascript:alert(1)", "uses the javascript: scheme"),
    ("//127.0.0.1:{port}/page", "has no scheme"),
    ("not a url", "has no scheme"),
    ("http://site.test@127.0.0.1:{port}/page", "user name or password"),
    ("http://user:secret@site.test:{port}/page", "user name or password"),
    ("http://site.test\\@127.0.0.1:{port}/page", "user name or password"),
    ("http://", "has no host"),
    ("http:///page", "has no host"),
    ("http://exa mple.test/", "not a valid host name"),
    ("http://%31%32%37.0.0.1:{port}/", "written like an IP address but is not a valid one"),
    ("http://exa%2emple.test/", "not a valid host name"),
    ("http://[::1/", "not a valid URL"),
    ("http://site.test:0/", "a port is a number from 1 to 65535"),
    ("http://site.test:99999/", "a port is a number from 1 to 65535"),
    ("http://1.2.3.4.5/", "written like an IP address but is not a valid one"),
    ("http://0x7f.0x1.0x1.0x100/", "written like an IP address but is not a valid one"),
    ("http://0177.0.0.1:{port}/", "not a valid URL"),
]

NON_PUBLIC = [
    ("http://127.0.0.1:{port}/page", "(loopback)"),
    ("http://2130706433:{port}/page", "spells the IP address 127.0.0.1"),
    ("http://0x7f.1:{port}/page", "spells the IP address 127.0.0.1"),
    ("http://017700000001:{port}/page", "spells the IP address 127.0.0.1"),
    ("http://0x7f000001:{port}/page", "spells the IP address 127.0.0.1"),
    ("http://127.1:{port}/page", "spells the IP address 127.0.0.1"),
    ("http://127.0.0.1.:{port}/page", "spells the IP address 127.0.0.1"),
    ("http://0.0.0.0:{port}/page", "(unspecified)"),
    ("http://0:{port}/page", "(unspecified)"),
    ("http://10.0.0.1/", "(private)"),
    ("http://172.16.0.1/", "(private)"),
    ("http://192.168.1.1/", "(private)"),
    ("http://169.254.169.254/latest/meta-data/", "(cloud metadata)"),
    ("http://169.254.1.1/", "(link-local)"),
    ("http://100.64.0.1/", "(carrier-grade NAT)"),
    ("http://224.0.0.1/", "(multicast)"),
    ("http://240.0.0.1/", "(reserved)"),
    ("http://255.255.255.255/", "(reserved)"),
    ("http://192.0.2.1/", "(documentation)"),
    ("http://198.51.100.7/", "(documentation)"),
    ("http://198.18.0.1/", "(benchmarking)"),
    # 192.0.0.0/24 is refused whatever this Python's ipaddress.is_global says (3.11.7 calls it global).
    ("http://192.0.0.8/", "(IETF protocol assignment)"),
    ("http://192.0.0.170/", "(IETF protocol assignment)"),
    ("http://192.0.0.192/", "(cloud metadata)"),
    ("http://100.100.100.200/", "(cloud metadata)"),
    ("http://168.63.129.16/", "(cloud metadata)"),
    ("http://169.254.170.2/v2/credentials/", "(cloud metadata)"),
    ("http://[::1]:{port}/page", "(loopback)"),
    ("http://[::]:{port}/page", "(unspecified)"),
    ("http://[::ffff:127.0.0.1]:{port}/page", "(loopback (IPv4 127.0.0.1 inside IPv6))"),
    ("http://[::ffff:7f00:1]:{port}/page", "IPv4 127.0.0.1 inside IPv6"),
    ("http://[::ffff:169.254.169.254]/", "(cloud metadata (IPv4 169.254.169.254 inside IPv6))"),
    ("http://[::127.0.0.1]:{port}/page", "IPv4 127.0.0.1 inside IPv6"),
    ("http://[64:ff9b::127.0.0.1]:{port}/page", "IPv4 127.0.0.1 inside IPv6"),
    ("http://[64:ff9b::a00:1]/", "(private (IPv4 10.0.0.1 inside IPv6))"),
    ("http://[2002:7f00:1::1]/", "IPv4 127.0.0.1 inside IPv6"),
    ("http://[2002:c0a8:101::1]/", "(private (IPv4 192.168.1.1 inside IPv6))"),
    ("http://[fc00::1]/", "(unique local (private))"),
    ("http://[fd12:3456::1]/", "(unique local (private))"),
    ("http://[fd00:ec2::254]/", "(cloud metadata)"),
    ("http://[fe80::1]/", "(link-local)"),
    ("http://[fe80::1%25eth0]/", "(link-local)"),
    ("http://[fec0::1]/", "(site-local)"),
    ("http://[ff02::1]/", "(multicast)"),
    ("http://[3fff::1]/", "(documentation)"),
    ("http://[3fff:fff:ffff::1]/", "(documentation)"),
    ("http://[2001:db8::1]/", "(documentation)"),
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "(IETF protocol assignment)"),  # Teredo
    ("http://[100::1]/", "(discard-only)"),
    ("http://[5f00::1]/", "(reserved)"),
    # Names that mean this machine are refused by name; FakeDNS does not know them.
    ("http://localhost:{port}/page", "Refused to connect to localhost: localhost names always mean"),
    ("http://LocalHost.:{port}/page", "Refused to connect to localhost.: localhost names always mean"),
    ("http://api.localhost:{port}/page", "Refused to connect to api.localhost: localhost names"),
    # Names, answered by FakeDNS.
    ("http://site.test:{port}/page", "it resolves to 127.0.0.1, which is not a public address (loopback)"),
    ("http://SITE.test.:{port}/page", "it resolves to 127.0.0.1"),
    ("http://mixed.test:{port}/page", "it resolves to 127.0.0.1"),
    ("http://metadata.test/latest/meta-data/", "it resolves to 169.254.169.254"),
    ("http://mapped.test:{port}/page", "it resolves to ::ffff:7f00:1"),
    ("http://private.test/", "it resolves to 10.1.2.3"),
    ("http://v6.test:{port}/page", "it resolves to ::1"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("url", "message"), MALFORMED_OR_FOREIGN)
async def test_malformed_and_non_http_urls_are_refused_before_any_connection(
    site: Site, url: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        await fetch(url.format(port=site.port), NetworkPolicy(allow_private_network=True))
    assert site.connections == 0


@pytest.mark.anyio
@pytest.mark.parametrize(("url", "message"), NON_PUBLIC)
async def test_non_public_destinations_are_refused_before_any_connection(
    site: Site, url: str, message: str
) -> None:
    with pytest.raises(AccessDenied) as refusal:
        await fetch(url.format(port=site.port), NetworkPolicy())
    assert message in str(refusal.value)
    assert "Only public internet addresses are allowed" in str(refusal.value)
    assert "--allow-host" in str(refusal.value)
    assert "--allow-private-network" in str(refusal.value)
    assert site.connections == 0


@pytest.mark.anyio
async def test_the_refusal_says_exactly_what_to_allow(site: Site) -> None:
    with pytest.raises(AccessDenied) as refusal:
        await fetch(site.url("/page", host="site.test"), NetworkPolicy())
    assert refusal.value.hint == (
        f"If the user trusts it, they can start the server with --allow-host site.test:{site.port}"
        " (or --allow-host site.test for every port) or with --allow-private-network."
    )
    with pytest.raises(AccessDenied, match=r"--allow-host \[::1\]:8080 \(or --allow-host \[::1\] for"):
        NetworkPolicy().check_url("http://[::1]:8080/")


@pytest.mark.anyio
async def test_localhost_through_the_system_resolver_is_refused(site: Site) -> None:
    async with GuardedClient(NetworkPolicy()) as client:
        with pytest.raises(AccessDenied, match="Refused to connect to localhost: localhost names always"):
            await client.request("GET", site.url("/page", host="localhost"))
    assert site.connections == 0


@pytest.mark.anyio
@pytest.mark.parametrize("host", ["localhost", "localhost.", "a.b.localhost"])
async def test_localhost_names_are_refused_before_any_lookup(host: str) -> None:
    # A resolver that claims localhost is public is never asked.
    dns = FakeDNS({host.removesuffix("."): [PUBLIC_IP], "localhost.test": [PUBLIC_IP]})
    with pytest.raises(AccessDenied) as refusal:
        await resolve_destination(NetworkPolicy(), host, 80, dns)
    assert refusal.value.hint == (
        f"If the user trusts it, they can start the server with --allow-host {host.removesuffix('.')}:80"
        f" (or --allow-host {host.removesuffix('.')} for every port) or with --allow-private-network."
    )
    assert dns.lookups == []
    # A name that merely contains the word is an ordinary name.
    assert await resolve_destination(NetworkPolicy(), "localhost.test", 80, dns) == [ip_address(PUBLIC_IP)]
    assert dns.lookups == ["localhost.test"]


@pytest.mark.anyio
async def test_an_allowed_localhost_name_is_reached(site: Site) -> None:
    dns = FakeDNS({"app.localhost": ["127.0.0.1"]})
    policy = NetworkPolicy(allowed_hosts=frozenset({f"app.localhost:{site.port}"}))
    async with GuardedClient(policy, resolver=dns) as client:
        fetched = await client.request("GET", site.url("/page", host="app.localhost"))
        with pytest.raises(AccessDenied, match="localhost names always mean this machine"):
            await client.request("GET", site.url("/page", host="other.localhost"))
    assert (fetched.text(), dns.lookups, site.connections) == (PAGE_TEXT, ["app.localhost"], 1)


METADATA = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://100.100.100.200/latest/meta-data/",
    "http://168.63.129.16/machine",
    "http://192.0.0.192/",
    "http://169.254.170.23/",
    "http://metadata.test/latest/meta-data/",
]


@pytest.mark.anyio
@pytest.mark.parametrize("url", METADATA)
@pytest.mark.parametrize(
    "policy",
    [NetworkPolicy(allow_private_network=True), NetworkPolicy(allowed_hosts=frozenset({"metadata.test"}))],
    ids=["allow-private-network", "allowed-name"],
)
async def test_cloud_metadata_is_refused_even_when_private_addresses_are_allowed(
    url: str, policy: NetworkPolicy
) -> None:
    with pytest.raises(AccessDenied) as refusal:
        await fetch(url, policy)
    assert "hands out the cloud machine's credentials" in refusal.value.message
    assert refusal.value.hint is not None
    assert refusal.value.hint.startswith("Neither --allow-private-network nor an allowed host name admits it")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("entry", "host", "address"),
    [
        ("169.254.169.254:80", "metadata.test", "169.254.169.254"),
        ("169.254.169.254:80", "0xa9fea9fe", "169.254.169.254"),
        ("[fd00:ec2::254]:80", "fd00:ec2::254", "fd00:ec2::254"),
    ],
)
async def test_a_metadata_address_named_by_the_operator_is_admitted(
    entry: str, host: str, address: str
) -> None:
    policy = NetworkPolicy(allowed_hosts=frozenset({entry}))
    assert await resolve_destination(policy, host, 80, FakeDNS(DNS)) == [ip_address(address)]
    with pytest.raises(AccessDenied, match=r"--allow-host (169\.254\.169\.254|\[fd00:ec2::254\]):81\."):
        await resolve_destination(policy, host, 81, FakeDNS(DNS))


@pytest.mark.anyio
@pytest.mark.parametrize("address", ["100.100.100.201", "169.254.169.253", "192.0.0.8", "fd00:ec2::253"])
async def test_allow_private_network_still_admits_private_neighbours_of_metadata(address: str) -> None:
    policy = NetworkPolicy(allow_private_network=True)
    assert await resolve_destination(policy, address, 80, FakeDNS(DNS)) == [ip_address(address)]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "address", ["192.0.0.9", "192.0.0.10", "2001:1::1", "2001:4:112::1", "2001:20::1", "2400:cb00::1"]
)
async def test_public_addresses_beside_special_ranges_are_admitted(address: str) -> None:
    dns = FakeDNS({"anycast.test": [address]})
    assert await resolve_destination(NetworkPolicy(), "anycast.test", 80, dns) == [ip_address(address)]


# --- legitimate controls --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_allowed_address_and_port_is_reached(site: Site) -> None:
    fetched = await fetch(
        site.url("/page"), NetworkPolicy(allowed_hosts=frozenset({f"127.0.0.1:{site.port}"}))
    )
    assert (fetched.status, fetched.text(), fetched.truncated, fetched.redirects) == (
        200,
        PAGE_TEXT,
        False,
        (),
    )
    assert site.connections == 1


@pytest.mark.anyio
async def test_an_allowed_address_on_another_port_is_still_refused(site: Site) -> None:
    with pytest.raises(AccessDenied, match=f"--allow-host 127.0.0.1:{site.port}"):
        await fetch(site.url("/page"), NetworkPolicy(allowed_hosts=frozenset({"127.0.0.1:1"})))
    assert site.connections == 0


@pytest.mark.anyio
@pytest.mark.parametrize(
    "policy",
    [
        NetworkPolicy(allowed_hosts=frozenset({"127.0.0.1"})),
        NetworkPolicy(allow_private_network=True),
    ],
    ids=["allowed-address-any-port", "allow-private-network"],
)
async def test_private_addresses_are_reached_when_the_operator_allows_them(
    site: Site, policy: NetworkPolicy
) -> None:
    # Another spelling of 127.0.0.1 reaches the same server: we read it as the address (no resolver involved).
    for url in (site.url("/page"), site.url("/page", host="0x7f.1")):
        fetched = await fetch(url, policy)
        assert fetched.text() == PAGE_TEXT
    assert site.connections == 2


@pytest.mark.anyio
async def test_allow_private_network_reaches_localhost_through_the_system_resolver(site: Site) -> None:
    # localhost may resolve to ::1 first, where nothing listens: the next checked address is tried.
    async with GuardedClient(NetworkPolicy(allow_private_network=True)) as client:
        fetched = await client.request("GET", site.url("/page", host="localhost"))
    assert fetched.text() == PAGE_TEXT


@pytest.mark.anyio
async def test_an_allowed_name_is_reached_at_the_address_it_resolved_to_once(site: Site) -> None:
    dns = FakeDNS(DNS)
    async with GuardedClient(NetworkPolicy(allowed_hosts=frozenset({"site.test"})), resolver=dns) as client:
        fetched = await client.request("GET", site.url("/echo", host="site.test"))
    # site.test exists only in FakeDNS: the socket went to the address it answered, once.
    assert dns.lookups == ["site.test"]
    # ... and the server was still addressed by name.
    assert _echoed(fetched)["headers"]["host"] == f"site.test:{site.port}"


# --- DNS rebinding --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_dns_rebinding_cannot_slip_between_the_check_and_the_connection(site: Site) -> None:
    dns = FakeDNS({"rebind.test": [PUBLIC_IP]}, then={"rebind.test": ["127.0.0.1"]})
    policy = NetworkPolicy()
    # A check-then-fetch client looks the name up here, sees a public address and lets the request go ...
    assert await resolve_destination(policy, "rebind.test", site.port, dns) == [ip_address(PUBLIC_IP)]
    # ... then its HTTP library looks it up again and connects to 127.0.0.1. Ours makes one lookup per
    # connection and connects to what that lookup answered, so it sees 127.0.0.1 and refuses.
    async with GuardedClient(policy, resolver=dns) as client:
        with pytest.raises(AccessDenied, match=r"it resolves to 127\.0\.0\.1"):
            await client.request("GET", site.url("/page", host="rebind.test"))
    assert dns.lookups == ["rebind.test", "rebind.test"]
    assert site.connections == 0


@pytest.mark.anyio
async def test_every_address_a_name_resolves_to_must_be_public() -> None:
    with pytest.raises(AccessDenied, match=r"mixed\.test: it resolves to 127\.0\.0\.1"):
        await resolve_destination(NetworkPolicy(), "mixed.test", 80, FakeDNS(DNS))


@pytest.mark.anyio
async def test_a_public_name_is_admitted_with_the_addresses_to_connect_to() -> None:
    dns = FakeDNS({**DNS, "public6.test": ["2606:4700::1111", PUBLIC_IP, "2606:4700::1111"]})
    assert await resolve_destination(NetworkPolicy(), "public.test", 443, dns) == [ip_address(PUBLIC_IP)]
    assert await resolve_destination(NetworkPolicy(), "public6.test", 443, dns) == [
        ip_address("2606:4700::1111"),
        ip_address(PUBLIC_IP),
    ]


@pytest.mark.anyio
async def test_an_ip_literal_is_never_sent_to_the_resolver() -> None:
    dns = FakeDNS(DNS)
    assert await resolve_destination(NetworkPolicy(), "0x5db8d70e", 80, dns) == [ip_address(PUBLIC_IP)]
    assert dns.lookups == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Could not resolve the host name nowhere.test: Name or service not known"),
        ({"nowhere.test": []}, "nowhere.test resolves to no address"),
        ({"nowhere.test": ["not-an-ip"]}, "gave an invalid address"),
    ],
)
async def test_names_that_do_not_resolve_fail_clearly(answers: dict[str, list[str]], message: str) -> None:
    async with GuardedClient(NetworkPolicy(), resolver=FakeDNS(answers)) as client:
        with pytest.raises(OperationFailed, match=message):
            await client.request("GET", "http://nowhere.test/")


# --- redirects ------------------------------------------------------------------------------------


def _redirect(site: Site, target: str, status: int = 302, host: str = "site.test") -> str:
    return site.url(f"/redirect?status={status}&to={quote(target, safe='')}", host=host)


@pytest.mark.anyio
async def test_a_redirect_to_another_path_is_followed(site: Site) -> None:
    start = _redirect(site, "/page")
    fetched = await fetch(start)
    assert (fetched.url, fetched.redirects, fetched.text()) == (
        site.url("/page", "site.test"),
        (start,),
        PAGE_TEXT,
    )
    assert site.connections == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        ("http://127.0.0.1:{port}/page", AccessDenied, "(loopback)"),
        ("http://[::1]:{port}/page", AccessDenied, "(loopback)"),
        ("http://2130706433:{port}/page", AccessDenied, "spells the IP address 127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", AccessDenied, "(cloud metadata)"),
        ("http://metadata.test/latest/meta-data/", AccessDenied, "it resolves to 169.254.169.254"),
        ("//private.test/", AccessDenied, "it resolves to 10.1.2.3"),
        ("file:///etc/passwd", InvalidInput, "only http and https"),
        ("gopher://site.test:{port}/", InvalidInput, "only http and https"),
        ("dict://x/", InvalidInput, "uses the dict: scheme"),
        ("dict://127.0.0.1:{port}/", InvalidInput, "uses the dict: scheme"),
        ("http://user:pw@site.test:{port}/page", InvalidInput, "user name or password"),
    ],
)
async def test_each_redirect_hop_is_checked_before_it_is_requested(
    site: Site, target: str, error: type[Exception], message: str
) -> None:
    start = _redirect(site, target.format(port=site.port))
    with pytest.raises(error) as refusal:
        await fetch(start)
    assert str(refusal.value).startswith(f"{start} redirected to ")
    assert message in str(refusal.value)
    assert site.connections == 1


def _only(site: Site, *origins: str) -> NetworkPolicy:
    return NetworkPolicy(allowed_hosts=TRUSTING_SITE.allowed_hosts, only_origins=frozenset(origins))


@pytest.mark.anyio
async def test_only_origins_admits_its_origins_whatever_the_path(site: Site) -> None:
    policy = _only(site, site.url("/v1", "site.test"))
    fetched = await fetch(site.url("/page", "site.test"), policy)
    assert fetched.text() == PAGE_TEXT


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url",
    [
        "http://other.test:{port}/page",  # another host, even one the operator trusts
        "https://site.test:{port}/page",  # another scheme
        "http://site.test:1/page",  # another port
        "http://site.test/page",  # the default port is another port
        "https://api.example.com/",
    ],
)
async def test_only_origins_refuses_every_other_origin_before_any_connection(site: Site, url: str) -> None:
    policy = _only(site, site.url("/", "site.test"))
    with pytest.raises(AccessDenied, match=r"only sends requests to http://site\.test:\d+/") as refusal:
        await fetch(url.format(port=site.port), policy)
    assert "base URL" in (refusal.value.hint or "")
    assert site.connections == 0


@pytest.mark.anyio
async def test_only_origins_refuses_a_redirect_elsewhere_before_following_it(site: Site) -> None:
    policy = _only(site, site.url("/", "site.test"))
    start = _redirect(site, site.url("/page", "other.test"))
    with pytest.raises(AccessDenied, match="only sends requests to") as refusal:
        await fetch(start, policy)
    assert str(refusal.value).startswith(f"{start} redirected to ")
    assert site.connections == 1


@pytest.mark.anyio
async def test_only_origins_keeps_every_address_rule(site: Site) -> None:
    policy = NetworkPolicy(only_origins=frozenset({site.url("/", "127.0.0.1")}))
    with pytest.raises(AccessDenied, match="loopback"):
        await fetch(site.url("/page", "127.0.0.1"), policy)
    assert site.connections == 0


@pytest.mark.anyio
async def test_a_callers_own_check_sees_each_hop_before_it_is_requested(site: Site) -> None:
    seen: list[str] = []

    async def note(target: httpx.URL) -> None:
        seen.append(str(target))

    start = _redirect(site, _redirect(site, "/page"))
    fetched = await fetch(start, before_redirect=note)
    assert seen == [fetched.redirects[1], fetched.url]
    assert fetched.text() == PAGE_TEXT


@pytest.mark.anyio
async def test_a_callers_own_check_refuses_a_hop_before_it_is_requested(site: Site) -> None:
    async def refuse(target: httpx.URL) -> None:
        raise AccessDenied(f"{target} is off limits.", hint="Ask the site.")

    start = _redirect(site, "/page")
    with pytest.raises(AccessDenied) as refusal:
        await fetch(start, before_redirect=refuse)
    assert str(refusal.value).startswith(f"{start} redirected to {site.url('/page', 'site.test')}. ")
    assert "is off limits" in str(refusal.value)
    assert refusal.value.hint == "Ask the site."
    assert site.connections == 1


@pytest.mark.anyio
@pytest.mark.parametrize("location", ["data:,x", "data:text/html,<p>x", "http:127.0.0.1:{port}/page"])
async def test_a_redirect_to_an_unparsable_location_fails_clearly(site: Site, location: str) -> None:
    for canary in serve(Site()):
        start = _redirect(site, location.format(port=canary.port))
        with pytest.raises(OperationFailed) as failure:
            await fetch(start)
        assert str(failure.value).startswith(f"{start} redirected to an invalid URL (")
        assert "the redirect was not followed" in str(failure.value)
        assert (site.connections, canary.connections) == (1, 0)


@pytest.mark.anyio
async def test_a_redirect_to_a_valid_absolute_location_is_followed(site: Site) -> None:
    # The control beside the unparsable ones: the same redirect, spelled as a URL.
    fetched = await fetch(_redirect(site, site.url("/page", "other.test")))
    assert (fetched.url, fetched.text(), site.connections) == (site.url("/page", "other.test"), PAGE_TEXT, 2)


@pytest.mark.anyio
async def test_redirects_stop_at_the_limit(site: Site) -> None:
    policy = NetworkPolicy(allowed_hosts=frozenset({"site.test"}), max_redirects=3)
    with pytest.raises(LimitExceeded, match="redirected more than 3 times"):
        await fetch(site.url("/loop", "site.test"), policy)
    assert site.connections == 4


@pytest.mark.anyio
async def test_no_redirect_is_followed_when_the_limit_is_zero(site: Site) -> None:
    policy = NetworkPolicy(allowed_hosts=frozenset({"site.test"}), max_redirects=0)
    with pytest.raises(LimitExceeded, match="redirected more than 0 times"):
        await fetch(_redirect(site, "/page"), policy)
    assert site.connections == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "method", "body"),
    [(301, "GET", ""), (302, "GET", ""), (303, "GET", ""), (307, "POST", "data"), (308, "POST", "data")],
)
async def test_a_redirected_post_follows_the_usual_rules(
    site: Site, status: int, method: str, body: str
) -> None:
    fetched = await fetch(
        _redirect(site, "/echo", status),
        method="POST",
        content=b"data",
        headers={"Content-Type": "text/plain"},
    )
    seen = _echoed(fetched)
    assert (seen["method"], seen["body"], "content-type" in seen["headers"]) == (method, body, bool(body))


@pytest.mark.anyio
async def test_a_put_redirected_with_303_becomes_a_get(site: Site) -> None:
    fetched = await fetch(_redirect(site, "/echo", 303), method="PUT", content=b"data")
    assert (_echoed(fetched)["method"], _echoed(fetched)["body"]) == ("GET", "")


CREDENTIALS = {"Authorization": "Bearer secret", "X-Api-Key": "secret", "Cookie": "session=secret"}


@pytest.mark.anyio
async def test_credentials_do_not_follow_a_redirect_to_another_origin(site: Site) -> None:
    other = site.url("/echo", host="other.test")
    fetched = await fetch(_redirect(site, other), headers={**CREDENTIALS, "Accept": "text/html"})
    headers = _echoed(fetched)["headers"]
    assert {"authorization", "x-api-key", "cookie"}.isdisjoint(headers)
    assert (headers["accept"], headers["host"]) == ("text/html", f"other.test:{site.port}")


@pytest.mark.anyio
async def test_credentials_follow_a_redirect_within_the_origin(site: Site) -> None:
    fetched = await fetch(_redirect(site, "/echo"), headers=CREDENTIALS)
    headers = _echoed(fetched)["headers"]
    assert {key.lower(): headers[key.lower()] for key in CREDENTIALS} == {
        key.lower(): value for key, value in CREDENTIALS.items()
    }


# --- operator headers ---------------------------------------------------------------------------

OPERATOR = (("Authorization", "Bearer operator-token"), ("X-Team", "core"))


def _operator_policy(*allowed: str, private: bool = True) -> NetworkPolicy:
    return NetworkPolicy(
        allow_private_network=private, allowed_hosts=frozenset(allowed), operator_headers=OPERATOR
    )


def _operator_headers_in(headers: dict[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in ("authorization", "x-team") if name in headers}


WITH_OPERATOR = {"authorization": "Bearer operator-token", "x-team": "core"}


@pytest.mark.anyio
async def test_operator_headers_go_everywhere_when_no_host_is_named(site: Site) -> None:
    for host in ("127.0.0.1", "site.test", "other.test"):
        fetched = await fetch(site.url("/echo", host), _operator_policy())
        assert _operator_headers_in(_echoed(fetched)["headers"]) == WITH_OPERATOR


@pytest.mark.anyio
async def test_operator_headers_go_only_to_the_named_host_and_port(site: Site) -> None:
    policy = _operator_policy(f"site.test:{site.port}")
    for elsewhere in serve(Site()):
        named = await fetch(site.url("/echo", "site.test"), policy)
        # Reached through --allow-private-network, but named by no rule: the same address, another name,
        # the address itself, and the named host on another port.
        others = [
            await fetch(site.url("/echo", "other.test"), policy),
            await fetch(site.url("/echo", "127.0.0.1"), policy),
            await fetch(elsewhere.url("/echo", "site.test"), policy),
        ]
        assert _operator_headers_in(_echoed(named)["headers"]) == WITH_OPERATOR
        assert [_operator_headers_in(_echoed(other)["headers"]) for other in others] == [{}, {}, {}]


@pytest.mark.anyio
async def test_an_address_rule_covers_that_address_in_any_spelling_but_not_a_name_for_it(site: Site) -> None:
    policy = _operator_policy("127.0.0.1", private=False)
    for host in ("127.0.0.1", "0x7f.1", "2130706433"):
        fetched = await fetch(site.url("/echo", host), policy)
        assert _operator_headers_in(_echoed(fetched)["headers"]) == WITH_OPERATOR
    # site.test resolves to 127.0.0.1 and the rule admits it there, but the URL does not name the address.
    fetched = await fetch(site.url("/echo", "site.test"), policy)
    assert _operator_headers_in(_echoed(fetched)["headers"]) == {}


@pytest.mark.anyio
async def test_operator_headers_replace_the_callers_of_the_same_name(site: Site) -> None:
    caller = {"authorization": "Bearer chosen-by-the-model", "X-TEAM": "other", "X-Api-Key": "caller's"}
    fetched = await fetch(site.url("/echo", "site.test"), _operator_policy("site.test"), headers=caller)
    headers = _echoed(fetched)["headers"]
    assert (_operator_headers_in(headers), headers["x-api-key"]) == (WITH_OPERATOR, "caller's")
    assert "chosen-by-the-model" not in json.dumps(_echoed(fetched))
    # Where no rule covers the host, the caller's own headers go as they are.
    fetched = await fetch(site.url("/echo", "other.test"), _operator_policy("site.test"), headers=caller)
    assert _operator_headers_in(_echoed(fetched)["headers"]) == {
        "authorization": "Bearer chosen-by-the-model",
        "x-team": "other",
    }


@pytest.mark.anyio
async def test_operator_headers_are_decided_for_each_redirect_hop(site: Site) -> None:
    policy = _operator_policy(f"site.test:{site.port}")
    # From a named host to one no rule names: the first hop has them, the second not.
    await fetch(_redirect(site, site.url("/echo", "other.test")), policy)
    # From a host no rule names to a named one: the second hop has them.
    await fetch(_redirect(site, site.url("/echo", "site.test"), host="other.test"), policy)
    hops = [
        (asked.headers["host"].partition(":")[0], _operator_headers_in(asked.headers))
        for asked in site.received
    ]
    assert hops == [
        ("site.test", WITH_OPERATOR),
        ("other.test", {}),
        ("other.test", {}),
        ("site.test", WITH_OPERATOR),
    ]


@pytest.mark.anyio
async def test_a_callers_host_header_is_not_sent(site: Site) -> None:
    fetched = await fetch(site.url("/echo", "site.test"), headers={"Host": "intranet.example"})
    assert _echoed(fetched)["headers"]["host"] == f"site.test:{site.port}"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (("Host", "x"), "the header Host cannot be set"),
        (("Content-Length", "1"), "the header Content-Length cannot be set"),
        (("Proxy-Authorization", "Basic x"), "the header Proxy-Authorization cannot be set"),
        (("Bad Name", "x"), "is not a valid HTTP header name"),
        (("X-Injected", "a\r\nHost: evil.test"), "may hold only printable ASCII"),
        (("X-Accented", "café"), "may hold only printable ASCII"),
    ],
)
def test_operator_headers_that_would_break_a_request_are_refused(
    header: tuple[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refusal:
        NetworkPolicy(operator_headers=(header,))
    assert header[1] not in str(refusal.value)


def test_operator_headers_are_not_in_the_policys_repr() -> None:
    policy = NetworkPolicy(operator_headers=OPERATOR, proxy_url="http://user:secret@proxy.test:3128")
    assert "operator-token" not in repr(policy)
    assert "secret" not in repr(policy)


# --- the body: caps, decoding, deadline -----------------------------------------------------------


def _capped(max_body_bytes: int, **options: Any) -> NetworkPolicy:
    return NetworkPolicy(allowed_hosts=frozenset({"site.test"}), max_body_bytes=max_body_bytes, **options)


@pytest.mark.anyio
async def test_a_big_body_is_cut_at_the_cap(site: Site) -> None:
    fetched = await fetch(site.url("/big", "site.test"), _capped(2**20))
    assert (fetched.body, fetched.truncated) == (BIG_BODY[: 2**20], True)


@pytest.mark.anyio
async def test_a_body_exactly_at_the_cap_is_whole(site: Site) -> None:
    fetched = await fetch(site.url("/big", "site.test"), _capped(len(BIG_BODY)))
    assert (fetched.body == BIG_BODY, fetched.truncated) == (True, False)


@pytest.mark.anyio
async def test_an_endless_body_stops_at_the_cap(site: Site) -> None:
    fetched = await fetch(site.url("/endless", "site.test"), _capped(256 * 1024))
    assert (fetched.body, fetched.truncated) == (b"x" * 256 * 1024, True)


@pytest.mark.anyio
async def test_a_gzip_bomb_stops_at_the_cap_without_inflating_in_memory(site: Site) -> None:
    tracemalloc.start()
    try:
        fetched = await fetch(site.url("/bomb", "site.test"), _capped(2**20))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (fetched.body, fetched.truncated) == (bytes(2**20), True)
    # Inflating even one 64 KiB chunk of the bomb at once takes about 64 MiB.
    assert peak < BOMB_SIZE // 5


@pytest.mark.anyio
async def test_a_gzip_bomb_in_a_later_member_stops_at_the_cap(site: Site) -> None:
    tracemalloc.start()
    try:
        fetched = await fetch(site.url("/gzip-then-bomb", "site.test"), _capped(2**20))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (fetched.body, fetched.truncated) == (b"harmless" + bytes(2**20 - 8), True)
    assert peak < BOMB_SIZE // 5


@pytest.mark.anyio
async def test_a_brotli_bomb_stops_at_the_cap_without_inflating_in_memory(site: Site) -> None:
    tracemalloc.start()
    try:
        fetched = await fetch(site.url("/brotli-bomb", "site.test"), _capped(2**20))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (fetched.body, fetched.truncated) == (bytes(2**20), True)
    # Decoding the bomb in one call would make one 512 MiB bytes object. (The decoder's own blocks are
    # malloc'd by the C library, out of tracemalloc's sight; they stop growing at the same limit.)
    assert len(brotli_bomb()) < 2**17
    assert peak < 16 * 2**20


@pytest.mark.anyio
async def test_brotli_is_asked_for_with_the_codings_we_decode(site: Site) -> None:
    fetched = await fetch(site.url("/echo", "site.test"), headers={"Accept-Encoding": "zstd"})
    assert _echoed(fetched)["headers"]["accept-encoding"] == "gzip, deflate, br"


@pytest.mark.anyio
async def test_every_member_of_a_gzip_body_is_decoded(site: Site) -> None:
    fetched = await fetch(site.url("/gzip-members", "site.test"))
    assert (fetched.text(), fetched.truncated) == ("first member, second member", False)
    # A cap that falls inside the second member cuts there and says so.
    fetched = await fetch(site.url("/gzip-members", "site.test"), _capped(20))
    assert (fetched.text(), fetched.truncated) == ("first member, second", True)


@pytest.mark.anyio
async def test_compressed_bytes_on_the_wire_count_against_the_cap(site: Site) -> None:
    # A gzip header whose comment never ends: the wire never stops, the content never starts.
    fetched = await fetch(site.url("/endless-gzip-header", "site.test"), _capped(64 * 1024))
    assert (fetched.body, fetched.truncated) == (b"", True)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/gzip", "gzipped text"),
        ("/deflate", "zlib-wrapped deflate"),
        ("/raw-deflate", "raw deflate"),
        ("/brotli", "brotli text"),
    ],
)
async def test_compressed_bodies_are_decoded(site: Site, path: str, text: str) -> None:
    fetched = await fetch(site.url(path, "site.test"))
    assert (fetched.text(), fetched.truncated) == (text, False)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/corrupt-gzip", "is not valid gzip data"),
        ("/gzip-then-junk", "is not valid gzip data"),
        ("/corrupt-brotli", "is not valid br data"),
        ("/brotli-then-junk", "is not valid br data"),
        (
            "/zstd",
            "answered with Content-Encoding 'zstd', which cannot be decoded; only gzip, deflate and br",
        ),
    ],
)
async def test_bodies_that_cannot_be_decoded_fail_clearly(site: Site, path: str, message: str) -> None:
    with pytest.raises(OperationFailed, match=message):
        await fetch(site.url(path, "site.test"))


@pytest.mark.anyio
async def test_a_slow_drip_body_stops_at_the_deadline(site: Site) -> None:
    with pytest.raises(LimitExceeded, match=r"/drip did not finish within the 0.5 s limit \([\d,]+ bytes"):
        await fetch(site.url("/drip", "site.test"), _capped(2**20, total_timeout=0.5))


# --- one request's own cap, deadline and progress ------------------------------------------------


@pytest.mark.anyio
async def test_a_request_may_lower_the_byte_cap(site: Site) -> None:
    async with GuardedClient(TRUSTING_SITE, resolver=FakeDNS(DNS)) as client:
        lowered = await client.request("GET", site.url("/big", "site.test"), max_bytes=500 * 1024)
        whole = await client.request("GET", site.url("/big", "site.test"))
    assert (lowered.body, lowered.truncated) == (BIG_BODY[: 500 * 1024], True)
    assert (whole.body == BIG_BODY, whole.truncated) == (True, False)


@pytest.mark.anyio
async def test_a_request_cannot_raise_the_byte_cap(site: Site) -> None:
    async with GuardedClient(_capped(2**20), resolver=FakeDNS(DNS)) as client:
        fetched = await client.request("GET", site.url("/big", "site.test"), max_bytes=len(BIG_BODY))
    assert (fetched.body, fetched.truncated) == (BIG_BODY[: 2**20], True)


@pytest.mark.anyio
async def test_a_request_may_shorten_the_deadline(site: Site) -> None:
    async with GuardedClient(TRUSTING_SITE, resolver=FakeDNS(DNS)) as client:
        with pytest.raises(LimitExceeded, match=r"/drip did not finish within the 0.3 s limit"):
            await client.request("GET", site.url("/drip", "site.test"), timeout=0.3)
        # The same client, without its own deadline, still has the policy's.
        assert (await client.request("GET", site.url("/page", "site.test"))).text() == PAGE_TEXT


@pytest.mark.anyio
async def test_a_request_cannot_lengthen_the_deadline(site: Site) -> None:
    async with GuardedClient(_capped(2**20, total_timeout=0.3), resolver=FakeDNS(DNS)) as client:
        with pytest.raises(LimitExceeded, match=r"/drip did not finish within the 0.3 s limit"):
            await client.request("GET", site.url("/drip", "site.test"), timeout=3600)


@pytest.mark.anyio
@pytest.mark.parametrize(("option", "value"), [("max_bytes", 0), ("max_bytes", -5), ("timeout", 0.0)])
async def test_a_request_limit_must_be_positive(site: Site, option: str, value: float) -> None:
    options: dict[str, Any] = {option: value}
    with pytest.raises(InvalidInput, match=f"{option} must be a positive number"):
        await fetch(site.url("/page", "site.test"), **options)
    assert site.connections == 0


class _Progress:
    """Records what a request tells its progress callback."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, received: int, total: int | None) -> None:
        self.calls.append((received, total))

    @property
    def counts(self) -> list[int]:
        return [received for received, _ in self.calls]

    @property
    def totals(self) -> set[int | None]:
        return {total for _, total in self.calls}


@pytest.mark.anyio
async def test_progress_counts_up_to_the_content_length(site: Site) -> None:
    progress = _Progress()
    fetched = await fetch(site.url("/big", "site.test"), on_progress=progress)
    assert len(progress.calls) > 1  # told as the body streams in, not once at the end
    assert progress.counts == sorted(set(progress.counts))
    assert (progress.calls[-1], progress.totals) == ((len(BIG_BODY), len(BIG_BODY)), {len(BIG_BODY)})
    assert len(fetched.body) == len(BIG_BODY)


@pytest.mark.anyio
async def test_progress_expects_no_more_than_the_cap(site: Site) -> None:
    progress = _Progress()
    await fetch(site.url("/big", "site.test"), max_bytes=2**20, on_progress=progress)
    assert (progress.calls[-1], progress.totals) == ((2**20, 2**20), {2**20})


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "last"), [("/gzip-members", len("first member, second member")), ("/endless", 256 * 1024)]
)
async def test_progress_has_no_total_for_compressed_or_unsized_bodies(
    site: Site, path: str, last: int
) -> None:
    progress = _Progress()
    await fetch(site.url(path, "site.test"), max_bytes=256 * 1024, on_progress=progress)
    assert (progress.counts[-1], progress.totals) == (last, {None})


@pytest.mark.anyio
async def test_progress_reports_only_the_final_body_of_a_redirect(site: Site) -> None:
    progress = _Progress()
    await fetch(_redirect(site, "/big"), on_progress=progress)
    assert progress.calls[-1] == (len(BIG_BODY), len(BIG_BODY))
    assert progress.totals == {len(BIG_BODY)}


# --- connecting -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_resolver_that_never_answers_is_a_connect_timeout() -> None:
    async def silent(host: str, port: int) -> list[str]:
        await anyio.sleep(3600)
        return []

    async with GuardedClient(NetworkPolicy(connect_timeout=0.2), resolver=silent) as client:
        with pytest.raises(OperationFailed, match=r"Could not connect to http://slow.test/ within 0.2 s"):
            await client.request("GET", "http://slow.test/")


@pytest.mark.anyio
async def test_a_refused_connection_fails_clearly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OperationFailed, match=f"The request to http://127.0.0.1:{port}/ failed"):
        await fetch(f"http://127.0.0.1:{port}/", NetworkPolicy(allow_private_network=True))


@pytest.mark.anyio
async def test_proxies_from_the_environment_are_ignored(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    for proxy in serve(Site()):
        for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(variable, proxy.url(""))
        await fetch(site.url("/page", "site.test"))
        assert (site.connections, proxy.connections) == (1, 0)


@pytest.mark.anyio
async def test_cookies_are_not_carried_from_one_request_to_the_next(site: Site) -> None:
    async with GuardedClient(TRUSTING_SITE, resolver=FakeDNS(DNS)) as client:
        await client.request("GET", site.url("/set-cookie", "site.test"))
        fetched = await client.request("GET", site.url("/echo", "site.test"))
    assert "cookie" not in _echoed(fetched)["headers"]


# --- TLS ------------------------------------------------------------------------------------------


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[Site, ssl.SSLContext]]:
    authority = CertificateAuthority(tmp_path)
    for running in serve(tls_server(Site(), authority.server_context("site.test"))):
        yield running, authority.client_context()


@pytest.mark.anyio
async def test_tls_checks_the_certificate_against_the_host_name_not_the_pinned_address(
    tls_site: tuple[Site, ssl.SSLContext],
) -> None:
    site, trust = tls_site
    async with GuardedClient(TRUSTING_SITE, resolver=FakeDNS(DNS), ssl_context=trust) as client:
        fetched = await client.request("GET", site.url("/page", "site.test", scheme="https"))
        assert fetched.text() == PAGE_TEXT
        # other.test reaches the same address, but the certificate is not for other.test.
        with pytest.raises(OperationFailed, match="certificate verify failed"):
            await client.request("GET", site.url("/page", "other.test", scheme="https"))


# --- the policy object and the response object ----------------------------------------------------


def test_check_url_returns_the_normalized_url_it_checked() -> None:
    checked = NetworkPolicy().check_url("HTTP://Bücher.Example/a b?q=1")
    assert str(checked) == "http://xn--bcher-kva.example/a%20b?q=1"


@pytest.mark.parametrize(
    ("entry", "admitted", "refused"),
    [
        ("[::1]:8080", "http://[::1]:8080/", "http://[::1]:8081/"),
        ("::1", "http://[::1]:9/", "http://127.0.0.1/"),
        ("127.0.0.1:80", "http://127.0.0.1/", "https://127.0.0.1/"),
        ("0x7f.1", "http://127.0.0.1:8080/", "http://127.0.0.2/"),
    ],
)
def test_allowed_host_entries(entry: str, admitted: str, refused: str) -> None:
    policy = NetworkPolicy(allowed_hosts=frozenset({entry}))
    policy.check_url(admitted)
    with pytest.raises(AccessDenied):
        policy.check_url(refused)


@pytest.mark.parametrize(
    "entry", ["", "127.0.0.1:99999", "[::1", "[::1]x", "exa mple.test", "site.test:http", "1.2.3.4.5"]
)
def test_malformed_allowed_host_entries_are_rejected(entry: str) -> None:
    with pytest.raises(InvalidInput, match=r"allow-host|not a valid"):
        NetworkPolicy(allowed_hosts=frozenset({entry}))


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/html; charset=ISO-8859-1", "café".encode("latin-1"), "café"),
        ('text/html; charset="utf-8"', "café".encode(), "café"),
        ("text/html", "café".encode(), "café"),
        ("text/html; charset=latin-1", b"\xef\xbb\xbfcaf\xc3\xa9", "café"),  # the byte-order mark wins
        ("text/plain; charset=no-such-charset", "café".encode(), "café"),
        ("text/plain; charset=rot13", b"abc", "abc"),
        ("text/plain", b"caf\xc3", "caf\N{REPLACEMENT CHARACTER}"),  # cut inside a character by the cap
    ],
)
def test_text_decodes_by_the_declared_charset(content_type: str, body: bytes, text: str) -> None:
    fetched = Fetched("http://x.test/", 200, httpx.Headers({"content-type": content_type}), body, False, ())
    assert fetched.text() == text
