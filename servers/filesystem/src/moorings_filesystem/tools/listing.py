"""Tools that list: the allowed directories, a directory's entries, a tree, and one entry's metadata.

Text results keep the reference server's formats ("[FILE] name", "[DIR] name", the sizes table with
its totals, the tree as 2-space-indented JSON, "key: value" file info), so prompts written for it
work unchanged; the structured result carries the same facts as an object. Beyond the reference:

- symlinks and special files are reported as such, never followed: "[LINK] name -> target" (the
  target is shown only when it resolves inside the allowed directories), "[FIFO] name", ...;
- a long listing comes in pages (`cursor`), each within the output budget, in name order; a big
  directory's sorted listing is kept while it does not change, so its next pages are cheap;
- `directory_tree` honours .gitignore, takes `maxDepth`, and when it must stop it shows the shallow
  levels first (a breadth-first choice over the walk), so the overview survives the cut.
"""

from __future__ import annotations

import itertools
import json
import stat
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import (
    MooringsServer,
    Output,
    Page,
    Pager,
    PageRequest,
    PathJail,
    Progress,
    ToolContext,
    counted,
    reporting_progress,
    run_blocking,
    tool_result,
    work_deadline,
)
from moorings_core.paging import join_notes, room_for_items, with_note
from moorings_core.platform.files import DirectoryHandle
from moorings_core.sandbox.paths import file_kind
from moorings_filesystem.globs import PathPatterns
from moorings_filesystem.walking import TreeWalk, WalkOptions, entry_kind
from moorings_filesystem.workspace import Workspace

__all__ = ["register"]

_TAGS = {
    "file": "[FILE]",
    "directory": "[DIR]",
    "symlink": "[LINK]",
    "fifo": "[FIFO]",
    "socket": "[SOCKET]",
    "device": "[DEVICE]",
    "other": "[OTHER]",
}
_OUTSIDE = "(outside the allowed directories)"
_CACHED_FROM = 1_000  # a smaller directory is listed again for each page: it is cheap
_CACHED_ENTRIES = 200_000  # a bigger directory is listed again for each page, not kept in memory
_RACY_NS = 2 * 10**9
_TREE_SCAN_LIMIT = 200_000  # entries a tree walk looks at before it stops counting
_SIZE_UNITS = ("B", "KB", "MB", "GB", "TB")


class AllowedDirectories(Output):
    directories: list[str] = Field(description="Absolute paths of the directories this server may touch.")
    read_only: bool = Field(description="Whether every write is refused.")


class DirectoryEntry(Output):
    name: str
    type: str = Field(description="file, directory, symlink, fifo, socket, device or other.")
    size: int | None = Field(None, description="Bytes, for regular files (list_directory_with_sizes).")
    target: str | None = Field(
        None, description="What a symlink points to; omitted when that is outside the allowed directories."
    )


class DirectoryListing(Output):
    path: str = Field(description="The directory listed, as an absolute path.")
    entries: list[DirectoryEntry] = Field(description="This page of entries.")
    total: int = Field(description="How many entries the directory has.")
    next_cursor: str | None = Field(None, description="Pass back as `cursor` for the next page.")


class SizedListing(DirectoryListing):
    files: int = Field(description="Entries that are not directories, in the whole directory.")
    directories: int = Field(description="Subdirectories, in the whole directory.")
    combined_size: int = Field(description="Bytes in the directory's regular files (not recursive).")


class TreeNode(Output):
    name: str
    type: str = Field(description="file, directory, symlink, fifo, socket, device or other.")
    children: list[TreeNode] | None = Field(None, description="For directories: the entries shown.")
    truncated: bool | None = Field(
        None, description="True on a directory whose entries were not all listed (cut or maxDepth)."
    )


class DirectoryTree(Output):
    path: str = Field(description="The directory the tree starts at.")
    tree: list[TreeNode]
    shown: int = Field(description="Entries in `tree`.")
    total: int = Field(description="Entries found (at least this many when `complete` is false).")
    complete: bool = Field(description="Whether the walk saw the whole tree (it stops counting eventually).")
    ignored: int = Field(description="Entries left out by .gitignore (an ignored directory counts once).")
    note: str | None = Field(None, description="What was left out and how to see it.")


