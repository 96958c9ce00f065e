"""Arguments that git would read as options, each beside a legitimate control.

A revision, target, ref or commit that starts with '-' is refused before git runs (git would take
`--output=/tmp/x` as a diff target for an option and write the file); a path that starts with '-'
is a path (after `--`, as `:(literal)`), and a grep pattern that starts with '-' is a pattern
(after `-e`). A ref that really is named `-x` stays reachable by its full name, refs/heads/-x.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.git.helpers import Repo, ok, refused

pytestmark = pytest.mark.anyio


async def test_an_output_option_as_a_diff_target_is_refused_and_writes_nothing(
    repo: Repo, tmp_path: Path
) -> None:
    written = tmp_path / "x"
    message = await refused(repo.path, "git_diff", target=f"--output={written}")
    assert f"target '--output={written}' starts with '-'" in message
    text, _ = await ok(repo.path, "git_diff", target="HEAD~1")  # the control
    assert text.startswith("Diff with HEAD~1:\ndiff --git a/README.md b/README.md")
    text, _ = await ok(repo.path, "git_diff_unstaged", paths=[f"--output={written}"])
    assert text == "Unstaged changes:\n(no changes)"  # a path that matches nothing
    assert not written.exists()


async def test_a_format_option_as_a_revision_to_show_is_refused(repo: Repo) -> None:
    message = await refused(repo.path, "git_show", revision="--format=%H leaked")
    assert "starts with '-'" in message
    text, _ = await ok(repo.path, "git_show", revision="HEAD")
    assert text.startswith(f"Commit: {repo.head()}\n")


@pytest.mark.parametrize("hostile", ["--delete", "--all", "-D", "--delete=main"])
@pytest.mark.parametrize("filter_name", ["contains", "not_contains"])
async def test_options_as_branch_filters_are_refused_and_delete_nothing(
    repo: Repo, hostile: str, filter_name: str
) -> None:
    repo.git("branch", "feature")
    message = await refused(repo.path, "git_branch", branch_type="local", **{filter_name: hostile})
    assert f"commit {hostile!r} starts with '-'" in message
    _, data = await ok(repo.path, "git_branch", branch_type="local", contains="HEAD")
    assert [branch["name"] for branch in data["branches"]] == ["feature", "main"]
    assert repo.git("branch", "--format=%(refname:short)").split() == ["feature", "main"]


@pytest.mark.parametrize("hostile", ["-p", "--exec=touch marker", "--all", "--output=marker"])
async def test_options_as_a_log_revision_are_refused(repo: Repo, hostile: str) -> None:
    message = await refused(repo.path, "git_log", revision=hostile)
    assert "revision" in message
    assert "starts with '-'" in message
    assert not (repo.path / "marker").exists()
    _, data = await ok(repo.path, "git_log", revision="HEAD~1")
    assert [entry["subject"] for entry in data["entries"]] == ["commit 2", "commit 1"]


async def test_log_filters_that_look_like_options_are_only_values(repo: Repo) -> None:
    repo.git("switch", "--quiet", "-c", "other")
    repo.commit("only on other")
    repo.git("switch", "--quiet", "main")
    # Given in the attached form (--author=VALUE), each is a pattern or a date and never an option:
    # '--all' would otherwise list the commit of the other branch.
    for filters in ({"author": "--all"}, {"grep": "--all"}, {"start_timestamp": "--all"}):
        _, data = await ok(repo.path, "git_log", **filters)
        assert "only on other" not in [entry["subject"] for entry in data["entries"]]
    _, data = await ok(repo.path, "git_log", grep="--output=marker")
    assert data["entries"] == []
    assert not (repo.path / "marker").exists()


async def test_a_ref_named_like_an_option_is_reached_by_its_full_name(repo: Repo) -> None:
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    repo.git("update-ref", "refs/heads/-x", first)
    _, data = await ok(repo.path, "git_branch", branch_type="local")
    assert [branch["name"] for branch in data["branches"]] == ["-x", "main"]
    for tool, arguments in (
        ("git_log", {"revision": "-x"}),
        ("git_diff", {"target": "-x"}),
        ("git_show", {"revision": "-x"}),
        ("git_blame", {"path": "README.md", "revision": "-x"}),
        ("git_grep", {"pattern": "line", "revision": "-x"}),
        ("git_show_file", {"path": "README.md", "revision": "-x"}),
        ("git_branch", {"contains": "-x"}),
    ):
        assert "starts with '-'" in await refused(repo.path, tool, **arguments), tool
    _, data = await ok(repo.path, "git_log", revision="refs/heads/-x")
    assert [entry["sha"] for entry in data["entries"]] == [first]
    text, _ = await ok(repo.path, "git_diff", target="refs/heads/-x", stat=True)
    assert "README.md | 4 +++-" in text
    text, _ = await ok(repo.path, "git_show", revision="refs/heads/-x", name_only=True)
    assert text.startswith(f"Commit: {first}\n")
    text, _ = await ok(repo.path, "git_show_file", path="README.md", revision="refs/heads/-x")
    assert text == "line 1\n"
    _, data = await ok(repo.path, "git_branch", branch_type="local", not_contains="refs/heads/-x")
    assert data["branches"] == []


async def test_a_path_that_starts_with_a_dash_is_a_path(repo: Repo) -> None:
    repo.commit("dash file", **{"-rf": "keep\n", "other.txt": "keep\n"})
    repo.write("-rf", "changed\n")
    repo.write("other.txt", "changed\n")
    text, _ = await ok(repo.path, "git_diff_unstaged", paths=["-rf"])
    assert text.startswith("Unstaged changes:\ndiff --git a/-rf b/-rf\n")
    assert "other.txt" not in text
    assert (repo.path / "other.txt").exists()
    repo.git("add", "--", "-rf")
    text, _ = await ok(repo.path, "git_diff_staged", paths=["-rf"], name_only=True)
    assert text == "Staged changes:\nM\t-rf"
    text, _ = await ok(repo.path, "git_diff", target="HEAD", paths=["--", "-rf"], name_only=True)
    assert text == "Diff with HEAD:\nM\t-rf"  # '--' among the paths is a (missing) file named '--'
    text, _ = await ok(repo.path, "git_show", revision="HEAD", paths=["-rf"], name_only=True)
    assert text.endswith("A\t-rf")
    _, data = await ok(repo.path, "git_blame", path="-rf")
    assert [line["content"] for line in data["lines"]] == ["changed"]
    text, _ = await ok(repo.path, "git_show_file", path="-rf")
    assert text == "keep\n"


async def test_a_pattern_that_is_an_option_of_grep_is_only_a_pattern(repo: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    repo.commit("text", **{"notes.txt": f"--open-files-in-pager=touch {marker}\n"})
    _, data = await ok(repo.path, "git_grep", pattern=f"--open-files-in-pager=touch {marker}")
    assert [match["path"] for match in data["matches"]] == ["notes.txt"]
    _, data = await ok(repo.path, "git_grep", pattern="-O", fixed_strings=True)
    assert data["matches"] == []
    assert not marker.exists()
    message = await refused(
        repo.path, "git_grep", pattern="x", revision=f"--open-files-in-pager=touch {marker}"
    )
    assert "starts with '-'" in message
    assert not marker.exists()


async def test_blame_reads_no_other_contents_than_the_files(repo: Repo) -> None:
    message = await refused(repo.path, "git_blame", path="README.md", revision="--contents=/etc/hostname")
    assert "starts with '-'" in message
    message = await refused(repo.path, "git_blame", path="--contents=/etc/hostname")
    assert "no such path '--contents=/etc/hostname' in HEAD" in message
