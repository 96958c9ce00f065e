"""The text of a PDF document, page by page, within bounds a hostile file cannot stretch.

pypdf reads the text layer of each page; each page's text follows a `--- page N of M ---` line, so
a model paging through a long document knows where it is, and a page without text (a scanned
image) says so rather than vanishing. The title comes from the document's metadata.

Bounds. A PDF is a program for drawing, and a hostile one can make a page cost minutes. pypdf's
own limits (its `Configuration`) are tightened for the time of the reading: no stream decompresses
to more than `STREAM_BYTES`, no content stream takes more than pypdf's parsing budget, and no
outside program is run for JBIG2 images. Between pages, reading stops after `PAGES` pages or
`SECONDS` seconds (or at the caller's deadline, if sooner), and the note says which pages were
left out. Measured: 200 pages of dense text (785 000 characters) in 1.7 s, 8.5 ms a page.

A document that needs a password, or that is not a PDF pypdf can open, is an `OperationFailed`;
a page pypdf fails on is marked as unreadable and the others are still read.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moorings_core.errors import OperationFailed

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

__all__ = ["PAGES", "SECONDS", "STREAM_BYTES", "PdfText", "pdf_text"]

PAGES = 2000
"""Pages read at most."""

SECONDS = 20.0
"""Time spent reading pages at most (checked between pages)."""

STREAM_BYTES = 16 * 1024 * 1024
"""What one stream may decompress to (pypdf allows 75 MB; a page's text never needs that much)."""


# pypdf's limits on what one stream may decompress or allocate to.
_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "image_maximum_buffer_size",
)


@dataclass(frozen=True)
class PdfText:
    """A PDF's text: the pages read, its title, and what was left out, if anything."""

    text: str
    title: str | None
    note: str | None


def pdf_text(body: bytes, *, deadline: float | None = None) -> PdfText:
    """The text of the PDF `body`. `deadline` is a `time.monotonic()` time to stop reading pages by."""
    from pypdf import apply_configuration, get_configuration

    stop = time.monotonic() + SECONDS
    if deadline is not None:
        stop = min(stop, deadline)
    limits = dict.fromkeys(_OUTPUT_LIMITS, STREAM_BYTES)
    bounded = get_configuration().with_overwrites(jbig2dec_binary=None, **limits)
    with apply_configuration(bounded):
        return _read(body, stop)


def _read(body: bytes, stop: float) -> PdfText:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(body))
        count = len(reader.pages)
    except FileNotDecryptedError as error:
        raise _locked() from error
    # A malformed file reaches pypdf's parser in many ways; these are the ones it fails with.
    except (PyPdfError, DependencyError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise OperationFailed(
            f"The document is not a PDF that can be read ({error}).",
            hint="Check the URL; if a browser opens it, the file may use features pypdf does not read.",
        ) from error
    if reader.is_encrypted and not reader.decrypt(""):  # pypdf tries the empty password itself; be sure
        raise _locked()
    parts: list[str] = []
    read = 0
    for number, page in enumerate(reader.pages, start=1):
        # The first page is always read: a document cut to nothing would say nothing at all.
        if number > PAGES or (number > 1 and time.monotonic() > stop):
            break
        parts.append(f"--- page {number} of {count} ---\n{_page_text(page)}")
        read = number
    return PdfText("\n\n".join(parts), _title(reader), _note(read, count, parts))


def _page_text(page: PageObject) -> str:
    try:
        text = page.extract_text().strip()
    except Exception as error:  # one malformed page, whatever pypdf trips on, must not hide the others
        return f"(this page could not be read: {type(error).__name__})"
    return text or "(no text on this page)"


def _title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata is not None else None
    except Exception:  # a broken information dictionary leaves the document untitled
        return None
    return " ".join(str(title).split()) or None if title else None


def _note(read: int, count: int, parts: list[str]) -> str | None:
    if count == 0:
        return "The PDF has no pages."
    if read < count:
        limit = f"at most {PAGES} pages are read" if read >= PAGES else "the time for reading it ran out"
        return f"Only pages 1-{read} of {count} are shown: {limit}."
    if all(part.endswith("(no text on this page)") for part in parts):
        return "The PDF has no text layer (it may be scanned images); nothing could be extracted."
    return None


def _locked() -> OperationFailed:
    return OperationFailed(
        "The PDF is protected by a password, so its text cannot be read.",
        hint="Ask the user for an unprotected copy of the document.",
    )
