"""The settings of a server that reaches the web, and the network policy they make.

`OutboundSettings` is the `ServerSettings` of the fetch and openapi servers: where
requests may go (--allow-private-network, --allow-host), what the operator adds
to them (--header, --user-agent), how they travel (--proxy-url) and what one may
take (--max-bytes, --timeout). Every value is checked when the settings load, so a
bad one stops the server at start with one line naming the flag, without httpx
being imported: --allow-host is read by the very parser `NetworkPolicy` uses
(`sandbox._hosts`), --header by the one it checks operator headers with.
`network_policy()` imports the network module, on first use.

--header and --proxy-url are secrets (a token, a proxy password): no error line
and no --help shows their values. In the environment, --header is a list like
any other: a JSON array (`["Authorization: Bearer x", "X-Team: a,b"]`) when a
value holds a comma, else comma-separated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from moorings_core.config import Secret, ServerSettings
from moorings_core.sandbox._hosts import parse_host_rule
from moorings_core.sandbox._operator_headers import check_operator_header, parse_header_line

if TYPE_CHECKING:
    from moorings_core.sandbox.network import NetworkPolicy

__all__ = ["HeaderLine", "OutboundSettings", "header_pairs"]

_CONNECT_TIMEOUT = 10.0


def _host_rule(entry: str) -> str:
    parse_host_rule(entry)
    return entry


def _header_line(line: str) -> str:
    parse_header_line(line)
    return line


HeaderLine = Annotated[str, AfterValidator(_header_line)]
"""A `NAME: VALUE` header line, checked as --header's are (a field of a server's own settings)."""


def header_pairs(lines: list[str]) -> tuple[tuple[str, str], ...]:
    """Checked header lines as (name, value) pairs, in the order given."""
    return tuple(parse_header_line(line) for line in lines)


def _user_agent(value: str | None) -> str | None:
    if value is not None:
        check_operator_header("User-Agent", value)
    return value


def _proxy_url(url: str | None) -> str | None:
    """An http:// or https:// URL with a host; the reasons never quote it (it may hold a password)."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        raise ValueError("must be a URL such as http://proxy.example:3128") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(
            "must be an http:// or https:// URL, such as http://proxy.example:3128 (SOCKS is not supported)"
        )
    if not parts.hostname:
        raise ValueError("must name the proxy's host, such as http://proxy.example:3128")
    return url


class OutboundSettings(ServerSettings):
    """The settings of a server that sends HTTP requests where its tools' arguments say."""

    allow_private_network: bool = Field(
        default=False,
        description="Allow requests to private, loopback and link-local addresses (a home network, "
        "an intranet, this machine). Cloud metadata addresses stay refused.",
    )
    allow_host: list[Annotated[str, AfterValidator(_host_rule)]] = Field(
        default_factory=list,
        description="A host the server may reach even if it is not on the public internet, as HOST or "
        "HOST:PORT (IPv6 as [::1]:8080); repeatable. When any is given, --header values go only to these.",
    )
    header: Annotated[list[HeaderLine], Secret()] = Field(
        default_factory=list,
        description="A header added to requests, as 'NAME: VALUE' (repeatable), replacing one the request "
        "has; sent only to the --allow-host hosts when there are any, else to every host.",
    )
    proxy_url: Annotated[str | None, Secret(), AfterValidator(_proxy_url)] = Field(
        default=None,
        description="Send every request through this HTTP proxy (http://HOST:PORT or https://, with "
        "user:password@ if it needs them). It is given checked addresses, never host names.",
    )
    user_agent: Annotated[str | None, AfterValidator(_user_agent)] = Field(
        default=None, description="The User-Agent header of every request (default: the server's own)."
    )
    max_bytes: int = Field(
        default=10 * 2**20,
        ge=1024,
        description="Most bytes of a response body read (after decompression); the rest is cut off.",
    )
    timeout: float = Field(
        default=30.0, gt=0, description="Seconds one request may take, redirects and the whole body included."
    )

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """--header as (name, value) pairs, in the order given."""
        return header_pairs(self.header)

    def network_policy(self, default_user_agent: str) -> NetworkPolicy:
        """The policy these settings describe; the first call imports httpx."""
        from moorings_core.sandbox.network import NetworkPolicy

        return NetworkPolicy(
            allow_private_network=self.allow_private_network,
            allowed_hosts=frozenset(self.allow_host),
            max_body_bytes=self.max_bytes,
            total_timeout=self.timeout,
            connect_timeout=min(_CONNECT_TIMEOUT, self.timeout),
            user_agent=self.user_agent or default_user_agent,
            operator_headers=self.headers,
            proxy_url=self.proxy_url,
        )
