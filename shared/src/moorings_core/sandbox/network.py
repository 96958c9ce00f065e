"""Outbound HTTP under a policy: public addresses only, pinned connections, bounded bodies.

The fetch and openapi servers import this module on first use (it pulls in
httpx), never at start-up. How the policy holds:

- `NetworkPolicy.check_url` refuses what needs no DNS: schemes other than http
  and https, credentials in the URL, malformed hosts, and IP literals in any
  spelling a resolver accepts (`http://2130706433/` is 127.0.0.1), and
  `localhost` names, which mean this machine whatever DNS says (RFC 6761).
- Cloud metadata addresses hand out the machine's credentials: only an
  --allow-host rule naming the address admits one, not --allow-private-network.
- A host name is resolved once, by the network backend that opens the socket.
  Every address it resolves to must be admitted, and the socket connects to one
  of those very addresses: there is no second lookup for DNS rebinding to answer
  differently. TLS still checks the certificate against the host name, which
  httpcore passes to `start_tls` as `server_hostname`.
- Proxies from the environment are ignored (`trust_env=False`): a proxy would
  resolve names out of our sight.
- Redirects are followed here, not by httpx, so each hop is checked before it
  is requested and credentials do not travel to another origin.
- The body is streamed under a byte cap that counts both the bytes on the wire
  and the decoded bytes, and one deadline covers the whole exchange.
"""

from __future__ import annotations

import codecs
import functools
import http.cookiejar
import re
import socket
import ssl
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from types import TracebackType
from typing import NamedTuple

import anyio
import httpcore
import httpx

from moorings_core.errors import AccessDenied, InvalidInput, LimitExceeded, MooringsError, OperationFailed
from moorings_core.sandbox._addresses import IPAddress, is_cloud_metadata, non_public_kind, parse_ip_literal
from moorings_core.sandbox._content_decoding import ACCEPT_ENCODING, decoder_for

__all__ = [
    "DEFAULT_USER_AGENT",
    "Fetched",
    "GuardedClient",
    "NetworkPolicy",
    "Resolver",
    "resolve_destination",
    "system_resolver",
]

DEFAULT_USER_AGENT = "Moorings (+https://github.com/moorings)"

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolves (host, port) to IP address strings; raises OSError when the name does not resolve."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}\.?")
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers a caller set may be credentials under any name (X-Api-Key): only these follow a redirect to
# another origin.
_PORTABLE_HEADERS = frozenset({"accept", "accept-language", "content-type", "content-language"})
_BODY_HEADERS = frozenset(
    {"content-type", "content-language", "content-encoding", "content-length", "transfer-encoding"}
)
# Room for compression framing, so that an incompressible gzip body that fits the cap is not called truncated.
_WIRE_SLACK = 64 * 1024
_MAX_SHOWN_URL = 200


class _HostRule(NamedTuple):
    """One --allow-host entry: a host name or an address, on one port or (None) on every port."""

    host: str | IPAddress
    port: int | None

    def covers(self, host: str | IPAddress, port: int) -> bool:
        return self.host == host and self.port in (None, port)


