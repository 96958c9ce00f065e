"""Real PDF files, written byte by byte, for the conversion tests and their measurements.

`text_pdf` writes a PDF 1.4 file as the specification lays it out: a catalog, a page tree, one
content stream per page drawing its lines in Helvetica (WinAnsi encoding, so Western European
letters work), an information dictionary with the title (in UTF-16, as PDF text strings may be),
and the cross-reference table with each object's byte offset. `encrypted` re-saves a file behind a
password with pypdf's public API.
"""

from __future__ import annotations

import io

__all__ = ["encrypted", "text_pdf"]


def _literal(text: str) -> bytes:
    """A PDF literal string of `text` in WinAnsi (cp1252) bytes."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _text_string(text: str) -> bytes:
    """A PDF text string (outside content streams): UTF-16BE behind its byte-order mark, in hex."""
    return b"<" + ("\ufeff" + text).encode("utf-16-be").hex().upper().encode() + b">"


def _content(lines: list[str]) -> bytes:
    drawn = b" T* ".join(_literal(line) + b" Tj" for line in lines)
    return b"BT /F1 11 Tf 14 TL 72 740 Td " + drawn + b" ET"


def text_pdf(pages: list[list[str]], *, title: str | None = None) -> bytes:
    """A PDF whose page i shows the lines `pages[i]`, one under the other."""
    count = len(pages)
    # Objects: 1 catalog, 2 page tree, 3 font, 4 info, then a page and its content stream per page.
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (5 + 2 * i) for i in range(count))
        + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _text_string(title) + b" /Producer (moorings tests) >>" if title else b"<< >>",
    ]
    for i, lines in enumerate(pages):
        stream = _content(lines)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (6 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def encrypted(pdf: bytes, *, user_password: str) -> bytes:
    """`pdf` behind `user_password` (AES-128); an empty password only restricts permissions."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
