"""git_cherry_pick and git_revert: commits applied or undone, conflicts reported and finished."""

from __future__ import annotations

import pytest

from moorings_core.testing import ERAS, Era, succeeded
from tests.git.helpers import Repo, call, diverge, ok, refused

pytestmark = pytest.mark.anyio


def _side_with_commits(repo: Repo, count: int) -> list[str]:
    """Branch `side` off main with `count` commits of new files (main checked out); shas oldest first."""
    repo.git("checkout", "--quiet", "-b", "side")
    shas = [repo.commit(f"side {number}", **{f"side{number}.txt": f"{number}\n"}) for number in range(count)]
    repo.git("checkout", "--quiet", "main")
    return shas


# -- cherry-pick ------------------------------------------------------------------------------------


async def test_a_commit_is_applied_on_the_current_branch(repo: Repo) -> None:
    (picked,) = _side_with_commits(repo, 1)
    before = repo.head()
    text, data = await ok(repo.path, "git_cherry_pick", commits=[picked])
    assert text == f"Cherry-picked commit {picked} onto main: it is now at {repo.head()}."
    assert data["completed"] is True
    assert repo.sha("HEAD~1") == before
    assert repo.subjects(count=1) == ["side 0"]
    assert (repo.path / "side0.txt").read_text() == "0\n"


async def test_a_range_is_applied_oldest_first(repo: Repo) -> None:
    _side_with_commits(repo, 3)
    text, _ = await ok(repo.path, "git_cherry_pick", commits=["main..side"])
    assert text.startswith("Cherry-picked 3 commits onto main")
    assert repo.subjects(count=3) == ["side 2", "side 1", "side 0"]


async def test_an_empty_range_is_refused(repo: Repo) -> None:
    assert "holds no commits" in await refused(repo.path, "git_cherry_pick", commits=["main..main"])


@pytest.mark.parametrize("era", ERAS)
async def test_a_conflict_is_reported_and_continue_finishes_it_without_an_editor(
    repo: Repo, era: Era
) -> None:
    side = diverge(repo, conflict=True)
    text, data = succeeded(await call(repo.path, "git_cherry_pick", era=era, commits=["side"]))
    assert text.startswith("The cherry-pick onto main stopped half-way.")
    assert "\tREADME.md" in text
    assert "git_cherry_pick with action='continue'" in text
    assert data["completed"] is False
    assert data["operation"]["name"] == "cherry-pick"
    repo.write("README.md", "resolved\n")
    await ok(repo.path, "git_add", era=era, files=["README.md"])
    text, data = await ok(repo.path, "git_cherry_pick", era=era, action="continue")
    assert data["completed"] is True
    assert repo.subjects(count=1) == ["side change"]  # the picked commit's own message
    assert (
        repo.git("log", "-1", "--format=%an").strip() == repo.git("log", "-1", "--format=%an", side).strip()
    )
    assert repo.status() == ""


async def test_abort_takes_a_stopped_cherry_pick_back(repo: Repo) -> None:
    diverge(repo, conflict=True)
    before = repo.head()
    await ok(repo.path, "git_cherry_pick", commits=["side"])
    text, _ = await ok(repo.path, "git_cherry_pick", action="abort")
    assert "aborted" in text
    assert repo.head() == before
    assert repo.status() == ""


async def test_a_commit_already_applied_stops_empty_and_skip_leaves_it_out(repo: Repo) -> None:
    (picked,) = _side_with_commits(repo, 1)
    await ok(repo.path, "git_cherry_pick", commits=[picked])
    after_first = repo.head()
    text, data = await ok(repo.path, "git_cherry_pick", commits=[picked])
    assert data["completed"] is False
    assert data["conflicts"] == []
    assert "empty" in text  # git's own words say why it stopped
    assert "'skip'" in text
    _, data = await ok(repo.path, "git_cherry_pick", action="skip")
    assert data["completed"] is True
    assert repo.head() == after_first


async def test_commits_and_action_together_are_refused(repo: Repo) -> None:
    assert "not both" in await refused(repo.path, "git_cherry_pick", commits=["HEAD"], action="abort")


async def test_a_revision_that_is_an_option_is_refused_and_its_full_name_works(repo: Repo) -> None:
    (picked,) = _side_with_commits(repo, 1)
    repo.git("update-ref", "refs/heads/-x", picked)
    before = repo.head()
    for hostile in (["-x"], ["--abort"], [picked, "--strategy=ours"], ["-x..side"]):
        assert "cannot start with '-'" in await refused(repo.path, "git_cherry_pick", commits=hostile)
    assert repo.head() == before
    await ok(repo.path, "git_cherry_pick", commits=["refs/heads/-x"])
    assert repo.subjects(count=1) == ["side 0"]


async def test_a_missing_commit_is_named_and_nothing_is_picked(repo: Repo) -> None:
    (picked,) = _side_with_commits(repo, 1)
    before = repo.head()
    message = await refused(repo.path, "git_cherry_pick", commits=[picked, "nowhere"])
    assert "'nowhere' names no commit" in message
    assert repo.head() == before


# -- revert -----------------------------------------------------------------------------------------


async def test_a_revert_undoes_a_commit_with_a_new_one(repo: Repo) -> None:
    repo.commit("add notes", **{"notes.txt": "notes\n"})
    text, data = await ok(repo.path, "git_revert", commit="HEAD")
    assert text.startswith("Reverted HEAD (")
    assert data["completed"] is True
    assert repo.subjects(count=2) == ['Revert "add notes"', "add notes"]
    assert not (repo.path / "notes.txt").exists()


def _revert_conflict(repo: Repo) -> str:
    """A commit to revert whose lines a later commit changed again; returns it."""
    target = repo.commit("set value", **{"value.txt": "one\n"})
    repo.commit("change value", **{"value.txt": "two\n"})
    return target


async def test_a_revert_conflict_is_reported_and_continue_finishes_it(repo: Repo) -> None:
    target = _revert_conflict(repo)
    text, data = await ok(repo.path, "git_revert", commit=target)
    assert "\tvalue.txt" in text
    assert "git_revert with action='continue'" in text
    assert data["operation"]["name"] == "revert"
    (repo.path / "value.txt").unlink()
    await ok(repo.path, "git_add", files=["value.txt"])
    _, data = await ok(repo.path, "git_revert", action="continue")
    assert data["completed"] is True
    assert repo.subjects(count=1) == ['Revert "set value"']
    assert repo.status() == ""


async def test_abort_takes_a_stopped_revert_back(repo: Repo) -> None:
    target = _revert_conflict(repo)
    before = repo.head()
    await ok(repo.path, "git_revert", commit=target)
    await ok(repo.path, "git_revert", action="abort")
    assert repo.head() == before
    assert repo.status() == ""


async def test_a_revert_commit_that_is_an_option_is_refused_and_its_full_name_works(repo: Repo) -> None:
    target = repo.commit("add notes", **{"notes.txt": "notes\n"})
    repo.git("update-ref", "refs/heads/-x", target)
    before = repo.head()
    for hostile in ("-x", "--continue", "--no-commit"):
        assert "cannot start with '-'" in await refused(repo.path, "git_revert", commit=hostile)
    assert repo.head() == before
    await ok(repo.path, "git_revert", commit="refs/heads/-x")
    assert not (repo.path / "notes.txt").exists()


async def test_a_revert_over_a_cherry_pick_in_progress_is_refused(repo: Repo) -> None:
    diverge(repo, conflict=True)
    await ok(repo.path, "git_cherry_pick", commits=["side"])
    message = await refused(repo.path, "git_revert", commit="HEAD~1")
    assert "a cherry-pick is in progress" in message
