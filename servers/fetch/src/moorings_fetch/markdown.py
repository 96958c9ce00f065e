"""An HTML page as the text a model reads: its main content or the whole page, as markdown or plain text.

The page is parsed with lxml and cut to what a reader sees (no scripts, styles, `<noscript>`,
templates, inline SVG, frames; nothing nested deeper than `MAX_DEPTH` keeps its tags). Then:

- `readable` and `text` (the same content, with and without markdown syntax), pages with up to
  `TRAFILATURA_LIMIT` characters of text, which is nearly every page: trafilatura finds the main
  content (it scored best on 181 real article pages, see the README), its links made absolute
  first (trafilatura resolves `../x` against the site, not the page).
- `readable` and `text`, larger pages (long documents, specifications, logs, where the content is
  nearly the whole page): trafilatura would take seconds, about 1.4 us of CPU a character and more
  beyond, so the main element is chosen by the page's own markup (`<main>`, `role="main"`, the
  largest `<article>`, else the body without its page header and footer) and cleared of
  navigation, forms, sidebars, comment sections and hidden content.
- `full`, and a page whose main content cannot be found: the whole body, navigation and footer
  included, as a reader of the whole page sees them.

html-to-markdown (Rust) writes the result in every case, so markdown and plain text look the same
whichever way the content was found; its own clean-up is off (it would drop navigation), and it
makes links absolute against the page's `<base href>` or URL. Its memory grows with its input (70
MB for 5 MB at once), so a large page is cut between block elements into parts of `PART_CHARS`,
converted one after the other once lxml's tree is let go. A 5 MB page takes about 1 s of CPU and
60 MB readable, 0.55 s and 60 MB full. Links whose target is `javascript:` or nothing are written
as their words alone: they lead nowhere.

The title is the page's `og:title`, else its `<title>`, else its first `<h1>`, read from the head
without parsing the rest; readable and full text start with it as a heading (plain text: as a
line) unless the content already does.

The heavy libraries (lxml, trafilatura, html-to-markdown) are imported on the first page, not when
the server starts: trafilatura alone takes half a second to import.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin

if TYPE_CHECKING:
    from collections.abc import Iterator

    from html_to_markdown import ConversionOptions
    from lxml.etree import XPath
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

# Inside the main element of a large page, what is not the content. (Found by lxml's tag filter
# and one attribute test, then sorted in Python: one XPath predicate testing all of it takes 0.4 s
# on a 5 MB page, these 0.07 s.)
_CHROME_TAGS = ("nav", "aside", "form", "dialog", "button", "select", "textarea")
_CHROME_ROLES = frozenset(
    {"navigation", "complementary", "search", "banner", "contentinfo", "dialog", "menu", "menubar"}
)
# Classes and ids that name what is around an article rather than in it (Readability's idea).
_CHROME_NAMES = re.compile(
    r"(?:^|[\s_-])(?:comments?|sidebar|breadcrumbs?|share|sharing|social|related|promo|advert\w*|ads?|"
    r"cookies?|consent|newsletter|subscribe|menu)(?:$|[\s_-])",
    re.IGNORECASE,
)

_SPACES = re.compile(r"\s+")
_HEADING_MARKS = re.compile(r"^[#*_\s]+|[#*_\s]+$")
_FIRST_HEADING = re.compile(r"^#{1,6} .*$", re.MULTILINE)
_TITLE_WINDOW = 4096  # characters of a page searched for a heading that already gives its title


@dataclass(frozen=True)
class Rendered:
    """What `render` made of a page."""

    text: str
    title: str | None
    whole_page: bool
    """True when `readable` or `text` was asked but no main content was found: `text` is the page."""


def render(html: str, url: str, form: Form) -> Rendered:
    """The page `html`, fetched from `url`, in `form`. Blocking and CPU-bound."""
    title, base = _head(html, url)
    markdown = form != "text"
    body = "" if form == "full" else _main_content(html, url, base, markdown=markdown)
    whole_page = not body and form != "full"
    if not body:
        body = _written(_page_html(html), base, markdown=markdown)
    return Rendered(_headed(body, title, markdown=markdown), title, whole_page=whole_page)


# --- the head -------------------------------------------------------------------------------------

# How much of a page is read for its head: the title and <base> live there, and a head is rarely
# more than a few kilobytes (inline styles and scripts can make it a few hundred).
_HEAD_WINDOW = 512 * 1024
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.IGNORECASE)
_H1_START = re.compile(r"<h1[\s>]", re.IGNORECASE)
_H1_END = re.compile(r"</h1\s*>", re.IGNORECASE)
_H1_LENGTH = 4096  # a heading longer than this is no title


def _head(html: str, url: str) -> tuple[str | None, str]:
    """The page's title and the address its relative links are relative to."""
    window = html[:_HEAD_WINDOW]
    end = _HEAD_END.search(window)
    head = _parse(window[: end.start()] if end else window)
    title = _first_text(
        head.xpath("string(//meta[@property='og:title']/@content)"),
        head.xpath("string(//meta[@name='twitter:title']/@content)"),
        head.xpath("string(//title)"),
    )
    if title is None:
        title = _first_h1(html)
    return title, _base(str(head.xpath("string(//base/@href)")), url)


