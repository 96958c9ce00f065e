"""Outbound HTTP under a policy: public addresses only, pinned connections, bounded bodies.

The fetch and openapi servers import this module on first use (it pulls in
httpx), never at start-up; their settings (`moorings_core.outbound`) validate
--allow-host and --header without it. How the policy holds:

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
- The operator's own proxy (`proxy_url`, http:// or https://) is given addresses,
  never names (`_proxy.py`): the destination is resolved and checked here, as
  without a proxy, then an https request goes through `CONNECT ip:port` with TLS
  inside the tunnel checked against the real host name, and an http request is
  sent as `GET http://ip:port/path` with the name in its Host header. So the
  proxy sees the address and port of an https destination and the whole of an
  http request (it could also read the name in the TLS ClientHello's SNI, as any
  network in between could). Through the proxy, an http request goes to the
  first address the name resolved to; an https one tries each in turn.
- Redirects are followed here, not by httpx, so each hop is checked before it
  is requested and credentials do not travel to another origin.
- `only_origins` narrows where requests may go at all, whatever the addresses:
  a server that calls one API (moorings-openapi) names its origins, and any
  other URL, a redirect's included, is refused before any lookup.
- Operator headers (`operator_headers`, --header) are for the hosts the
  operator named: they are added, replacing the caller's header of that name,
  only to a request whose URL host and port an --allow-host rule covers (a rule
  for an address covers that address however the URL spells it, not a name that
  resolves to it), and to every request only when there are no rules at all. They
  are decided per hop, so a redirect to a host no rule covers goes without them.
  The caller's own headers, which may be credentials under any name, go to
  another origin only if they are harmless (Accept, Content-Type, ...); a caller's
  Host header is never sent (the URL says where the request goes).
- The body is streamed under a byte cap that counts both the bytes on the wire
  and the decoded bytes (gzip, deflate and br are decoded a bounded piece at a
  time, `_content_decoding.py`), and one deadline covers the whole exchange.
  A request may ask for a smaller cap and a shorter deadline than the policy's.
- Retrying is opt-in (`retry=RetryPolicy(...)`, `_retries.py` says when): a
  429 or 503 with a Retry-After the policy accepts, and, for idempotent methods
  only, a connection that failed before a response. A retry resends the hop that
  failed, through every check above; waits count against the one deadline, and a
  wait that would not end before it is not waited. Policy refusals are never retried.
- A `RateLimiter` given to the client (`moorings_core.ratelimit`) is acquired
  before every request sent, each redirect hop and retry included.
- `Fetched.text()` reads the charset as a browser would (`moorings_core.charsets`).
"""

from __future__ import annotations

import functools
import http.cookiejar
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from types import TracebackType
from typing import NamedTuple, TypeVar

import anyio
import httpcore
import httpx

from moorings_core.charsets import decode_text
from moorings_core.errors import AccessDenied, InvalidInput, LimitExceeded, MooringsError, OperationFailed
from moorings_core.ratelimit import RateLimiter
from moorings_core.sandbox._addresses import IPAddress, is_cloud_metadata, non_public_kind, parse_ip_literal
from moorings_core.sandbox._content_decoding import ACCEPT_ENCODING, DecodingError, decoder_for
from moorings_core.sandbox._hosts import HostRule, is_host_name, parse_host_rule
from moorings_core.sandbox._operator_headers import check_operator_header
from moorings_core.sandbox._proxy import ProxyServer, forward_transport, open_tunnel, parse_proxy_url
from moorings_core.sandbox._retries import (
    IDEMPOTENT_METHODS,
    RETRY_AFTER_STATUSES,
    RetryPolicy,
    retry_after_seconds,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "Fetched",
    "GuardedClient",
    "NetworkPolicy",
    "ProgressCallback",
    "RedirectCheck",
    "Resolver",
    "RetryPolicy",
    "resolve_destination",
    "system_resolver",
]

