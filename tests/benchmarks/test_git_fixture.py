"""The git benchmarks' repository, built small: the history and dirty tree the scenarios count on."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from benchmarks.git_fixture import GitFixture, GitSpec, ensure_repository, git, serials_in

SMALL = GitSpec(commits=200, files=100, large_commit_files=20, merges=2, modified=5, deleted=2, untracked=3)


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> GitFixture:
    return ensure_repository(SMALL, tmp_path_factory.mktemp("cache"))


def porcelain(repository: Path) -> list[tuple[str, str]]:
    return [(line[:2], line[3:]) for line in git(repository, "status", "--porcelain").splitlines()]


def test_the_history_has_the_commits_files_and_merges_asked(fixture: GitFixture) -> None:
    repository = fixture.repository

    assert git(repository, "rev-list", "--count", "HEAD").strip() == "200"
    assert fixture.manifest.commits == 200
    assert git(repository, "rev-list", "--merges", "--count", "HEAD").strip() == "2"
    assert len(git(repository, "ls-files").splitlines()) == 100
    assert git(repository, "branch", "--format=%(refname)").split() == ["refs/heads/main"]
    assert fixture.manifest.head == git(repository, "rev-parse", "HEAD").strip()


def test_the_large_commit_is_head_5_and_touches_the_files_its_manifest_names(fixture: GitFixture) -> None:
    repository, manifest = fixture.repository, fixture.manifest

    assert manifest.large_commit == git(repository, "rev-parse", "HEAD~5").strip()
    touched = git(repository, "diff-tree", "--no-commit-id", "--name-status", "-r", manifest.large_commit)
    statuses = [line.split("\t") for line in touched.splitlines()]
    assert len(statuses) >= 20  # 20, and any files the topic branches' turns put off
    assert serials_in(touched) == manifest.large_commit_serials
    assert sum(status == "A" for status, _ in statuses) >= 12
    assert sum(status == "M" for status, _ in statuses) == 8
    # Every other commit is small: one to four files edited, and now and then one added.
    sizes = [
        len(git(repository, "diff-tree", "--no-commit-id", "--name-only", "-r", f"HEAD~{back}").split())
        for back in range(5)
    ]
    assert all(1 <= size <= 4 for size in sizes)


def test_the_working_tree_is_dirty_as_the_manifest_says(fixture: GitFixture) -> None:
    manifest = fixture.manifest
    status = porcelain(fixture.repository)

    assert sorted(path for code, path in status if code == " M") == list(manifest.modified)
    assert sorted(path for code, path in status if code == " D") == list(manifest.deleted)
    assert sorted(path for code, path in status if code == "??") == list(manifest.untracked)
    assert (len(manifest.modified), len(manifest.deleted), len(manifest.untracked)) == (5, 2, 3)
    assert len(manifest.dirty_serials) == 10
    assert git(fixture.repository, "diff", "--cached", "--name-only") == ""  # nothing staged


def test_only_file_names_carry_serials_and_each_file_has_its_own(fixture: GitFixture) -> None:
    repository = fixture.repository

    paths = git(repository, "ls-files").splitlines()
    assert len(serials_in("\n".join(paths))) == len(paths)
    assert not serials_in(git(repository, "log", "--format=%an <%ae> %ad %B"))
    contents = [path.read_text() for path in repository.rglob("*.*") if ".git" not in path.parts]
    assert len(contents) == 100 - 2 + 3  # deleted files are gone, untracked ones are there
    assert not serials_in("".join(contents))
    # So a diff names exactly the files it is about, in its headers.
    assert serials_in(git(repository, "diff")) == fixture.manifest.changed_serials


def test_a_touched_file_does_not_change_the_status_nor_rebuild(fixture: GitFixture) -> None:
    repository = fixture.repository
    (fixture.root / "left-by-the-first-run").touch()
    clean = sorted(set(git(repository, "ls-files").splitlines()) - set(fixture.manifest.modified))[0]
    os.utime(repository / clean)  # a new mtime, as a copied or restored cache has

    again = ensure_repository(SMALL, fixture.root.parent)

    assert again.root == fixture.root
    assert (again.root / "left-by-the-first-run").exists()
    assert git(repository, "status", "--porcelain") == fixture.manifest.status


def test_a_changed_dirty_state_is_built_again(tmp_path: Path) -> None:
    first = ensure_repository(SMALL, tmp_path)
    git(first.repository, "checkout", "--", first.manifest.modified[0])
    (first.repository / first.manifest.untracked[0]).unlink()

    again = ensure_repository(SMALL, tmp_path)

    assert git(again.repository, "status", "--porcelain") == first.manifest.status
    assert again.manifest == first.manifest
    assert [path.name for path in tmp_path.iterdir()] == [first.root.name]


def test_the_same_spec_gives_the_same_commits(fixture: GitFixture, tmp_path: Path) -> None:
    second = ensure_repository(SMALL, tmp_path / "two")
    other_seed = ensure_repository(dataclasses.replace(SMALL, seed=8), tmp_path / "three")

    assert second.manifest == fixture.manifest
    assert other_seed.manifest.head != fixture.manifest.head


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"large_commit_files": 60}, "no room for a large commit"),
        ({"commits": 15}, "too few commits"),
        ({"modified": 70, "deleted": 20}, "dirties more files than it has"),
        ({"files": 99_990, "untracked": 20}, "more files than five-digit serials can name"),
    ],
)
def test_a_spec_that_cannot_be_built_is_refused(changes: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(SMALL, **changes)
