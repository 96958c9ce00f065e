"""Watching a repository's status for subscribers: HEAD, the index and the working tree.

- What is watched: the work tree, recursively, with one core `TreeWatcher` for every subscribed
  repository. Inside the git directory only what the status depends on counts: `HEAD`, `index`,
  the refs (`refs/`, `packed-refs`, `reftable/`: a commit on a branch moves its ref, not `HEAD`),
  and the markers of an operation in progress (`MERGE_HEAD`, `rebase-merge`...). Objects, logs
  and the rest of git's bookkeeping never wake anyone, nor does anything under another `.git`
  inside the tree (a nested repository). A linked worktree's git directory and the common one it
  shares with the main worktree lie outside its work tree and are watched too.
- When something that counts changed, the status is read again (once per burst: the core
  gathers a burst of changes, and a commit or a checkout is one), and subscribers hear
  `notifications/resources/updated` only if it differs from what it was. "Differs" is what
  `git status --porcelain=v2` says (branch, HEAD's commit, each path's index and work-tree state
  and its object in the index, the stash count), the operation in progress, and the size and
  modification time of each path that differs in the work tree, so a second edit of a file
  already modified is heard of too. A write to an ignored file (a build's output), an index
  rewritten with the same content, a `git gc`, say nothing. Inside a new folder that is not yet
  tracked, git lists the folder alone: files added or removed at its top are heard of, edits
  deeper inside are not.
- Reading the status again never writes the index (the sandbox sets `GIT_OPTIONAL_LOCKS=0`), so
  a read cannot wake the watch that caused it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from moorings_core import MooringsError, TreeWatcher, run_blocking
from moorings_git.repositories import Repository
from moorings_git.running import Git
from moorings_git.status import STATUS_ARGS, operation_in_progress, parse_status

__all__ = ["StatusWatcher", "WatchedRepository"]

logger = logging.getLogger(__name__)

# Per worktree, in its git directory: what HEAD is, what is staged, what is in progress.
_WORKTREE_STATE = frozenset(
    {"HEAD", "index", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "BISECT_LOG"}
    | {"rebase-merge", "rebase-apply"}
)
_REF_STORES = frozenset({"refs", "reftable"})  # folders of refs, in the common git directory
_STATTED = 5_000  # changed paths whose size and time count; past these, only git's own words do


@dataclass(frozen=True)
class WatchedRepository:
    """A repository as its status watch sees it: where its work tree and git state live."""

    repo: Repository
    common_dir: Path

    @classmethod
    def of(cls, repo: Repository) -> WatchedRepository:
        """`repo`, with the git directory it shares with its other worktrees (its own, for most)."""
        pointer = repo.git_dir / "commondir"
        try:
            common = (repo.git_dir / pointer.read_text(encoding="utf-8").strip()).resolve()
        except (OSError, UnicodeDecodeError):
            common = repo.git_dir
        return cls(repo, common)

    @property
    def work_tree(self) -> Path:
        return self.repo.work_tree

    @property
    def roots(self) -> frozenset[Path]:
        """The trees to watch: the work tree, and the git directories that lie outside it."""
        folders = (self.repo.work_tree, self.repo.git_dir, self.common_dir)
        return frozenset(folder for folder in folders if not _nested(folder, folders))

    def cares_about(self, path: Path) -> bool:
        """Whether a change to `path` can change this repository's status."""
        git_dir, common = self.repo.git_dir, self.common_dir
        if _inside(path, git_dir) and _worktree_state(path.relative_to(git_dir).parts):
            return True
        if _inside(path, common) and _shared_state(path.relative_to(common).parts):
            return True
        if path == self.work_tree or not _inside(path, self.work_tree):
            return False
        return ".git" not in path.relative_to(self.work_tree).parts


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _nested(folder: Path, folders: Iterable[Path]) -> bool:
    return any(other != folder and other in folder.parents for other in folders)


