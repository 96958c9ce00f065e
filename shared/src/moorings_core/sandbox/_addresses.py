"""What an address is, and how a URL host spells one.

Two questions decide whether a connection may go somewhere: does the host
spell an IP address (in any of the spellings a resolver would accept, such as
`2130706433` or `0x7f.1`), and is that address on the public internet?
IPv6 forms that carry an IPv4 address inside them (IPv4-mapped, IPv4-compatible,
NAT64, 6to4) are judged by the IPv4 address they carry, because that is where
the packets end up.
"""

from __future__ import annotations

import string
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TypeAlias
from urllib.parse import unquote

__all__ = ["CLOUD_METADATA", "IPAddress", "is_cloud_metadata", "non_public_kind", "parse_ip_literal"]

IPAddress: TypeAlias = IPv4Address | IPv6Address

CLOUD_METADATA = "cloud metadata"
# Endpoints that hand out a cloud machine's credentials. --allow-private-network does not admit them.
_METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack and most others
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS Pod Identity
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS EKS Pod Identity over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wireserver (a public address, reachable only inside Azure)
        "192.0.0.192",  # Oracle Cloud
    )
)

# The IANA special-purpose registries, spelled out rather than read from `ipaddress.is_global`, whose
# answers change between Python patch releases (3.11.7 calls 192.0.0.192 global). Checked in order: the
# first network that holds the address names its kind, and None there means it is public after all.
_IPV4_KINDS: tuple[tuple[IPv4Network, str | None], ...] = tuple(
    (IPv4Network(net), kind)
    for net, kind in (
        ("0.0.0.0/8", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("192.0.0.9/32", None),  # PCP anycast (RFC 7723)
        ("192.0.0.10/32", None),  # TURN anycast (RFC 8155)
        ("192.0.0.0/24", "IETF protocol assignment"),
        ("192.0.2.0/24", "documentation"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("198.18.0.0/15", "benchmarking"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),  # holds 255.255.255.255, the limited broadcast
    )
)
# `::` and `::1` sit inside the IPv4-compatible range but are not IPv4 forms: name them first.
_IPV6_UNSPECIFIED = IPv6Address("::")
_IPV6_LOOPBACK = IPv6Address("::1")
_IPV6_KINDS: tuple[tuple[IPv6Network, str | None], ...] = tuple(
    (IPv6Network(net), kind)
    for net, kind in (
        ("fe80::/10", "link-local"),
        ("fc00::/7", "unique local (private)"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001:1::1/128", None),  # PCP anycast (RFC 7723)
        ("2001:1::2/128", None),  # TURN anycast (RFC 8155)
        ("2001:1::3/128", None),  # DNS-SD service registration anycast (RFC 9665)
        ("2001:3::/32", None),  # AMT (RFC 7450)
        ("2001:4:112::/48", None),  # AS112 (RFC 7535)
        ("2001:20::/28", None),  # ORCHIDv2 (RFC 7343)
        ("2001:30::/28", None),  # drone remote ID tags (RFC 9374)
        ("2001:2::/48", "benchmarking"),
        ("2001::/23", "IETF protocol assignment"),  # holds Teredo (2001::/32)
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),  # RFC 9637
    )
)
# Global unicast: everything outside it that is not named above is reserved.
_IPV6_GLOBAL_UNICAST = IPv6Network("2000::/3")
_IPV4_COMPATIBLE = ip_network("::/96")
_NAT64 = ip_network("64:ff9b::/96")
_HEX_DIGITS = frozenset(string.hexdigits)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address `host` spells, or None when `host` is a name to resolve.

    `host` is a URL host as httpx gives it: lowercase ASCII, IPv6 without
    brackets (a zone id may be percent-encoded). Like browsers, a host whose last
    label is a number must be an IPv4 address; one that is not (`1.2.3.4.5`)
    raises ValueError instead of being left to a resolver's own reading.
    """
    if ":" in host:  # only IPv6 literals contain a colon
        return IPv6Address(unquote(host))
    labels = host.removesuffix(".").split(".")
    if not _is_number(labels[-1]):
        return None
    return _parse_ipv4_any_radix(labels)


def non_public_kind(address: IPAddress) -> str | None:
    """None for an address on the public internet, otherwise a few words saying what it is."""
    if isinstance(address, IPv6Address):
        return _ipv6_kind(address)
    return _ipv4_kind(address)


def is_cloud_metadata(address: IPAddress) -> bool:
    """Whether `address` (or the IPv4 address it carries) is a cloud metadata endpoint."""
    if isinstance(address, IPv6Address):
        address = IPv6Address(int(address))
        address = _embedded_ipv4(address) or address
    return address in _METADATA_ADDRESSES


def _ipv4_kind(address: IPv4Address) -> str | None:
    if address in _METADATA_ADDRESSES:
        return CLOUD_METADATA
    for network, kind in _IPV4_KINDS:
        if address in network:
            return kind
    return None


def _ipv6_kind(address: IPv6Address) -> str | None:
    address = IPv6Address(int(address))  # a zone id (`%eth0`) says which link, not what kind
    if address == _IPV6_UNSPECIFIED:
        return "unspecified"
    if address == _IPV6_LOOPBACK:
        return "loopback"
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        kind = _ipv4_kind(embedded)
        return None if kind is None else f"{kind} (IPv4 {embedded} inside IPv6)"
    if address in _METADATA_ADDRESSES:
        return CLOUD_METADATA
    for network, kind in _IPV6_KINDS:
        if address in network:
            return kind
    return None if address in _IPV6_GLOBAL_UNICAST else "reserved"


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def _is_number(label: str) -> bool:
    if label[:2] in ("0x", "0X"):
        return all(c in _HEX_DIGITS for c in label[2:])
    return label.isascii() and label.isdigit()


def _parse_ipv4_any_radix(labels: list[str]) -> IPv4Address:
    """Read 1 to 4 dot-separated numbers the way inet_aton does: 0x is hex, a leading 0 is octal.

    The last number fills all the bytes the earlier ones left, so `127.1` is
    127.0.0.1 and `2130706433` is 127.0.0.1 too.
    """
    if len(labels) > 4:
        raise ValueError("an IPv4 address has at most four parts")
    numbers = [_parse_number(label) for label in labels]
    *leading, last = numbers
    if any(n > 0xFF for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise ValueError("a part of the IPv4 address is out of range")
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return IPv4Address(value)


def _parse_number(label: str) -> int:
    if label[:2] in ("0x", "0X"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)
    return int(label, 10)
