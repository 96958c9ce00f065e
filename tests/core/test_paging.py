"""Budgeted pages: filling within both budgets, cursors scoped to their request, the notes."""

from __future__ import annotations

import base64

import pytest

from moorings_core.errors import InvalidInput
from moorings_core.paging import (
    NOTE_ROOM,
    Page,
    Pager,
    PageRequest,
    join_notes,
    room_for_items,
    with_note,
)


def pages_of(items: list[str], *, max_chars: int, max_items: int | None = None) -> list[list[str]]:
    """Every page of `items` (each costing its length), following the cursors to the end."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        request = PageRequest("demo", cursor, path="/data")
        pager: Pager[str] = request.pager(max_chars=max_chars, max_items=max_items)
        for item in items:
            pager.offer(item, len(item))
        page = pager.page(len(items))
        pages.append(page.items)
        if (cursor := request.next_cursor(page)) is None:
            return pages


# -- filling --------------------------------------------------------------------------------------


def test_pages_cover_every_item_once_within_both_budgets() -> None:
    items = [f"item{index:03d}" for index in range(250)]  # 7 characters each
    by_chars = pages_of(items, max_chars=100)
    assert [item for page in by_chars for item in page] == items
    assert all(sum(map(len, page)) <= 100 for page in by_chars)
    assert {len(page) for page in by_chars[:-1]} == {14}
    by_count = pages_of(items, max_chars=10_000, max_items=40)
    assert [len(page) for page in by_count] == [40] * 6 + [10]


def test_an_item_bigger_than_the_budget_still_gets_a_page_of_its_own() -> None:
    items = ["small", "x" * 10_000, "tail"]
    assert pages_of(items, max_chars=50) == [["small"], ["x" * 10_000], ["tail"]]


def test_an_empty_sequence_is_one_empty_last_page() -> None:
    request = PageRequest("demo", None)
    page = request.pager(max_chars=10).page(0)
    assert (page.items, page.more, request.next_cursor(page), request.note(page, "entry")) == (
        [],
        False,
        None,
        None,
    )


def test_items_before_the_start_are_counted_and_the_rest_counted_after_the_page_fills() -> None:
    pager: Pager[int] = Pager(start=5, max_chars=100, max_items=3)
    kept = [pager.offer(number, 1) for number in range(20)]
    assert kept == [False] * 5 + [True] * 3 + [False] * 12
    assert (pager.items, pager.seen, pager.end, pager.full) == ([5, 6, 7], 20, 8, True)
    page = pager.page(pager.seen)
    assert (page.start, page.end, page.more, page.total) == (5, 8, True, 20)


def test_wants_next_spares_describing_items_that_would_only_be_counted() -> None:
    pager: Pager[str] = Pager(start=2, max_chars=10)
    described: list[int] = []
    for number in range(10):
        if not pager.wants_next():
            pager.count()
            continue
        described.append(number)
        pager.offer(f"#{number}", 4)
    assert described == [2, 3, 4]  # two before the start, then two fit and the third did not
    assert pager.page(pager.seen).more


def test_a_run_is_kept_whole_or_not_at_all() -> None:
    pager: Pager[int] = Pager(max_chars=10, max_items=5)
    assert pager.offer_all([1, 2], 4)
    assert not pager.offer_all([3, 4], 8)  # over the characters: nothing changes
    assert not pager.offer_all([3, 4, 5, 6], 2)  # over the items
    assert (pager.items, pager.seen) == ([1, 2], 2)
    assert pager.offer(3, 3)
    assert not pager.offer(4, 5)
    assert pager.page().more


def test_a_lone_run_bigger_than_the_budget_is_left_to_single_offers() -> None:
    pager: Pager[str] = Pager(max_chars=5)
    assert not pager.offer_all(["long", "longer"], 10)
    assert pager.offer_all(["a very long one"], 15)  # one item alone is always kept
    assert pager.items == ["a very long one"]


def test_a_start_past_the_end_gives_an_empty_page_without_more() -> None:
    pager: Pager[str] = Pager(start=100, max_chars=50)
    for item in ("a", "b"):
        pager.offer(item, 1)
    page = pager.page(2)
    assert (page.items, page.start, page.end, page.more) == ([], 100, 100, False)


def test_a_page_cut_by_its_rendering_says_more_follow() -> None:
    page = Page(["a", "b", "c"], start=10, more=False, total=13)
    cut = page.first(1)
    assert (cut.items, cut.end, cut.more) == (["a"], 11, True)
    assert page.first(3) is page


@pytest.mark.parametrize(("start", "max_chars", "max_items"), [(-1, 10, None), (0, 0, None), (0, 10, 0)])
def test_an_impossible_pager_is_a_programming_error(
    start: int, max_chars: int, max_items: int | None
) -> None:
    with pytest.raises(ValueError, match="at least one item"):
        Pager(start=start, max_chars=max_chars, max_items=max_items)


def test_the_room_for_items_keeps_the_note_room_even_in_the_smallest_result() -> None:
    assert room_for_items(100_000) == 100_000 - NOTE_ROOM
    assert room_for_items(1_000) == 500


# -- cursors --------------------------------------------------------------------------------------


def test_a_cursor_is_opaque_and_continues_its_own_request() -> None:
    request = PageRequest("read_query", None, query="SELECT n FROM t", params=[1])
    cursor = request.cursor_at(1234)
    assert "1234" not in cursor
    assert PageRequest("read_query", cursor, query="SELECT n FROM t", params=[1]).start == 1234
    assert PageRequest("read_query", None, query="SELECT n FROM t", params=[1]).start == 0
    assert PageRequest("read_query", "", query="SELECT n FROM t", params=[1]).start == 0


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("read_query", {"query": "SELECT n FROM t", "params": [2]}),
        ("read_query", {"query": "SELECT m FROM t", "params": [1]}),
        ("read_query", {"query": "SELECT n FROM t"}),
        ("read_query", {"query": "SELECT n FROM t", "params": [1], "extra": None}),
        ("list_directory", {"query": "SELECT n FROM t", "params": [1]}),
    ],
)
def test_a_cursor_is_refused_by_another_request(tool: str, arguments: dict[str, object]) -> None:
    cursor = PageRequest("read_query", None, query="SELECT n FROM t", params=[1]).cursor_at(40)
    with pytest.raises(InvalidInput, match="belongs to another request") as refused:
        PageRequest(tool, cursor, **arguments)
    assert f"Call {tool} with the arguments of the call that returned the cursor" in str(refused.value)


def raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "forged",
    [
        "not-a-cursor",
        "!!!",
        "bzotMQ",  # o:-1
        raw_cursor("q1:0000000000000000:-1"),  # another kind
        raw_cursor(f"o:{2**64}:"),  # beyond any offset
        raw_cursor("o:1e3:"),
        raw_cursor("o::"),
        base64.urlsafe_b64encode(b"\xff\xfe:1:").decode(),  # not UTF-8
        "A" * 10_000,  # absurdly long
    ],
)
def test_a_forged_cursor_is_a_clear_input_error(forged: str) -> None:
    with pytest.raises(InvalidInput, match="Invalid cursor") as caught:
        PageRequest("demo", forged)
    assert "nextCursor" in str(caught.value)


def test_a_forged_cursor_with_a_huge_but_valid_offset_is_an_empty_last_page() -> None:
    request = PageRequest("demo", None)
    far = PageRequest("demo", request.cursor_at(2**53))
    pager: Pager[str] = far.pager(max_chars=10)
    for item in ("a", "b"):
        pager.offer(item, 1)
    page = pager.page(2)
    assert (page.items, page.more) == ([], False)
    assert far.note(page, "entry") == "no more entries: all 2 were on earlier pages"


def test_arguments_that_json_cannot_encode_as_utf8_still_scope_a_cursor() -> None:
    lone = "\ud800"  # a lone surrogate, which JSON arguments can carry
    request = PageRequest("search_files", None, pattern=lone, path=("a", "b"))
    cursor = request.cursor_at(5)
    assert PageRequest("search_files", cursor, pattern=lone, path=("a", "b")).start == 5
    with pytest.raises(InvalidInput, match="another request"):
        PageRequest("search_files", cursor, pattern="\ud801", path=("a", "b"))


def test_arguments_are_scoped_whatever_their_order() -> None:
    cursor = PageRequest("demo", None, a=1, b=2).cursor_at(3)
    assert PageRequest("demo", cursor, b=2, a=1).start == 3


# -- notes ----------------------------------------------------------------------------------------


def test_the_note_of_a_page_with_more_says_exactly_how_to_continue() -> None:
    request = PageRequest("search_files", None, pattern="*")
    page = Page(["a"] * 1_000, start=0, more=True, total=5_234)
    cursor = request.next_cursor(page)
    assert cursor is not None
    assert request.note(page, "match", narrow="narrow the pattern") == (
        f"showed matches 1-1,000 of 5,234 (4,234 more): call search_files again with the same "
        f'arguments and cursor "{cursor}" for the next page, or narrow the pattern'
    )
    assert PageRequest("search_files", cursor, pattern="*").start == 1_000


@pytest.mark.parametrize(
    ("page", "note"),
    [
        (
            Page(["a"] * 3, start=0, more=True, total=10, exact=False),
            "showed entries 1-3 of at least 10 (at least 7 more)",
        ),
        (Page(["a"] * 3, start=6, more=True), "showed entries 7-9 (more follow)"),
        (Page(["a"], start=6, more=True), "showed entry 7 (more follow)"),
        (Page(["a"] * 2, start=8, more=False, total=10), "showed entries 9-10 of 10, the last"),
        (Page(["a"] * 2, start=8, more=False), "showed entries 9-10, the last"),
        (Page([], start=8, more=False, total=5), "no more entries: all 5 were on earlier pages"),
        (Page([], start=8, more=False, total=0), "no entries left: there are none now"),
        (Page([], start=8, more=False), "no entries after entry 8"),
        (Page(["a"] * 5, start=0, more=False, total=5), None),
    ],
)
def test_each_kind_of_page_has_its_note(page: Page[str], note: str | None) -> None:
    said = PageRequest("list_directory", None).note(page, "entry")
    assert (said or "").split(": call ")[0] == (note or "")
    if page.more:
        assert 'list_directory again with the same arguments and cursor "' in (said or "")
    else:
        assert "cursor" not in (said or "")


@pytest.mark.parametrize(
    ("noun", "plural"),
    [("entry", "entries"), ("match", "matches"), ("row", "rows"), ("day", "days"), ("box", "boxes")],
)
def test_nouns_are_counted_in_plain_english(noun: str, plural: str) -> None:
    note = PageRequest("demo", None).note(Page(["a", "b"], start=4, more=False), noun)
    assert note == f"showed {plural} 5-6, the last"


def test_notes_join_into_one_sentence() -> None:
    assert join_notes(None, "showed rows 1-2, the last", None, "3 files skipped") == (
        "Showed rows 1-2, the last; 3 files skipped."
    )
    assert join_notes(None, "") is None
    assert with_note("text", "Note.") == "text\n\n[Note.]"
    assert with_note("text", None) == "text"
    assert with_note("", "Note.") == "[Note.]"
