"""What a fetched body reads as: HTML in each mode, JSON, PDF, other text, bytes that are no text.

The pages are written as sites write them (navigation, header, article, sidebar, comments, footer,
scripts); the PDFs are real files, written in the test. Assertions are on what the model reads.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from moorings_core.errors import OperationFailed
from moorings_fetch import markdown, pdf
from moorings_fetch.documents import Document, convert
from tests.fetch.html_pages import NAV_LABELS, article_page
from tests.fetch.pdf_files import encrypted, text_pdf

URL = "https://news.example.com/2024/05/tides.html"
HTML = "text/html; charset=utf-8"

ARTICLE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tides of the Øresund | The Harbour Gazette</title>
  <meta name="viewport" content="width=device-width">
  <link rel="stylesheet" href="/static/site.css">
  <style>body { font-family: serif } .ad { display: block }</style>
  <script>window.dataLayer = [{"event": "pageview", "secretTrackingId": "GTM-123"}];</script>
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/">The Harbour Gazette</a>
    <nav class="main-nav">
      <ul>
        <li><a href="/world/">World news desk</a></li>
        <li><a href="/business/">Business and markets</a></li>
        <li><a href="/science/">Science and climate</a></li>
      </ul>
    </nav>
  </header>
  <div class="layout">
    <main>
      <article>
        <h1>Tides of the Øresund</h1>
        <p class="byline">By Åsa Lindqvist, 14 May 2024</p>
        <p>The strait between Zealand and Scania carries the brackish outflow of the Baltic north into
        the Kattegat, and twice a day the North Sea pushes back. Our
        <a href="../guides/tides.html">guide to the tides</a> explains the rhythm; the
        <a href="https://www.dmi.dk/hav">Danish Meteorological Institute</a> publishes the readings.</p>
        <p>Ferries between Helsingør and Helsingborg cross the narrowest point, four kilometres wide,
        more than seventy times a day. Their captains read the current before every crossing, because
        the water can run at three knots when a storm has piled it up against the Danish coast.</p>
        <h2>What the gauges measured</h2>
        <p>Readings from the three stations along the strait, averaged over the spring of 2024:</p>
        <table>
          <thead><tr><th>Station</th><th>Mean depth (m)</th><th>Peak current (kn)</th></tr></thead>
          <tbody>
            <tr><td>Dragør</td><td>7.5</td><td>2.1</td></tr>
            <tr><td>Helsingør</td><td>31.0</td><td>3.4</td></tr>
            <tr><td>Malmö</td><td>9.2</td><td>1.8</td></tr>
          </tbody>
        </table>
        <p>The deepest channel, the Flinte Rende, is dredged every few years so that tankers bound for
        the Baltic ports can pass; its depth is a <strong>matter of treaty</strong>, not only of nature.</p>
        <p>To read a gauge yourself:</p>
        <pre><code>tide = read_gauge("Dragør")
print(tide.height)</code></pre>
        <p>Fishermen in Skanör still speak of the “salt pulses”: a few times a decade, a winter storm drives
        enough salt water through the strait to refresh the deep basins of the Baltic, and cod return.</p>
      </article>
    </main>
    <aside class="sidebar">
      <h3>Most read</h3>
      <ul><li><a href="/most-read/1">Harbour strike enters second week</a></li>
          <li><a href="/most-read/2">New bridge tolls announced</a></li></ul>
    </aside>
  </div>
  <section class="comments">
    <h3>Comments</h3>
    <div class="comment"><p>Reader41 wrote: first!!! great article about water</p></div>
  </section>
  <footer class="site-footer">
    <p>© 2024 The Harbour Gazette. All rights reserved.</p>
    <a href="/privacy">Privacy policy</a>
  </footer>
  <script src="/static/app.js"></script>
  <script>document.querySelectorAll("a").forEach(function (a) { a.dataset.seen = "1"; });</script>
</body>
</html>
"""

MAIN_WORDS = ("brackish outflow of the Baltic", "Helsingør and Helsingborg", "salt pulses")
NAV_WORDS = ("World news desk", "Business and markets")
FOOTER_WORDS = ("All rights reserved", "Privacy policy")
SCRIPT_WORDS = ("secretTrackingId", "querySelectorAll", "font-family")

