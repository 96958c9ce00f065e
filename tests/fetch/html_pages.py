"""Realistic HTML pages of a chosen size, for the conversion tests and their measurements.

A page is what a news or documentation site serves: a `<head>` with a stylesheet and metadata, a
header with navigation, a sidebar, the article (headings, paragraphs with relative and absolute
links, lists, a table, code, images, non-ASCII text), reader comments, a footer, and inline scripts
with a JSON state blob, as single-page frameworks leave them. `article_page(size)` repeats article
sections (each with its own varied words, so nothing is a trivial duplicate) until the page has
`size` bytes of UTF-8; about a fifth of it is script and style, as on real pages.
"""

from __future__ import annotations

import json
import random

__all__ = ["NAV_LABELS", "article_page"]

NAV_LABELS = ("Home", "World", "Business", "Technology", "Science", "Culture", "Opinion", "Sport")

_WORDS = (
    *("harbour", "mooring", "tide", "vessel", "anchor", "channel", "pilot", "keel", "quay", "beacon"),
    *("current", "ballast", "drift", "rope", "chart", "compass", "estuary", "gale", "hull", "jetty"),
    *("knot", "lighthouse", "mast", "navigation", "reef", "sail", "shore", "squall", "starboard"),
    *("port", "stern", "bow", "swell", "wharf", "wind", "buoy", "cargo", "crew", "deck", "ferry", "fjord"),
    *("Zürich", "Ångström", "naïve", "café", "São", "Paulo", "Kraków", "Øresund", "Ålesund", "Ηλίας"),
    "München",
)


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(_WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def _paragraph(rng: random.Random, index: int) -> str:
    parts = [_sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(3, 6))]
    # One relative and one absolute link per paragraph, as articles cite their sources.
    parts.insert(1, f'See <a href="/archive/{index}/notes.html">the archived notes {index}</a>.')
    parts.append(f'Source: <a href="https://example.org/report/{index}">report {index}</a>.')
    return "<p>" + " ".join(parts) + "</p>"


def _section(rng: random.Random, index: int) -> str:
    rows = "".join(
        f"<tr><td>Station {index}-{row}</td><td>{rng.randint(1, 99)}.{rng.randint(0, 9)}</td>"
        f"<td>{rng.choice(_WORDS)}</td></tr>"
        for row in range(4)
    )
    items = "".join(f"<li>{_sentence(rng, 6)}</li>" for _ in range(4))
    return (
        f"<h2>Section {index}: {rng.choice(_WORDS)} and {rng.choice(_WORDS)}</h2>"
        + "".join(_paragraph(rng, index * 10 + k) for k in range(4))
        + f"<ul>{items}</ul>"
        + "<table><thead><tr><th>Station</th><th>Depth (m)</th><th>Bottom</th></tr></thead>"
        + f"<tbody>{rows}</tbody></table>"
        + f'<figure><img src="images/chart-{index}.png" alt="Chart {index}">'
        + f"<figcaption>Chart {index} of the {rng.choice(_WORDS)}</figcaption></figure>"
        + f"<pre><code>depth = sound({index})\nprint(depth)</code></pre>"
    )


def _chrome_top() -> str:
    nav = "".join(f'<li><a href="/{label.lower()}/">{label}</a></li>' for label in NAV_LABELS)
    style = "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px;color:#{i:06x}}}" for i in range(300))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Tides of the Øresund — The Harbour Gazette</title>"
        '<meta property="og:title" content="Tides of the Øresund">'
        '<meta name="description" content="A long read about tides.">'
        f'<link rel="stylesheet" href="/static/site.css"><style>{style}</style></head><body>'
        f'<header class="site-header"><a class="logo" href="/">The Harbour Gazette</a>'
        f'<nav class="main-nav" aria-label="Sections"><ul>{nav}</ul></nav></header>'
        '<aside class="sidebar"><h3>Most read</h3><ul>'
        + "".join(f'<li><a href="/most-read/{i}">Most read story number {i}</a></li>' for i in range(8))
        + "</ul></aside>"
    )


def _chrome_bottom(rng: random.Random) -> str:
    state = {"items": [{"id": i, "title": _sentence(rng, 5), "score": i * 3} for i in range(40)]}
    return (
        '<section class="comments" id="comments"><h3>Comments</h3>'
        + "".join(
            f'<div class="comment"><span class="author">reader{i}</span><p>{_sentence(rng, 10)}</p></div>'
            for i in range(3)
        )
        + "</section>"
        '<footer class="site-footer"><p>© 2024 The Harbour Gazette. All rights reserved.</p>'
        '<a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a></footer>'
        f"<script>window.__STATE__ = {json.dumps(state)};</script>"
        '<script src="/static/app.js"></script></body></html>'
    )


def article_page(size: int, *, seed: int = 7) -> str:
    """A realistic article page of about `size` bytes (UTF-8), never less."""
    rng = random.Random(seed)  # noqa: S311 - varied words, not secrets
    top = _chrome_top()
    bottom = _chrome_bottom(rng)
    lead = (
        '<main><article><h1>Tides of the Øresund</h1><p class="byline">By Åsa Lindqvist</p>'
        "<p>The strait between Zealand and Scania carries the Baltic's brackish outflow north, "
        'and <a href="../guides/tides.html">our tide guide</a> explains why it matters.</p>'
    )
    sections: list[str] = []
    used = len(top.encode()) + len(bottom.encode()) + len(lead.encode()) + len("</article></main>")
    index = 0
    while used < size:
        section = _section(rng, index)
        sections.append(section)
        used += len(section.encode())
        index += 1
        # Every tenth section an inline script, as pages embed widgets among the text.
        if index % 10 == 0:
            blob = f"var w{index}={json.dumps([_sentence(rng, 6) for _ in range(30)])};"
            script = f"<script>{blob}</script>"
            sections.append(script)
            used += len(script.encode())
    return top + lead + "".join(sections) + "</article></main>" + bottom
