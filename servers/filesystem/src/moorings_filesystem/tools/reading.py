"""Tools that read files: text by lines or by bytes, several files at once, and images or audio.

Nothing here reads a whole big file. A text read first works out a *span* of the file with
positioned reads (`read_at`: `os.pread` where the OS has it), a block at a time, on the fd the jail
opened:

- forward spans (the whole file, `head`, `offset`/`limit`) count newlines from the start with
  `bytes.count` and stop at the last line asked for or at the output budget, whichever comes first;
- `tail` counts newlines backwards from the end, so the last lines of a 50 MB file cost a block;
- byte spans (`byteOffset`/`byteLimit`) are just that range, cut at a character boundary.

A line ends with "\\n" (a CRLF line counts once and keeps its "\\r"); a last line without a final
newline is still a line, and a final newline does not start an empty one. A result that is not the
whole file says which lines and bytes it holds and, in one sentence, the exact arguments of the call
that gets the rest. Text results keep the reference server's plain text in the text block, so
prompts written for it still work, and carry the facts as structured content (camelCase fields,
like the parameters; a field with no value is left out).
"""

from __future__ import annotations

import base64
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import (
    InvalidInput,
    LimitExceeded,
    MooringsError,
    MooringsServer,
    OperationFailed,
    Output,
    PathJail,
    ToolContext,
    run_blocking,
    tool_result,
)
from moorings_core.media import SNIFF_BYTES, media_type
from moorings_core.paging import room_for_items
from moorings_core.platform.descriptors import read_at
from moorings_filesystem.workspace import Workspace

__all__ = ["FileText", "MediaFile", "MultipleFiles", "TextFileContent", "register"]

_BLOCK = 64 * 1024
_PROBE = 8 * 1024  # a NUL byte this close to the start means binary (git decides the same way)
_BOM = b"\xef\xbb\xbf"
_ENTRY_ROOM = 100  # per file of read_multiple_files: its header, separator and note
_MAX_PATHS = 100
_EVERY_LINE = sys.maxsize


# -- results ------------------------------------------------------------------------------------


class TextFileContent(Output):
    """A text file, or the part of it that was asked for."""

    content: str = Field(
        description="The text, decoded as UTF-8: invalid bytes become U+FFFD and a byte order mark is "
        "left out. Line endings are kept as they are in the file."
    )
    path: str = Field(description="The absolute path that was read.")
    size: int = Field(description="The file's size in bytes.")
    start_line: int | None = Field(
        default=None,
        description="Number of the first line returned, counting from 1; absent when no line was "
        "returned or the number is unknown (a tail or byte range that does not start at the top).",
    )
    end_line: int | None = Field(
        default=None, description="Number of the last line returned; absent like startLine."
    )
    total_lines: int | None = Field(
        default=None,
        description="Lines in the file, when the read reached its end from a known line; absent "
        "otherwise (knowing would mean reading the whole file).",
    )
    start_byte: int = Field(description="Offset of the first byte returned, counting from 0.")
    end_byte: int = Field(description="Offset just past the last byte returned.")
    partial: bool = Field(description="True when this is not the whole file.")
    truncated: bool = Field(description="True when the output budget cut the result short of what was asked.")
    next_offset: int | None = Field(
        default=None,
        description="The offset that reads the lines after these; absent at the end of the file or "
        "when the result ends inside a line.",
    )
    next_byte_offset: int | None = Field(
        default=None, description="The byteOffset that reads on from endByte; absent at the end of the file."
    )
    continuation: str | None = Field(
        default=None, description="How to get the rest, when there is more to get."
    )
    bom: bool = Field(description="The file starts with a UTF-8 byte order mark (never part of content).")
    replaced_invalid_bytes: bool = Field(description="Some bytes were not UTF-8 and became U+FFFD.")


