"""Whether robots.txt lets the fetch tool fetch a URL (RFC 9309), asked once per site.

Only the tool is checked: a fetch the model decides to make. The `fetch` prompt
is a fetch the user asked for and skips robots.txt, as the reference server
does, and --ignore-robots-txt turns the check off; every refusal says both.

One robots.txt per origin (scheme, host, port), fetched through the server's
GuardedClient, so its redirects are followed within the client's limits (RFC
9309 asks for at least five hops) and each hop is checked by the network policy.
What it answered decides:

- 2xx: the rules for our product token, or for `*` (see robots_txt).
- 401 and 403: every URL is refused. RFC 9309 §2.3.1.3 would allow everything
  after any 4xx; we keep the reference server's reading, deliberately: a site
  that refuses to show its robots.txt to a robot is not inviting robots in.
- 429 and other 4xx: 429 means "too many requests", so it is treated like a
  server error; any other 4xx means there is no robots.txt: everything is allowed.
- 5xx, a 3xx that could not be followed, too many redirects, a timeout, a
  refused connection or a name that does not resolve: robots.txt is unreachable
  and RFC 9309 §2.3.1.4 says to assume everything is disallowed. This answer is
  kept only FAILURE_TTL seconds, so a later call asks again.
- A robots.txt the network policy refuses (a name that resolves to a private
  address, a redirect to one): refused with the policy's own reason and hint,
  also kept FAILURE_TTL seconds.

Other answers are kept RULES_TTL (24 h, the most §2.4 allows) in an LRU cache
bounded both in origins and in the size of the rules it holds. Checks of one
origin that arrive while its robots.txt is being fetched wait for that one
fetch. Parsing and matching run in worker threads: a 500 KiB file of wildcard
rules takes over a second to parse and a tenth of a second to match.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import anyio
import anyio.to_thread
import httpx

from moorings_core.errors import AccessDenied, MooringsError
from moorings_core.sandbox.network import Fetched, GuardedClient
from moorings_fetch.robots_txt import MAX_PARSED_BYTES, RobotsGroup, product_token, read_robots_txt

__all__ = [
    "FAILURE_TTL",
    "MAX_CACHED_RULE_BYTES",
    "MAX_ORIGINS",
    "ROBOTS_MAX_BYTES",
    "ROBOTS_TIMEOUT",
    "RULES_TTL",
    "RobotsRules",
]

ROBOTS_MAX_BYTES = MAX_PARSED_BYTES  # the body cap for robots.txt (RFC 9309 §2.5: at least 500 KiB)
ROBOTS_TIMEOUT = 10.0  # seconds for the whole robots.txt exchange
RULES_TTL = 24 * 3600.0
FAILURE_TTL = 60.0
MAX_ORIGINS = 1024
# The parsed rules of a 500 KiB file of wildcard rules take about 25 MB; this keeps a few such files at most.
MAX_CACHED_RULE_BYTES = 2 * 2**20

_TELL_USER = "The assistant must tell the user that the page was not fetched, and why."
_WAYS_OUT = (
    "The user can fetch the page themselves with this server's `fetch` prompt in their MCP client (a fetch"
    " the user asks for is not checked against robots.txt), or whoever runs the server can start it with"
    " --ignore-robots-txt."
)
_MAX_REASON = 400
_MAX_SHOWN_URL = 200

_Origin = tuple[str, str, int]


class _Answer(Protocol):
    """What an origin's robots.txt said, able to refuse one URL of that origin."""

    @property
    def size(self) -> int: ...

    def refusal(self, url: str, token: str) -> AccessDenied | None:
        """The refusal of `url`, None if it may be fetched."""


@dataclass(frozen=True)
class _Rules:
    """robots.txt was read (or is absent): its rules for us decide each URL."""

    robots_url: str
    group: RobotsGroup

    @property
    def size(self) -> int:
        return self.group.size

    def refusal(self, url: str, token: str) -> AccessDenied | None:
        if self.group.allows(url):
            return None
        rule = self.group.refusing_rule(url)
        which = f"`{rule}` (line {rule.line})" if rule else "a Disallow rule"
        return AccessDenied(
            f"{_shown(url)} was not fetched: the site's robots.txt ({self.robots_url}) does not allow"
            f" {token} to fetch it. {which} in the group for `{self.group.header()}` matches this URL."
            f" {_TELL_USER}",
            hint=_WAYS_OUT,
        )


@dataclass(frozen=True)
class _Closed:
    """Every URL of the origin is refused, for `reason` (what happened to robots.txt and what it means)."""

    reason: str
    hint: str | None = _WAYS_OUT
    size: int = 0

    def refusal(self, url: str, token: str) -> AccessDenied | None:
        return AccessDenied(f"{_shown(url)} was not fetched: {self.reason}", hint=self.hint)


_NOTHING_BINDS = RobotsGroup((), ())


@dataclass(frozen=True)
class _Entry:
    answer: _Answer
    expires: float


