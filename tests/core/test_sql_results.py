"""Pages of rows from any driver's fetch, their text formats, and the read and write results."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import pytest

from moorings_core.paging import Pager, PageRequest
from moorings_core.sql.formats import render
from moorings_core.sql.results import read_result, write_result
from moorings_core.sql.rows import LARGEST_BATCH, Column, RowPage, fill_rows
from moorings_core.sql.values import JSONValue
from moorings_core.testing import text_of

pytestmark = pytest.mark.anyio


class Statement:
    """A statement's remaining rows, fetched as a driver would give them; records each fetch."""

    def __init__(self, rows: Sequence[Sequence[object]]) -> None:
        self.rows = list(rows)
        self.asked: list[int] = []

    async def fetch(self, size: int) -> list[Sequence[object]]:
        self.asked.append(size)
        batch, self.rows = self.rows[:size], self.rows[size:]
        return batch


async def filled(
    rows: Sequence[Sequence[object]], *, max_chars: int = 10_000, max_items: int | None = None, width: int = 1
) -> tuple[list[list[JSONValue]], bool, Statement]:
    statement = Statement(rows)
    pager: Pager[list[JSONValue]] = Pager(max_chars=max_chars, max_items=max_items)
    page = await fill_rows(pager, statement.fetch, width=width)
    return page.items, page.more, statement


# -- filling a page from a fetch ----------------------------------------------------------------------


@pytest.mark.parametrize(("count", "more"), [(0, False), (1, False), (99, False), (100, False), (101, True)])
async def test_a_page_of_max_rows_knows_whether_more_follow(count: int, more: bool) -> None:
    rows, has_more, _ = await filled([(n,) for n in range(count)], max_items=100)
    assert rows == [[n] for n in range(min(count, 100))]
    assert has_more is more


async def test_batches_grow_but_never_past_the_largest() -> None:
    _, _, statement = await filled([(n,) for n in range(5_000)], max_chars=10**9)
    assert statement.asked[:3] == [16, 32, 64]
    assert max(statement.asked) == LARGEST_BATCH


async def test_the_character_budget_cuts_the_page_at_a_row() -> None:
    rows, more, _ = await filled([("x" * 90,) for _ in range(1_000)], max_chars=1_000)
    assert 5 <= len(rows) <= 10
    assert len(json.dumps(rows, separators=(",", ":"))) <= 1_000
    assert more


async def test_a_single_row_bigger_than_the_budget_is_still_a_page_with_its_cells_cut() -> None:
    rows, more, _ = await filled(
        [("x" * 100_000, b"\x00" * 100_000), ("next", b"")], max_chars=1_000, width=2
    )
    assert len(rows) == 1
    assert more
    assert len(json.dumps(rows)) < 2_000  # each cell bounded to its share of the budget, 500


async def test_rows_before_the_start_are_the_engines_to_step_over() -> None:
    statement = Statement([(n,) for n in range(10, 30)])  # the engine stepped over rows 0-9
    pager: Pager[list[JSONValue]] = Pager(start=10, max_chars=10_000, max_items=5)
    pager.count(10)
    page = await fill_rows(pager, statement.fetch, width=1)
    assert (page.items, page.start, page.more) == ([[10], [11], [12], [13], [14]], 10, True)


# -- formats --------------------------------------------------------------------------------------


ROWS: list[list[JSONValue]] = [
    [1, "a|b", None],
    [2, "line\nbreak", {"$blob": {"base64": "AA==", "size": 1, "truncated": False}}],
    [3, 'quote " and, comma', 2.5],
]


def test_json_is_an_array_of_objects_with_repeated_names_told_apart() -> None:
    text = render(["id", "id", "x"], ROWS, "json").text()
    assert json.loads(text)[0] == {"id": 1, "id:2": "a|b", "x": None}


def test_markdown_cells_cannot_break_the_table() -> None:
    lines = render(["id", "text", "value"], ROWS, "markdown").text().splitlines()
    assert lines[:2] == ["| id | text | value |", "|---|---|---|"]
    assert lines[2] == "| 1 | a\\|b | NULL |"
    assert lines[3].startswith("| 2 | line<br>break | {")
    assert len(lines) == 5