@dataclass(frozen=True)
class NetworkPolicy:
    """Where outbound requests may go, and how much they may take.

    `allowed_hosts` entries are `HOST` or `HOST:PORT` (IPv6 as `[::1]:8080`). A name
    entry admits that name whatever it resolves to, except a cloud metadata address;
    an address entry admits that address, however the URL spells or reaches it.
    `allow_private_network` admits every address but cloud metadata.
    """

    allow_private_network: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    max_body_bytes: int = 10 * 2**20
    total_timeout: float = 30.0
    connect_timeout: float = 10.0
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    _rules: tuple[_HostRule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1 or self.max_redirects < 0:
            raise InvalidInput("max_body_bytes must be at least 1 and max_redirects at least 0.")
        if self.total_timeout <= 0 or self.connect_timeout <= 0:
            raise InvalidInput("total_timeout and connect_timeout must be positive numbers of seconds.")
        object.__setattr__(self, "allowed_hosts", frozenset(self.allowed_hosts))
        rules = tuple(_parse_host_rule(entry) for entry in sorted(self.allowed_hosts))
        object.__setattr__(self, "_rules", rules)

    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """Parse `url` and refuse it if it can be refused without DNS; the parsed URL is what to request.

        Raises InvalidInput for a malformed URL, a scheme other than http(s) or
        credentials in the URL, and AccessDenied for an IP literal or a localhost name that is not admitted.
        """
        parsed = _parse_url(url)
        host = parsed.raw_host.decode("ascii")
        literal = _host_address(host, parsed)
        if literal is not None:
            self._check_address(host, _port_of(parsed), literal, resolved=False)
        else:
            self._check_name(host, _port_of(parsed))
        return parsed

    def _check_name(self, host: str, port: int) -> None:
        """Refuse a `localhost` name unless the operator admitted it: no resolver is asked first."""
        name = host.removesuffix(".")
        if not (name == "localhost" or name.endswith(".localhost")):
            return
        if self.allow_private_network or any(rule.covers(name, port) for rule in self._rules):
            return
        raise AccessDenied(
            f"Refused to connect to {host}: localhost names always mean this machine (loopback)."
            " Only public internet addresses are allowed.",
            hint=f"If the user trusts it, they can start the server with --allow-host {name}:{port}"
            f" (or --allow-host {name} for every port) or with --allow-private-network.",
        )

    def _check_address(self, host: str, port: int, address: IPAddress, *, resolved: bool) -> None:
        kind = non_public_kind(address)
        if kind is None or any(rule.covers(address, port) for rule in self._rules):
            return
        metadata = is_cloud_metadata(address)
        name = host.removesuffix(".")
        if not metadata and (
            self.allow_private_network or any(rule.covers(name, port) for rule in self._rules)
        ):
            return
        raise _address_refusal(host, port, address, kind, resolved=resolved, metadata=metadata)


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's resolver (getaddrinfo in a worker thread)."""
    answers = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(sockaddr[0]) for *_, sockaddr in answers]


async def resolve_destination(
    policy: NetworkPolicy, host: str, port: int, resolver: Resolver | None = None
) -> list[IPAddress]:
    """Resolve `host` once and return its addresses, every one of them admitted by `policy`.

    This is the lookup a connection makes; connect only to what it returns.
    Raises AccessDenied if any address is refused (a name that answers with one
    public and one private address is refused: which one gets used is the
    attacker's choice), OperationFailed if the name does not resolve.
    """
    literal = _host_address(host, host)
    if literal is not None:
        policy._check_address(host, port, literal, resolved=False)
        return [literal]
    policy._check_name(host, port)
    addresses = await _lookup(host, port, resolver or system_resolver)
    for address in addresses:
        policy._check_address(host, port, address, resolved=True)
    return addresses


@dataclass(frozen=True)
class Fetched:
    """A response read under the policy.

    `body` is decoded (gzip or deflate undone) and at most `max_body_bytes` long;
    `truncated` says the server had more. `headers` are the server's, so their
    Content-Encoding and Content-Length describe the wire, not `body`.
    `redirects` lists the URLs that answered with a redirect, in order; `url` is
    where the chain ended.
    """

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool
    redirects: tuple[str, ...]

    def text(self) -> str:
        """The body as text: a byte-order mark wins, then the Content-Type charset, then UTF-8."""
        encoding = _bom_encoding(self.body) or _declared_charset(self.headers.get("content-type", ""))
        try:
            return self.body.decode(encoding or "utf-8", errors="replace")
        except LookupError:  # a codec that is not a text encoding, such as rot13
            return self.body.decode("utf-8", errors="replace")