def _first_h1(html: str) -> str | None:
    # The first <h1> only, and its end looked for only so far: a page of unclosed <h1 tags costs one
    # pass over it, not one pass a tag.
    start = _H1_START.search(html)
    if start is None:
        return None
    end = _H1_END.search(html, start.start(), start.start() + _H1_LENGTH)
    return _first_text(_parse(html[start.start() : end.end()]).text_content()) if end else None


def _first_text(*candidates: object) -> str | None:
    for candidate in candidates:
        text = _SPACES.sub(" ", str(candidate)).strip()
        if text:
            return text
    return None


def _base(href: str, url: str) -> str:
    if href.strip():
        with suppress(ValueError):  # a malformed <base> is ignored, as browsers do
            return urljoin(url, href.strip())
    return url


# --- parsing --------------------------------------------------------------------------------------

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


MAX_DEPTH = 256
"""Elements nested deeper than this lose their tags and keep their text: html-to-markdown writes
nothing below 1024 levels, and trafilatura's time grows with the square of the depth (2 s at 5000)."""


def _readers_tree(html: str) -> HtmlElement:
    """The page's tree without what a reader does not see, and no deeper than `MAX_DEPTH`."""
    from lxml.etree import strip_elements

    root = _parse(html)
    strip_elements(root, *_INVISIBLE, with_tail=False)
    _flatten_below(root, MAX_DEPTH)
    return root


@cache
def _deeper_than(depth: int) -> XPath:
    from lxml.etree import XPath

    # A path of `depth` steps: lxml answers it in C (0.02 s for 300 000 elements), where walking
    # the tree in Python to measure its depth takes ten times that.
    return XPath("boolean(" + "/*" * (depth + 1) + ")")


def _flatten_below(root: HtmlElement, depth: int) -> None:
    from lxml.etree import iterwalk

    if not _deeper_than(depth)(root):
        return  # nearly every page
    too_deep: list[HtmlElement] = []
    level = 0
    for event, element in iterwalk(root, events=("start", "end")):
        level += 1 if event == "start" else -1
        if event == "start" and level > depth:
            too_deep.append(element)
    for element in reversed(too_deep):  # the deepest first: each keeps its text in its parent
        element.drop_tag()


def _text_size(element: HtmlElement) -> int:
    return int(element.xpath("string-length(string(.))"))


# --- the main content -----------------------------------------------------------------------------


def _main_content(html: str, url: str, base: str, *, markdown: bool) -> str:
    """The page's main content written out, or "" when none was found."""
    # The page's tree is gone once its parts are taken: converting a large page needs the memory.
    return _written(_main_html(html, url, base), base, markdown=markdown)


def _page_html(html: str) -> list[str]:
    """The HTML of the whole page as a reader sees it, in parts."""
    root = _readers_tree(html)
    body = root.find("body")
    return _parts(root if body is None else body)


def _main_html(html: str, url: str, base: str) -> list[str]:
    """The HTML of the page's main content, in parts (none when there is no main content)."""
    root = _readers_tree(html)
    if _text_size(root) <= TRAFILATURA_LIMIT:
        found = _trafilatura(root, url, base)
        return [found] if found else []
    main = _main_element(root)
    return [] if main is None else _parts(main)


PART_CHARS = 256 * 1024
"""Characters of HTML html-to-markdown converts at once on a large page. Its memory grows with its
input (70 MB for 5 MB at once); in parts, a 5 MB page converts in the memory a 256 KB one takes,
and as fast."""

