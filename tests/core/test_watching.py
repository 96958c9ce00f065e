"""TreeWatcher: whole directory trees watched by one watcher, filtered, told of once per burst.

(`FileWatcher` is exercised through the servers that use it: the filesystem and sqlite resources.)
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from moorings_core import TreeWatcher
from moorings_core.testing import eventually, inotify_handles

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts inotify handles"),
]


@pytest.fixture(autouse=True)
def native_watching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)  # we count inotify handles


@dataclass
class Bursts:
    """What a `TreeWatcher` told, one set of paths per call, in arrival order."""

    send: MemoryObjectSendStream[frozenset[Path]]
    receive: MemoryObjectReceiveStream[frozenset[Path]]
    seen: list[frozenset[Path]] = field(default_factory=list)

    async def told(self, paths: frozenset[Path]) -> None:
        await self.send.send(paths)

    async def wait_for(self, path: Path) -> None:
        """Read bursts until one names `path`; every one read is kept in `seen`."""
        with anyio.fail_after(10):
            while path not in (self.seen[-1] if self.seen else ()):
                self.seen.append(await self.receive.receive())

    @property
    def everything(self) -> set[Path]:
        return set().union(*self.seen)


@asynccontextmanager
async def watching(
    keep: Callable[[Path], bool] | None = None,
) -> AsyncIterator[tuple[TreeWatcher, Bursts]]:
    send, receive = anyio.create_memory_object_stream[frozenset[Path]](64)
    bursts = Bursts(send, receive)
    watcher = TreeWatcher(bursts.told) if keep is None else TreeWatcher(bursts.told, keep=keep)
    with send, receive:
        async with watcher.hosted():
            yield watcher, bursts


async def no_watcher_left() -> int:
    """Wait for the watchers of earlier tests to close their handles (they do so a moment after
    stopping); then this process holds none, and a count taken now is not thrown off by them."""
    await eventually(lambda: inotify_handles() == 0)
    return 0


def tree(root: Path, *names: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        (root / name).mkdir(parents=True, exist_ok=True)
    return root.resolve()


async def test_changes_anywhere_in_the_tree_are_told_even_in_folders_made_later(tmp_path: Path) -> None:
    root = tree(tmp_path / "tree", "a/b/c")
    async with watching() as (watcher, bursts):
        await watcher.watch(root)
        (root / "a" / "b" / "c" / "deep.txt").write_text("v1")
        await bursts.wait_for(root / "a" / "b" / "c" / "deep.txt")
        # Made while watched: watched too (the folders inside it are made before the operating
        # system tells of the first, so it is the one told of).
        (root / "new" / "inner").mkdir(parents=True)
        await bursts.wait_for(root / "new")
        (root / "new" / "inner" / "late.txt").write_text("v1")
        await bursts.wait_for(root / "new" / "inner" / "late.txt")


async def test_a_burst_is_one_call_with_every_changed_path(tmp_path: Path) -> None:
    root = tree(tmp_path / "tree", "many")
    names = [root / "many" / f"{number:03}.txt" for number in range(200)]
    async with watching() as (watcher, bursts):
        await watcher.watch(root)
        for path in names:
            path.write_text("x")
        (root / "last.txt").write_text("written after the others")
        await bursts.wait_for(root / "last.txt")
    # However the operating system split the burst, every file was told, in fewer calls than files.
    assert set(names) <= bursts.everything
    assert len(bursts.seen) < len(names)


async def test_the_filter_keeps_only_what_the_caller_cares_about(tmp_path: Path) -> None:
    root = tree(tmp_path / "tree", "noise", "signal")

    def keep(path: Path) -> bool:
        return "noise" not in path.parts

    async with watching(keep) as (watcher, bursts):
        await watcher.watch(root)
        for number in range(20):
            (root / "noise" / f"{number}.tmp").write_text("churn")
        # Written after the noise: the noise, if it were kept, would be told first or with it.
        (root / "signal" / "file.txt").write_text("v1")
        await bursts.wait_for(root / "signal" / "file.txt")
    assert not any("noise" in path.parts for path in bursts.everything)


async def test_nested_trees_share_one_watcher_and_each_unwatch_counts(tmp_path: Path) -> None:
    outer = tree(tmp_path / "outer", "inner")
    inner = outer / "inner"
    other = tree(tmp_path / "other")
    handles = await no_watcher_left()
    async with watching() as (watcher, bursts):
        await watcher.watch(outer)
        await watcher.watch(inner)
        await watcher.watch(inner)  # counted: two unwatches to let it go
        await watcher.watch(other)
        # Three trees (one inside another), one watcher (those it replaced close their handles soon).
        await eventually(lambda: inotify_handles() == handles + 1)
        await watcher.unwatch(outer)
        await watcher.unwatch(inner)
        # `outer` is no longer watched, `inner` still is: only its changes are told.
        (outer / "outside_inner.txt").write_text("not watched any more")
        (inner / "kept.txt").write_text("still watched")
        await bursts.wait_for(inner / "kept.txt")
        assert outer / "outside_inner.txt" not in bursts.everything
        await watcher.unwatch(inner)
        (other / "file.txt").write_text("v1")
        await bursts.wait_for(other / "file.txt")
        await watcher.unwatch(other)
        await eventually(lambda: inotify_handles() == handles)


async def test_a_tree_watched_before_serving_is_watched_once_the_host_runs(tmp_path: Path) -> None:
    root = tree(tmp_path / "tree")
    send, receive = anyio.create_memory_object_stream[frozenset[Path]](64)
    bursts = Bursts(send, receive)
    watcher = TreeWatcher(bursts.told)
    handles = await no_watcher_left()
    with send, receive:
        await watcher.watch(root)
        assert inotify_handles() == handles  # no host yet: nothing runs
        async with watcher.hosted():
            (root / "file.txt").write_text("v1")
            await bursts.wait_for(root / "file.txt")
        await eventually(lambda: inotify_handles() == handles)  # the host ended: the watcher too
