"""Watching files and trees on disk for subscribers: one `watchfiles` watcher each, only while needed.

- `FileWatcher` watches files, each through its *directory* (not recursively), with a filter on
  the watched paths: editors save by writing a new file and renaming it over the old one, which a
  watch on the file itself would lose. It tells of each changed file.
- `TreeWatcher` watches whole directory trees (recursively), with the server's own filter on the
  paths it cares about (a git server keeps a work tree's files and `.git/HEAD`, not
  `.git/objects`), and tells of each burst of changes at once: a checkout that touches a thousand
  files is one call, not a thousand.
- One watcher covers everything a `FileWatcher` (or a `TreeWatcher`) watches, so however much is
  watched, one worker thread waits for changes (each watcher holds one of anyio's worker threads
  while it waits; one per directory could starve the tools' `run_blocking`). A new file in an
  already watched directory only changes the filter; a new set of directories starts a new
  watcher *before* the old one stops, so no change falls into the gap (a duplicate notice is
  harmless). The two kinds cannot share a watcher: `watchfiles` watches all its paths
  recursively or none.
- The watcher task must outlive the request that subscribed, so it runs in a task group the
  server's lifespan provides (`hosted`). At the end of the lifespan it moves to another running
  host, or waits, dormant, for the next one.
- Stopping sets the watcher's stop event, which watchfiles checks every `_STEP_MS`; `unwatch`
  waits for the task to end, so once it returns no watcher thread or inotify handle is left.

`watchfiles` is imported on first use: a server nobody subscribes to does not need it, and the
core does not depend on it; a server that watches lists `watchfiles` among its own dependencies.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import anyio
from anyio.abc import TaskGroup, TaskStatus

__all__ = ["FileWatcher", "TreeWatcher"]

logger = logging.getLogger(__name__)

_STEP_MS = 50  # how often the watching thread looks at its stop event; the quiet time that ends a burst
_DEBOUNCE_MS = 400  # longest a burst of changes is gathered before subscribers hear of it
_TIMEOUT_MS = 1_000  # the thread wakes this often even with nothing to report, so it can never hang
_STOP_GRACE = 2.0  # seconds to wait for a stopped watcher to end (it takes about _STEP_MS)


@dataclass(eq=False)
class _Run:
    """One watcher task: the paths it covers and the events that stop it and say it ended."""

    paths: frozenset[Path]
    host: TaskGroup
    stop: anyio.Event = field(default_factory=anyio.Event)
    ended: anyio.Event = field(default_factory=anyio.Event)


class _Watcher(ABC):
    """One `watchfiles` watcher over whatever a subclass watches, run on the server's task group."""

    _recursive: ClassVar[bool]

    def __init__(self) -> None:
        self._hosts: list[TaskGroup] = []
        self._run: _Run | None = None
        self._lock = anyio.Lock()

    @asynccontextmanager
    async def hosted(self) -> AsyncIterator[None]:
        """Run watchers in a task group for as long as this context (the server's lifespan) lasts."""
        async with anyio.create_task_group() as host:
            self._hosts.append(host)
            try:
                await self._refresh()  # paths watched while no host was running
                yield
            finally:
                self._hosts.remove(host)
                await self._refresh()  # moves the watcher to another host, or stops it

    @abstractmethod
    def _paths(self) -> frozenset[Path]:
        """The existing directories the watcher must cover now."""

    @abstractmethod
    def _keeps(self, path: Path) -> bool:
        """Whether a change to `path` is worth telling of (called for every change seen)."""

    @abstractmethod
    async def _deliver(self, paths: frozenset[Path]) -> None:
        """Tell of one burst's kept changes."""

    async def _refresh(self) -> None:
        """Make the running watcher cover exactly the wanted paths, on a live host."""
        # Shielded: this runs on unsubscribe and at a stream's end, often inside a cancelled scope,
        # and must not leave a watcher running that nobody will stop. It is bounded by _STOP_GRACE.
        with anyio.CancelScope(shield=True):
            async with self._lock:
                wanted = self._paths()
                old = self._run
                if old is not None and old.paths == wanted and _serving(old, self._hosts):
                    return
                self._run = await self._start(wanted) if wanted and self._hosts else None
                if old is not None:
                    await _stop(old)

    async def _start(self, paths: frozenset[Path]) -> _Run:
        run = _Run(paths, self._hosts[-1])
        await run.host.start(self._watch, run)
        return run

    async def _watch(self, run: _Run, *, task_status: TaskStatus[None]) -> None:
        # `started` wakes the subscriber only once this task next yields, and everything up to the
        # first step of `changes` (which sets up the operating system's watches) runs before it
        # does: a change made as soon as the subscribe call returns is seen.
        task_status.started()
        try:
            import watchfiles  # deferred: only subscribers need it

            changes = watchfiles.awatch(
                *sorted(run.paths),
                watch_filter=lambda _change, path: self._keeps(Path(path)),
                stop_event=run.stop,
                debounce=_DEBOUNCE_MS,
                step=_STEP_MS,
                rust_timeout=_TIMEOUT_MS,
                recursive=self._recursive,
                # In a tree, a folder nobody may read is not a reason to watch none of the others.
                ignore_permission_denied=self._recursive,
            )
            async for batch in changes:
                await self._deliver(frozenset(Path(path) for _change, path in batch))
        except Exception as exc:  # a directory removed under the watcher, no inotify handles left...
            logger.warning("Stopped watching %s: %r", ", ".join(map(str, sorted(run.paths))), exc)
        finally:
            run.ended.set()