class GuardedClient:
    """An HTTP client that only reaches what its policy admits.

    Use it as an async context manager; it owns one httpx.AsyncClient (and its
    connection pool). Cookies are never stored: each request stands alone.
    `resolver` replaces the system resolver (tests use it to play DNS);
    `ssl_context` replaces the default trust store (certifi, or SSL_CERT_FILE).
    """

    def __init__(
        self,
        policy: NetworkPolicy,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._policy = policy
        backend = _PinnedBackend(policy, resolver or system_resolver)
        self._client = httpx.AsyncClient(
            transport=_PinnedTransport(backend, ssl_context or _default_ssl_context()),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(policy.total_timeout, connect=policy.connect_timeout),
            # We decode bodies ourselves, under the cap, and only these codings.
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])),
        )

    async def __aenter__(self) -> GuardedClient:
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._client.__aexit__(exc_type, exc_value, traceback)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Fetched:
        """Send one request, following checked redirects, and read the body under the byte cap.

        Raises InvalidInput or AccessDenied when the policy refuses a URL (the first
        or a redirect), LimitExceeded past the deadline or the redirect limit, and
        OperationFailed when the server cannot be reached or sends something broken.
        """
        hop = _Hop(method.upper(), self._policy.check_url(url), _request_headers(headers), content)
        progress = _Progress(str(hop.url))
        try:
            with anyio.fail_after(self._policy.total_timeout):
                return await self._follow(hop, progress)
        except TimeoutError:
            raise LimitExceeded(
                f"Fetching {_shown(progress.url)} did not finish within the {self._policy.total_timeout:g} s"
                f" limit ({progress.received:,} bytes of the response had arrived).",
                hint="The server is slow or its body never ends; try later or fetch a smaller resource.",
            ) from None
        except httpx.ConnectTimeout as exc:
            raise OperationFailed(
                f"Could not connect to {_shown(progress.url)} within {self._policy.connect_timeout:g} s."
            ) from exc
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise OperationFailed(f"The request to {_shown(progress.url)} failed: {reason}.") from exc

    async def _follow(self, hop: _Hop, progress: _Progress) -> Fetched:
        redirects: list[str] = []
        while True:
            progress.url = str(hop.url)
            response = await self._send(hop, redirects)
            try:
                location = _redirect_location(response)
                if location is None:
                    body, truncated = await _read_capped(response, self._policy.max_body_bytes, progress)
                    return Fetched(
                        url=str(hop.url),
                        status=response.status_code,
                        headers=response.headers,
                        body=body,
                        truncated=truncated,
                        redirects=tuple(redirects),
                    )
            finally:
                await response.aclose()
            redirects.append(str(hop.url))
            target = self._checked_redirect(hop.url, location)
            if len(redirects) > self._policy.max_redirects:
                raise LimitExceeded(
                    f"{_shown(redirects[0])} redirected more than {self._policy.max_redirects} times"
                    f" (the last hop pointed to {_shown(str(target))}), so it was not followed further.",
                    hint="Fetch the final URL directly if you know it.",
                )
            hop = _next_hop(hop, response.status_code, target)

    async def _send(self, hop: _Hop, redirects: list[str]) -> httpx.Response:
        request = self._client.build_request(hop.method, hop.url, headers=hop.headers, content=hop.content)
        try:
            return await self._client.send(request, stream=True)
        except MooringsError as exc:  # refused or unresolvable at connect time
            if not redirects:
                raise
            raise _in_redirect(exc, redirects[-1], hop.url) from exc
        except httpx.InvalidURL as exc:
            # httpx builds the next request of a redirect even when it is not to follow it, and a Location
            # it cannot parse (`data:,x`) raises this, which is not an httpx.HTTPError.
            raise OperationFailed(
                f"{_shown(str(hop.url))} redirected to an invalid URL ({exc}),"
                " so the redirect was not followed."
            ) from exc

    def _checked_redirect(self, source: httpx.URL, location: str) -> httpx.URL:
        try:
            target = source.join(location)
        except httpx.InvalidURL as exc:
            raise OperationFailed(f"{_shown(str(source))} redirected to an invalid URL: {exc}.") from exc
        try:
            return self._policy.check_url(target)
        except MooringsError as exc:
            raise _in_redirect(exc, str(source), target) from exc


