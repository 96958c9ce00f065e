"""An HTML page as the text a model reads: its main content or the whole page, as markdown or plain text.

The page is parsed once with lxml. Before anything else reads it, what a reader never sees is cut
out (scripts, styles, `<noscript>`, templates, inline SVG, frames, comments), links and images are
made absolute against the page's base (its `<base href>`, else its URL), and `javascript:` links
lose their target. Then:

- `full`: html-to-markdown converts the whole page (navigation, header and footer included, since
  a reader sees them), with its own clean-up switched off: it would drop navigation.
- `readable` and `text` (the same content, with and without markdown syntax): the main content.
  trafilatura finds it best (see the README's study on real article pages), but its cost grows
  with the page's text, 1.4 s or more a million characters of it, and a tool call has to answer
  a 5 MB page within seconds. So trafilatura reads pages with up to `TRAFILATURA_LIMIT` characters of text;
  above that (such pages are long documents, specifications, logs, where the main content is
  nearly all of the page) the main element is chosen by the page's own markup (`<main>`,
  `role="main"`, the largest `<article>`), cleared of navigation, forms, sidebars and comment
  sections, and html-to-markdown converts it: 0.5 s for 5 MB. When neither finds any main content
  the whole page is returned, and `Rendered.whole_page` says so.

The title is the page's `og:title`, else its `<title>`, else its first `<h1>`; readable and full
text start with it as a heading (plain text: as a line) unless the content already does.

The heavy libraries (lxml, trafilatura, html-to-markdown) are imported on the first page, not when
the server starts: trafilatura alone takes half a second to import.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin

if TYPE_CHECKING:
    from html_to_markdown import ConversionOptions
    from lxml.html import HtmlElement, HTMLParser

__all__ = ["TRAFILATURA_LIMIT", "Form", "Rendered", "render"]

Form = Literal["readable", "full", "text"]

TRAFILATURA_LIMIT = 200_000
"""Characters of text (after scripts and styles are cut) up to which trafilatura finds the main
content. It costs about 1.4 microseconds of CPU a character (0.28 s for 200 000 on this project's
2-core machine) and more per character beyond; the large-page path costs a fifth of that. All 181
pages of the article benchmark in the README's study have less than half this much text."""

MAIN_SHARE = 0.25
"""A `<main>` or `<article>` holding less than this share of the page's text is a teaser, not the
main content."""

# Elements whose content a reader of the page does not see as text.
_INVISIBLE = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "frame",
    "object",
    "embed",
    "canvas",
)

# Inside the chosen main element of a large page: what is not the content.
_CHROME_TAGS = ("nav", "aside", "form", "dialog", "button", "select", "textarea")
_CHROME_XPATH = (
    "|".join(f"descendant::{tag}" for tag in _CHROME_TAGS)
    + "|descendant::*[@role='navigation' or @role='complementary' or @role='search' or @role='banner'"
    " or @role='contentinfo' or @role='dialog' or @role='menu' or @role='menubar']"
    + "|descendant::*[@aria-hidden='true' or @hidden]"
)
# Classes and ids that name what is around an article rather than in it (Readability's idea).
_CHROME_NAMES = re.compile(
    r"(?:^|[\s_-])(?:comments?|sidebar|breadcrumbs?|share|sharing|social|related|promo|advert\w*|ads?|"
    r"cookies?|consent|newsletter|subscribe|menu)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Outside any main element, page headers and footers are chrome too (not inside an article: an
# article's own <header> holds its headline and byline).
_PAGE_CHROME_XPATH = "descendant::header[not(ancestor::article)]|descendant::footer[not(ancestor::article)]"

_SPACES = re.compile(r"\s+")
_HEADING_MARKS = re.compile(r"^[#*_\s]+|[#*_\s]+$")


@dataclass(frozen=True)
class Rendered:
    """What `render` made of a page."""

    text: str
    title: str | None
    whole_page: bool
    """True when `readable` or `text` was asked but no main content was found: `text` is the page."""


def render(html: str, url: str, form: Form) -> Rendered:
    """The page `html`, fetched from `url`, in `form`. Blocking and CPU-bound."""
    root, title = _prepared(html, url)
    markdown = form != "text"
    if form == "full":
        return Rendered(_headed(_convert(root, markdown=True), title, markdown=True), title, whole_page=False)
    body = _main_content(root, url, markdown=markdown)
    whole_page = not body
    if whole_page:
        # Looking for the main content of a large page cuts the tree: the whole page is read anew.
        root, _ = _prepared(html, url)
        body = _convert(root, markdown=markdown)
    return Rendered(_headed(body, title, markdown=markdown), title, whole_page=whole_page)


def _prepared(html: str, url: str) -> tuple[HtmlElement, str | None]:
    """The page's tree as a reader sees it, links absolute, and its title."""
    root = _parse(html)
    title = _title(root)
    _drop_invisible(root)
    _absolutise_links(root, _base(root, url))
    return root, title


# --- parsing and cleaning -------------------------------------------------------------------------

# XML 1.0 forbids these, and lxml refuses a string holding any; a browser shows none of them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@cache
def _parser() -> HTMLParser:
    from lxml.html import HTMLParser

    # huge_tree: libxml2's default limits cut off a deep or multi-megabyte page without saying so.
    return HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, huge_tree=True)


