"""git_add, git_reset and git_commit: what a user sees staged, unstaged and recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, make_repo, ok, refused

pytestmark = pytest.mark.anyio


# -- git_add ----------------------------------------------------------------------------------------


async def test_add_stages_new_changed_and_deleted_files(repo: Repo) -> None:
    repo.commit("two", **{"gone.txt": "gone\n"})
    repo.write("README.md", "changed\n")
    repo.write("new.txt", "new\n")
    (repo.path / "gone.txt").unlink()
    await ok(repo.path, "git_add", files=["."])
    assert sorted(repo.status().splitlines()) == ["A  new.txt", "D  gone.txt", "M  README.md"]


async def test_add_outside_the_repository_stages_nothing(repo: Repo, tmp_path: Path) -> None:
    (tmp_path / "jail" / "outside.txt").write_text("x\n")
    repo.write("inside.txt", "x\n")
    for hostile in ("../outside.txt", str(tmp_path / "jail" / "outside.txt")):
        assert "outside the repository" in await refused(repo.path, "git_add", files=["inside.txt", hostile])
    assert repo.status() == "?? inside.txt\n"


async def test_a_file_named_like_an_option_is_staged_as_a_file(repo: Repo) -> None:
    repo.write("--all", "x\n")
    repo.write("other.txt", "y\n")
    await ok(repo.path, "git_add", files=["--all"])
    assert sorted(repo.status().splitlines()) == ["?? other.txt", "A  --all"]


# -- git_reset --------------------------------------------------------------------------------------


async def test_reset_unstages_everything_and_keeps_the_work(repo: Repo) -> None:
    repo.write("README.md", "changed\n")
    repo.git("add", "README.md")
    text, _ = await ok(repo.path, "git_reset")
    assert text == "All staged changes reset"
    assert repo.status() == " M README.md\n"


async def test_reset_works_on_a_branch_without_commits(tmp_path: Path) -> None:
    unborn = make_repo(tmp_path / "jail" / "unborn", commits=0)
    unborn.write("a.txt", "a\n")
    unborn.write("b.txt", "b\n")
    unborn.git("add", "a.txt", "b.txt")
    await ok(unborn.path, "git_reset", paths=["a.txt"])
    assert sorted(unborn.status().splitlines()) == ["?? a.txt", "A  b.txt"]
    await ok(unborn.path, "git_reset")
    assert sorted(unborn.status().splitlines()) == ["?? a.txt", "?? b.txt"]


async def test_reset_of_some_paths_unstages_only_those(repo: Repo) -> None:
    repo.write("a.txt", "a\n")
    repo.write("b.txt", "b\n")
    repo.git("add", "a.txt", "b.txt")
    await ok(repo.path, "git_reset", paths=["a.txt"])
    assert sorted(repo.status().splitlines()) == ["?? a.txt", "A  b.txt"]


async def test_a_hard_reset_needs_confirm(repo: Repo) -> None:
    repo.write("README.md", "precious\n")
    message = await refused(repo.path, "git_reset", mode="hard")
    assert "discard every uncommitted change" in message
    assert (repo.path / "README.md").read_text() == "precious\n"  # nothing changed without it
    await ok(repo.path, "git_reset", mode="hard", confirm=True)
    assert repo.status() == ""


async def test_moving_a_protected_branch_needs_confirm_and_another_does_not(repo: Repo) -> None:
    before = repo.head()
    message = await refused(repo.path, "git_reset", mode="soft", target="HEAD~1")
    assert "move the protected branch main to HEAD~1" in message
    assert repo.head() == before
    repo.git("checkout", "--quiet", "-b", "feature")
    text, _ = await ok(repo.path, "git_reset", mode="soft", target="HEAD~1")
    assert text == "Reset feature to HEAD~1 (soft)"
    assert repo.head() == repo.sha("main~1")
    assert repo.status() == "M  README.md\n"


async def test_a_target_that_is_an_option_is_refused_and_its_full_name_works(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.git("update-ref", "refs/heads/-x", "HEAD~2")
    before = repo.head()
    for hostile in ("-x", "--hard", "--merge"):
        assert "cannot start with '-'" in await refused(repo.path, "git_reset", mode="soft", target=hostile)
    assert repo.head() == before
    await ok(repo.path, "git_reset", mode="soft", target="refs/heads/-x")
    assert repo.head() == repo.sha("main~2")


async def test_a_missing_target_is_named(repo: Repo) -> None:
    assert "'nowhere' names no commit" in await refused(repo.path, "git_reset", target="nowhere")


async def test_paths_go_only_with_a_mixed_reset(repo: Repo) -> None:
    repo.write("README.md", "changed\n")
    message = await refused(repo.path, "git_reset", mode="hard", paths=["README.md"], confirm=True)
    assert "paths only go with mode='mixed'" in message
    assert repo.status() == " M README.md\n"


# -- git_commit -------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_commit_records_what_is_staged(repo: Repo, era: Era) -> None:
    repo.write("README.md", "staged\n")
    repo.git("add", "README.md")
    repo.write("later.txt", "not staged\n")
    text, _ = await ok(repo.path, "git_commit", era=era, message="Record it\n\nWith a body.")
    assert text == f"Changes committed successfully with hash {repo.head()}"
    assert repo.git("log", "-1", "--format=%B").strip() == "Record it\n\nWith a body."
    assert repo.status() == "?? later.txt\n"


async def test_nothing_staged_is_said_plainly(repo: Repo) -> None:
    repo.write("README.md", "changed, not staged\n")
    before = repo.head()
    message = await refused(repo.path, "git_commit", message="nothing")
    assert "Nothing is staged, so there is nothing to commit" in message
    assert "git_add" in message
    assert repo.head() == before
    await ok(repo.path, "git_commit", message="empty on purpose", allow_empty=True)  # the control
    assert repo.subjects(count=1) == ["empty on purpose"]


async def test_a_message_starting_with_a_hash_is_kept(repo: Repo) -> None:
    await ok(repo.path, "git_commit", message="#42: fix the parser", allow_empty=True)
    assert repo.subjects(count=1) == ["#42: fix the parser"]


async def test_an_author_is_name_and_email(repo: Repo) -> None:
    before = repo.head()
    for bad in ("Ann", "ann@example.com", "Ann <ann@example.com> extra", "-x <a@b>", "Ann <a@b>\nB <c@d>"):
        await refused(repo.path, "git_commit", message="m", allow_empty=True, author=bad)
    assert repo.head() == before
    await ok(repo.path, "git_commit", message="m", allow_empty=True, author="Ann Author <ann@example.com>")
    assert repo.git("log", "-1", "--format=%an <%ae>|%cn").strip() == "Ann Author <ann@example.com>|Test User"


async def test_amending_a_protected_branch_needs_confirm(repo: Repo) -> None:
    before = repo.head()
    message = await refused(repo.path, "git_commit", message="reworded", amend=True)
    assert "rewrite the last commit of the protected branch main" in message
    assert repo.head() == before
    await ok(repo.path, "git_commit", message="reworded", amend=True, confirm=True)
    assert repo.subjects(count=2) == ["reworded", "commit 2"]
