"""The fetch benchmarks' fixture: realistic HTML pages of a given size, and a local server that counts.

`generate_page(size, seed)` returns a page of exactly `size` bytes of UTF-8, shaped like a long
article on a real site, so what a converter does with it (drop the chrome, keep the article, turn
tables and code into markdown) costs what it costs on the web:

- a head with meta and Open Graph tags, stylesheet links, an inline stylesheet, an analytics
  snippet and a JSON-LD description of the article;
- a site header with a logo, a search form and a navigation menu of dropdowns; breadcrumbs;
- the article: a title, a byline, a hero image, an "On this page" list, then numbered sections
  (``<h2>Section N: ...</h2>``), each a varied run of paragraphs with inline links, emphasis and
  code, sub-headings, lists, tables, code blocks, quotations, figures with alt text and callouts;
- a sidebar of related articles and a newsletter form, a comments section with nested replies, a
  footer of link columns, and at the end an inline state blob (``window.__INITIAL_STATE__``) as
  single-page frameworks embed, which also takes up the slack so the size is exact.

The article takes about three fifths of every page, the comments about a fifth, the rest is chrome
and scripts; a bigger page has more sections and comments, not bigger ones. ``Section N:`` appears
in the article's headings and nowhere else, so a benchmark can tell from a conversion which
sections made it (`sections_in`), whatever the markdown dialect. The text comes from a seeded
generator over a few hundred words and a dozen sentence shapes, with typographic punctuation, so
no two paragraphs read alike and the same (size, seed) gives the same bytes everywhere.

`PageServer` serves such pages on 127.0.0.1 from a thread pool: ``text/html; charset=utf-8`` with
a Content-Length, gzip when the client accepts it (compressed once, up front), ``/robots.txt``
allowing everything, 404 for anything else. It counts requests and body bytes sent per path
(`traffic`), so "downloaded once" and "bytes downloaded" are measured, not assumed. The query
string is not part of the path it counts by: a benchmark can defeat any cache with ``?r=...``
and still count the page's downloads together.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import NamedTuple
from urllib.parse import urlsplit

__all__ = [
    "ALLOW_EVERYTHING",
    "MIN_PAGE_BYTES",
    "PageServer",
    "Traffic",
    "generate_page",
    "sections_in",
]

ALLOW_EVERYTHING = b"User-agent: *\nAllow: /\n"
MIN_PAGE_BYTES = 40_000  # the chrome of a page (head, menus, footer) is about 18 KB
_SECTION = re.compile(r"\bSection (\d+):")
_ARTICLE_SHARE = 0.6
_COMMENTS_SHARE = 0.2
_SMALLEST_BLOB = 200  # the state script with no items
_GZIP_LEVEL = 6  # what web servers use by default
_SITE = "https://harbour-ledger.example"

# --- words ---------------------------------------------------------------------------------------

_NOUNS = (
    "anchor",
    "berth",
    "bollard",
    "buoy",
    "cable",
    "capstan",
    "channel",
    "chart",
    "cleat",
    "compass",
    "crane",
    "current",
    "deck",
    "dock",
    "dredger",
    "ebb",
    "estuary",
    "fender",
    "ferry",
    "flood",
    "gangway",
    "hawser",
    "helm",
    "hull",
    "inlet",
    "jetty",
    "keel",
    "knot",
    "ladder",
    "lantern",
    "ledger",
    "lighthouse",
    "line",
    "lock",
    "manifest",
    "mast",
    "mooring",
    "navigator",
    "pier",
    "pilot",
    "pontoon",
    "quay",
    "reef",
    "rope",
    "rudder",
    "sandbar",
    "schedule",
    "shackle",
    "shoal",
    "slipway",
    "sounding",
    "spring",
    "stern",
    "swell",
    "tide",
    "timetable",
    "tug",
    "warp",
    "wharf",
    "winch",
    "breakwater",
    "harbour",
    "master",
    "surveyor",
    "engineer",
    "crew",
    "council",
    "forecast",
    "gauge",
    "sensor",
    "model",
    "dataset",
    "survey",
    "report",
    "budget",
    "contract",
    "permit",
    "warden",
    "ferryman",
    "cargo",
    "container",
    "terminal",
    "berthing",
    "draught",
    "ballast",
    "beacon",
    "signal",
    "radio",
    "logbook",
    "timber",
)
_PLURALS = {"ferry": "ferries", "quay": "quays", "harbour": "harbours", "crew": "crews", "cargo": "cargoes"}
_VERBS = (
    "adjusts",
    "anchors",
    "balances",
    "blocks",
    "carries",
    "checks",
    "clears",
    "delays",
    "drags",
    "eases",
    "extends",
    "feeds",
    "follows",
    "guides",
    "holds",
    "loosens",
    "marks",
    "measures",
    "moves",
    "narrows",
    "outlasts",
    "pulls",
    "raises",
    "records",
    "reroutes",
    "replaces",
    "secures",
    "shifts",
    "shortens",
    "slows",
    "steadies",
    "strains",
    "supports",
    "tightens",
    "tracks",
    "turns",
    "warns",
    "widens",
    "outpaces",
    "predicts",
    "confirms",
    "undercuts",
    "doubles",
    "halves",
)
_ADJECTIVES = (
    "ageing",
    "broad",
    "brackish",
    "busy",
    "calm",
    "coastal",
    "cold",
    "cracked",
    "deep",
    "eastern",
    "empty",
    "exposed",
    "faint",
    "fresh",
    "frozen",
    "gusty",
    "heavy",
    "high",
    "hidden",
    "inner",
    "late",
    "local",
    "long",
    "low",
    "narrow",
    "new",
    "northern",
    "old",
    "outer",
    "quiet",
    "rough",
    "rusted",
    "salty",
    "seasonal",
    "shallow",
    "sheltered",
    "short",
    "silted",
    "slack",
    "southern",
    "steady",
    "steep",
    "strong",
    "sudden",
    "tidal",
    "uneven",
    "upper",
    "western",
    "wet",
    "windward",
    "leeward",
    "overdue",
    "provisional",
    "revised",
)
_ADVERBS = (
    "barely",
    "briefly",
    "carefully",
    "clearly",
    "quickly",
    "rarely",
    "slowly",
    "steadily",
    "sharply",
    "gently",
    "twice",
    "eventually",
    "reliably",
    "unexpectedly",
    "usually",
    "mostly",
    "nearly",
)
_PLACES = (
    "Kingsport",
    "Saltmarsh",
    "Ashcombe",
    "Greyhaven",
    "Porthallow",
    "Eddystone",
    "Blackwater",
    "Merrow",
    "Tidesend",
    "Calder Bay",
    "Fenwick",
    "Harwick",
    "Lowmoor",
    "Orford Ness",
    "Redcliff",
    "Skerra",
    "Westerby",
)
_PEOPLE = (
    "Ada Brenner",
    "Tomás Okafor",
    "Ingrid Salo",
    "Priya Ramanathan",
    "Lucien Moreau",
    "Hana Takeda",
    "Marek Nowak",
    "Zainab Haddad",
    "Elena Petrova",
    "Joaquín Ruiz",
    "Siobhán Walsh",
    "Kwame Mensah",
)
_CONNECTIVES = (
    "However,",
    "In practice,",
    "By contrast,",
    "As a result,",
    "Meanwhile,",
    "For most of the year,",
    "In the 1970s,",
    "According to the survey,",
    "On a spring tide,",
    "Since the refit,",
    "Even so,",
    "At low water,",
)
_MENU = (
    "News",
    "Tides",
    "Shipping",
    "Weather",
    "Harbours",
    "Engineering",
    "History",
    "Opinion",
    "Guides",
    "Data",
)
_LANGUAGES = ("python", "javascript", "bash", "sql")


class _Prose:
    """Sentences, paragraphs and titles from a seeded generator: varied, never quite repeating."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Sentence shapes; every slot is filled afresh each time.
        self._shapes: tuple[Callable[[], str], ...] = (
            lambda: f"The {self.adj()} {self.noun()} {self.verb()} the {self.noun()}.",
            lambda: (
                f"{self.conn()} the {self.noun()} {self.verb()} the {self.adj()} {self.noun()} "
                f"{self.adverb()}."
            ),
            lambda: (
                f"Every {self.noun()} at {self.place()} {self.verb()} {self.a_adj()} {self.noun()}, "
                f"and the {self.noun()} {self.verb()} it."
            ),
            lambda: (
                f"{self.person()} says the {self.noun()} “{self.verb()} the {self.noun()} {self.adverb()}”."
            ),
            lambda: (
                f"Between {self.rng.randint(2, 11)} and {self.rng.randint(12, 90)} "
                f"{self.plural()} {self.plural_verb()} the {self.noun()} each {self.unit()}."
            ),
            lambda: (
                f"When the {self.noun()} is {self.adj()}, the {self.noun()} {self.verb()} the "
                f"{self.noun()} — and the {self.plural()} {self.adverb()} follow."
            ),
            lambda: (
                f"The {self.noun()}’s {self.noun()} {self.verb()} {self.rng.randint(3, 97)}% of the "
                f"{self.adj()} {self.noun()}."
            ),
            lambda: (
                f"{self.conn()} {self.place()} {self.verb()} its {self.plural()} before the "
                f"{self.adj()} {self.noun()}."
            ),
            lambda: f"Nobody {self.verb()} {self.a_adj()} {self.noun()} twice.",
            lambda: f"Is the {self.noun()} {self.adj()} enough to hold the {self.noun()}?",
            lambda: (
                f"{self.a_adj()} {self.noun()} {self.verb()} the {self.noun()}; {self.a_adj()} one "
                f"{self.verb()} the {self.noun()} instead."
            ),
            lambda: (
                f"On {self.rng.randint(1, 28)} {self.month()}, the {self.noun()} at {self.place()} "
                f"{self.verb()} the {self.adj()} {self.noun()} for the {self.ordinal()} time."
            ),
        )

    def noun(self) -> str:
        return self.rng.choice(_NOUNS)

    def plural(self) -> str:
        noun = self.rng.choice(_NOUNS)
        return _PLURALS.get(noun, noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s"))

    def verb(self) -> str:
        return self.rng.choice(_VERBS)

    def plural_verb(self) -> str:
        verb = self.verb()
        if verb.endswith("ies"):
            return verb[:-3] + "y"
        return verb[:-2] if verb.endswith(("sses", "shes", "ches", "xes")) else verb[:-1]

    def adj(self) -> str:
        return self.rng.choice(_ADJECTIVES)

    def a_adj(self) -> str:
        """An adjective with its indefinite article."""
        adjective = self.adj()
        return f"{'an' if adjective[0] in 'aeiou' else 'a'} {adjective}"

    def adverb(self) -> str:
        return self.rng.choice(_ADVERBS)

    def place(self) -> str:
        return self.rng.choice(_PLACES)

    def person(self) -> str:
        return self.rng.choice(_PEOPLE)

    def conn(self) -> str:
        return self.rng.choice(_CONNECTIVES)

    def unit(self) -> str:
        return self.rng.choice(("hour", "tide", "week", "season", "shift", "crossing"))

    def month(self) -> str:
        return self.rng.choice(("January", "March", "May", "July", "September", "November"))

    def ordinal(self) -> str:
        return self.rng.choice(("first", "second", "third", "last", "fourth"))

    def sentence(self) -> str:
        text = self.rng.choice(self._shapes)()
        return text[0].upper() + text[1:]

    def title(self, words: tuple[int, int] = (3, 7)) -> str:
        count = self.rng.randint(*words)
        picks = [self.rng.choice((self.adj, self.noun, self.noun, self.place))() for _ in range(count)]
        text = " ".join(picks)
        return text[0].upper() + text[1:]

    def slug(self) -> str:
        return "-".join(self.rng.choice(_NOUNS) for _ in range(self.rng.randint(2, 4)))

    def inline(self, sentences: int) -> str:
        """`sentences` sentences of escaped text, some words wrapped in links, emphasis or code."""
        parts = []
        for _ in range(sentences):
            words = html.escape(self.sentence(), quote=False).split(" ")
            roll = self.rng.random()
            if roll < 0.35 and len(words) > 3:
                at = self.rng.randrange(1, len(words) - 2)
                href = self.rng.choice(
                    (f"/articles/{self.slug()}", f"{_SITE}/guides/{self.slug()}", "#comments")
                )
                words[at : at + 2] = [f'<a href="{href}">{words[at]} {words[at + 1]}</a>']
            elif roll < 0.55:
                at = self.rng.randrange(len(words))
                tag = self.rng.choice(("em", "strong", "code"))
                words[at] = f"<{tag}>{words[at]}</{tag}>"
            parts.append(" ".join(words))
        return " ".join(parts)


# --- the page ------------------------------------------------------------------------------------


def generate_page(size: int, seed: int = 1) -> bytes:
    """A page of exactly `size` bytes of UTF-8 HTML; the same (size, seed) gives the same bytes."""
    if size < MIN_PAGE_BYTES:
        raise ValueError(f"a page needs at least {MIN_PAGE_BYTES:,} bytes, not {size:,}")
    rng = random.Random(f"{seed}-{size}")
    prose = _Prose(rng)
    title = prose.title((4, 8))
    slug = prose.slug()
    before = _head(prose, title, slug) + _site_header(prose) + '<main id="main" class="layout">\n'
    after = _sidebar(prose) + "</main>\n" + _site_footer(prose)
    # What the chrome leaves is shared out: the article first, then the comments, the state blob last.
    rest = size - _utf8_length(before, after, _CLOSING) - _SMALLEST_BLOB
    article = _article(prose, title, min(int(size * _ARTICLE_SHARE), rest * 3 // 4))
    rest -= _utf8_length(article)
    comments = _comments(prose, min(int(size * _COMMENTS_SHARE), rest))
    page = [before, article, comments, after]
    page.append(_state_blob(prose, slug, size - _utf8_length(*page, _CLOSING)))
    page.append(_CLOSING)
    data = "".join(page).encode()
    assert len(data) == size, (len(data), size)
    return data


def _utf8_length(*parts: str) -> int:
    return sum(len(part.encode()) for part in parts)


def sections_in(text: str) -> set[int]:
    """The numbers of the article's sections whose headings `text` holds."""
    return {int(number) for number in _SECTION.findall(text)}


_CLOSING = "</body>\n</html>\n"


def _head(prose: _Prose, title: str, slug: str) -> str:
    rng = prose.rng
    description = html.escape(prose.sentence())
    css_hash, js_hash = (f"{rng.getrandbits(40):010x}" for _ in range(2))
    styles = "\n".join(_css_rule(prose) for _ in range(60))
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "description": prose.sentence(),
        "datePublished": f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T08:{rng.randint(10, 59)}:00Z",
        "author": [{"@type": "Person", "name": name} for name in rng.sample(_PEOPLE, 2)],
        "publisher": {"@type": "Organization", "name": "The Harbour Ledger", "logo": f"{_SITE}/logo.png"},
        "mainEntityOfPage": f"{_SITE}/articles/{slug}",
    }
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} | The Harbour Ledger</title>\n"
        f'<meta name="description" content="{description}">\n'
        f'<meta property="og:title" content="{html.escape(title)}">\n'
        f'<meta property="og:description" content="{description}">\n'
        f'<meta property="og:image" content="{_SITE}/images/{slug}/hero.jpg">\n'
        f'<meta property="og:url" content="{_SITE}/articles/{slug}">\n'
        '<meta name="twitter:card" content="summary_large_image">\n'
        f'<link rel="canonical" href="{_SITE}/articles/{slug}">\n'
        '<link rel="preconnect" href="https://fonts.example.net" crossorigin>\n'
        f'<link rel="stylesheet" href="/assets/css/main.{css_hash}.css">\n'
        '<link rel="icon" href="/favicon.ico" sizes="any">\n'
        f"<style>\n{styles}\n</style>\n"
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        f"gtag('js',new Date());gtag('config','G-{rng.getrandbits(32):08X}',"
        "{anonymize_ip:true});</script>\n"
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>\n'
        f'<script src="/assets/js/vendor.{js_hash}.js" defer></script>\n'
        "</head>\n"
        '<body class="article-page theme-light">\n<a class="skip-link" href="#main">Skip to content</a>\n'
    )


