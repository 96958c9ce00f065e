"""The `moorings-git` command: its settings (flags, environment, one-line errors) and real stdio.

Bad settings stop the server before it serves, with one line on stderr and exit status 2. The stdio
tests spawn the installed console script, as a host does.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from moorings_core.config import load_settings
from moorings_core.testing import ERAS, Era, connect_stdio, installed_script, succeeded
from moorings_git.settings import GitSettings
from tests.git.helpers import Repo

pytestmark = pytest.mark.anyio


def settings(*argv: str, environ: dict[str, str] | None = None) -> GitSettings:
    return load_settings(GitSettings, server="git", version="0", argv=argv, environ=environ or {})


def test_defaults_jail_nothing_in_particular_and_change_nothing_dangerous() -> None:
    config = settings()
    assert config.repository == []
    assert (config.read_only, config.allow_network, config.allow_hooks) == (False, False, False)
    assert config.protected_branch == ["main", "master"]
    assert config.max_result_chars == 50_000


def test_repeated_flags_and_the_environment(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    config = settings(
        "--repository", str(first), "--repository", str(second), "--protected-branch", "release",
        "--protected-branch", "main", "--read-only",
        environ={"MOORINGS_GIT_ALLOW_HOOKS": "true", "MOORINGS_GIT_MAX_RESULT_CHARS": "5000"},
    )  # fmt: skip
    assert config.repository == [first, second]
    assert config.protected_branch == ["release", "main"]
    assert (config.read_only, config.allow_hooks, config.max_result_chars) == (True, True, 5_000)


def test_a_repository_that_is_not_a_directory_stops_the_server_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = subprocess.run(
        [installed_script("moorings-git"), "--repository", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("moorings-git: error: ")
    assert "nowhere is not a directory" in line


@pytest.mark.parametrize("era", ERAS)
async def test_the_installed_script_serves_over_stdio(repo: Repo, era: Era) -> None:
    repo.write("README.md", "changed over stdio\n")
    async with connect_stdio("moorings-git", "--repository", str(repo.path), era=era) as client:
        text, data = succeeded(await client.call_tool("git_status", {"repo_path": str(repo.path)}))
        log, _ = succeeded(await client.call_tool("git_log", {"repo_path": str(repo.path), "max_count": 1}))
    assert "modified:   README.md" in text
    assert data["branch"] == "main"
    assert log.count("Commit: ") == 1
