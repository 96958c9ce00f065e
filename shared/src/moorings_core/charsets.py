"""Which character encoding a fetched body is in, and its text.

`decode_text(body, content_type)` decides once, in the order a browser would, and
the first that answers wins:

1. a byte-order mark (UTF-8, UTF-16 LE or BE), which is then left out of the text;
2. the `charset` of the Content-Type header;
3. for markup (HTML, XML, or no type at all), what the first 1024 bytes declare:
   an `<?xml ... encoding="...">` declaration at the start, else a
   `<meta charset>` or `<meta http-equiv="Content-Type" content="...; charset=...">`
   found by the WHATWG prescan (comments and other tags' attributes skipped). A
   declared UTF-16 there means UTF-8, as in browsers: bytes readable as ASCII
   far enough to declare it are not UTF-16;
4. UTF-8, when the bytes are valid UTF-8 (an incomplete character at the very end,
   where a byte cap cut the body, does not count against it);
5. detection by charset-normalizer over 64 KiB around the first byte that is not
   UTF-8 (it reads statistics of the text, so a page in windows-1251 that says
   nothing is still read as Russian);
6. windows-1252, which decodes every byte.

Only the encodings of the WHATWG Encoding Standard are used, under the names
Python gives them; a label that names anything else (rot13, base64, utf-7, a
misspelling) is ignored and the next step decides. As in browsers, labels are
read as the superset the web means by them: ISO-8859-1 and US-ASCII as
windows-1252, Shift_JIS as cp932, GBK and GB2312 as GB18030, EUC-KR as cp949.
Bytes that do not fit the chosen encoding become U+FFFD.

Detection costs a few milliseconds on its sample; charset-normalizer is imported
only when step 5 is reached.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_text", "web_encoding"]

PRESCAN_BYTES = 1024
_DETECTION_SAMPLE = 64 * 1024
_DETECTION_CONTEXT = 256

# The WHATWG encodings, as Python's codec names, after the supersets below.
_WEB_ENCODINGS = frozenset(
    codecs.lookup(name).name
    for name in (
        "utf-8", "utf-16-le", "utf-16-be", "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5",
        "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15",
        "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "cp1250", "cp1251",
        "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "gb18030", "big5hkscs",
        "euc_jp", "iso2022_jp", "cp932", "cp949",
    )
)  # fmt: skip
# What detection may answer: the web's encodings but UTF-8 (already ruled out), and the narrower sets the
# web reads as one of them (charset-normalizer names Shift_JIS where cp932 is meant).
_DETECTABLE = sorted(
    (_WEB_ENCODINGS - {"utf-8"}) | {"shift_jis", "euc_kr", "big5", "iso8859-1", "iso8859-9", "gbk", "gb2312"}
)
# What the web means by a label, where Python decodes a narrower set.
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "utf-16": "utf-16-le",  # without a byte-order mark, WHATWG reads UTF-16 as little-endian
}
# WHATWG labels that Python does not know by that name.
_LABELS = {
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "windows-31j": "cp932",
    "x-sjis": "cp932",
    "iso-8859-8-i": "iso8859-8",
    "x-gbk": "gb18030",
    "x-euc-jp": "euc_jp",
    "unicode-1-1-utf-8": "utf-8",
    "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8",
    "x-unicode20utf8": "utf-8",
    **{f"x-cp{page}": f"cp{page}" for page in range(1250, 1259)},
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_MARKUP_TYPES = frozenset({"", "text/html", "application/xhtml+xml", "text/xml", "application/xml"})
_XML_DECLARATION = re.compile(rb"""\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"'>]{1,40})["']""", re.IGNORECASE)
_SPACE = b"\t\n\x0c\r "
_META_CHARSET = re.compile(rb"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))""", re.IGNORECASE)


def decode_text(body: bytes, content_type: str) -> tuple[str, str]:
    """The text of `body` and the name of the encoding it was read in (a Python codec name)."""
    for bom, unicode in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(unicode, errors="replace"), unicode
    mime_type, _, parameters = content_type.partition(";")
    declared = web_encoding(_charset_parameter(parameters))
    if declared is None and _is_markup(mime_type.strip().lower()):
        declared = _declared_in_markup(body[:PRESCAN_BYTES])
    if declared is not None:
        return body.decode(declared, errors="replace"), declared
    text = _utf8_text(body)
    if text is not None:
        return text, "utf-8"
    guessed = _detected(body) or "cp1252"
    return body.decode(guessed, errors="replace"), guessed


def web_encoding(label: str | None) -> str | None:
    """The Python codec a charset label names on the web, or None when it names none we read."""
    if not label:
        return None
    label = label.strip().strip("\"'").strip().lower()
    try:
        name = codecs.lookup(_LABELS.get(label, label)).name
    except (LookupError, ValueError):  # ValueError: a label with a NUL in it
        return None
    name = _SUPERSETS.get(name, name)
    return name if name in _WEB_ENCODINGS else None


