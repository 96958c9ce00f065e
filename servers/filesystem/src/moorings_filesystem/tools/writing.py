"""Tools that write: `write_file`, `edit_file`, `create_directory`, `append_file`, `write_binary_file`.

Every write goes through `atomic.replace_file`: a temporary in the target's directory, flushed, then
renamed over the target, so a crash leaves the old file or the new one. An existing file keeps what
the model did not mean to change: its permission bits, its byte-order mark, its encoding (UTF-8 or
UTF-16/32 with a BOM) and its CRLF line endings (text written with `\\n` is stored with `\\r\\n`).

`edit_file` matches each `oldText` exactly (in the file's line-ending convention); if that fails it
compares line by line ignoring leading and trailing whitespace, like the reference server, and
re-indents `newText` to where the match was found. Unlike the reference, an empty `oldText` is an
error, an `oldText` found more than once is refused unless the edit says `replaceAll`, and one not
found is answered with the closest lines of the file.

Parameters and structured results are camelCase, like the reference's `oldText` and `dryRun`; each
result pairs the reference's text with an object (`moorings_core.server.tool_result`).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import difflib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import anyio
import mcp_types as types
from pydantic import BaseModel, ConfigDict, Field

from moorings_core import (
    InvalidInput,
    LimitExceeded,
    NotFound,
    OperationFailed,
    Output,
    PathJail,
    ToolContext,
    ToolRegistry,
    run_blocking,
    tool_result,
    truncate_text,
)
from moorings_core.platform.descriptors import copy_contents, read_at
from moorings_core.platform.files import DirectoryHandle
from moorings_filesystem import atomic
from moorings_filesystem.workspace import Workspace

__all__ = [
    "AppendResult",
    "CreateParents",
    "DirectoryResult",
    "Edit",
    "EditResult",
    "PathArgument",
    "WriteResult",
    "make_directories",
    "open_parent",
    "register",
]

_SNIFF_BYTES = 64 * 1024
SWEEP_DELAY = 1.0  # seconds after start: initialize and tools/list are answered first
# Up to this size an append copies the file and renames (atomic); beyond it, it appends in place.
APPEND_COPY_LIMIT = 32 * 2**20
_CLOSEST_LINES_SHOWN = 8
_CLOSEST_LINE_CHARS = 200
_DIFF_CONTEXT = 3

PathArgument = Annotated[
    str, Field(description="Absolute path, or relative to the first allowed directory.", min_length=1)
]
CreateParents = Annotated[bool, Field(description="Create missing parent directories first (like mkdir -p).")]
"""The `createParents` parameter of every tool that makes a new entry."""


# -- results ------------------------------------------------------------------------------------


class WriteResult(Output):
    path: str = Field(description="Absolute path of the file written.")
    size: int = Field(description="Size of the file now, in bytes.")
    created: bool = Field(description="True when the file did not exist before.")
    kept: list[str] = Field(description="What of the old file was kept: line endings, BOM, permissions.")
    created_directories: list[str] = Field(description="Parent directories created first.")


class AppendResult(Output):
    path: str = Field(description="Absolute path of the file appended to.")
    appended: int = Field(description="Bytes added.")
    size: int = Field(description="Size of the file now, in bytes.")
    created: bool = Field(description="True when the file did not exist before.")
    created_directories: list[str] = Field(description="Parent directories created first.")


class EditResult(Output):
    path: str = Field(description="Absolute path of the file edited.")
    diff: str = Field(description="Unified diff of the change (possibly truncated).")
    replacements: int = Field(description="Occurrences replaced, over all edits.")
    written: bool = Field(description="False for a dry run or when nothing changed.")


class DirectoryResult(Output):
    path: str = Field(description="Absolute path of the directory.")
    created: list[str] = Field(description="Directories created, outermost first; empty if it existed.")


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_text: str = Field(
        alias="oldText", description="Text to replace: exact, or the same whole lines indented differently."
    )
    new_text: str = Field(alias="newText", description="Text to replace it with.")
    replace_all: bool = Field(
        default=False,
        alias="replaceAll",
        description="Replace every occurrence; without it, an oldText found more than once is refused.",
    )


# -- the file's own conventions -----------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class _TextStyle:
    """How a text file stores its text: encoding, byte-order mark, line endings."""

    encoding: str = "utf-8"
    bom: bytes = b""
    newline: str = "\n"

    @classmethod
    def sniff(cls, head: bytes) -> _TextStyle:
        """The style of a file from its first bytes; a binary file gets the plain default."""
        bom, encoding = next(((bom, name) for bom, name in _BOMS if head.startswith(bom)), (b"", "utf-8"))
        sample = head[len(bom) :]
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
                return cls()
            text = sample[: exc.start].decode(encoding)
        if "\0" in text:
            return cls()
        crlf = text.count("\r\n")
        newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
        return cls(encoding, bom, newline)

    def describe(self) -> list[str]:
        kept = ["CRLF line endings"] if self.newline == "\r\n" else []
        if self.bom:
            kept.append(f"{self.encoding.upper()} byte-order mark")
        return kept

    def encode(self, text: str, *, with_bom: bool) -> bytes:
        """`text` as this file stores it: in a CRLF file, `\\n` becomes CRLF unless the text has CRLF."""
        if self.newline == "\r\n" and "\r\n" not in text:
            text = text.replace("\n", "\r\n")
        if not self.bom:
            return text.encode(self.encoding)
        body = text.removeprefix("\ufeff").encode(self.encoding)  # the file's own BOM, not twice
        return self.bom + body if with_bom else body

    def decode(self, data: bytes, display: str) -> str:
        try:
            return data[len(self.bom) :].decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"'{display}' is not {self.encoding.upper()} text (invalid byte at offset "
                f"{exc.start + len(self.bom)}); edit_file changes text files only.",
                hint="Replace binary content with write_binary_file.",
            ) from None

    def convention(self, text: str) -> str:
        """`text` with its line endings in this file's convention."""
        text = text.replace("\r\n", "\n")
        return text.replace("\n", "\r\n") if self.newline == "\r\n" else text