class FileText(Output):
    """One file of a read_multiple_files call: its text, or why it could not be read."""

    path: str = Field(description="The path as it was given.")
    content: str | None = Field(default=None, description="The text, or its start when truncated.")
    error: str | None = Field(default=None, description="Why the file was not read; absent on success.")
    total_lines: int | None = Field(default=None, description="Lines in the file, when read to its end.")
    truncated: bool = Field(default=False, description="The content stops before the end of the file.")
    next_offset: int | None = Field(
        default=None, description="The offset for read_text_file that reads on, when truncated."
    )
    continuation: str | None = Field(default=None, description="How to read the rest, when truncated.")


class MultipleFiles(Output):
    """The files of a read_multiple_files call, in the order they were asked for."""

    files: list[FileText]
    read: int = Field(description="How many files were read.")
    failed: int = Field(description="How many files could not be read (each says why).")


class MediaFile(Output):
    """What read_media_file returned; the data itself is in the image, audio or resource block."""

    path: str = Field(description="The absolute path that was read.")
    mime_type: str = Field(description="The MIME type, e.g. image/png.")
    kind: Literal["image", "audio", "other"] = Field(
        description="image and audio come as image/audio content blocks, anything else as an "
        "embedded resource with a base64 blob."
    )
    size: int = Field(description="The file's size in bytes.")
    detected_by: Literal["content", "extension", "default"] = Field(
        description="How the MIME type was found: the file's leading bytes, its extension, or "
        "neither (application/octet-stream)."
    )


# -- arguments ----------------------------------------------------------------------------------

_PathArg = Annotated[
    str, Field(description="The file: absolute, or relative to the first allowed directory.")
]
_HeadArg = Annotated[
    int | None, Field(ge=0, description="Return only the first N lines (0 returns nothing).")
]
_TailArg = Annotated[
    int | None, Field(ge=0, description="Return only the last N lines, read from the end of the file.")
]
_OffsetArg = Annotated[
    int | None,
    Field(ge=1, description="Line to start at, counting from 1 (the numbers editors and grep -n show)."),
]
_LimitArg = Annotated[
    int | None, Field(ge=0, description="How many lines to return from offset (default: as many as fit).")
]
_ByteOffsetArg = Annotated[int | None, Field(ge=0, description="Byte to start at, counting from 0.")]
_ByteLimitArg = Annotated[
    int | None,
    Field(ge=0, description="How many bytes to return from byteOffset (default: as many as fit)."),
]
_PathsArg = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=_MAX_PATHS,
        description="The files to read, each absolute or relative to the first allowed directory.",
    ),
]


# -- what was asked -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lines:
    """`count` lines from line number `first` (1-based); `whole` when no range was given at all."""

    first: int
    count: int
    whole: bool = False


@dataclass(frozen=True)
class _Tail:
    count: int


@dataclass(frozen=True)
class _Bytes:
    offset: int
    limit: int | None


_Request = _Lines | _Tail | _Bytes
_WHOLE = _Lines(1, _EVERY_LINE, whole=True)


def _requested(
    head: int | None,
    tail: int | None,
    offset: int | None,
    limit: int | None,
    byte_offset: int | None,
    byte_limit: int | None,
) -> _Request:
    """The one way of choosing a part that the call used, or the whole file."""
    ways = {
        "head": head is not None,
        "tail": tail is not None,
        "offset/limit": offset is not None or limit is not None,
        "byteOffset/byteLimit": byte_offset is not None or byte_limit is not None,
    }
    used = [way for way, given in ways.items() if given]
    if len(used) > 1:
        raise InvalidInput(
            f"This call chose the part to read in {len(used)} ways at once ({', '.join(used)}).",
            hint="Use one of head, tail, offset/limit (lines) or byteOffset/byteLimit (bytes).",
        )
    if head is not None:
        return _Lines(1, head)
    if tail is not None:
        return _Tail(tail)
    if byte_offset is not None or byte_limit is not None:
        return _Bytes(byte_offset or 0, byte_limit)
    if offset is not None or limit is not None:
        return _Lines(offset or 1, _EVERY_LINE if limit is None else limit)
    return _WHOLE


