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

import json
import os
import stat
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

import mcp_types as types
from mcp.server.mcpserver import Context
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from moorings_core.limits import decode_cursor, encode_cursor, run_blocking
from moorings_core.sandbox.paths import PathJail
from moorings_core.server import MooringsServer
from moorings_filesystem.globs import PathPatterns
from moorings_filesystem.walking import TreeWalk, WalkOptions, deadline_for, mode_kind, sorted_entries
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
_MAX_PAGE = 1_000  # entries per listing page, whatever the budget
# What an entry costs beyond its name, in the larger of its text line and its structured form.
_ENTRY_OVERHEAD = 36
_SIZED_ENTRY_OVERHEAD = 56  # the sizes table pads names to 30 characters
_CACHED_ENTRIES = 200_000  # a bigger directory is listed again for each page, not kept in memory
_RACY_NS = 2 * 10**9
_TREE_SCAN_LIMIT = 200_000  # entries a tree walk looks at before it stops counting
_SIZE_UNITS = ("B", "KB", "MB", "GB", "TB")


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class AllowedDirectories(_Model):
    directories: list[str] = Field(description="Absolute paths of the directories this server may touch.")
    read_only: bool = Field(description="Whether every write is refused.")


class DirectoryEntry(_Model):
    name: str
    type: str = Field(description="file, directory, symlink, fifo, socket, device or other.")
    size: int | None = Field(None, description="Bytes, for regular files (list_directory_with_sizes).")
    target: str | None = Field(
        None, description="What a symlink points to; omitted when that is outside the allowed directories."
    )


class DirectoryListing(_Model):
    path: str = Field(description="The directory listed, as an absolute path.")
    entries: list[DirectoryEntry] = Field(description="This page of entries.")
    total: int = Field(description="How many entries the directory has.")
    next_cursor: str | None = Field(None, description="Pass back as `cursor` for the next page.")


class SizedListing(DirectoryListing):
    files: int = Field(description="Entries that are not directories, in the whole directory.")
    directories: int = Field(description="Subdirectories, in the whole directory.")
    combined_size: int = Field(description="Bytes in the directory's regular files (not recursive).")


class TreeNode(_Model):
    name: str
    type: str = Field(description="file, directory, symlink, fifo, socket, device or other.")
    children: list[TreeNode] | None = Field(None, description="For directories: the entries shown.")
    truncated: bool | None = Field(
        None, description="True on a directory whose entries were not all listed (cut or maxDepth)."
    )


class DirectoryTree(_Model):
    path: str = Field(description="The directory the tree starts at.")
    tree: list[TreeNode]
    shown: int = Field(description="Entries in `tree`.")
    total: int = Field(description="Entries found (at least this many when `complete` is false).")
    complete: bool = Field(description="Whether the walk saw the whole tree (it stops counting eventually).")
    ignored: int = Field(description="Entries left out by .gitignore (an ignored directory counts once).")
    note: str | None = Field(None, description="What was left out and how to see it.")


class FileInfo(_Model):
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


def _result(text: str, structured: BaseModel | dict[str, Any]) -> types.CallToolResult:
    """The reference's text for the model to read, and the object for programs (the SDK checks it
    against the tool's output model either way)."""
    if isinstance(structured, BaseModel):
        structured = structured.model_dump(mode="json", by_alias=True, exclude_none=True)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured
    )


# -- list_directory and list_directory_with_sizes --------------------------------------------------
#
# A directory may hold 10,000 entries or more: they are listed as plain tuples, sorted, and only
# the page shown is described further (symlink targets) and turned into the structured form.


@dataclass(frozen=True)
class _Page:
    """The entries shown: `items[start:end]` of the sorted (name, kind) pairs, with the sizes of the
    directory's files (when asked for) and the targets of the shown symlinks."""

    path: str
    items: list[tuple[str, str]]
    start: int
    end: int
    sizes: dict[str, int] | None
    targets: dict[str, str | None]

    @property
    def shown(self) -> list[tuple[str, str]]:
        return self.items[self.start : self.end]

    @property
    def next_cursor(self) -> str | None:
        return encode_cursor(self.end) if self.end < len(self.items) else None

    def entries(self) -> list[dict[str, Any]]:
        """The shown entries as the structured result spells them (see `DirectoryEntry`)."""
        described: list[dict[str, Any]] = []
        for name, kind in self.shown:
            entry: dict[str, Any] = {"name": name, "type": kind}
            if self.sizes is not None and name in self.sizes:
                entry["size"] = self.sizes[name]
            if self.targets.get(name):
                entry["target"] = self.targets[name]
            described.append(entry)
        return described