class RobotsRules:
    """The robots.txt check of the fetch tool, for one user agent (see the module docstring).

    `user_agent` is the User-Agent the pages are fetched with; robots.txt
    groups are matched against its product token. `clock` gives seconds on a
    monotonic scale (tests move it instead of sleeping).
    """

    def __init__(
        self,
        client: GuardedClient,
        user_agent: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_origins: int = MAX_ORIGINS,
        max_rule_bytes: int = MAX_CACHED_RULE_BYTES,
    ) -> None:
        self._client = client
        self._user_agent = user_agent
        self._token = product_token(user_agent)
        self._clock = clock
        self._max_origins = max_origins
        self._max_rule_bytes = max_rule_bytes
        self._cache: OrderedDict[_Origin, _Entry] = OrderedDict()
        self._fetching: dict[_Origin, anyio.Event] = {}

    @property
    def product_token(self) -> str:
        """The name robots.txt groups are matched against, such as `Moorings-Fetch`."""
        return self._token

    async def check(self, url: httpx.URL) -> None:
        """Return if robots.txt lets us fetch `url`; raise AccessDenied saying why not otherwise.

        `url` is one the network policy already accepted (NetworkPolicy.check_url).
        """
        answer = await self._answer(url)
        # Matching thousands of wildcard rules takes a tenth of a second: not on the event loop.
        refusal = await anyio.to_thread.run_sync(answer.refusal, str(url), self._token)
        if refusal is not None:
            raise refusal

    async def _answer(self, url: httpx.URL) -> _Answer:
        origin = _origin(url)
        while (entry := self._cached(origin)) is None:
            fetching = self._fetching.get(origin)
            if fetching is None:
                return await self._fetch_once(origin, url)
            # Another check is fetching this robots.txt. If it fails or is cancelled, nothing is cached and
            # the loop makes this check the one that fetches.
            await fetching.wait()
        return entry.answer

    async def _fetch_once(self, origin: _Origin, url: httpx.URL) -> _Answer:
        done = self._fetching[origin] = anyio.Event()
        try:
            answer, ttl = await self._read(url.copy_with(raw_path=b"/robots.txt", fragment=None))
            self._store(origin, answer, ttl)
            return answer
        finally:
            del self._fetching[origin]
            done.set()

    def _cached(self, origin: _Origin) -> _Entry | None:
        entry = self._cache.get(origin)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            del self._cache[origin]
            return None
        self._cache.move_to_end(origin)
        return entry

    def _store(self, origin: _Origin, answer: _Answer, ttl: float) -> None:
        self._cache[origin] = _Entry(answer, self._clock() + ttl)
        self._cache.move_to_end(origin)
        # Evict the least recently used, but never the answer just stored (even one over the size budget).
        held = sum(entry.answer.size for entry in self._cache.values())
        while len(self._cache) > 1 and (len(self._cache) > self._max_origins or held > self._max_rule_bytes):
            _, evicted = self._cache.popitem(last=False)
            held -= evicted.answer.size

    async def _read(self, robots_url: httpx.URL) -> tuple[_Answer, float]:
        shown = str(robots_url)
        try:
            fetched = await self._request(shown)
        except AccessDenied as exc:
            reason = f"reading the site's robots.txt ({shown}) first was refused: {exc.message}"
            return _Closed(reason, hint=exc.hint), FAILURE_TTL
        except MooringsError as exc:  # no answer: unreachable, a timeout, too many redirects
            reason = exc.message if len(exc.message) <= _MAX_REASON else exc.message[: _MAX_REASON - 1] + "…"
            happened = f"the site's robots.txt ({shown}) could not be read ({reason.rstrip('.')})"
            return _Closed(f"{happened}, {self._unknown()}"), FAILURE_TTL
        return await self._interpret(shown, fetched)

    async def _request(self, robots_url: str) -> Fetched:
        """The one robots.txt request, as the crawler the rules will be matched for."""
        return await self._client.request(
            "GET",
            robots_url,
            headers={"User-Agent": self._user_agent},
            max_bytes=ROBOTS_MAX_BYTES,
            timeout=ROBOTS_TIMEOUT,
        )

    async def _interpret(self, robots_url: str, fetched: Fetched) -> tuple[_Answer, float]:
        status = fetched.status
        answered = f"the site's robots.txt ({robots_url}) answered {_status_text(status)}"
        if 200 <= status < 300:
            # Parsing a large file takes a second or more: not on the event loop.
            parse = functools.partial(read_robots_txt, fetched.body, self._token, truncated=fetched.truncated)
            return _Rules(robots_url, await anyio.to_thread.run_sync(parse)), RULES_TTL
        if status in (401, 403):
            why = "and a site that refuses to show its robots.txt is taken to refuse automated fetching."
            return _Closed(f"{answered}, {why} {_TELL_USER}"), RULES_TTL
        if 400 <= status < 500 and status != 429:
            return _Rules(robots_url, _NOTHING_BINDS), RULES_TTL  # no robots.txt: nothing is disallowed
        return _Closed(f"{answered}, {self._unknown()}"), FAILURE_TTL

    def _unknown(self) -> str:
        return (
            f"so it is not known whether the site allows {self._token} to fetch the page, and RFC 9309 says"
            f" to assume it does not. robots.txt is asked for again after {FAILURE_TTL:g} s. {_TELL_USER}"
        )


def _origin(url: httpx.URL) -> _Origin:
    port = url.port if url.port is not None else (443 if url.scheme == "https" else 80)
    return url.scheme, url.raw_host.decode("ascii"), port


def _status_text(status: int) -> str:
    phrase = httpx.codes.get_reason_phrase(status)
    return f"with status {status} {phrase}" if phrase else f"with status {status}"


def _shown(url: str) -> str:
    """A URL short enough to quote in a message."""
    return url if len(url) <= _MAX_SHOWN_URL else url[: _MAX_SHOWN_URL - 1] + "…"
