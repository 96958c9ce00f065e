"""git_stash: changes set aside and brought back, listed and shown; dropping needs confirm."""

from __future__ import annotations

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, call, ok, refused

pytestmark = pytest.mark.anyio


def _stashes(repo: Repo) -> list[str]:
    return repo.git("stash", "list", "--format=%gs").splitlines()


@pytest.mark.parametrize("era", ERAS)
async def test_push_sets_changes_aside_and_list_shows_the_entry(repo: Repo, era: Era) -> None:
    repo.write("README.md", "work in progress\n")
    text, data = await ok(repo.path, "git_stash", era=era, action="push", message="half done")
    assert text.startswith("Stashed the changes as entry 0: On main: half done.")
    assert repo.status() == ""
    assert _stashes(repo) == ["On main: half done"]
    text, data = await ok(repo.path, "git_stash", era=era, action="list")
    (entry,) = data["entries"]
    assert entry["index"] == 0
    assert entry["message"] == "On main: half done"
    assert entry["branch"] == "main"
    assert entry["sha"] == repo.sha("stash@{0}")
    assert text.startswith("stash@{0}: On main: half done (")


async def test_untracked_files_stay_unless_asked_for(repo: Repo) -> None:
    repo.write("README.md", "changed\n")
    repo.write("new.txt", "new\n")
    await ok(repo.path, "git_stash", action="push")
    assert repo.status() == "?? new.txt\n"
    repo.write("README.md", "changed again\n")
    await ok(repo.path, "git_stash", action="push", include_untracked=True)
    assert repo.status() == ""
    assert len(_stashes(repo)) == 2


async def test_push_of_some_paths_leaves_the_others(repo: Repo) -> None:
    repo.commit("two files", **{"a.txt": "a\n", "b.txt": "b\n"})
    repo.write("a.txt", "a changed\n")
    repo.write("b.txt", "b changed\n")
    await ok(repo.path, "git_stash", action="push", paths=["a.txt"])
    assert repo.status() == " M b.txt\n"


async def test_push_of_a_path_outside_the_repository_is_refused(repo: Repo) -> None:
    repo.write("README.md", "changed\n")
    await refused(repo.path, "git_stash", action="push", paths=["../outside"])
    assert _stashes(repo) == []
    assert repo.status() == " M README.md\n"


async def test_nothing_to_stash_is_said(repo: Repo) -> None:
    message = await refused(repo.path, "git_stash", action="push")
    assert "no local changes" in message
    assert _stashes(repo) == []


async def test_a_message_like_an_option_is_only_a_message(repo: Repo) -> None:
    repo.write("README.md", "changed\n")
    await ok(repo.path, "git_stash", action="push", message="--include-untracked")
    assert _stashes(repo) == ["On main: --include-untracked"]


async def test_show_gives_the_entrys_diff_without_the_repositorys_textconv(repo: Repo) -> None:
    marker = repo.path.parent / "textconv-ran"
    repo.git("config", "diff.evil.textconv", f"sh -c 'touch {marker}; cat'")
    repo.commit("attributes", **{".gitattributes": "*.txt diff=evil\n", "notes.txt": "before\n"})
    repo.write("notes.txt", "after\n")
    repo.write("untracked.txt", "kept aside too\n")
    await ok(repo.path, "git_stash", action="push", include_untracked=True)
    text, data = await ok(repo.path, "git_stash", action="show", index=0)
    assert "-before\n+after" in text
    assert "+kept aside too" in text  # the untracked part of the entry too
    assert data["entry"]["index"] == 0
    text, _ = await ok(repo.path, "git_stash", action="show", stat=True)
    assert "2 files changed, 2 insertions(+), 1 deletion(-)" in text
    assert not marker.exists()
    repo.git("diff", "stash@{0}^1", "stash@{0}")  # the control: plain git runs the repository's textconv
    assert marker.exists()


async def test_show_of_a_large_entry_comes_in_pages(repo: Repo) -> None:
    repo.write("README.md", "".join(f"line {number}\n" for number in range(2_000)))
    await ok(repo.path, "git_stash", action="push")
    settings = {"max_result_chars": 2_000}
    text, data = await ok(repo.path, "git_stash", action="show", settings=settings)
    assert len(text) <= 2_000
    cursor = data["nextCursor"]
    text, data = await ok(repo.path, "git_stash", action="show", cursor=cursor, settings=settings)
    assert "+line" in text
    assert data["nextCursor"] != cursor


async def test_pop_brings_the_changes_back_and_removes_the_entry(repo: Repo) -> None:
    repo.write("README.md", "mine\n")
    await ok(repo.path, "git_stash", action="push")
    text, _ = await ok(repo.path, "git_stash", action="pop")
    assert "removed it from the stash" in text
    assert (repo.path / "README.md").read_text() == "mine\n"
    assert _stashes(repo) == []


async def test_apply_brings_an_older_entry_back_and_keeps_it(repo: Repo) -> None:
    repo.write("README.md", "older\n")
    await ok(repo.path, "git_stash", action="push", message="older")
    repo.write("README.md", "newer\n")
    await ok(repo.path, "git_stash", action="push", message="newer")
    _, data = await ok(repo.path, "git_stash", action="apply", index=1)
    assert data["entry"]["message"] == "On main: older"
    assert (repo.path / "README.md").read_text() == "older\n"
    assert _stashes(repo) == ["On main: newer", "On main: older"]


async def test_a_conflicting_pop_is_reported_and_the_entry_kept(repo: Repo) -> None:
    repo.write("README.md", "stashed\n")
    await ok(repo.path, "git_stash", action="push")
    repo.commit("moved on", **{"README.md": "committed\n"})
    text, data = await ok(repo.path, "git_stash", action="pop")
    assert "applied with conflicts; the entry stays in the stash" in text
    assert "\tREADME.md" in text
    assert "action='drop'" in text
    assert data["conflicts"] == ["README.md"]
    assert len(_stashes(repo)) == 1


async def test_drop_needs_confirm(repo: Repo) -> None:
    repo.write("README.md", "precious\n")
    await ok(repo.path, "git_stash", action="push", message="precious")
    message = await refused(repo.path, "git_stash", action="drop")
    assert "delete the stash entry 0 (On main: precious)" in message
    assert "confirm=true" in message
    assert _stashes(repo) == ["On main: precious"]  # nothing changed without it
    text, _ = await ok(repo.path, "git_stash", action="drop", confirm=True)
    assert text.startswith("Dropped stash entry 0")
    assert _stashes(repo) == []


async def test_an_entry_that_is_not_there_is_named(repo: Repo) -> None:
    message = await refused(repo.path, "git_stash", action="pop", index=3)
    assert "no entry 3" in message
    assert "empty" in message


async def test_an_argument_for_another_action_is_refused(repo: Repo) -> None:
    repo.write("README.md", "changed\n")
    message = await refused(repo.path, "git_stash", action="list", message="x")
    assert "message goes with action='push'" in message
    assert await refused(repo.path, "git_stash", action="push", stat=True)
    assert _stashes(repo) == []


async def test_an_index_is_a_number_only(repo: Repo) -> None:
    result = await call(repo.path, "git_stash", action="show", index="0 --output=/tmp/x")
    assert result.is_error
