"""Reading a page: robots.txt, the cache, the download and the conversion, in that order.

`PageReader.read` is the one path from a URL to a converted document, for the tool and the prompt:

1. The URL is checked against the network policy before anything is sent, robots.txt included.
2. For the tool (a model acting on its own), robots.txt must allow the URL; the prompt, which a
   user starts by hand, skips it, as the reference server does.
3. The cache answers if it can (see `cache`); a stale page with a validator is revalidated with a
   conditional request, so a 304 costs no body.
4. Otherwise the page is downloaded under the policy (the body capped, one deadline) and kept.
   Each redirect hop is checked against the policy and, for the tool, against its own site's
   robots.txt, before it is requested.
5. The body is converted in a worker thread, once per mode, and the text kept with the page.

Reads of one URL take turns, and a read that waited for another takes the page that one got, so
concurrent calls for the same page download it once.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from moorings_core import NO_PROGRESS, OperationFailed, Progress, run_blocking, work_deadline
from moorings_fetch.cache import CachedPage, PageCache
from moorings_fetch.documents import Document, Mode, convert
from moorings_fetch.freshness import Freshness, freshness_of
from moorings_fetch.settings import FetchSettings

if TYPE_CHECKING:  # httpx and the network policy are imported on the first fetch, not at start-up
    import httpx

    from moorings_core.sandbox.network import Fetched, GuardedClient, NetworkPolicy, Resolver
    from moorings_fetch.robots import RobotsRules

__all__ = ["PageReader", "Reading", "user_agents"]

PROJECT_URL = "https://github.com/moorings"


def user_agents(settings: FetchSettings, version: str) -> tuple[str, str]:
    """The User-Agent of the tool (autonomous) and of the prompt (user-specified)."""
    if settings.user_agent is not None:
        return settings.user_agent, settings.user_agent
    product = f"Moorings-Fetch/{version or '0'}"
    return f"{product} (Autonomous; +{PROJECT_URL})", f"{product} (User-Specified; +{PROJECT_URL})"


@dataclass(frozen=True)
class Reading:
    """A page and its text in the mode asked for; `from_cache` says nothing was downloaded."""

    page: CachedPage
    document: Document
    from_cache: bool


class PageReader:
    """Turns URLs into documents for one server; `serving()` holds its HTTP client open.

    `resolver` replaces the system resolver of its HTTP client: it is the tests' way to play DNS
    (a name that resolves to a private address, or answers differently the second time).
    """

    def __init__(self, settings: FetchSettings, *, version: str, resolver: Resolver | None = None) -> None:
        self._settings = settings
        self._resolver = resolver
        self._autonomous, self._user_specified = user_agents(settings, version)
        self.cache = PageCache(settings.cache_size * 2**20)
        self._client: GuardedClient | None = None
        self._robots: RobotsRules | None = None
        self._policy: NetworkPolicy | None = None
        self._turns: dict[str, anyio.Lock] = {}

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Close the HTTP client, if one was opened, when serving ends."""
        try:
            yield
        finally:
            if self._client is not None:
                await self._client.__aexit__(None, None, None)
                self._client = None

    async def read(
        self, url: str, mode: Mode, *, continuing: bool, by_user: bool, progress: Progress = NO_PROGRESS
    ) -> Reading:
        """The document at `url` in `mode`.

        `continuing` says a reading in progress asks for a later part (any version kept of the
        page serves it); `by_user` is the prompt's path (no robots.txt). Raises the policy's
        InvalidInput or AccessDenied, AccessDenied for robots.txt, OperationFailed for a page that
        cannot be had (an HTTP error status, a network failure) and LimitExceeded past the deadline.
        """
        client = await self._client_in_use()
        target = self._network_policy().check_url(url)
        key = str(target)
        if self._robots_apply(by_user):
            await self._robots_rules().check(target)
        arrival = self.cache.now()
        async with self._turn(key):
            page = self.cache.for_continuation(key) if continuing else self.cache.for_new_read(key)
            page = page or self.cache.stored_since(key, arrival)
            from_cache = page is not None
            if page is None:
                page = await self._download(client, target, by_user=by_user, progress=progress)
            document = page.documents.get(mode)
            if document is None:
                # A hostile PDF could take minutes: the conversion stops itself at the call's deadline.
                work = functools.partial(convert, deadline=work_deadline())
                document = await run_blocking(work, page.body, page.content_type, page.final_url, mode)
                self.cache.add_document(page, mode, document)
        return Reading(page, document, from_cache)

    async def _download(
        self, client: GuardedClient, target: httpx.URL, *, by_user: bool, progress: Progress
    ) -> CachedPage:
        key = str(target)
        stale = self.cache.stale(key)
        headers = {"User-Agent": self._user_specified if by_user else self._autonomous}
        if stale is not None:
            headers.update(stale.freshness.conditional_headers())
        fetched = await client.request(
            "GET",
            key,
            headers=headers,
            on_progress=lambda done, total: progress.update(done, total),
            # Each hop of a redirect needs its own site's leave, asked before the hop is requested.
            before_redirect=self._robots_rules().check if self._robots_apply(by_user) else None,
        )
        if fetched.status == 304 and stale is not None:
            self.cache.revalidated(stale, _renewed(stale.freshness, freshness_of(fetched.headers)))
            return stale
        if fetched.status >= 400:
            raise OperationFailed(f"Failed to fetch {key} - status code {fetched.status}")
        page = _page_of(fetched, key, self.cache.now())
        self.cache.store(page)
        return page

    @asynccontextmanager
    async def _turn(self, key: str) -> AsyncIterator[None]:
        """One read of `key` at a time; the lock is dropped once nobody holds or awaits it."""
        lock = self._turns.setdefault(key, anyio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and lock.statistics().tasks_waiting == 0:
                self._turns.pop(key, None)

    async def _client_in_use(self) -> GuardedClient:
        if self._client is None:
            from moorings_core.sandbox.network import GuardedClient

            client = GuardedClient(
                self._network_policy(), resolver=self._resolver, rate_limiter=self._settings.rate_limiter()
            )
            self._client = await client.__aenter__()
        return self._client

    def _network_policy(self) -> NetworkPolicy:
        if self._policy is None:
            self._policy = self._settings.network_policy(self._autonomous)
        return self._policy

    def _robots_apply(self, by_user: bool) -> bool:
        return not (by_user or self._settings.ignore_robots_txt)

    def _robots_rules(self) -> RobotsRules:
        from moorings_fetch.robots import RobotsRules

        if self._robots is None:
            assert self._client is not None, "the client is opened before robots.txt is read"
            self._robots = RobotsRules(self._client, self._autonomous)
        return self._robots


def _page_of(fetched: Fetched, key: str, now: float) -> CachedPage:
    return CachedPage(
        url=key,
        final_url=fetched.url,
        status=fetched.status,
        content_type=fetched.headers.get("content-type", ""),
        body=fetched.body,
        body_truncated=fetched.truncated,
        freshness=freshness_of(fetched.headers),
        stored_at=now,
    )


def _renewed(stored: Freshness, answer: Freshness) -> Freshness:
    """The freshness after a 304: the answer's lifetime, keeping validators it did not repeat."""
    return Freshness(
        lifetime=answer.lifetime,
        no_store=answer.no_store,
        etag=answer.etag or stored.etag,
        last_modified=answer.last_modified or stored.last_modified,
    )