MARKDOWN_SYNTAX = re.compile(r"^#+ |\]\(|\*\*|^\|.*\|$|^\s*\|?\s*-{3,}", re.MULTILINE)


def visible_text_size(page: str) -> int:
    """Characters of text in `page` outside its scripts and styles."""
    tree = lxml.html.document_fromstring(page)
    lxml.etree.strip_elements(tree, "script", "style", with_tail=False)
    return len(tree.text_content())


def html_doc(page: str, mode: str = "readable", *, url: str = URL, content_type: str = HTML) -> Document:
    return convert(page.encode(), content_type, url, mode)  # type: ignore[arg-type]


# --- HTML, readable -------------------------------------------------------------------------------


def test_readable_is_the_article_under_its_title() -> None:
    doc = html_doc(ARTICLE)

    assert doc.mode == "readable"
    assert doc.note is None
    assert doc.media_type == "text/html"
    assert doc.title == "Tides of the Øresund | The Harbour Gazette"
    assert doc.text.splitlines()[0] in (
        "# Tides of the Øresund",
        "# Tides of the Øresund | The Harbour Gazette",
    )
    for words in MAIN_WORDS:
        assert words in " ".join(doc.text.split())


def test_readable_leaves_out_navigation_sidebar_comments_footer_and_scripts() -> None:
    text = html_doc(ARTICLE).text

    for words in (*NAV_WORDS, *FOOTER_WORDS, *SCRIPT_WORDS, "Harbour strike", "Reader41"):
        assert words not in text


def test_readable_links_are_absolute_against_the_page() -> None:
    text = html_doc(ARTICLE).text

    assert "[guide to the tides](https://news.example.com/2024/guides/tides.html)" in text
    assert "[Danish Meteorological Institute](https://www.dmi.dk/hav)" in text


def test_readable_keeps_a_table_as_a_markdown_table() -> None:
    lines = [line.strip() for line in html_doc(ARTICLE).text.splitlines()]

    header = next(line for line in lines if line.startswith("| Station"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        "Station",
        "Mean depth (m)",
        "Peak current (kn)",
    ]
    assert re.fullmatch(r"\|( ?:?-{3,}:? ?\|)+", lines[lines.index(header) + 1])
    assert any(re.fullmatch(r"\| Helsingør \| 31\.0 +\| 3\.4 +\|", line) for line in lines)


def test_readable_keeps_emphasis_and_non_ascii_letters() -> None:
    text = html_doc(ARTICLE).text

    assert "**matter of treaty**" in text
    assert "Skanör" in text
    assert "“salt pulses”" in text


def test_readable_keeps_code_as_one_fenced_block() -> None:
    text = html_doc(ARTICLE).text

    assert '```\ntide = read_gauge("Dragør")\nprint(tide.height)\n```' in text
    assert "````" not in text


def test_a_title_the_content_already_opens_with_is_not_repeated() -> None:
    page = ARTICLE.replace("Tides of the Øresund | The Harbour Gazette", "Tides of the Øresund")

    text = html_doc(page).text

    assert text.startswith("# Tides of the Øresund\n")
    assert text.count("Tides of the Øresund") == 1


def test_the_open_graph_title_is_preferred_to_the_title_element() -> None:
    page = ARTICLE.replace("<head>", '<head><meta property="og:title" content="Tides of the Sound">')

    doc = html_doc(page)

    assert doc.title == "Tides of the Sound"
    assert doc.text.startswith("# Tides of the Sound\n")


def test_base_href_decides_where_relative_links_point() -> None:
    page = ARTICLE.replace("<head>", '<head><base href="https://cdn.example.net/archive/">')

    text = html_doc(page).text

    assert "(https://cdn.example.net/guides/tides.html)" in text


@pytest.mark.parametrize("mode", ["readable", "full"])
def test_links_that_lead_nowhere_keep_their_words_but_are_no_links(mode: str) -> None:
    page = ARTICLE.replace('href="../guides/tides.html"', 'href="javascript:openGuide()"').replace(
        '<a href="https://www.dmi.dk/hav">', '<a href="javascript:void(0);" title="Opens the readings">'
    )

    text = html_doc(page, mode).text

    assert "guide to the tides" in text
    assert "Danish Meteorological Institute" in text
    assert "javascript:" not in text


def test_a_page_without_main_content_is_given_whole_with_a_note() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Gallery</title></head><body><div class='grid'>"
        '<a href="/photos/1.jpg"><img src="thumbs/1.jpg" alt="The quay at dawn"></a>'
        '<a href="/photos/2.jpg"><img src="thumbs/2.jpg" alt="Ferries at Helsingør"></a>'
        "</div></body></html>"
    )

    doc = html_doc(page)

    assert doc.mode == "full"
    assert doc.note == "The main content of the page could not be found; this is the whole page."
    assert doc.text.startswith("# Gallery\n")
    assert (
        "[![The quay at dawn](https://news.example.com/2024/05/thumbs/1.jpg)](https://news.example.com/photos/1.jpg)"
        in doc.text
    )