DEFAULT_USER_AGENT = "Moorings (+https://github.com/moorings)"

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolves (host, port) to IP address strings; raises OSError when the name does not resolve."""

ProgressCallback = Callable[[int, "int | None"], None]
"""Told (content bytes read so far, content bytes expected or None) as a response body streams in."""
RedirectCheck = Callable[[httpx.URL], Awaitable[None]]
"""A caller's own check of a redirect target, awaited before the hop is requested; raises to refuse it."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
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
# Raised by send before a response's headers arrived: the connection failed, or the server dropped it.
# (ConnectTimeout is not among them: waiting out another connect timeout would spend the deadline.)
_CONNECTION_FAILURES = (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class NetworkPolicy:
    """Where outbound requests may go, and how much they may take.

    `allowed_hosts` entries are `HOST` or `HOST:PORT` (IPv6 as `[::1]:8080`). A name
    entry admits that name whatever it resolves to, except a cloud metadata address;
    an address entry admits that address, however the URL spells or reaches it.
    `allow_private_network` admits every address but cloud metadata.

    `operator_headers` are (name, value) pairs sent only to the hosts the rules
    cover, or everywhere when there are no rules (see the module docstring).
    `proxy_url` is an http:// or https:// proxy every request goes through,
    given checked addresses only; it may carry `user:password@`.
    `only_origins`, when not empty, are the only origins (`https://api.example.com`,
    `http://127.0.0.1:8000`) requests may go to; every address rule still applies to them.
    """

    allow_private_network: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    max_body_bytes: int = 10 * 2**20
    total_timeout: float = 30.0
    connect_timeout: float = 10.0
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    operator_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # credentials, often
    proxy_url: str | None = field(default=None, repr=False)  # it may hold a password
    only_origins: frozenset[str] = frozenset()
    _origins: frozenset[tuple[str, bytes, int]] = field(init=False, repr=False, compare=False)
    _rules: tuple[HostRule, ...] = field(init=False, repr=False, compare=False)
    _proxy_server: ProxyServer | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1 or self.max_redirects < 0:
            raise InvalidInput("max_body_bytes must be at least 1 and max_redirects at least 0.")
        if self.total_timeout <= 0 or self.connect_timeout <= 0:
            raise InvalidInput("total_timeout and connect_timeout must be positive numbers of seconds.")
        object.__setattr__(self, "allowed_hosts", frozenset(self.allowed_hosts))
        rules = tuple(_host_rule(entry) for entry in sorted(self.allowed_hosts))
        object.__setattr__(self, "_rules", rules)
        headers = tuple((str(name), str(value)) for name, value in self.operator_headers)
        for name, value in headers:
            try:
                check_operator_header(name, value)
            except ValueError as exc:
                raise InvalidInput(f"Operator header {name[:40]!r}: {exc}.") from None
        object.__setattr__(self, "operator_headers", headers)
        proxy = parse_proxy_url(self.proxy_url) if self.proxy_url is not None else None
        object.__setattr__(self, "_proxy_server", proxy)
        object.__setattr__(self, "only_origins", frozenset(self.only_origins))
        object.__setattr__(self, "_origins", frozenset(_origin(_parse_url(o)) for o in self.only_origins))

    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """Parse `url` and refuse it if it can be refused without DNS; the parsed URL is what to request.

        Raises InvalidInput for a malformed URL, a scheme other than http(s) or
        credentials in the URL, and AccessDenied for an IP literal or a localhost name that is not admitted.
        """
        parsed = _parse_url(url)
        if self._origins and _origin(parsed) not in self._origins:
            raise AccessDenied(
                f"Refused to request {_shown(str(parsed))}: this server only sends requests to"
                f" {', '.join(sorted(self.only_origins))}.",
                hint="Only the base URLs the server was started with can be reached.",
            )
        host = parsed.raw_host.decode("ascii")
        literal = _host_address(host, parsed)
        if literal is not None:
            self._check_address(host, _port_of(parsed), literal, resolved=False)
        else:
            self._check_name(host, _port_of(parsed))
        return parsed

    def _headers_for(self, url: httpx.URL) -> tuple[tuple[str, str], ...]:
        """The operator headers a request to `url` gets: all of them where a rule covers it, else none."""
        if not self.operator_headers or not self._rules:
            return self.operator_headers
        host = url.raw_host.decode("ascii")
        literal = parse_ip_literal(host)  # check_url has read the host already: this cannot fail
        target = literal if literal is not None else host.removesuffix(".")
        port = _port_of(url)
        return self.operator_headers if any(rule.covers(target, port) for rule in self._rules) else ()

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
    where the chain ended. `attempts` is 1 plus the retries made (on any hop), and
    `retry_after` the last Retry-After a 429 or 503 gave, in seconds, when a retry
    policy was in force. A 429 or 503 returned with `retry_after` set asked for a
    wait that was not waited: longer than `max_wait`, past the deadline, or no attempts left.
    """

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool
    redirects: tuple[str, ...]
    attempts: int = 1
    retry_after: float | None = None

    def text(self) -> str:
        """The body as text, in the charset a browser would read it in (`moorings_core.charsets`)."""
        text, _ = decode_text(self.body, self.headers.get("content-type", ""))
        return text


class GuardedClient:
    """An HTTP client that only reaches what its policy admits.

    Use it as an async context manager; it owns one httpx.AsyncClient (and its
    connection pool). Cookies are never stored: each request stands alone.
    `resolver` replaces the system resolver (tests use it to play DNS);
    `ssl_context` replaces the default trust store (certifi, or SSL_CERT_FILE),
    for the origins and for an https proxy alike. `rate_limiter` is acquired before
    every request sent (each redirect hop and retry); its waits count against the deadline.
    """

    def __init__(
        self,
        policy: NetworkPolicy,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self._policy = policy
        self._rate_limiter = rate_limiter
        resolver = resolver or system_resolver
        context = ssl_context or _default_ssl_context()
        proxy = policy._proxy_server
        backend = _PinnedBackend(policy, resolver, _Tunnels(proxy, context) if proxy else None)
        # Without a proxy every request takes the pinned backend; with one, https does (through a tunnel to
        # the address it checked) and http takes the forward proxy, given the address it checked.
        mounts = (
            {"http://": _ForwardTransport(policy, resolver, forward_transport(proxy, context))}
            if proxy
            else {}
        )
        self._client = httpx.AsyncClient(
            transport=_PinnedTransport(backend, context),
            mounts=mounts,
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
        max_bytes: int | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (lowers the deadline, which fail_after enforces)
        on_progress: ProgressCallback | None = None,
        before_redirect: RedirectCheck | None = None,
        retry: RetryPolicy | None = None,
    ) -> Fetched:
        """Send one request, following checked redirects, and read the body under the byte cap.

        `max_bytes` and `timeout` lower the policy's byte cap and deadline for this
        request (a larger value than the policy's is the policy's). `on_progress` is
        called as the final body streams in, with the content bytes read so far and
        the number expected: Content-Length, at most the cap, when the body is not
        compressed, else None. It runs in the event loop: it must be quick.
        `before_redirect` is awaited with each redirect's target once the policy has
        admitted it and before it is requested: a caller's own rule (robots.txt) refuses
        the hop by raising a MooringsError, which is reported as the redirect's.
        `retry` sends a hop again as `_retries.py` describes: after a 429 or 503
        whose Retry-After is at most `retry.max_wait` and ends before the deadline
        (any method: the server says it did not process the request), and after a
        connection failure for idempotent methods only (a POST may have been acted on).
        Without it every hop is sent once.

        Raises InvalidInput or AccessDenied when the policy refuses a URL (the first
        or a redirect), LimitExceeded past the deadline or the redirect limit, and
        OperationFailed when the server cannot be reached or sends something broken.
        """
        deadline = _at_most(timeout, self._policy.total_timeout, "timeout")
        limits = _Limits(
            body_bytes=_at_most(max_bytes, self._policy.max_body_bytes, "max_bytes"),
            deadline=deadline,
            connect=min(self._policy.connect_timeout, deadline),
        )
        hop = _Hop(method.upper(), self._policy.check_url(url), _request_headers(headers), content)
        progress = _Progress(str(hop.url), on_progress)
        tries = _Tries(retry)
        try:
            with anyio.fail_after(limits.deadline) as scope:
                tries.ends_at = scope.deadline
                return await self._follow(hop, progress, limits, before_redirect, tries)
        except TimeoutError:
            raise LimitExceeded(
                f"Fetching {_shown(progress.url)} did not finish within the {limits.deadline:g} s"
                f" limit ({progress.received:,} bytes of the response had arrived).",
                hint="The server is slow or its body never ends; try later or fetch a smaller resource.",
            ) from None
        except httpx.ConnectTimeout as exc:
            raise OperationFailed(
                f"Could not connect to {_shown(progress.url)} within {limits.connect:g} s."
            ) from exc
        except httpx.HTTPError as exc:
            reason = str(exc).rstrip(".") or type(exc).__name__
            sent = f" ({tries.attempts} attempts)" if tries.attempts > 1 else ""
            raise OperationFailed(f"The request to {_shown(progress.url)} failed{sent}: {reason}.") from exc

    async def _follow(
        self,
        hop: _Hop,
        progress: _Progress,
        limits: _Limits,
        before_redirect: RedirectCheck | None,
        tries: _Tries,
    ) -> Fetched:
        redirects: list[str] = []
        while True:
            progress.url = str(hop.url)
            response = await self._send_retrying(hop, redirects, limits, tries)
            try:
                location = _redirect_location(response)
                if location is None:
                    body, truncated = await _read_capped(response, limits.body_bytes, progress)
                    return Fetched(
                        url=str(hop.url),
                        status=response.status_code,
                        headers=response.headers,
                        body=body,
                        truncated=truncated,
                        redirects=tuple(redirects),
                        attempts=tries.attempts,
                        retry_after=tries.retry_after,
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
            if before_redirect is not None:
                try:
                    await before_redirect(target)
                except MooringsError as exc:
                    raise _in_redirect(exc, redirects[-1], target) from exc
            hop = _next_hop(hop, response.status_code, target)

    async def _send_retrying(
        self, hop: _Hop, redirects: list[str], limits: _Limits, tries: _Tries
    ) -> httpx.Response:
        """Send `hop`, and again for as long as `tries` says a retry is due; the last response."""
        while True:
            try:
                response = await self._send(hop, redirects, limits)
            except _CONNECTION_FAILURES:
                wait = tries.after_connection_failure(hop.method)
                if wait is None:
                    raise
            else:
                wait = tries.after_response(response)
                if wait is None:
                    return response
                await response.aclose()
            tries.retries += 1
            await anyio.sleep(wait)

    async def _send(self, hop: _Hop, redirects: list[str], limits: _Limits) -> httpx.Response:
        if self._rate_limiter is not None:
            await self._rate_limiter.acquire()
        # The operator's headers are decided for this hop's URL alone, and replace the caller's of that name.
        operator = self._policy._headers_for(hop.url)
        replaced = {name.lower() for name, _ in operator}
        headers = [(k, v) for k, v in hop.headers.multi_items() if k not in replaced] + list(operator)
        request = self._client.build_request(
            hop.method,
            hop.url,
            headers=headers,
            content=hop.content,
            timeout=httpx.Timeout(limits.deadline, connect=limits.connect),
        )
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


class _Tunnels(NamedTuple):
    """Where a pinned backend opens its connections instead of connecting directly: CONNECT tunnels."""

    proxy: ProxyServer
    ssl_context: ssl.SSLContext  # for an https proxy's own certificate


class _PinnedBackend(httpcore.AnyIOBackend):
    """Resolves through the policy and connects to an address it admitted, directly or through a tunnel.

    This is the only DNS lookup a connection makes.
    """

    def __init__(self, policy: NetworkPolicy, resolver: Resolver, tunnels: _Tunnels | None = None) -> None:
        super().__init__()
        self._policy = policy
        self._resolver = resolver
        self._tunnels = tunnels

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
                return await self._connect_to_any(addresses, port, timeout, local_address, socket_options)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} within {timeout} s") from None

    async def _connect_to_any(
        self,
        addresses: list[IPAddress],
        port: int,
        connect_timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> httpcore.AsyncNetworkStream:
        failure: httpcore.NetworkError | httpcore.ProxyError = httpcore.ConnectError(
            "no address to connect to"
        )
        for address in addresses:
            try:
                if self._tunnels is None:
                    return await super().connect_tcp(
                        str(address), port, local_address=local_address, socket_options=socket_options
                    )
                return await open_tunnel(
                    self._tunnels.proxy,
                    address,
                    port,
                    ssl_context=self._tunnels.ssl_context,
                    timeout=connect_timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ProxyError) as exc:
                failure = exc
        raise failure


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a pool that uses the pinned backend."""

    def __init__(self, backend: _PinnedBackend, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx has no argument for the network backend, so replace the pool it built (still unused and
        # holding nothing) with the same pool on our backend.
        self._pool = httpcore.AsyncConnectionPool(ssl_context=ssl_context, network_backend=backend)


class _ForwardTransport(httpx.AsyncBaseTransport):
    """http:// through the operator's proxy, as the address the policy admitted.

    Each request is resolved and checked here, then handed to httpx's forward proxy as
    `http://ip:port/path`, its Host header still naming the host.
    """

    def __init__(self, policy: NetworkPolicy, resolver: Resolver, proxied: httpx.AsyncHTTPTransport) -> None:
        self._policy = policy
        self._resolver = resolver
        self._proxied = proxied

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host, port = request.url.raw_host.decode("ascii"), _port_of(request.url)
        timeout = request.extensions.get("timeout", {}).get("connect")
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve_destination(self._policy, host, port, self._resolver)
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"{host} did not resolve within {timeout} s", request=request
            ) from None
        # The Host header httpx derived from the URL stays: the server is addressed by name.
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=str(addresses[0])),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._proxied.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._proxied.aclose()


class _Hop(NamedTuple):
    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes | None


class _Limits(NamedTuple):
    """One request's byte cap and deadline (at most the policy's), and its connect timeout."""

    body_bytes: int
    deadline: float
    connect: float


class _Tries:
    """One request's retries so far, its retry policy and deadline: whether the next one is due, and when."""

    def __init__(self, policy: RetryPolicy | None) -> None:
        self.policy = policy
        self.ends_at = float("inf")
        self.retries = 0
        self.retry_after: float | None = None

    @property
    def attempts(self) -> int:
        return 1 + self.retries

    def after_response(self, response: httpx.Response) -> float | None:
        """The wait before sending again that a 429 or 503 asked for, None to keep this response."""
        if self.policy is None or response.status_code not in RETRY_AFTER_STATUSES:
            return None
        wait = retry_after_seconds(response.headers.get("retry-after"))
        if wait is None:
            return None
        self.retry_after = wait
        return wait if wait <= self.policy.max_wait and self._may_wait(self.policy, wait) else None

    def after_connection_failure(self, method: str) -> float | None:
        """The backoff before sending `method` again after a failed connection, None to give up."""
        if self.policy is None or method not in IDEMPOTENT_METHODS:
            return None
        wait = self.policy.connection_wait(self.retries)
        return wait if self._may_wait(self.policy, wait) else None

    def _may_wait(self, policy: RetryPolicy, wait: float) -> bool:
        """A retry is left, and the wait ends before the deadline."""
        return self.attempts < policy.attempts and anyio.current_time() + wait < self.ends_at


class _Progress:
    """The URL being fetched and the bytes received from it (for the deadline message), told to a callback."""

    def __init__(self, url: str, callback: ProgressCallback | None) -> None:
        self.url = url
        self.received = 0
        self.callback = callback


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
            f" decoded; only gzip, deflate and br are supported."
        )
    expected = _expected_length(response, limit)
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            progress.received += len(chunk)
            # Ask for one byte beyond the room left: getting it means the body overflows the cap.
            decoded = decoder.decode(chunk, limit + 1 - len(body))
            body += decoded
            if decoded and progress.callback is not None:
                progress.callback(min(len(body), limit), expected)
            if len(body) > limit or progress.received > limit + _WIRE_SLACK:
                return bytes(body[:limit]), True
    except DecodingError as exc:
        raise OperationFailed(
            f"The body of {_shown(progress.url)} is not valid {content_encoding} data ({exc})."
        ) from exc
    return bytes(body), False


