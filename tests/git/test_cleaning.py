"""git_clean: a dry run unless confirmed; only untracked files, only inside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, make_repo, ok, refused

pytestmark = pytest.mark.anyio


def _untracked(repo: Repo) -> Repo:
    repo.commit("ignore logs", **{".gitignore": "*.log\n"})
    repo.write("scratch.txt", "scratch\n")
    repo.write("build.log", "log\n")
    repo.write("tmp/inner.txt", "inner\n")
    return repo


@pytest.mark.parametrize("era", ERAS)
async def test_without_confirm_it_only_says_what_would_go(repo: Repo, era: Era) -> None:
    _untracked(repo)
    text, data = await ok(repo.path, "git_clean", era=era)
    assert text.startswith("Would remove 1 untracked path (dry run: nothing was removed")
    assert data == {"removed": False, "paths": ["scratch.txt"], "total": 1}
    assert (repo.path / "scratch.txt").exists()


async def test_with_confirm_only_untracked_files_go(repo: Repo) -> None:
    _untracked(repo)
    repo.write("README.md", "tracked and changed\n")
    text, data = await ok(repo.path, "git_clean", confirm=True)
    assert text == "Removed 1 untracked path:\nscratch.txt"
    assert data["removed"] is True
    assert not (repo.path / "scratch.txt").exists()
    assert (repo.path / "build.log").exists()  # ignored: kept
    assert (repo.path / "tmp" / "inner.txt").exists()  # in an untracked folder: kept without directories
    assert (repo.path / "README.md").read_text() == "tracked and changed\n"


async def test_folders_and_ignored_files_only_when_asked(repo: Repo) -> None:
    _untracked(repo)
    _, data = await ok(repo.path, "git_clean", directories=True, include_ignored=True)
    assert sorted(data["paths"]) == ["build.log", "scratch.txt", "tmp/"]
    assert (repo.path / "tmp").exists()
    await ok(repo.path, "git_clean", directories=True, include_ignored=True, confirm=True)
    assert sorted(path.name for path in repo.path.iterdir()) == [".git", ".gitignore", "README.md"]


async def test_paths_narrow_it(repo: Repo) -> None:
    _untracked(repo)
    repo.write("keep/me.txt", "keep\n")
    await ok(repo.path, "git_clean", paths=["tmp"], directories=True, confirm=True)
    assert not (repo.path / "tmp").exists()
    assert (repo.path / "keep" / "me.txt").exists()
    assert (repo.path / "scratch.txt").exists()


async def test_a_path_outside_the_repository_is_refused_and_nothing_goes(repo: Repo, tmp_path: Path) -> None:
    _untracked(repo)
    outside = tmp_path / "jail" / "outside.txt"
    outside.write_text("beside the repository\n")
    for hostile in ("../outside.txt", str(outside), "../"):
        message = await refused(
            repo.path, "git_clean", paths=[hostile], confirm=True, repo_path=str(repo.path)
        )
        assert "outside the repository" in message
    assert outside.exists()
    assert (repo.path / "scratch.txt").exists()


async def test_a_path_like_an_option_is_only_a_path(repo: Repo) -> None:
    repo.write("-x", "a file named -x\n")
    repo.write("--force", "a file named --force\n")
    repo.write("other.txt", "other\n")
    _, data = await ok(repo.path, "git_clean", paths=["-x", "--force"], confirm=True)
    assert sorted(data["paths"]) == ["--force", "-x"]
    assert repo.status() == "?? other.txt\n"


async def test_odd_names_are_listed_as_they_are(repo: Repo) -> None:
    names = ['quote"d.txt', "new\nline.txt", "space d.txt", "tab\there.txt", "ünïcode.txt"]
    for name in names:
        (repo.path / name).write_text("x\n")
    _, data = await ok(repo.path, "git_clean")
    assert sorted(data["paths"]) == sorted(names)


async def test_a_nested_repository_is_never_removed(repo: Repo) -> None:
    nested = make_repo(repo.path / "nested")
    await ok(repo.path, "git_clean", directories=True, include_ignored=True, confirm=True)
    assert (nested.path / "README.md").exists()
    assert nested.head()


async def test_nothing_to_remove_is_said(repo: Repo) -> None:
    text, data = await ok(repo.path, "git_clean", confirm=True)
    assert text.startswith("Nothing to remove")
    assert data == {"removed": False, "paths": [], "total": 0}


async def test_many_paths_are_counted_beyond_those_listed(repo: Repo) -> None:
    for number in range(300):
        repo.write(f"scratch-{number:03d}-{'x' * 30}.txt", "x\n")
    text, data = await ok(repo.path, "git_clean", settings={"max_result_chars": 2_000})
    assert data["total"] == 300
    assert 0 < len(data["paths"]) < 300
    assert "more not listed" in text