def _css_rule(prose: _Prose) -> str:
    rng = prose.rng
    selector = f".{prose.noun()}-{prose.adj()} {rng.choice(('a', 'p', 'li', 'span', 'div', 'h2'))}"
    return (
        f"{selector}{{margin:{rng.randint(0, 32)}px {rng.randint(0, 24)}px;"
        f"color:#{rng.getrandbits(24):06x};font-size:{rng.choice((0.75, 0.875, 1, 1.125, 1.25))}rem;"
        f"line-height:{rng.choice((1.2, 1.4, 1.6))}}}"
    )


def _site_header(prose: _Prose) -> str:
    rng = prose.rng
    menus = []
    for item in _MENU:
        links = "".join(
            f'<li><a href="/{item.lower()}/{prose.slug()}">{html.escape(prose.title((2, 4)))}</a></li>'
            for _ in range(rng.randint(5, 9))
        )
        menus.append(
            f'<li class="menu-item has-children"><a href="/{item.lower()}/">{item}</a>'
            f'<ul class="sub-menu">{links}</ul></li>\n'
        )
    crumbs = "".join(
        f'<li><a href="/{part.lower()}/">{part}</a></li>' for part in ("Home", rng.choice(_MENU), "Articles")
    )
    return (
        '<header class="site-header">\n'
        '<a class="logo" href="/">'
        '<img src="/logo.svg" alt="The Harbour Ledger" width="180" height="40"></a>\n'
        '<form class="search" action="/search" role="search"><label for="q">Search</label>'
        '<input id="q" name="q" type="search" placeholder="Search the Ledger"><button>Go</button></form>\n'
        f'<nav class="primary-nav" aria-label="Main"><ul class="menu">\n{"".join(menus)}</ul></nav>\n'
        "</header>\n"
        f'<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>{crumbs}</ol></nav>\n'
    )


