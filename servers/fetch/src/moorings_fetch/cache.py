"""The page cache: fetched pages kept in memory, within a byte budget, for paging and for rereading.

Reading a long page in slices (`start_index`) must neither download nor convert it again, and
every slice must come from the same version of the page, or the offsets would not line up. So an
entry serves two kinds of reads under two rules:

- A continuation (`start_index` > 0) takes the entry whatever HTTP says of its freshness, as long
  as the reading goes on: an entry not read for `READING_WINDOW` seconds no longer serves one.
- A new read (`start_index` 0) takes it only while HTTP says it is fresh (see `freshness`);
  afterwards the reader revalidates it with a conditional request when it has a validator.

Entries are evicted least recently used first when the bytes they hold (the body and each text
converted from it) pass the budget; a page larger than the whole budget is not kept at all.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from moorings_fetch.documents import Document, Mode
from moorings_fetch.freshness import Freshness

__all__ = ["READING_WINDOW", "CachedPage", "PageCache"]

READING_WINDOW = 30 * 60.0
"""Seconds a page stays available to continuations after it was last read."""

_ENTRY_OVERHEAD = 1024  # bytes an entry costs beyond its body and texts: headers, objects


@dataclass
class CachedPage:
    """A fetched page: the response as received and the texts converted from it so far."""

    url: str
    """The URL that was asked for (the cache key)."""
    final_url: str
    """Where redirects ended."""
    status: int
    content_type: str
    body: bytes
    body_truncated: bool
    """The body stopped at the byte cap: the page was longer."""
    freshness: Freshness
    stored_at: float
    documents: dict[Mode, Document] = field(default_factory=dict)
    """The texts converted so far, by the mode asked for."""
    last_read: float = 0.0

    @property
    def size(self) -> int:
        texts = sum(_text_size(document.text) for document in self.documents.values())
        return _ENTRY_OVERHEAD + len(self.body) + len(self.url) + texts

    def fresh(self, now: float) -> bool:
        return now < self.stored_at + self.freshness.lifetime


class PageCache:
    """Pages by URL, least recently used evicted first, at most `max_bytes` in all (0 keeps none)."""

    def __init__(self, max_bytes: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self._clock = clock
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._bytes = 0

    def now(self) -> float:
        return self._clock()

    def for_continuation(self, url: str) -> CachedPage | None:
        """The page a reading in progress continues in, if it is still kept."""
        page = self._pages.get(url)
        if page is None or self.now() > page.last_read + READING_WINDOW:
            return None
        return self._touch(page)

    def for_new_read(self, url: str) -> CachedPage | None:
        """The page a new read may take as it is: kept and still fresh."""
        page = self._pages.get(url)
        if page is None or not page.fresh(self.now()):
            return None
        return self._touch(page)

    def stale(self, url: str) -> CachedPage | None:
        """A kept page that is no longer fresh but can be revalidated with a conditional request."""
        page = self._pages.get(url)
        if page is None or page.fresh(self.now()) or page.freshness.no_store:
            return None
        return page if page.freshness.revalidatable else None

    def stored_since(self, url: str, moment: float) -> CachedPage | None:
        """The page if it was downloaded (or revalidated) at `moment` or later: a read that waited
        for another read of the same URL takes what that one just got."""
        page = self._pages.get(url)
        if page is None or page.stored_at < moment:
            return None
        return self._touch(page)

    def store(self, page: CachedPage) -> None:
        """Keep `page` (replacing any entry for its URL) if it fits the budget."""
        self._forget(page.url)
        page.last_read = self.now()
        if page.size <= self.max_bytes:
            self._pages[page.url] = page
            self._bytes += page.size
            self._evict()

    def revalidated(self, page: CachedPage, freshness: Freshness) -> None:
        """The server said `page` is still current (304): fresh again from now."""
        page.freshness = freshness
        page.stored_at = self.now()
        self._touch(page)

    def add_document(self, page: CachedPage, mode: Mode, document: Document) -> None:
        """Keep the text converted from `page` for `mode`, counting it against the budget."""
        kept = self._pages.get(page.url) is page
        if kept:
            self._bytes -= page.size
        page.documents[mode] = document
        if kept:
            self._bytes += page.size
            self._evict()

    @property
    def bytes_held(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._pages)

    def _touch(self, page: CachedPage) -> CachedPage:
        page.last_read = self.now()
        self._pages.move_to_end(page.url)
        return page

    def _forget(self, url: str) -> None:
        old = self._pages.pop(url, None)
        if old is not None:
            self._bytes -= old.size

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and self._pages:
            _, oldest = self._pages.popitem(last=False)
            self._bytes -= oldest.size


def _text_size(text: str) -> int:
    """About the memory a str takes: one byte a character for ASCII, more for the rest."""
    return len(text) if text.isascii() else 2 * len(text)
