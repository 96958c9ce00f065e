"""The `moorings-sqlite` command: its settings (flags, environment, one-line errors) and real stdio.

Bad settings stop the server before it serves, with one line on stderr and exit status 2, as a host
showing the server's log should see them. The stdio tests spawn the installed console script.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio
import pytest
from mcp.shared.subscriptions import ResourceUpdated

from moorings_core.config import load_settings
from moorings_core.testing import LEGACY, MODERN, connect_stdio, installed_script, succeeded, text_of
from moorings_sqlite.settings import SqliteSettings
from tests.readmes.markdown import blocks
from tests.sqlite.helpers import READ_TOOLS, digest, execute, make_sample


def settings(*argv: str, environ: dict[str, str] | None = None) -> SqliteSettings:
    return load_settings(SqliteSettings, server="sqlite", version="0", argv=argv, environ=environ or {})


def refused(capsys: pytest.CaptureFixture[str], *argv: str, environ: dict[str, str] | None = None) -> str:
    """The one line a bad command line prints, after checking it exits with status 2."""
    with pytest.raises(SystemExit) as stopped:
        settings(*argv, environ=environ)
    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("moorings-sqlite: error: ")
    return line


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample(tmp_path / "sample.db")


# -- settings ----------------------------------------------------------------------------------------------


def test_defaults_are_read_only_and_bounded(sample: Path) -> None:
    config = settings("--db-path", str(sample))
    assert config.db_path == sample.resolve()
    assert (config.allow_writes, config.create, config.max_rows, config.timeout) == (False, False, 1000, 10.0)
    assert config.max_result_chars == 50_000
    assert config.attachments == {}


def test_flags_and_environment(sample: Path, tmp_path: Path) -> None:
    other = make_sample(tmp_path / "other.db")
    config = settings(
        "--max-rows", "10", "--attach", f"archive={other}", "--attach", f"extra={sample.parent / 'x.db'}",
        "--allow-writes", "--create", "--timeout", "2.5",
        environ={"MOORINGS_SQLITE_DB_PATH": str(sample), "MOORINGS_SQLITE_MAX_RESULT_CHARS": "5000"},
    )  # fmt: skip
    assert config.db_path == sample.resolve()
    assert (config.max_rows, config.max_result_chars, config.timeout) == (10, 5_000, 2.5)
    assert config.attachments == {"archive": other.resolve(), "extra": (sample.parent / "x.db").resolve()}


def test_attachments_from_the_environment_are_comma_separated(sample: Path, tmp_path: Path) -> None:
    first, second = make_sample(tmp_path / "a.db"), make_sample(tmp_path / "b.db")
    config = settings("--db-path", str(sample), environ={"MOORINGS_SQLITE_ATTACH": f"a={first},b={second}"})
    assert list(config.attachments) == ["a", "b"]


# The TOML example of the README, read from it: relative paths, which mean the file's directory.
README_CONFIG = next(block.text for block in blocks("servers/sqlite/README.md") if block.lang == "toml")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory holding the README's config file and the two databases it names."""
    (tmp_path / "project" / "data").mkdir(parents=True)
    make_sample(tmp_path / "project" / "data" / "shop.db")
    make_sample(tmp_path / "project" / "data" / "2023.db")
    (tmp_path / "project" / "moorings.toml").write_text(README_CONFIG, encoding="utf-8")
    return tmp_path / "project"


def test_paths_in_a_config_file_are_relative_to_the_file(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not the file's directory
    config = settings("--config", "project/moorings.toml")
    assert config.db_path == (project / "data" / "shop.db").resolve()
    assert config.attachments == {"archive": (project / "data" / "2023.db").resolve()}
    assert config.max_rows == 200


def test_relative_paths_in_flags_and_the_environment_are_relative_to_the_current_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "data")
    config = settings("--db-path", "shop.db", environ={"MOORINGS_SQLITE_ATTACH": "archive=2023.db"})
    assert config.db_path == (project / "data" / "shop.db").resolve()
    assert config.attachments == {"archive": (project / "data" / "2023.db").resolve()}
    assert (
        settings("--db-path", "shop.db", "--attach", "a=2023.db").attachments["a"]
        == config.attachments["archive"]
    )


