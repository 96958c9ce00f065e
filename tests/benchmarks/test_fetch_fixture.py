"""The fetch benchmarks' pages and the local server that serves and counts them."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from benchmarks.fetch_fixture import MIN_PAGE_BYTES, PageServer, Traffic, generate_page, sections_in

SIZE = 60_000
REPO_ROOT = Path(__file__).resolve().parents[2]


class _Outline(HTMLParser):
    """The tags of a page, the text of its scripts by type, and the sentences of its paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.paragraphs: list[str] = []
        self._script: str | bool | None = False
        self._paragraph: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs).get("type") or dict(attrs).get("id")
        elif tag == "p":
            self._paragraph = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False
        elif tag == "p" and self._paragraph is not None:
            self.paragraphs.append("".join(self._paragraph))
            self._paragraph = None

    def handle_data(self, data: str) -> None:
        if self._script is not False:
            self.scripts.append((self._script if isinstance(self._script, str) else None, data))
        elif self._paragraph is not None:
            self._paragraph.append(data)


@pytest.fixture(scope="module")
def page() -> bytes:
    return generate_page(SIZE)


@pytest.fixture(scope="module")
def outline(page: bytes) -> _Outline:
    parser = _Outline()
    parser.feed(page.decode())
    parser.close()
    return parser


@pytest.fixture
def server(page: bytes) -> Iterator[PageServer]:
    with PageServer({"/article.html": page}) as serving:
        yield serving


def get(
    server: PageServer, path: str, *, method: str = "GET", **headers: str
) -> tuple[http.client.HTTPResponse, bytes]:
    """The response to one request on a connection of its own, and its body."""
    connection = http.client.HTTPConnection(server.origin.removeprefix("http://"), timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


# --- the page ------------------------------------------------------------------------------------


def test_a_page_has_exactly_the_size_asked_and_the_same_seed_gives_the_same_bytes(page: bytes) -> None:
    assert len(page) == SIZE
    assert generate_page(SIZE) == page
    assert generate_page(SIZE, seed=2) != page
    assert len(generate_page(MIN_PAGE_BYTES)) == MIN_PAGE_BYTES
    assert len(generate_page(SIZE + 1)) == SIZE + 1


def test_another_process_generates_the_same_bytes(page: bytes) -> None:
    # String hashing differs per process: a page built in set order would differ too.
    script = (
        "import sys; from benchmarks.fetch_fixture import generate_page; "
        f"sys.stdout.buffer.write(generate_page({SIZE}))"
    )
    elsewhere = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "random"},
    ).stdout

    assert elsewhere == page


def test_a_page_too_small_for_its_chrome_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 40,000 bytes"):
        generate_page(MIN_PAGE_BYTES - 1)


def test_a_page_has_the_parts_of_a_real_site(outline: _Outline) -> None:
    tags = outline.tags
    for tag in ("head", "meta", "style", "link", "nav", "header", "main", "article", "aside", "footer"):
        assert tags[tag] >= 1, tag
    for tag in ("h1", "h2", "h3", "p", "a", "ul", "ol", "li", "table", "th", "td", "pre", "code", "img"):
        assert tags[tag] >= 1, tag
    assert tags["em"] + tags["strong"] >= 3
    images = [attributes for tag, attributes in outline.attributes if tag == "img"]
    assert sum(1 for image in images if image.get("alt")) >= 2
    classes = {attributes.get("class") for _, attributes in outline.attributes}
    assert {"primary-nav", "comments", "comment-list", "sidebar", "site-footer", "post"} <= classes


def test_its_scripts_hold_json_ld_and_a_state_blob_that_parse(outline: _Outline) -> None:
    scripts = dict(outline.scripts)
    assert json.loads(scripts["application/ld+json"])["@type"] == "NewsArticle"
    state = scripts["__INITIAL_STATE__"].removeprefix("window.__INITIAL_STATE__=").rstrip().removesuffix(";")
    assert json.loads(state)["items"]


