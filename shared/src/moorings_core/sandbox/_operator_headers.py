"""Headers the operator adds to outbound requests (`--header NAME:VALUE`), read without httpx.

They typically carry credentials for an intranet or an API, so the model never
chooses them and `NetworkPolicy` decides which hosts receive them. Here is only
what one may be: a header name (an RFC 9110 token) and a value of printable ASCII,
spaces and tabs (a CR or LF would start another header, and httpx sends only
ASCII), and none of the
headers that frame the message or steer the connection, which httpx sets itself
and which an operator's value would break (`Content-Length`, `Host`, ...).
`Proxy-Authorization` is refused too: proxy credentials go in --proxy-url, and
such a header would travel to the origin inside an https tunnel.

Reasons are worded to follow the flag and never quote the value (it is a secret).
"""

from __future__ import annotations

import re

__all__ = ["check_operator_header", "parse_header_line"]

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VALUE = re.compile(r"[\t\x20-\x7e]*")
_RESERVED = frozenset(
    {
        "accept-encoding",  # we ask only for the codings we decode under the byte cap
        "connection",
        "content-length",
        "host",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


def parse_header_line(text: str) -> tuple[str, str]:
    """`NAME:VALUE` as (name, value), the value without the blanks around it; ValueError says why not."""
    name, colon, value = text.partition(":")
    if not colon:
        raise ValueError("must be NAME:VALUE, e.g. 'Authorization: Bearer TOKEN'")
    name, value = name.strip(), value.strip(" \t")
    check_operator_header(name, value)
    return name, value


def check_operator_header(name: str, value: str) -> None:
    """Raise ValueError unless `name: value` is a header an operator may add to every request it covers."""
    if not _TOKEN.fullmatch(name):
        raise ValueError(
            f"the header name {name[:40]!r} is not a valid HTTP header name"
            " (letters, digits and !#$%&'*+.^_`|~-)"
        )
    if name.lower() in _RESERVED:
        raise ValueError(f"the header {name} cannot be set: the client sets it for each request itself")
    if not _VALUE.fullmatch(value):
        raise ValueError(
            f"the value of the header {name} may hold only printable ASCII, spaces and tabs"
            " (no line break, control character or non-ASCII letter)"
        )
