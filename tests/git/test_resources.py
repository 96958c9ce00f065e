"""Repositories as MCP resources: status, commits and files by git:// URI, and status subscriptions.

Every read and subscription goes through a real server, real git and the real jail; the watches
are real inotify watches (their handles are counted to show that unsubscribing lets them go).
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from moorings_core.testing import (
    ERAS,
    HANG_LIMIT,
    LEGACY,
    LEGACY_API,
    MODERN,
    Era,
    ResourceNotices,
    connect,
    connect_stdio,
    eventually,
    inotify_handles,
    succeeded,
)
from moorings_git.uris import commit_uri, file_uri, parse_uri, status_uri
from tests.git.helpers import Repo, make_repo, server_for

pytestmark = pytest.mark.anyio
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts inotify handles")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.fixture(autouse=True)
def native_watching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)  # we count inotify handles


@pytest.fixture
def jail(repo: Repo) -> Path:
    return repo.path.parent.resolve()


async def read(client: Client, uri: str) -> types.TextResourceContents | types.BlobResourceContents:
    with anyio.fail_after(HANG_LIMIT):
        [contents] = (await client.read_resource(uri)).contents
    return contents


async def read_text(client: Client, uri: str) -> str:
    contents = await read(client, uri)
    assert isinstance(contents, types.TextResourceContents), contents
    return contents.text


async def read_status(client: Client, repo: Repo) -> dict[str, Any]:
    status: dict[str, Any] = json.loads(await read_text(client, status_uri(repo.path.resolve())))
    return status


async def refused(client: Client, uri: str) -> str:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    assert caught.value.code == types.INVALID_PARAMS, caught.value.message
    assert caught.value.data == {"uri": uri}
    return caught.value.message


# -- the URIs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder",
    [
        "/srv/repo",
        "/srv/my repo/with spaces",
        "/srv/100% sûr?#frag&x=1",
        "/srv/a/status/file/HEAD/x",  # the words of the URI's own structure, inside the path
        "/srv/日本語/репо",
        os.fsdecode(b"/srv/not-utf8-\xff\xfe"),  # bytes no encoding decodes: kept as bytes
    ],
)
def test_every_uri_reads_back_as_the_repository_revision_and_path_it_was_made_from(folder: str) -> None:
    repository = Path(folder)
    assert parse_uri(status_uri(repository)).repository == folder
    commit = parse_uri(commit_uri(repository, "feature/x y"))
    assert (commit.repository, commit.kind, commit.revision) == (folder, "commit", "feature/x y")
    file = parse_uri(file_uri(repository, "v1.0", "src/a b/100%.txt"))
    assert (file.repository, file.kind, file.revision, file.path) == (
        folder,
        "file",
        "v1.0",
        "src/a b/100%.txt",
    )
    # One authority component: nothing of the path is left to read as the URI's structure.
    assert status_uri(repository).count("/") == 3


def test_a_uri_keeps_the_slashes_of_a_file_path_and_encodes_those_of_a_revision() -> None:
    assert file_uri(Path("/r"), "feature/x", "src/app.py") == "git://%2Fr/file/feature%2Fx/src/app.py"
    # A client that writes the revision's slash as it is still names the commit it means.
    assert parse_uri("git://%2Fr/commit/feature/x").revision == "feature/x"


# -- listing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_lists_the_status_of_each_repository_in_a_folder_of_them(tmp_path: Path, era: Era) -> None:
    folder = tmp_path / "jail"
    first = make_repo(folder / "alpha")
    second = make_repo(folder / "beta gamma")
    (folder / "plain").mkdir()
    (folder / "notes.txt").write_text("not a repository")
    outside = make_repo(tmp_path / "outside")
    (folder / "link-out").symlink_to(outside.path)  # a repository, but outside the jail
    async with connect(server_for(folder), era=era) as client:
        listed = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
    assert [(item.uri, item.name, item.mime_type) for item in listed] == [
        (status_uri(first.path.resolve()), "alpha", "application/json"),
        (status_uri(second.path.resolve()), "beta gamma", "application/json"),
    ]
    assert [template.uri_template for template in templates] == [
        "git://{repository}/status",
        "git://{repository}/commit/{revision}",
        "git://{repository}/file/{revision}/{+path}",
    ]


async def test_an_allowed_directory_that_is_a_repository_is_listed_alone(repo: Repo) -> None:
    make_repo(repo.path / "vendored")  # a repository inside it is not a second entry
    async with connect(server_for(repo.path)) as client:
        listed = (await client.list_resources()).resources
    assert [item.uri for item in listed] == [status_uri(repo.path.resolve())]


async def test_capabilities_say_subscribe_and_list_changed(jail: Path) -> None:
    async with connect(server_for(jail), era=LEGACY) as client:
        resources = client.server_capabilities.resources
    assert resources is not None
    assert (resources.subscribe, resources.list_changed) == (True, True)


# -- reading: status -------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_the_status_reads_as_the_structure_git_status_returns(repo: Repo, jail: Path, era: Era) -> None:
    repo.write("README.md", "changed\n")
    repo.write("staged.txt", "new\n")
    repo.git("add", "staged.txt")
    repo.write("untracked é.txt", "?\n")
    async with connect(server_for(jail), era=era) as client:
        contents = await read(client, status_uri(repo.path.resolve()))
        _text, tool = succeeded(await client.call_tool("git_status", {"repo_path": str(repo.path)}))
    assert isinstance(contents, types.TextResourceContents)
    assert contents.mime_type == "application/json"
    status = json.loads(contents.text)
    assert status == tool
    assert status["branch"] == "main"
    assert status["entries"] == [
        {"path": "README.md", "unstaged": "modified"},
        {"path": "staged.txt", "staged": "new file"},
        {"path": "untracked é.txt", "unstaged": "untracked"},
    ]


async def test_a_folder_inside_the_repository_names_it_too(repo: Repo, jail: Path) -> None:
    repo.write("src/app.py", "print(1)\n")
    repo.git("add", ".")
    async with connect(server_for(jail)) as client:
        status = json.loads(await read_text(client, status_uri(repo.path / "src")))
    assert status["repository"] == str(repo.path.resolve())


# -- reading: commits ------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_a_commit_reads_as_its_header_message_stat_and_patch(repo: Repo, jail: Path, era: Era) -> None:
    head = repo.head()
    repo.git("branch", "feature/x", "HEAD~1")
    top = repo.path.resolve()
    async with connect(server_for(jail), era=era) as client:
        text = await read_text(client, commit_uri(top, "HEAD"))
        by_sha = await read_text(client, commit_uri(top, head))
        branch = await read_text(client, commit_uri(top, "feature/x"))
    assert text == by_sha
    assert text.startswith(f"Commit: {head}\n")
    assert "Author: Test User <test@example.com>" in text
    assert "Message:\n    commit 3" in text
    assert "README.md | 5 +++--" in text
    assert "+line 3\n" in text
    assert "commit 2" in branch
    assert "commit 3" not in branch


async def test_a_long_commit_is_cut_with_the_way_to_the_rest(repo: Repo, jail: Path) -> None:
    repo.commit("big", **{"big.txt": "".join(f"line {number}\n" for number in range(2_000))})
    async with connect(server_for(jail, max_result_chars=2_000)) as client:
        text = await read_text(client, commit_uri(repo.path.resolve(), "HEAD"))
    assert len(text) < 2_000
    assert "big.txt | 2000 +" in text  # the stat comes first: the whole commit in a line
    assert "\n[cut after " in text
    assert f"git_show with revision '{repo.head()}'" in text


@pytest.mark.parametrize("era", ERAS)
async def test_an_unknown_revision_is_refused_plainly(repo: Repo, jail: Path, era: Era) -> None:
    top = repo.path.resolve()
    async with connect(server_for(jail), era=era) as client:
        assert "commit 3" in await read_text(client, commit_uri(top, "main"))  # the control
        message = await refused(client, commit_uri(top, "no-such-branch"))
        assert f"There is no commit 'no-such-branch' in {top}" in message
        tree = repo.git("rev-parse", "HEAD^{tree}").strip()
        assert "There is no commit" in await refused(client, commit_uri(top, tree))  # a tree is not one
        assert "There is no commit 'nope'" in await refused(client, file_uri(top, "nope", "README.md"))


async def test_a_revision_that_is_an_option_is_refused_and_writes_nothing(
    repo: Repo, jail: Path, tmp_path: Path
) -> None:
    target = tmp_path / "written"
    top = repo.path.resolve()
    async with connect(server_for(jail)) as client:
        for uri in (commit_uri(top, f"--output={target}"), file_uri(top, f"--output={target}", "README.md")):
            assert "cannot start with '-'" in await refused(client, uri)
    assert not target.exists()


# -- reading: files --------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_a_file_reads_as_it_was_at_the_revision(repo: Repo, jail: Path, era: Era) -> None:
    repo.commit("files", **{"data.json": '{"a": 1}\n'})
    repo.write("dir with space/ünï.md", "# Héllo\n")
    (repo.path / "picture").write_bytes(PNG)
    repo.commit("more")
    repo.write("README.md", "uncommitted\n")  # the working tree is not what a revision holds
    top = repo.path.resolve()
    async with connect(server_for(jail), era=era) as client:
        readme = await read(client, file_uri(top, "HEAD", "README.md"))
        older = await read_text(client, file_uri(top, "HEAD~3", "README.md"))
        markdown = await read(client, file_uri(top, "HEAD", "dir with space/ünï.md"))
        data = await read(client, file_uri(top, "HEAD", "data.json"))
        picture = await read(client, file_uri(top, "HEAD", "picture"))
        absolute = await read_text(client, file_uri(top, "HEAD", str(top / "README.md")))
    assert isinstance(readme, types.TextResourceContents)
    assert (readme.text, readme.mime_type) == ("line 3\n" * 3, "text/markdown")
    assert readme.uri == file_uri(top, "HEAD", "README.md")
    assert older == "line 2\n" * 2
    assert isinstance(markdown, types.TextResourceContents)
    assert (markdown.text, markdown.mime_type) == ("# Héllo\n", "text/markdown")
    assert isinstance(data, types.TextResourceContents)
    assert data.mime_type == "application/json"
    assert isinstance(picture, types.BlobResourceContents)
    assert base64.b64decode(picture.blob) == PNG
    assert absolute == readme.text


async def test_a_folder_at_a_revision_reads_as_its_entries(repo: Repo, jail: Path) -> None:
    repo.write("src/app.py", "print(1)\n")
    repo.write("src/lib/util.py", "x = 1\n")
    (repo.path / "src" / "link").symlink_to("app.py")
    repo.commit("tree")
    top = repo.path.resolve()
    async with connect(server_for(jail)) as client:
        src = await read_text(client, file_uri(top, "HEAD", "src"))
        root = await read_text(client, file_uri(top, "HEAD", ""))
    assert src == "[FILE] app.py\n[DIR] lib\n[LINK] link"
    assert root == "[FILE] README.md\n[DIR] src"


async def test_a_file_whose_name_is_not_utf8_reads_by_the_same_bytes(repo: Repo, jail: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")  # Latin-1 on disk: no UTF-8 string spells it
    (repo.path / name).write_text("bytes\n")
    repo.commit("latin-1 name")
    async with connect(server_for(jail)) as client:
        assert await read_text(client, file_uri(repo.path.resolve(), "HEAD", name)) == "bytes\n"


# Short names: git's listing (with modes and object names) fills its bound before the entries fill
# the page. Long names: the entries fill the page first. Either way the rest is pointed to.
@pytest.mark.parametrize("name_length", [3, 40])
async def test_a_long_folder_is_cut_with_the_way_to_the_rest(
    repo: Repo, jail: Path, name_length: int
) -> None:
    for number in range(400):
        repo.write(f"many/{number:03}".ljust(len("many/") + name_length, "x"), "")
    repo.commit("many")
    async with connect(server_for(jail, max_result_chars=1_000)) as client:
        text = await read_text(client, file_uri(repo.path.resolve(), "HEAD", "many"))
    assert text.startswith("[FILE] 000")
    assert len(text) < 1_300
    assert f"git_show with revision '{repo.head()}:many'" in text


async def test_paths_that_are_not_there_or_leave_the_repository_are_refused(
    repo: Repo, jail: Path, tmp_path: Path
) -> None:
    top = repo.path.resolve()
    async with connect(server_for(jail)) as client:
        missing = await refused(client, file_uri(top, "HEAD", "missing.txt"))
        assert "'missing.txt' does not exist at HEAD" in missing
        for path in ("../outside.txt", "src/../../x", str(tmp_path / "elsewhere.txt")):
            message = await refused(client, file_uri(top, "HEAD", path))
            assert "outside the repository" in message or "leads out of the repository" in message
        assert "line 3" in await read_text(client, file_uri(top, "HEAD", "./README.md"))  # the control


async def test_a_file_over_the_limit_is_refused_with_the_way_to_page_it(repo: Repo, jail: Path) -> None:
    repo.commit("sizes", **{"fits.txt": "x" * 1_000, "over.txt": "x" * 1_001})
    top = repo.path.resolve()
    async with connect(server_for(jail, max_result_chars=1_000)) as client:
        assert await read_text(client, file_uri(top, "HEAD", "fits.txt")) == "x" * 1_000
        message = await refused(client, file_uri(top, "HEAD", "over.txt"))
    assert "1,001 bytes" in message
    assert "--max-result-chars" in message
    assert "git_show with revision" in message


# -- reading: the jail -----------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_repositories_outside_the_jail_are_refused(
    repo: Repo, jail: Path, tmp_path: Path, era: Era
) -> None:
    outside = make_repo(tmp_path / "outside")
    (jail / "door").symlink_to(outside.path)
    sibling = make_repo(tmp_path / f"{jail.name}_evil")  # a prefix sibling of the jail
    async with connect(server_for(jail), era=era) as client:
        assert "commit 3" in await read_text(client, commit_uri(repo.path.resolve(), "HEAD"))  # the control
        for repository in (outside.path, jail / "door", jail / ".." / "outside", sibling.path):
            for uri in (
                status_uri(repository),
                commit_uri(repository, "HEAD"),
                file_uri(repository, "HEAD", "README.md"),
            ):
                assert "denied" in await refused(client, uri)


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        pytest.param("file:///etc/passwd", "not one of this server's resources", id="other-scheme"),
        pytest.param("git://{repo}/status?x=1", "not one of this server's resources", id="query"),
        pytest.param("git://{repo}/log", "not one of this server's resources", id="unknown-kind"),
        pytest.param("git://{repo}", "not one of this server's resources", id="nothing-named"),
        pytest.param("git:///status", "not one of this server's resources", id="no-repository"),
        pytest.param("git://{repo}/commit/", "not one of this server's resources", id="no-revision"),
        pytest.param("git://{repo}%00/status", "NUL", id="nul-in-repository"),
        pytest.param("git://{repo}/file/HEAD/a%00b", "NUL", id="nul-in-path"),
        pytest.param("git://{repo}/commit/HEAD%0A--output%3D%2Ftmp%2Fx", "line break", id="newline"),
    ],
)
async def test_malformed_uris_say_what_is_expected(repo: Repo, jail: Path, uri: str, says: str) -> None:
    encoded = status_uri(repo.path.resolve()).removeprefix("git://").removesuffix("/status")
    async with connect(server_for(jail)) as client:
        message = await refused(client, uri.format(repo=encoded))
    assert says in message


# -- subscriptions ---------------------------------------------------------------------------------


def expect_status(status: dict[str, Any], *, entries: list[dict[str, str]], commit: str) -> None:
    assert status["entries"] == entries
    assert status["commit"] == commit


@linux_only
@LEGACY_API
async def test_legacy_subscriber_hears_of_an_edit_a_staging_and_a_commit(repo: Repo, jail: Path) -> None:
    uri = status_uri(repo.path.resolve())
    first = repo.head()
    async with (
        ResourceNotices().open() as notices,
        connect(server_for(jail), era=LEGACY, message_handler=notices.handler) as client,
    ):
        await client.subscribe_resource(uri)
        repo.write("README.md", "edited\n")  # the working tree
        await notices.wait_for(uri)
        expect_status(
            await read_status(client, repo),
            entries=[{"path": "README.md", "unstaged": "modified"}],
            commit=first,
        )
        repo.git("add", "README.md")  # the index
        await notices.wait_for(uri)
        expect_status(
            await read_status(client, repo),
            entries=[{"path": "README.md", "staged": "modified"}],
            commit=first,
        )
        repo.git("commit", "--quiet", "-m", "edited")  # HEAD (its branch's ref)
        await notices.wait_for(uri)
        expect_status(await read_status(client, repo), entries=[], commit=repo.head())
        repo.write("README.md", "edited twice\n")
        await notices.wait_for(uri)
        repo.write("README.md", "edited three times\n")  # the status says the same; the file moved on
        await notices.wait_for(uri)
        await client.unsubscribe_resource(uri)
    assert set(notices.seen) == {uri}


@linux_only
async def test_modern_listener_hears_of_an_edit_a_staging_and_a_commit(repo: Repo, jail: Path) -> None:
    uri = status_uri(repo.path.resolve())
    server = server_for(jail)
    handles = inotify_handles()
    async with connect(server, era=MODERN) as client:
        async with client.listen(resource_subscriptions=[uri]) as subscription:
            for change in (
                lambda: repo.write("new file.txt", "new\n"),
                lambda: repo.git("add", "new file.txt"),
                lambda: repo.git("commit", "--quiet", "-m", "added"),
                lambda: repo.git("checkout", "--quiet", "-b", "topic"),  # HEAD itself
            ):
                change()
                with anyio.fail_after(10):
                    assert await subscription.__anext__() == ResourceUpdated(uri=uri)
            status = await read_status(client, repo)
            assert (status["branch"], status["clean"]) == ("topic", True)
        await eventually(lambda: server.subscriptions is not None and not server.subscriptions.watched)
        await eventually(lambda: inotify_handles() == handles)


@linux_only
@LEGACY_API
async def test_git_bookkeeping_and_ignored_files_say_nothing(tmp_path: Path) -> None:
    jail = tmp_path / "jail"
    quiet = make_repo(jail / "a_quiet", commits=2)  # sorts first: heard of first, if at all
    quiet.commit("ignore", **{".gitignore": "build/\n"})
    loud = make_repo(jail / "b_loud")
    quiet_uri, loud_uri = status_uri(quiet.path.resolve()), status_uri(loud.path.resolve())
    async with (
        ResourceNotices().open() as notices,
        connect(server_for(jail), era=LEGACY, message_handler=notices.handler) as client,
    ):
        await client.subscribe_resource(quiet_uri)
        await client.subscribe_resource(loud_uri)
        quiet.git("hash-object", "-w", "--stdin", input="a loose object nobody refers to\n")
        quiet.git("gc", "--quiet")  # packs objects and refs, prunes: the status stays as it was
        quiet.git("update-index", "--really-refresh")  # the index rewritten, its content the same
        quiet.write("build/out.o", "generated")  # ignored
        # Changed after all that: had any of it been heard of, it would have been heard of first.
        loud.write("README.md", "edited\n")
        await notices.wait_for(loud_uri)
    assert quiet_uri not in notices.seen


@linux_only
@LEGACY_API
async def test_nothing_is_heard_after_unsubscribing_and_no_watcher_is_left(tmp_path: Path) -> None:
    jail = tmp_path / "jail"
    dropped, kept = make_repo(jail / "a_dropped"), make_repo(jail / "b_kept")
    dropped_uri, kept_uri = status_uri(dropped.path.resolve()), status_uri(kept.path.resolve())
    server = server_for(jail)
    assert server.subscriptions is not None
    handles = inotify_handles()
    async with (
        ResourceNotices().open() as notices,
        connect(server, era=LEGACY, message_handler=notices.handler) as client,
    ):
        await client.subscribe_resource(dropped_uri)
        await client.subscribe_resource(kept_uri)
        await eventually(lambda: inotify_handles() == handles + 1)  # two repositories, one watcher
        dropped.write("README.md", "heard\n")
        await notices.wait_for(dropped_uri)
        await client.unsubscribe_resource(dropped_uri)
        notices.seen.clear()
        dropped.write("README.md", "not heard\n")
        kept.write("README.md", "heard\n")
        await notices.wait_for(kept_uri)
        assert dropped_uri not in notices.seen
        await client.unsubscribe_resource(kept_uri)
        assert server.subscriptions.watched == frozenset()
        await eventually(lambda: inotify_handles() == handles)


@linux_only
@LEGACY_API
async def test_a_client_that_leaves_without_unsubscribing_releases_its_watch(repo: Repo, jail: Path) -> None:
    server = server_for(jail)
    assert server.subscriptions is not None
    handles = inotify_handles()
    async with connect(server, era=LEGACY) as client:
        await client.subscribe_resource(status_uri(repo.path.resolve()))
        await eventually(lambda: inotify_handles() == handles + 1)
    assert server.subscriptions.watched == frozenset()
    await eventually(lambda: inotify_handles() == handles)


@linux_only
@LEGACY_API
async def test_a_linked_worktree_hears_of_its_own_commits(repo: Repo, jail: Path) -> None:
    repo.git("worktree", "add", "--quiet", "-b", "topic", str(jail / "topic-tree"))
    tree = Repo(jail / "topic-tree")
    uri = status_uri(tree.path.resolve())
    async with (
        ResourceNotices().open() as notices,
        connect(server_for(jail), era=LEGACY, message_handler=notices.handler) as client,
    ):
        await client.subscribe_resource(uri)
        tree.write("feature.txt", "new\n")
        tree.git("add", "feature.txt")  # its index is in the main repository's .git/worktrees
        await notices.wait_for(uri)
        tree.git("commit", "--quiet", "-m", "feature")  # its branch's ref is in the shared refs
        await notices.wait_for(uri)
        status = await read_status(client, tree)
    assert (status["branch"], status["commit"], status["clean"]) == ("topic", tree.head(), True)


@LEGACY_API
async def test_legacy_subscriptions_are_refused_outside_the_jail_and_beyond_the_status(
    repo: Repo, jail: Path, tmp_path: Path
) -> None:
    outside = make_repo(tmp_path / "outside")
    top = repo.path.resolve()
    server = server_for(jail)
    assert server.subscriptions is not None
    async with connect(server, era=LEGACY) as client:
        for uri, says in (
            (status_uri(outside.path), "denied"),
            (commit_uri(top, "HEAD"), "not watched"),
            (file_uri(top, "HEAD", "README.md"), "not watched"),
            (status_uri(jail), "not inside a git repository"),
            ("git://x/log", "not one of this server's resources"),
        ):
            with pytest.raises(MCPError) as caught:
                await client.subscribe_resource(uri)
            assert says in caught.value.message
        assert server.subscriptions.watched == frozenset()


async def test_modern_listen_outside_the_jail_is_refused(repo: Repo, jail: Path, tmp_path: Path) -> None:
    outside = make_repo(tmp_path / "outside")
    server = server_for(jail)
    assert server.subscriptions is not None
    async with connect(server, era=MODERN) as client:
        with pytest.raises(MCPError) as caught:
            async with client.listen(
                resource_subscriptions=[status_uri(repo.path.resolve()), status_uri(outside.path)]
            ):
                pass
        assert "denied" in caught.value.message
        assert server.subscriptions.watched == frozenset()


# -- over real stdio -------------------------------------------------------------------------------


@pytest.mark.stdio
async def test_a_listener_over_real_stdio_hears_of_a_commit(repo: Repo, jail: Path) -> None:
    uri = status_uri(repo.path.resolve())
    async with (
        connect_stdio("moorings-git", "--repository", str(jail), era=MODERN) as client,
        client.listen(resource_subscriptions=[uri]) as subscription,
    ):
        repo.commit("over stdio", **{"stdio.txt": "new\n"})
        with anyio.fail_after(10):
            assert await subscription.__anext__() == ResourceUpdated(uri=uri)
        status = await read_status(client, repo)
    assert (status["commit"], status["clean"]) == (repo.head(), True)