# -- spans: which bytes answer the request ------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """The bytes `[start, end)` that answer a request, with what is known about them."""

    start: int
    end: int
    first_line: int | None = None
    last_line: int | None = None
    total_lines: int | None = None
    truncated: bool = False
    next_offset: int | None = None
    next_byte_offset: int | None = None
    continuation: str | None = None


def _span_for(fd: int, size: int, request: _Request, budget: int, tool: str) -> _Span:
    if isinstance(request, _Tail):
        return _tail_span(fd, size, request.count, budget, tool)
    if isinstance(request, _Bytes):
        return _byte_span(fd, size, request, budget, tool)
    return _line_span(fd, size, request, budget, tool)


def _line_span(fd: int, size: int, request: _Lines, budget: int, tool: str) -> _Span:
    first = request.first
    start, skipped = _pass_lines(fd, 0, first - 1, size, size)
    if skipped < first - 1:
        raise InvalidInput(
            f"offset={first} is past the end of the file, which has {skipped:,} lines.",
            hint=f"Lines count from 1; offset={skipped + 1} is the end of the file.",
        )
    stop = min(size, start + budget)
    end, taken = _pass_lines(fd, start, request.count, stop, size)
    if taken == 0 and request.count > 0 and start < size:  # one line longer than the whole budget
        end = _align_end(fd, start, stop)
        return _Span(
            start,
            end,
            first,
            first,
            truncated=True,
            next_byte_offset=end,
            continuation=f"Line {first:,} is longer than the output budget; this is its first "
            f"{end - start:,} bytes. Call {tool} again with byteOffset={end} to read on.",
        )
    last = first + taken - 1 if taken else None
    shown_from = first if taken else None
    if end >= size:
        return _Span(start, end, shown_from, last, total_lines=first - 1 + taken)
    if taken == 0:  # nothing was asked for (head: 0, limit: 0), so there is nothing to continue
        return _Span(start, end, next_offset=first, next_byte_offset=start)
    truncated = taken < request.count
    why = "; the rest did not fit in the output budget" if truncated else ""
    return _Span(
        start,
        end,
        first,
        last,
        truncated=truncated,
        next_offset=first + taken,
        next_byte_offset=end,
        continuation=f"Showed {_line_range(first, first + taken - 1)} of a {size:,}-byte file{why}. "
        f"Call {tool} again with offset={first + taken} to continue.",
    )


def _tail_span(fd: int, size: int, count: int, budget: int, tool: str) -> _Span:
    if count == 0:
        return _Span(size, size, total_lines=0 if size == 0 else None)
    start, taken, cut = _tail_start(fd, size, count, budget)
    if taken == 0 and cut:
        start = _align_start(fd, start, size)
    if start == 0:
        return _Span(0, size, 1 if taken else None, taken or None, total_lines=taken)
    if taken == 0:
        said = f"The last line is longer than the output budget; this is its last {size - start:,} bytes."
    elif cut:
        said = (
            f"Only the last {_lines(taken)} of the {count:,} asked for fit in the output budget "
            f"(bytes {start:,}-{size - 1:,} of {size:,})."
        )
    else:
        said = f"Showed the last {_lines(taken)} (bytes {start:,}-{size - 1:,} of {size:,})."
    before = max(0, start - budget)
    return _Span(
        start,
        size,
        truncated=cut,
        continuation=f"{said} To read what comes before them, call {tool} again with "
        f"byteOffset={before} and byteLimit={start - before}.",
    )