def _charset_parameter(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value
    return None


def _is_markup(mime_type: str) -> bool:
    return mime_type in _MARKUP_TYPES or mime_type.endswith("+xml")


def _declared_in_markup(head: bytes) -> str | None:
    declaration = _XML_DECLARATION.match(head)
    if declaration is not None:
        encoding = web_encoding(declaration.group(1).decode("ascii", "replace"))
    else:
        encoding = _meta_charset(head)
    # Bytes read as ASCII far enough to declare UTF-16 are not UTF-16.
    return "utf-8" if encoding in ("utf-16-le", "utf-16-be") else encoding


def _utf8_text(body: bytes) -> str | None:
    """`body` as UTF-8, or None if it is not; a character cut off at the end becomes U+FFFD."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(body, final=False)
    except UnicodeDecodeError:
        return None
    pending, _ = decoder.getstate()
    return text + "\N{REPLACEMENT CHARACTER}" if pending else text


def _detected(body: bytes) -> str | None:
    """What charset-normalizer reads the non-UTF-8 part of `body` as, among the web's encodings."""
    import charset_normalizer

    try:
        body.decode("utf-8")
        first_foreign = 0
    except UnicodeDecodeError as exc:
        first_foreign = exc.start
    # Start just before the first byte that is not UTF-8: a long ASCII head (markup) would drown the
    # statistics of the text that tells encodings apart.
    start = max(0, first_foreign - _DETECTION_CONTEXT)
    sample = body[start : start + _DETECTION_SAMPLE]
    # Only the web's encodings are candidates: left to itself it may prefer EBCDIC for such a sample.
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(_DETECTABLE)).best()
    return web_encoding(best.encoding) if best is not None else None


# -- The WHATWG prescan of a byte stream for a <meta> charset ------------------------------------------------


def _meta_charset(head: bytes) -> str | None:
    """The encoding named by the first `<meta>` in `head` that names a known one (the WHATWG prescan)."""
    position = 0
    while position < len(head):
        if head.startswith(b"<!--", position):
            end = head.find(b"-->", position + 2)
            if end < 0:
                return None
            position = end + 3
            continue
        if head[position : position + 5].lower() == b"<meta" and head[position + 5 : position + 6] in (
            *(bytes([c]) for c in _SPACE),
            b"/",
        ):
            encoding, position = _meta_element(head, position + 6)
            if encoding is not None:
                return encoding
            continue
        if _starts_tag(head, position):
            position = _skip_tag(head, position)
            continue
        if head[position : position + 2] in (b"<!", b"</", b"<?"):
            end = head.find(b">", position + 2)
            if end < 0:
                return None
            position = end + 1
            continue
        position += 1
    return None


def _starts_tag(head: bytes, position: int) -> bool:
    """`<` then a letter, or `</` then a letter: a start or end tag whose attributes are to be skipped."""
    offset = 2 if head[position : position + 2] == b"</" else 1
    return head[position : position + 1] == b"<" and head[position + offset : position + offset + 1].isalpha()


def _skip_tag(head: bytes, position: int) -> int:
    while position < len(head) and head[position] not in _SPACE and head[position : position + 1] != b">":
        position += 1
    while True:
        attribute, position = _attribute(head, position)
        if attribute is None:
            return position


def _meta_element(head: bytes, position: int) -> tuple[str | None, int]:
    """The encoding the `<meta>` whose attributes start at `position` declares, and where it ends."""
    seen: set[bytes] = set()
    pragma = False
    need_pragma: bool | None = None
    charset: str | None = None
    charset_given = False  # a charset attribute naming no encoding still stops `content` from naming one
    while True:
        attribute, position = _attribute(head, position)
        if attribute is None:
            break
        name, value = attribute
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv" and value == b"content-type":
            pragma = True
        elif name == b"content" and not charset_given:
            charset = web_encoding(_charset_in_content(value))
            if charset is not None:
                charset_given, need_pragma = True, True
        elif name == b"charset":
            charset = web_encoding(value.decode("ascii", "replace"))
            charset_given, need_pragma = True, False
    if need_pragma is None or (need_pragma and not pragma):
        return None, position
    return charset, position


def _charset_in_content(value: bytes) -> str | None:
    """The label after `charset=` in a `content` attribute; None also when its quote is never closed."""
    match = _META_CHARSET.search(value)
    if match is None:
        return None
    label = next(group for group in match.groups() if group is not None)
    return label.decode("ascii", "replace")


def _attribute(head: bytes, position: int) -> tuple[tuple[bytes, bytes] | None, int]:
    """The next attribute (lowercase name, value) from `position`, or None at the end of the tag."""
    end = len(head)
    while position < end and (head[position] in _SPACE or head[position : position + 1] == b"/"):
        position += 1
    if position >= end or head[position : position + 1] == b">":
        return None, position + 1
    name = bytearray()
    while position < end:
        byte = head[position : position + 1]
        if byte == b"=" and name:
            break
        if byte in (b"/", b">") or byte[0] in _SPACE:
            break
        name += byte.lower()
        position += 1
    while position < end and head[position] in _SPACE:
        position += 1
    if head[position : position + 1] != b"=":
        return (bytes(name), b""), position
    position += 1
    while position < end and head[position] in _SPACE:
        position += 1
    quote = head[position : position + 1]
    if quote in (b'"', b"'"):
        close = head.find(quote, position + 1)
        if close < 0:
            return None, end
        return (bytes(name), head[position + 1 : close].lower()), close + 1
    start = position
    while position < end and head[position] not in _SPACE and head[position : position + 1] != b">":
        position += 1
    return (bytes(name), head[start:position].lower()), position
