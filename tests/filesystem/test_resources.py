"""Files as MCP resources: reads through the jail, refusals, and subscriptions in both protocol eras."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from moorings_core.testing import (
    ERAS,
    LEGACY,
    LEGACY_API,
    MODERN,
    Era,
    ResourceNotices,
    Sandbox,
    connect,
    connect_stdio,
    installed_script,
    sandbox,
)
from moorings_filesystem.server import build_server
from moorings_filesystem.settings import FilesystemSettings
from tests.filesystem.helpers import full_server

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)  # we count inotify handles below
    return sandbox(tmp_path)


def inotify_handles() -> int:
    """How many inotify instances this process holds: a file watcher each, while it runs."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify"
        except OSError:  # the fd listing itself, closed since
            continue
    return count


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds: the watcher's own thread closes its inotify handle a moment
    after the watcher stops, and tells no one, so there is no event to wait for."""
    with anyio.fail_after(5):
        while not condition():  # noqa: ASYNC110 - polling an operating-system fact, not a task's state
            await anyio.sleep(0.01)


async def refused(client: Client, uri: str) -> MCPError:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    assert caught.value.code == types.INVALID_PARAMS
    return caught.value


# -- listing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_lists_the_allowed_directories_and_the_file_template(box: Sandbox, era: Era) -> None:
    (box.root / "a.txt").write_text("a")
    second = box.root.parent / "second"
    second.mkdir()
    server = build_server(FilesystemSettings.model_validate({"directories": [box.root, second]}))
    async with connect(server, era=era) as client:
        listed = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
    # The directories only, never a walk of the tree.
    assert [(item.uri, item.mime_type) for item in listed] == [
        (box.root.as_uri(), "inode/directory"),
        (second.resolve().as_uri(), "inode/directory"),
    ]
    assert [template.uri_template for template in templates] == ["file:///{+path}"]


async def test_capabilities_say_subscribe_and_list_changed(box: Sandbox) -> None:
    async with connect(full_server(box.root), era=LEGACY) as client:
        resources = client.server_capabilities.resources
    assert resources is not None
    assert (resources.subscribe, resources.list_changed) == (True, True)


# -- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_text_files_read_as_text_with_a_type(box: Sandbox, era: Era) -> None:
    files = {
        "notes.md": "# Héllo\n",
        "tool.py": "print(1)\n",
        "README": "plain\n",
        "empty.json": "",
        "100% sûr?.txt": "a name a URI must escape\n",
    }
    for name, text in files.items():
        (box.root / name).write_text(text, encoding="utf-8")
    async with connect(full_server(box.root), era=era) as client:
        read = {name: (await client.read_resource((box.root / name).as_uri())).contents for name in files}
    for name, text in files.items():
        [contents] = read[name]
        assert isinstance(contents, types.TextResourceContents)
        assert contents.text == text
        assert contents.uri == (box.root / name).as_uri()
    types_by_name = {name: contents[0].mime_type for name, contents in read.items()}
    assert types_by_name == {
        "notes.md": "text/markdown",
        "tool.py": "text/x-python",
        "README": "text/plain",
        "empty.json": "application/json",
        "100% sûr?.txt": "text/plain",
    }


@pytest.mark.parametrize("era", ERAS)
async def test_binary_files_read_as_blobs_typed_by_content(box: Sandbox, era: Era) -> None:
    files = {
        "picture": PNG,  # no extension: the PNG signature says what it is
        "data.bin": bytes(range(256)),
        "latin1.txt": "café\n".encode("latin-1"),  # not UTF-8: the bytes, not a guess at text
    }
    for name, data in files.items():
        (box.root / name).write_bytes(data)
    async with connect(full_server(box.root), era=era) as client:
        read = {name: (await client.read_resource((box.root / name).as_uri())).contents for name in files}
    for name, data in files.items():
        [contents] = read[name]
        assert isinstance(contents, types.BlobResourceContents)
        assert base64.b64decode(contents.blob) == data
    assert [read[name][0].mime_type for name in files] == [
        "image/png",
        "application/octet-stream",
        "text/plain",
    ]


@pytest.mark.parametrize("era", ERAS)
async def test_a_directory_reads_as_its_entries(box: Sandbox, era: Era) -> None:
    (box.root / "sub").mkdir()
    (box.root / "b.txt").write_text("b")
    (box.root / "link").symlink_to(box.root / "b.txt")
    async with connect(full_server(box.root), era=era) as client:
        [contents] = (await client.read_resource(box.root.as_uri())).contents
    assert isinstance(contents, types.TextResourceContents)
    assert contents.text == "[FILE] b.txt\n[LINK] link\n[DIR] sub"


@pytest.mark.parametrize("era", ERAS)
async def test_paths_outside_the_jail_are_refused(box: Sandbox, era: Era) -> None:
    (box.root / "inside.txt").write_text("fine")
    evil = box.root.parent / f"{box.root.name}_evil"  # a prefix sibling of the root
    evil.mkdir()
    (evil / "x.txt").write_text("sibling")
    (box.root / "escape").symlink_to(box.sentinel)
    (box.root / "door").symlink_to(box.outside)
    async with connect(full_server(box.root), era=era) as client:
        [control] = (await client.read_resource((box.root / "inside.txt").as_uri())).contents
        assert isinstance(control, types.TextResourceContents)
        assert control.text == "fine"
        for uri in (
            box.sentinel.as_uri(),
            f"{box.root.as_uri()}/../outside/secret.txt",
            f"{box.root.as_uri()}/%2E%2E/outside/secret.txt",
            (evil / "x.txt").as_uri(),
            (box.root / "escape").as_uri(),
            f"{(box.root / 'door').as_uri()}/secret.txt",
        ):
            error = await refused(client, uri)
            assert "denied" in error.message
            assert f"Allowed: {box.root}" in error.message  # says what is allowed
            assert "outside the sandbox" not in error.message
        # The server keeps serving.
        assert (await client.read_resource((box.root / "inside.txt").as_uri())).contents == [control]


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        pytest.param("http://127.0.0.1/x.txt", "not a file:// URI", id="other-scheme"),
        pytest.param("file://elsewhere/{root}/inside.txt", "not a file:// URI", id="remote-host"),
        pytest.param("file://{root}/inside.txt?x=1", "not a file:// URI", id="query"),
        pytest.param("file://{root}/inside%00.txt", "NUL", id="nul"),
        pytest.param("file://{root}/missing.txt", "does not exist", id="missing"),
    ],
)
async def test_malformed_and_missing_uris_say_what_is_expected(box: Sandbox, uri: str, says: str) -> None:
    (box.root / "inside.txt").write_text("fine")
    async with connect(full_server(box.root), era=MODERN) as client:
        error = await refused(client, uri.format(root=box.root))
    assert says in error.message


@pytest.mark.parametrize("era", ERAS)
async def test_files_over_the_read_limit_are_refused_with_a_way_forward(box: Sandbox, era: Era) -> None:
    (box.root / "limit.txt").write_text("x" * 1024)
    (box.root / "over.txt").write_text("x" * 1025)
    async with connect(full_server(box.root, max_read_bytes=1024), era=era) as client:
        [fits] = (await client.read_resource((box.root / "limit.txt").as_uri())).contents
        assert isinstance(fits, types.TextResourceContents)
        assert len(fits.text) == 1024
        error = await refused(client, (box.root / "over.txt").as_uri())
    assert "1,025 bytes" in error.message
    assert "--max-read-bytes" in error.message
    assert "read_text_file" in error.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
async def test_a_fifo_is_refused_at_once(box: Sandbox) -> None:
    os.mkfifo(box.root / "pipe")
    async with connect(full_server(box.root), era=MODERN) as client:
        with anyio.fail_after(5):  # a blocking open would hang here
            error = await refused(client, (box.root / "pipe").as_uri())
    assert "FIFO" in error.message or "fifo" in error.message


# -- subscriptions ---------------------------------------------------------------------------------

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts inotify handles")


@linux_only
@LEGACY_API
async def test_legacy_subscriber_hears_of_changes_until_it_unsubscribes(box: Sandbox) -> None:
    written, saved = box.root / "written.txt", box.root / "saved.txt"
    for path in (written, saved):
        path.write_text("v1")
    server = full_server(box.root)
    assert server.subscriptions is not None
    handles = inotify_handles()
    async with (
        ResourceNotices().open() as notices,
        connect(server, era=LEGACY, message_handler=notices.handler) as client,
    ):
        await client.subscribe_resource(written.as_uri())
        await client.subscribe_resource(saved.as_uri())
        assert inotify_handles() == handles + 1
        written.write_text("v2")
        await notices.wait_for(written.as_uri())
        # Editors save by writing a new file and renaming it over the old one.
        (box.root / "saved.txt.tmp").write_text("v2")
        (box.root / "saved.txt.tmp").replace(saved)
        await notices.wait_for(saved.as_uri())
        [contents] = (await client.read_resource(saved.as_uri())).contents
        assert isinstance(contents, types.TextResourceContents)
        assert contents.text == "v2"
        await client.unsubscribe_resource(written.as_uri())
        await client.unsubscribe_resource(saved.as_uri())
        assert server.subscriptions.watched == frozenset()
        await eventually(lambda: inotify_handles() == handles)
    assert set(notices.seen) == {written.as_uri(), saved.as_uri()}  # nothing about the temporary file


@linux_only
async def test_modern_listener_hears_of_changes_while_its_stream_is_open(box: Sandbox) -> None:
    watched = box.root / "watched.txt"
    watched.write_text("v1")
    uri = watched.as_uri()
    server = full_server(box.root)
    assert server.subscriptions is not None
    handles = inotify_handles()
    async with connect(server, era=MODERN) as client:
        async with client.listen(resource_subscriptions=[uri]) as subscription:
            assert inotify_handles() == handles + 1
            watched.write_text("v2")
            with anyio.fail_after(10):
                event = await subscription.__anext__()
            assert event == ResourceUpdated(uri=uri)
        await eventually(lambda: server.subscriptions is not None and not server.subscriptions.watched)
        await eventually(lambda: inotify_handles() == handles)


@linux_only
@LEGACY_API
async def test_one_watcher_serves_many_files_and_each_unsubscribe_counts(box: Sandbox) -> None:
    (box.root / "sub").mkdir()
    gone, kept, deep = box.root / "a_gone.txt", box.root / "z_kept.txt", box.root / "sub" / "deep.txt"
    for path in (gone, kept, deep):
        path.write_text("v1")
    server = full_server(box.root)
    handles = inotify_handles()
    async with (
        ResourceNotices().open() as notices,
        connect(server, era=LEGACY, message_handler=notices.handler) as client,
    ):
        for path in (gone, kept, deep):
            await client.subscribe_resource(path.as_uri())
        await eventually(lambda: inotify_handles() == handles + 1)  # two directories, one watcher
        deep.write_text("v2")
        await notices.wait_for(deep.as_uri())
        await client.unsubscribe_resource(gone.as_uri())
        notices.seen.clear()
        # Written in this order, `gone` would be heard of before `kept` if it were still watched.
        gone.write_text("v2")
        kept.write_text("v2")
        await notices.wait_for(kept.as_uri())
        assert gone.as_uri() not in notices.seen
        (box.root / "unwatched.txt").write_text("not a subscribed file")
        await client.unsubscribe_resource(kept.as_uri())
        await client.unsubscribe_resource(deep.as_uri())
        await eventually(lambda: inotify_handles() == handles)


@linux_only
@LEGACY_API
async def test_a_symlink_uri_hears_of_changes_to_its_target(box: Sandbox) -> None:
    (box.root / "data").mkdir()
    target = box.root / "data" / "target.txt"
    target.write_text("v1")
    link = box.root / "link.txt"
    link.symlink_to(target)
    async with (
        ResourceNotices().open() as notices,
        connect(full_server(box.root), era=LEGACY, message_handler=notices.handler) as client,
    ):
        await client.subscribe_resource(link.as_uri())
        target.write_text("v2")  # the file that changes is the one the link names
        await notices.wait_for(link.as_uri())


@linux_only
@LEGACY_API
async def test_a_removed_directory_does_not_stop_the_other_watches(box: Sandbox) -> None:
    for name in ("doomed", "kept", "later"):
        (box.root / name).mkdir()
        (box.root / name / "file.txt").write_text("v1")
    doomed, kept, later = (box.root / name / "file.txt" for name in ("doomed", "kept", "later"))
    async with (
        ResourceNotices().open() as notices,
        connect(full_server(box.root), era=LEGACY, message_handler=notices.handler) as client,
    ):
        await client.subscribe_resource(doomed.as_uri())
        await client.subscribe_resource(kept.as_uri())
        doomed.unlink()
        doomed.parent.rmdir()
        await notices.wait_for(doomed.as_uri())  # deleted is a change too
        await client.subscribe_resource(later.as_uri())  # a new watcher, without the missing directory
        kept.write_text("v2")
        await notices.wait_for(kept.as_uri())
        later.write_text("v2")
        await notices.wait_for(later.as_uri())


@linux_only
@LEGACY_API
async def test_a_client_that_leaves_without_unsubscribing_releases_its_watch(box: Sandbox) -> None:
    (box.root / "watched.txt").write_text("v1")
    server = full_server(box.root)
    assert server.subscriptions is not None
    handles = inotify_handles()
    async with connect(server, era=LEGACY) as client:
        await client.subscribe_resource((box.root / "watched.txt").as_uri())
        assert inotify_handles() == handles + 1
    assert server.subscriptions.watched == frozenset()
    await eventually(lambda: inotify_handles() == handles)


@LEGACY_API
async def test_legacy_subscriptions_outside_the_jail_are_refused(box: Sandbox) -> None:
    (box.root / "dir").mkdir()
    server = full_server(box.root)
    assert server.subscriptions is not None
    async with connect(server, era=LEGACY) as client:
        for uri, says in (
            (box.sentinel.as_uri(), "denied"),
            (f"{box.root.as_uri()}/../outside/secret.txt", "denied"),
            ((box.root / "missing.txt").as_uri(), "does not exist"),
            ((box.root / "dir").as_uri(), "is a directory"),
            ("http://127.0.0.1/x", "not a file:// URI"),
        ):
            with pytest.raises(MCPError) as caught:
                await client.subscribe_resource(uri)
            assert says in caught.value.message
        assert server.subscriptions.watched == frozenset()


async def test_modern_listen_outside_the_jail_is_refused(box: Sandbox) -> None:
    (box.root / "inside.txt").write_text("fine")
    server = full_server(box.root)
    assert server.subscriptions is not None
    async with connect(server, era=MODERN) as client:
        with pytest.raises(MCPError) as caught:
            async with client.listen(
                resource_subscriptions=[(box.root / "inside.txt").as_uri(), box.sentinel.as_uri()]
            ):
                pass
        assert "denied" in caught.value.message
        assert server.subscriptions.watched == frozenset()


# -- over real stdio ---------------------------------------------------------------------------------


@pytest.mark.stdio
async def test_a_listener_over_real_stdio_hears_of_changes(box: Sandbox) -> None:
    watched = box.root / "watched.txt"
    watched.write_text("v1")
    async with (
        connect_stdio("moorings-filesystem", str(box.root), era=MODERN) as client,
        client.listen(resource_subscriptions=[watched.as_uri()]) as subscription,
    ):
        watched.write_text("v2")
        with anyio.fail_after(10):
            assert await subscription.__anext__() == ResourceUpdated(uri=watched.as_uri())


def _exchange(process: subprocess.Popen[bytes], message: dict[str, object]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
    process.stdin.flush()


def _receive(process: subprocess.Popen[bytes]) -> dict[str, object]:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "the server closed its output"
    message: dict[str, object] = json.loads(line)
    return message


@pytest.mark.stdio
@pytest.mark.parametrize("how", ["end-of-input", "SIGTERM"])
def test_the_server_exits_cleanly_while_a_file_is_watched(box: Sandbox, how: str) -> None:
    watched = box.root / "watched.txt"
    watched.write_text("v1")
    process = subprocess.Popen(
        [installed_script("moorings-filesystem"), str(box.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        client_info = {"name": "t", "version": "1"}
        initialize = {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": client_info}
        _exchange(process, {"id": 0, "method": "initialize", "params": initialize})
        assert "result" in _receive(process)
        _exchange(process, {"method": "notifications/initialized"})
        _exchange(process, {"id": 1, "method": "resources/subscribe", "params": {"uri": watched.as_uri()}})
        assert _receive(process) == {"jsonrpc": "2.0", "id": 1, "result": {}}
        watched.write_text("v2")
        notice = _receive(process)
        assert notice["method"] == "notifications/resources/updated"
        assert notice["params"] == {"uri": watched.as_uri()}
        if how == "SIGTERM":
            process.send_signal(signal.SIGTERM)
        else:
            assert process.stdin is not None
            process.stdin.close()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
