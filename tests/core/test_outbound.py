"""`OutboundSettings`: the flags of a server that reaches the web, and the policy they make.

Settings load as a user starts a server (flags, environment, file) and every bad
value stops it with one line naming the flag; secrets (--header, --proxy-url)
are never echoed. The policy they build is then tried on a real site.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from moorings_core import OutboundSettings
from moorings_core.config import load_settings
from moorings_core.errors import InvalidInput
from moorings_core.sandbox.network import GuardedClient, NetworkPolicy
from tests.core.web_world import DNS, FakeDNS, Site, loopback_only, serve

PREFIX = "moorings-fetch: error: "


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


def load(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> OutboundSettings:
    return load_settings(OutboundSettings, server="fetch", version="1.0", argv=argv, environ=environ or {})


def error_line(
    capsys: pytest.CaptureFixture[str], argv: Sequence[str], environ: Mapping[str, str] | None = None
) -> str:
    with pytest.raises(SystemExit) as stopped:
        load(argv, environ)
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(PREFIX), lines
    return lines[0].removeprefix(PREFIX)


def test_the_defaults_make_the_default_policy() -> None:
    policy = load([]).network_policy("moorings-fetch/1.0")
    assert policy == NetworkPolicy(user_agent="moorings-fetch/1.0")
    assert (policy.max_body_bytes, policy.total_timeout, policy.operator_headers, policy.proxy_url) == (
        10 * 2**20,
        30.0,
        (),
        None,
    )


def test_every_flag_reaches_the_policy() -> None:
    settings = load(
        [
            "--allow-private-network",
            "--allow-host", "intranet.corp:8443",
            "--allow-host", "[::1]:8080",
            "--header", "Authorization: Bearer t0ken",
            "--header", "X-Team:core",
            "--proxy-url", "http://alice:secret@proxy.corp:3128",
            "--user-agent", "ExampleBot/2.0",
            "--max-bytes", "500000",
            "--timeout", "4",
        ]
    )  # fmt: skip
    policy = settings.network_policy("moorings-fetch/1.0")
    assert policy.allow_private_network
    assert policy.allowed_hosts == {"intranet.corp:8443", "[::1]:8080"}
    assert policy.operator_headers == (("Authorization", "Bearer t0ken"), ("X-Team", "core"))
    assert (policy.proxy_url, policy.user_agent) == ("http://alice:secret@proxy.corp:3128", "ExampleBot/2.0")
    # A request deadline shorter than the usual connect timeout bounds connecting too.
    assert (policy.max_body_bytes, policy.total_timeout, policy.connect_timeout) == (500_000, 4.0, 4.0)


def test_headers_from_the_environment_are_a_json_array_when_a_value_has_a_comma() -> None:
    environ = {"MOORINGS_FETCH_HEADER": json.dumps(["Accept-Language: en, fr;q=0.8", "X-Team: core"])}
    assert load([], environ).headers == (("Accept-Language", "en, fr;q=0.8"), ("X-Team", "core"))


def test_settings_from_a_file(tmp_path: Path) -> None:
    config = tmp_path / "moorings.toml"
    config.write_text('[fetch]\nallow-host = ["wiki.corp"]\nheader = ["X-Team: core"]\nmax-bytes = 4096\n')
    settings = load(["--config", str(config)])
    assert (settings.allow_host, settings.headers, settings.max_bytes) == (
        ["wiki.corp"],
        (("X-Team", "core"),),
        4096,
    )


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["--allow-host", "exa mple.test"],
            "--allow-host item 1: does not name a valid host, got 'exa mple.test'",
        ),
        (["--allow-host", "ok.test", "--allow-host", "h:99999"], "--allow-host item 2: has an invalid port"),
        (["--allow-host", "[::1"], "--allow-host item 1: is not HOST or HOST:PORT"),
        (["--allow-host", "1.2.3.4.5"], "--allow-host item 1: does not name a valid host"),
        (
            ["--allow-host", "http://wiki.test:8080"],
            "--allow-host item 1: is a URL or a path; give the host alone",
        ),
        (["--max-bytes", "1000"], "--max-bytes: must be an integer >= 1024, got '1000'"),
        (["--timeout", "0"], "--timeout: must be a number > 0, got '0'"),
        (
            ["--user-agent", "Bot\r\nX-Injected: 1"],
            "--user-agent: the value of the header User-Agent may hold only",
        ),
    ],
)
def test_bad_values_stop_the_server_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    assert error_line(capsys, argv).startswith(line)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Authorization Bearer s3cret-value", "must be NAME:VALUE"),
        ("Bad Name: s3cret-value", "is not a valid HTTP header name"),
        ("Host: s3cret-value", "the header Host cannot be set"),
        ("X-Token: s3cret-value\r\nX-Injected: 1", "may hold only printable ASCII"),
        ("X-Token: s3cret-valué", "may hold only printable ASCII"),
    ],
)
def test_a_bad_header_is_refused_without_showing_its_value(
    capsys: pytest.CaptureFixture[str], header: str, reason: str
) -> None:
    line = error_line(capsys, ["--header", "X-Fine: 1", "--header", header])
    assert line.startswith("--header item 2: ")
    assert reason in line
    assert "s3cret" not in line


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("socks5://alice:s3cret@proxy.corp:1080", "must be an http:// or https:// URL"),
        ("proxy.corp:3128", "must be an http:// or https:// URL"),
        ("http://alice:s3cret@/", "must name the proxy's host"),
        ("http://alice:s3cret@proxy.corp:port/", "must be a URL such as"),
    ],
)
def test_a_bad_proxy_url_is_refused_without_showing_it(
    capsys: pytest.CaptureFixture[str], url: str, reason: str
) -> None:
    line = error_line(capsys, [], {"MOORINGS_FETCH_PROXY_URL": url})
    assert line.startswith("--proxy-url (from MOORINGS_FETCH_PROXY_URL): ")
    assert reason in line
    assert "s3cret" not in line


def test_help_shows_no_secret(capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"MOORINGS_FETCH_HEADER": "X-Token: s3cret", "MOORINGS_FETCH_PROXY_URL": "http://a:s3cret@p:1"}
    with pytest.raises(SystemExit):
        load(["--help"], environ)
    shown = capsys.readouterr().out
    assert "--allow-host" in shown
    assert "--proxy-url" in shown
    assert "s3cret" not in shown


@pytest.mark.parametrize(
    "entry", ["site.test", "SITE.test.:8080", "[::1]:8080", "::1", "0x7f.1", "bücher.example", "127.0.0.1:80"]
)
def test_the_settings_take_what_the_policy_takes(entry: str) -> None:
    assert load(["--allow-host", entry]).network_policy("x").allowed_hosts == {entry}


@pytest.mark.parametrize(
    "entry",
    ["", "0177.0.0.1", "exa_mple test", "a/b", "user@host", "[::1]x", "site.test:http", "xn--a.-b..c"],
)
def test_the_settings_refuse_what_the_policy_refuses(capsys: pytest.CaptureFixture[str], entry: str) -> None:
    with pytest.raises(InvalidInput):
        NetworkPolicy(allowed_hosts=frozenset({entry}))
    assert error_line(capsys, ["--allow-host", entry]).startswith("--allow-host item 1: ")


def test_loading_the_settings_does_not_import_httpx() -> None:
    # The server is answering its client before its first request; httpx can wait until then.
    probe = (
        "import sys\n"
        "from moorings_core.config import load_settings\n"
        "from moorings_core.outbound import OutboundSettings\n"
        "s = load_settings(OutboundSettings, server='fetch', version='1', environ={},\n"
        "    argv=['--allow-host', 'bücher.example:8080', '--header', 'X-A: b', '--proxy-url', 'http://p:1'])\n"
        "before = 'httpx' in sys.modules\n"
        "s.network_policy('ua')\n"
        "print(before, 'httpx' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.anyio
async def test_the_policy_the_settings_make_scopes_the_header_to_the_allowed_host() -> None:
    for site in serve(Site()):
        settings = load(
            [
                "--allow-private-network",
                "--allow-host",
                f"site.test:{site.port}",
                "--header",
                "X-Token: t0ken",
            ]
        )
        async with GuardedClient(settings.network_policy("ExampleBot"), resolver=FakeDNS(DNS)) as client:
            await client.request("GET", site.url("/echo", "site.test"))
            await client.request("GET", site.url("/echo", "other.test"))
        assert [(asked.headers.get("x-token"), asked.headers["user-agent"]) for asked in site.received] == [
            ("t0ken", "ExampleBot"),
            (None, "ExampleBot"),
        ]
