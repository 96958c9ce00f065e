"""A fetched body as the text the fetch tool pages through.

`convert(body, content_type, url, mode)` decides what the body is, from its Content-Type and, when
that is missing or says only "text" or "bytes", from its first bytes, and makes text of it:

| body | readable | full | text | raw |
| --- | --- | --- | --- | --- |
| HTML | main content, markdown | whole page, markdown | main content, plain text | the source |
| JSON | pretty-printed | pretty-printed | pretty-printed | as received |
| PDF | text, page by page | same | same | same, with a note |
| other text (plain, markdown, CSV, XML) | as received | same | same | same |
| images, audio, archives, ... | `OperationFailed` | same | same | same |

`Document.mode` is the mode that was applied: the one asked for, except where it means nothing for
the body (a CSV file has no main content: "raw"; a PDF has no source to show: "text") or could not
apply (a page whose main content cannot be found is given whole: "full"). `Document.note` then says
so in a sentence for the model. For text that is not HTML the note is the reference server's
prefix ("Content type text/csv cannot be simplified to markdown, but here is the raw content:"),
so its users read what they are used to; HTML asked for raw gets no note: that is what was asked.

HTML is recognised as the reference server does, by type or, when the type is missing or says
text/plain or bytes, by `<html` or `<!doctype html` at its start. Heavy libraries are imported on
the first body that needs them (see `markdown` and `pdf`), never when the server starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from moorings_core.charsets import decode_text
from moorings_core.errors import OperationFailed
from moorings_core.media import sniff
from moorings_fetch import markdown, pdf

__all__ = ["Document", "Mode", "convert"]

Mode = Literal["readable", "full", "text", "raw"]

Kind = Literal["html", "json", "pdf", "text", "binary"]


@dataclass(frozen=True)
class Document:
    """What a fetched body reads as."""

    text: str
    """What the tool pages through."""
    title: str | None
    media_type: str
    """The body's media type, e.g. "text/html", without parameters ("" when the server sent none)."""
    mode: Mode
    """The mode actually applied."""
    note: str | None
    """A sentence for the model when the mode could not apply as asked."""


_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_JSON_TYPES = frozenset({"application/json", "text/json", "application/x-json"})
# Types that say only "text" or "bytes": the body may well be HTML, a PDF, or anything.
_VAGUE_TYPES = frozenset(
    {"", "text/plain", "application/octet-stream", "binary/octet-stream", "application/unknown"}
)
_TEXT_APPLICATION_TYPES = frozenset(
    {"application/xml", "application/javascript", "application/ecmascript", "application/x-javascript"}
    | {"application/yaml", "application/x-yaml", "application/toml", "application/x-sh", "application/sql"}
    | {
        "application/csv",
        "application/x-ndjson",
        "application/graphql",
        "application/rtf",
        "application/x-tex",
    }
)
_BINARY_FAMILIES = ("image/", "audio/", "video/", "font/", "model/")

_SNIFF_BYTES = 1024


def convert(
    body: bytes, content_type: str, url: str, mode: Mode, *, deadline: float | None = None
) -> Document:
    """`body`, served as `content_type` from `url`, as text in `mode`. Blocking and CPU-bound.

    `deadline` (a `time.monotonic()` time) bounds the reading of a long PDF; HTML and JSON take
    time in proportion to their size, which the download limit bounds.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    kind = _kind(media_type, body)
    if kind == "html":
        return _html(body, content_type, media_type or "text/html", url, mode)
    if kind == "pdf":
        return _pdf(body, media_type or "application/pdf", mode, deadline)
    if kind == "binary":
        raise _not_text(media_type or sniff(body[:_SNIFF_BYTES]) or "application/octet-stream", len(body))
    text, _ = decode_text(body, content_type)
    if kind == "json":
        return _json(text, content_type, media_type, mode)
    return Document(text, None, media_type or "text/plain", "raw", _reference_note(content_type))


def _kind(media_type: str, body: bytes) -> Kind:
    if media_type in _HTML_TYPES:
        return "html"
    if media_type == "application/pdf":
        return "pdf"
    if media_type in _JSON_TYPES or media_type.endswith("+json"):
        return "json"
    if media_type == "image/svg+xml":
        return "text"  # an SVG file is XML a model can read
    if media_type.startswith(_BINARY_FAMILIES):
        return "binary"
    declared_text = media_type.startswith("text/") or media_type.endswith("+xml")
    if (declared_text or media_type in _TEXT_APPLICATION_TYPES) and media_type not in _VAGUE_TYPES:
        return "text"
    # The type is missing, vague or unknown: the bytes decide.
    head = body[:_SNIFF_BYTES]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if _looks_like_html(head):
        return "html"
    return "binary" if _looks_binary(head) else "text"


def _looks_like_html(head: bytes) -> bool:
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    # The reference server's own test is "<html" in the first 100 characters.
    return start.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:100].lower()


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False  # a byte-order mark: UTF-8 or UTF-16 text, whose NUL bytes are half its letters
    known = sniff(head)
    return (known is not None and known != "image/svg+xml") or b"\x00" in head


# --- each kind ------------------------------------------------------------------------------------


def _html(body: bytes, content_type: str, media_type: str, url: str, mode: Mode) -> Document:
    text, _ = decode_text(body, content_type)
    if mode == "raw":
        return Document(text, None, media_type, "raw", None)
    rendered = markdown.render(text, url, mode)
    if not rendered.whole_page:
        return Document(rendered.text, rendered.title, media_type, mode, None)
    if mode == "text":
        note = "The main content of the page could not be found; this is the text of the whole page."
        return Document(rendered.text, rendered.title, media_type, "text", note)
    note = "The main content of the page could not be found; this is the whole page."
    return Document(rendered.text, rendered.title, media_type, "full", note)


def _json(text: str, content_type: str, media_type: str, mode: Mode) -> Document:
    if mode == "raw":
        return Document(text, None, media_type, "raw", _reference_note(content_type))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return _not_json(
            text,
            media_type,
            f"{error.msg[:1].lower()}{error.msg[1:]} at line {error.lineno}, column {error.colno}",
        )
    except RecursionError:  # nested deeper than Python's stack
        return _not_json(text, media_type, "it is nested too deeply to read")
    # Numbers are re-written as Python reads them: 1.10 shows as 1.1; duplicate keys keep the last.
    return Document(json.dumps(value, indent=2, ensure_ascii=False), None, media_type, mode, None)


def _not_json(text: str, media_type: str, reason: str) -> Document:
    return Document(
        text, None, media_type, "raw", f"The body is not valid JSON ({reason}); here is the raw content:"
    )


def _pdf(body: bytes, media_type: str, mode: Mode, deadline: float | None) -> Document:
    extracted = pdf.pdf_text(body, deadline=deadline)
    note = extracted.note
    if mode == "raw":
        raw_note = "A PDF has no text source to show; this is the text extracted from it."
        note = f"{raw_note} {note}" if note else raw_note
    return Document(extracted.text, extracted.title, media_type, "text" if mode == "raw" else mode, note)


def _reference_note(content_type: str) -> str:
    if not content_type.strip():
        return "The response has no content type and does not look like HTML; here is the raw content:"
    return f"Content type {content_type} cannot be simplified to markdown, but here is the raw content:"


def _not_text(media_type: str, size: int) -> OperationFailed:
    return OperationFailed(
        f"The response is {media_type} ({size:,} bytes), which cannot be shown as text.",
        hint="Fetch a page that describes or links to it instead, or open it with a tool made for that type.",
    )
