"""The `moorings-filesystem` command's settings: the directories it is given, and the one line it
prints (exit status 2) when one of them cannot be served.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from moorings_core.config import load_settings
from moorings_core.testing import installed_script
from moorings_filesystem.settings import FilesystemSettings

PREFIX = "moorings-filesystem: error: "


def settings(*argv: str, environ: dict[str, str] | None = None) -> FilesystemSettings:
    return load_settings(
        FilesystemSettings, server="filesystem", version="0", argv=argv, environ=environ or {}
    )


def refused(capsys: pytest.CaptureFixture[str], *argv: str, environ: dict[str, str] | None = None) -> str:
    """The one line a bad command line prints, without its prefix, after checking the exit status."""
    with pytest.raises(SystemExit) as stopped:
        settings(*argv, environ=environ)
    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(PREFIX)
    return line[len(PREFIX) :]


def test_directories_from_arguments_the_environment_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert settings(str(tmp_path / "a"), str(tmp_path / "b")).directories == [tmp_path / "a", tmp_path / "b"]
    from_env = settings(environ={"MOORINGS_FILESYSTEM_DIRECTORIES": f"{tmp_path / 'a'},{tmp_path / 'b'}"})
    assert from_env.directories == [tmp_path / "a", tmp_path / "b"]
    config = tmp_path / "moorings.toml"
    config.write_text("[filesystem]\ndirectories = ['a', 'b']\n", encoding="utf-8")
    assert settings("--config", str(config)).directories == [tmp_path / "a", tmp_path / "b"]


def test_a_missing_directory_is_named_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert refused(capsys, str(tmp_path), str(missing)) == f"DIR: {missing} does not exist"


def test_a_file_is_not_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("x")
    assert refused(capsys, str(file), str(tmp_path)) == f"DIR: {file} is a file, not a directory"


def test_the_line_names_where_the_directory_came_from(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    environ = {"MOORINGS_FILESYSTEM_DIRECTORIES": f"{tmp_path},/no/such/dir"}
    assert refused(capsys, environ=environ) == (
        "DIR (from MOORINGS_FILESYSTEM_DIRECTORIES): /no/such/dir does not exist"
    )
    config = tmp_path / "moorings.toml"
    config.write_text("directories = ['gone']\n", encoding="utf-8")
    assert refused(capsys, "--config", str(config)) == (
        f"DIR (from 'directories' in config file {config}): {tmp_path / 'gone'} does not exist"
    )


def test_no_directory_at_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys) == (
        "DIR: must be a list of paths with at least 1 item, but none was given; give DIR arguments, "
        "set MOORINGS_FILESYSTEM_DIRECTORIES, or set directories in the config file"
    )


@pytest.mark.stdio
def test_the_script_stops_with_the_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    done = subprocess.run(
        [installed_script("moorings-filesystem"), str(tmp_path), str(missing)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"{PREFIX}DIR: {missing} does not exist\n"
