"""The reference server's tools, under its names and parameters: a prompt written for it works here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.git.helpers import Repo, ok, refused

pytestmark = pytest.mark.anyio


async def test_status_reads_like_git_status_and_lists_each_path(repo: Repo) -> None:
    repo.write("README.md", "changed\n")
    repo.write("new.txt", "new\n")
    text, data = await ok(repo.path, "git_status")
    assert text.startswith("Repository status:\nOn branch main")
    assert "modified:   README.md" in text
    assert "Untracked files:\n\tnew.txt" in text
    assert data["entries"] == [
        {"path": "README.md", "unstaged": "modified"},
        {"path": "new.txt", "unstaged": "untracked"},
    ]
    assert data["clean"] is False


async def test_log_gives_the_newest_commits_first(repo: Repo) -> None:
    text, data = await ok(repo.path, "git_log", max_count=2)
    assert text.count("Commit: ") == 2
    assert [entry["subject"] for entry in data["entries"]] == ["commit 3", "commit 2"]


async def test_a_diff_target_that_is_an_option_is_refused_and_writes_nothing(
    repo: Repo, tmp_path: Path
) -> None:
    target = tmp_path / "x"
    message = await refused(repo.path, "git_diff", target=f"--output={target}")
    assert "cannot start with '-'" in message
    assert not target.exists()