class FileInfo(Output):
    path: str
    size: int
    created: datetime | None = Field(None, description="Birth time, when the file system reports it.")
    modified: datetime
    accessed: datetime
    is_directory: bool
    is_file: bool
    permissions: str = Field(description="The permission bits in octal, e.g. 644.")
    type: str = Field(description="file, directory, symlink, fifo, socket, device or other.")
    target: str | None = Field(None, description="For a symlink: what it points to, when that is inside.")


# -- list_directory and list_directory_with_sizes --------------------------------------------------
#
# A directory may hold 10,000 entries or more. They are listed once as sorted (name, kind) pairs
# and kept while the directory is unchanged (`_RecentListings`), so a next page costs only its own
# entries. A page (`moorings_core.paging`) takes as many entries as their text lines fit in the
# output budget (the text is what the model reads and what the server's last cap measures; the
# structured copy beside it is for programs); only the entries shown are described further
# (symlink targets). A cursor continues the listing of one path (and order) only.


class _Listing:
    """One snapshot of a directory: its sorted (name, kind) pairs and, once asked for, the sizes of
    its files and its entries largest first. Shared by the threads paging it; guarded by a lock."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self._sizes: dict[str, int] | None = None
        self._by_size: list[tuple[str, str]] | None = None
        self._lock = threading.Lock()

    def sizes(self, directory: DirectoryHandle, *, fresh: bool) -> dict[str, int]:
        """The size of each file; `fresh` stats them again (a first page), otherwise the snapshot's
        sizes serve, so that every page of one listing agrees on its sizes and totals."""
        with self._lock:
            if fresh or self._sizes is None:
                self._sizes = {name: _size(directory, name) for name, kind in self.items if kind == "file"}
                self._by_size = None
            return self._sizes

    def by_size(self, sizes: dict[str, int]) -> list[tuple[str, str]]:
        """The entries largest first, as the reference sorts them (directories last, by name)."""
        with self._lock:
            if self._by_size is not None and sizes is self._sizes:
                return self._by_size
            ordered = sorted(self.items, key=lambda item: sizes.get(item[0], -1), reverse=True)
            if sizes is self._sizes:  # not replaced by a fresher first page meanwhile
                self._by_size = ordered
            return ordered


class _RecentListings:
    """The listings of the last few big directories, so that their next pages are not listed again
    and every page comes from one snapshot.

    A listing is reused only while the directory's identity and change times stay the same (adding,
    removing or renaming an entry updates them). Timestamps are coarse, so a directory changed in
    the last `_RACY_NS` is not kept, as git does with its "racy" index entries. The directory was
    opened through this call's jail, so a listing is only ever served to a caller allowed to read it.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._listings: OrderedDict[tuple[int, int], tuple[tuple[int, int], _Listing]] = OrderedDict()
        self._lock = threading.Lock()  # tools run in worker threads

    def listing(self, directory: DirectoryHandle) -> _Listing:
        """The listing of the open directory, kept or made now."""
        info = directory.status()
        key, stamp = (info.st_dev, info.st_ino), (info.st_mtime_ns, info.st_ctime_ns)
        with self._lock:
            cached = self._listings.get(key)
            if cached is not None and cached[0] == stamp:
                self._listings.move_to_end(key)
                return cached[1]
        listing = _Listing(_scan(directory))
        settled = time.time_ns() - max(stamp) > _RACY_NS
        if _CACHED_FROM < len(listing.items) <= _CACHED_ENTRIES and settled:
            with self._lock:
                self._listings[key] = (stamp, listing)
                while len(self._listings) > self._capacity:
                    self._listings.popitem(last=False)
        return listing


_RECENT = _RecentListings(capacity=8)


