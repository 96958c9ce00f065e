"""`decode_text`: which encoding a body is read in, on real byte strings in those encodings."""

from __future__ import annotations

import codecs

import pytest

from moorings_core.charsets import decode_text, web_encoding

JAPANESE = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю. Москва - столица России."
FRENCH = "L'été, le cœur déçu, il rêva d'une « crème brûlée » – naïvement."


def test_a_shift_jis_page_declared_only_in_a_meta_tag() -> None:
    page = f"<html><head><meta charset=Shift_JIS><title>猫</title></head><body>{JAPANESE}</body></html>"
    body = page.encode("shift_jis")
    assert decode_text(body, "text/html") == (page, "cp932")
    # The control: the same bytes read as UTF-8 (or detected) are not this text.
    assert body.decode("utf-8", errors="replace") != page


@pytest.mark.parametrize(
    "meta",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">',
        "<META HTTP-EQUIV=content-type CONTENT='text/html;charset=\"SJIS\"'>",
        '<meta content="text/html; charset=windows-31j" http-equiv="content-type"/>',
        '<!-- <meta charset="koi8-r"> --><meta charset="x-sjis">',
        '<meta charset="no-such-charset"><meta charset="shift_jis">',
    ],
)
def test_the_meta_prescan_reads_each_way_of_declaring(meta: str) -> None:
    page = f"<html><head>{meta}</head><body>{JAPANESE}</body></html>"
    assert decode_text(page.encode("cp932"), "text/html; foo=bar") == (page, "cp932")


@pytest.mark.parametrize(
    "markup",
    [
        # A content attribute that names a charset, without http-equiv="Content-Type".
        '<meta http-equiv="refresh" content="0; charset=koi8-r">',
        '<meta name="description" content="charset=koi8-r">',
        '<a title="<meta charset=koi8-r>">',  # inside another tag's attribute
        "<!-- <meta charset=koi8-r> -->",  # inside a comment
        "<meta charset=koi8-r>".rjust(1100),  # past the first 1024 bytes
    ],
)
def test_what_is_not_a_meta_declaration_is_not_read_as_one(markup: str) -> None:
    page = f"{markup}<p>{FRENCH}</p>"
    assert decode_text(page.encode(), "text/html") == (page, "utf-8")


def test_a_meta_declaration_is_ignored_outside_markup() -> None:
    text = f"<meta charset=koi8-r> {FRENCH}"
    assert decode_text(text.encode(), "text/plain") == (text, "utf-8")


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r", "cp866"])
def test_cyrillic_without_any_declaration_is_detected(encoding: str) -> None:
    page = f"<html><body><p>{RUSSIAN}</p><p>{RUSSIAN}</p></body></html>"
    assert decode_text(page.encode(encoding), "text/html") == (page, encoding)


def test_detection_looks_at_the_part_that_is_not_utf8() -> None:
    # 200 KiB of ASCII before the first Cyrillic byte: a sample of the start alone would see ASCII.
    text = "a" * (200 * 1024) + RUSSIAN * 3
    assert decode_text(text.encode("cp1251"), "text/plain") == (text, "cp1251")


def test_the_header_charset_beats_the_meta_tag() -> None:
    page = f"<meta charset=utf-8><p>{RUSSIAN}</p>"
    assert decode_text(page.encode("koi8-r"), "text/html; charset=KOI8-R") == (page, "koi8-r")


def test_a_byte_order_mark_beats_the_header() -> None:
    assert decode_text(codecs.BOM_UTF8 + FRENCH.encode(), "text/html; charset=iso-8859-1") == (
        FRENCH,
        "utf-8",
    )
    body = codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be")
    assert decode_text(body, "text/plain; charset=utf-8") == (FRENCH, "utf-16-be")
    body = codecs.BOM_UTF16_LE + RUSSIAN.encode("utf-16-le")
    assert decode_text(body, "text/html; charset=windows-1251") == (RUSSIAN, "utf-16-le")


@pytest.mark.parametrize(
    "charset",
    ["rot13", "base64", "zlib", "no-such-charset", "utf-7", "unicode_escape", "idna", "undefined", "a\0b"],
)
def test_bogus_and_non_text_charsets_fall_through(charset: str) -> None:
    text = f"{FRENCH} +AGEAYgBj- \\x41"
    assert decode_text(text.encode(), f"text/plain; charset={charset}") == (text, "utf-8")
    assert decode_text(text.encode("cp1252"), f'text/html; charset="{charset}"')[1] == "cp1252"


def test_latin1_and_ascii_labels_are_read_as_windows_1252() -> None:
    # Bytes 0x80-0x9f are quotes and dashes on the web, not C1 control characters.
    text = "“quoted” – dash"
    for label in ("ISO-8859-1", "latin1", "us-ascii"):
        assert decode_text(text.encode("cp1252"), f"text/html; charset={label}") == (text, "cp1252")


def test_utf16_declared_in_markup_means_utf8() -> None:
    page = f'<meta charset="utf-16"><p>{FRENCH}</p>'
    assert decode_text(page.encode(), "text/html") == (page, "utf-8")
    document = f'<?xml version="1.0" encoding="UTF-16"?><p>{FRENCH}</p>'
    assert decode_text(document.encode(), "application/xml") == (document, "utf-8")


def test_an_xml_declaration_names_the_encoding() -> None:
    document = f"<?xml version='1.0' encoding='koi8-r'?>\n<text>{RUSSIAN}</text>"
    assert decode_text(document.encode("koi8-r"), "application/atom+xml") == (document, "koi8-r")
    assert decode_text(document.encode("koi8-r"), "") == (document, "koi8-r")


def test_utf8_cut_inside_a_character_is_still_utf8() -> None:
    body = FRENCH.encode()[: FRENCH.encode().index("é".encode()) + 1]
    text, encoding = decode_text(body, "text/plain")
    assert (encoding, text[-1]) == ("utf-8", "\N{REPLACEMENT CHARACTER}")


def test_bytes_nothing_reads_fall_back_to_windows_1252() -> None:
    text, encoding = decode_text(bytes(range(0x80, 0x100)) * 4, "application/octet-stream")
    assert len(text) == 512
    assert encoding in {"cp1252"} | {web_encoding(name) for name in ("cp1250", "cp1251", "koi8-r")}


@pytest.mark.parametrize(
    ("label", "encoding"),
    [
        ("Shift_JIS", "cp932"),
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("EUC-KR", "cp949"),
        ("big5", "big5hkscs"),
        ("windows-874", "cp874"),
        ("x-mac-cyrillic", "mac-cyrillic"),
        (' "UTF8" ', "utf-8"),
        ("utf-16", "utf-16-le"),
        ("x-user-defined", None),
        ("", None),
        (None, None),
    ],
)
def test_web_labels(label: str | None, encoding: str | None) -> None:
    assert web_encoding(label) == encoding