def test_a_missing_database_is_an_error_unless_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.db"
    line = refused(capsys, "--db-path", str(missing))
    assert f"--db-path {missing} does not exist" in line
    assert "--allow-writes --create" in line
    assert "--create needs --allow-writes" in refused(capsys, "--db-path", str(missing), "--create")
    assert settings("--db-path", str(missing), "--allow-writes", "--create").create
    assert not missing.exists()  # the settings only check; the database creates it when opened


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        pytest.param([], "--db-path is required", id="no-db-path"),
        pytest.param(["--db-path", "{dir}"], "is a directory", id="directory"),
        pytest.param(
            ["--db-path", "{db}", "--attach", "archive"], "--attach item 1: must be NAME=PATH", id="no-equals"
        ),
        pytest.param(["--db-path", "{db}", "--attach", "=x.db"], "must be a plain identifier", id="no-name"),
        pytest.param(["--db-path", "{db}", "--attach", "a b={db}"], "must be a plain identifier", id="space"),
        pytest.param(
            ["--db-path", "{db}", "--attach", 'x"; DROP={db}'], "must be a plain identifier", id="quote"
        ),
        pytest.param(["--db-path", "{db}", "--attach", "1st={db}"], "must be a plain identifier", id="digit"),
        pytest.param(["--db-path", "{db}", "--attach", "main={other}"], "SQLite's own", id="main"),
        pytest.param(["--db-path", "{db}", "--attach", "TEMP={other}"], "SQLite's own", id="temp"),
        pytest.param(
            ["--db-path", "{db}", "--attach", "a={other}", "--attach", "A={other}"], "given twice", id="twice"
        ),
        pytest.param(["--db-path", "{db}", "--attach", "a={dir}/missing.db"], "does not exist", id="missing"),
        pytest.param(
            ["--db-path", "{db}", "--attach", "self={db}"], "is the --db-path file itself", id="self"
        ),
        pytest.param(["--db-path", "{db}", "--max-rows", "0"], "--max-rows", id="max-rows"),
        pytest.param(["--db-path", "{db}", "--timeout", "0"], "--timeout", id="timeout"),
        pytest.param(["--db-path", "{db}", "--max-result-chars", "10"], "--max-result-chars", id="budget"),
    ],
)
def test_bad_settings_are_one_line(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path, argv: list[str], says: str
) -> None:
    other = make_sample(tmp_path / "other.db")
    line = refused(capsys, *(arg.format(db=sample, dir=tmp_path, other=other) for arg in argv))
    assert says in line


def test_a_name_given_twice_is_one_line_without_the_list(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    other = make_sample(tmp_path / "other.db")
    line = refused(capsys, "--db-path", str(sample), "--attach", f"a={other}", "--attach", f"A={other}")
    assert line.removeprefix("moorings-sqlite: error: ") == (
        "--attach: the name 'A' is given twice; each attached database needs its own"
    )


# -- the installed script --------------------------------------------------------------------------------


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed_script("moorings-sqlite"), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.stdio
@pytest.mark.parametrize(
    "content", [b"", b"hello, not a database\n" * 100], ids=["missing", "not-a-database"]
)
def test_a_bad_database_file_stops_the_script_with_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.db"
    if content:
        path.write_bytes(content)
    done = run_script("--db-path", str(path))
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("moorings-sqlite: error: ")
    assert str(path) in line
    assert done.stdout == ""


@pytest.mark.stdio
@pytest.mark.anyio
async def test_over_real_stdio_it_reads_and_refuses_writes(sample: Path) -> None:
    before = digest(sample)
    async with connect_stdio("moorings-sqlite", "--db-path", str(sample), era=LEGACY) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == READ_TOOLS
        _, structured = succeeded(
            await client.call_tool(
                "read_query", {"query": "SELECT name FROM users WHERE id = ?", "params": [1]}
            )
        )
        refused_write = await client.call_tool("read_query", {"query": "DROP TABLE users"})
    assert structured["rows"] == [["Ada"]]
    assert refused_write.is_error
    assert "not allowed" in text_of(refused_write)
    assert digest(sample) == before


@pytest.mark.stdio
@pytest.mark.anyio
async def test_the_readme_config_file_works_from_another_directory(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = project / "moorings.toml"
    async with connect_stdio("moorings-sqlite", "--config", str(config), cwd=elsewhere) as client:
        _, structured = succeeded(
            await client.call_tool("read_query", {"query": "SELECT name FROM archive.users WHERE id = 1"})
        )
    assert structured["rows"] == [["Ada"]]


@pytest.mark.stdio
@pytest.mark.anyio
async def test_over_real_stdio_a_listener_hears_of_schema_changes(sample: Path) -> None:
    uri = "sqlite://main/users"
    async with (
        connect_stdio("moorings-sqlite", "--db-path", str(sample), era=MODERN) as client,
        client.listen(resource_subscriptions=[uri]) as subscription,
    ):
        execute(sample, "ALTER TABLE users ADD COLUMN nickname TEXT")
        with anyio.fail_after(10):
            assert await subscription.__anext__() == ResourceUpdated(uri=uri)