def _style_of(fd: int) -> _TextStyle:
    return _TextStyle.sniff(read_at(fd, _SNIFF_BYTES, 0))


def _open_existing(jail: PathJail, canonical: Path) -> int | None:
    """An fd to read the file at `canonical`, or None if nothing is there."""
    try:
        return jail.open_file(canonical)
    except NotFound:
        return None


# -- where a write lands ------------------------------------------------------------------------


def open_parent(
    jail: PathJail, canonical: Path, display: str, create_parents: bool
) -> tuple[DirectoryHandle, str, list[str]]:
    """The checked directory and name for a new entry at `canonical`, creating parents on request.

    Returns `(directory, name, created_directories)`; the caller closes `directory`.
    """
    created = make_directories(jail, canonical.parent) if create_parents else []
    try:
        directory, name = jail.open_parent(canonical, intent="create")
    except NotFound:
        if create_parents:
            raise
        raise NotFound(
            f"The directory that would hold '{display}' does not exist.",
            hint="Pass createParents: true to create it, or create it first with create_directory.",
        ) from None
    return directory, name, created


def make_directories(jail: PathJail, directory: Path) -> list[str]:
    """`mkdir -p` of a canonical path inside the jail; return the directories created, outermost first."""
    missing: list[Path] = []
    current = directory
    while (entry := _lstat(current)) is None:
        missing.append(current)
        current = current.parent
    if not stat.S_ISDIR(entry.st_mode):
        where = "" if current == directory else ", so no directory can be created inside it"
        raise InvalidInput(f"'{jail.display(current)}' exists and is not a directory{where}.")
    created: list[str] = []
    for path in reversed(missing):
        parent, name = jail.open_parent(path, intent="create")
        try:
            parent.mkdir(name, 0o777)  # the umask decides, as for mkdir(1)
            atomic.fsync_directory(parent, jail.display(path))
        except FileExistsError:
            continue  # made meanwhile by someone else: just as good, if it is a directory
        except OSError as exc:
            raise atomic.failure(exc, jail.display(path)) from None
        finally:
            parent.close()
        created.append(jail.display(path))
    if not _is_directory(directory):  # something else took the name meanwhile
        raise InvalidInput(f"'{jail.display(directory)}' exists and is not a directory.")
    return created


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _is_directory(path: Path) -> bool:
    entry = _lstat(path)
    return entry is not None and stat.S_ISDIR(entry.st_mode)


def _replace(
    jail: PathJail, canonical: Path, display: str, fill: Callable[[int], None], create_parents: bool
) -> tuple[atomic.Replaced, list[str]]:
    """Atomically replace (or create) the file at `canonical` with what `fill` writes."""
    directory, name, created_directories = open_parent(jail, canonical, display, create_parents)
    with directory:
        return atomic.replace_file(directory, name, fill, display=display), created_directories


