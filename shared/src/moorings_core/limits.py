"""Output budgets and time limits.

Every tool result is bounded. A tool that can produce a lot (a file, a query, a
log) cuts its own output with `truncate_text` or pages it with `paginate`, and
says in the result exactly how to ask for the rest, because only the tool knows
its own continuation (an `offset`, a `cursor`, a narrower query). The server
bootstrap adds a last safety net that cuts any oversized text block, so a
forgetful tool can still never flood the client.

Blocking work (file I/O, a database driver without async) runs through
`run_blocking`, which a call's deadline can abandon: the SDK's own thread hop
for sync tools cannot be cancelled, so our tools are `async def` and use this.
Abandoned work would go on unseen, so work that can stop early and still answer
(a walk, an SQL statement) checks `work_deadline()` itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import anyio.to_thread

from moorings_core.errors import InvalidInput

__all__ = [
    "Page",
    "Truncated",
    "cursor_scope",
    "decode_cursor",
    "encode_cursor",
    "paginate",
    "run_blocking",
    "truncate_text",
    "work_deadline",
]

T = TypeVar("T")
R = TypeVar("R")

_ANSWER_SHARE = 0.2  # of the time a call has left, kept for building and sending its answer


@dataclass(frozen=True)
class Truncated:
    """A piece of text cut to a budget, with the facts needed to ask for the rest."""

    text: str
    truncated: bool
    shown: int
    total: int


def truncate_text(text: str, limit: int, *, how_to_continue: str) -> Truncated:
    """Cut `text` to `limit` characters, appending a note that says what was left out.

    `how_to_continue` completes the note, e.g. "call read_text_file again with
    offset=2000". The note itself is not counted against `limit`, so the
    continuation is always visible.
    """
    if len(text) <= limit:
        return Truncated(text, False, len(text), len(text))
    cut = text[:limit]
    note = f"\n\n[truncated: showed {limit:,} of {len(text):,} characters; {how_to_continue}]"
    return Truncated(cut + note, True, limit, len(text))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list; `next_cursor` is None on the last page."""

    items: list[T]
    next_cursor: str | None
    total: int


def cursor_scope(*request: object) -> str:
    """A short digest of the arguments that define a listing (a query and its params, say).

    A cursor made with a scope is refused with any other, so a continuation can
    never be replayed against a different request and quietly skip rows of it.
    """
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(offset: int, *, scope: str = "") -> str:
    """An opaque cursor for `offset`, so clients pass it back rather than compute it."""
    return base64.urlsafe_b64encode(f"o:{offset}:{scope}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, scope: str = "") -> int:
    """The offset a cursor stands for; a forged, stale or foreign cursor is a clear input error."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, rest = raw.partition(":")
        value, _, bound = rest.partition(":")
        offset = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        kind, offset, bound = "", -1, ""
    if kind != "o" or offset < 0:
        raise InvalidInput(
            f"Invalid cursor {cursor[:40]!r}.",
            hint="Pass back the nextCursor of the previous result unchanged, or omit it to start over.",
        )
    if bound != scope:
        raise InvalidInput(
            "This cursor belongs to another request (other arguments than the call that returned it).",
            hint="Repeat that call's arguments with the cursor, or omit the cursor to start over.",
        )
    return offset


def paginate(items: Sequence[T], cursor: str | None, page_size: int) -> Page[T]:
    """The page of `items` that starts at `cursor`, at most `page_size` long."""
    start = decode_cursor(cursor)
    end = start + page_size
    next_cursor = encode_cursor(end) if end < len(items) else None
    return Page(list(items[start:end]), next_cursor, len(items))


async def run_blocking(fn: Callable[..., R], *args: object) -> R:
    """Run blocking `fn(*args)` in a worker thread that a deadline or cancellation can abandon.

    The thread runs to completion in the background if abandoned, so `fn` must
    leave nothing half-done on its own (our writes go through temporary files and
    an atomic rename, which makes that true).
    """
    return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)


def work_deadline() -> float | None:
    """When work for the running tool call should stop, as a `time.monotonic()` value.

    The server stops every tool call at its deadline (`call_timeout`), but a worker thread cannot
    be stopped from outside, and a tool that stops on its own can still answer: with what a walk
    found, or with a clear "the statement ran too long". Such work checks this time itself. It
    keeps `_ANSWER_SHARE` of the time left for building and sending the answer; it is already past
    when the call's deadline is. None when no deadline applies (outside a tool call).

    Call it from the tool's coroutine, where the call's deadline is in force, not from a thread.
    """
    deadline = anyio.current_effective_deadline()
    if deadline == math.inf:
        return None
    left = max(deadline - anyio.current_time(), 0.0)  # -inf once the call is cancelled
    return time.monotonic() + left * (1 - _ANSWER_SHARE)