def test_text_mode_without_main_content_is_the_text_of_the_whole_page() -> None:
    page = "<html><head><title>Gallery</title></head><body><img src='1.jpg' alt='The quay'></body></html>"

    doc = html_doc(page, "text")

    assert doc.mode == "text"
    assert doc.note == "The main content of the page could not be found; this is the text of the whole page."
    assert doc.text.startswith("Gallery\n")


# --- HTML, the other modes ------------------------------------------------------------------------


def test_full_keeps_navigation_and_footer_but_not_scripts() -> None:
    doc = html_doc(ARTICLE, "full")

    assert doc.mode == "full"
    assert doc.note is None
    flat = " ".join(doc.text.split())
    for words in (*MAIN_WORDS, *NAV_WORDS, *FOOTER_WORDS, "Harbour strike", "Reader41"):
        assert words in flat
    for words in SCRIPT_WORDS:
        assert words not in doc.text
    assert "[World news desk](https://news.example.com/world/)" in doc.text
    assert "| Helsingør |" in doc.text


def test_text_is_the_article_without_markdown_syntax() -> None:
    doc = html_doc(ARTICLE, "text")

    assert doc.mode == "text"
    assert doc.text.splitlines()[0].startswith("Tides of the Øresund")
    flat = " ".join(doc.text.split())
    for words in (*MAIN_WORDS, "guide to the tides", "matter of treaty"):
        assert words in flat
    for words in (*NAV_WORDS, *FOOTER_WORDS, *SCRIPT_WORDS):
        assert words not in doc.text
    assert MARKDOWN_SYNTAX.search(doc.text) is None, MARKDOWN_SYNTAX.search(doc.text)
    assert "Helsingør\t31.0\t3.4" in doc.text  # a table's rows, cells apart


def test_raw_is_the_source_as_received() -> None:
    doc = html_doc(ARTICLE, "raw")

    assert doc == Document(ARTICLE, None, "text/html", "raw", None)


# --- HTML, large pages ----------------------------------------------------------------------------


def test_a_page_too_large_for_trafilatura_is_read_from_its_main_element() -> None:
    page = article_page(1_000_000)
    assert visible_text_size(page) > markdown.TRAFILATURA_LIMIT  # the large-page path

    doc = html_doc(page)

    assert doc.mode == "readable"
    assert doc.text.startswith("# Tides of the Øresund\n")
    last_section = re.findall(r"<h2>(Section \d+: [^<]+)</h2>", page)[-1]
    assert f"## {last_section}" in doc.text
    assert "[our tide guide](https://news.example.com/2024/guides/tides.html)" in doc.text
    assert re.search(r"^\| Station +\| Depth \(m\) \| Bottom +\|$", doc.text, re.MULTILINE)
    for words in (
        *(f"[{label}]" for label in NAV_LABELS),
        "Most read story",
        "All rights reserved",
        "reader0",
    ):
        assert words not in doc.text
    assert "window.__STATE__" not in doc.text


