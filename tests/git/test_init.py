"""git_init: a new repository inside the jail, and nothing anywhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, make_repo, ok, refused

pytestmark = pytest.mark.anyio


def _entries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture
def jail(tmp_path: Path) -> Path:
    (tmp_path / "jail").mkdir()
    (tmp_path / "outside").mkdir()
    return tmp_path / "jail"


@pytest.mark.parametrize("era", ERAS)
async def test_a_repository_is_made_inside_the_jail(jail: Path, era: Era) -> None:
    text, _ = await ok(jail, "git_init", era=era, repo_path=None, path="projects/new", initial_branch="trunk")
    target = jail / "projects" / "new"
    assert text == f"Initialized an empty git repository in {target} (first branch: trunk)."
    assert Repo(target).git("symbolic-ref", "HEAD").strip() == "refs/heads/trunk"
    # The new repository is usable by the other tools at once.
    (target / "a.txt").write_text("a\n")
    await ok(jail, "git_add", repo_path=str(target), files=["a.txt"])
    await ok(jail, "git_commit", repo_path=str(target), message="first")
    assert Repo(target).subjects() == ["first"]


async def test_the_default_branch_is_the_users(jail: Path) -> None:
    text, _ = await ok(jail, "git_init", repo_path=None, path=str(jail / "plain"))
    assert text.endswith("(first branch: main).")  # the tests' global config says main


@pytest.mark.parametrize(
    "hostile",
    ["../outside/new", "{outside}/new", "{outside}", "../new", "/tmp/../{outside}/deeper/new", "link/new"],
)
async def test_a_target_outside_the_jail_is_refused_and_nothing_is_made(
    jail: Path, tmp_path: Path, hostile: str
) -> None:
    outside = tmp_path / "outside"
    (jail / "link").symlink_to(outside)
    message = await refused(jail, "git_init", repo_path=None, path=hostile.format(outside=outside))
    assert "denied" in message
    assert _entries(outside) == []
    assert not (tmp_path / "new").exists()
    assert _entries(jail) == ["link"]


async def test_an_existing_repository_is_left_alone(jail: Path) -> None:
    existing = make_repo(jail / "repo", commits=2)
    before = existing.head()
    message = await refused(jail, "git_init", repo_path=None, path="repo")
    assert "already is a git repository" in message
    assert existing.head() == before


async def test_a_file_is_not_a_folder(jail: Path) -> None:
    (jail / "file.txt").write_text("text\n")
    assert "is a file" in await refused(jail, "git_init", repo_path=None, path="file.txt")
    assert (jail / "file.txt").read_text() == "text\n"


async def test_a_bad_branch_name_is_refused_before_anything_is_made(jail: Path) -> None:
    for name in ("bad..name", "-x", "--bare"):
        await refused(jail, "git_init", repo_path=None, path="new", initial_branch=name)
    assert _entries(jail) == []
    await ok(jail, "git_init", repo_path=None, path="new", initial_branch="good")  # the control
    assert (jail / "new" / ".git").is_dir()


async def test_it_takes_a_path_not_a_repo_path(jail: Path) -> None:
    await refused(jail, "git_init", path="new")  # repo_path given as well: an unknown argument
    assert _entries(jail) == []
