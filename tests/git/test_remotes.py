"""git_remote, git_fetch, git_pull, git_push and git_clone against real remotes on this machine.

Remotes are bare repositories reached over the file protocol (inside the jail where allowed, outside
it where the server must refuse), and one served over dumb HTTP from 127.0.0.1 by a thread of
Python's http.server, as any static web server can serve a repository after `git
update-server-info`. Hostile remotes carry hooks and configuration that would leave a marker file
if anything they name ran.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest

from moorings_core.testing import HANG_LIMIT, connect, refusal, succeeded
from tests.git.helpers import Repo, ok, refused, server_for

pytestmark = pytest.mark.anyio

NETWORK: dict[str, Any] = {"allow_network": True}
NETWORK_TOOLS = ("git_fetch", "git_pull", "git_push")


# -- remotes to work with ---------------------------------------------------------------------------


def bare(path: Path) -> Repo:
    path.mkdir(parents=True)
    remote = Repo(path)
    remote.git("init", "--quiet", "--bare", "--initial-branch=main")
    return remote


def clone_of(source: Path, path: Path) -> Repo:
    Repo(source.parent).git("clone", "--quiet", str(source), str(path))
    return Repo(path)


@pytest.fixture
def jail(repo: Repo) -> Path:
    return repo.path.parent


@pytest.fixture
def origin(repo: Repo, jail: Path) -> Repo:
    """A bare repository inside the jail, the repository's origin, holding its main."""
    remote = bare(jail / "origin.git")
    repo.git("remote", "add", "origin", str(remote.path))
    repo.git("push", "--quiet", "--set-upstream", "origin", "main")
    return remote


@pytest.fixture
def colleague(origin: Repo, jail: Path) -> Repo:
    """Another clone of origin, whose pushes the repository then fetches or pulls."""
    return clone_of(origin.path, jail / "colleague")


def remote_head(remote: Repo, branch: str = "main") -> str:
    return remote.git("rev-parse", f"refs/heads/{branch}").strip()


def has_branch(remote: Repo, branch: str) -> bool:
    return bool(remote.git("for-each-ref", f"refs/heads/{branch}").strip())


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Repo]]:
    """A repository served over dumb HTTP from 127.0.0.1: (its URL, the bare repository)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a machine's proxy settings must not reroute it
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    source = Repo(tmp_path / "upstream")
    source.path.mkdir()
    source.git("init", "--quiet", "--initial-branch=main")
    source.commit("served commit", **{"served.txt": "over http\n"})
    root = tmp_path / "web"
    root.mkdir()
    Repo(root).git("clone", "--quiet", "--bare", str(source.path), str(root / "project.git"))
    project = Repo(root / "project.git")
    project.git("update-server-info")
    handler = partial(_QuietHandler, directory=str(root))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/project.git", project
        finally:
            server.shutdown()
            thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No request log on the test's stderr."""


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never answers: its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


