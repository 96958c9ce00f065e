"""--allow-host rules, read without httpx: what an entry names, and which hosts and ports it covers.

The settings of a server validate `--allow-host` at start-up with `parse_host_rule`,
and `NetworkPolicy` builds its rules with it, so both accept exactly the same
entries. httpx is not imported here (a server pays for it on its first request):
an entry is normalized the way httpx normalizes a URL host (lowercase ASCII, IDNA
for other names, IPv6 without brackets), so that a rule and the URLs it is
compared with spell a host alike.

A rule for a name covers that name as a URL spells it; a rule for an address
covers that address in any spelling (`0x7f.1` is 127.0.0.1). A rule without a
port covers every port.
"""

from __future__ import annotations

import re
from ipaddress import AddressValueError, IPv4Address, IPv6Address
from typing import NamedTuple

from moorings_core.sandbox._addresses import IPAddress, parse_ip_literal

__all__ = ["HostRule", "is_host_name", "parse_host_rule"]

_HOST_NAME = re.compile(r"(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}\.?")
# The dotted quads httpx itself validates as IPv4 (leading zeros refused), so that an entry it would not
# take in a URL is not taken here either.
_DOTTED_QUAD = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")


class HostRule(NamedTuple):
    """One --allow-host entry: a host name or an address, on one port or (None) on every port."""

    host: str | IPAddress
    port: int | None

    def covers(self, host: str | IPAddress, port: int) -> bool:
        """Whether the rule names `host` (a name without its final dot, or an address) on `port`."""
        return self.host == host and self.port in (None, port)


def is_host_name(host: str) -> bool:
    """Whether `host` (lowercase ASCII, as httpx gives a URL host) is a well-formed host name."""
    return bool(_HOST_NAME.fullmatch(host)) and len(host) <= 254


def parse_host_rule(entry: str) -> HostRule:
    """Read an --allow-host entry: HOST, HOST:PORT, IPv6, or [IPv6]:PORT.

    Raises ValueError with a reason that reads after the entry ("does not name a valid host").
    """
    text = entry.strip().lower()
    if "/" in text:  # `http://intranet:8080` or `intranet/wiki`: a URL, where a host is wanted
        raise ValueError(
            "is a URL or a path; give the host alone, as HOST or HOST:PORT (intranet.example:8080)"
        )
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError("is not HOST or HOST:PORT")
        port_text = rest[1:] or None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:  # a name, an IPv4 address or a bare IPv6 address
        host, port_text = text, None
    port = _parse_port(port_text)
    normalized = _normalized_host(host)
    try:
        literal = parse_ip_literal(normalized)
    except ValueError:
        raise ValueError("does not name a valid host") from None
    if literal is not None:
        return HostRule(literal, port)
    if not is_host_name(normalized):
        raise ValueError("does not name a valid host")
    return HostRule(normalized.removesuffix("."), port)


def _normalized_host(host: str) -> str:
    """`host` as httpx spells it in a URL, or "" when httpx would refuse it."""
    if ":" in host:
        try:
            IPv6Address(host)
        except AddressValueError:
            return ""
        return host
    if _DOTTED_QUAD.fullmatch(host):
        try:
            IPv4Address(host)
        except AddressValueError:
            return ""
        return host
    if host.isascii():
        return host
    import idna  # httpx's own IDNA encoder; only names outside ASCII need it

    try:
        return str(idna.encode(host).decode("ascii"))
    except idna.IDNAError:
        return ""


def _parse_port(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise ValueError("has an invalid port; a port is a number from 1 to 65535")
    return int(text)