def _expected_length(response: httpx.Response, limit: int) -> int | None:
    """How many content bytes the body will give, if the wire says: Content-Length of an uncompressed body."""
    if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
        return None
    length = response.headers.get("content-length", "")
    return min(int(length), limit) if length.isascii() and length.isdigit() else None


def _at_most(requested: float | None, policy_limit: _N, name: str) -> _N:
    """A request's own limit, which may only lower the policy's."""
    if requested is None:
        return policy_limit
    if not requested > 0:
        raise InvalidInput(f"{name} must be a positive number, not {requested!r}.")
    return min(type(policy_limit)(requested), policy_limit)


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
    if literal is None and not is_host_name(host):
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


def _host_rule(entry: str) -> HostRule:
    try:
        return parse_host_rule(entry)
    except ValueError as exc:
        raise InvalidInput(f"--allow-host {entry!r} {exc}.") from None


def _port_of(url: httpx.URL) -> int:
    return url.port if url.port is not None else _DEFAULT_PORTS[url.scheme]


def _request_headers(headers: Mapping[str, str] | None) -> httpx.Headers:
    """The caller's headers, less Accept-Encoding (ours says what we can decode) and Host (the URL's)."""
    dropped = ("accept-encoding", "host")
    return httpx.Headers([(k, v) for k, v in httpx.Headers(headers).multi_items() if k not in dropped])


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


def _shown(url: str) -> str:
    """A URL short enough to quote in a message."""
    return url if len(url) <= _MAX_SHOWN_URL else url[: _MAX_SHOWN_URL - 1] + "…"