def _byte_span(fd: int, size: int, request: _Bytes, budget: int, tool: str) -> _Span:
    start = request.offset
    if start > size:
        raise InvalidInput(
            f"byteOffset={start} is past the end of the file, which has {size:,} bytes.",
            hint=f"Use a byteOffset from 0 to {size}.",
        )
    wanted = size if request.limit is None else min(size, start + request.limit)
    end = min(wanted, start + budget)
    truncated = end < wanted
    if truncated:
        end = _align_end(fd, start, end)  # so the next call starts on a whole character
    if end >= size:
        return _Span(start, end)
    if end == start:  # byteLimit: 0 asked for nothing
        return _Span(start, end, next_byte_offset=end)
    why = "; the rest of the range did not fit in the output budget" if truncated else ""
    return _Span(
        start,
        end,
        truncated=truncated,
        next_byte_offset=end,
        continuation=f"Showed bytes {start:,}-{end - 1:,} of {size:,}{why}. "
        f"Call {tool} again with byteOffset={end} to continue.",
    )


def _lines(count: int) -> str:
    return f"{count:,} line" if count == 1 else f"{count:,} lines"


def _line_range(first: int, last: int) -> str:
    return f"line {first:,}" if first == last else f"lines {first:,}-{last:,}"


# -- walking lines ------------------------------------------------------------------------------


def _pass_lines(fd: int, start: int, count: int, stop: int, size: int) -> tuple[int, int]:
    """Walk forward over up to `count` lines from byte `start`, reading nothing at or past `stop`.

    Returns the offset just past the last line passed, and how many lines that was. A last line
    without a newline counts only when the walk reached the end of the file: before a budget's
    `stop` it may well go on.
    """
    end = cursor = start
    passed = 0
    while passed < count and cursor < stop:
        block = read_at(fd, min(_BLOCK, stop - cursor), cursor)
        if not block:
            break  # the file shrank since it was measured
        newlines = block.count(b"\n")
        if passed + newlines >= count:
            return cursor + _nth_newline(block, count - passed) + 1, count
        if newlines:
            end = cursor + block.rfind(b"\n") + 1
            passed += newlines
        cursor += len(block)
    if passed < count and end < cursor and (stop >= size or cursor < stop):
        return cursor, passed + 1  # the last line, which has no newline
    return end, passed


def _tail_start(fd: int, size: int, count: int, budget: int) -> tuple[int, int, bool]:
    """Where the last `count` lines begin, how many lines that is, and whether the budget cut them.

    Reads backwards a block at a time, and never more than `budget` bytes from the end.
    """
    if size == 0:
        return 0, 0, False
    floor = max(0, size - budget)
    # A final newline ends the last line; it does not start an empty one after it.
    cursor = size - 1 if read_at(fd, 1, size - 1) == b"\n" else size
    found = 0
    earliest: int | None = None  # the first newline met so far (they are met last to first)
    while cursor > floor:
        begin = max(floor, cursor - _BLOCK)
        block = read_at(fd, cursor - begin, begin)
        newlines = block.count(b"\n")
        if found + newlines >= count:
            return begin + _nth_newline_from_end(block, count - found) + 1, count, False
        if newlines:
            earliest = begin + block.find(b"\n")
            found += newlines
        cursor = begin
    if floor == 0:
        return 0, found + 1, False  # the first line has no newline before it
    if earliest is None:
        return floor, 0, True  # the last line alone is longer than the budget
    return earliest + 1, found, True


def _nth_newline(block: bytes, n: int) -> int:
    index = -1
    for _ in range(n):
        index = block.index(b"\n", index + 1)
    return index


def _nth_newline_from_end(block: bytes, n: int) -> int:
    index = len(block)
    for _ in range(n):
        index = block.rindex(b"\n", 0, index)
    return index


# -- bytes and characters -----------------------------------------------------------------------


def _align_end(fd: int, start: int, end: int) -> int:
    """Move `end` back over a UTF-8 character it would cut in two."""
    last = read_at(fd, min(4, end - start), max(start, end - 4))
    return end - _incomplete_suffix(last)


def _align_start(fd: int, start: int, end: int) -> int:
    """Move `start` forward past the continuation bytes of a character that began before it."""
    first = read_at(fd, min(3, end - start), start)
    skip = 0
    while skip < len(first) and first[skip] & 0xC0 == 0x80:
        skip += 1
    return start + skip


