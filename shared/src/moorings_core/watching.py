"""Watching subscribed files on disk: one `watchfiles` watcher for all of them, only while needed.

- A file is watched through its *directory* (not recursively), with a filter on the watched
  paths: editors save by writing a new file and renaming it over the old one, which a watch on
  the file itself would lose.
- One watcher covers every watched directory, so however many files are watched, one worker
  thread waits for changes (each watcher holds one of anyio's worker threads while it waits; one
  per directory could starve the tools' `run_blocking`). A new file in an already watched
  directory only changes the filter; a new set of directories starts a new watcher *before* the
  old one stops, so no change falls into the gap (a duplicate notice is harmless).
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
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from anyio.abc import TaskGroup, TaskStatus

__all__ = ["FileWatcher"]

logger = logging.getLogger(__name__)

_STEP_MS = 50  # how often the watching thread looks at its stop event; the quiet time that ends a burst
_DEBOUNCE_MS = 400  # longest a burst of changes is gathered before subscribers hear of it
_TIMEOUT_MS = 1_000  # the thread wakes this often even with nothing to report, so it can never hang
_STOP_GRACE = 2.0  # seconds to wait for a stopped watcher to end (it takes about _STEP_MS)


@dataclass(eq=False)
class _Run:
    """One watcher task: the directories it covers and the events that stop it and say it ended."""

    directories: frozenset[Path]
    host: TaskGroup
    stop: anyio.Event = field(default_factory=anyio.Event)
    ended: anyio.Event = field(default_factory=anyio.Event)


class FileWatcher:
    """Calls `on_change(path)` when a watched file is written, replaced, created or deleted."""

    def __init__(self, on_change: Callable[[Path], Awaitable[None]]) -> None:
        self._on_change = on_change
        self._files: Counter[Path] = Counter()
        self._hosts: list[TaskGroup] = []
        self._run: _Run | None = None
        self._lock = anyio.Lock()

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

    @asynccontextmanager
    async def hosted(self) -> AsyncIterator[None]:
        """Run watchers in a task group for as long as this context (the server's lifespan) lasts."""
        async with anyio.create_task_group() as host:
            self._hosts.append(host)
            try:
                await self._refresh()  # files watched while no host was running
                yield
            finally:
                self._hosts.remove(host)
                await self._refresh()  # moves the watcher to another host, or stops it

    async def _refresh(self) -> None:
        """Make the running watcher cover exactly the watched directories, on a live host."""
        # Shielded: this runs on unsubscribe and at a stream's end, often inside a cancelled scope,
        # and must not leave a watcher running that nobody will stop. It is bounded by _STOP_GRACE.
        with anyio.CancelScope(shield=True):
            async with self._lock:
                wanted = self._directories()
                old = self._run
                if old is not None and old.directories == wanted and _serving(old, self._hosts):
                    return
                self._run = await self._start(wanted) if wanted and self._hosts else None
                if old is not None:
                    await _stop(old)

    def _directories(self) -> frozenset[Path]:
        # A directory removed since its file was subscribed would stop the watch on all the others.
        return frozenset(
            directory for directory in {path.parent for path in self._files} if directory.is_dir()
        )

    async def _start(self, directories: frozenset[Path]) -> _Run:
        run = _Run(directories, self._hosts[-1])
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
                *sorted(run.directories),
                watch_filter=lambda _change, path: Path(path) in self._files,
                stop_event=run.stop,
                debounce=_DEBOUNCE_MS,
                step=_STEP_MS,
                rust_timeout=_TIMEOUT_MS,
                recursive=False,
            )
            async for batch in changes:
                for path in sorted({Path(path) for _change, path in batch}):
                    await self._on_change(path)
        except Exception as exc:  # a directory removed under the watcher, no inotify handles left...
            logger.warning("Stopped watching %s: %r", ", ".join(map(str, run.directories)), exc)
        finally:
            run.ended.set()


def _serving(run: _Run, hosts: list[TaskGroup]) -> bool:
    """Whether `run` still watches, on a host that is still running."""
    return run.host in hosts and not run.ended.is_set()


async def _stop(run: _Run) -> None:
    run.stop.set()
    with anyio.move_on_after(_STOP_GRACE) as waited:
        await run.ended.wait()
    if waited.cancelled_caught:
        logger.warning("A file watcher did not stop within %s seconds", _STOP_GRACE)
