"""The operator's HTTP proxy (--proxy-url), asked to connect to an address we checked, never to a name.

A proxy given a host name resolves it itself, out of the policy's sight: a name
that answers 10.0.0.5 to the proxy would reach the intranet from the proxy's
side. So `network.py` resolves and checks every destination first, and the proxy
is only ever given the address that check admitted:

- https: `open_tunnel` asks the proxy to `CONNECT ip:port`; TLS then runs inside
  the tunnel, end to end, with the real host name as SNI and as the name the
  certificate must carry (httpcore's own tunnel would check it against the IP).
- http: `forward_transport` is httpx's forward proxy, handed a request whose URL
  is `http://ip:port/path` (absolute form) with the real name in the Host header.

The proxy itself is where the operator said; it is not subject to the policy and
is reached through the system resolver. Credentials in the proxy URL
(`http://user:password@proxy:3128`) are sent as Proxy-Authorization to the proxy
only, and never shown in a message.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpcore
import httpx

from moorings_core.errors import InvalidInput
from moorings_core.sandbox._addresses import IPAddress

__all__ = ["ProxyServer", "forward_transport", "open_tunnel", "parse_proxy_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ProxyServer:
    """A proxy URL, read and checked; `shown` is its URL without credentials."""

    url: httpx.URL = field(repr=False)  # with the credentials, if any
    shown: str
    authorization: bytes | None = field(default=None, repr=False)  # the Proxy-Authorization value

    @property
    def host(self) -> str:
        return self.url.host

    @property
    def port(self) -> int:
        return self.url.port or _DEFAULT_PORTS[self.url.scheme]


def parse_proxy_url(text: str) -> ProxyServer:
    """Read --proxy-url; InvalidInput unless it is an http:// or https:// URL of a host."""
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise InvalidInput(f"--proxy-url is not a valid URL: {exc}.") from None
    shown = str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)
    if url.scheme not in _DEFAULT_PORTS:
        scheme = f"the {url.scheme}: scheme" if url.scheme else "no scheme"
        raise InvalidInput(
            f"--proxy-url {shown} has {scheme}; only http:// and https:// proxies are supported.",
            hint="Give the proxy as http://HOST:PORT (or https://HOST:PORT when it speaks TLS);"
            " SOCKS proxies are not supported.",
        )
    if not url.host:
        raise InvalidInput(f"--proxy-url {shown} has no host.", hint="Give it as http://HOST:PORT.")
    authorization = None
    if url.userinfo:
        credentials = f"{url.username}:{url.password}".encode()  # httpx has undone the %-escapes
        authorization = b"Basic " + base64.b64encode(credentials)
    return ProxyServer(url=url, shown=shown, authorization=authorization)


async def open_tunnel(
    proxy: ProxyServer,
    address: IPAddress,
    port: int,
    *,
    ssl_context: ssl.SSLContext,
    timeout: float | None,
    local_address: str | None,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
) -> httpcore.AsyncNetworkStream:
    """A stream to `address`:`port` through the proxy's CONNECT, ready for TLS to the origin.

    `ssl_context` checks an https proxy's own certificate. Raises httpcore.ProxyError when the proxy
    refuses, httpcore.ConnectError or ConnectTimeout when it cannot be reached.
    """
    # The proxy's address is the operator's choice: a plain backend, not the pinned one.
    stream = await httpcore.AnyIOBackend().connect_tcp(
        proxy.host, proxy.port, timeout=timeout, local_address=local_address, socket_options=socket_options
    )
    if proxy.url.scheme == "https":
        stream = await stream.start_tls(ssl_context, server_hostname=proxy.host, timeout=timeout)
    target = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
    headers = [(b"Host", target.encode()), (b"Accept", b"*/*")]
    if proxy.authorization is not None:
        headers.append((b"Proxy-Authorization", proxy.authorization))
    connection = httpcore.AsyncHTTP11Connection(
        origin=httpcore.Origin(proxy.url.raw_scheme, proxy.url.raw_host, proxy.port), stream=stream
    )
    request = httpcore.Request(
        b"CONNECT",
        httpcore.URL(scheme=proxy.url.raw_scheme, host=proxy.url.raw_host, port=proxy.port, target=target),
        headers=headers,
        extensions={"timeout": {"read": timeout, "write": timeout}},
    )
    response = await connection.handle_async_request(request)
    if not 200 <= response.status < 300:
        await connection.aclose()
        reason = response.extensions.get("reason_phrase", b"").decode("ascii", "replace")
        raise httpcore.ProxyError(
            f"the proxy {proxy.shown} answered {response.status} {reason} to CONNECT {target}"
        )
    tunnel: httpcore.AsyncNetworkStream = response.extensions["network_stream"]
    return tunnel


def forward_transport(proxy: ProxyServer, ssl_context: ssl.SSLContext) -> httpx.AsyncHTTPTransport:
    """httpx's transport through the proxy for http:// requests, which must already name an address."""
    proxy_context = ssl_context if proxy.url.scheme == "https" else None
    return httpx.AsyncHTTPTransport(
        proxy=httpx.Proxy(proxy.url, ssl_context=proxy_context), verify=ssl_context, trust_env=False
    )