def _written(
    jail: PathJail, canonical: Path, replaced: atomic.Replaced, kept: list[str], made: list[str]
) -> WriteResult:
    return WriteResult(
        path=jail.display(canonical),
        size=replaced.size,
        created=replaced.created,
        kept=[] if replaced.created else [*kept, f"permissions {replaced.mode:o}"],
        created_directories=made,
    )


# -- write_file, write_binary_file, append_file -------------------------------------------------


def _write_text(jail: PathJail, path: str, content: str, create_parents: bool) -> WriteResult:
    canonical = jail.resolve(path, intent="create")
    style = _TextStyle()
    existing = _open_existing(jail, canonical)
    if existing is not None:
        try:
            style = _style_of(existing)
        finally:
            os.close(existing)
    data = style.encode(content, with_bom=True)
    replaced, made = _replace(jail, canonical, path, lambda fd: atomic.write_all(fd, data), create_parents)
    return _written(jail, canonical, replaced, style.describe(), made)


def _write_bytes(jail: PathJail, path: str, encoded: str, create_parents: bool) -> WriteResult:
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "contentBase64 is not valid base64; give the bytes in standard base64 (A-Z, a-z, 0-9, +, /, =)."
        ) from None
    canonical = jail.resolve(path, intent="create")
    replaced, made = _replace(jail, canonical, path, lambda fd: atomic.write_all(fd, data), create_parents)
    return _written(jail, canonical, replaced, [], made)


def _append(jail: PathJail, path: str, content: str, create_parents: bool) -> AppendResult:
    canonical = jail.resolve(path, intent="create")
    existing = _open_existing(jail, canonical)
    if existing is None:
        data = content.encode()
        replaced, made = _replace(
            jail, canonical, path, lambda fd: atomic.write_all(fd, data), create_parents
        )
        return AppendResult(
            path=jail.display(canonical),
            appended=len(data),
            size=replaced.size,
            created=True,
            created_directories=made,
        )
    try:
        size = os.fstat(existing).st_size
        data = _style_of(existing).encode(content, with_bom=False)
        if size > APPEND_COPY_LIMIT:
            new_size = _append_in_place(jail, canonical, data, path)
        else:

            def copy_then_append(fd: int) -> None:
                copy_contents(existing, fd)
                atomic.write_all(fd, data)

            new_size = _replace(jail, canonical, path, copy_then_append, create_parents=False)[0].size
    finally:
        os.close(existing)
    return AppendResult(
        path=jail.display(canonical), appended=len(data), size=new_size, created=False, created_directories=[]
    )


