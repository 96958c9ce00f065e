"""When a request is sent again: the retry policy, and how long a server asked us to wait.

Two cases only, both bounded by `RetryPolicy.attempts` and by the request's one deadline:

- 429 Too Many Requests and 503 Service Unavailable with a Retry-After header:
  the server says it did not act on the request and when to come back, so the
  request is sent again whatever its method (a POST included). A wait longer than
  `max_wait` is not waited for: the response goes back to the caller, who can
  report the wait the server asked for. Without Retry-After nothing is retried: a
  503 may be an outage that retrying only makes worse.
- The connection failed or dropped before a response arrived: the server may
  have acted on the request, so only idempotent methods (RFC 9110 §9.2.2), which
  mean the same when sent twice, are sent again, after an exponential backoff with
  full jitter (a random wait up to the bound, so that clients that failed together
  do not all come back together).

This module decides; `network.GuardedClient` sends, through every check each time.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
from dataclasses import dataclass

from moorings_core.errors import InvalidInput

__all__ = ["IDEMPOTENT_METHODS", "RETRY_AFTER_STATUSES", "RetryPolicy", "retry_after_seconds"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a request tries: `attempts` sends in all (1 = never again).

    `max_wait` is the longest Retry-After honoured, in seconds; `backoff` is the
    bound of the first wait after a connection failure, doubled for each later one
    (and never above `max_wait`).
    """

    attempts: int = 3
    max_wait: float = 30.0
    backoff: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise InvalidInput(f"attempts must be at least 1, not {self.attempts!r}.")
        for name in ("max_wait", "backoff"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput(f"{name} must be a number of seconds, 0 or more, not {value!r}.")

    def connection_wait(self, retries_made: int) -> float:
        """The wait before the next send after a connection failure, `retries_made` retries in."""
        bound = min(self.max_wait, self.backoff * 2.0**retries_made)
        # Jitter spreads clients out; it guards nothing, so the ordinary generator will do.
        return random.uniform(0.0, bound)  # noqa: S311


def retry_after_seconds(value: str | None, now: datetime.datetime | None = None) -> float | None:
    """Seconds from `now` that a Retry-After value asks for (RFC 9110 §10.2.3), None if there is none.

    The value is delta-seconds or an HTTP-date; a date in the past means now (0).
    Anything else is no Retry-After at all.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max(0.0, (when - now).total_seconds())
