"""How a remote's address or a clone source is read: as git reads it, secrets hidden when shown."""

from __future__ import annotations

import re

import pytest

from moorings_core import InvalidInput
from moorings_git.locations import locate, redact


@pytest.mark.parametrize(
    ("source", "kind", "address"),
    [
        ("/srv/git/project.git", "local", "/srv/git/project.git"),
        ("../project", "local", "../project"),
        ("dir/with:colon", "local", "dir/with:colon"),
        ("file:///srv/my%20project.git", "local", "/srv/my project.git"),
        ("file://localhost/srv/project.git", "local", "/srv/project.git"),
        ("https://example.com/project.git", "network", "https://example.com/project.git"),
        ("https://[::1]:8443/project.git", "network", "https://[::1]:8443/project.git"),
        ("ssh://git@example.com/project.git", "network", "ssh://git@example.com/project.git"),
        ("git@example.com:team/project.git", "network", "git@example.com:team/project.git"),
    ],
)
def test_locations_are_read_as_git_reads_them(source: str, kind: str, address: str) -> None:
    location = locate(source)
    assert (location.kind, location.address) == (kind, address)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("ext::sh -c touch% /tmp/x", "git-remote-ext"),
        ("fd::3", "git-remote-fd"),
        ("-uploadpack=x", "option"),
        ("file://otherhost/srv/x.git", "file:///absolute/path"),
        ("git://example.com/x.git", "neither encrypted nor authenticated"),
        ("ftp://example.com/x.git", "not a protocol this server speaks"),
        ("ssh://-oProxyCommand=x/y", "starting with '-'"),
        ("ssh://user@-oProxyCommand=x/y", "starting with '-'"),
        ("x@-oProxyCommand=y:path", "starting with '-'"),
        ("/srv/x\n.git", "line break"),
    ],
)
def test_locations_that_would_run_programs_are_refused(source: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(reason)):
        locate(source)


def test_credentials_in_urls_are_hidden_wherever_they_appear() -> None:
    text = (
        "fatal: could not read from https://alice:hunter2@example.com/x.git and "
        "http://ghp_0123456789abcdefghij0123@example.com/y.git, nor ssh://git@example.com/z.git"
    )
    assert redact(text) == (
        "fatal: could not read from https://alice:***@example.com/x.git and "
        "http://***@example.com/y.git, nor ssh://git@example.com/z.git"
    )
    unchanged = "https://example.com:8443/x@v1 and https://bob@example.com/x.git"
    assert redact(unchanged) == unchanged
