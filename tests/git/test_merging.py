"""git_merge and git_rebase: what a merge or rebase did, said plainly; conflicts reported and finished."""

from __future__ import annotations

import pytest

from moorings_core.testing import ERAS, Era, succeeded
from tests.git.helpers import Repo, call, diverge, ok, refused

pytestmark = pytest.mark.anyio


# -- merge ------------------------------------------------------------------------------------------


async def test_a_fast_forward_is_said_to_be_one(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    ahead = repo.commit("feature work", **{"feature.txt": "f\n"})
    repo.git("checkout", "--quiet", "main")
    text, data = await ok(repo.path, "git_merge", branch="feature")
    assert text.startswith("Fast-forwarded main to feature")
    assert "no merge commit" in text
    assert data == {
        "merged": True,
        "kind": "fast-forward",
        "commit": ahead,
        "conflicts": [],
        "totalConflicts": 0,
    }
    assert repo.head() == ahead


async def test_diverged_branches_are_joined_by_a_merge_commit(repo: Repo) -> None:
    side = diverge(repo, conflict=False)
    main = repo.head()
    text, data = await ok(repo.path, "git_merge", branch="side", message="Join the side work")
    assert data["kind"] == "merge commit"
    assert text == f"Merged side into main with the merge commit {repo.head()}."
    assert repo.git("log", "-1", "--format=%P %s").split() == [main, side, "Join", "the", "side", "work"]


async def test_no_ff_makes_a_merge_commit_where_a_fast_forward_would_do(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    ahead = repo.commit("feature work", **{"feature.txt": "f\n"})
    repo.git("checkout", "--quiet", "main")
    _, data = await ok(repo.path, "git_merge", branch="feature", no_ff=True)
    assert data["kind"] == "merge commit"
    assert repo.git("log", "-1", "--format=%P").split()[1] == ahead


async def test_merging_what_is_already_there_changes_nothing(repo: Repo) -> None:
    before = repo.head()
    text, data = await ok(repo.path, "git_merge", branch="HEAD~1")
    assert text.startswith("Already up to date")
    assert data["kind"] == "up to date"
    assert repo.head() == before


async def test_a_squash_stages_the_changes_without_committing(repo: Repo) -> None:
    diverge(repo, conflict=False)
    before = repo.head()
    text, data = await ok(repo.path, "git_merge", branch="side", squash=True)
    assert data["kind"] == "squashed"
    assert "git_commit" in text
    assert repo.head() == before
    assert repo.status() == "A  side.txt\n"


async def test_a_squash_with_a_message_is_refused_and_nothing_changes(repo: Repo) -> None:
    diverge(repo, conflict=False)
    message = await refused(repo.path, "git_merge", branch="side", squash=True, message="m")
    assert "git_commit" in message
    assert repo.status() == ""


@pytest.mark.parametrize("era", ERAS)
async def test_a_conflict_is_reported_with_next_steps_and_can_be_finished(repo: Repo, era: Era) -> None:
    side = diverge(repo, conflict=True)
    main = repo.head()
    result = await call(repo.path, "git_merge", era=era, branch="side")
    text, data = succeeded(result)  # a stop on conflicts is a result, not an error
    assert text.startswith("Merging side into main stopped on conflicts")
    assert "Conflicts in 1 file:\n\tREADME.md" in text
    assert "git_merge with abort=true" in text
    assert "git_add" in text
    assert data["merged"] is False
    assert data["kind"] == "conflicts"
    assert data["conflicts"] == ["README.md"]
    assert data["operation"]["name"] == "merge"
    # Finishing it with the server's own tools, as the next steps say.
    repo.write("README.md", "both\n")
    await ok(repo.path, "git_add", era=era, files=["README.md"])
    await ok(repo.path, "git_commit", era=era, message="Merge side, keeping both")
    assert repo.git("log", "-1", "--format=%P").split() == [main, side]
    assert repo.status() == ""


async def test_abort_takes_a_stopped_merge_back(repo: Repo) -> None:
    diverge(repo, conflict=True)
    main = repo.head()
    await ok(repo.path, "git_merge", branch="side")
    text, data = await ok(repo.path, "git_merge", abort=True)
    assert text.startswith("Merge aborted")
    assert data["kind"] == "aborted"
    assert repo.head() == main
    assert repo.status() == ""
    assert not (repo.path / ".git" / "MERGE_HEAD").exists()


async def test_abort_without_a_merge_says_there_is_none(repo: Repo) -> None:
    assert "No merge is in progress" in await refused(repo.path, "git_merge", abort=True)


async def test_a_merge_over_a_merge_in_progress_is_refused_with_its_next_steps(repo: Repo) -> None:
    diverge(repo, conflict=True)
    await ok(repo.path, "git_merge", branch="side")
    message = await refused(repo.path, "git_merge", branch="HEAD~1")
    assert "a merge is in progress" in message
    assert "git_merge with abort=true" in message


async def test_local_changes_a_merge_would_overwrite_are_named(repo: Repo) -> None:
    diverge(repo, conflict=True)
    repo.write("README.md", "mine, not committed\n")
    message = await refused(repo.path, "git_merge", branch="side")
    assert "README.md" in message
    assert "git_stash" in message
    assert (repo.path / "README.md").read_text() == "mine, not committed\n"


async def test_a_branch_that_is_an_option_is_refused_and_its_full_name_merges(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    ahead = repo.commit("feature work", **{"feature.txt": "f\n"})
    repo.git("checkout", "--quiet", "main")
    repo.git("update-ref", "refs/heads/-x", ahead)  # a branch literally named "-x"
    before = repo.head()
    for hostile in ("-x", "--no-ff", "--abort"):
        assert "cannot start with '-'" in await refused(repo.path, "git_merge", branch=hostile)
    assert repo.head() == before
    _, data = await ok(repo.path, "git_merge", branch="refs/heads/-x")
    assert data["kind"] == "fast-forward"
    assert repo.head() == ahead


async def test_a_message_like_an_option_is_only_a_message(repo: Repo) -> None:
    diverge(repo, conflict=False)
    await ok(repo.path, "git_merge", branch="side", message="--no-commit")
    assert repo.subjects(count=1) == ["--no-commit"]


async def test_a_message_with_a_nul_is_refused(repo: Repo) -> None:
    diverge(repo, conflict=False)
    before = repo.head()
    await refused(repo.path, "git_merge", branch="side", message="a\x00b")
    assert repo.head() == before


async def test_a_missing_branch_is_named(repo: Repo) -> None:
    message = await refused(repo.path, "git_merge", branch="nowhere")
    assert "'nowhere' names no commit" in message


# -- rebase -----------------------------------------------------------------------------------------


def _feature_behind_main(repo: Repo, *, conflict: bool) -> str:
    """A branch `feature` with one commit, main moved on; feature checked out. Returns main's head."""
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("feature work", **({"README.md": "feature\n"} if conflict else {"feature.txt": "f\n"}))
    repo.git("checkout", "--quiet", "main")
    main = repo.commit("main work", **({"README.md": "main\n"} if conflict else {"main.txt": "m\n"}))
    repo.git("checkout", "--quiet", "feature")
    return main


async def test_a_rebase_replays_the_branch_on_its_upstream(repo: Repo) -> None:
    main = _feature_behind_main(repo, conflict=False)
    text, data = await ok(repo.path, "git_rebase", onto="main")
    assert text == f"Rebased feature onto main: it is now at {repo.head()}."
    assert data == {"completed": True, "commit": repo.head(), "conflicts": [], "totalConflicts": 0}
    assert repo.sha("HEAD~1") == main
    assert repo.branch() == "feature"


async def test_a_branch_already_on_its_upstream_is_left_alone(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    before = repo.head()
    text, _ = await ok(repo.path, "git_rebase", onto="main")
    assert "already up to date" in text
    assert repo.head() == before


async def test_rebasing_a_protected_branch_needs_confirm(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "other", "HEAD~1")
    other = repo.commit("other work", **{"other.txt": "o\n"})
    repo.git("checkout", "--quiet", "main")
    before = repo.head()
    message = await refused(repo.path, "git_rebase", onto="other")
    assert "protected branch main" in message
    assert "confirm=true" in message
    assert repo.head() == before  # nothing changed without it
    await ok(repo.path, "git_rebase", onto="other", confirm=True)
    assert repo.sha("HEAD~1") == other


async def test_an_unprotected_branch_rebases_without_confirm_when_main_is_not_protected(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "other", "HEAD~1")
    other = repo.commit("other work", **{"other.txt": "o\n"})
    repo.git("checkout", "--quiet", "main")
    await ok(repo.path, "git_rebase", onto="other", settings={"protected_branch": ["release"]})
    assert repo.sha("HEAD~1") == other


@pytest.mark.parametrize("era", ERAS)
async def test_a_rebase_conflict_is_reported_and_continue_finishes_it(repo: Repo, era: Era) -> None:
    main = _feature_behind_main(repo, conflict=True)
    text, data = succeeded(await call(repo.path, "git_rebase", era=era, onto="main"))
    assert text.startswith("The rebase of feature onto main stopped half-way.")
    assert "\tREADME.md" in text
    assert "git_rebase with action='continue'" in text
    assert data["completed"] is False
    assert data["conflicts"] == ["README.md"]
    assert data["operation"]["name"] == "rebase"
    repo.write("README.md", "feature on main\n")
    await ok(repo.path, "git_add", era=era, files=["README.md"])
    text, data = await ok(repo.path, "git_rebase", era=era, action="continue")
    assert text.startswith("The rebase is finished")
    assert data["completed"] is True
    assert repo.branch() == "feature"
    assert repo.sha("HEAD~1") == main
    assert repo.subjects(count=1) == ["feature work"]  # the message kept, no editor asked


async def test_continue_with_files_still_in_conflict_names_them(repo: Repo) -> None:
    _feature_behind_main(repo, conflict=True)
    await ok(repo.path, "git_rebase", onto="main")
    message = await refused(repo.path, "git_rebase", action="continue")
    assert "README.md" in message
    assert "git_add" in message


async def test_abort_puts_the_branch_back(repo: Repo) -> None:
    _feature_behind_main(repo, conflict=True)
    before = repo.head()
    await ok(repo.path, "git_rebase", onto="main")
    text, data = await ok(repo.path, "git_rebase", action="abort")
    assert "aborted" in text
    assert data["completed"] is False
    assert repo.branch() == "feature"
    assert repo.head() == before
    assert repo.status() == ""


async def test_skip_drops_the_conflicting_commit(repo: Repo) -> None:
    main = _feature_behind_main(repo, conflict=True)
    await ok(repo.path, "git_rebase", onto="main")
    _, data = await ok(repo.path, "git_rebase", action="skip")
    assert data["completed"] is True
    assert repo.branch() == "feature"
    assert repo.head() == main


async def test_an_action_without_a_rebase_in_progress_is_refused(repo: Repo) -> None:
    assert "No rebase is in progress" in await refused(repo.path, "git_rebase", action="continue")


async def test_an_action_during_a_merge_points_at_the_merge(repo: Repo) -> None:
    diverge(repo, conflict=True)
    await ok(repo.path, "git_merge", branch="side")
    message = await refused(repo.path, "git_rebase", action="abort")
    assert "A merge is in progress, not a rebase" in message
    assert "git_merge with abort=true" in message


async def test_onto_and_action_together_are_refused(repo: Repo) -> None:
    message = await refused(repo.path, "git_rebase", onto="main", action="abort")
    assert "not both" in message


async def test_an_onto_that_is_an_option_is_refused_and_its_full_name_works(repo: Repo) -> None:
    main = _feature_behind_main(repo, conflict=False)
    repo.git("update-ref", "refs/heads/-x", main)
    before = repo.head()
    for hostile in ("-x", "--interactive", "--exec=touch pwned"):
        assert "cannot start with '-'" in await refused(repo.path, "git_rebase", onto=hostile)
    assert repo.head() == before
    assert not (repo.path / "pwned").exists()
    await ok(repo.path, "git_rebase", onto="refs/heads/-x")
    assert repo.sha("HEAD~1") == main


async def test_a_rebase_over_uncommitted_changes_is_refused_with_what_to_do(repo: Repo) -> None:
    _feature_behind_main(repo, conflict=False)
    before = repo.head()
    repo.write("README.md", "not committed\n")
    message = await refused(repo.path, "git_rebase", onto="main")
    assert "unstaged changes" in message
    assert "git_stash" in message
    assert repo.head() == before
    assert repo.status() == " M README.md\n"
