"""Budgeted pages: one page of a long sequence per call, and a cursor that continues it.

Every tool that can find more than fits in one result (a directory's entries, a search's matches,
a query's rows) pages it the same way, in three steps:

1. `PageRequest` reads the call's `cursor`: where the page starts, and the request it belongs to.
   A cursor is opaque (an offset and a digest of the tool and of the arguments that define the
   sequence), so a client only ever passes it back; one made by another tool, or with other
   arguments, is refused with a clear error instead of quietly continuing another sequence.
2. `Pager` fills the page. The tool offers the sequence's items in order, each with its cost in
   characters: items before the start are counted and dropped, then items are kept while both
   budgets allow (a number of items and characters; the first always, so every call moves on),
   then the rest are only counted, as far as the tool cares to count them.
3. `Page` is what was kept, where it starts, and the total when it is known. `PageRequest.note`
   turns it into the sentence that tells the model how to go on: the continuation note is worded
   here once, and a tool gives only its item noun and how to narrow the request.

The characters of a result beyond its items are bounded by `NOTE_ROOM`: a tool's items get
`room_for_items(max_output_chars)`, and its note and its few lines around the items the rest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from moorings_core.errors import InvalidInput

__all__ = [
    "NOTE_ROOM",
    "Page",
    "PageRequest",
    "Pager",
    "join_notes",
    "room_for_items",
    "with_note",
]

T = TypeVar("T")

NOTE_ROOM = 500
"""Characters of a result kept for its note on how to continue (and a tool's lines around its items)."""

_MAX_CURSOR_CHARS = 200  # every cursor we make is far shorter
_MAX_OFFSET = 2**53  # beyond any count a call can reach; keeps a forged offset within what slicing takes


def room_for_items(max_output_chars: int) -> int:
    """The characters a page's items may take in a result of at most `max_output_chars`."""
    return max(max_output_chars - NOTE_ROOM, max_output_chars // 2)


# -- the page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items `start` to `end` of a sequence (0-based, end excluded), and whether more follow them.

    `total` is the sequence's length when known: exact, or a lower bound when not `exact` (counting
    stopped early); None when only `more` is known (a query's rows).
    """

    items: list[T]
    start: int
    more: bool
    total: int | None = None
    exact: bool = True

    @property
    def end(self) -> int:
        return self.start + len(self.items)

    def first(self, count: int) -> Page[T]:
        """This page cut to its first `count` items (a rendering that could not show them all)."""
        if count >= len(self.items):
            return self
        return replace(self, items=self.items[:count], more=True)


class Pager(Generic[T]):
    """Fills one page from a sequence met in order, within an item and a character budget.

    Offer each item with `offer` (or a run of them with `offer_all`). An item that is costly to
    describe can be counted with `count` instead whenever `wants_next()` is False: it would only
    be counted anyway. `page()` gives the result; `more` is known once an item past the page was
    offered or counted, so a tool that wants it offers one item beyond.
    """

    def __init__(self, *, start: int = 0, max_chars: int, max_items: int | None = None) -> None:
        if start < 0 or max_chars < 1 or (max_items is not None and max_items < 1):
            raise ValueError("a page starts at 0 or later and has room for at least one item")
        self.start = start
        self.max_chars = max_chars
        self.max_items = max_items
        self.items: list[T] = []
        self.seen = 0  # items of the sequence met so far, kept or not
        self.full = False  # an item was refused for want of room: every later one is only counted
        self._spent = 0

    @property
    def end(self) -> int:
        return self.start + len(self.items)

    def wants_next(self) -> bool:
        """Whether the next item would be kept if it fits (so it is worth describing)."""
        return not self.full and self.seen >= self.start

    def count(self, number: int = 1) -> None:
        """Count `number` items met without offering them: before the page, or after it filled."""
        self.seen += number

    def offer(self, item: T, cost: int) -> bool:
        """Count the next item and keep it if it belongs on this page and fits; True when kept.

        The first item of a page is kept whatever its cost, so a tool bounds each item itself.
        """
        self.seen += 1
        if self.seen <= self.start or self.full:
            return False
        if self.items and (self._items_left() == 0 or self._spent + cost > self.max_chars):
            self.full = True
            return False
        self.items.append(item)
        self._spent += cost
        return True

    def offer_all(self, items: Sequence[T], cost: int) -> bool:
        """Keep a run of items costing `cost` together if all of them fit; else change nothing.

        A cheap first try for a batch that is sized at once; when it returns False, offer the
        items one at a time to fill what room is left.
        """
        left = self._items_left()
        if not self.wants_next() or (left is not None and len(items) > left):
            return False
        if self._spent + cost > self.max_chars and (self.items or len(items) > 1):
            return False
        self.seen += len(items)
        self.items.extend(items)
        self._spent += cost
        return True

    def page(self, total: int | None = None, *, exact: bool = True) -> Page[T]:
        """The page filled so far; `total` (a lower bound unless `exact`) when the tool knows it."""
        return Page(list(self.items), self.start, self.seen > self.end, total, exact)

    def _items_left(self) -> int | None:
        return None if self.max_items is None else self.max_items - len(self.items)


# -- the request and its cursors -----------------------------------------------------------------


class PageRequest:
    """The page a tool call asks for: where it starts, read from the call's `cursor`.

    `arguments` are those that define the sequence (a path, a pattern, a query and its params),
    named as the tool names them; not those that only shape a page (a page size, a format). A
    cursor is only accepted by the same tool with the same arguments. Raises `InvalidInput` for
    a forged or foreign cursor; an empty or missing cursor starts at the beginning.
    """

    def __init__(self, tool: str, cursor: str | None, **arguments: object) -> None:
        self.tool = tool
        self._scope = _scope(tool, arguments)
        self.start = self._offset(cursor)

    def pager(self, *, max_chars: int, max_items: int | None = None) -> Pager[Any]:
        """A `Pager` for this request's page."""
        return Pager(start=self.start, max_chars=max_chars, max_items=max_items)

    def cursor_at(self, offset: int) -> str:
        """The cursor of this request's page that starts at `offset`."""
        return base64.urlsafe_b64encode(f"o:{offset}:{self._scope}".encode()).decode().rstrip("=")

    def next_cursor(self, page: Page[Any]) -> str | None:
        """The cursor of the page after `page`, or None when it is the last."""
        return self.cursor_at(page.end) if page.more else None

    def note(self, page: Page[Any], noun: str, *, narrow: str | None = None) -> str | None:
        """What a result says about its page, or None for a first page that holds everything.

        How to get the next page (with its cursor), that this page was the last of several, or
        that nothing was left after the earlier pages. `noun` names one item ("entry", "match",
        "row"); `narrow`, if given, completes "or ..." with how to ask for less. A fragment, to be
        joined with a tool's other notes by `join_notes`.
        """
        plural = _plural(noun)
        if page.more or (page.items and page.start):
            shown = (
                f"{noun} {page.end:,}"
                if len(page.items) == 1
                else f"{plural} {page.start + 1:,}-{page.end:,}"
            )
            at_least = "" if page.exact else "at least "
            of = "" if page.total is None else f" of {at_least}{page.total:,}"
            if not page.more:
                return f"showed {shown}{of}, the last"
            rest = "more follow" if page.total is None else f"{at_least}{page.total - page.end:,} more"
            how = f'call {self.tool} again with the same arguments and cursor "{self.next_cursor(page)}"'
            return f"showed {shown}{of} ({rest}): {how} for the next page" + (
                f", or {narrow}" if narrow else ""
            )
        if not page.start:
            return None
        if page.total is None:
            return f"no {plural} after {noun} {page.start:,}"
        if page.total == 0:
            return f"no {plural} left: there are none now"
        return f"no more {plural}: all {page.total:,} were on earlier pages"

    def _offset(self, cursor: str | None) -> int:
        if not cursor:
            return 0
        kind, offset, scope = "", -1, ""
        if len(cursor) <= _MAX_CURSOR_CHARS:
            try:
                raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
                kind, _, rest = raw.partition(":")
                value, _, scope = rest.partition(":")
                offset = int(value)
            except (binascii.Error, UnicodeDecodeError, ValueError):
                kind = ""
        if kind != "o" or not 0 <= offset <= _MAX_OFFSET:
            raise InvalidInput(
                f"Invalid cursor {cursor[:40]!r}.",
                hint="Pass back the nextCursor of the previous result unchanged, or omit it to start over.",
            )
        if scope != self._scope:
            raise InvalidInput(
                f"This cursor belongs to another request: another tool's, or {self.tool}'s with other "
                "arguments than this call's.",
                hint=f"Call {self.tool} with the arguments of the call that returned the cursor, or omit "
                "the cursor to start over.",
            )
        return offset


def _scope(tool: str, arguments: dict[str, object]) -> str:
    """A short digest of a request: a cursor made for one is refused by any other.

    ASCII JSON, so that text which cannot be encoded (a lone surrogate) is still digested.
    """
    canonical = json.dumps([tool, arguments], sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in {"a", "e", "o", "u"}:
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


# -- notes ----------------------------------------------------------------------------------------


def join_notes(*notes: str | None) -> str | None:
    """A tool's notes as one sentence ("First; second."), or None when there are none."""
    kept = [note for note in notes if note]
    if not kept:
        return None
    joined = "; ".join(kept)
    return joined[0].upper() + joined[1:] + "."


def with_note(text: str, note: str | None) -> str:
    """`text` followed by `note` in brackets, as every cut result ends (the note alone without text)."""
    if not note:
        return text
    return f"{text}\n\n[{note}]" if text else f"[{note}]"
