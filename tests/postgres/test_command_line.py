"""The `moorings-postgres` command: its settings, its start when the database is down, and real stdio.

A malformed DSN or config stops the server before it serves, with one line on stderr and exit
status 2, the password never in it. A database that is down is not a reason to stop: the server
starts, says so on stderr, and every call reports it until the database is back.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from moorings_core.testing import MODERN, connect_stdio, installed_script, refusal, succeeded, text_of
from tests.postgres.helpers import serving, settings_for

pytestmark = pytest.mark.anyio

CLOSED_PORT_DSN = "postgresql://someone:hunter2@127.0.0.1:9/nowhere"  # port 9 (discard): refused


def refused(capsys: pytest.CaptureFixture[str], *argv: str, **environ: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        settings_for(None, *argv, **environ)
    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("moorings-postgres: error: ")
    return line


def test_the_dsn_comes_from_the_argument_or_the_usual_variables() -> None:
    assert settings_for("postgresql://a@h/d").dsn == "postgresql://a@h/d"
    environ = {"DATABASE_URL": "postgresql://h/url", "DATABASE_URI": "postgresql://h/uri"}
    assert settings_for(None, **environ).dsn == "postgresql://h/uri"
    assert (
        settings_for(None, MOORINGS_POSTGRES_DSN="postgresql://h/own", **environ).dsn == "postgresql://h/own"
    )


def test_defaults_are_restricted_and_bounded() -> None:
    config = settings_for("postgresql://h/d")
    assert config.restricted
    assert (config.max_rows, config.max_result_chars, config.statement_timeout, config.pool_size) == (
        1000,
        50_000,
        30.0,
        5,
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["mysql://me:hunter2@h/d"], "must start with postgresql:// or postgres://"),
        (["postgresql://me:hunter2@h:99999/d"], "port that is not a number"),
        (["host=h password=hunter2"], "must be a postgresql:// URI"),
        ([], "no database given"),
        (["--allow-server-programs", "postgresql://h/d"], "needs --access-mode unrestricted"),
        (["--access-mode", "admin", "postgresql://h/d"], "one of restricted, unrestricted"),
    ],
)
def test_bad_settings_are_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    line = refused(capsys, *argv)
    assert expected in line
    assert "hunter2" not in line


def test_named_connections_come_from_the_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "moorings.toml"
    config.write_text('[connections.reports]\ndsn = "postgresql://r@h/reports"\n', encoding="utf-8")
    settings = settings_for(None, "--config", str(config))
    assert list(settings.databases) == ["reports"]
    config.write_text('[connections.reports]\ndsn = "postgresql://r:hunter2@h:0/reports"\n', encoding="utf-8")
    line = refused(capsys, "--config", str(config))
    assert "[connections.reports] dsn" in line
    assert "hunter2" not in line


async def test_a_database_that_is_down_is_reported_per_call(caplog: pytest.LogCaptureFixture) -> None:
    async with serving(settings_for(CLOSED_PORT_DSN)) as client:
        for _ in range(2):
            message = refusal(await client.call_tool("query", {"sql": "SELECT 1"}))
            assert "Cannot connect to postgresql://someone@127.0.0.1:9/nowhere" in message
            assert "hunter2" not in message
        tools = await client.list_tools()
        assert {"query", "execute_sql", "explain_query"} <= {tool.name for tool in tools.tools}
    logged = caplog.text
    assert "serves anyway, and tries again on every call" in logged
    assert "hunter2" not in logged


async def test_an_unknown_connection_name_lists_the_known_ones(database_dsn: str) -> None:
    async with serving(settings_for(database_dsn)) as client:
        message = refusal(await client.call_tool("query", {"sql": "SELECT 1", "connection": "prod"}))
        assert "no connection named 'prod'" in message
        assert "default" in message


async def test_a_named_connection_is_chosen_per_call(database_dsn: str, tmp_path: Path) -> None:
    config = tmp_path / "moorings.toml"
    config.write_text(f'[connections.again]\ndsn = "{database_dsn}"\n', encoding="utf-8")
    async with serving(
        settings_for("postgresql://postgres@127.0.0.1:9/x", "--config", str(config))
    ) as client:
        _, result = succeeded(
            await client.call_tool("query", {"sql": "SELECT current_database()", "connection": "again"})
        )
    assert result["rows"] == [[database_dsn.rsplit("/", 1)[1]]]


@pytest.mark.stdio
async def test_the_console_script_serves_over_stdio(database_dsn: str) -> None:
    async with connect_stdio("moorings-postgres", database_dsn, era=MODERN) as client:
        result = await client.call_tool("query", {"sql": "SELECT 6 * 7 AS answer"})
        _, content = succeeded(result)
        assert content["rows"] == [[42]]
        assert '"answer":42' in text_of(result)


@pytest.mark.stdio
def test_the_console_script_warns_when_connected_as_a_superuser(database_dsn: str) -> None:
    # stdin closed at once: the server connects, warns, finds no client and exits cleanly.
    done = run_script(database_dsn)
    assert done.returncode == 0, done.stderr
    assert "as a superuser" in done.stderr


@pytest.mark.stdio
def test_the_console_script_starts_when_the_database_is_down() -> None:
    done = run_script(CLOSED_PORT_DSN)
    assert done.returncode == 0, done.stderr
    assert "Cannot connect to postgresql://someone@127.0.0.1:9/nowhere" in done.stderr
    assert "hunter2" not in done.stderr


def run_script(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed_script("moorings-postgres"), *argv],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.stdio
def test_the_console_script_stops_on_a_malformed_dsn_with_one_line() -> None:
    done = run_script("postgresql://me:hunter2@h:x/d")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "hunter2" not in done.stderr