def _article(prose: _Prose, title: str, budget: int) -> str:
    rng = prose.rng
    author, editor = rng.sample(_PEOPLE, 2)
    sections: list[str] = []
    titles: list[str] = []
    used = 0
    while True:
        heading = prose.title()
        section = _section(prose, len(sections) + 1, heading)
        used += len(section.encode()) + 60  # and its line in the table of contents
        if used > budget:
            break
        sections.append(section)
        titles.append(heading)
    if not sections:
        raise ValueError(
            "the page's chrome leaves no room for a section of the article; ask for a bigger page"
        )
    contents = "".join(
        f'<li><a href="#section-{number}">{html.escape(heading)}</a></li>'
        for number, heading in enumerate(titles, 1)
    )
    return (
        '<article class="post" itemscope itemtype="https://schema.org/NewsArticle">\n'
        f'<header class="post-header"><h1 itemprop="headline">{html.escape(title)}</h1>\n'
        f'<p class="byline">By <a rel="author" href="/people/{author.split()[0].lower()}">{author}</a>, '
        f'edited by {editor} · <time datetime="2026-05-{rng.randint(10, 28)}">May 2026</time> · '
        f"{max(3, len(sections) * 2)} min read</p></header>\n"
        f'<figure class="hero"><img src="/images/{prose.slug()}.jpg" alt="{html.escape(prose.sentence())}" '
        f'width="1200" height="675" loading="eager"><figcaption>{prose.inline(1)}</figcaption></figure>\n'
        f'<nav class="toc" aria-label="On this page"><h2>On this page</h2><ol>{contents}</ol></nav>\n'
        f'<div class="post-body" itemprop="articleBody">\n<p class="lede">{prose.inline(3)}</p>\n'
        f"{''.join(sections)}</div>\n"
        f'<footer class="post-footer"><ul class="tags">{_tags(prose)}</ul>'
        '<div class="share"><a href="#" class="share-mastodon">Share</a> '
        '<a href="#" class="share-mail">Email</a>'
        "</div></footer>\n</article>\n"
    )