def _scan(directory: DirectoryHandle) -> list[tuple[str, str]]:
    """The (name, kind) pairs of the open directory, sorted by name.

    Like `walking.sorted_entries`, but sorts the bare names, which costs half as much as sorting
    the pairs at 10,000 entries; an entry that vanished while being listed is left out.
    """
    with directory.scandir() as scan:
        kinds = {
            entry.name: "directory"
            if entry.is_dir(follow_symlinks=False)
            else "file"
            if entry.is_file(follow_symlinks=False)
            else entry_kind(entry)
            for entry in scan
        }
    return [(name, kind) for name in sorted(kinds) if (kind := kinds[name])]


@dataclass(frozen=True)
class _Shown:
    """A page of a directory's entries, each as its text line and its structured entry."""

    path: str
    page: Page[tuple[str, dict[str, Any]]]
    request: PageRequest

    @property
    def lines(self) -> list[str]:
        return [line for line, _ in self.page.items]

    def wire(self) -> dict[str, Any]:
        """The page as a `DirectoryListing` on the wire, built directly: validating thousands of
        entries into models only to dump them again took longer than listing the directory."""
        listing: dict[str, Any] = {
            "path": self.path,
            "entries": [entry for _, entry in self.page.items],
            "total": self.page.total,
        }
        if (cursor := self.request.next_cursor(self.page)) is not None:
            listing["nextCursor"] = cursor
        return listing

    def note(self) -> str | None:
        return join_notes(self.request.note(self.page, "entry"))


def _listed(
    jail: PathJail, path: str, request: PageRequest, budget: int, *, sized: bool, by_size: bool = False
) -> tuple[_Shown, _Listing, dict[str, int] | None]:
    """The page `request` asks for, the listing it comes from, and the file sizes when `sized`."""
    canonical = jail.resolve(path)
    with jail.open_directory(canonical) as directory:
        listing = _RECENT.listing(directory)
        sizes = listing.sizes(directory, fresh=request.start == 0) if sized else None
        items = listing.items if sizes is None or not by_size else listing.by_size(sizes)
        page = _fill(
            jail, canonical, directory, items, request.pager(max_chars=room_for_items(budget)), sizes
        )
    return _Shown(jail.display(canonical), page, request), listing, sizes


def _fill(
    jail: PathJail,
    directory: Path,
    handle: DirectoryHandle,
    items: list[tuple[str, str]],
    pager: Pager[tuple[str, dict[str, Any]]],
    sizes: dict[str, int] | None,
) -> Page[tuple[str, dict[str, Any]]]:
    """The entries of the pager's page, described in both forms; only those shown are looked at."""
    pager.count(pager.start)  # the entries of earlier pages, skipped unseen
    for name, kind in itertools.islice(items, pager.start, None):
        entry: dict[str, Any] = {"name": name, "type": kind}
        target = _link_target(jail, directory, handle, name) if kind == "symlink" else None
        if sizes is None:
            line = _line(name, kind, target)
        else:
            line = _sized_line(name, kind, sizes.get(name), target)
            if name in sizes:
                entry["size"] = sizes[name]
        if target:
            entry["target"] = target
        if not pager.offer((line, entry), len(line) + 1):
            break
    return pager.page(len(items))


def _size(directory: DirectoryHandle, name: str) -> int:
    try:
        return directory.entry(name).st_size
    except OSError:
        return 0  # removed since it was listed


def _link_target(jail: PathJail, directory: Path, handle: DirectoryHandle, name: str) -> str | None:
    """The symlink's text, if where it leads is inside the jail (a dangling link inside counts)."""
    try:
        target = handle.readlink(name)
    except OSError:
        return None
    return target if jail.is_inside(directory / name) else None


def _line(name: str, kind: str, target: str | None) -> str:
    tag = _TAGS.get(kind, "[OTHER]")
    if kind == "symlink":
        return f"{tag} {name} -> {target or _OUTSIDE}"
    return f"{tag} {name}"


def _sized_line(name: str, kind: str, size: int | None, target: str | None) -> str:
    tag = _TAGS.get(kind, "[OTHER]")
    if kind == "symlink":
        return f"{tag} {name:<30} -> {target or _OUTSIDE}"
    shown = "" if size is None else f"{_format_size(size):>10}"
    return f"{tag} {name:<30} {shown}"