def test_csv_round_trips_through_a_csv_reader() -> None:
    text = render(["id", "text", "value"], ROWS, "csv").text()
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["id", "text", "value"]
    assert parsed[1] == ["1", "a|b", ""]
    assert parsed[3] == ["3", 'quote " and, comma', "2.5"]


@pytest.mark.parametrize("fmt", ["json", "markdown", "csv"])
def test_every_format_is_cut_at_a_row_and_shows_at_least_one(fmt: Any) -> None:
    rendered = render(["text"], [["x" * 100] for _ in range(50)], fmt)
    fitting = rendered.fitting(1_000)
    assert 5 <= fitting < 10
    assert len(rendered.text(fitting)) <= 1_000
    assert rendered.fitting(1) == 1  # one row bigger than the budget still shows
    assert render(["text"], [], fmt).fitting(10) == 0


# -- the tool results -------------------------------------------------------------------------------


def row_page(rows: list[list[JSONValue]], *, start: int = 0, more: bool = False) -> RowPage:
    pager: Pager[list[JSONValue]] = Pager(start=start, max_chars=10**9)
    pager.count(start)
    for row in rows:
        pager.offer(row, 1)
    if more:
        pager.count()
    return RowPage([Column("n", "INTEGER"), Column("label")], pager.page(), elapsed_ms=1.5)


def test_a_read_result_is_cut_to_its_budget_and_its_cursor_continues_it() -> None:
    request = PageRequest("read_query", None, query="SELECT n, label FROM t", params=None)
    found = row_page([[n, "x" * 50] for n in range(100)], more=True)
    result = read_result(found, "json", 1_000, request)
    structured = result.structured_content
    assert structured is not None
    text, note = text_of(result).split("\n\n[")
    assert len(json.loads(text)) == structured["rowCount"] < 100
    assert len(text) <= 1_000
    assert structured["truncated"] is True
    assert structured["columns"] == [{"name": "n", "type": "INTEGER"}, {"name": "label"}]
    assert note.startswith(f"Showed rows 1-{structured['rowCount']} (more follow): call read_query")
    continued = PageRequest(
        "read_query", structured["nextCursor"], query="SELECT n, label FROM t", params=None
    )
    assert continued.start == structured["rowCount"]


@pytest.mark.parametrize(
    ("rows", "start", "ends_with"),
    [
        ([], 0, "[]\n\n(no rows)"),
        ([], 40, "[No rows after row 40.]"),
        ([[41, "a"], [42, "b"]], 40, "[Showed rows 41-42, the last.]"),
        ([[1, "a"]], 0, '"label":"a"}\n]'),
    ],
)
def test_a_read_result_says_where_its_page_is(
    rows: list[list[JSONValue]], start: int, ends_with: str
) -> None:
    request = PageRequest("read_query", None, query="SELECT 1")
    result = read_result(row_page(rows, start=start), "json", 10_000, request)
    assert text_of(result).endswith(ends_with)
    assert "cursor" not in text_of(result)


def test_a_statement_without_columns_says_so() -> None:
    found = RowPage([], row_page([]).page, elapsed_ms=0.1)
    text = text_of(read_result(found, "csv", 1_000, PageRequest("read_query", None, query="PRAGMA x")))
    assert text == "(the statement returned no rows and has no result columns)"


def test_a_write_shows_what_it_changed_and_only_the_first_page_it_returned() -> None:
    found = row_page([[n, "x" * 50] for n in range(100)])
    result = write_result(found, "csv", 1_000, rows_changed=100, last_insert_rowid=7)
    structured = result.structured_content
    assert structured is not None
    assert text_of(result).startswith("Rows changed: 100. Last inserted rowid: 7.\n\nReturned:\nn,label\n0,")
    assert "a write is never run again" in text_of(result)
    assert structured["truncated"] is True
    assert 0 < len(structured["rows"]) < 100
    plain = write_result(RowPage([], row_page([]).page, 0.1), "json", 1_000, rows_changed=None)
    assert text_of(plain) == "Rows changed: 0."
    assert plain.structured_content == {"truncated": False, "elapsedMs": 0.1}
