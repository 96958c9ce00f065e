"""git_create_branch and git_checkout: branches made and switched to, and nothing read as an option."""

from __future__ import annotations

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, ok, refused

pytestmark = pytest.mark.anyio


def _branches(repo: Repo) -> list[str]:
    return repo.git("for-each-ref", "--format=%(refname:short)", "refs/heads").splitlines()


@pytest.mark.parametrize("era", ERAS)
async def test_a_branch_is_made_and_switched_to(repo: Repo, era: Era) -> None:
    text, _ = await ok(repo.path, "git_create_branch", era=era, branch_name="feature", base_branch="HEAD~1")
    assert text == "Created branch 'feature' from 'HEAD~1'"
    assert repo.sha("feature") == repo.sha("HEAD~1")
    assert repo.branch() == "main"
    text, _ = await ok(repo.path, "git_checkout", era=era, branch_name="feature")
    assert text == "Switched to branch 'feature'"
    assert repo.branch() == "feature"


async def test_checkout_over_local_changes_names_the_files_and_changes_nothing(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "other")
    repo.commit("other", **{"README.md": "other\n", "notes.txt": "other\n"})
    repo.git("checkout", "--quiet", "main")
    repo.write("README.md", "uncommitted\n")
    repo.write("notes.txt", "untracked\n")
    message = await refused(repo.path, "git_checkout", branch_name="other")
    assert "README.md" in message
    assert "notes.txt" in message
    assert "git_stash" in message
    assert repo.branch() == "main"
    assert (repo.path / "README.md").read_text() == "uncommitted\n"


async def test_names_that_are_options_are_refused(repo: Repo) -> None:
    repo.git("update-ref", "refs/heads/-x", "HEAD~1")  # a branch literally named "-x"
    for tool, arguments in (
        ("git_checkout", {"branch_name": "--orphan=x"}),
        ("git_checkout", {"branch_name": "-x"}),
        ("git_checkout", {"branch_name": "-x", "create": True}),
        ("git_create_branch", {"branch_name": "-x"}),
        ("git_create_branch", {"branch_name": "--force"}),
        ("git_create_branch", {"branch_name": "copy", "base_branch": "-x"}),
        ("git_branch", {"contains": "--delete"}),
    ):
        assert "cannot start with '-'" in await refused(repo.path, tool, **arguments)
    assert sorted(_branches(repo)) == ["-x", "main"]
    assert repo.branch() == "main"
    # The controls: the "-x" branch is reached by its full name.
    await ok(repo.path, "git_create_branch", branch_name="copy", base_branch="refs/heads/-x")
    assert repo.sha("copy") == repo.sha("main~1")
    text, _ = await ok(repo.path, "git_checkout", branch_name="refs/heads/-x")
    assert text.startswith("HEAD is now detached at")
    assert "refs/heads/-x" in text
    assert repo.head() == repo.sha("main~1")


async def test_a_branch_named_like_a_file_switches_the_branch(repo: Repo) -> None:
    repo.git("branch", "README.md")
    repo.write("README.md", "changed\n")
    await ok(repo.path, "git_checkout", branch_name="README.md")
    assert repo.branch() == "README.md"
    assert (repo.path / "README.md").read_text() == "changed\n"  # the file was not checked out