class FileWatcher(_Watcher):
    """Calls `on_change(path)` when a watched file is written, replaced, created or deleted."""

    _recursive = False

    def __init__(self, on_change: Callable[[Path], Awaitable[None]]) -> None:
        super().__init__()
        self._on_change = on_change
        self._files: Counter[Path] = Counter()

    async def watch(self, path: Path) -> None:
        """Start watching the canonical file `path` (watches are counted: one `unwatch` each)."""
        self._files[path] += 1
        await self._refresh()

    async def unwatch(self, path: Path) -> None:
        """Stop watching `path` once as often as it was watched; the last one stops its watcher."""
        if self._files[path] <= 1:
            self._files.pop(path, None)
        else:
            self._files[path] -= 1
        await self._refresh()

    def _paths(self) -> frozenset[Path]:
        # A directory removed since its file was subscribed would stop the watch on all the others.
        return frozenset(
            directory for directory in {path.parent for path in self._files} if directory.is_dir()
        )

    def _keeps(self, path: Path) -> bool:
        return path in self._files

    async def _deliver(self, paths: frozenset[Path]) -> None:
        for path in sorted(paths):
            await self._on_change(path)


def _everything(_path: Path) -> bool:
    return True


class TreeWatcher(_Watcher):
    """Calls `on_change(paths)` once per burst of changes inside the watched directory trees.

    `paths` are the changed files and folders (created, written, deleted, renamed from or to) that
    lie in a watched tree and that `keep` accepts; a burst with none is not told of. `keep` is
    called for every change the operating system reports, so it must be quick; it may consult the
    caller's own state (what is subscribed now).
    """

    _recursive = True

    def __init__(
        self,
        on_change: Callable[[frozenset[Path]], Awaitable[None]],
        *,
        keep: Callable[[Path], bool] = _everything,
    ) -> None:
        super().__init__()
        self._on_change = on_change
        self._keep = keep
        self._roots: Counter[Path] = Counter()

    async def watch(self, root: Path) -> None:
        """Start watching the canonical directory `root` and everything below it (counted, as files are)."""
        self._roots[root] += 1
        await self._refresh()

    async def unwatch(self, root: Path) -> None:
        """Stop watching `root` once as often as it was watched; the last one stops its watcher."""
        if self._roots[root] <= 1:
            self._roots.pop(root, None)
        else:
            self._roots[root] -= 1
        await self._refresh()

    def _paths(self) -> frozenset[Path]:
        # Only the outermost trees: one inside another is watched already. A tree removed since it
        # was watched is left out, as a file's missing directory is.
        existing = {root for root in self._roots if root.is_dir()}
        return frozenset(root for root in existing if not any(other in root.parents for other in existing))

    def _keeps(self, path: Path) -> bool:
        # A burst the last watcher saw may end after its tree was unwatched: drop what no one watches.
        return any(path == root or root in path.parents for root in self._roots) and self._keep(path)

    async def _deliver(self, paths: frozenset[Path]) -> None:
        await self._on_change(paths)


def _serving(run: _Run, hosts: list[TaskGroup]) -> bool:
    """Whether `run` still watches, on a host that is still running."""
    return run.host in hosts and not run.ended.is_set()


async def _stop(run: _Run) -> None:
    run.stop.set()
    with anyio.move_on_after(_STOP_GRACE) as waited:
        await run.ended.wait()
    if waited.cancelled_caught:
        logger.warning("A file watcher did not stop within %s seconds", _STOP_GRACE)
