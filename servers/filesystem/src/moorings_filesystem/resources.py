"""The allowed files as MCP resources: read by `file://` URI, listed cheaply, watched for subscribers.

- `resources/templates/list` offers `file:///{+path}`: any file inside the allowed directories.
  A read goes through the request's jail (`open_file`), like every tool: UTF-8 text comes back as
  text typed by its name, anything else as a base64 blob typed by its content, then its name. A
  file over `--max-read-bytes` is refused with a pointer to the ranged reads; a directory reads
  as its entries, one `[DIR] name`, `[FILE] name` or `[LINK] name` line each.
- `resources/list` names only the allowed directories (as narrowed by the client's roots):
  walking the tree to name every file would be slow on a big tree and of no use to a client.
- Subscriptions, in both eras, are the core's `ResourceSubscriptions`. A middleware checks each
  URI against the request's jail *before* the core counts a listener, and hands the canonical
  path to the core's first-listener callback through a context variable, so nothing is watched
  that the subscribing request could not read. `FileWatcher` does the watching. A client's
  `roots/list_changed` changes the resource list (wired in `server.py`).

`MCPServer` gives a resource template one fixed MIME type, so this module serves the three
resource requests itself (`MooringsServer.serve_resources`); every resource here is a file or a directory.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

import mcp_types as types
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from moorings_core.errors import InvalidInput, LimitExceeded, MooringsError, OperationFailed
from moorings_core.limits import run_blocking, truncate_text
from moorings_core.sandbox.paths import PathJail
from moorings_core.server import MooringsServer, ResourceSubscriptions, root_to_path
from moorings_core.watching import FileWatcher
from moorings_filesystem.settings import FilesystemSettings
from moorings_filesystem.tools._media import SNIFF_BYTES, media_type
from moorings_filesystem.workspace import Workspace

__all__ = ["FILE_TEMPLATE", "FileResources"]

FILE_TEMPLATE = "file:///{+path}"
"""Any file inside the allowed directories; `{+path}` keeps the slashes of an absolute path."""

_DIRECTORY_TYPE = "inode/directory"
_BINARY_TYPE = "application/octet-stream"
_TEXTUAL_APPLICATION_TYPES = frozenset(
    {"application/json", "application/xml", "application/javascript", "application/x-sh"}
    | {"application/yaml", "application/toml"}
)
# Common text formats Python's built-in table does not know.
_EXTRA_TYPES = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
}

# The canonical paths the current request was allowed to subscribe to, by URI (see the docstring).
_approved: ContextVar[Mapping[str, Path]] = ContextVar("moorings_filesystem_approved")


class FileResources:
    """The server's resources: allowed files by URI, the allowed directories, and their watchers."""

    def __init__(self) -> None:
        self.subscriptions = ResourceSubscriptions(on_watch=self._watch, on_unwatch=self._unwatch)
        self._watcher = FileWatcher(on_change=self._changed)
        self._paths: dict[str, Path] = {}  # watched URI -> the canonical file it names
        self._uris: dict[Path, set[str]] = {}  # and back: the watched URIs that name a file
        self._workspace: Workspace | None = None

    def register(self, server: MooringsServer, workspace: Workspace) -> None:
        """Serve the resource requests on `server`; `server` must use `self.subscriptions`."""
        self._workspace = workspace
        server.serve_resources(
            list_resources=self._list, list_templates=self._list_templates, read_resource=self._read
        )
        chain = server.mcp.middleware  # ours must run before the core's counts a listen stream's URIs
        chain.insert(chain.index(self.subscriptions.middleware), self._check_subscriptions)
        server.hold_while_serving(self._watcher.hosted)

    # -- requests -------------------------------------------------------------------------------

    async def _list(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams
    ) -> types.ListResourcesResult:
        jail = await self._jail(ctx)
        return types.ListResourcesResult(resources=[_directory_resource(root) for root in jail.roots])

    async def _list_templates(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams
    ) -> types.ListResourceTemplatesResult:
        template = types.ResourceTemplate(
            uri_template=FILE_TEMPLATE,
            name="file",
            title="File in an allowed directory",
            description="Any file inside the allowed directories, by absolute path: text comes back as "
            "text, anything else as base64. Files over the read limit are refused; read them in parts "
            "with the tools. A directory reads as its entries.",
        )
        return types.ListResourceTemplatesResult(resource_templates=[template])

    async def _read(
        self, ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        jail = await self._jail(ctx)
        settings = self._settings()
        try:
            contents = await run_blocking(
                _contents, jail, params.uri, settings.max_read_bytes, settings.max_output_chars
            )
        except MooringsError as exc:
            raise _resource_error(exc, params.uri) from None
        return types.ReadResourceResult(contents=[contents])

    async def _check_subscriptions(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        """Refuse a subscription to anything this request could not read, before the core counts it."""
        uris = _subscribed_uris(ctx)
        if not uris:
            return await call_next(ctx)
        jail = await self._jail(ctx)
        approved: dict[str, Path] = {}
        for uri in uris:
            try:
                approved[uri] = await run_blocking(_watchable, jail, uri)
            except MooringsError as exc:
                raise _resource_error(exc, uri) from None
        token = _approved.set(approved)
        try:
            return await call_next(ctx)
        finally:
            _approved.reset(token)

    # -- watching -------------------------------------------------------------------------------

    async def _watch(self, uri: str) -> None:
        """The core's first listener of `uri`: watch the file the subscribing request was allowed."""
        path = _approved.get({}).get(uri)
        if path is None:  # not checked by `_check_subscriptions`: nothing we may watch
            return
        self._paths[uri] = path
        self._uris.setdefault(path, set()).add(uri)
        await self._watcher.watch(path)

    async def _unwatch(self, uri: str) -> None:
        """The core's last listener of `uri` left (unsubscribed, stream ended, disconnected, exit)."""
        path = self._paths.pop(uri, None)
        if path is None:
            return
        uris = self._uris[path]
        uris.discard(uri)
        if not uris:
            del self._uris[path]
        await self._watcher.unwatch(path)

    async def _changed(self, path: Path) -> None:
        for uri in sorted(self._uris.get(path, ())):
            await self.subscriptions.publish_updated(uri)

    # -- helpers --------------------------------------------------------------------------------

    async def _jail(self, ctx: ServerRequestContext[Any, Any]) -> PathJail:
        return await self._workspace_or_fail().jail_for_request(ctx)

    def _settings(self) -> FilesystemSettings:
        return self._workspace_or_fail().settings

    def _workspace_or_fail(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("FileResources.register() was not called")
        return self._workspace


def _directory_resource(root: Path) -> types.Resource:
    return types.Resource(
        uri=root.as_uri(),
        name=root.name or str(root),
        title=str(root),
        description="An allowed directory. Read it for its entries; the files inside are resources "
        f"too ({FILE_TEMPLATE}).",
        mime_type=_DIRECTORY_TYPE,
    )


def _subscribed_uris(ctx: ServerRequestContext[Any, Any]) -> list[str]:
    """The URIs a subscribe request (2025) or a listen stream (2026) asks to watch; [] for any other."""
    params = ctx.params if isinstance(ctx.params, Mapping) else {}
    modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
    if ctx.method == "resources/subscribe" and not modern:
        uri = params.get("uri")
        return [uri] if isinstance(uri, str) else []
    if ctx.method == "subscriptions/listen" and modern:
        notifications = params.get("notifications")
        uris = notifications.get("resourceSubscriptions") if isinstance(notifications, Mapping) else None
        return [uri for uri in uris if isinstance(uri, str)] if isinstance(uris, list) else []
    return []


def _resource_error(exc: MooringsError, uri: str) -> MCPError:
    """A refusal as a JSON-RPC error: the request's fault (invalid params) unless the world failed."""
    code = types.INTERNAL_ERROR if isinstance(exc, OperationFailed) else types.INVALID_PARAMS
    return MCPError(code=code, message=str(exc), data={"uri": uri})


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
    text = _as_text(data)
    if text is not None:
        return types.TextResourceContents(uri=uri, mime_type=_text_type(canonical.name), text=text)
    blob = base64.b64encode(data).decode("ascii")
    return types.BlobResourceContents(uri=uri, mime_type=_binary_type(canonical.name, data), blob=blob)


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


# -- what a file holds ----------------------------------------------------------------------------


def _as_text(data: bytes) -> str | None:
    """The file as text if it is UTF-8 without NUL bytes (which no text file has), else None."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _text_type(name: str) -> str:
    guessed = _type_by_name(name)
    return guessed if guessed is not None and _is_textual(guessed) else "text/plain"


def _binary_type(name: str, data: bytes) -> str:
    sniffed = media_type(name, data[:SNIFF_BYTES])
    if sniffed.detected_by != "default":
        return sniffed.mime_type
    return _type_by_name(name) or _BINARY_TYPE


def _type_by_name(name: str) -> str | None:
    extra = _EXTRA_TYPES.get(PurePath(name).suffix.lower())
    if extra is not None:
        return extra
    guessed, encoding = _mime_table().guess_type(name, strict=False)
    if encoding is not None:  # data.tar.gz: the bytes are gzip, whatever the inner name says
        return "application/gzip" if encoding == "gzip" else None
    return guessed


def _is_textual(mime_type: str) -> bool:
    return (
        mime_type.startswith("text/")
        or mime_type.endswith(("+json", "+xml"))
        or mime_type in _TEXTUAL_APPLICATION_TYPES
    )


@cache
def _mime_table() -> mimetypes.MimeTypes:
    """Python's built-in table only, not the host's files: the same answer on every machine."""
    return mimetypes.MimeTypes(filenames=())
