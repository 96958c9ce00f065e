"""How long a response may be reused without asking the server again: RFC 9111 for a private cache.

The page cache belongs to one user's server, so it is a private cache: `private` responses are
stored like any other and `s-maxage` is ignored. A response says how long it stays fresh with
`Cache-Control: max-age`, else `Expires` against its `Date`; with neither, a response that has a
`Last-Modified` date is fresh for a tenth of its age (the heuristic of RFC 9111 §4.2.2), at most a
day. `no-cache` (store, but ask every time) and `no-store` make it stale from the start. The `Age`
header counts time already spent in caches upstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = ["Freshness", "freshness_of"]

_HEURISTIC_SHARE = 0.1
_HEURISTIC_CAP = 24 * 3600.0


@dataclass(frozen=True)
class Freshness:
    """What the headers of one response allow a cache to do with it.

    `lifetime` is in seconds from when the response arrived (0 when it must be revalidated before
    any reuse); `etag` and `last_modified` are the validators a conditional request can send.
    """

    lifetime: float
    no_store: bool
    etag: str | None
    last_modified: str | None

    @property
    def revalidatable(self) -> bool:
        return self.etag is not None or self.last_modified is not None

    def conditional_headers(self) -> dict[str, str]:
        """The headers that ask the server whether the stored response is still current."""
        headers = {}
        if self.etag is not None:
            headers["If-None-Match"] = self.etag
        if self.last_modified is not None:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def freshness_of(headers: Mapping[str, str]) -> Freshness:
    """Read the caching headers of a response (names in lower case, as httpx.Headers gives them)."""
    directives = _cache_control(headers.get("cache-control", ""))
    no_store = "no-store" in directives
    lifetime = 0.0 if no_store or "no-cache" in directives else _lifetime(headers, directives)
    return Freshness(
        lifetime=lifetime,
        no_store=no_store,
        etag=headers.get("etag") or None,
        last_modified=headers.get("last-modified") or None,
    )


def _lifetime(headers: Mapping[str, str], directives: dict[str, str | None]) -> float:
    age = _seconds(headers.get("age")) or 0.0
    max_age = _seconds(directives.get("max-age"))
    if max_age is not None:
        return max(max_age - age, 0.0)
    date = _http_date(headers.get("date"))
    expires = _http_date(headers.get("expires"))
    if "expires" in headers:  # an invalid Expires (often "0" or "-1") means already expired
        if expires is None or date is None:
            return 0.0
        return max(expires - date - age, 0.0)
    modified = _http_date(headers.get("last-modified"))
    if date is not None and modified is not None and date > modified:
        return max(min((date - modified) * _HEURISTIC_SHARE, _HEURISTIC_CAP) - age, 0.0)
    return 0.0


def _cache_control(value: str) -> dict[str, str | None]:
    """The directives of a Cache-Control header: lower-case names, unquoted values."""
    directives: dict[str, str | None] = {}
    for part in value.split(","):
        name, equals, argument = part.partition("=")
        name = name.strip().lower()
        if name:
            directives[name] = argument.strip().strip('"') if equals else None
    return directives


def _seconds(value: str | None) -> float | None:
    """A delta-seconds value; None when absent or not a non-negative integer."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