def test_a_large_page_without_main_element_loses_its_chrome_by_name() -> None:
    page = article_page(1_000_000).replace("<main><article>", "<div>").replace("</article></main>", "</div>")

    doc = html_doc(page)

    assert doc.mode == "readable"
    assert "Section 0:" in doc.text
    for words in ("Most read story", "All rights reserved", "reader0", "[Home]"):
        assert words not in doc.text


def test_a_large_page_in_text_mode_has_no_markdown_syntax() -> None:
    doc = html_doc(article_page(1_000_000), "text")

    assert "Section 0:" in doc.text
    assert MARKDOWN_SYNTAX.search(doc.text) is None, MARKDOWN_SYNTAX.search(doc.text)


@pytest.mark.parametrize("mode", ["full", "readable", "text"])
def test_writing_a_page_in_parts_changes_nothing(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    page = article_page(400_000)  # above the trafilatura limit: readable takes the large-page path too
    monkeypatch.setattr(markdown, "PART_CHARS", 10**9)
    at_once = html_doc(page, mode)

    monkeypatch.setattr(markdown, "PART_CHARS", 3_000)
    in_parts = html_doc(page, mode)

    assert in_parts == at_once


# --- HTML, what arrives malformed -----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["readable", "full"])
def test_text_nested_deeper_than_markdown_goes_keeps_its_words(mode: str) -> None:
    innermost = "<p>The innermost paragraph keeps its words, however deep the page nests it.</p>"
    page = f"<html><body><article>{'<div>' * 1500}{innermost}</article></body></html>"

    text = html_doc(page, mode).text

    assert "The innermost paragraph keeps its words, however deep the page nests it." in text


def test_xhtml_with_an_encoding_declaration_is_read() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + ARTICLE.replace("<!DOCTYPE html>\n", "")

    doc = html_doc(page, content_type="application/xhtml+xml")

    assert "Helsingør and Helsingborg" in " ".join(doc.text.split())


def test_control_characters_do_not_break_a_page() -> None:
    page = ARTICLE.replace("twice a day", "twice\x00 a\x0c day\x1b")

    doc = html_doc(page)

    assert "twice a" in doc.text


def test_an_empty_html_body_reads_as_nothing() -> None:
    doc = convert(b"", HTML, URL, "readable")

    assert doc.text == ""
    assert doc.title is None


# --- recognising what the body is -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["", "text/plain", "application/octet-stream", "text/plain; charset=utf-8"]
)
def test_html_without_an_html_type_is_recognised_by_its_start(content_type: str) -> None:
    doc = html_doc(ARTICLE, content_type=content_type)

    assert doc.mode == "readable"
    assert doc.media_type == (content_type.split(";")[0] or "text/html")
    assert doc.text.startswith("# Tides of the Øresund")


def test_a_pdf_served_as_bytes_is_read_as_pdf() -> None:
    body = text_pdf([["Harbour dues for 2024"]])

    doc = convert(body, "application/octet-stream", "https://example.com/dues", "readable")

    assert "Harbour dues for 2024" in doc.text


@pytest.mark.parametrize(
    ("content_type", "body", "shown_type"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png"),
        ("", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png"),
        ("application/zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(100), "application/zip"),
        ("application/octet-stream", b"\x7fELF\x02\x01\x01\x00" + bytes(100), "application/octet-stream"),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(100), "video/mp4"),
    ],
)
def test_bytes_that_are_no_text_are_refused_by_type(content_type: str, body: bytes, shown_type: str) -> None:
    with pytest.raises(OperationFailed) as failure:
        convert(body, content_type, "https://example.com/file", "readable")

    assert (
        failure.value.message
        == f"The response is {shown_type} ({len(body):,} bytes), which cannot be shown as text."
    )
    assert failure.value.hint


# --- other text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain; charset=utf-8", "Harbour notices\n\n1. The quay is closed on Sundays.\n"),
        ("text/csv", "station,depth\nDragør,7.5\nHelsingør,31.0\n"),
        ("text/markdown", "# Notices\n\n- The quay is *closed* on Sundays.\n"),
        ("application/xml", '<?xml version="1.0"?><stations><station name="Malmö"/></stations>'),
        ("image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><text>Chart</text></svg>'),
    ],
)
@pytest.mark.parametrize("mode", ["readable", "full", "text", "raw"])
def test_other_text_is_given_as_received_with_the_reference_servers_note(
    content_type: str, body: str, mode: str
) -> None:
    doc = convert(body.encode(), content_type, "https://example.com/notices", mode)  # type: ignore[arg-type]

    assert doc.text == body
    assert doc.mode == "raw"
    assert doc.media_type == content_type.split(";")[0]
    assert (
        doc.note
        == f"Content type {content_type} cannot be simplified to markdown, but here is the raw content:"
    )