class _RecentListings:
    """The sorted entries of the last few big directories listed, so that their next pages are not
    listed again and every page comes from one snapshot.

    A listing is reused only while the directory's identity and change times stay the same (adding,
    removing or renaming an entry updates them). Timestamps are coarse, so a directory changed in
    the last `_RACY_NS` is not kept, as git does with its "racy" index entries. The directory was
    opened through this call's jail, so a listing is only ever served to a caller allowed to read it.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._listings: OrderedDict[tuple[int, int], tuple[tuple[int, int], list[tuple[str, str]]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()  # tools run in worker threads

    def entries(self, fd: int) -> list[tuple[str, str]]:
        """The sorted (name, kind) pairs of the open directory `fd`; callers must not change the list."""
        info = os.fstat(fd)
        key, stamp = (info.st_dev, info.st_ino), (info.st_mtime_ns, info.st_ctime_ns)
        with self._lock:
            cached = self._listings.get(key)
            if cached is not None and cached[0] == stamp:
                self._listings.move_to_end(key)
                return cached[1]
        entries = sorted_entries(fd)
        settled = time.time_ns() - max(stamp) > _RACY_NS
        if _MAX_PAGE < len(entries) <= _CACHED_ENTRIES and settled:
            with self._lock:
                self._listings[key] = (stamp, entries)
                while len(self._listings) > self._capacity:
                    self._listings.popitem(last=False)
        return entries


_RECENT = _RecentListings(capacity=8)


def _listed(
    jail: PathJail, path: str, cursor: str | None, budget: int, *, sizes: bool, by_size: bool = False
) -> _Page:
    canonical = jail.resolve(path)
    fd = jail.open_directory(canonical)
    try:
        items = _RECENT.entries(fd)
        file_sizes = {name: _size(fd, name) for name, kind in items if kind == "file"} if sizes else None
        if file_sizes is not None and by_size:  # largest first, as the reference; then the rest
            items = sorted(items, key=lambda item: file_sizes.get(item[0], -1), reverse=True)
        overhead = _SIZED_ENTRY_OVERHEAD if sizes else _ENTRY_OVERHEAD
        start, end = _bounds(items, cursor, budget, overhead)
        targets = {
            name: _link_target(jail, canonical, fd, name)
            for name, kind in items[start:end]
            if kind == "symlink"
        }
    finally:
        os.close(fd)
    return _Page(jail.display(canonical), items, start, end, file_sizes, targets)


def _size(fd: int, name: str) -> int:
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False).st_size
    except OSError:
        return 0  # removed since it was listed


def _link_target(jail: PathJail, directory: Path, fd: int, name: str) -> str | None:
    """The symlink's text, if where it leads is inside the jail (a dangling link inside counts)."""
    try:
        target = os.readlink(name, dir_fd=fd)
    except OSError:
        return None
    return target if jail.is_inside(directory / name) else None


def _bounds(items: list[tuple[str, str]], cursor: str | None, budget: int, overhead: int) -> tuple[int, int]:
    """The [start, end) of the page at `cursor`: as many entries as fit the output budget."""
    start = min(decode_cursor(cursor), len(items))
    spent = 0
    end = start
    while end < len(items) and end - start < _MAX_PAGE:
        spent += len(items[end][0]) + overhead
        if spent > budget and end > start:
            break
        end += 1
    return start, end


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


def _page_note(tool: str, page: _Page) -> str:
    if page.next_cursor is None:
        return ""
    return (
        f"\n\n[Showed entries {page.start + 1:,}-{page.end:,} of {len(page.items):,}; call {tool} "
        f'again with cursor "{page.next_cursor}" for the next page.]'
    )


def _nothing_shown(total: int) -> str:
    return f"(no more entries: all {total:,} were on earlier pages)" if total else "(empty directory)"


def _list(jail: PathJail, path: str, cursor: str | None, budget: int) -> types.CallToolResult:
    page = _listed(jail, path, cursor, budget, sizes=False)
    lines = [_line(name, kind, page.targets.get(name)) for name, kind in page.shown]
    text = "\n".join(lines) if lines else _nothing_shown(len(page.items))
    structured = {"path": page.path, "entries": page.entries(), "total": len(page.items)}
    if page.next_cursor is not None:
        structured["nextCursor"] = page.next_cursor
    return _result(text + _page_note("list_directory", page), structured)  # a `DirectoryListing`


