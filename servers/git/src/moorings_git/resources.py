"""The repositories as MCP resources: their status (which a client may subscribe to), commits, files.

- `git://{repository}/status` (application/json): the status as git_status structures it, on one
  page (a very dirty tree's `nextCursor` continues in git_status). Subscribing to it, in either
  protocol era, brings `notifications/resources/updated` when HEAD, the index or the working tree
  changes what it says (`status_watch`).
- `git://{repository}/commit/{revision}` (text/plain): the commit's header and message, a stat of
  what it changed, then its patch, cut at --max-result-chars with the way to read the rest
  (git_show pages it).
- `git://{repository}/file/{revision}/{+path}`: the file as it was at the revision: UTF-8 text as
  text, anything else as a base64 blob, typed as the filesystem server types a file
  (`moorings_core.media`); a file over --max-result-chars bytes is refused with the way to page it
  (git_show REV:PATH). A folder reads as its entries (`[DIR] name`...).

How the URIs are spelled, and why, is in `uris`. Each read opens the repository through the jail
of the request (`Repositories.open`), as a tool call does, and runs git in the sandbox; a
revision is an ordinary argument after `--end-of-options`, resolved to its commit first so an
unknown one is told plainly.

`resources/list` names the status of each repository in the jail: an allowed directory that is a
repository, and the repositories directly inside an allowed directory that is a folder of them
(the first `_EXAMINED` entries by name, at most `_LISTED` repositories). The list follows the
client's roots when they make the jail, so their change announces a new list (`server.py`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import mcp_types as types

from moorings_core import (
    AccessDenied,
    InvalidInput,
    LimitExceeded,
    NotFound,
    PageRequest,
    PathJail,
    RequestContext,
    ResourceContents,
    ResourceSubscriptions,
    WatchedUris,
    run_blocking,
    truncate_text,
)
from moorings_core.media import file_contents
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.repositories import Repository
from moorings_git.running import DIFF_SAFETY
from moorings_git.status_watch import StatusWatcher, WatchedRepository
from moorings_git.toolbox import Toolbox
from moorings_git.tools.status import read_status
from moorings_git.uris import (
    COMMIT_TEMPLATE,
    FILE_TEMPLATE,
    STATUS_TEMPLATE,
    GitUri,
    parse_uri,
    status_uri,
)

__all__ = ["GitResources"]

_EXAMINED = 1_000  # entries of a folder of repositories looked at for resources/list
_LISTED = 200  # repositories listed at most
_JSON = "application/json"
_TEXT = "text/plain"
_COMMIT_FORMAT = (
    "--format=Commit: %H%nParents: %P%nAuthor: %an <%ae>%nDate: %aI%nCommitter: %cn <%ce> %cI%n"
    "Message:%n%w(0,4,4)%B"
)
_ENTRY_KINDS = {"tree": "[DIR]", "blob": "[FILE]", "commit": "[SUBMODULE]"}
_LINK_MODE = "120000"


class GitResources:
    """The server's resources: status, commits and files by `git://` URI, and the status watch.

    Serve it with `server.add_resources(resources, list_changes=True)` and host its watcher with
    `server.hold_while_serving(resources.watcher.hosted)`.
    """

    def __init__(self, toolbox: Toolbox, subscriptions: ResourceSubscriptions) -> None:
        self._toolbox = toolbox
        self._work_trees: WatchedUris[Path] = WatchedUris(subscriptions)  # URI -> its work tree
        self._status = StatusWatcher(toolbox.git, on_change=self._work_trees.publish_updated)
        self.watcher = self._status.watcher

    # -- listing --------------------------------------------------------------------------------

    async def list_resources(self, request: RequestContext) -> Sequence[types.Resource]:
        jail = await self._toolbox.repositories.jail_for(request)
        return [_status_resource(top) for top in await run_blocking(_repositories_in, jail)]

    async def list_templates(self, request: RequestContext) -> Sequence[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(
                uri_template=STATUS_TEMPLATE,
                name="status",
                title="Repository status",
                description="The working tree status as JSON: branch, upstream, staged, unstaged, "
                "conflicted and untracked paths, any operation in progress. {repository} is the "
                "repository's absolute path, percent-encoded whole (slashes too). Subscribe to hear "
                "when HEAD, the index or the working tree changes it.",
                mime_type=_JSON,
            ),
            types.ResourceTemplate(
                uri_template=COMMIT_TEMPLATE,
                name="commit",
                title="Commit",
                description="A commit's header, message, stat and patch. {revision} is a commit, "
                "branch or tag (percent-encode a slash: feature%2Fx). A long patch is cut; git_show "
                "pages it.",
                mime_type=_TEXT,
            ),
            types.ResourceTemplate(
                uri_template=FILE_TEMPLATE,
                name="file",
                title="File at a revision",
                description="A file as it was at a revision, its path relative to the repository's "
                "top level: text as text, anything else as base64; a folder reads as its entries. "
                "Files over the result limit are refused; git_show with REV:PATH pages them.",
            ),
        ]

    # -- reading --------------------------------------------------------------------------------

    async def read(self, request: RequestContext, uri: str) -> ResourceContents:
        named = parse_uri(uri)
        repo = await self._toolbox.repositories.open(named.repository, request)
        if named.kind == "status":
            return await self._read_status(repo, uri)
        commit = await self._commit_of(repo, named)
        if named.kind == "commit":
            return await self._read_commit(repo, uri, commit)
        return await self._read_file(repo, uri, named, commit)

    async def _read_status(self, repo: Repository, uri: str) -> types.TextResourceContents:
        # The same page git_status gives, so its nextCursor continues there.
        request = PageRequest("git_status", None, repo=str(repo.work_tree))
        _text, report = await read_status(self._toolbox, repo, request)
        return types.TextResourceContents(
            uri=uri, mime_type=_JSON, text=report.model_dump_json(by_alias=True, exclude_none=True)
        )

    async def _commit_of(self, repo: Repository, named: GitUri) -> str:
        """The commit `named.revision` names, or a refusal that says there is none."""
        revision = ordinary_argument(named.revision, "revision")
        args = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"]
        result = await self._toolbox.git.run(repo, args, accept=(0, 1))
        commit = result.stdout.decode("ascii", "replace").strip()
        if result.returncode or not commit:
            raise NotFound(
                f"There is no commit {revision!r} in {repo.work_tree}: name a commit, branch or tag "
                "(git_log lists commits, git_branch branches)."
            )
        return commit

    async def _read_commit(self, repo: Repository, uri: str, commit: str) -> types.TextResourceContents:
        args = ["show", _COMMIT_FORMAT, *DIFF_SAFETY, "--no-color", "--stat=200,160", "--patch"]
        budget = self._toolbox.budget
        result = await self._toolbox.git.run(
            repo, [*args, "--end-of-options", commit, "--"], max_output=budget
        )
        data = result.stdout
        if result.cut:  # whole lines only, then say where the rest is
            data = data[: data.rfind(b"\n") + 1] or data
        text = data.decode("utf-8", "replace").rstrip("\n")
        if result.cut:
            text += (
                f"\n\n[cut after {len(data):,} bytes: git_show with revision '{commit}' pages the "
                "whole commit, or stat=true or paths=[...] ask for less]"
            )
        return types.TextResourceContents(uri=uri, mime_type=_TEXT, text=text)

    async def _read_file(self, repo: Repository, uri: str, named: GitUri, commit: str) -> ResourceContents:
        path = _tree_path(repo, named.path)
        spec = f"{commit}:{path}"  # a commit's name, never an option; the path after the colon
        kind, size = await self._object_info(repo, spec, named)
        if kind == "tree":
            return await self._read_folder(repo, uri, spec)
        if kind == "commit":
            return types.TextResourceContents(
                uri=uri, mime_type=_TEXT, text=f"A submodule, at commit {await self._object_id(repo, spec)}."
            )
        limit = self._toolbox.settings.max_result_chars
        if size > limit:
            raise LimitExceeded(
                f"'{path}' at {named.revision} is {size:,} bytes; a resource is read whole only up to "
                f"{limit:,} bytes (--max-result-chars). git_show with revision '{commit}:{path}' "
                "pages it."
            )
        data = (await self._toolbox.git.run(repo, ["cat-file", "blob", spec], max_output=limit + 1)).stdout
        return file_contents(uri, PurePosixPath(path).name, data)

    async def _object_info(self, repo: Repository, spec: str, named: GitUri) -> tuple[str, int]:
        """The type and size of the object at `spec`, or a refusal saying the path is not there."""
        check = await self._toolbox.git.run(
            repo, ["cat-file", "--batch-check=%(objecttype) %(objectsize)"], stdin=os.fsencode(f"{spec}\n")
        )
        kind, _, size = check.stdout.decode("utf-8", "replace").strip().rpartition(" ")
        if kind not in ("blob", "tree", "commit") or not size.isdigit():
            raise NotFound(
                f"'{named.path}' does not exist at {named.revision} in {repo.work_tree}: give a path "
                "relative to the repository's top level (git_show with REV:FOLDER lists a folder)."
            )
        return kind, int(size)

    async def _object_id(self, repo: Repository, spec: str) -> str:
        result = await self._toolbox.git.run(repo, ["rev-parse", "--verify", "--end-of-options", spec])
        return result.stdout.decode("ascii", "replace").strip()

    async def _read_folder(self, repo: Repository, uri: str, spec: str) -> types.TextResourceContents:
        limit = self._toolbox.settings.max_result_chars
        listing = await self._toolbox.git.run(repo, ["ls-tree", "-z", spec], max_output=4 * limit)
        records = listing.stdout.split(b"\0")
        if listing.cut:
            records.pop()  # the entry the cut went through
        lines = [_entry_line(record.decode("utf-8", "replace")) for record in records if b"\t" in record]
        how = f"git_show with revision '{spec}' lists the folder in pages"
        cut = truncate_text("\n".join(lines), limit, how_to_continue=how)
        text = cut.text if cut.truncated or not listing.cut else f"{cut.text}\n\n[more entries follow: {how}]"
        return types.TextResourceContents(uri=uri, mime_type=_TEXT, text=text)

    # -- subscriptions --------------------------------------------------------------------------

    async def check_subscription(self, request: RequestContext, uri: str) -> WatchedRepository:
        """The repository whose status `uri` names, if this request may open it (else the refusal)."""
        named = parse_uri(uri)
        if named.kind != "status":
            raise InvalidInput(
                f"'{uri}' names what a revision holds, which is not watched; subscribe to the "
                f"repository's status ({STATUS_TEMPLATE}), which changes when HEAD moves."
            )
        repo = await self._toolbox.repositories.open(named.repository, request)
        return await run_blocking(WatchedRepository.of, repo)

    async def watch(self, uri: str, target: WatchedRepository) -> None:
        """`uri` gained its first listener: watch the repository `check_subscription` allowed."""
        self._work_trees.add(uri, target.work_tree)
        await self._status.watch(target)

    async def unwatch(self, uri: str) -> None:
        """`uri` lost its last listener (unsubscribed, stream ended, disconnected, exit)."""
        work_tree = self._work_trees.remove(uri)
        if work_tree is not None:
            await self._status.unwatch(work_tree)


def _status_resource(top: Path) -> types.Resource:
    return types.Resource(
        uri=status_uri(top),
        name=top.name or str(top),
        title=f"Status of {top}",
        description="The repository's working tree status as JSON. Its commits and files are "
        f"resources too ({COMMIT_TEMPLATE}, {FILE_TEMPLATE}).",
        mime_type=_JSON,
    )


# -- blocking work (run in a worker thread) -----------------------------------------------------


def _repositories_in(jail: PathJail) -> list[Path]:
    """Each allowed directory that is a repository, else the repositories directly inside it."""
    found: dict[Path, None] = {}
    for root in jail.roots:
        if (root / ".git").exists():
            found[root] = None
            continue
        try:
            names = sorted(entry.name for entry in root.iterdir())[:_EXAMINED]
        except OSError:  # gone, or not readable: nothing to list there
            continue
        for name in names:
            child = root / name
            if (child / ".git").exists() and child.is_dir() and jail.is_inside(child):
                found[child.resolve()] = None  # a symlink into the jail lists where it leads
            if len(found) >= _LISTED:
                return list(found)
    return list(found)


# -- what a path at a revision is ---------------------------------------------------------------


def _entry_line(record: str) -> str:
    """One `ls-tree` record ("mode type object<TAB>name") as the listing shows it."""
    info, _, name = record.partition("\t")
    mode, kind, _object = info.split(" ", 2)
    return f"{'[LINK]' if mode == _LINK_MODE else _ENTRY_KINDS.get(kind, '[OTHER]')} {name}"


def _tree_path(repo: Repository, path: str) -> str:
    """`path` as git names it in a tree: relative to the top level, never leaving it."""
    if "\0" in path or "\n" in path:
        raise InvalidInput(f"{path!r} holds a NUL or a line break; no path in a repository does here.")
    pure = PurePosixPath(path)
    if pure.is_absolute():
        try:
            pure = pure.relative_to(repo.work_tree.as_posix())
        except ValueError:
            raise AccessDenied(
                f"{path!r} is outside the repository {repo.work_tree}; give a path relative to its top level."
            ) from None
    if ".." in pure.parts:
        raise AccessDenied(
            f"{path!r} leads out of the repository; give a path relative to its top level, without '..'."
        )
    return "" if pure == PurePosixPath(".") else pure.as_posix()