def test_text_without_any_type_says_it_has_none() -> None:
    doc = convert(b"Harbour notices: the quay is closed.", "", "https://example.com/n", "readable")

    assert doc.text == "Harbour notices: the quay is closed."
    assert doc.media_type == "text/plain"
    assert (
        doc.note == "The response has no content type and does not look like HTML; here is the raw content:"
    )


# --- charsets -------------------------------------------------------------------------------------


def test_the_header_charset_decides() -> None:
    body = "Ferry to Malmö costs 12 €".encode("cp1252")

    doc = convert(body, "text/plain; charset=ISO-8859-1", "https://example.com/n", "raw")

    assert doc.text == "Ferry to Malmö costs 12 €"  # ISO-8859-1 is read as windows-1252, as browsers do


def test_a_meta_charset_decides_when_the_header_says_none() -> None:
    page = (
        '<html><head><meta charset="windows-1251"><title>Порт</title></head>'
        "<body><p>Паром в Мальмё</p></body></html>"
    )

    doc = convert(page.encode("cp1251"), "text/html", URL, "full")

    assert doc.title == "Порт"
    assert "Паром в Мальмё" in doc.text


def test_an_http_equiv_charset_is_read() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        "<title>港の案内</title></head><body><p>フェリーは毎日出ます。</p></body></html>"
    )

    doc = convert(page.encode("shift_jis"), "text/html", URL, "full")

    assert "フェリーは毎日出ます。" in doc.text


def test_the_header_charset_wins_over_the_document() -> None:
    page = '<html><head><meta charset="windows-1251"></head><body><p>Malmö</p></body></html>'

    doc = convert(page.encode("utf-8"), "text/html; charset=utf-8", URL, "raw")

    assert "Malmö" in doc.text


def test_a_byte_order_mark_wins_over_everything() -> None:
    body = "\ufeffHelsingør".encode("utf-16-le")

    doc = convert(body, "text/plain; charset=iso-8859-1", "https://example.com/n", "raw")

    assert doc.text == "Helsingør"


def test_an_unknown_charset_is_ignored() -> None:
    body = "Ferry to Malmö".encode()

    doc = convert(body, "text/plain; charset=x-no-such-charset", "https://example.com/n", "raw")

    assert doc.text == "Ferry to Malmö"


# --- JSON -----------------------------------------------------------------------------------------


def test_json_is_pretty_printed_with_its_letters_kept() -> None:
    body = json.dumps(
        {"station": "Helsingør", "readings": [7.5, 31], "open": True}, ensure_ascii=True
    ).encode()

    doc = convert(body, "application/json", "https://api.example.com/s", "readable")

    assert (
        doc.text == '{\n  "station": "Helsingør",\n  "readings": [\n    7.5,\n    31\n  ],\n  "open": true\n}'
    )
    assert doc.mode == "readable"
    assert doc.note is None
    assert doc.media_type == "application/json"


@pytest.mark.parametrize(
    "content_type", ["application/problem+json", "application/ld+json; charset=utf-8", "text/json"]
)
def test_json_is_recognised_by_any_json_type(content_type: str) -> None:
    doc = convert(b'{"a":1}', content_type, "https://api.example.com/s", "text")

    assert doc.text == '{\n  "a": 1\n}'


