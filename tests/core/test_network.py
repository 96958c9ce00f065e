"""The outbound-HTTP policy, against real HTTP(S) servers on 127.0.0.1.

Every hostile URL is checked twice: the refusal (type and message) and the
server's connection count, which must stay at zero. Host names are answered by
`FakeDNS`, an injected resolver, so a name can "resolve" to any address while
the only traffic ever sent goes to loopback; an audit hook makes any other
connection attempt fail the test instead of leaving the machine.
"""

from __future__ import annotations

import datetime
import json
import re
import socket
import ssl
import sys
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import anyio
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from moorings_core.errors import AccessDenied, InvalidInput, LimitExceeded, OperationFailed
from moorings_core.sandbox.network import Fetched, GuardedClient, NetworkPolicy, resolve_destination

# A public address that names resolve to in tests. Nothing ever connects to it: each test that uses it
# expects a refusal or stops before connecting (and the audit hook below would stop a connection).
PUBLIC_IP = "93.184.215.14"
PAGE_TEXT = "<p>café</p>"
BIG_BODY = bytes(range(256)) * (3 * 2**20 // 256)
BOMB_SIZE = 50 * 2**20


# --- safety net: no connection leaves the machine -------------------------------------------------


class _LoopbackOnly:
    active = False


def _refuse_off_machine(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _LoopbackOnly.active and isinstance(args[1], tuple):
        host = str(args[1][0]).split("%")[0]
        if not ip_address(host).is_loopback:
            raise RuntimeError(f"test tried to connect to {host}, which is not loopback")


sys.addaudithook(_refuse_off_machine)


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    _LoopbackOnly.active = True
    yield
    _LoopbackOnly.active = False


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- the servers ----------------------------------------------------------------------------------


def _gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(2**20)
    return b"".join(compressor.compress(zeros) for _ in range(size // len(zeros))) + compressor.flush()


def _gzip(content: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return compressor.compress(content) + compressor.flush()


GZIP_BOMB = _gzip_of_zeros(BOMB_SIZE)
# A gzip header announcing a comment (FLG.FCOMMENT) that never ends: bytes arrive, no content ever does.
ENDLESS_GZIP_HEADER = bytes([0x1F, 0x8B, 8, 0x10, 0, 0, 0, 0, 0, 0xFF])


class Site(ThreadingHTTPServer):
    """A test web site on 127.0.0.1 that counts the connections it accepts."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self._lock:
            self.connections += 1
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up on endless bodies on purpose; that is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        getattr(self, "page_" + url.path.strip("/").replace("-", "_"))(query)

    def do_POST(self) -> None:
        self.do_GET()

    def do_PUT(self) -> None:
        self.do_GET()

    def _send(self, body: bytes, content_type: str = "text/plain", status: int = 200, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, first: bytes, chunk: bytes, pause: float = 0.0, **headers: str) -> None:
        """A body without a length that goes on until the client hangs up."""
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(first)
        try:
            for _ in range(100_000):
                self.wfile.write(chunk)
                self.wfile.flush()
                threading.Event().wait(pause)
        except OSError:
            pass

    def page_page(self, query: dict[str, str]) -> None:
        self._send(PAGE_TEXT.encode("latin-1"), "text/html; charset=iso-8859-1")

    def page_echo(self, query: dict[str, str]) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        seen = {
            "method": self.command,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": self.rfile.read(length).decode(),
        }
        self._send(json.dumps(seen).encode(), "application/json")

    def page_redirect(self, query: dict[str, str]) -> None:
        self._send(b"", status=int(query.get("status", "302")), Location=query["to"])

    def page_loop(self, query: dict[str, str]) -> None:
        self._send(b"", status=302, Location="/loop")

    def page_set_cookie(self, query: dict[str, str]) -> None:
        self._send(b"ok", Set_Cookie="session=secret; Path=/")

    def page_big(self, query: dict[str, str]) -> None:
        self._send(BIG_BODY, "application/octet-stream")

    def page_endless(self, query: dict[str, str]) -> None:
        self._stream(b"", b"x" * 65536)

    def page_drip(self, query: dict[str, str]) -> None:
        self._stream(b"", b"x", pause=0.05)

    def page_bomb(self, query: dict[str, str]) -> None:
        self._send(GZIP_BOMB, Content_Encoding="gzip")

    def page_endless_gzip_header(self, query: dict[str, str]) -> None:
        self._stream(ENDLESS_GZIP_HEADER, b"a" * 65536, Content_Encoding="gzip")

    def page_gzip(self, query: dict[str, str]) -> None:
        compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        self._send(compressor.compress(b"gzipped text") + compressor.flush(), Content_Encoding="gzip")

    def page_gzip_members(self, query: dict[str, str]) -> None:
        # Two members and the zero padding some writers leave after the last one.
        self._send(_gzip(b"first member, ") + _gzip(b"second member") + bytes(8), Content_Encoding="gzip")

    def page_gzip_then_bomb(self, query: dict[str, str]) -> None:
        self._send(_gzip(b"harmless") + GZIP_BOMB, Content_Encoding="gzip")

    def page_gzip_then_junk(self, query: dict[str, str]) -> None:
        self._send(_gzip(b"fine") + b"junk that is not a gzip member", Content_Encoding="gzip")

    def page_deflate(self, query: dict[str, str]) -> None:
        self._send(zlib.compress(b"zlib-wrapped deflate"), Content_Encoding="deflate")

    def page_raw_deflate(self, query: dict[str, str]) -> None:
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        self._send(compressor.compress(b"raw deflate") + compressor.flush(), Content_Encoding="deflate")

    def page_corrupt_gzip(self, query: dict[str, str]) -> None:
        self._send(b"this is not gzip data", Content_Encoding="gzip")

    def page_brotli(self, query: dict[str, str]) -> None:
        self._send(b"\x1b\x03\x00", Content_Encoding="br")


def _serve(site: Site) -> Iterator[Site]:
    thread = threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.shutdown()
        site.server_close()
        thread.join()


@pytest.fixture
def site() -> Iterator[Site]:
    yield from _serve(Site())


# --- helpers --------------------------------------------------------------------------------------


class FakeDNS:
    """A resolver that answers from a table and logs each lookup.

    A name in `then` gets its `answers` entry on the first lookup and the `then`
    entry on every later one: the way a rebinding attacker's DNS server behaves.
    """

    def __init__(self, answers: dict[str, list[str]], *, then: dict[str, list[str]] | None = None) -> None:
        self.answers = answers
        self.then = then or {}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        host = host.removesuffix(".")  # the same name, as DNS sees it
        table = self.then if host in self.then and self.lookups.count(host) > 1 else self.answers
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(table[host])


DNS = {
    "site.test": ["127.0.0.1"],
    "other.test": ["127.0.0.1"],
    "public.test": [PUBLIC_IP],
    "mixed.test": [PUBLIC_IP, "127.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "private.test": ["10.1.2.3"],
    "v6.test": ["::1"],
}
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


@pytest.mark.anyio
@pytest.mark.parametrize("location", ["data:,x", "data:text/html,<p>x", "http:127.0.0.1:{port}/page"])
async def test_a_redirect_to_an_unparsable_location_fails_clearly(site: Site, location: str) -> None:
    for canary in _serve(Site()):
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
    [("/gzip", "gzipped text"), ("/deflate", "zlib-wrapped deflate"), ("/raw-deflate", "raw deflate")],
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
        ("/brotli", "answered with Content-Encoding 'br', which cannot be decoded; only gzip and deflate"),
    ],
)
async def test_bodies_that_cannot_be_decoded_fail_clearly(site: Site, path: str, message: str) -> None:
    with pytest.raises(OperationFailed, match=message):
        await fetch(site.url(path, "site.test"))


@pytest.mark.anyio
async def test_a_slow_drip_body_stops_at_the_deadline(site: Site) -> None:
    with pytest.raises(LimitExceeded, match=r"/drip did not finish within the 0.5 s limit \([\d,]+ bytes"):
        await fetch(site.url("/drip", "site.test"), _capped(2**20, total_timeout=0.5))


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
    for proxy in _serve(Site()):
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


def _certificate_authority(tmp_path: Path, host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A CA and a server certificate for `host`: (server context, client context trusting the CA)."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def certificate(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: str,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        else:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = certificate("Moorings test CA", ca_key, "Moorings test CA", ca_key, ca=True)
    leaf_cert = certificate(host, leaf_key, "Moorings test CA", ca_key, ca=False)
    (tmp_path / "leaf.pem").write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    client = ssl.create_default_context(cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[Site, ssl.SSLContext]]:
    server_context, client_context = _certificate_authority(tmp_path, "site.test")
    site = Site()
    site.socket = server_context.wrap_socket(site.socket, server_side=True)
    for running in _serve(site):
        yield running, client_context


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
