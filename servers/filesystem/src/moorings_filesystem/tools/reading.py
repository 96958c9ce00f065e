"""Tools that read file contents."""

from __future__ import annotations

import os
from collections import deque

from pydantic import Field

from moorings_core.errors import InvalidInput, LimitExceeded
from moorings_core.limits import run_blocking, truncate_text
from moorings_core.sandbox.paths import PathJail
from moorings_core.server import MooringsServer
from moorings_filesystem.settings import FilesystemSettings

__all__ = ["register"]

_BLOCK = 64 * 1024


def _head(fd: int, lines: int) -> str:
    """The first `lines` lines, reading no further than needed."""
    taken: list[bytes] = []
    pending = b""
    while len(taken) < lines:
        block = os.read(fd, _BLOCK)
        if not block:
            if pending:
                taken.append(pending)
            break
        *complete, pending = (pending + block).split(b"\n")
        taken.extend(line + b"\n" for line in complete)
    return b"".join(taken[:lines]).decode("utf-8", "replace")


def _tail(fd: int, lines: int) -> str:
    """The last `lines` lines (a final newline does not count as an empty line), reading backwards."""
    end = os.fstat(fd).st_size
    data = b""
    while end > 0 and data.count(b"\n", 0, len(data) - 1) < lines:
        start = max(0, end - _BLOCK)
        data = os.pread(fd, end - start, start) + data
        end = start
    kept = deque(data.splitlines(keepends=True), maxlen=lines)
    return b"".join(kept).decode("utf-8", "replace")


def _whole(fd: int, max_bytes: int) -> str:
    size = os.fstat(fd).st_size
    if size > max_bytes:
        raise LimitExceeded(
            f"The file is {size:,} bytes, over the {max_bytes:,}-byte limit for a whole read.",
            hint="Read part of it with head or tail.",
        )
    chunks = []
    while block := os.read(fd, _BLOCK):
        chunks.append(block)
    return b"".join(chunks).decode("utf-8", "replace")


def _read(jail: PathJail, path: str, head: int | None, tail: int | None, max_bytes: int) -> str:
    if head is not None and tail is not None:
        raise InvalidInput("Give head or tail, not both.")
    fd = jail.open_file(path)
    try:
        if head is not None:
            return _head(fd, head)
        if tail is not None:
            return _tail(fd, tail)
        return _whole(fd, max_bytes)
    finally:
        os.close(fd)


def register(server: MooringsServer, jail: PathJail, settings: FilesystemSettings) -> None:
    @server.tool(title="Read text file", read_only=True)
    async def read_text_file(
        path: str,
        head: int | None = Field(None, ge=0, description="Return only the first N lines."),
        tail: int | None = Field(None, ge=0, description="Return only the last N lines."),
    ) -> str:
        """Read a file as UTF-8 text (invalid bytes become U+FFFD).

        Use head or tail for the first or last N lines of a large file; head: 0 returns nothing.
        """
        text = await run_blocking(_read, jail, path, head, tail, settings.max_read_bytes)
        cut = truncate_text(
            text,
            settings.max_output_chars,
            how_to_continue="use head or tail to read a smaller part",
        )
        return cut.text
