"""Fetch scenarios: ours beside the reference fetch server, with curl downloading the same page as the floor.

One scenario per page size (`fetch-100kb`, `fetch-1mb`, `fetch-5mb`): a realistic article page of
exactly that many bytes (`benchmarks.fetch_fixture`), served gzipped from 127.0.0.1 by a server in
this process that counts what it sends, with a robots.txt that allows everything. Both servers
check robots.txt before a fetch; their specs let them reach private addresses
(``--allow-private-network``, ``--allow-private-ips``).

Each run spawns a fresh server, then, untimed, finishes the handshake and fetches a small page
from a *second* local server, so the imports and HTTP machinery of a first call are done but
nothing about the measured origin is known (not its robots.txt, not its page). Then, timed call by
call, it fetches the page with ``max_length`` 5,000 and follows the reference's continuation note
(``... Call the fetch tool with a start_index of N ...``) page by page to the end. Every run asks
for the page under a query string of its own (``?r=...``), so no cache, in the process or on
disk, can have it: the first page is always a cold one.

Metrics: the first page; every page (the first and all later ones, the time of the calls added
up); the median later page. Below the tables, each row says how many pages and characters it
returned, how many of the article's sections they held, and how often the page and robots.txt
were downloaded and how many bytes went over the wire, as the local server counted them.

A server whose later pages are slow (each one converting the whole document again, as the
reference does: seconds each, hundreds of pages) would take hours to page through a big
document. So once a server has served `FEWEST_LATER_PAGES` later pages, paging stops if their
median is over `SLOW_PAGE` or the paging has taken `PAGING_BUDGET`; the document's length is then
probed untimed (pages of the largest ``max_length``, once per server and invocation), and "every
page" is **projected** as the first page plus the median later page for each page not taken.
The row's note says so, and how many pages were taken.

Every answer is checked, and a server whose answer breaks the contract fails instead of giving a
flattering time: each page must start ``Contents of <url>:``, hold at most `PAGE_LENGTH`
characters (the reference's hold exactly that many, but the last), and name the next start index
as the end of what it holds, so that no character is lost or repeated; the pages of a complete
paging must hold every section of the article (``Section N:`` headings, the fixture's marker),
and the pages of a projected one at least one.

The curl row is one ``curl --compressed`` of the page per run (spawn included, the body thrown
away), in the first-page and every-page tables: the cost of the download alone. The tables'
second ratio column is against the reference server.

The reference simplifies HTML with Readability.js under Node when Node is installed
(``benchmarks/install_peers.sh`` installs its JavaScript dependencies, so it never runs npm
itself), in a Node process per call; peak RSS is therefore the server's and its child processes'
together (`Scenario.rss_with_children`).
"""

from __future__ import annotations

import math
import re
import secrets
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from benchmarks.baselines import Baseline
from benchmarks.calls import byte_size, start, text_of, timed_call
from benchmarks.fetch_fixture import MIN_PAGE_BYTES, PageServer, Traffic, generate_page, sections_in
from benchmarks.scenarios import Scenario, register

if TYPE_CHECKING:
    from benchmarks.harness import Server

TOOL = "fetch"
PAGE_LENGTH = 5_000  # max_length of every timed call: the tool's default
PROBE_LENGTH = 999_999  # the reference's largest max_length: the fewest calls to learn a length
FEWEST_LATER_PAGES = 3
SLOW_PAGE = 0.5  # seconds: a median later page slower than this gets its paging projected
PAGING_BUDGET = 120.0  # seconds of later pages, after which paging is projected whatever their pace
PAGE_PATH = "/articles/harbour-ledger-long-read.html"
WARM_UP_PATH = "/articles/warm-up.html"
WARM_UP_BYTES = MIN_PAGE_BYTES
_QUICK_BYTES = 60_000  # enough text for a few pages more than the fewest later pages before a projection
_CURL_HINT = "install curl"
_HEADER = re.compile(r"Contents of (\S+):\n")
_CONTINUATION = re.compile(
    r"\n\n<error>Content truncated\. Call the fetch tool with a start_index of (\d+) to get more "
    r"content\.</error>\Z"
)
_MAX_PAGES = 10_000  # a continuation that never ends is a bug to report, not a loop to wait out


@dataclass(frozen=True)
class Page:
    """One answer of the fetch tool: the document's characters it holds, and where the next page starts."""

    content: str
    next_start: int | None