def _format_size(size: int) -> str:
    """Sizes as the reference prints them: "0 B", "512 B", "1.50 KB"."""
    if size <= 0:
        return "0 B"
    exponent = 0
    while exponent < len(_SIZE_UNITS) - 1 and size >= 1024 ** (exponent + 1):
        exponent += 1
    if exponent == 0:
        return f"{size} B"
    return f"{size / 1024**exponent:.2f} {_SIZE_UNITS[exponent]}"


def _list(jail: PathJail, path: str, request: PageRequest, budget: int) -> types.CallToolResult:
    shown, _, _ = _listed(jail, path, request, budget, sized=False)
    empty = "(empty directory)" if not request.start else ""  # a later page has its note
    text = "\n".join(shown.lines) if shown.lines else empty
    return tool_result(with_note(text, shown.note()), shown.wire())


def _list_with_sizes(
    jail: PathJail, path: str, sort_by: str, request: PageRequest, budget: int
) -> types.CallToolResult:
    shown, listing, sizes = _listed(jail, path, request, budget, sized=True, by_size=sort_by == "size")
    directories = sum(kind == "directory" for _, kind in listing.items)
    files = len(listing.items) - directories  # everything else, as the reference counts
    combined = sum((sizes or {}).values())
    lines = [
        *shown.lines,
        "",
        f"Total: {files} files, {directories} directories",
        f"Combined size: {_format_size(combined)}",
    ]
    sized_listing = {**shown.wire(), "files": files, "directories": directories, "combinedSize": combined}
    return tool_result(with_note("\n".join(lines), shown.note()), sized_listing)


# -- directory_tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    path: str
    name: str
    kind: str
    depth: int

    @property
    def parent(self) -> str:
        return self.path.rpartition("/")[0]


def _tree(
    jail: PathJail, path: str, options: WalkOptions, budget: int, gitignore: bool, progress: Progress
) -> types.CallToolResult:
    with TreeWalk(jail, path, options) as walk:
        seen: list[_Seen] = []
        listed: set[str] = set()  # the directories whose entries were read
        for directory in walk:
            listed.add(directory.path)
            seen.extend(
                _Seen(directory.path_of(name), name, kind, directory.depth)
                for name, kind in directory.entries
            )
            progress.update(len(seen))
            if len(seen) >= _TREE_SCAN_LIMIT:
                break
        complete = len(seen) < _TREE_SCAN_LIMIT and not walk.timed_out
        start, ignored = walk.start, walk.skipped.ignored
    chosen = _shallow_first(seen, budget)
    nodes = _nested(seen, chosen, listed)
    text = json.dumps([node.model_dump(exclude_none=True) for node in nodes], indent=2, ensure_ascii=False)
    note = _tree_note(len(chosen), len(seen), complete, ignored, gitignore)
    tree = DirectoryTree(
        path=jail.display(start),
        tree=nodes,
        shown=len(chosen),
        total=len(seen),
        complete=complete,
        ignored=ignored,
        note=note,
    )
    return tool_result(f"{text}\n\n[{note}]" if note else text, tree)


def _shallow_first(seen: list[_Seen], budget: int) -> set[str]:
    """The paths to show: whole levels from the top while they fit, so every parent is shown."""
    chosen: set[str] = set()
    spent = 0
    for entry in sorted(seen, key=lambda item: item.depth):  # stable: walk order within a level
        spent += _tree_cost(entry)
        if spent > budget:
            break
        chosen.add(entry.path)
    return chosen


def _tree_cost(entry: _Seen) -> int:
    """An upper bound on what an entry adds to the 2-space-indented JSON text."""
    indent = 4 * entry.depth
    cost = 4 * indent + len(entry.name) * 2 + 48
    return cost + 3 * indent + 32 if entry.kind == "directory" else cost


def _nested(seen: list[_Seen], chosen: set[str], listed: set[str]) -> list[TreeNode]:
    """Build the nested nodes of the chosen entries, in walk order; a directory not listed (maxDepth,
    a deadline) or not shown whole is marked truncated."""
    found = Counter(entry.parent for entry in seen)
    shown = Counter(entry.parent for entry in seen if entry.path in chosen)
    top: list[TreeNode] = []
    directories: dict[str, list[TreeNode]] = {}
    for entry in seen:
        if entry.path not in chosen:
            continue
        node = TreeNode(name=entry.name, type=entry.kind)
        if entry.kind == "directory":
            node.children = directories[entry.path] = []
            if entry.path not in listed or shown[entry.path] < found[entry.path]:
                node.truncated = True
        directories.get(entry.parent, top).append(node)
    return top