# Elements whose children are independent blocks: cutting between two of them changes nothing in
# the markdown. (Not lists, tables, quotes: a cut would restart a numbering or lose a header row.)
_SECTIONING = frozenset({"body", "main", "article", "section", "div"})


def _parts(element: HtmlElement) -> list[str]:
    """`element`'s HTML in pieces of about `PART_CHARS`, cut only between block elements."""
    from lxml.html import tostring

    if element.tag not in _SECTIONING:
        return [tostring(element, encoding="unicode", with_tail=False)]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for piece, is_block in _pieces(element):
        if is_block and size and size + len(piece) > PART_CHARS:
            parts.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += len(piece)
    parts.append("".join(current))
    return parts


def _pieces(container: HtmlElement) -> Iterator[tuple[str, bool]]:
    """The HTML of `container`'s content, child by child, each with whether it is a block.

    A large sectioning child (a `<div>` or `<section>` holding most of the page) is opened and its
    own children given instead: its tag means nothing in markdown, and a cut can then fall inside
    it. One that hides its content, or may (`style`), stays whole, for html-to-markdown to judge.
    """
    from lxml.etree import tostring  # lxml.html's wraps it in Python: 1.5 us a child more

    if container.text:
        yield escape(container.text, quote=False), False
    for child in container:
        if _opens(child):
            yield from _pieces(child)
            if child.tail:
                yield escape(child.tail, quote=False), False
        else:
            yield tostring(child, encoding="unicode", method="html", with_tail=True), child.tag in _BLOCKS


def _opens(element: HtmlElement) -> bool:
    return (
        element.tag in _SECTIONING
        and not {"hidden", "aria-hidden", "style"} & set(element.attrib)
        and _text_size(element) > PART_CHARS // 2
    )


def _blank(*texts: str | None) -> bool:
    return all(text is None or not text.strip() for text in texts)


def _trafilatura(root: HtmlElement, url: str, base: str) -> str | None:
    """The main content as trafilatura finds it, as HTML for html-to-markdown to write."""
    import trafilatura
    from lxml.html import tostring

    _absolutise_links(root, base)
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
    if not found:
        return None
    content = _parse(found)
    _unnest_code(content)
    _drop_layout_whitespace(content)
    return tostring(content, encoding="unicode")


def _absolutise_links(root: HtmlElement, base: str) -> None:
    """Make every link and image absolute, as html-to-markdown does on the pages it reads itself."""
    for element, attribute in (
        *((a, "href") for a in root.iter("a", "area")),
        *((img, name) for img in root.iter("img") for name in ("src", "data-src") if name in img.attrib),
    ):
        target = (element.get(attribute) or "").strip()
        if not target or target.startswith(("https://", "http://")):
            continue  # most links on most pages; urljoin would give them back unchanged, slowly
        # urljoin refuses malformed addresses ("http://[x"): those stay as written.
        with suppress(ValueError):
            element.set(attribute, urljoin(base, target))


_BLOCKS = frozenset(
    {"p", "div", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "hr", "body", "section", "article"}
    | {"main", "header", "footer", "aside", "nav", "details", "address", "form", "fieldset"}
)


def _drop_layout_whitespace(root: HtmlElement) -> None:
    """The indentation trafilatura's pretty-printed HTML puts between blocks (plain text shows it).

    Only whitespace before or after a block element goes: between inline elements it is a space.
    """
    for element in root.iter(*_BLOCKS):
        if element.tail is not None and not element.tail.strip():
            element.tail = None
        opens_with_block = len(element) > 0 and element[0].tag in _BLOCKS
        if opens_with_block and element.text is not None and not element.text.strip():
            element.text = None


def _unnest_code(root: HtmlElement) -> None:
    """Code blocks as trafilatura writes them, `<pre>` (indented) `<pre>code</pre>`, made one `<pre>`.

    Read as they are, with the indentation its pretty-printing puts around the inner block, they
    are a code block holding a code block.
    """
    outermost = [pre for pre in root.iter("pre") if next(pre.iterancestors("pre"), None) is None]
    for pre in outermost:
        nested = list(pre.iterdescendants("pre"))
        if not nested:
            continue
        if pre.text is not None and not pre.text.strip():
            pre.text = None
        for element in pre.iterdescendants():
            if element.tail is not None and not element.tail.strip():
                element.tail = None
        for inner in nested:
            inner.drop_tag()


