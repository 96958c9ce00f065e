"""The operator's proxy (`NetworkPolicy.proxy_url`): it is given checked addresses, never names.

A real forward proxy on 127.0.0.1 (`web_world.Proxy`) records every request it
was asked. A destination the policy refuses must not reach it at all (its
connection count stays at zero), and one it admits must reach it as the address
that was checked: `CONNECT 127.0.0.1:PORT` for https, with TLS inside the tunnel
checked against the real name, and `GET http://127.0.0.1:PORT/path` with the name
in the Host header for http. The proxy's own address is the operator's choice:
every policy here refuses 127.0.0.1, where the proxy listens.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from moorings_core.errors import AccessDenied, InvalidInput, OperationFailed
from moorings_core.sandbox.network import Fetched, GuardedClient, NetworkPolicy
from tests.core.web_world import (
    DNS,
    PAGE_TEXT,
    Asked,
    CertificateAuthority,
    FakeDNS,
    Proxy,
    Site,
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


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    yield from serve(Proxy())


@pytest.fixture
def authority(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority(tmp_path)


@pytest.fixture
def tls_site(authority: CertificateAuthority) -> Iterator[Site]:
    yield from serve(tls_server(Site(), authority.server_context("site.test")))


def _through(proxy_url: str, *allowed: str) -> NetworkPolicy:
    return NetworkPolicy(allowed_hosts=frozenset(allowed or {"site.test", "other.test"}), proxy_url=proxy_url)


async def fetch(
    url: str, policy: NetworkPolicy, trust: ssl.SSLContext | None = None, **kwargs: Any
) -> Fetched:
    async with GuardedClient(policy, resolver=FakeDNS(DNS), ssl_context=trust) as client:
        return await client.request("GET", url, **kwargs)


def _echoed(fetched: Fetched) -> dict[str, Any]:
    seen: dict[str, Any] = json.loads(fetched.body)
    return seen


# --- what the proxy is given ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_http_goes_to_the_proxy_as_the_checked_address_with_the_name_in_host(
    site: Site, proxy: Proxy
) -> None:
    fetched = await fetch(site.url("/echo?q=1", "site.test"), _through(proxy.url()))
    assert proxy.asked == [
        Asked("GET", f"http://127.0.0.1:{site.port}/echo?q=1", proxy.asked[0].headers),
    ]
    assert proxy.asked[0].headers["host"] == f"site.test:{site.port}"
    # The site got the request the caller made, addressed by name.
    assert (_echoed(fetched)["path"], _echoed(fetched)["headers"]["host"]) == (
        "/echo?q=1",
        f"site.test:{site.port}",
    )
    assert (fetched.url, site.connections) == (site.url("/echo?q=1", "site.test"), 1)


@pytest.mark.anyio
async def test_https_goes_through_a_tunnel_to_the_checked_address(
    tls_site: Site, proxy: Proxy, authority: CertificateAuthority
) -> None:
    url = tls_site.url("/page", "site.test", scheme="https")
    fetched = await fetch(url, _through(proxy.url()), authority.client_context())
    assert fetched.text() == PAGE_TEXT
    target = f"127.0.0.1:{tls_site.port}"
    assert [(asked.method, asked.target, asked.headers["host"]) for asked in proxy.asked] == [
        ("CONNECT", target, target)
    ]
    assert "site.test" not in repr(proxy.asked)  # inside the tunnel, only TLS the proxy cannot read


@pytest.mark.anyio
async def test_tls_through_the_tunnel_checks_the_certificate_against_the_name(
    tls_site: Site, proxy: Proxy, authority: CertificateAuthority
) -> None:
    # other.test is the same address, but the certificate is for site.test only (not for the address
    # either): the site.test tunnel is not reused for it, and its own fails the check.
    async with GuardedClient(
        _through(proxy.url()), resolver=FakeDNS(DNS), ssl_context=authority.client_context()
    ) as client:
        fetched = await client.request("GET", tls_site.url("/page", "site.test", scheme="https"))
        with pytest.raises(OperationFailed, match="certificate verify failed"):
            await client.request("GET", tls_site.url("/page", "other.test", scheme="https"))
    assert fetched.text() == PAGE_TEXT
    assert [asked.method for asked in proxy.asked] == ["CONNECT", "CONNECT"]


# --- refused before the proxy hears of it ---------------------------------------------------------

REFUSED = [
    ("http://private.test/", "it resolves to 10.1.2.3"),
    ("https://private.test/", "it resolves to 10.1.2.3"),
    ("http://metadata.test/latest/meta-data/", "it resolves to 169.254.169.254"),
    ("https://mixed.test/", "it resolves to 127.0.0.1"),
    ("http://127.0.0.1:{port}/page", "(loopback)"),
    ("http://2130706433:{port}/page", "spells the IP address 127.0.0.1"),
    ("https://[::1]:{port}/page", "(loopback)"),
    ("http://localhost:{port}/page", "localhost names always mean this machine"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("url", "message"), REFUSED)
async def test_a_refused_destination_never_reaches_the_proxy(
    site: Site, proxy: Proxy, url: str, message: str
) -> None:
    policy = _through(proxy.url())
    # The control: an admitted request goes through this proxy, so its silence below means something.
    await fetch(site.url("/page", "site.test"), policy)
    with pytest.raises(AccessDenied, match=message):
        await fetch(url.format(port=site.port), policy)
    assert (proxy.connections, len(proxy.asked), site.connections) == (1, 1, 1)


@pytest.mark.anyio
@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_redirect_hop_through_the_proxy_is_checked_first(
    site: Site, proxy: Proxy, scheme: str
) -> None:
    start = site.url(f"/redirect?to={quote(f'{scheme}://private.test/', safe='')}", "site.test")
    with pytest.raises(AccessDenied, match=r"redirected to .*private\.test/\. .*it resolves to 10\.1\.2\.3"):
        await fetch(start, _through(proxy.url()))
    assert [asked.target for asked in proxy.asked] == [start.replace("site.test", "127.0.0.1")]


@pytest.mark.anyio
async def test_each_redirect_hop_reaches_the_proxy_as_its_own_address(site: Site, proxy: Proxy) -> None:
    start = site.url(f"/redirect?to={quote(site.url('/echo', 'other.test'), safe='')}", "site.test")
    fetched = await fetch(start, _through(proxy.url()))
    assert [(asked.target, asked.headers["host"]) for asked in proxy.asked] == [
        (start.replace("site.test", "127.0.0.1"), f"site.test:{site.port}"),
        (f"http://127.0.0.1:{site.port}/echo", f"other.test:{site.port}"),
    ]
    assert _echoed(fetched)["headers"]["host"] == f"other.test:{site.port}"


@pytest.mark.anyio
async def test_operator_headers_through_the_proxy_follow_the_same_rule(site: Site, proxy: Proxy) -> None:
    policy = NetworkPolicy(
        allow_private_network=True,
        allowed_hosts=frozenset({"site.test"}),
        operator_headers=(("Authorization", "Bearer operator-token"),),
        proxy_url=proxy.url(),
    )
    named = await fetch(site.url("/echo", "site.test"), policy)
    unnamed = await fetch(site.url("/echo", "other.test"), policy)
    assert _echoed(named)["headers"]["authorization"] == "Bearer operator-token"
    assert "authorization" not in _echoed(unnamed)["headers"]


# --- the proxy itself -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_proxy_credentials_go_to_the_proxy(
    site: Site, tls_site: Site, proxy: Proxy, authority: CertificateAuthority
) -> None:
    policy = _through(proxy.url(credentials="alice:p%40ss@"))
    await fetch(site.url("/page", "site.test"), policy)
    await fetch(tls_site.url("/page", "site.test", scheme="https"), policy, authority.client_context())
    expected = "Basic " + base64.b64encode(b"alice:p@ss").decode()
    assert [asked.headers.get("proxy-authorization") for asked in proxy.asked] == [expected, expected]
    assert "proxy-authorization" not in tls_site.received[0].headers


@pytest.mark.anyio
@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_an_https_proxy_is_reached_over_tls(
    site: Site, tls_site: Site, authority: CertificateAuthority, scheme: str
) -> None:
    # TLS to the proxy (its certificate names 127.0.0.1), and for https TLS again inside the tunnel.
    for proxy in serve(tls_server(Proxy(), authority.server_context("127.0.0.1"))):
        origin = tls_site if scheme == "https" else site
        fetched = await fetch(
            origin.url("/page", "site.test", scheme=scheme),
            _through(proxy.url("https")),
            authority.client_context(),
        )
        assert fetched.text() == PAGE_TEXT
        assert [asked.method for asked in proxy.asked] == ["CONNECT" if scheme == "https" else "GET"]


@pytest.mark.anyio
async def test_a_tunnel_the_proxy_refuses_fails_clearly(proxy: Proxy) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    policy = _through(proxy.url(credentials="alice:secret@"), f"site.test:{closed}")
    with pytest.raises(OperationFailed) as failure:
        await fetch(f"https://site.test:{closed}/", policy)
    assert f"answered 502 cannot reach the target to CONNECT 127.0.0.1:{closed}" in str(failure.value)
    assert "secret" not in str(failure.value)


@pytest.mark.anyio
async def test_an_unreachable_proxy_fails_clearly(site: Site) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for scheme in ("http", "https"):
        with pytest.raises(
            OperationFailed, match=f"The request to {scheme}://site.test:{site.port}/page failed"
        ):
            await fetch(site.url("/page", "site.test", scheme=scheme), _through(f"http://127.0.0.1:{closed}"))
    assert site.connections == 0


@pytest.mark.parametrize(
    ("proxy_url", "message"),
    [
        ("socks5://user:secret@127.0.0.1:1080", "has the socks5: scheme; only http:// and https:// proxies"),
        ("ftp://127.0.0.1/", "has the ftp: scheme"),
        ("127.0.0.1:3128", "only http:// and https:// proxies"),
        ("http://", "has no host"),
        ("http://user:secret@[::1/", "is not a valid URL"),
    ],
)
def test_a_proxy_url_that_is_not_an_http_proxy_is_refused(proxy_url: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as refusal:
        NetworkPolicy(proxy_url=proxy_url)
    assert "secret" not in str(refusal.value)