def _append_in_place(jail: PathJail, canonical: Path, data: bytes, display: str) -> int:
    """Append to a large file without copying it; on failure, cut it back to its old length.

    A kill -9 mid-write can leave part of the appended bytes, never a change to the old ones.
    """
    fd = jail.open_file(canonical, os.O_WRONLY | os.O_APPEND)
    try:
        size = os.fstat(fd).st_size
        try:
            atomic.write_all(fd, data)
            os.fsync(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # best effort: the failure is what the model must hear of
                os.ftruncate(fd, size)
                os.fsync(fd)
            raise atomic.failure(exc, display) from None
        return size + len(data)
    finally:
        os.close(fd)


# -- edit_file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """A piece of the text to replace: [start, end) becomes `text`."""

    start: int
    end: int
    text: str


def _edit(jail: PathJail, path: str, edits: list[Edit], dry_run: bool, max_bytes: int) -> EditResult:
    canonical = jail.resolve(path, intent="write")
    fd = jail.open_file(canonical)
    try:
        read = os.fstat(fd)
        size = read.st_size
        if size > max_bytes:
            raise LimitExceeded(
                f"'{path}' is {size:,} bytes; edit_file works on files up to {max_bytes:,} bytes.",
                hint="Rewrite it with write_file, or raise the server's --max-read-bytes.",
            )
        raw = _read_all(fd)
    finally:
        os.close(fd)
    style = _TextStyle.sniff(raw[:_SNIFF_BYTES])
    before = style.decode(raw, path)
    after, replacements = before, 0
    for number, edit in enumerate(edits, start=1):
        after, count = _apply(after, edit, number, style, path)
        replacements += count
    written = not dry_run and after != before
    if written:
        _refuse_if_changed(canonical, read, path)
        data = style.bom + after.encode(style.encoding)
        _replace(jail, canonical, path, lambda out: atomic.write_all(out, data), create_parents=False)
    return EditResult(
        path=jail.display(canonical),
        diff=_unified_diff(path, before, after),
        replacements=replacements,
        written=written,
    )


def _refuse_if_changed(canonical: Path, read: os.stat_result, display: str) -> None:
    """Refuse to write an edit over a change someone else saved since the file was read."""
    now = _lstat(canonical)
    if now is None or (now.st_ino, now.st_size, now.st_mtime_ns) != (
        read.st_ino,
        read.st_size,
        read.st_mtime_ns,
    ):
        raise OperationFailed(
            f"'{display}' changed on disk while it was being edited; nothing was written.",
            hint="Read it again, then repeat the edit.",
        )


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _apply(text: str, edit: Edit, number: int, style: _TextStyle, display: str) -> tuple[str, int]:
    """Apply one edit to `text`; return the new text and the number of occurrences replaced."""
    if not edit.old_text:
        raise InvalidInput(
            f"Edit {number} has an empty oldText, which matches nowhere in particular.",
            hint="Quote the exact text to replace; to add text, include a neighbouring line in oldText.",
        )
    old, new = style.convention(edit.old_text), style.convention(edit.new_text)
    spans = _exact_spans(text, old, new) or _spans_ignoring_indentation(text, edit.old_text, edit.new_text)
    if not spans:
        raise InvalidInput(
            f"Edit {number}: oldText was not found in '{display}'. {_closest_text(text, edit.old_text)}",
            hint="Copy the text exactly as it is in the file (read it with read_text_file first).",
        )
    if len(spans) > 1 and not edit.replace_all:
        lines = ", ".join(str(text.count("\n", 0, span.start) + 1) for span in spans[:20])
        more = ", ..." if len(spans) > 20 else ""
        raise InvalidInput(
            f"Edit {number}: oldText matches {len(spans)} times in '{display}' (at lines {lines}{more}); "
            "nothing was changed.",
            hint="Include more surrounding lines to make it unique, or set replaceAll: true in that edit.",
        )
    pieces, position = [], 0
    for span in spans:
        pieces += [text[position : span.start], span.text]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces), len(spans)


def _exact_spans(text: str, old: str, new: str) -> list[_Span]:
    spans, start = [], text.find(old)
    while start >= 0:
        spans.append(_Span(start, start + len(old), new))
        start = text.find(old, start + len(old))
    return spans


def _spans_ignoring_indentation(text: str, old_text: str, new_text: str) -> list[_Span]:
    """Whole-line matches of `old_text` ignoring leading/trailing whitespace, with `new_text` re-indented.

    Each match is replaced by `new_text`'s lines, shifted so its first line gets the indentation the
    file had where the match starts, and ended with the file's line ending there.
    """
    wanted = _lines_of(old_text)
    if not any(line.strip() for line in wanted):
        return []  # blank lines would match any blank lines
    replacement = _lines_of(new_text)
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    count = len(lines) - 1 if text.endswith("\n") else len(lines)
    spans, index = [], 0
    while index + len(wanted) <= count:
        window = lines[index : index + len(wanted)]
        if all(have.strip() == want.strip() for have, want in zip(window, wanted, strict=True)):
            spans.append(_line_span(text, starts, lines, index, len(wanted), wanted, replacement))
            index += len(wanted)
        else:
            index += 1
    return spans


def _line_span(
    text: str, starts: list[int], lines: list[str], index: int, length: int, wanted: list[str], new: list[str]
) -> _Span:
    last = index + length - 1
    newline = "\r\n" if lines[index].endswith("\r") else "\n"
    if not new:  # delete the lines, their line endings included
        end = starts[last + 1] if last + 1 < len(starts) else len(text)
        return _Span(starts[index], end, "")
    end = starts[last] + len(lines[last].removesuffix("\r"))
    anchor = next(offset for offset, line in enumerate(wanted) if line.strip())
    file_indent, old_indent = _indent(lines[index + anchor]), _indent(wanted[anchor])
    shifted = [_shift(line, old_indent, file_indent) for line in new]
    return _Span(starts[index], end, newline.join(shifted))