class _PinnedBackend(httpcore.AnyIOBackend):
    """Resolves through the policy and connects to an address it admitted.

    This is the only DNS lookup a connection makes.
    """

    def __init__(self, policy: NetworkPolicy, resolver: Resolver) -> None:
        super().__init__()
        self._policy = policy
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # One budget for resolving and connecting: a resolver that never answers is a connect timeout.
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve_destination(self._policy, host, port, self._resolver)
                return await self._connect_to_any(addresses, port, local_address, socket_options)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} within {timeout} s") from None

    async def _connect_to_any(
        self,
        addresses: list[IPAddress],
        port: int,
        local_address: str | None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> httpcore.AsyncNetworkStream:
        failure = httpcore.ConnectError("no address to connect to")
        for address in addresses:
            try:
                return await super().connect_tcp(
                    str(address), port, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a pool that uses the pinned backend."""

    def __init__(self, backend: _PinnedBackend, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx has no argument for the network backend, so replace the pool it built (still unused and
        # holding nothing) with the same pool on our backend.
        self._pool = httpcore.AsyncConnectionPool(ssl_context=ssl_context, network_backend=backend)


class _Hop(NamedTuple):
    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes | None


class _Progress:
    """What the deadline message reports: the URL being fetched and the bytes received from it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received = 0


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """The default trust store (certifi, or SSL_CERT_FILE). Loading it takes about 0.1 s: do it once."""
    return httpx.create_ssl_context()


async def _lookup(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        answers = await resolver(host, port)
    except OSError as exc:
        raise OperationFailed(
            f"Could not resolve the host name {host}: {exc.strerror or exc}.",
            hint="Check the spelling of the URL.",
        ) from exc
    try:
        addresses = [ip_address(answer) for answer in dict.fromkeys(answers)]
    except ValueError as exc:
        raise OperationFailed(f"Resolving {host} gave an invalid address: {exc}.") from exc
    if not addresses:
        raise OperationFailed(f"The host name {host} resolves to no address.")
    return addresses


async def _read_capped(response: httpx.Response, limit: int, progress: _Progress) -> tuple[bytes, bool]:
    """Read at most `limit` decoded bytes, stopping as soon as either the wire or the content runs over."""
    content_encoding = response.headers.get("content-encoding", "")
    decoder = decoder_for(content_encoding)
    if decoder is None:
        raise OperationFailed(
            f"{_shown(progress.url)} answered with Content-Encoding {content_encoding!r}, which cannot be"
            f" decoded; only gzip and deflate are supported."
        )
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            progress.received += len(chunk)
            # Ask for one byte beyond the room left: getting it means the body overflows the cap.
            body += decoder.decode(chunk, limit + 1 - len(body))
            if len(body) > limit or progress.received > limit + _WIRE_SLACK:
                return bytes(body[:limit]), True
    except zlib.error as exc:
        raise OperationFailed(
            f"The body of {_shown(progress.url)} is not valid {content_encoding} data ({exc})."
        ) from exc
    return bytes(body), False


def _parse_url(url: str | httpx.URL) -> httpx.URL:
    shown = _shown(str(url))
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidInput(
            f"{shown!r} is not a valid URL: {exc}.", hint="Write a full URL such as https://example.com/page."
        ) from None
    if not parsed.scheme:
        raise InvalidInput(
            f"{shown!r} has no scheme.", hint="Write a full URL such as https://example.com/page."
        )
    if parsed.scheme not in _DEFAULT_PORTS:
        raise InvalidInput(
            f"{shown!r} uses the {parsed.scheme}: scheme; only http and https URLs can be fetched."
        )
    if parsed.userinfo:
        raise InvalidInput(
            f"{shown!r} has a user name or password before '@'; such URLs are refused because they disguise"
            " the real host and leak credentials.",
            hint="Remove the part before '@'; pass credentials in a header if the site needs them.",
        )
    if not parsed.raw_host:
        raise InvalidInput(
            f"{shown!r} has no host.", hint="Write a full URL such as https://example.com/page."
        )
    if not 1 <= _port_of(parsed) <= 65535:
        raise InvalidInput(f"{shown!r} has port {parsed.port}; a port is a number from 1 to 65535.")
    return parsed


def _host_address(host: str, url: str | httpx.URL) -> IPAddress | None:
    """The address a URL host spells, None for a well-formed name; InvalidInput for anything else."""
    try:
        literal = parse_ip_literal(host)
    except ValueError:
        raise InvalidInput(
            f"The host {host!r} in {_shown(str(url))!r} is written like an IP address but is not a valid one."
        ) from None
    if literal is None and not (_HOST_NAME.fullmatch(host) and len(host) <= 254):
        raise InvalidInput(f"The host {host!r} in {_shown(str(url))!r} is not a valid host name.")
    return literal


def _address_refusal(
    host: str, port: int, address: IPAddress, kind: str, *, resolved: bool, metadata: bool
) -> AccessDenied:
    """Say why `address` is refused, and which --allow-host entry would admit it."""
    if resolved:
        why, allow = f"it resolves to {address}, which is not a public address ({kind})", host
    elif host == str(address):
        why, allow = f"it is not a public address ({kind})", str(address)
    else:
        why, allow = f"it spells the IP address {address}, which is not public ({kind})", str(address)
    if metadata:  # only a rule naming this very address admits it
        why, allow = f"{why} and hands out the cloud machine's credentials", str(address)
    allow = f"[{allow}]" if ":" in allow else allow
    if metadata:
        hint = (
            "Neither --allow-private-network nor an allowed host name admits it; if the user really"
            f" wants it reached, they can start the server with --allow-host {allow}:{port}."
        )
    else:
        hint = (
            f"If the user trusts it, they can start the server with --allow-host {allow}:{port}"
            f" (or --allow-host {allow} for every port) or with --allow-private-network."
        )
    return AccessDenied(
        f"Refused to connect to {host}: {why}. Only public internet addresses are allowed.", hint=hint
    )


def _parse_host_rule(entry: str) -> _HostRule:
    """Read an --allow-host entry: HOST, HOST:PORT, IPv6, or [IPv6]:PORT."""
    text = entry.strip().lower()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise InvalidInput(f"--allow-host {entry!r} is not HOST or HOST:PORT.")
        port_text = rest[1:] or None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:  # a name, an IPv4 address or a bare IPv6 address
        host, port_text = text, None
    port = _parse_port(port_text, entry)
    try:
        # The same normalization (case, IDNA) as the URLs the rule will be compared with.
        normalized = httpx.URL(f"http://[{host}]/" if ":" in host else f"http://{host}/").raw_host.decode(
            "ascii"
        )
    except httpx.InvalidURL:
        normalized = ""
    if not normalized:
        raise InvalidInput(f"--allow-host {entry!r} does not name a valid host.")
    literal = _host_address(normalized, entry)
    return _HostRule(literal if literal is not None else normalized.removesuffix("."), port)


def _parse_port(text: str | None, entry: str) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise InvalidInput(f"--allow-host {entry!r} has an invalid port; a port is a number from 1 to 65535.")
    return int(text)


def _port_of(url: httpx.URL) -> int:
    return url.port if url.port is not None else _DEFAULT_PORTS[url.scheme]


def _request_headers(headers: Mapping[str, str] | None) -> httpx.Headers:
    """The caller's headers, less Accept-Encoding: the client's own value says what we can decode."""
    return httpx.Headers([(k, v) for k, v in httpx.Headers(headers).multi_items() if k != "accept-encoding"])


def _redirect_location(response: httpx.Response) -> str | None:
    if response.status_code not in _REDIRECT_STATUSES:
        return None
    location: str | None = response.headers.get("location")
    return location


def _next_hop(hop: _Hop, status: int, target: httpx.URL) -> _Hop:
    """The request a redirect asks for.

    As in browsers, 303 (and 301/302 after a POST) turn into a GET without a body.
    """
    method, headers, content = hop.method, hop.headers, hop.content
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, content = "GET", None
        headers = httpx.Headers([(k, v) for k, v in headers.multi_items() if k not in _BODY_HEADERS])
    if _origin(target) != _origin(hop.url):
        headers = httpx.Headers([(k, v) for k, v in headers.multi_items() if k in _PORTABLE_HEADERS])
    return _Hop(method, target, headers, content)


def _origin(url: httpx.URL) -> tuple[str, bytes, int]:
    return url.scheme, url.raw_host, _port_of(url)


def _in_redirect(exc: MooringsError, source: str, target: httpx.URL) -> MooringsError:
    """The same refusal, saying that a redirect led there (the model asked for another URL)."""
    return type(exc)(f"{_shown(source)} redirected to {_shown(str(target))}. {exc.message}", hint=exc.hint)


def _bom_encoding(body: bytes) -> str | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _declared_charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            try:
                return codecs.lookup(value.strip().strip("\"'")).name
            except LookupError:
                return None
    return None


def _shown(url: str) -> str:
    """A URL short enough to quote in a message."""
    return url if len(url) <= _MAX_SHOWN_URL else url[: _MAX_SHOWN_URL - 1] + "…"
