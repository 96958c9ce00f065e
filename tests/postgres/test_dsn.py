"""DSNs: what is refused at start, and that the password is never part of what is shown."""

from __future__ import annotations

import pytest

from moorings_postgres.dsn import parse_dsn


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://me:hunter2@db.example.org:6543/shop?sslmode=require&password=hunter2",
        "postgres://me:hunter2@db.example.org:6543/shop?sslpassword=hunter2&sslmode=require",
    ],
)
def test_the_password_is_never_shown(text: str) -> None:
    dsn = parse_dsn(text)
    assert dsn.shown == "postgresql://me@db.example.org:6543/shop?sslmode=require"
    assert dsn.resource_base == "postgres://me@db.example.org:6543/shop"
    assert "hunter2" not in dsn.shown + dsn.resource_base + repr(dsn) + str(dsn)


def test_odd_names_and_ipv6_hosts_make_well_formed_uris() -> None:
    dsn = parse_dsn("postgresql://my%20user@[::1]:5432/my%2Fdb")
    assert dsn.resource_base == "postgres://my%20user@[::1]:5432/my%2Fdb"
    assert (dsn.user, dsn.host, dsn.database) == ("my user", "::1", "my/db")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("host=localhost dbname=shop", "must be a postgresql:// URI"),
        ("mysql://localhost/shop", "must start with postgresql:// or postgres://"),
        ("postgresql://localhost:http/shop", "port that is not a number"),
        ("postgresql://localhost:0/shop", "port that is not a number"),
        ("postgresql://localhost/shop#x", "#fragment"),
        ("postgresql://localhost/shop?sslmode", r"malformed \?query"),
    ],
)
def test_malformed_dsns_say_what_is_wrong_without_repeating_them(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as raised:
        parse_dsn(text)
    assert text not in str(raised.value)
