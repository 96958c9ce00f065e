"""What a file's bytes are: their media (MIME) type, whether they are text, and a resource of them.

A file's extension is a claim; its leading bytes (the "magic number") are evidence. `sniff` looks
at the first `SNIFF_BYTES` bytes for the signatures of the common image, audio and document
formats and says which MIME type they belong to; `media_type` falls back to a small, fixed
extension table (not the host's `mimetypes` database, so answers do not vary between machines)
when the content is not recognised. The filesystem server's read_media_file types its blocks so.

A file served as a resource (`file_contents`) is text when its bytes are UTF-8 without NUL bytes
(`as_text`), typed by its name if that names a textual type, else `text/plain`; anything else is a
base64 blob typed by its content, then its name (Python's built-in table and `_EXTRA_TYPES`), then
`application/octet-stream` (`file_type` gives that type alone). Every server that serves files
(the filesystem's, a repository's at a revision) types them here, so they agree.
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import TYPE_CHECKING, Literal

import mcp_types as types

if TYPE_CHECKING:
    from moorings_core.server.resources import ResourceContents

__all__ = ["SNIFF_BYTES", "MediaType", "as_text", "file_contents", "file_type", "media_type", "sniff"]

SNIFF_BYTES = 1024
"""How much of the start of a file `sniff` needs (SVG's `<svg` may follow a long XML prologue)."""

_FALLBACK = "application/octet-stream"

# Fixed signatures at offset 0, most specific first.
_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"MThd", "audio/midi"),
    (b"#!AMR", "audio/amr"),
    (b"%PDF-", "application/pdf"),
)

# RIFF and IFF containers: the form type sits at bytes 8-12.
_RIFF_FORMS = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_IFF_FORMS = {b"AIFF": "audio/aiff", b"AIFC": "audio/aiff"}

# ISO base media files (MP4 and kin): the major brand follows `ftyp` at bytes 8-12.
_FTYP_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"qt  ": "video/quicktime",
}

_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})

_EXTENSIONS = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".aiff": "audio/aiff",
    ".mid": "audio/midi",
    ".midi": "audio/midi",
    ".weba": "audio/webm",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class MediaType:
    """A MIME type and how it was found: from the content, the file name, or neither (the default)."""

    mime_type: str
    detected_by: Literal["content", "extension", "default"]

    @property
    def kind(self) -> Literal["image", "audio", "other"]:
        """Which content block carries it: image, audio, or other (an embedded resource)."""
        if self.mime_type.startswith("image/"):
            return "image"
        if self.mime_type.startswith("audio/"):
            return "audio"
        return "other"


def media_type(name: str, head: bytes) -> MediaType:
    """The MIME type of a file called `name` that starts with `head`: its content first, then its name."""
    sniffed = sniff(head)
    if sniffed is not None:
        # An MP4 container says nothing about whether it holds sound only; the name may.
        if sniffed == "video/mp4" and _by_extension(name) == "audio/mp4":
            return MediaType("audio/mp4", "extension")
        return MediaType(sniffed, "content")
    by_name = _by_extension(name)
    if by_name is not None:
        return MediaType(by_name, "extension")
    return MediaType(_FALLBACK, "default")


def sniff(head: bytes) -> str | None:
    """The MIME type the leading bytes of a file prove, or None when they match no known format."""
    for prefix, mime_type in _PREFIXES:
        if head.startswith(prefix):
            return mime_type
    return (
        _container_type(head)
        or _bitmap_type(head)
        or _mpeg_audio_type(head)
        or _matroska_type(head)
        or _svg_type(head)
    )


def _by_extension(name: str) -> str | None:
    return _EXTENSIONS.get(PurePath(name).suffix.lower())


def _container_type(head: bytes) -> str | None:
    form = head[8:12]
    if head.startswith(b"RIFF"):
        return _RIFF_FORMS.get(form)
    if head.startswith(b"FORM"):
        return _IFF_FORMS.get(form)
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(form, "video/mp4")
    return None


def _bitmap_type(head: bytes) -> str | None:
    # "BM" alone starts too many text files; the DIB header size that follows is the real tell.
    header_size = int.from_bytes(head[14:18], "little")
    if head.startswith(b"BM") and len(head) >= 18 and header_size in _BMP_HEADER_SIZES:
        return "image/bmp"
    return None


def _mpeg_audio_type(head: bytes) -> str | None:
    """MPEG audio without an ID3 tag starts with an 11-bit frame sync; layer bits 00 mean AAC (ADTS)."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0b11
    version = (head[1] >> 3) & 0b11
    if layer == 0:
        return "audio/aac"
    if version == 0b01:  # a reserved MPEG version: not a frame header after all
        return None
    return "audio/mpeg"


def _matroska_type(head: bytes) -> str | None:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    return "video/webm" if b"webm" in head[:64] else "video/x-matroska"


def _svg_type(head: bytes) -> str | None:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"<svg", b"<?xml", b"<!DOCTYPE svg", b"<!--")) and b"<svg" in head:
        return "image/svg+xml"
    return None


# -- a file as a resource ------------------------------------------------------------------------

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


def file_contents(uri: str, name: str, data: bytes) -> ResourceContents:
    """The bytes of a file called `name` as the contents of the resource `uri`: text, or base64."""
    text = as_text(data)
    if text is not None:
        return types.TextResourceContents(uri=uri, mime_type=_text_type(name), text=text)
    blob = base64.b64encode(data).decode("ascii")
    return types.BlobResourceContents(uri=uri, mime_type=_binary_type(name, data), blob=blob)


def file_type(name: str, data: bytes) -> str:
    """The MIME type `file_contents` gives the bytes of a file called `name`."""
    return _text_type(name) if as_text(data) is not None else _binary_type(name, data)


def as_text(data: bytes) -> str | None:
    """The bytes as text if they are UTF-8 without NUL bytes (which no text file has), else None."""
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
    return _type_by_name(name) or _FALLBACK


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