def test_raw_json_is_as_received_with_the_reference_servers_note() -> None:
    doc = convert(b'{"a":1}', "application/json", "https://api.example.com/s", "raw")

    assert doc.text == '{"a":1}'
    assert doc.mode == "raw"
    assert (
        doc.note
        == "Content type application/json cannot be simplified to markdown, but here is the raw content:"
    )


def test_invalid_json_is_given_as_received_with_the_reason() -> None:
    doc = convert(b"{'a': 1}", "application/json", "https://api.example.com/s", "readable")

    assert doc.text == "{'a': 1}"
    assert doc.mode == "raw"
    assert doc.note == (
        "The body is not valid JSON (expecting property name enclosed in double quotes at line 1, column 2);"
        " here is the raw content:"
    )


def test_json_nested_beyond_reading_is_given_as_received() -> None:
    body = b"[" * 200_000 + b"]" * 200_000

    doc = convert(body, "application/json", "https://api.example.com/s", "readable")

    assert doc.mode == "raw"
    assert doc.text == body.decode()
    assert doc.note is not None
    assert "not valid JSON" in doc.note


# --- PDF ------------------------------------------------------------------------------------------

PAGES = [
    ["Harbour Regulations 2024", "Chapter 1: Mooring"],
    ["Vessels longer than 30 m moor at the outer quay.", "Fees are due on arrival."],
    ["Chapter 2: Pilots", "A pilot is required in the Flinte Rende after dark."],
]


def test_a_pdf_reads_page_by_page_under_its_metadata_title() -> None:
    body = text_pdf(PAGES, title="Regulations – Øresund Port Authority")

    doc = convert(body, "application/pdf", "https://port.example.com/regs.pdf", "readable")

    assert doc.title == "Regulations – Øresund Port Authority"
    assert doc.media_type == "application/pdf"
    assert doc.mode == "readable"
    assert doc.note is None
    assert doc.text == (
        "--- page 1 of 3 ---\nHarbour Regulations 2024\nChapter 1: Mooring\n\n"
        "--- page 2 of 3 ---\nVessels longer than 30 m moor at the outer quay.\nFees are due on arrival.\n\n"
        "--- page 3 of 3 ---\nChapter 2: Pilots\nA pilot is required in the Flinte Rende after dark."
    )


def test_a_pdf_asked_for_raw_gives_its_text_and_says_why() -> None:
    doc = convert(text_pdf(PAGES), "application/pdf", "https://port.example.com/regs.pdf", "raw")

    assert doc.mode == "text"
    assert "A pilot is required" in doc.text
    assert doc.note == "A PDF has no text source to show; this is the text extracted from it."
    assert doc.title is None


def test_a_page_without_text_says_so() -> None:
    doc = convert(
        text_pdf([["Cover"], [], ["Last page"]]), "application/pdf", "https://e.com/a.pdf", "readable"
    )

    assert "--- page 2 of 3 ---\n(no text on this page)\n\n--- page 3 of 3 ---\nLast page" in doc.text
    assert doc.note is None


def test_a_pdf_without_any_text_says_it_may_be_scanned() -> None:
    doc = convert(text_pdf([[], []]), "application/pdf", "https://e.com/a.pdf", "readable")

    assert doc.note == "The PDF has no text layer (it may be scanned images); nothing could be extracted."


def test_a_password_protected_pdf_fails_clearly() -> None:
    body = encrypted(text_pdf(PAGES), user_password="s3cret")

    with pytest.raises(OperationFailed) as failure:
        convert(body, "application/pdf", "https://e.com/a.pdf", "readable")

    assert failure.value.message == "The PDF is protected by a password, so its text cannot be read."


def test_a_pdf_locked_only_against_changes_is_read() -> None:
    body = encrypted(text_pdf(PAGES), user_password="")

    doc = convert(body, "application/pdf", "https://e.com/a.pdf", "readable")

    assert "Fees are due on arrival." in doc.text


@pytest.mark.parametrize("body", [b"%PDF-1.4\nthis is not a PDF at all", text_pdf(PAGES)[:300]])
def test_a_broken_pdf_fails_clearly(body: bytes) -> None:
    with pytest.raises(OperationFailed) as failure:
        convert(body, "application/pdf", "https://e.com/a.pdf", "readable")

    assert failure.value.message.startswith("The document is not a PDF that can be read")


