"""A page of a statement's rows, with typed columns, filled from any driver's fetch.

A statement's rows are fetched in batches (`fill_rows`), converted to JSON cell by cell
(`values.row_to_json`, each cell bounded) and kept in a `moorings_core.paging.Pager` while they fit
its budgets: a number of rows, and the characters of their compact JSON, which is what the
structured result carries. Batches start small and double, so a table of huge rows stops after
a few rows without a big batch in memory, and a table of small ones takes few trips to the driver.
A page's rows before its start are the engine's to step over (SQLite re-runs the statement and
steps; a server-side cursor moves), so this module never sees them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import pydantic_core

from moorings_core.paging import Page, Pager
from moorings_core.sql.values import JSONValue, row_to_json

__all__ = ["LARGEST_BATCH", "Column", "Fetch", "RowPage", "fill_rows"]

LARGEST_BATCH = 256
"""The most rows asked of a driver at once (stepping over rows too should use at most this)."""

_FIRST_BATCH = 16
_MIN_CELL_CHARS = 200  # a cell may always show this much, however many columns there are

Fetch = Callable[[int], Awaitable[Sequence[Sequence[object]]]]
"""Up to n more rows of the running statement; fewer (or none) once it has no more."""


@dataclass(frozen=True)
class Column:
    """A result column and its type, when the engine knows it.

    The type is as the database names it: SQLite's declared type of a table's column (None for an
    expression), PostgreSQL's type name.
    """

    name: str
    type: str | None = None


@dataclass(frozen=True)
class RowPage:
    """One page of a statement's rows, each a list of JSON cells in column order."""

    columns: list[Column]
    page: Page[list[JSONValue]]
    elapsed_ms: float

    @property
    def rows(self) -> list[list[JSONValue]]:
        return self.page.items


async def fill_rows(pager: Pager[list[JSONValue]], fetch: Fetch, *, width: int) -> Page[list[JSONValue]]:
    """Fetch rows until `pager` is full or they end; the page, knowing whether more follow.

    `width` is the number of columns: each cell gets an equal share of the character budget (at
    least 200 characters), so one wide cell cannot crowd a row out of its page. One row past the
    page is fetched, when there is room for it, to learn whether the statement has more.
    """
    cell_chars = max(_MIN_CELL_CHARS, pager.max_chars // max(width, 1))
    batch_size = _FIRST_BATCH
    while not pager.full:
        left = batch_size if pager.max_items is None else pager.max_items - len(pager.items) + 1
        batch = await fetch(min(left, batch_size))
        if not batch:
            break
        batch_size = min(batch_size * 2, LARGEST_BATCH)
        rows = [row_to_json(raw, max_chars=cell_chars) for raw in batch]
        # A batch well within the budget is sized at once: its brackets, less the comma before it.
        if pager.offer_all(rows, _size(rows) - 1):
            continue
        for row in rows:
            if not pager.offer(row, _size(row) + 1):
                break
    return pager.page()


def _size(value: object) -> int:
    """Characters of `value` as compact JSON, as the structured result will carry it."""
    return len(pydantic_core.to_json(value).decode())
