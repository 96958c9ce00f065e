"""The `moorings-fetch` command: the reference server's flags and ours, one-line errors, real stdio."""

from __future__ import annotations

import subprocess

import pytest

from moorings_core.config import load_settings
from moorings_core.testing import ERAS, Era, connect_stdio, installed_script, succeeded
from moorings_fetch.settings import FetchSettings
from tests.fetch.site import Site

pytestmark = pytest.mark.anyio


def settings(*argv: str, environ: dict[str, str] | None = None) -> FetchSettings:
    return load_settings(FetchSettings, server="fetch", version="0", argv=argv, environ=environ or {})


def test_defaults_reach_only_public_addresses_and_respect_robots() -> None:
    config = settings()
    assert (config.allow_private_network, config.allow_host, config.ignore_robots_txt) == (False, [], False)
    assert (config.user_agent, config.proxy_url, config.header) == (None, None, [])
    assert (config.max_bytes, config.timeout, config.cache_size) == (10 * 2**20, 30.0, 64)
    assert (config.rate_limit, config.rate_limiter()) == (None, None)


@pytest.mark.parametrize(("rate", "burst"), [("0.5", 1), ("1", 1), ("5", 5), ("7.9", 7)])
def test_a_rate_limit_paces_at_that_rate_in_bursts_of_its_whole_part(rate: str, burst: int) -> None:
    limiter = settings("--rate-limit", rate).rate_limiter()
    assert limiter is not None
    assert (limiter.rate, limiter.burst) == (float(rate), burst)
    assert settings("--rate-limit", rate).rate_limiter() is not limiter  # each server its own


def test_the_reference_servers_flags_are_accepted() -> None:
    config = settings(
        "--user-agent", "MyAgent/1.0", "--ignore-robots-txt", "--proxy-url", "http://proxy.internal:3128",
    )  # fmt: skip
    assert config.user_agent == "MyAgent/1.0"
    assert config.ignore_robots_txt is True
    assert config.proxy_url == "http://proxy.internal:3128"


def test_the_reference_servers_private_address_flag_means_ours() -> None:
    assert settings("--allow-private-ips").network_policy("agent").allow_private_network is True
    assert settings("--allow-private-network").network_policy("agent").allow_private_network is True
    assert settings().network_policy("agent").allow_private_network is False


def test_repeated_flags_and_the_environment() -> None:
    config = settings(
        "--allow-host", "intranet.example:8080", "--allow-host", "10.0.0.5",
        "--header", "Authorization: Bearer t0ken", "--max-bytes", "4096",
        environ={"MOORINGS_FETCH_TIMEOUT": "5", "MOORINGS_FETCH_CACHE_SIZE": "0"},
    )  # fmt: skip
    assert config.allow_host == ["intranet.example:8080", "10.0.0.5"]
    assert config.header == ["Authorization: Bearer t0ken"]
    assert (config.max_bytes, config.timeout, config.cache_size) == (4096, 5.0, 0)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--max-bytes", "10"], "--max-bytes"),
        (["--timeout", "0"], "--timeout"),
        (["--rate-limit", "0"], "--rate-limit"),
        (["--rate-limit", "nan"], "--rate-limit"),
        (["--rate-limit", "-2"], "--rate-limit"),
        (["--cache-size", "-1"], "--cache-size"),
        (["--robots", "off"], "--robots"),
    ],
)
def test_bad_settings_stop_the_server_with_one_line(argv: list[str], words: str) -> None:
    done = subprocess.run(
        [installed_script("moorings-fetch"), *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("moorings-fetch: error: ")
    assert words in line


def test_help_lists_every_flag() -> None:
    done = subprocess.run(
        [installed_script("moorings-fetch"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    for flag in (
        "--user-agent", "--ignore-robots-txt", "--proxy-url", "--allow-private-network", "--allow-host",
        "--header", "--max-bytes", "--timeout", "--rate-limit", "--cache-size", "--config",
    ):  # fmt: skip
        assert flag in done.stdout


@pytest.mark.parametrize("era", ERAS)
async def test_the_installed_script_serves_over_stdio(site: Site, era: Era) -> None:
    site.page("/", "<html><head><title>Harbour</title></head><body><p>High tide at noon.</p></body></html>")
    async with connect_stdio("moorings-fetch", "--allow-host", site.host, era=era) as client:
        text, data = succeeded(await client.call_tool("fetch", {"url": site.url("/")}))
        refused = await client.call_tool("fetch", {"url": "http://127.0.0.1:9/"})
    assert text.startswith(f"Contents of {site.url('/')}:\n")
    assert "High tide at noon." in text
    assert data["title"] == "Harbour"
    assert refused.is_error
