"""git_tag: tags listed with their shape, created lightweight or annotated, deleted only with confirm."""

from __future__ import annotations

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, ok, refused

pytestmark = pytest.mark.anyio


def _tags(repo: Repo) -> list[str]:
    return repo.git("tag", "--list").splitlines()


@pytest.mark.parametrize("era", ERAS)
async def test_created_tags_are_listed_with_their_shape(repo: Repo, era: Era) -> None:
    text, data = await ok(repo.path, "git_tag", era=era, action="create", name="v1.0", target="HEAD~1")
    assert text == f"Created the lightweight tag v1.0 at {repo.sha('HEAD~1')}."
    assert data["tag"]["annotated"] is False
    text, _ = await ok(
        repo.path, "git_tag", era=era, action="create", name="v2.0", message="Second release\n\nNotes."
    )
    assert text.startswith("Created the annotated tag v2.0 at")
    assert repo.git("cat-file", "-t", "v2.0").strip() == "tag"
    text, data = await ok(repo.path, "git_tag", era=era, action="list")
    by_name = {tag["name"]: tag for tag in data["tags"]}
    assert by_name["v2.0"]["annotated"] is True
    assert by_name["v2.0"]["sha"] == repo.head()  # the commit, not the tag object
    assert by_name["v2.0"]["subject"] == "Second release"
    assert "taggerDate" in by_name["v2.0"]
    assert by_name["v1.0"] == {
        "name": "v1.0",
        "sha": repo.sha("HEAD~1"),
        "annotated": False,
        "subject": "commit 2",
    }
    assert "v2.0 " in text
    assert "(lightweight) commit 2" in text


async def test_list_filters_by_pattern_and_by_a_commit_contained(repo: Repo) -> None:
    repo.git("tag", "v1.0", "HEAD~2")
    repo.git("tag", "v1.1", "HEAD~1")
    repo.git("tag", "release-2", "HEAD")
    _, data = await ok(repo.path, "git_tag", action="list", pattern="v1.*")
    assert sorted(tag["name"] for tag in data["tags"]) == ["v1.0", "v1.1"]
    _, data = await ok(repo.path, "git_tag", action="list", contains="HEAD~1")
    assert sorted(tag["name"] for tag in data["tags"]) == ["release-2", "v1.1"]
    text, data = await ok(repo.path, "git_tag", action="list", pattern="nothing*")
    assert text == "No tags match."
    assert data["tags"] == []


async def test_a_long_list_comes_in_pages(repo: Repo) -> None:
    for number in range(60):
        repo.git("tag", f"tag-{number:03d}-{'x' * 40}")
    settings = {"max_result_chars": 2_000}
    seen: list[str] = []
    cursor = None
    while True:
        arguments: dict[str, str] = {"cursor": cursor} if cursor else {}
        _, data = await ok(repo.path, "git_tag", action="list", settings=settings, **arguments)
        seen += [tag["name"] for tag in data["tags"]]
        cursor = data.get("nextCursor")
        if cursor is None:
            break
    assert sorted(seen) == sorted(_tags(repo))


async def test_a_tag_that_exists_is_not_replaced(repo: Repo) -> None:
    repo.git("tag", "v1", "HEAD~1")
    message = await refused(repo.path, "git_tag", action="create", name="v1")
    assert "already exists" in message
    assert repo.sha("v1") == repo.sha("HEAD~1")


async def test_delete_needs_confirm(repo: Repo) -> None:
    repo.git("tag", "v1")
    message = await refused(repo.path, "git_tag", action="delete", name="v1")
    assert f"delete the tag v1 (at {repo.head()})" in message
    assert _tags(repo) == ["v1"]  # nothing changed without it
    text, _ = await ok(repo.path, "git_tag", action="delete", name="v1", confirm=True)
    assert text.startswith("Deleted the tag v1")
    assert _tags(repo) == []


async def test_deleting_a_missing_tag_is_named(repo: Repo) -> None:
    repo.git("tag", "v1.0/beta")
    message = await refused(repo.path, "git_tag", action="delete", name="v1.0", confirm=True)
    assert "There is no tag 'v1.0'" in message
    assert _tags(repo) == ["v1.0/beta"]


async def test_a_signed_tag_needs_a_message(repo: Repo) -> None:
    message = await refused(repo.path, "git_tag", action="create", name="v1", sign=True)
    assert "give its message" in message
    assert _tags(repo) == []


async def test_a_message_like_an_option_is_only_a_message(repo: Repo) -> None:
    await ok(repo.path, "git_tag", action="create", name="v1", message="--delete v0")
    assert repo.git("tag", "--list", "--format=%(contents:subject)", "v1").strip() == "--delete v0"


async def test_names_and_revisions_that_are_options_are_refused(repo: Repo) -> None:
    repo.git("update-ref", "refs/heads/-x", "HEAD~2")  # a branch literally named "-x"
    repo.git("update-ref", "refs/tags/-y", "HEAD")  # and a tag
    for arguments in (
        {"action": "create", "name": "-x"},
        {"action": "create", "name": "--force"},
        {"action": "create", "name": "v1", "target": "-x"},
        {"action": "create", "name": "v1", "target": "--points-at=HEAD"},
        {"action": "delete", "name": "-y", "confirm": True},
        {"action": "list", "pattern": "-y"},
        {"action": "list", "contains": "--merged=HEAD"},
    ):
        assert "cannot start with '-'" in await refused(repo.path, "git_tag", **arguments)
    assert _tags(repo) == ["-y"]  # nothing created, nothing deleted
    # The controls: a full ref name reaches the "-x" branch as a target, and the "-y" tag is listed.
    await ok(repo.path, "git_tag", action="create", name="v1", target="refs/heads/-x")
    assert repo.sha("v1") == repo.sha("HEAD~2")
    _, data = await ok(repo.path, "git_tag", action="list")
    assert sorted(tag["name"] for tag in data["tags"]) == ["-y", "v1"]


async def test_an_argument_for_another_action_is_refused(repo: Repo) -> None:
    assert "pattern, contains and cursor go with action='list'" in await refused(
        repo.path, "git_tag", action="create", name="v1", pattern="v*"
    )
    assert "list takes only" in await refused(repo.path, "git_tag", action="list", name="v1")
    assert _tags(repo) == []


async def test_an_invalid_tag_name_is_refused_by_git(repo: Repo) -> None:
    message = await refused(repo.path, "git_tag", action="create", name="bad..name")
    assert "not a valid tag name" in message
    assert _tags(repo) == []