def _incomplete_suffix(data: bytes) -> int:
    """How many bytes at the end of `data` are the start of a UTF-8 character that does not finish."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: the lead byte is further back
            continue
        length = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4 if byte & 0xF8 == 0xF0 else 1
        return back if length > back else 0
    return 0


def _read_range(fd: int, start: int, end: int) -> bytes:
    chunks: list[bytes] = []
    position = start
    while position < end:
        chunk = read_at(fd, end - position, position)
        if not chunk:
            break  # the file shrank since it was measured
        chunks.append(chunk)
        position += len(chunk)
    return b"".join(chunks)


def _decode(data: bytes, *, at_start: bool) -> tuple[str, bool]:
    """The text of `data` and whether invalid bytes were replaced; a leading BOM is dropped."""
    if at_start and data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), True


# -- reading ------------------------------------------------------------------------------------


def _read_text(
    jail: PathJail, path: str, request: _Request, max_read_bytes: int, budget: int, tool: str
) -> TextFileContent:
    canonical = jail.resolve(path)
    fd = jail.open_file(canonical)
    try:
        return _read_open_text(fd, path, jail.display(canonical), request, max_read_bytes, budget, tool)
    except OSError as exc:
        raise OperationFailed(f"Could not read '{path}': {exc.strerror or exc}.") from None
    finally:
        os.close(fd)


def _read_open_text(
    fd: int, path: str, shown_path: str, request: _Request, max_read_bytes: int, budget: int, tool: str
) -> TextFileContent:
    size = os.fstat(fd).st_size
    probe = read_at(fd, _PROBE, 0)
    if b"\0" in probe:
        raise InvalidInput(
            f"'{path}' looks like a binary file (it has NUL bytes near the start), not text.",
            hint="Use read_media_file for images and audio.",
        )
    if isinstance(request, _Lines) and request.whole and size > max_read_bytes:
        raise LimitExceeded(
            f"'{path}' is {size:,} bytes, over this server's {max_read_bytes:,}-byte limit for "
            "reading a whole file.",
            hint="Read it in parts: head or tail for the first or last N lines, offset and limit for "
            "lines from a line number (counting from 1), or byteOffset and byteLimit for bytes.",
        )
    span = _span_for(fd, size, request, budget, tool)
    text, replaced = _decode(_read_range(fd, span.start, span.end), at_start=span.start == 0)
    return TextFileContent(
        content=text,
        path=shown_path,
        size=size,
        start_line=span.first_line,
        end_line=span.last_line,
        total_lines=span.total_lines,
        start_byte=span.start,
        end_byte=span.end,
        partial=span.start > 0 or span.end < size,
        truncated=span.truncated,
        next_offset=span.next_offset,
        next_byte_offset=span.next_byte_offset,
        continuation=span.continuation,
        bom=probe.startswith(_BOM),
        replaced_invalid_bytes=replaced,
    )


def _read_many(jail: PathJail, paths: list[str], max_read_bytes: int, budget: int) -> MultipleFiles:
    """Each file whole, or as much as its fair share of the budget holds; failures stay per file.

    A file's share is what is left divided by the files still to read, so a short file leaves
    its unused share to the ones after it and a huge first file cannot starve the rest.
    """
    left = budget - sum(len(path) + _ENTRY_ROOM for path in paths)
    files: list[FileText] = []
    for index, path in enumerate(paths):
        share = left // (len(paths) - index)
        if share <= 0:
            files.append(FileText(path=path, error=_NO_SHARE))
            continue
        try:
            read = _read_text(jail, path, _WHOLE, max_read_bytes, share, "read_text_file")
        except MooringsError as exc:
            files.append(FileText(path=path, error=str(exc)))
            continue
        left -= len(read.content)
        files.append(
            FileText(
                path=path,
                content=read.content,
                total_lines=read.total_lines,
                truncated=read.partial,
                next_offset=read.next_offset,
                continuation=read.continuation and _for_read_text_file(read),
            )
        )
    failed = sum(file.error is not None for file in files)
    return MultipleFiles(files=files, read=len(files) - failed, failed=failed)


_NO_SHARE = "Not read: the other files used up the output budget. Read it on its own with read_text_file."


def _for_read_text_file(read: TextFileContent) -> str:
    """The continuation of a file cut short inside read_multiple_files, which has no ranges itself."""
    return f"{read.continuation} (Pass path={read.path!r}.)"


def _multiple_files_text(result: MultipleFiles) -> str:
    """The reference server's layout: "path:\\ncontent\\n" or "path: Error - reason", joined by ---."""
    parts = []
    for file in result.files:
        if file.error is not None:
            parts.append(f"{file.path}: Error - {file.error}")
        else:
            note = f"\n[{file.continuation}]" if file.continuation else ""
            parts.append(f"{file.path}:\n{file.content}{note}\n")
    return "\n---\n".join(parts)