def _tree_note(shown: int, total: int, complete: bool, ignored: int, gitignore: bool) -> str | None:
    parts: list[str] = []
    if shown < total:
        more = f"{total - shown:,}" if complete else f"at least {total - shown:,}"
        parts.append(
            f"Showed {_entries(shown)}, the shallowest first; {more} more not shown. Directories "
            'marked "truncated" were not fully listed: call directory_tree on one of them, '
            "or pass a smaller maxDepth"
        )
    elif not complete:
        parts.append(
            "The walk stopped before the end of this very large tree; directories marked "
            '"truncated" were not listed: call directory_tree on one of them, or pass a smaller maxDepth'
        )
    if ignored and gitignore:
        parts.append(f"{_entries(ignored)} ignored by .gitignore left out")
    return "; ".join(parts) + "." if parts else None


def _entries(count: int) -> str:
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


# -- get_file_info --------------------------------------------------------------------------------


def _timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _info(jail: PathJail, path: str, follow: bool) -> types.CallToolResult:
    canonical, holder, name = jail.open_holder(path, follow_symlinks=follow)
    target: str | None = None
    with holder:
        info = holder.entry(name)
        if stat.S_ISLNK(info.st_mode):
            target = _link_target(jail, canonical.parent, holder, name)
    kind = file_kind(info.st_mode)
    birth = getattr(info, "st_birthtime", None)
    details = FileInfo(
        path=jail.display(canonical),
        size=info.st_size,
        created=_timestamp(birth) if birth is not None else None,
        modified=_timestamp(info.st_mtime),
        accessed=_timestamp(info.st_atime),
        is_directory=kind == "directory",
        is_file=kind == "file",
        permissions=f"{stat.S_IMODE(info.st_mode) & 0o777:03o}",
        type=kind,
        target=target,
    )
    return tool_result(_info_text(details), details)


def _info_text(details: FileInfo) -> str:
    fields: dict[str, Any] = {
        "size": details.size,
        "created": details.created.isoformat() if details.created else "unknown (not reported here)",
        "modified": details.modified.isoformat(),
        "accessed": details.accessed.isoformat(),
        "isDirectory": json.dumps(details.is_directory),
        "isFile": json.dumps(details.is_file),
        "permissions": details.permissions,
        "type": details.type,
    }
    if details.type == "symlink":
        fields["target"] = details.target or _OUTSIDE
    return "\n".join(f"{key}: {value}" for key, value in fields.items())


# -- registration ---------------------------------------------------------------------------------

_Path = Annotated[str, Field(description="A directory: absolute, or relative to the first allowed one.")]
_Cursor = Annotated[
    str | None, Field(description="The cursor a previous page ended with; omit it for the first page.")
]