def _parse(html: str) -> HtmlElement:
    from lxml.html import document_fromstring

    # lxml refuses a str that declares an encoding (XHTML's <?xml ... encoding=...?>): it is text already.
    html = _XML_DECLARATION.sub("", _CONTROLS.sub("", html.replace("\x0c", " ")), count=1)
    if not html.strip():
        html = "<html><body></body></html>"
    return document_fromstring(html, parser=_parser())


def _title(root: HtmlElement) -> str | None:
    for candidate in (
        root.xpath("string(//meta[@property='og:title']/@content)"),
        root.xpath("string(//meta[@name='twitter:title']/@content)"),
        root.xpath("string(//title)"),
        root.xpath("string(//h1)"),
    ):
        title = _SPACES.sub(" ", str(candidate)).strip()
        if title:
            return title
    return None


def _drop_invisible(root: HtmlElement) -> None:
    from lxml.etree import strip_elements

    strip_elements(root, *_INVISIBLE, with_tail=False)


def _base(root: HtmlElement, url: str) -> str:
    href = root.xpath("string(//base/@href)")
    if href:
        try:
            return urljoin(url, str(href).strip())
        except ValueError:  # a malformed <base> is ignored, as browsers do
            pass
    return url


def _absolutise_links(root: HtmlElement, base: str) -> None:
    """Make every link and image absolute, so a model can follow it; `javascript:` is no address."""
    for element, attribute in (
        *((a, "href") for a in root.iter("a", "area")),
        *((img, name) for img in root.iter("img") for name in ("src", "data-src") if name in img.attrib),
    ):
        target = (element.get(attribute) or "").strip()
        if not target:
            continue
        if target.startswith(("https://", "http://")):
            continue  # most links on most pages; urljoin would give them back unchanged, slowly
        if target.lower().startswith("javascript:"):
            del element.attrib[attribute]
            continue
        # urljoin refuses malformed addresses ("http://[x"): those stay as written.
        with suppress(ValueError):
            element.set(attribute, urljoin(base, target))


def _text_size(element: HtmlElement) -> int:
    return int(element.xpath("string-length(string(.))"))


# --- the main content -----------------------------------------------------------------------------


def _main_content(root: HtmlElement, url: str, *, markdown: bool) -> str:
    if _text_size(root) <= TRAFILATURA_LIMIT:
        return _trafilatura(root, url, markdown=markdown)
    main = _main_element(root)
    return _convert(main, markdown=markdown) if main is not None else ""


def _trafilatura(root: HtmlElement, url: str, *, markdown: bool) -> str:
    """The main content as trafilatura finds it, written by html-to-markdown like every other page.

    trafilatura gives its result as simplified HTML; html-to-markdown writes that, so markdown and
    plain text look the same whichever way the content was found (trafilatura's own plain text
    keeps markdown tables, and its markdown loses a table's alignment).
    """
    import trafilatura

    # It logs a WARNING for every page it finds no content in; that is an answer here, not a fault.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    found = trafilatura.extract(
        root,  # trafilatura works on a copy of the tree it is given
        url=url,
        output_format="html",
        include_comments=False,
        include_tables=True,
        include_links=True,
        include_images=True,
        include_formatting=True,
        with_metadata=False,
    )
    return _convert_html(found, markdown=markdown) if found else ""


def _main_element(root: HtmlElement) -> HtmlElement | None:
    """The element holding a large page's main content, cleared of what surrounds content; None if none."""
    body = root.find("body")
    if body is None:
        return None
    page_text = _text_size(body)
    main = None
    for xpath in ("//main|//*[@role='main']", "//article"):
        candidates = body.xpath(xpath)
        if candidates:
            best = max(candidates, key=_text_size)
            if _text_size(best) >= MAIN_SHARE * page_text:
                main = best
                break
    if main is None:
        main = body
        _remove(main.xpath(_PAGE_CHROME_XPATH))
    _remove(main.xpath(_CHROME_XPATH))
    _remove(
        [el for el in main.iterdescendants("div", "section", "ul", "ol") if _CHROME_NAMES.search(_names(el))]
    )
    return main if _text_size(main) > 0 else None


def _names(element: HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}"


def _remove(elements: list[HtmlElement]) -> None:
    for element in elements:
        element.drop_tree()  # keeps the text that follows the element (its tail)


# --- conversion -----------------------------------------------------------------------------------


@cache
def _options(*, markdown: bool) -> ConversionOptions:
    from html_to_markdown import ConversionOptions, PreprocessingOptions

    return ConversionOptions(
        output_format="markdown" if markdown else "plain",
        # Its clean-up removes navigation; the full page keeps it, and the main content is chosen here.
        preprocessing=PreprocessingOptions(enabled=False),
        extract_metadata=False,  # else the output starts with a YAML header of the page's <head>
        inline_data_media="alt_text_only",  # a data: URL is kilobytes of base64 no model can read
    )


def _convert(element: HtmlElement, *, markdown: bool) -> str:
    from lxml.html import tostring

    return _convert_html(tostring(element, encoding="unicode", with_tail=False), markdown=markdown)


def _convert_html(html: str, *, markdown: bool) -> str:
    from html_to_markdown import convert

    return (convert(html, _options(markdown=markdown)).content or "").strip()


def _headed(body: str, title: str | None, *, markdown: bool) -> str:
    """`body` under its title, unless it already opens with it."""
    body = body.strip()
    if not title:
        return body
    first_line = body.split("\n", 1)[0]
    if _HEADING_MARKS.sub("", first_line).casefold() == title.casefold():
        return body
    heading = f"# {title}" if markdown else title
    return f"{heading}\n\n{body}" if body else heading
