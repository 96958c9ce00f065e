"""Bytes of a fetched body to text: a minimal stand-in, to be replaced by `moorings_core.charsets`.

TEMPORARY. The core is getting `moorings_core.charsets.decode_text(body, content_type) -> (text,
charset)`, which every server that reads the web or files will share; when it lands, `documents`
imports that instead and this module goes. It has the same signature so the swap is one import.

The order is the one browsers use, cut to what a fetch needs: a byte-order mark wins; then the
`charset` parameter of the Content-Type header; then a charset the document declares in its first
bytes (`<meta charset>`, `<meta http-equiv content="...; charset=...">`, `<?xml encoding=...?>`);
then UTF-8. Labels a browser reads as windows-1252 (`iso-8859-1`, `latin1`, `ascii`) are read so,
because servers that say Latin-1 usually send Windows' superset of it. Bytes that are not valid in
the chosen charset become U+FFFD rather than failing: a page with one stray byte is still a page.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_text"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose mark is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# How far into a document its own charset declaration is looked for. Browsers look at 1024 bytes;
# pages with long comments or scripts before their <meta> are common enough to look further.
_DECLARATION_WINDOW = 4096

_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# What WHATWG's Encoding Standard maps these labels to.
_WINDOWS_1252 = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"})


def decode_text(body: bytes, content_type: str) -> tuple[str, str]:
    """`body` as text and the charset it was read in (a Python codec name)."""
    for bom, charset in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(charset, errors="replace"), charset
    charset = _known(_from_header(content_type)) or _declared(body) or "utf-8"
    return body.decode(charset, errors="replace"), charset


def _from_header(content_type: str) -> str | None:
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def _declared(body: bytes) -> str | None:
    match = _DECLARED.search(body[:_DECLARATION_WINDOW])
    if match is None:
        return None
    charset = _known((match.group(1) or match.group(2)).decode("ascii"))
    # A document cannot declare UTF-16 in ASCII bytes and mean it; browsers read such a claim as UTF-8.
    if charset is not None and charset.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return charset


def _known(label: str | None) -> str | None:
    """The codec for a charset label, or None when Python knows no such charset."""
    if label is None:
        return None
    label = label.strip().lower()
    if label in _WINDOWS_1252:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
        b"".decode(name)  # refuses codecs that are not text encodings (base64, rot13)
    except LookupError:
        return None
    return name