def _lines_of(text: str) -> list[str]:
    """Lines without endings; a final line ending does not start another line."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _shift(line: str, old_indent: str, file_indent: str) -> str:
    if not line.strip():
        return ""
    if line.startswith(old_indent):
        return file_indent + line[len(old_indent) :]
    return file_indent + line.lstrip(" \t")


def _closest_text(text: str, old_text: str) -> str:
    """Where the file has the line most like oldText's first non-blank line, with a few lines after it."""
    wanted = [line for line in _lines_of(old_text) if line.strip()]
    if not wanted:
        return "oldText holds only whitespace."
    lines = text.replace("\r\n", "\n").split("\n")
    matcher = difflib.SequenceMatcher(None, b=wanted[0].strip(), autojunk=False)
    best_ratio, best_index = 0.0, -1
    for index, line in enumerate(lines):
        matcher.set_seq1(line.strip())
        if matcher.real_quick_ratio() > best_ratio and matcher.quick_ratio() > best_ratio:
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best_ratio, best_index = ratio, index
    if best_ratio < 0.5:
        return "No line of the file resembles its first line."
    shown = lines[best_index : best_index + min(max(len(wanted), 1), _CLOSEST_LINES_SHOWN)]
    numbered = "\n".join(
        f"{best_index + offset + 1:>6} | {line[:_CLOSEST_LINE_CHARS]}" for offset, line in enumerate(shown)
    )
    return f"The closest text is at line {best_index + 1} ({best_ratio:.0%} similar):\n{numbered}\n"


# -- diffs --------------------------------------------------------------------------------------

_HUNK = re.compile(r"^@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@", re.MULTILINE)


def _unified_diff(display: str, before: str, after: str) -> str:
    """A unified diff in the reference server's shape; only the changed region is compared."""
    old, new = _diff_lines(before), _diff_lines(after)
    if old == new:
        return ""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    skip, keep_end = max(0, prefix - _DIFF_CONTEXT), max(0, suffix - _DIFF_CONTEXT)
    lines = difflib.unified_diff(
        old[skip : len(old) - keep_end],
        new[skip : len(new) - keep_end],
        fromfile=display,
        tofile=display,
        fromfiledate="original",
        tofiledate="modified",
        n=_DIFF_CONTEXT,
    )
    body = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    body = _HUNK.sub(lambda m: f"@@ -{int(m[1]) + skip}{m[2]} +{int(m[3]) + skip}{m[4]} @@", body)
    return f"Index: {display}\n{'=' * 67}\n{body}"