def test_a_long_pdf_stops_at_the_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "PAGES", 2)

    doc = convert(text_pdf(PAGES), "application/pdf", "https://e.com/a.pdf", "readable")

    assert doc.text.count("--- page ") == 2
    assert doc.note == "Only pages 1-2 of 3 are shown: at most 2 pages are read."


def test_a_pdf_read_past_its_deadline_gives_its_first_page() -> None:
    body = text_pdf(PAGES)

    doc = convert(body, "application/pdf", "https://e.com/a.pdf", "readable", deadline=time.monotonic() - 1)

    assert doc.text == "--- page 1 of 3 ---\nHarbour Regulations 2024\nChapter 1: Mooring"
    assert doc.note == "Only pages 1-1 of 3 are shown: the time for reading it ran out."


# --- what importing costs -------------------------------------------------------------------------


def test_importing_the_converter_loads_none_of_the_heavy_libraries() -> None:
    probe = (
        "import sys, moorings_fetch.documents\n"
        "heavy = ('trafilatura', 'lxml', 'pypdf', 'html_to_markdown', 'justext', 'htmldate')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in heavy))\n"
    )

    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout

    assert loaded.strip() == "[]"


# --- a measurement: time and memory of a page's conversion ----------------------------------------

# Peak memory is the process's high-water mark of resident memory as Linux keeps it (VmHWM): the
# rusage figure would count the pytest process the probe was forked from.
_MEASURE = """
import json, re, sys, time
from pathlib import Path
from moorings_fetch.documents import convert

def peak_kib():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))

path, mode, last_section = sys.argv[1], sys.argv[2], sys.argv[3]
warm_up = "<html><body><article><p>" + "Warm up. " * 500 + "</p></article></body></html>"
convert(warm_up.encode(), "text/html", "https://e.com/", mode)  # imports and first-call costs
body = Path(path).read_bytes()  # the page as a download leaves it
before = peak_kib()
wall, cpu = time.perf_counter(), time.process_time()
doc = convert(body, "text/html; charset=utf-8", "https://news.example.com/2024/05/tides.html", mode)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "before_kib": before, "peak_kib": peak_kib(), "mode": doc.mode,
                  "chars": len(doc.text), "to_the_end": f"## {last_section}" in doc.text}))
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the peak memory from /proc/self/status"
)
@pytest.mark.parametrize("mode", ["readable", "full"])
# 5 MB pages are converted, and checked to the end, by the fetch-5mb benchmark.
@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_measure_a_page_of_each_size(
    size: int, mode: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """Time and peak memory of converting a realistic page, in a fresh process: figures, not a bound."""
    page = article_page(size)
    last_section = re.findall(r"<h2>(Section \d+: [^<]+)</h2>", page)[-1]
    (tmp_path / "page.html").write_bytes(page.encode())

    probe = [sys.executable, "-c", _MEASURE, str(tmp_path / "page.html"), mode, last_section]
    figures = json.loads(subprocess.run(probe, capture_output=True, text=True, check=True).stdout)

    assert figures["mode"] == mode
    assert figures["to_the_end"]  # the page's last section is in the text
    for name in ("wall", "cpu", "before_kib", "peak_kib", "chars"):
        record_property(name, figures[name])
    print(
        f"\n{size:>9,} B {mode:8} wall {figures['wall']:.3f} s, CPU {figures['cpu']:.3f} s, "
        f"peak {figures['peak_kib'] / 1024:.0f} MiB "
        f"(before the page {figures['before_kib'] / 1024:.0f} MiB), "
        f"{figures['chars']:,} characters"
    )


def test_a_whole_page_whose_heading_follows_its_menu_is_not_given_its_title_twice() -> None:
    page = ARTICLE.replace("Tides of the Øresund | The Harbour Gazette", "Tides of the Øresund")

    text = html_doc(page, "full").text

    assert text.count("Tides of the Øresund") == 1
    assert text.index("Tides of the Øresund") > 0  # the menu comes first, as on the page