def _worktree_state(parts: tuple[str, ...]) -> bool:
    return (len(parts) == 1 and parts[0] in _WORKTREE_STATE) or (len(parts) > 1 and parts[0] == "refs")


def _shared_state(parts: tuple[str, ...]) -> bool:
    return parts == ("packed-refs",) or (len(parts) > 1 and parts[0] in _REF_STORES)


@dataclass(eq=False)
class _Watched:
    """A subscribed repository: how many watch it, and its status as last seen."""

    target: WatchedRepository
    listeners: int = 1
    fingerprint: bytes | None = None
    lock: anyio.Lock = field(default_factory=anyio.Lock)


class StatusWatcher:
    """Calls `on_change(work_tree)` when a watched repository's status changes.

    Host it with `server.hold_while_serving(status_watcher.watcher.hosted)`.
    """

    def __init__(self, git: Git, on_change: Callable[[Path], Awaitable[None]]) -> None:
        self.watcher = TreeWatcher(self._changed, keep=self._counts)
        self._git = git
        self._on_change = on_change
        self._watched: dict[Path, _Watched] = {}  # by work tree

    async def watch(self, target: WatchedRepository) -> None:
        """Start watching `target` (counted: one `unwatch` each)."""
        watched = self._watched.get(target.work_tree)
        if watched is not None:
            watched.listeners += 1
            return
        watched = self._watched[target.work_tree] = _Watched(target)
        async with watched.lock:
            for root in sorted(target.roots):
                await self.watcher.watch(root)
            # Read after the watch is on: a change made meanwhile is in this reading, or heard of.
            watched.fingerprint = await self._fingerprint(target)

    async def unwatch(self, work_tree: Path) -> None:
        """Stop watching the repository at `work_tree` once; the last one lets its trees go."""
        watched = self._watched.get(work_tree)
        if watched is None:
            return
        watched.listeners -= 1
        if watched.listeners > 0:
            return
        del self._watched[work_tree]
        for root in sorted(watched.target.roots):
            await self.watcher.unwatch(root)

    def _counts(self, path: Path) -> bool:
        return any(watched.target.cares_about(path) for watched in self._watched.values())

    async def _changed(self, paths: frozenset[Path]) -> None:
        for work_tree in sorted(self._watched):  # in a fixed order: subscribers hear in that order
            watched = self._watched.get(work_tree)
            if watched is None or not any(watched.target.cares_about(path) for path in paths):
                continue
            async with watched.lock:
                now = await self._fingerprint(watched.target)
                changed = watched.fingerprint is not None and now != watched.fingerprint
                watched.fingerprint = now
            if changed:
                await self._on_change(work_tree)

    async def _fingerprint(self, target: WatchedRepository) -> bytes:
        """A digest of everything the status resource shows, and of the files it names as changed."""
        digest = hashlib.blake2b(digest_size=32)
        try:
            output = (await self._git.run(target.repo, STATUS_ARGS)).stdout
        except MooringsError as exc:  # the repository went away or broke: that is a change too
            digest.update(f"failed: {exc}".encode())
            return digest.digest()
        digest.update(output)
        parsed = parse_status(output)
        changed = [entry.path for entry in (*parsed.entries, *parsed.untracked) if entry.unstaged]
        digest.update(repr(await run_blocking(_file_states, target.work_tree, changed)).encode())
        operation = operation_in_progress(target.repo.git_dir)
        digest.update(operation.name.encode() if operation else b"")
        return digest.digest()


def _file_states(work_tree: Path, paths: list[str]) -> list[tuple[int, int] | None]:
    """Size and modification time of each path (None if gone): a rewrite shows in them."""
    states: list[tuple[int, int] | None] = []
    for path in paths[:_STATTED]:
        try:
            info = os.lstat(work_tree / path)
        except OSError:
            states.append(None)
        else:
            states.append((info.st_size, info.st_mtime_ns))
    return states
