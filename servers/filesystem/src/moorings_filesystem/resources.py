"""The allowed files as MCP resources: read by `file://` URI, listed cheaply, watched for subscribers.

- `resources/templates/list` offers `file:///{+path}`: any file inside the allowed directories.
  A read goes through the request's jail (`open_file`), like every tool: UTF-8 text comes back as
  text typed by its name, anything else as a base64 blob typed by its content, then its name
  (`moorings_core.media`, as the git server types a file at a revision). A
  file over `--max-read-bytes` is refused with a pointer to the ranged reads; a directory reads
  as its entries, one `[DIR] name`, `[FILE] name` or `[LINK] name` line each.
- `resources/list` names only the allowed directories (as narrowed by the client's roots):
  walking the tree to name every file would be slow on a big tree and of no use to a client.
- Subscriptions, in both eras, are the core's: it asks `check_subscription` first, which resolves
  the URI through the subscribing request's jail (so nothing is watched that the request could not
  read), and hands the canonical path it returns to `watch` when the URI gains its first listener.
  `FileWatcher` does the watching. A client's `roots/list_changed` changes the resource list
  (wired in `server.py`).

`MCPServer` gives a resource template one fixed MIME type, so the core answers the resource
requests from this provider (`MooringsServer.add_resources`); every resource here is a file or a
directory.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import mcp_types as types

from moorings_core import (
    FileWatcher,
    InvalidInput,
    LimitExceeded,
    PathJail,
    RequestContext,
    ResourceContents,
    ResourceSubscriptions,
    WatchedUris,
    run_blocking,
    truncate_text,
)
from moorings_core.media import file_contents
from moorings_core.server import root_to_path
from moorings_filesystem.workspace import Workspace

__all__ = ["FILE_TEMPLATE", "FileResources"]

FILE_TEMPLATE = "file:///{+path}"
"""Any file inside the allowed directories; `{+path}` keeps the slashes of an absolute path."""

_DIRECTORY_TYPE = "inode/directory"


class FileResources:
    """The server's resources: allowed files by URI, the allowed directories, and their watchers.

    Serve it with `server.add_resources(resources, list_changes=True)` and host its watcher with
    `server.hold_while_serving(resources.watcher.hosted)`.
    """

    def __init__(self, workspace: Workspace, subscriptions: ResourceSubscriptions) -> None:
        self._files: WatchedUris[Path] = WatchedUris(subscriptions)  # URI -> the canonical file
        self.watcher = FileWatcher(on_change=self._files.publish_updated)
        self._workspace = workspace

    async def list_resources(self, request: RequestContext) -> Sequence[types.Resource]:
        jail = await self._workspace.jail_for(request)
        return [_directory_resource(root) for root in jail.roots]

    async def list_templates(self, request: RequestContext) -> Sequence[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(
                uri_template=FILE_TEMPLATE,
                name="file",
                title="File in an allowed directory",
                description="Any file inside the allowed directories, by absolute path: text comes back as "
                "text, anything else as base64. Files over the read limit are refused; read them in parts "
                "with the tools. A directory reads as its entries.",
            )
        ]

    async def read(self, request: RequestContext, uri: str) -> ResourceContents:
        jail = await self._workspace.jail_for(request)
        settings = self._workspace.settings
        return await run_blocking(_contents, jail, uri, settings.max_read_bytes, settings.max_output_chars)

    async def check_subscription(self, request: RequestContext, uri: str) -> Path:
        """The canonical file `uri` names, if this request could read it (else the refusal)."""
        return await run_blocking(_watchable, await self._workspace.jail_for(request), uri)

    async def watch(self, uri: str, target: Path) -> None:
        """`uri` gained its first listener: watch the file `check_subscription` allowed."""
        self._files.add(uri, target)
        await self.watcher.watch(target)

    async def unwatch(self, uri: str) -> None:
        """`uri` lost its last listener (unsubscribed, stream ended, disconnected, exit)."""
        path = self._files.remove(uri)
        if path is not None:
            await self.watcher.unwatch(path)


def _directory_resource(root: Path) -> types.Resource:
    return types.Resource(
        uri=root.as_uri(),
        name=root.name or str(root),
        title=str(root),
        description="An allowed directory. Read it for its entries; the files inside are resources "
        f"too ({FILE_TEMPLATE}).",
        mime_type=_DIRECTORY_TYPE,
    )


# -- blocking work (run in a worker thread) -----------------------------------------------------


def _path_of(uri: str) -> Path:
    path = root_to_path(uri)
    parts = urlsplit(uri)
    if path is None or parts.query or parts.fragment or not path.is_absolute():
        raise InvalidInput(
            f"'{uri}' is not a file:// URI of a local path. This server's resources are "
            "file:///absolute/path inside the allowed directories; resources/list names them."
        )
    return path


def _watchable(jail: PathJail, uri: str) -> Path:
    canonical = jail.resolve(_path_of(uri))
    if canonical.is_dir():
        raise InvalidInput(f"'{uri}' is a directory; subscriptions watch files. Subscribe to a file in it.")
    return canonical


def _contents(
    jail: PathJail, uri: str, max_bytes: int, max_chars: int
) -> types.TextResourceContents | types.BlobResourceContents:
    canonical = jail.resolve(_path_of(uri))
    if canonical.is_dir():
        return _directory_contents(jail, canonical, uri, max_chars)
    return _file_contents(jail, canonical, uri, max_bytes)


def _file_contents(
    jail: PathJail, canonical: Path, uri: str, max_bytes: int
) -> types.TextResourceContents | types.BlobResourceContents:
    with os.fdopen(jail.open_file(canonical), "rb") as file:
        size = os.fstat(file.fileno()).st_size
        data = b"" if size > max_bytes else file.read(max_bytes + 1)
    if size > max_bytes or len(data) > max_bytes:
        raise LimitExceeded(
            f"'{canonical}' is {max(size, len(data)):,} bytes; a resource is read whole only up to "
            f"{max_bytes:,} bytes (--max-read-bytes). Read it in parts with the read_text_file tool "
            "(head or tail) instead."
        )
    return file_contents(uri, canonical.name, data)


def _directory_contents(
    jail: PathJail, canonical: Path, uri: str, max_chars: int
) -> types.TextResourceContents:
    with jail.open_directory(canonical) as directory, directory.scandir() as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
        lines = [f"{_marker(entry)} {entry.name}" for entry in entries]
    listing = truncate_text(
        "\n".join(lines), max_chars, how_to_continue="page through it with list_directory"
    )
    return types.TextResourceContents(uri=uri, mime_type="text/plain", text=listing.text)


def _marker(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "[LINK]"
    if entry.is_dir(follow_symlinks=False):
        return "[DIR]"
    return "[FILE]" if entry.is_file(follow_symlinks=False) else "[OTHER]"