def _section(prose: _Prose, number: int, heading: str) -> str:
    rng = prose.rng
    blocks = [f'<section id="section-{number}">\n<h2>Section {number}: {html.escape(heading)}</h2>\n']
    for _ in range(rng.randint(5, 12)):
        blocks.append(_block(prose))
    blocks.append("</section>\n")
    return "".join(blocks)


def _block(prose: _Prose) -> str:
    rng = prose.rng
    roll = rng.random()
    if roll < 0.55:
        return f"<p>{prose.inline(rng.randint(2, 7))}</p>\n"
    if roll < 0.62:
        return f"<h3>{html.escape(prose.title())}</h3>\n<p>{prose.inline(rng.randint(2, 5))}</p>\n"
    if roll < 0.72:
        tag = rng.choice(("ul", "ol"))
        items = "".join(f"<li>{prose.inline(rng.randint(1, 2))}</li>\n" for _ in range(rng.randint(3, 7)))
        return f"<{tag}>\n{items}</{tag}>\n"
    if roll < 0.79:
        return _table(prose)
    if roll < 0.86:
        return _code(prose)
    if roll < 0.90:
        return f"<blockquote><p>{prose.inline(2)}</p><cite>{prose.person()}</cite></blockquote>\n"
    if roll < 0.95:
        return (
            f'<figure><img src="/images/{prose.slug()}.webp" alt="{html.escape(prose.sentence())}" '
            f'width="{rng.choice((640, 800, 960))}" height="{rng.choice((360, 450, 540))}" loading="lazy">'
            f"<figcaption>{prose.inline(1)}</figcaption></figure>\n"
        )
    return f'<aside class="callout callout-note"><strong>Note</strong><p>{prose.inline(2)}</p></aside>\n'