def read_page(text: str, start_index: int, max_length: int) -> Page:
    """The page in `text`, asked for from `start_index`; `ValueError` unless it keeps the contract."""
    header = _HEADER.match(text)
    if header is None:
        raise ValueError(f"fetch did not answer with 'Contents of <url>:': {text[:300]}")
    body = text[header.end() :]
    continuation = _CONTINUATION.search(body)
    if continuation is None:
        if body == "<error>No more content available.</error>" or not body:
            raise ValueError(f"fetch had nothing at start_index {start_index:,}, which it had named")
        if len(body) > max_length:
            raise ValueError(f"fetch returned {len(body):,} characters, more than max_length {max_length:,}")
        return Page(body, None)
    content, next_start = body[: continuation.start()], int(continuation.group(1))
    # The reference's pages hold max_length characters each; one that ends sooner (at a line, say) is
    # fine, as long as the next starts where it ends: no character lost, none twice.
    if not 0 < len(content) <= max_length or next_start != start_index + len(content):
        raise ValueError(
            f"fetch returned {len(content):,} characters from start_index {start_index:,} and named "
            f"{next_start:,} as the next: a page holds at most max_length ({max_length:,}) characters, "
            "and the next starts where it ends"
        )
    return Page(content, next_start)


def should_stop(later: Sequence[float], paging_seconds: float) -> bool:
    """Whether to stop paging and project the rest, after the later pages timed so far."""
    if len(later) < FEWEST_LATER_PAGES:
        return False
    return statistics.median(later) > SLOW_PAGE or paging_seconds > PAGING_BUDGET


def project(first: float, later: Sequence[float], pages: int) -> float:
    """Every page's time for a `pages`-page document: the first, then the median later page for each other."""
    return first + (pages - 1) * statistics.median(later) if pages > 1 else first


@dataclass
class Paging:
    """What one run got: the first page's time, each later page's time, and the characters of each page."""

    first: float
    later: list[float] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    next_start: int | None = None  # where the next page would start, when paging stopped early

    @property
    def complete(self) -> bool:
        return self.next_start is None

    @property
    def characters(self) -> int:
        return sum(len(content) for content in self.contents)