def _main_element(root: HtmlElement) -> HtmlElement | None:
    """The element holding a large page's main content, cleared of what surrounds content; None if none."""
    body = root.find("body")
    if body is None:
        return None
    page_text = _text_size(body)
    main = None
    for candidates in (
        [*body.iterdescendants("main"), *body.xpath("descendant::*[@role='main']")],
        list(body.iterdescendants("article")),
    ):
        if candidates:
            best = max(candidates, key=_text_size)
            if _text_size(best) >= MAIN_SHARE * page_text:
                main = best
                break
    if main is None:
        main = body
        # Without a main element, the page's header and footer are chrome too; not an article's own
        # <header>, which holds its headline and byline.
        _remove(
            [
                el
                for el in main.iterdescendants("header", "footer")
                if next(el.iterancestors("article"), None) is None
            ]
        )
    _remove(_chrome(main))
    return main if _text_size(main) > 0 else None


def _chrome(main: HtmlElement) -> list[HtmlElement]:
    """What in `main` is navigation, forms, sidebars, comment sections, or hidden."""
    chrome = list(main.iterdescendants(*_CHROME_TAGS))
    for element in main.xpath("descendant::*[@role or @hidden or @aria-hidden]"):
        hidden = element.get("hidden") is not None or element.get("aria-hidden") == "true"
        if hidden or element.get("role") in _CHROME_ROLES:
            chrome.append(element)
    chrome += [
        el for el in main.iterdescendants("div", "section", "ul", "ol") if _CHROME_NAMES.search(_names(el))
    ]
    return chrome


def _names(element: HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}"


def _remove(elements: list[HtmlElement]) -> None:
    for element in elements:
        if element.getparent() is not None:  # not already taken out with the tree of another
            element.drop_tree()  # keeps the text that follows the element (its tail)


# --- writing --------------------------------------------------------------------------------------

# A link that leads nowhere, as html-to-markdown writes it: to `javascript:...` (in angle brackets
# when it holds spaces, maybe followed by a "title"), or to nothing at all. Its words stay.
_DEAD_LINK = re.compile(
    r"(?<!!)\[([^\]\n]*)\]\("
    r"(?:(?:<javascript:[^>\n]*>|javascript:(?:[^\s()]|\([^\s()]*\))*)(?:\s+\"[^\"\n]*\")?)?"
    r"\)",
    re.IGNORECASE,
)


def _options(*, markdown: bool, base: str) -> ConversionOptions:
    from html_to_markdown import ConversionOptions, PreprocessingOptions

    return ConversionOptions(
        output_format="markdown" if markdown else "plain",
        # Its clean-up removes navigation; the full page keeps it, and the main content is chosen here.
        preprocessing=PreprocessingOptions(enabled=False),
        extract_metadata=False,  # else the output starts with a YAML header of the page's <head>
        inline_data_media="alt_text_only",  # a data: URL is kilobytes of base64 no model can read
        base_url=base,
    )


def _written(parts: list[str], base: str, *, markdown: bool) -> str:
    """HTML `parts` written one after the other."""
    written = (_convert(part, base, markdown=markdown) for part in parts)
    return "\n\n".join(text for text in written if text)


def _convert(html: str, base: str, *, markdown: bool) -> str:
    from html_to_markdown import convert

    text = (convert(html, _options(markdown=markdown, base=base)).content or "").strip()
    return _DEAD_LINK.sub(r"\1", text) if markdown else text


def _headed(body: str, title: str | None, *, markdown: bool) -> str:
    """`body` under its title, unless it already opens with it (in markdown: its first heading,
    which in a whole page often comes after the navigation)."""
    if not title:
        return body
    if _opening_heading(body, markdown=markdown).casefold() == title.casefold():
        return body
    heading = f"# {title}" if markdown else title
    return f"{heading}\n\n{body}" if body else heading


def _opening_heading(body: str, *, markdown: bool) -> str:
    """The text of the body's first markdown heading near its start, else of its first line."""
    if markdown:
        heading = _FIRST_HEADING.search(body, 0, _TITLE_WINDOW)
        if heading is not None:
            return _HEADING_MARKS.sub("", heading.group())
    return _HEADING_MARKS.sub("", body.split("\n", 1)[0])