def _read_media(jail: PathJail, path: str, max_bytes: int) -> tuple[MediaFile, types.ContentBlock]:
    canonical = jail.resolve(path)
    fd = jail.open_file(canonical)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise LimitExceeded(
                f"'{path}' is {size:,} bytes, over this server's {max_bytes:,}-byte limit for media.",
                hint="Pick a smaller file, or ask the operator to raise --max-read-bytes.",
            )
        if size == 0:
            raise InvalidInput(f"'{path}' is empty: there is no image or audio in it.")
        data = _read_range(fd, 0, size)
    except OSError as exc:
        raise OperationFailed(f"Could not read '{path}': {exc.strerror or exc}.") from None
    finally:
        os.close(fd)
    found = media_type(canonical.name, data[:SNIFF_BYTES])
    info = MediaFile(
        path=jail.display(canonical),
        mime_type=found.mime_type,
        kind=found.kind,
        size=len(data),
        detected_by=found.detected_by,
    )
    return info, _media_block(info, canonical, data)


def _media_block(info: MediaFile, canonical: Path, data: bytes) -> types.ContentBlock:
    encoded = base64.b64encode(data).decode("ascii")
    if info.kind == "image":
        return types.ImageContent(type="image", data=encoded, mime_type=info.mime_type)
    if info.kind == "audio":
        return types.AudioContent(type="audio", data=encoded, mime_type=info.mime_type)
    # Content blocks are text, image, audio or resources: anything else travels as a resource blob.
    resource = types.BlobResourceContents(uri=canonical.as_uri(), mime_type=info.mime_type, blob=encoded)
    return types.EmbeddedResource(type="resource", resource=resource)


def _media_summary(info: MediaFile) -> str:
    found = {
        "content": "from its content",
        "extension": "from its extension",
        "default": "unknown",
    }[info.detected_by]
    return f"{info.path}: {info.kind}, {info.mime_type} ({found}), {info.size:,} bytes."


# -- the tools ----------------------------------------------------------------------------------


def _text_result(read: TextFileContent) -> types.CallToolResult:
    # One blank line between the text and the note, whether or not the text ends a line.
    gap = "\n" if read.content.endswith("\n") else "\n\n"
    note = f"{gap}[{read.continuation}]" if read.continuation else ""
    return tool_result(read.content + note, read)


