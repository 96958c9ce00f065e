"""What the server lists: every write tool hidden in --read-only mode, git_tag and git_stash reduced to
listing; and each tool's annotations saying truly what it may do."""

from __future__ import annotations

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, listed, ok, refused

pytestmark = pytest.mark.anyio

READ_TOOLS = {
    "git_status",
    "git_diff_unstaged",
    "git_diff_staged",
    "git_diff",
    "git_show",
    "git_log",
    "git_branch",
    "git_remote",
    "git_blame",
    "git_grep",
    "git_show_file",
    "git_worktree",
}
WRITE_TOOLS = {
    "git_add",
    "git_reset",
    "git_commit",
    "git_create_branch",
    "git_checkout",
    "git_merge",
    "git_rebase",
    "git_cherry_pick",
    "git_revert",
    "git_clean",
    "git_init",
    "git_clone",
}
READ_ONLY = {"read_only": True}


@pytest.mark.parametrize("era", ERAS)
async def test_read_only_lists_no_write_tool_and_listing_only_tag_and_stash(repo: Repo, era: Era) -> None:
    tools = await listed(repo.path, era=era, settings=READ_ONLY)
    assert set(tools) == READ_TOOLS | {"git_tag", "git_stash"}
    assert tools["git_stash"].input_schema["properties"]["action"]["enum"] == ["list", "show"]
    assert tools["git_tag"].input_schema["properties"]["action"]["const"] == "list"
    for name in ("git_stash", "git_tag"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is True
        assert annotations.destructive_hint is False
        assert "confirm" not in tools[name].input_schema["properties"]


@pytest.mark.parametrize("era", ERAS)
async def test_a_writing_server_lists_everything_but_the_network(repo: Repo, era: Era) -> None:
    tools = await listed(repo.path, era=era)
    assert set(tools) == READ_TOOLS | WRITE_TOOLS | {"git_tag", "git_stash"}
    assert tools["git_stash"].input_schema["properties"]["action"]["enum"] == [
        "push",
        "list",
        "show",
        "pop",
        "apply",
        "drop",
    ]
    assert tools["git_tag"].input_schema["properties"]["action"]["enum"] == ["list", "create", "delete"]


async def test_annotations_say_what_each_write_tool_may_do(repo: Repo) -> None:
    tools = await listed(repo.path)
    hints = {}
    for name in WRITE_TOOLS | {"git_tag", "git_stash"}:
        annotations = tools[name].annotations
        assert annotations is not None, name
        assert annotations.read_only_hint is False, name
        assert annotations.open_world_hint is False, name
        assert annotations.title, name
        hints[name] = (annotations.destructive_hint, annotations.idempotent_hint)
    assert hints["git_clean"] == (True, True)  # removes files; a second call finds nothing more
    assert hints["git_rebase"] == (True, False)  # rewrites commits
    assert hints["git_stash"][0] is True  # drop
    assert hints["git_tag"][0] is True  # delete
    assert hints["git_reset"][0] is True  # hard
    for additive in ("git_merge", "git_cherry_pick", "git_revert", "git_init", "git_create_branch"):
        assert hints[additive][0] is False, additive
    assert tools["git_init"].input_schema["required"] == ["path"]
    assert "repo_path" not in tools["git_init"].input_schema["properties"]


async def test_read_only_tag_and_stash_list_and_show(repo: Repo) -> None:
    repo.git("tag", "v1")
    repo.write("README.md", "set aside\n")
    repo.git("stash", "push", "--quiet", "-m", "aside")
    _, data = await ok(repo.path, "git_tag", action="list", settings=READ_ONLY)
    assert [tag["name"] for tag in data["tags"]] == ["v1"]
    _, data = await ok(repo.path, "git_tag", settings=READ_ONLY)  # list is the only action, and the default
    assert [tag["name"] for tag in data["tags"]] == ["v1"]
    _, data = await ok(repo.path, "git_stash", action="list", settings=READ_ONLY)
    assert [entry["message"] for entry in data["entries"]] == ["On main: aside"]
    text, _ = await ok(repo.path, "git_stash", action="show", settings=READ_ONLY)
    assert "+set aside" in text


async def test_read_only_refuses_the_write_actions_and_tools_and_changes_nothing(repo: Repo) -> None:
    repo.git("tag", "v1")
    repo.write("README.md", "set aside\n")
    repo.git("stash", "push", "--quiet")
    repo.write("scratch.txt", "untracked\n")
    before = repo.head()
    await refused(repo.path, "git_stash", action="pop", settings=READ_ONLY)
    await refused(repo.path, "git_stash", action="drop", confirm=True, settings=READ_ONLY)
    await refused(repo.path, "git_tag", action="delete", name="v1", confirm=True, settings=READ_ONLY)
    message = await refused(repo.path, "git_clean", confirm=True, settings=READ_ONLY)
    assert "read-only" in message
    message = await refused(repo.path, "git_commit", message="m", allow_empty=True, settings=READ_ONLY)
    assert "without --read-only" in message
    assert repo.head() == before
    assert repo.git("stash", "list").count("\n") == 1
    assert repo.git("tag", "--list") == "v1\n"
    assert (repo.path / "scratch.txt").exists()