def _diff_lines(text: str) -> list[str]:
    lines = [line + "\n" for line in text.replace("\r\n", "\n").split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines


def _fenced(diff: str) -> str:
    """The diff in a code fence longer than any run of backticks inside it, as the reference does."""
    fence = "```"
    while fence in diff:
        fence += "`"
    return f"{fence}diff\n{diff}{fence}\n\n"


# -- tools --------------------------------------------------------------------------------------


def _created_note(directories: list[str]) -> str:
    return f" Created directories: {', '.join(directories)}." if directories else ""


def register(server: ToolRegistry, workspace: Workspace) -> None:
    settings = workspace.settings

    async def sweep_after_start() -> None:
        await anyio.sleep(SWEEP_DELAY)
        atomic.sweep_in_background(workspace.jail.roots)

    # Temporaries of a killed run are removed in the background, so a big tree never slows start-up.
    server.run_in_background(sweep_after_start)

    @server.tool(title="Write file", read_only=False, destructive=True, idempotent=True)
    async def write_file(
        path: PathArgument,
        content: Annotated[str, Field(description="The complete new content of the file, as text.")],
        ctx: ToolContext,
        createParents: CreateParents = False,  # noqa: N803 - client-visible names are camelCase
    ) -> Annotated[types.CallToolResult, WriteResult]:
        """Create a new file or completely overwrite an existing file with new content.

        Use with caution: it replaces an existing file without warning (use edit_file to change
        part of a file, append_file to add to its end). The write is atomic: readers see the old
        file or the new one, never a mix. An existing file keeps its permissions, its byte-order
        mark and its CRLF line endings. Text is stored as UTF-8 (for binary content use
        write_binary_file). The parent directory must exist unless createParents is true.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_write_text, jail, path, content, createParents)
        kept = f" Kept: {', '.join(result.kept)}." if result.kept else ""
        note = f" ({result.size:,} bytes, {'new file' if result.created else 'replaced'}).{kept}"
        return tool_result(
            f"Successfully wrote to {path}{note}{_created_note(result.created_directories)}", result
        )

    @server.tool(title="Write binary file", read_only=False, destructive=True, idempotent=True)
    async def write_binary_file(
        path: PathArgument,
        contentBase64: Annotated[  # noqa: N803
            str, Field(description="The complete new content, base64-encoded.")
        ],
        ctx: ToolContext,
        createParents: CreateParents = False,  # noqa: N803
    ) -> Annotated[types.CallToolResult, WriteResult]:
        """Create or completely overwrite a file with bytes given in base64 (images, archives, ...).

        The bytes are written exactly as decoded, atomically; an existing file keeps its
        permissions. The parent directory must exist unless createParents is true. Use write_file
        for text.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_write_bytes, jail, path, contentBase64, createParents)
        note = f" ({result.size:,} bytes, {'new file' if result.created else 'replaced'})."
        return tool_result(
            f"Successfully wrote to {path}{note}{_created_note(result.created_directories)}", result
        )

    @server.tool(title="Append to file", read_only=False, destructive=False)
    async def append_file(
        path: PathArgument,
        content: Annotated[str, Field(description="Text to add at the end of the file, as is.")],
        ctx: ToolContext,
        createParents: CreateParents = False,  # noqa: N803
    ) -> Annotated[types.CallToolResult, AppendResult]:
        """Add text at the end of a file, creating the file if it does not exist.

        Nothing is inserted between the old end and the new text: start content with a newline if
        the file may not end with one. The text follows the file's line endings (CRLF stays CRLF).
        Files up to 32 MiB are appended atomically (copied with the new text, then swapped in);
        larger ones are appended in place, and cut back to their old length if the write fails.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_append, jail, path, content, createParents)
        note = f" ({result.appended:,} bytes added; the file now has {result.size:,} bytes)."
        return tool_result(
            f"Successfully appended to {path}{note}{_created_note(result.created_directories)}", result
        )

    @server.tool(title="Edit file", read_only=False, destructive=True)
    async def edit_file(
        path: PathArgument,
        edits: Annotated[list[Edit], Field(min_length=1, description="Replacements, applied in order.")],
        ctx: ToolContext,
        dryRun: Annotated[  # noqa: N803 - the reference server's parameter name
            bool, Field(description="Preview changes using git-style diff format, without writing.")
        ] = False,
    ) -> Annotated[types.CallToolResult, EditResult]:
        """Make line-based edits to a text file; returns a git-style diff of the changes.

        Each edit replaces oldText with newText. oldText is matched exactly first; if it is not
        found, line by line ignoring indentation and trailing spaces (newText is then re-indented to
        the file's indentation). Write oldText with plain \\n line endings: it matches CRLF files
        too, and the file keeps its line endings, BOM and permissions. An oldText that matches more
        than once is refused (with the line numbers) unless that edit sets replaceAll: true; one
        that is not found is refused with the closest lines of the file. Edits apply in order,
        all or nothing; dryRun shows the diff without writing.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_edit, jail, path, edits, dryRun, settings.max_read_bytes)
        if not result.diff:
            text = f"No changes: the edits leave {path} as it was.\n"
        else:
            text = _fenced(result.diff)
            if dryRun:
                text += f"Dry run: {path} was not changed.\n"
        cut = truncate_text(
            text,
            settings.max_output_chars,
            how_to_continue="read the file with read_text_file to see the rest"
            if result.written
            else "make fewer edits at a time to see the whole diff",
        )
        if cut.truncated:
            result.diff = result.diff[: settings.max_output_chars] + "\n[diff truncated]\n"
        return tool_result(cut.text, result)

    @server.tool(title="Create directory", read_only=False, idempotent=True)
    async def create_directory(
        path: PathArgument, ctx: ToolContext
    ) -> Annotated[types.CallToolResult, DirectoryResult]:
        """Create a directory, with any missing parents (like mkdir -p); succeed if it already exists.

        Fails if the path, or one of its parents, is an existing file.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_create_directory, jail, path)
        note = "" if result.created else " (it already existed)"
        return tool_result(f"Successfully created directory {path}{note}", result)


def _create_directory(jail: PathJail, path: str) -> DirectoryResult:
    canonical = jail.resolve(path, intent="create")
    created = make_directories(jail, canonical)
    return DirectoryResult(path=jail.display(canonical), created=created)