def register(server: MooringsServer, workspace: Workspace) -> None:
    settings = workspace.settings
    budget = room_for_items(settings.max_output_chars)  # the rest is for the continuation note

    async def read_text(ctx: ToolContext, tool: str, path: str, request: _Request) -> types.CallToolResult:
        jail = await workspace.jail_for(ctx.request_context)
        read = await run_blocking(_read_text, jail, path, request, settings.max_read_bytes, budget, tool)
        return _text_result(read)

    @server.tool(title="Read text file", read_only=True)
    async def read_text_file(
        path: _PathArg,
        ctx: ToolContext,
        head: _HeadArg = None,
        tail: _TailArg = None,
        offset: _OffsetArg = None,
        limit: _LimitArg = None,
        byteOffset: _ByteOffsetArg = None,  # noqa: N803 - client-visible names are camelCase
        byteLimit: _ByteLimitArg = None,  # noqa: N803
    ) -> Annotated[types.CallToolResult, TextFileContent]:
        """Read a text file as UTF-8, whole or in part.

        Without a range the whole file comes back, if it is within the server's size limit
        (--max-read-bytes). For part of a file use ONE of: `head` or `tail` for the first or last N
        lines (head: 0 returns nothing); `offset` (the first line is 1) with an optional `limit` for
        lines from a line number; `byteOffset` (the first byte is 0) with an optional `byteLimit`
        for a byte range. Only the part asked for is read, so head and tail are fast on huge files.

        A result that is not the whole file ends with a note in square brackets saying what it
        holds and the exact arguments that get the rest, e.g. "Call read_text_file again with
        offset=2001 to continue."; the structured content has the same facts (startLine,
        endLine, totalLines, nextOffset, nextByteOffset). Invalid UTF-8 becomes U+FFFD and a
        byte order mark is left out. Binary files are refused: use read_media_file for images
        and audio. Works only inside the allowed directories.
        """
        request = _requested(head, tail, offset, limit, byteOffset, byteLimit)
        return await read_text(ctx, "read_text_file", path, request)

    @server.tool(title="Read file (deprecated)", read_only=True)
    async def read_file(
        path: _PathArg,
        ctx: ToolContext,
        head: _HeadArg = None,
        tail: _TailArg = None,
        offset: _OffsetArg = None,
        limit: _LimitArg = None,
        byteOffset: _ByteOffsetArg = None,  # noqa: N803 - as read_text_file
        byteLimit: _ByteLimitArg = None,  # noqa: N803
    ) -> Annotated[types.CallToolResult, TextFileContent]:
        """DEPRECATED: use read_text_file, which takes the same parameters and does the same.

        Reads a text file as UTF-8, whole or in part (head, tail, offset/limit, byteOffset/byteLimit).
        """
        request = _requested(head, tail, offset, limit, byteOffset, byteLimit)
        return await read_text(ctx, "read_file", path, request)

    @server.tool(title="Read multiple files", read_only=True)
    async def read_multiple_files(
        paths: _PathsArg, ctx: ToolContext
    ) -> Annotated[types.CallToolResult, MultipleFiles]:
        """Read several text files in one call, e.g. to compare or analyse them together.

        The text gives each file as "path:" and its content, with files separated by "---"; a
        file that cannot be read shows "path: Error - reason" and never stops the others. The
        output budget is shared fairly between the files; a file cut short ends with a note on
        reading the rest with read_text_file. Structured content lists each file with its content
        or error. At most 100 paths per call. Works only inside the allowed directories.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_read_many, jail, paths, settings.max_read_bytes, budget)
        return tool_result(_multiple_files_text(result), result)

    @server.tool(title="Read media file", read_only=True)
    async def read_media_file(path: _PathArg, ctx: ToolContext) -> Annotated[types.CallToolResult, MediaFile]:
        """Read an image or audio file and return it as an image or audio content block (base64).

        The MIME type comes from the file's content (PNG, JPEG, GIF, WebP, BMP, TIFF, ICO, SVG,
        AVIF, WAV, MP3, AAC, OGG, FLAC, M4A, AIFF, MIDI...) and only then from its extension. Any
        other file (PDF, video, unknown) comes back as an embedded resource with a base64 blob.
        Files over the server's size limit (--max-read-bytes) are refused. Works only inside the
        allowed directories.
        """
        jail = await workspace.jail_for(ctx.request_context)
        info, block = await run_blocking(_read_media, jail, path, settings.max_read_bytes)
        result = tool_result(_media_summary(info), info)
        result.content.insert(0, block)  # the media first, then its one-line summary
        return result
