"""Connection strings: checked before anything connects, and shown without their secrets.

A DSN is a `postgresql://` (or `postgres://`) URI, the form asyncpg reads:
`postgresql://user:password@host:port/database?sslmode=require`. A malformed one is a setting
error at start (one line, exit status 2); a well-formed one that cannot connect yet is not.

The password, whether in the URI's user part or as a `password=` query parameter, is never shown:
`Dsn.shown` (for messages and logs) and `Dsn.resource_base` (for resource URIs) leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

__all__ = ["Dsn", "check_dsn", "parse_dsn"]

_SCHEMES = ("postgresql", "postgres")
_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})


@dataclass(frozen=True)
class Dsn:
    """A parsed DSN: what to connect with (`text`) and what may be shown of it."""

    text: str = field(repr=False)  # holds the password: never in a repr, so never in a log line
    user: str | None
    host: str | None
    port: int | None
    database: str | None
    query: tuple[tuple[str, str], ...] = field(repr=False)

    @property
    def shown(self) -> str:
        """The DSN as messages show it: no password anywhere."""
        user = f"{self.user}@" if self.user else ""
        host = _url_host(self.host or "")
        port = f":{self.port}" if self.port else ""
        query = [(key, value) for key, value in self.query if key not in _SECRET_PARAMETERS]
        tail = f"?{urlencode(query)}" if query else ""
        return f"postgresql://{user}{host}{port}/{self.database or ''}{tail}"

    @property
    def resource_base(self) -> str:
        """The start of this database's resource URIs, as the reference server makes them."""
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        host = _url_host(self.host or "localhost")
        return f"postgres://{user}{host}{port}/{quote(self.database or '', safe='')}"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address, bracketed as in the DSN


def parse_dsn(text: str) -> Dsn:
    """`text` parsed; a ValueError says what is wrong without repeating the text (it has a password)."""
    if "://" not in text:
        raise ValueError(
            "must be a postgresql:// URI, e.g. postgresql://user@localhost:5432/dbname "
            "(key=value connection strings are not read)"
        )
    parts = urlsplit(text)
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"must start with postgresql:// or postgres://, not {parts.scheme}://")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    if port == 0:
        raise ValueError("has a port that is not a number from 1 to 65535")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    try:
        query = tuple(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
    except ValueError:
        raise ValueError("has a malformed ?query (expected key=value pairs joined by &)") from None
    database = unquote(parts.path.lstrip("/")) or None
    return Dsn(
        text=text,
        user=unquote(parts.username) if parts.username else None,
        host=parts.hostname,
        port=port,
        database=database,
        query=query,
    )


def check_dsn(text: str | None) -> str | None:
    """A settings validator: `text` if it parses (see `parse_dsn`); no DSN is for the model to judge."""
    if text is not None:
        parse_dsn(text)
    return text