def _table(prose: _Prose) -> str:
    rng = prose.rng
    columns = rng.randint(3, 6)
    header = "".join(f'<th scope="col">{prose.noun().capitalize()}</th>' for _ in range(columns))
    rows = []
    for _ in range(rng.randint(4, 12)):
        cells = [f'<th scope="row">{prose.place()}</th>']
        for _ in range(columns - 1):
            value = rng.choice((f"{rng.uniform(0, 12):.2f} m", f"{rng.randint(0, 2400):,}", prose.adj()))
            cells.append(f"<td>{value}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    caption = html.escape(prose.sentence())
    return (
        f'<table class="data"><caption>{caption}</caption><thead><tr>{header}</tr></thead>\n'
        f"<tbody>\n{chr(10).join(rows)}\n</tbody></table>\n"
    )


def _code(prose: _Prose) -> str:
    rng = prose.rng
    language = rng.choice(_LANGUAGES)
    lines = []
    for _ in range(rng.randint(4, 14)):
        indent = "    " * rng.choice((0, 0, 1, 1, 2))
        a, b, c = prose.noun(), prose.noun(), prose.adj()
        shape = rng.random()
        if language == "sql":
            lines.append(f"SELECT {a}, {b} FROM {c}_{a} WHERE {b} > {rng.randint(0, 99)};")
        elif language == "bash":
            lines.append(f"harbourctl {prose.verb()} --{a} {b}-{rng.randint(1, 9)} | grep {c}")
        elif shape < 0.3:
            lines.append(f"{indent}def {a}_{b}({c}, {prose.noun()}):")
        elif shape < 0.5:
            lines.append(f"{indent}# {html.escape(prose.sentence())}")
        else:
            lines.append(f"{indent}{a}_{c} = {b}.{prose.verb()}({rng.randint(0, 500)})")
    return f'<pre><code class="language-{language}">{chr(10).join(lines)}\n</code></pre>\n'


def _tags(prose: _Prose) -> str:
    return "".join(
        f'<li><a href="/tags/{tag}" rel="tag">{tag}</a></li>'
        for tag in dict.fromkeys(prose.noun() for _ in range(6))  # no set: its order changes per process
    )


def _sidebar(prose: _Prose) -> str:
    related = "".join(
        f'<li><a href="/articles/{prose.slug()}"><img src="/images/{prose.slug()}-thumb.jpg" alt=""'
        f' width="80" height="60">{html.escape(prose.title())}</a>'
        f'<span class="meta">{prose.rng.randint(2, 30)} min read</span></li>\n'
        for _ in range(8)
    )
    return (
        '<aside class="sidebar" aria-label="Related">\n<section class="related"><h2>Related reading</h2>'
        f"<ul>\n{related}</ul></section>\n"
        '<section class="newsletter"><h2>The Tide Table, weekly</h2>'
        f"<p>{prose.inline(1)}</p>"
        '<form action="/subscribe" method="post">'
        '<input type="email" name="email" placeholder="you@example.org">'
        "<button>Subscribe</button></form></section>\n"
        '<div class="ad-slot" data-slot="sidebar-1" aria-hidden="true"></div>\n</aside>\n'
    )


def _comments(prose: _Prose, budget: int) -> str:
    rng = prose.rng
    comments: list[str] = []
    used = 400  # the section's heading and the comment form
    while True:
        comment = _comment(prose, depth=0)
        used += len(comment.encode())
        if used > budget:
            break
        comments.append(comment)
    return (
        f'<section class="comments" id="comments">\n<h2>{len(comments)} comments</h2>\n'
        f'<ol class="comment-list">\n{"".join(comments)}</ol>\n'
        '<form class="comment-form" action="/comments" method="post">'
        f'<textarea name="body" rows="{rng.randint(4, 8)}">'
        "</textarea><button>Post comment</button></form>\n</section>\n"
    )


def _comment(prose: _Prose, depth: int) -> str:
    rng = prose.rng
    author = rng.choice((*_PEOPLE, *(f"{prose.noun()}{rng.randint(1, 999)}" for _ in range(3))))
    replies = ""
    if depth < 2 and rng.random() < 0.3:
        replies = (
            '<ol class="children">'
            + "".join(_comment(prose, depth + 1) for _ in range(rng.randint(1, 3)))
            + "</ol>"
        )
    return (
        f'<li class="comment depth-{depth}" id="comment-{rng.getrandbits(24)}"><article>'
        f'<footer class="comment-meta"><img class="avatar" src="/avatars/{rng.getrandbits(20)}.png" alt=""'
        f' width="32" height="32"><b class="fn">{html.escape(author)}</b> '
        f'<time datetime="2026-05-{rng.randint(10, 28)}">'
        f"{rng.randint(1, 23)} hours ago</time></footer>"
        f'<div class="comment-content"><p>{prose.inline(rng.randint(1, 4))}</p></div>'
        f'<a class="reply" href="#respond">Reply</a></article>{replies}</li>\n'
    )


def _site_footer(prose: _Prose) -> str:
    columns = "".join(
        f'<div class="footer-column"><h3>{item}</h3><ul>'
        + "".join(
            f'<li><a href="/{item.lower()}/{prose.slug()}">{html.escape(prose.title((1, 3)))}</a></li>'
            for _ in range(6)
        )
        + "</ul></div>\n"
        for item in _MENU[:5]
    )
    return (
        f'<footer class="site-footer">\n{columns}'
        '<p class="legal">© 2026 The Harbour Ledger. <a href="/privacy">Privacy</a> · '
        '<a href="/terms">Terms</a> · <a href="/cookies">Cookie settings</a></p>\n</footer>\n'
    )


def _state_blob(prose: _Prose, slug: str, budget: int) -> str:
    """A framework's inline state: JSON of recommendations, padded with spaces to exactly `budget` bytes."""
    rng = prose.rng
    opening = (
        f'<script id="__INITIAL_STATE__">window.__INITIAL_STATE__={{"route":"/articles/{slug}","items":['
    )
    closing = "]};</script>\n"
    room = budget - len(opening) - len(closing)
    if room < 0:
        raise ValueError("the page's chrome and its first section do not fit; ask for a bigger page")
    items: list[str] = []
    used = 0
    while True:
        item = json.dumps(
            {
                "id": rng.getrandbits(32),
                "slug": prose.slug(),
                "title": prose.title(),
                "teaser": prose.sentence(),
                "score": round(rng.random(), 4),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        cost = len(item.encode()) + (1 if items else 0)
        if used + cost > room:
            break
        items.append(item)
        used += cost
    return opening + ",".join(items) + " " * (room - used) + closing


# --- the server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Traffic:
    """What one path was sent: requests answered, body bytes on the wire, and how many were gzipped."""

    requests: int = 0
    body_bytes: int = 0
    gzipped: int = 0

    def __sub__(self, earlier: Traffic) -> Traffic:
        return Traffic(
            self.requests - earlier.requests,
            self.body_bytes - earlier.body_bytes,
            self.gzipped - earlier.gzipped,
        )


class PageServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 serving `pages` by path, counting what it sends.

    Use it as a context manager, or `close` it. `origin` is ``http://127.0.0.1:PORT``.
    """

    def __init__(
        self, pages: Mapping[str, bytes], *, robots: bytes = ALLOW_EVERYTHING, gzip_when_asked: bool = True
    ) -> None:
        # Compressed once here, as a server with precompressed assets does, not once per request.
        self._bodies = {path: _body(page, gzip_when_asked) for path, page in pages.items()}
        self._robots = robots
        self._traffic: dict[str, Traffic] = {}
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll, so that closing takes milliseconds rather than the default half second.
        self._thread = threading.Thread(
            target=self._http.serve_forever, args=(0.02,), name="page-server", daemon=True
        )
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def url(self, path: str) -> str:
        return self.origin + path

    def traffic(self, path: str) -> Traffic:
        """What `path` (without its query) has been sent so far."""
        with self._lock:
            return self._traffic.get(path, Traffic())

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def __enter__(self) -> PageServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _count(self, path: str, sent: int, gzipped: bool) -> None:
        with self._lock:
            seen = self._traffic.get(path, Traffic())
            self._traffic[path] = Traffic(seen.requests + 1, seen.body_bytes + sent, seen.gzipped + gzipped)

    def _respond(self, path: str, accept_encoding: str) -> tuple[int, dict[str, str], bytes]:
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, self._robots
        body = self._bodies.get(path)
        if body is None:
            return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n"
        headers = {"Content-Type": "text/html; charset=utf-8", "Vary": "Accept-Encoding"}
        if body.gzipped is not None and _accepts_gzip(accept_encoding):
            return 200, {**headers, "Content-Encoding": "gzip"}, body.gzipped
        return 200, headers, body.plain

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as every client here expects

            def do_GET(self) -> None:
                self._answer(send_body=True)

            def do_HEAD(self) -> None:
                self._answer(send_body=False)

            def _answer(self, *, send_body: bool) -> None:
                path = urlsplit(self.path).path
                status, headers, body = owner._respond(path, self.headers.get("Accept-Encoding", ""))
                # Counted before it is sent: a client that has the answer finds it counted.
                owner._count(path, len(body) if send_body else 0, headers.get("Content-Encoding") == "gzip")
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return  # a benchmark's stderr is for its progress

        return Handler


class _Body(NamedTuple):
    plain: bytes
    gzipped: bytes | None  # None when the server is not to compress


def _body(page: bytes, compress: bool) -> _Body:
    return _Body(page, gzip.compress(page, _GZIP_LEVEL, mtime=0) if compress else None)


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding value admits gzip (named, or ``*``, without ``q=0``)."""
    for entry in header.split(","):
        coding, _, parameters = entry.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = parameters.strip().removeprefix("q=").strip() if parameters else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False
