"""Client roots and `--roots-mode`: hostile roots beside legitimate ones, and list-changed notices.

Each case reads, as resources, a file at the top of the configured root, one in its `sub`
directory, and the sentinel outside it, and checks which the server let through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from moorings_core.testing import LEGACY, LEGACY_API, MODERN, Sandbox, connect, sandbox
from tests.filesystem.helpers import full_server

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Tree:
    box: Sandbox
    top: Path  # root/top.txt
    inner: Path  # root/sub/inner.txt

    def roots(self, case: str) -> list[Path]:
        """The roots a client offers in each case, relative to the configured root."""
        return {
            "outside": [self.box.outside],
            "containing": [self.box.root.parent],
            "inside": [self.box.root / "sub"],
            "nonexistent": [self.box.root.parent / "missing"],
            "etc": [Path("/etc")],
        }[case]


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    box = sandbox(tmp_path)
    (box.root / "sub").mkdir()
    top, inner = box.root / "top.txt", box.root / "sub" / "inner.txt"
    top.write_text("top")
    inner.write_text("inner")
    return Tree(box, top, inner)


@asynccontextmanager
async def client_with_roots(
    tree: Tree, mode: str, roots: list[Path], **options: object
) -> AsyncIterator[Client]:
    server = full_server(tree.box.root, roots_mode=mode)

    async def list_roots(context: object) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri=root.as_uri()) for root in roots])

    async with connect(server, era=LEGACY, list_roots_callback=list_roots, **options) as client:
        yield client


async def refusal(client: Client, path: Path) -> str | None:
    """Why the server refused to let this client read `path`, or None if it read it."""
    try:
        await client.read_resource(path.as_uri())
    except MCPError as error:
        return error.message
    return None


async def readable(client: Client, *paths: Path) -> set[str]:
    """The names of the files among `paths` the server lets this client read."""
    refusals = {path.name: await refusal(client, path) for path in paths}
    assert all("denied" in why for why in refusals.values() if why is not None), refusals
    return {name for name, why in refusals.items() if why is None}


EVERYTHING = {"top.txt", "inner.txt", "secret.txt"}
CONFIGURED = {"top.txt", "inner.txt"}


@pytest.mark.parametrize(
    ("mode", "case", "expected"),
    [
        # intersect (the default): roots narrow the configured directory, never widen it.
        ("intersect", "outside", CONFIGURED),
        ("intersect", "etc", CONFIGURED),
        ("intersect", "containing", CONFIGURED),
        ("intersect", "inside", {"inner.txt"}),
        ("intersect", "nonexistent", CONFIGURED),
        # replace: the reference server's behaviour, on the operator's explicit request.
        ("replace", "outside", {"secret.txt"}),
        ("replace", "containing", EVERYTHING),
        ("replace", "inside", {"inner.txt"}),
        ("replace", "nonexistent", CONFIGURED),  # as the reference: no usable root keeps the configured
        # ignore: roots change nothing.
        ("ignore", "outside", CONFIGURED),
        ("ignore", "containing", CONFIGURED),
        ("ignore", "inside", CONFIGURED),
        ("ignore", "nonexistent", CONFIGURED),
    ],
)
async def test_roots_modes_with_hostile_and_legitimate_roots(
    tree: Tree, mode: str, case: str, expected: set[str]
) -> None:
    async with client_with_roots(tree, mode, tree.roots(case)) as client:
        assert await readable(client, tree.top, tree.inner, tree.box.sentinel) == expected


async def test_a_root_of_etc_does_not_open_etc_in_the_default_mode(tree: Tree) -> None:
    async with client_with_roots(tree, "intersect", [Path("/etc")]) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("file:///etc/hostname")
        assert "denied" in caught.value.message
        listed = (await client.list_resources()).resources
    assert [item.uri for item in listed] == [tree.box.root.as_uri()]


@pytest.mark.parametrize("mode", ["intersect", "replace"])
async def test_the_resource_list_is_the_directories_the_roots_leave(tree: Tree, mode: str) -> None:
    async with client_with_roots(tree, mode, [tree.box.root / "sub"]) as client:
        listed = (await client.list_resources()).resources
    assert [item.uri for item in listed] == [(tree.box.root / "sub").as_uri()]


@pytest.mark.parametrize("mode", ["intersect", "replace", "ignore"])
async def test_a_2026_client_has_no_roots_and_gets_the_configured_directories(tree: Tree, mode: str) -> None:
    server = full_server(tree.box.root, roots_mode=mode)
    async with connect(server, era=MODERN) as client:
        assert await readable(client, tree.top, tree.inner, tree.box.sentinel) == CONFIGURED


@LEGACY_API
async def test_subscriptions_follow_the_roots(tree: Tree) -> None:
    async with client_with_roots(tree, "intersect", [tree.box.root / "sub"]) as client:
        await client.subscribe_resource(tree.inner.as_uri())
        with pytest.raises(MCPError) as caught:
            await client.subscribe_resource(tree.top.as_uri())
        assert "denied" in caught.value.message
        await client.unsubscribe_resource(tree.inner.as_uri())


@LEGACY_API
async def test_changed_roots_change_the_resource_list_and_say_so(tree: Tree) -> None:
    offered = [tree.box.root / "sub"]
    changed = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ResourceListChangedNotification):
            changed.set()

    async def list_roots(context: object) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri=root.as_uri()) for root in offered])

    server = full_server(tree.box.root)
    async with connect(
        server, era=LEGACY, list_roots_callback=list_roots, message_handler=on_message
    ) as client:
        assert [item.uri for item in (await client.list_resources()).resources] == [offered[0].as_uri()]
        assert await readable(client, tree.top) == set()
        offered[:] = [tree.box.root]
        await client.send_roots_list_changed()
        with anyio.fail_after(5):
            await changed.wait()
        assert [item.uri for item in (await client.list_resources()).resources] == [tree.box.root.as_uri()]
        assert await readable(client, tree.top) == {"top.txt"}