async def ok_in(repo: Repo, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    """`ok` for `tool` on `repo`, in a jail of the folder holding it (and its remotes)."""
    return await ok(repo.path.parent, tool, repo_path=str(repo.path), **arguments)


async def refused_in(repo: Repo, tool: str, **arguments: Any) -> str:
    return await refused(repo.path.parent, tool, repo_path=str(repo.path), **arguments)


async def clone(
    root: Path, *, settings: dict[str, Any] | None = None, **arguments: Any
) -> types.CallToolResult:
    """Call git_clone (which takes no repo_path) on a server jailed to `root`."""
    async with connect(server_for(root, **(settings or {}))) as client:
        with anyio.fail_after(HANG_LIMIT):
            return await client.call_tool("git_clone", arguments)


async def cloned(root: Path, **arguments: Any) -> tuple[str, dict[str, Any]]:
    return succeeded(await clone(root, **arguments))


async def clone_refused(root: Path, **arguments: Any) -> str:
    return refusal(await clone(root, **arguments))


# -- which tools are offered -------------------------------------------------------------------------


async def listed(root: Path, **settings: Any) -> set[str]:
    async with connect(server_for(root, **settings)) as client:
        return {tool.name for tool in (await client.list_tools()).tools}


async def test_without_the_network_fetch_pull_and_push_are_not_offered(repo: Repo, jail: Path) -> None:
    tools = await listed(jail)
    assert {"git_remote", "git_clone"} <= tools
    assert not tools & set(NETWORK_TOOLS)
    assert set(NETWORK_TOOLS) <= await listed(jail, allow_network=True)
    for tool in NETWORK_TOOLS:
        message = await refused(jail, tool, repo_path=str(repo.path))
        assert f"The tool {tool!r} is not enabled on this server" in message
        assert "start the server with --allow-network" in message


async def test_a_read_only_server_lists_remotes_but_changes_nothing_even_with_the_network(
    repo: Repo, jail: Path
) -> None:
    tools = await listed(jail, allow_network=True, read_only=True)
    assert "git_remote" in tools
    assert not tools & {*NETWORK_TOOLS, "git_clone"}
    message = await refused(
        jail, "git_fetch", repo_path=str(repo.path), settings={"allow_network": True, "read_only": True}
    )
    assert "read-only" in message


async def test_network_tools_say_they_reach_the_open_world(jail: Path) -> None:
    async with connect(server_for(jail, allow_network=True)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in NETWORK_TOOLS:
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.open_world_hint is True
    remote = tools["git_remote"].annotations
    assert remote is not None
    assert remote.read_only_hint is True


# -- git_remote ---------------------------------------------------------------------------------------


async def test_remotes_are_listed_with_their_urls(repo: Repo, origin: Repo) -> None:
    repo.git("remote", "add", "upstream", "https://example.com/team/project.git")
    repo.git("remote", "set-url", "--push", "upstream", "ssh://git@example.com/team/project.git")
    text, data = await ok_in(repo, "git_remote")
    assert f"origin\t{origin.path} (fetch)" in text
    assert "upstream\thttps://example.com/team/project.git (fetch)" in text
    assert "upstream\tssh://git@example.com/team/project.git (push)" in text
    assert data["remotes"] == [
        {"name": "origin", "fetchUrl": str(origin.path), "pushUrls": [str(origin.path)]},
        {
            "name": "upstream",
            "fetchUrl": "https://example.com/team/project.git",
            "pushUrls": ["ssh://git@example.com/team/project.git"],
        },
    ]


async def test_credentials_in_a_remote_url_are_not_shown(repo: Repo) -> None:
    repo.git("remote", "add", "origin", "https://alice:s3cret-pass@example.com/project.git")
    repo.git("remote", "add", "ci", "https://ghp_0123456789abcdefghijABCDEF@example.com/project.git")
    text, data = await ok_in(repo, "git_remote")
    shown = text + repr(data)
    assert "s3cret-pass" not in shown
    assert "ghp_0123456789abcdefghijABCDEF" not in shown
    assert "https://alice:***@example.com/project.git (fetch)" in text
    assert "https://***@example.com/project.git (fetch)" in text


async def test_a_repository_without_remotes_says_so(repo: Repo) -> None:
    text, data = await ok_in(repo, "git_remote")
    assert text == "(no remotes)"
    assert data == {"remotes": []}


# -- git_fetch ----------------------------------------------------------------------------------------


async def test_fetch_updates_remote_tracking_branches_and_nothing_local(
    repo: Repo, origin: Repo, colleague: Repo
) -> None:
    main_before = repo.head()
    pushed = colleague.commit("from a colleague", **{"theirs.txt": "theirs\n"})
    colleague.git("push", "--quiet", "origin", "main", "main:feature")
    text, data = await ok_in(repo, "git_fetch", settings=NETWORK)
    assert f"Fetched from origin ({origin.path}):" in text
    assert f"new branch origin/feature at {pushed[:12]}" in text
    assert f"updated branch origin/main: {main_before[:12]}..{pushed[:12]}" in text
    assert {"ref": "origin/feature", "kind": "branch", "change": "new", "new": pushed} in data["changes"]
    assert repo.head() == main_before  # the local branch is left alone
    assert repo.git("rev-parse", "origin/main").strip() == pushed


async def test_fetch_of_one_branch_and_prune(repo: Repo, origin: Repo, colleague: Repo) -> None:
    colleague.git("push", "--quiet", "origin", "main:gone", "main:kept")
    await ok_in(repo, "git_fetch", settings=NETWORK)
    colleague.git("push", "--quiet", "origin", "--delete", "gone")
    text, _ = await ok_in(repo, "git_fetch", branch="kept", settings=NETWORK)
    assert "already up to date" in text
    assert repo.git("branch", "--remotes", "--list", "origin/gone").strip()
    text, data = await ok_in(repo, "git_fetch", prune=True, settings=NETWORK)
    assert "deleted branch origin/gone" in text
    assert [change["ref"] for change in data["changes"]] == ["origin/gone"]
    assert not repo.git("branch", "--remotes", "--list", "origin/gone").strip()


async def test_fetch_names_a_configured_remote_never_a_path_or_url(
    repo: Repo, origin: Repo, tmp_path: Path
) -> None:
    outside = bare(tmp_path / "outside.git")
    for remote in (str(outside.path), "https://example.com/x.git"):
        message = await refused_in(repo, "git_fetch", remote=remote, settings=NETWORK)
        assert "There is no remote named" in message
        assert "origin" in message
    message = await refused_in(repo, "git_fetch", remote="--upload-pack=touch x", settings=NETWORK)
    assert "cannot start with '-'" in message


async def test_a_remote_outside_the_jail_is_neither_fetched_nor_pushed(
    repo: Repo, origin: Repo, tmp_path: Path
) -> None:
    outside = bare(tmp_path / "outside.git")
    Repo(repo.path).git("push", "--quiet", str(outside.path), "main")
    repo.git("remote", "add", "elsewhere", str(outside.path))
    repo.git("remote", "add", "relative", "../../outside.git")
    for remote in ("elsewhere", "relative"):
        message = await refused_in(repo, "git_fetch", remote=remote, settings=NETWORK)
        assert "outside the allowed directories" in message
    assert not repo.git("branch", "--remotes", "--list", "elsewhere/*").strip()
    repo.commit("local work")
    message = await refused_in(
        repo, "git_push", remote="elsewhere", branch="main", confirm=True, settings=NETWORK
    )
    assert "outside the allowed directories" in message
    assert remote_head(outside) != repo.head()
    await ok_in(repo, "git_fetch", remote="origin", settings=NETWORK)  # the control: inside works


async def test_a_hostile_upload_pack_setting_does_not_run_on_fetch(
    repo: Repo, origin: Repo, colleague: Repo, tmp_path: Path
) -> None:
    marker = tmp_path / "upload-pack-ran"
    repo.git("config", "remote.origin.uploadpack", f"touch {marker}; git-upload-pack")
    pushed = colleague.commit("new upstream")
    colleague.git("push", "--quiet", "origin", "main")
    await ok_in(repo, "git_fetch", settings=NETWORK)
    assert not marker.exists()
    assert repo.git("rev-parse", "origin/main").strip() == pushed
    repo.git("fetch", "--quiet", "origin")  # plain git, the control: the setting is live
    assert marker.exists()


async def test_fetch_over_http_with_the_network(repo: Repo, served: tuple[str, Repo]) -> None:
    url, project = served
    repo.git("remote", "add", "web", url)
    text, data = await ok_in(repo, "git_fetch", remote="web", settings=NETWORK)
    assert f"new branch web/main at {remote_head(project)[:12]}" in text
    assert data["url"] == url


async def test_a_failed_fetch_does_not_show_the_urls_password(repo: Repo, served: tuple[str, Repo]) -> None:
    url, _ = served
    secret_url = url.replace("http://", "http://alice:hunter2-secret@").replace("project", "missing")
    repo.git("remote", "add", "web", secret_url)
    message = await refused_in(repo, "git_fetch", remote="web", settings=NETWORK)
    assert "git fetch failed" in message
    assert "hunter2-secret" not in message


async def test_a_remote_that_never_answers_ends_in_a_clear_timeout(repo: Repo, silent_server: int) -> None:
    repo.git("remote", "add", "stuck", f"http://127.0.0.1:{silent_server}/project.git")
    message = await refused_in(
        repo, "git_fetch", remote="stuck", settings={"allow_network": True, "call_timeout": 3}
    )
    assert "git fetch was stopped at the end of the call's 3 seconds" in message
    assert (
        f"the remote 'stuck' (http://127.0.0.1:{silent_server}/project.git) did not answer in time" in message
    )


# -- git_pull -----------------------------------------------------------------------------------------


async def test_pull_fast_forwards(repo: Repo, origin: Repo, colleague: Repo) -> None:
    before = repo.head()
    pushed = colleague.commit("upstream work", **{"upstream.txt": "up\n"})
    colleague.git("push", "--quiet", "origin", "main")
    text, data = await ok_in(repo, "git_pull", settings=NETWORK)
    assert text == f"Pulled from origin into main: fast-forward {before[:12]}..{pushed[:12]}."
    assert data["outcome"] == "fast-forward"
    assert data["after"] == pushed
    assert (repo.path / "upstream.txt").read_text() == "up\n"
    text, data = await ok_in(repo, "git_pull", settings=NETWORK)
    assert data["outcome"] == "up to date"


async def test_pull_merges_diverged_work_and_ff_only_refuses_it(
    repo: Repo, origin: Repo, colleague: Repo
) -> None:
    colleague.commit("theirs", **{"theirs.txt": "theirs\n"})
    colleague.git("push", "--quiet", "origin", "main")
    mine = repo.commit("mine", **{"mine.txt": "mine\n"})
    message = await refused_in(repo, "git_pull", ff_only=True, settings=NETWORK)
    assert "fast-forward" in message
    assert "rebase=true" in message
    assert repo.head() == mine
    _text, data = await ok_in(repo, "git_pull", settings=NETWORK)
    assert data["outcome"] == "merged"
    assert repo.git("rev-parse", "HEAD^1").strip() == mine
    assert (repo.path / "theirs.txt").exists()


async def test_pull_with_rebase_replays_local_commits(repo: Repo, origin: Repo, colleague: Repo) -> None:
    theirs = colleague.commit("theirs", **{"theirs.txt": "theirs\n"})
    colleague.git("push", "--quiet", "origin", "main")
    repo.commit("mine", **{"mine.txt": "mine\n"})
    _, data = await ok_in(repo, "git_pull", rebase=True, settings=NETWORK)
    assert data["outcome"] == "rebased"
    assert repo.git("rev-parse", "HEAD^").strip() == theirs
    assert repo.git("log", "-1", "--format=%s").strip() == "mine"


async def test_a_pull_that_conflicts_says_so_with_next_steps(
    repo: Repo, origin: Repo, colleague: Repo
) -> None:
    colleague.commit("theirs", **{"README.md": "their line\n"})
    colleague.git("push", "--quiet", "origin", "main")
    repo.commit("mine", **{"README.md": "my line\n"})
    text, data = await ok_in(repo, "git_pull", settings=NETWORK)
    assert "the merge stopped with conflicts in:\n\tREADME.md" in text
    assert "git_merge with abort=true" in text
    assert data["outcome"] == "conflict"
    assert data["conflicts"] == ["README.md"]
    assert data["operation"]["name"] == "merge"
    assert (repo.path / ".git" / "MERGE_HEAD").exists()


async def test_a_rebasing_pull_that_conflicts_names_the_rebase_steps(
    repo: Repo, origin: Repo, colleague: Repo
) -> None:
    colleague.commit("theirs", **{"README.md": "their line\n"})
    colleague.git("push", "--quiet", "origin", "main")
    repo.commit("mine", **{"README.md": "my line\n"})
    text, data = await ok_in(repo, "git_pull", rebase=True, settings=NETWORK)
    assert data["operation"]["name"] == "rebase"
    assert "git_rebase with action='continue'" in text
    assert data["conflicts"] == ["README.md"]


async def test_pull_refuses_over_uncommitted_changes_it_would_overwrite(
    repo: Repo, origin: Repo, colleague: Repo
) -> None:
    colleague.commit("theirs", **{"README.md": "their line\n"})
    colleague.git("push", "--quiet", "origin", "main")
    repo.write("README.md", "uncommitted\n")
    message = await refused_in(repo, "git_pull", settings=NETWORK)
    assert "README.md" in message
    assert "Commit or stash" in message
    assert (repo.path / "README.md").read_text() == "uncommitted\n"


# -- git_push -----------------------------------------------------------------------------------------


async def test_push_of_a_feature_branch_needs_no_confirmation(repo: Repo, origin: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    commit = repo.commit("feature work")
    text, data = await ok_in(repo, "git_push", set_upstream=True, settings=NETWORK)
    assert f"Pushed to origin ({origin.path}):\n  feature: new [new branch]" in text
    assert "The local branch now tracks origin/feature." in text
    assert data["refs"] == [{"ref": "feature", "status": "new", "summary": "[new branch]"}]
    assert remote_head(origin, "feature") == commit
    assert repo.git("rev-parse", "--abbrev-ref", "feature@{upstream}").strip() == "origin/feature"


async def test_push_to_a_protected_branch_needs_confirmation(repo: Repo, origin: Repo) -> None:
    before = remote_head(origin)
    commit = repo.commit("on main")
    message = await refused_in(repo, "git_push", settings=NETWORK)
    assert (
        f"This would push the local branch 'main' to the branch 'main' on the remote 'origin' "
        f"({origin.path}); 'main' is a protected branch. Nothing was done" in message
    )
    assert remote_head(origin) == before
    _text, data = await ok_in(repo, "git_push", confirm=True, settings=NETWORK)
    assert data["refs"][0]["status"] == "fast-forward"
    assert remote_head(origin) == commit


async def test_a_non_fast_forward_push_is_refused_plainly(repo: Repo, origin: Repo, colleague: Repo) -> None:
    colleague.git("checkout", "--quiet", "-b", "feature")
    theirs = colleague.commit("theirs")
    colleague.git("push", "--quiet", "origin", "feature")
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("mine")
    message = await refused_in(repo, "git_push", settings=NETWORK)
    assert "was rejected: the remote's feature has commits that the local feature does not have" in message
    assert "git_pull" in message
    assert "force=true" in message
    assert remote_head(origin, "feature") == theirs


async def test_a_force_push_needs_confirmation_and_uses_a_lease(
    repo: Repo, origin: Repo, colleague: Repo
) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("first", **{"feature.txt": "first\n"})
    repo.git("push", "--quiet", "origin", "feature")
    repo.git("commit", "--quiet", "--amend", "-m", "first, rewritten")
    rewritten = repo.head()
    message = await refused_in(repo, "git_push", force=True, settings=NETWORK)
    assert (
        "This would force-push the local branch 'feature' to the branch 'feature' on the remote 'origin'"
        in message
    )
    assert remote_head(origin, "feature") != rewritten
    _, data = await ok_in(repo, "git_push", force=True, confirm=True, settings=NETWORK)
    assert data["refs"][0]["status"] == "forced"
    assert remote_head(origin, "feature") == rewritten
    # Someone pushes after our last fetch: the lease keeps their work.
    colleague.git("fetch", "--quiet", "origin")
    colleague.git("checkout", "--quiet", "-b", "feature", "origin/feature")
    theirs = colleague.commit("theirs")
    colleague.git("push", "--quiet", "origin", "feature")
    repo.git("commit", "--quiet", "--amend", "-m", "rewritten again")
    message = await refused_in(repo, "git_push", force=True, confirm=True, settings=NETWORK)
    assert "moved since this repository last fetched it" in message
    assert remote_head(origin, "feature") == theirs


async def test_deleting_a_remote_branch_needs_confirmation(repo: Repo, origin: Repo) -> None:
    repo.git("push", "--quiet", "origin", "main:old-feature")
    message = await refused_in(repo, "git_push", branch="old-feature", delete=True, settings=NETWORK)
    assert f"This would delete the branch 'old-feature' on the remote 'origin' ({origin.path})" in message
    assert has_branch(origin, "old-feature")
    _, data = await ok_in(repo, "git_push", branch="old-feature", delete=True, confirm=True, settings=NETWORK)
    assert data["refs"] == [{"ref": "old-feature", "status": "deleted", "summary": "[deleted]"}]
    assert not has_branch(origin, "old-feature")


async def test_push_refuses_branch_names_that_would_change_the_refspec(repo: Repo, origin: Repo) -> None:
    for branch in ("--all", "main:refs/heads/other", "+main", "refs/*"):
        message = await refused_in(repo, "git_push", branch=branch, confirm=True, settings=NETWORK)
        assert "branch" in message
    assert not has_branch(origin, "other")
    message = await refused_in(repo, "git_push", branch="no-such-branch", settings=NETWORK)
    assert "There is no local branch 'no-such-branch'" in message


async def test_a_pushed_to_repositorys_hooks_do_not_run(repo: Repo, origin: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "hook-ran"
    hook = origin.path / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ntouch '{marker}'\n")
    hook.chmod(0o755)
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("feature work")
    await ok_in(repo, "git_push", settings=NETWORK)
    assert not marker.exists()
    assert has_branch(origin, "feature")
    repo.git("push", "--quiet", "origin", "feature:plain")  # plain git, the control: the hook is live
    assert marker.exists()


async def test_a_hostile_receive_pack_setting_does_not_run_on_push(
    repo: Repo, origin: Repo, tmp_path: Path
) -> None:
    marker = tmp_path / "receive-pack-ran"
    repo.git("config", "remote.origin.receivepack", f"touch {marker}; git-receive-pack")
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("feature work")
    await ok_in(repo, "git_push", settings=NETWORK)
    assert not marker.exists()
    assert has_branch(origin, "feature")
    repo.git("push", "--quiet", "origin", "feature:plain")  # plain git, the control: the setting is live
    assert marker.exists()


# -- git_clone ----------------------------------------------------------------------------------------


async def test_clone_of_a_repository_inside_the_jail(repo: Repo, jail: Path) -> None:
    target = jail / "copies" / "copy"
    text, _ = await cloned(jail, url_or_path=str(repo.path), path=str(target))
    assert text == f"Cloned {repo.path} into {target} (main at {repo.head()[:12]})"
    assert (target / "README.md").read_text() == (repo.path / "README.md").read_text()
    assert Repo(target).git("remote", "get-url", "origin").strip() == str(repo.path)
    relative, _ = await cloned(jail, url_or_path="repo", path="second", branch="main")
    assert f"into {jail / 'second'}" in relative


async def test_clone_targets_outside_the_jail_are_refused_and_nothing_is_made(
    repo: Repo, jail: Path, tmp_path: Path
) -> None:
    for target in (tmp_path / "outside-copy", jail / ".." / "escaped"):
        message = await clone_refused(jail, url_or_path=str(repo.path), path=str(target))
        assert "outside the allowed directories" in message
    assert not (tmp_path / "outside-copy").exists()
    assert not (tmp_path / "escaped").exists()
    (jail / "full").mkdir()
    (jail / "full" / "file.txt").write_text("here\n")
    message = await clone_refused(jail, url_or_path=str(repo.path), path=str(jail / "full"))
    assert "already exists and is not empty" in message


async def test_clone_sources_outside_the_jail_are_refused(repo: Repo, jail: Path, tmp_path: Path) -> None:
    outside = bare(tmp_path / "outside.git")
    repo.git("push", "--quiet", str(outside.path), "main")
    for source in (str(outside.path), f"file://{outside.path}", "../outside.git"):
        message = await clone_refused(jail, url_or_path=source, path=str(jail / "copy"))
        assert "outside the allowed directories" in message
        assert not (jail / "copy").exists()
    await cloned(jail, url_or_path=f"file://{repo.path}", path=str(jail / "copy"))  # the control


async def test_clone_sources_that_run_programs_are_refused(repo: Repo, jail: Path, tmp_path: Path) -> None:
    marker = tmp_path / "clone-ran"
    for source in (f"ext::sh -c touch% {marker}", f"--upload-pack=touch {marker}", "fd::3"):
        message = await clone_refused(jail, url_or_path=source, path=str(jail / "copy"), settings=NETWORK)
        assert "option" in message or "git-remote-" in message
    assert not marker.exists()
    assert not (jail / "copy").exists()


async def test_a_clone_keeps_no_link_to_objects_outside_the_jail(
    repo: Repo, jail: Path, tmp_path: Path
) -> None:
    """A source whose object store borrows from a repository outside the jail (alternates): the
    clone gets the objects it needs, not the link, which a plain local clone would copy."""
    outside = bare(tmp_path / "outside.git")
    repo.git("push", "--quiet", str(outside.path), "main")
    (repo.path / ".git" / "objects" / "info" / "alternates").write_text(f"{outside.path / 'objects'}\n")
    await cloned(jail, url_or_path=str(repo.path), path=str(jail / "copy"))
    assert not (jail / "copy" / ".git" / "objects" / "info" / "alternates").exists()
    assert Repo(jail / "copy").git("fsck", "--connectivity-only").strip() == ""
    repo.git("clone", "--quiet", str(repo.path), str(tmp_path / "plain"))  # plain git, the control
    assert (tmp_path / "plain" / ".git" / "objects" / "info" / "alternates").exists()


async def test_a_hostile_upload_pack_setting_is_not_run_over_ssh(
    repo: Repo, origin: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over ssh, remote.<name>.uploadpack is the command the remote's shell runs as the user.

    The user's own ssh is this machine's shell here (GIT_SSH_COMMAND, which the sandbox keeps):
    it runs the command git asks the remote host to run, as sshd would.
    """
    shell = tmp_path / "ssh-to-here"
    shell.write_text('#!/bin/sh\nfor command; do :; done\nexec sh -c "$command"\n')
    shell.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(shell))
    monkeypatch.setenv("GIT_SSH_VARIANT", "simple")
    marker = tmp_path / "ran-over-ssh"
    repo.git("remote", "add", "server", f"ssh://localhost{origin.path}")
    repo.git("config", "remote.server.uploadpack", f"touch {marker}; git-upload-pack")
    text, _ = await ok_in(repo, "git_fetch", remote="server", settings=NETWORK)
    assert "new branch server/main" in text
    assert not marker.exists()
    repo.git("fetch", "--quiet", "server")  # plain git, the control: the setting is live
    assert marker.exists()


async def test_clone_over_http_needs_the_network(jail: Path, served: tuple[str, Repo]) -> None:
    url, project = served
    message = await clone_refused(jail, url_or_path=url, path=str(jail / "web-copy"))
    assert "start it with --allow-network" in message
    assert not (jail / "web-copy").exists()
    text, _ = await cloned(jail, url_or_path=url, path=str(jail / "web-copy"), settings=NETWORK)
    assert text == f"Cloned {url} into {jail / 'web-copy'} (main at {remote_head(project)[:12]})"
    assert (jail / "web-copy" / "served.txt").read_text() == "over http\n"


async def test_scp_and_ssh_sources_need_the_network_and_a_proper_host(jail: Path) -> None:
    for source in ("git@example.com:team/project.git", "ssh://example.com/project.git"):
        message = await clone_refused(jail, url_or_path=source, path=str(jail / "copy"))
        assert "--allow-network" in message
    for source in ("ssh://-oProxyCommand=touch%20x/project", "-oProxyCommand=x:project"):
        message = await clone_refused(jail, url_or_path=source, path=str(jail / "copy"), settings=NETWORK)
        assert "'-'" in message
    message = await clone_refused(
        jail,
        url_or_path="git://example.com/project.git",
        path=str(jail / "copy"),
        settings=NETWORK,
    )
    assert "git:// is neither encrypted nor authenticated" in message


async def test_clone_is_not_offered_on_a_read_only_server(repo: Repo, jail: Path) -> None:
    result = await clone(
        jail, url_or_path=str(repo.path), path=str(jail / "copy"), settings={"read_only": True}
    )
    assert result.is_error
    assert not (jail / "copy").exists()