def test_the_article_sections_are_numbered_in_order_and_named_nowhere_else(page: bytes) -> None:
    text = page.decode()
    numbers = [int(number) for number in re.findall(r"<h2>Section (\d+):", text)]

    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 5
    assert sections_in(text) == set(numbers)
    assert len(re.findall(r"Section \d+:", text)) == len(numbers)


def test_the_text_reads_as_prose_that_does_not_repeat(outline: _Outline) -> None:
    sentences = [
        sentence for paragraph in outline.paragraphs for sentence in re.split(r"(?<=[.?”])\s+", paragraph)
    ]
    assert len(sentences) > 200
    assert len(set(sentences)) / len(sentences) > 0.95
    assert any("’" in sentence or "—" in sentence for sentence in sentences)  # typographic punctuation


def test_a_bigger_page_has_more_sections_and_comments_not_bigger_ones(page: bytes) -> None:
    bigger = generate_page(4 * SIZE)

    assert len(sections_in(bigger.decode())) > 3 * len(sections_in(page.decode()))
    assert bigger.count(b'<li class="comment') > 3 * page.count(b'<li class="comment')


# --- the server ----------------------------------------------------------------------------------


def test_a_page_is_served_as_utf8_html_with_its_length(server: PageServer, page: bytes) -> None:
    response, body = get(server, "/article.html")

    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Content-Length") == str(SIZE)
    assert response.getheader("Content-Encoding") is None
    assert body == page


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"])
def test_a_client_that_accepts_gzip_gets_it_gzipped(server: PageServer, page: bytes, accept: str) -> None:
    response, body = get(server, "/article.html", **{"Accept-Encoding": accept})

    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Content-Length") == str(len(body))
    assert len(body) < SIZE / 2
    assert gzip.decompress(body) == page


@pytest.mark.parametrize("accept", ["gzip;q=0", "deflate, br", "identity"])
def test_a_client_that_does_not_accept_gzip_gets_it_plain(server: PageServer, accept: str) -> None:
    response, body = get(server, "/article.html", **{"Accept-Encoding": accept})

    assert response.getheader("Content-Encoding") is None
    assert len(body) == SIZE


def test_robots_txt_allows_everything_and_other_paths_are_not_found(server: PageServer) -> None:
    robots, rules = get(server, "/robots.txt")
    missing, _ = get(server, "/other.html")

    assert robots.status == 200
    assert rules == b"User-agent: *\nAllow: /\n"
    assert missing.status == 404


def test_requests_and_bytes_are_counted_per_path_whatever_the_query(server: PageServer) -> None:
    get(server, "/article.html?r=1")
    _, gzipped = get(server, "/article.html?r=2", **{"Accept-Encoding": "gzip"})
    get(server, "/article.html", method="HEAD")
    get(server, "/robots.txt")

    wire = SIZE + len(gzipped)
    assert server.traffic("/article.html") == Traffic(requests=3, body_bytes=wire, gzipped=1)
    assert server.traffic("/robots.txt") == Traffic(requests=1, body_bytes=23, gzipped=0)
    assert server.traffic("/never.html") == Traffic()
    assert Traffic(3, wire, 1) - Traffic(1, SIZE, 0) == Traffic(2, len(gzipped), 1)


def test_keep_alive_serves_several_requests_on_one_connection(server: PageServer) -> None:
    connection = http.client.HTTPConnection(server.origin.removeprefix("http://"), timeout=10)
    for _ in range(3):
        connection.request("GET", "/robots.txt")
        response = connection.getresponse()
        assert response.read() == b"User-agent: *\nAllow: /\n"
        assert not response.will_close
    connection.close()

    assert server.traffic("/robots.txt").requests == 3


def test_a_server_without_gzip_always_sends_the_page_plain(page: bytes) -> None:
    with PageServer({"/article.html": page}, gzip_when_asked=False) as plain:
        response, body = get(plain, "/article.html", **{"Accept-Encoding": "gzip"})

    assert response.getheader("Content-Encoding") is None
    assert body == page