def register(server: MooringsServer, workspace: Workspace) -> None:
    settings = workspace.settings

    @server.tool(title="List allowed directories", read_only=True)
    async def list_allowed_directories(
        ctx: ToolContext,
    ) -> Annotated[types.CallToolResult, AllowedDirectories]:
        """List the directories this server may access (subdirectories included).

        Call this first to learn where you can work; other tools accept absolute paths inside these,
        or paths relative to the first one.
        """
        jail = await workspace.jail_for(ctx.request_context)
        directories = [str(root) for root in jail.roots]
        text = "Allowed directories:\n" + "\n".join(directories)
        if jail.read_only:
            text += "\n(read-only: every change is refused)"
        return tool_result(text, AllowedDirectories(directories=directories, read_only=jail.read_only))

    @server.tool(title="List directory", read_only=True)
    async def list_directory(
        path: _Path, ctx: ToolContext, cursor: _Cursor = None
    ) -> Annotated[types.CallToolResult, DirectoryListing]:
        """List a directory's entries in name order, one per line: "[FILE] name", "[DIR] name".

        Symlinks are shown, not followed, as "[LINK] name -> target"; FIFOs, sockets and devices as
        "[FIFO] name", "[SOCKET] name", "[DEVICE] name". A large directory comes in pages: the result
        ends with a cursor to pass back for the next one.
        """
        jail = await workspace.jail_for(ctx.request_context)
        request = PageRequest("list_directory", cursor, path=path)
        return await run_blocking(_list, jail, path, request, settings.max_output_chars)

    @server.tool(title="List directory with sizes", read_only=True)
    async def list_directory_with_sizes(
        path: _Path,
        ctx: ToolContext,
        sortBy: Annotated[  # noqa: N803 - the reference server's parameter name
            Literal["name", "size"], Field(description="Sort entries by name or size (largest first).")
        ] = "name",
        cursor: _Cursor = None,
    ) -> Annotated[types.CallToolResult, SizedListing]:
        """List a directory's entries with the size of each file, then totals for the directory.

        Lines read "[FILE] name  size" and "[DIR] name"; symlinks are shown as "[LINK] name -> target"
        and not followed. Totals count the whole directory (not recursive), even when the listing
        comes in pages (pass the cursor back for the next page).
        """
        jail = await workspace.jail_for(ctx.request_context)
        request = PageRequest("list_directory_with_sizes", cursor, path=path, sortBy=sortBy)
        return await run_blocking(_list_with_sizes, jail, path, sortBy, request, settings.max_output_chars)

    @server.tool(title="Directory tree", read_only=True)
    async def directory_tree(
        path: _Path,
        ctx: ToolContext,
        excludePatterns: Annotated[  # noqa: N803 - the reference server's parameter name
            tuple[str, ...],
            Field(
                description="Globs to leave out, with what is below them: a pattern without a slash "
                "matches a name at any depth ('node_modules', '*.log'); one with a slash matches the "
                "path from `path` ('src/gen/**')."
            ),
        ] = (),
        maxDepth: Annotated[  # noqa: N803 - named in the reference's style
            int | None, Field(ge=1, description="Levels to show; 1 lists only `path`'s own entries.")
        ] = None,
        includeIgnored: Annotated[  # noqa: N803
            bool, Field(description="Also show what .gitignore files exclude (and .git).")
        ] = False,
    ) -> Annotated[types.CallToolResult, DirectoryTree]:
        """Get a recursive tree of files and directories as JSON: each entry has 'name' and 'type'
        (file, directory, symlink, ...), and directories have 'children'.

        Symlinks are shown, never entered. Entries ignored by .gitignore are left out unless
        includeIgnored is true. A big tree is cut to fit: the shallow levels are kept, directories
        not fully listed get "truncated": true, and a note says how many entries were left out;
        call again on a subdirectory or with a smaller maxDepth.
        """
        jail = await workspace.jail_for(ctx.request_context)
        gitignore = settings.follow_gitignore and not includeIgnored
        options = WalkOptions(
            gitignore=gitignore,
            exclude=PathPatterns(excludePatterns),
            max_depth=maxDepth,
            deadline=work_deadline(),
        )
        async with reporting_progress(ctx, counted("entries listed")) as progress:
            return await run_blocking(
                _tree, jail, path, options, settings.max_output_chars, gitignore, progress
            )

    @server.tool(title="Get file info", read_only=True)
    async def get_file_info(
        path: Annotated[str, Field(description="A file or directory inside the allowed directories.")],
        ctx: ToolContext,
        followSymlinks: Annotated[  # noqa: N803
            bool, Field(description="Describe what a final symlink points to, instead of the link.")
        ] = False,
    ) -> Annotated[types.CallToolResult, FileInfo]:
        """Get metadata of a file or directory without reading it: size, created, modified and
        accessed times (ISO 8601, UTC), isDirectory, isFile, permissions (octal) and type.

        A symlink is described itself (type: symlink, with its target) unless followSymlinks is true.
        """
        jail = await workspace.jail_for(ctx.request_context)
        return await run_blocking(_info, jail, path, followSymlinks)