def _list_with_sizes(
    jail: PathJail, path: str, sort_by: str, cursor: str | None, budget: int
) -> types.CallToolResult:
    page = _listed(jail, path, cursor, budget, sizes=True, by_size=sort_by == "size")
    sizes = page.sizes or {}
    directories = sum(kind == "directory" for _, kind in page.items)
    files = len(page.items) - directories  # everything else, as the reference counts
    combined = sum(sizes.values())
    lines = [_sized_line(name, kind, sizes.get(name), page.targets.get(name)) for name, kind in page.shown]
    lines += [
        "",
        f"Total: {files} files, {directories} directories",
        f"Combined size: {_format_size(combined)}",
    ]
    structured = {
        "path": page.path,
        "entries": page.entries(),
        "total": len(page.items),
        "files": files,
        "directories": directories,
        "combinedSize": combined,
    }
    if page.next_cursor is not None:
        structured["nextCursor"] = page.next_cursor
    text = "\n".join(lines) + _page_note("list_directory_with_sizes", page)
    return _result(text, structured)  # a `SizedListing`


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
    jail: PathJail, path: str, options: WalkOptions, budget: int, gitignore: bool
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
    return _result(f"{text}\n\n[{note}]" if note else text, tree)


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
    canonical = jail.resolve(path, follow_symlinks=follow)
    target: str | None = None
    if canonical in jail.roots:
        fd = jail.open_directory(canonical)
        try:
            info = os.fstat(fd)
        finally:
            os.close(fd)
    else:
        dir_fd, name = jail.open_parent(canonical, intent="read")
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                target = _link_target(jail, canonical.parent, dir_fd, name)
        finally:
            os.close(dir_fd)
    kind = mode_kind(info.st_mode)
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
    return _result(_info_text(details), details)


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
    async def list_allowed_directories(ctx: Context) -> Annotated[types.CallToolResult, AllowedDirectories]:
        """List the directories this server may access (subdirectories included).

        Call this first to learn where you can work; other tools accept absolute paths inside these,
        or paths relative to the first one.
        """
        jail = await workspace.jail_for(ctx)
        directories = [str(root) for root in jail.roots]
        text = "Allowed directories:\n" + "\n".join(directories)
        if jail.read_only:
            text += "\n(read-only: every change is refused)"
        return _result(text, AllowedDirectories(directories=directories, read_only=jail.read_only))

    @server.tool(title="List directory", read_only=True)
    async def list_directory(
        path: _Path, ctx: Context, cursor: _Cursor = None
    ) -> Annotated[types.CallToolResult, DirectoryListing]:
        """List a directory's entries in name order, one per line: "[FILE] name", "[DIR] name".

        Symlinks are shown, not followed, as "[LINK] name -> target"; FIFOs, sockets and devices as
        "[FIFO] name", "[SOCKET] name", "[DEVICE] name". A large directory comes in pages: the result
        ends with a cursor to pass back for the next one.
        """
        jail = await workspace.jail_for(ctx)
        return await run_blocking(_list, jail, path, cursor, settings.max_output_chars)

    @server.tool(title="List directory with sizes", read_only=True)
    async def list_directory_with_sizes(
        path: _Path,
        ctx: Context,
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
        jail = await workspace.jail_for(ctx)
        return await run_blocking(_list_with_sizes, jail, path, sortBy, cursor, settings.max_output_chars)

    @server.tool(title="Directory tree", read_only=True)
    async def directory_tree(
        path: _Path,
        ctx: Context,
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
        jail = await workspace.jail_for(ctx)
        gitignore = settings.follow_gitignore and not includeIgnored
        options = WalkOptions(
            gitignore=gitignore,
            exclude=PathPatterns(excludePatterns),
            max_depth=maxDepth,
            deadline=deadline_for(settings.call_timeout),
        )
        return await run_blocking(_tree, jail, path, options, settings.max_output_chars, gitignore)

    @server.tool(title="Get file info", read_only=True)
    async def get_file_info(
        path: Annotated[str, Field(description="A file or directory inside the allowed directories.")],
        ctx: Context,
        followSymlinks: Annotated[  # noqa: N803
            bool, Field(description="Describe what a final symlink points to, instead of the link.")
        ] = False,
    ) -> Annotated[types.CallToolResult, FileInfo]:
        """Get metadata of a file or directory without reading it: size, created, modified and
        accessed times (ISO 8601, UTC), isDirectory, isFile, permissions (octal) and type.

        A symlink is described itself (type: symlink, with its target) unless followSymlinks is true.
        """
        jail = await workspace.jail_for(ctx)
        return await run_blocking(_info, jail, path, followSymlinks)
