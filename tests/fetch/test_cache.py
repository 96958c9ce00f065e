"""The page cache's rules: HTTP freshness for new reads, the reading window for continuations, the budget."""

from __future__ import annotations

import pytest

from moorings_fetch.cache import READING_WINDOW, CachedPage, PageCache
from moorings_fetch.documents import Document
from moorings_fetch.freshness import Freshness, freshness_of

DATE = "Mon, 07 Dec 2026 12:00:00 GMT"


@pytest.mark.parametrize(
    ("headers", "lifetime"),
    [
        ({}, 0.0),
        ({"cache-control": "max-age=600"}, 600.0),
        ({"cache-control": "public, max-age=600", "age": "100"}, 500.0),
        ({"cache-control": 'private, max-age="60"'}, 60.0),
        ({"cache-control": "max-age=600", "age": "900"}, 0.0),
        ({"cache-control": "max-age=600, no-cache"}, 0.0),
        ({"cache-control": "no-store, max-age=600"}, 0.0),
        ({"cache-control": "max-age=abc"}, 0.0),
        ({"cache-control": "s-maxage=600"}, 0.0),  # for shared caches only
        ({"date": DATE, "expires": "Mon, 07 Dec 2026 13:00:00 GMT"}, 3600.0),
        ({"date": DATE, "expires": "0"}, 0.0),  # an invalid date means already expired
        ({"date": DATE, "expires": "Mon, 07 Dec 2026 13:00:00 GMT", "cache-control": "max-age=5"}, 5.0),
        ({"date": DATE, "last-modified": "Fri, 27 Nov 2026 12:00:00 GMT"}, 86400.0),  # 10% of 10 days
        ({"date": DATE, "last-modified": "Mon, 07 Dec 2026 11:00:00 GMT"}, 360.0),
        ({"date": DATE, "last-modified": "Sun, 07 Dec 2025 12:00:00 GMT"}, 86400.0),  # capped at a day
    ],
)
def test_freshness_lifetime(headers: dict[str, str], lifetime: float) -> None:
    assert freshness_of(headers).lifetime == pytest.approx(lifetime)


def test_validators_make_the_conditional_request() -> None:
    freshness = freshness_of({"etag": '"abc"', "last-modified": DATE, "cache-control": "no-cache"})
    assert freshness.revalidatable
    assert freshness.conditional_headers() == {"If-None-Match": '"abc"', "If-Modified-Since": DATE}
    assert not freshness_of({}).revalidatable
    assert freshness_of({"cache-control": "NO-STORE"}).no_store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def page(url: str, size: int = 100, *, lifetime: float = 0.0, etag: str | None = None) -> CachedPage:
    return CachedPage(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html",
        body=b"x" * size,
        body_truncated=False,
        freshness=Freshness(lifetime=lifetime, no_store=False, etag=etag, last_modified=None),
        stored_at=0.0,
    )


def test_a_new_read_takes_a_page_only_while_it_is_fresh() -> None:
    clock = Clock()
    cache = PageCache(10_000, clock=clock)
    entry = page("u", lifetime=60)
    entry.stored_at = clock.now
    cache.store(entry)
    assert cache.for_new_read("u") is entry
    clock.now += 61
    assert cache.for_new_read("u") is None
    assert cache.stale("u") is None  # no validator: it cannot be revalidated
    assert cache.for_continuation("u") is entry  # but a reading in progress goes on in it


def test_a_stale_page_with_a_validator_can_be_revalidated() -> None:
    clock = Clock()
    cache = PageCache(10_000, clock=clock)
    entry = page("u", etag='"1"')
    entry.stored_at = clock.now
    cache.store(entry)
    assert cache.stale("u") is entry
    cache.revalidated(entry, Freshness(lifetime=30, no_store=False, etag='"1"', last_modified=None))
    assert cache.for_new_read("u") is entry


def test_continuations_end_when_the_reading_stops() -> None:
    clock = Clock()
    cache = PageCache(10_000, clock=clock)
    cache.store(page("u"))
    clock.now += READING_WINDOW - 1
    assert cache.for_continuation("u") is not None  # reading it again restarts the window
    clock.now += READING_WINDOW - 1
    assert cache.for_continuation("u") is not None
    clock.now += READING_WINDOW + 1
    assert cache.for_continuation("u") is None


def test_the_budget_evicts_the_least_recently_read() -> None:
    cache = PageCache(3 * 2_000, clock=Clock())
    for url in ("a", "b", "c"):
        cache.store(page(url, 900))
    cache.for_continuation("a")
    cache.store(page("d", 900))
    assert cache.for_continuation("b") is None
    assert all(cache.for_continuation(url) is not None for url in ("a", "c", "d"))
    assert cache.bytes_held <= cache.max_bytes


def test_converted_texts_count_against_the_budget() -> None:
    cache = PageCache(6_000, clock=Clock())
    first, second = page("a", 500), page("b", 500)
    cache.store(first)
    cache.store(second)
    held = cache.bytes_held
    cache.add_document(second, "readable", Document("é" * 1000, None, "text/html", "readable", None))
    assert cache.bytes_held == held + 2000
    cache.add_document(second, "full", Document("y" * 1500, None, "text/html", "full", None))
    assert cache.for_continuation("a") is None  # evicted to make room
    assert cache.for_continuation("b") is second
    assert cache.bytes_held <= 6_000


def test_a_page_larger_than_the_budget_is_not_kept_and_zero_keeps_nothing() -> None:
    cache = PageCache(1_000, clock=Clock())
    cache.store(page("big", 5_000))
    assert len(cache) == 0
    assert cache.bytes_held == 0
    off = PageCache(0, clock=Clock())
    off.store(page("a", 1))
    assert off.for_continuation("a") is None