class FetchPage(Scenario):
    """The scenario for one page size; a subclass per size names it."""

    size: ClassVar[int]
    metrics = ("first page", "every page", "later page, median")
    rss_with_children = True
    peer = "ref-fetch"

    def __init__(self, *, quick: bool = False) -> None:
        self.page_bytes = _QUICK_BYTES if quick else self.size
        self.description = (
            f"fetch of a {_size(self.page_bytes)} HTML article page (gzipped) from a local server: the "
            f"first page with a cold cache, then every page at max_length={PAGE_LENGTH:,}, beside curl "
            "downloading it"
        )
        self._pages: PageServer | None = None
        self._warm_up: PageServer | None = None
        self._sections = 0
        self._token = secrets.token_hex(4)  # per invocation: no cache from an earlier one can hold a URL
        self._runs = 0
        self._lengths: dict[str, int] = {}  # a projected server's document length, by its command line

    # --- the fixture ---------------------------------------------------------------------------

    def prepare(self, root: Path) -> None:
        page = generate_page(self.page_bytes)
        self._sections = len(sections_in(page.decode()))
        self._pages = PageServer({PAGE_PATH: page})
        self._warm_up = PageServer({WARM_UP_PATH: generate_page(WARM_UP_BYTES, seed=2)})
        (root / "page.curlrc").write_text(f'url = "{self._pages.url(PAGE_PATH)}?r=curl"\n')

    def finish(self, root: Path) -> None:
        for server in (self._pages, self._warm_up):
            if server is not None:
                server.close()
        self._pages = self._warm_up = None

    def quick(self) -> Scenario:
        return type(self)(quick=True)

    def baselines(self) -> Sequence[Baseline]:
        command = (
            "curl",
            "--disable",  # no ~/.curlrc
            "--silent",
            "--show-error",
            "--fail",
            "--compressed",
            "--output",
            "/dev/null",
            "--write-out",
            "%{size_download} %{content_type}",
            "--config",
            "{root}/page.curlrc",
        )
        return (Baseline("curl --compressed", command, self.metrics[0], _CURL_HINT, also=(self.metrics[1],)),)

    # --- one run --------------------------------------------------------------------------------

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        pages, warm_up = self._servers()
        start(server, TOOL, {"url": warm_up.url(WARM_UP_PATH), "max_length": PAGE_LENGTH})
        self._runs += 1
        url = f"{pages.url(PAGE_PATH)}?r={self._token}{self._runs:06d}"
        page_before, robots_before = pages.traffic(PAGE_PATH), pages.traffic("/robots.txt")
        paging = self._page_through(server, url)
        downloads, robots = (
            pages.traffic(PAGE_PATH) - page_before,
            pages.traffic("/robots.txt") - robots_before,
        )
        found = self._check(paging)
        total_pages = len(paging.contents)
        if paging.complete:
            every = paging.first + sum(paging.later)
        else:
            total_pages = math.ceil(self._length(server, url, paging) / PAGE_LENGTH)
            every = project(paging.first, paging.later, total_pages)
        server.returned = self._summary(paging, total_pages, found, downloads, robots)
        timings = {"first page": paging.first, "every page": every}
        return timings | ({"later page, median": statistics.median(paging.later)} if paging.later else {})

    def _servers(self) -> tuple[PageServer, PageServer]:
        if self._pages is None or self._warm_up is None:
            raise RuntimeError("the fetch scenario measured before its pages were served (prepare)")
        return self._pages, self._warm_up

    def _page_through(self, server: Server, url: str) -> Paging:
        """The first page, then later pages until the last or until `should_stop` says enough."""
        first, result = timed_call(server, TOOL, {"url": url, "max_length": PAGE_LENGTH})
        page = read_page(text_of(result), 0, PAGE_LENGTH)
        paging = Paging(first, contents=[page.content])
        paging_started = time.perf_counter()
        while page.next_start is not None:
            if should_stop(paging.later, time.perf_counter() - paging_started):
                paging.next_start = page.next_start
                break
            if len(paging.contents) == _MAX_PAGES:
                raise ValueError(f"fetch still had more after {_MAX_PAGES:,} pages")
            arguments = {"url": url, "max_length": PAGE_LENGTH, "start_index": page.next_start}
            seconds, result = timed_call(server, TOOL, arguments)
            page = read_page(text_of(result), page.next_start, PAGE_LENGTH)
            paging.later.append(seconds)
            paging.contents.append(page.content)
        return paging

    def _check(self, paging: Paging) -> set[int]:
        """The article's sections the pages hold; `ValueError` when a complete paging lacks any, or all do."""
        found = sections_in("".join(paging.contents))
        wanted = set(range(1, self._sections + 1))
        if (paging.complete and found != wanted) or not found & wanted:
            missing = sorted(wanted - found)
            raise ValueError(
                f"fetch's {len(paging.contents):,} pages held {len(found & wanted):,} of the article's "
                f"{len(wanted):,} sections (missing {_shortened(missing)})"
            )
        return found & wanted

    def _length(self, server: Server, url: str, paging: Paging) -> int:
        """The document's length in characters, probed untimed from where paging stopped; once per server."""
        key = str(server.process.args)
        if key not in self._lengths:
            start_index: int | None = paging.next_start
            end = paging.characters
            while start_index is not None:
                arguments = {"url": url, "max_length": PROBE_LENGTH, "start_index": start_index}
                _, result = timed_call(server, TOOL, arguments)
                page = read_page(text_of(result), start_index, PROBE_LENGTH)
                end = start_index + len(page.content)
                start_index = page.next_start
            self._lengths[key] = end
        return self._lengths[key]

    def _summary(
        self, paging: Paging, pages: int, found: set[int], downloads: Traffic, robots: Traffic
    ) -> str:
        taken = len(paging.contents)
        if paging.complete:
            paged = (
                f"{pages:,} pages, {paging.characters:,} characters, "
                f"{len(found):,} of {self._sections:,} sections"
            )
        else:
            paged = (
                f"{taken:,} of {pages:,} pages ({paging.characters:,} characters, {len(found):,} sections), "
                f'then stopped: "every page" is PROJECTED as the first page plus {pages - 1:,} times the '
                "median later page"
            )
        wire = f"{byte_size(downloads.body_bytes)} on the wire"
        if downloads.gzipped:
            wire += (
                ", gzipped" if downloads.gzipped == downloads.requests else f", {downloads.gzipped:,} gzipped"
            )
        return (
            f"{paged}; the page downloaded {downloads.requests:,}× ({wire}), robots.txt {robots.requests:,}×"
        )

    def summarize(self, output: str) -> str:
        """curl's `--write-out`: the bytes it downloaded and the page's type."""
        size, _, content_type = output.strip().partition(" ")
        return f"the page once ({byte_size(int(size))} on the wire, {content_type})"


def _size(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size / 1_000:g} KB"


def _shortened(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:10])
    return shown + (f" and {len(numbers) - 10:,} more" if len(numbers) > 10 else "")


class Fetch100KB(FetchPage):
    name = "fetch-100kb"
    size = 100_000
    default_timeout = 60.0


class Fetch1MB(FetchPage):
    name = "fetch-1mb"
    size = 1_000_000
    default_runs = 5
    default_timeout = 180.0


class Fetch5MB(FetchPage):
    name = "fetch-5mb"
    size = 5_000_000
    default_runs = 3  # the reference takes minutes a run
    default_timeout = 600.0


for _scenario in (Fetch100KB, Fetch1MB, Fetch5MB):
    register(_scenario())
