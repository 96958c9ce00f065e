"""Database values as JSON: every Python value SQLite or asyncpg gives, each cell bounded."""

from __future__ import annotations

import ipaddress
import json
import math
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from moorings_core.sql.values import JSONText, UndecodableText, cell_to_json, decode_text, row_to_json

CELL = 1_000
MARKERS = 200  # what a cell's markers ($text, $array, ...) may add to its content


def marked(cell: object, marker: str) -> Any:
    """What a marked cell (`{"$text": {...}}`, `{"$array": ...}`) holds."""
    return json.loads(json.dumps(cell))[marker]


def sized(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, None),
        (True, True),
        (0, 0),
        (-(2**63), -(2**63)),
        (2.5, 2.5),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (math.nan, "NaN"),
        ("text", "text"),
        (Decimal("12.50"), "12.50"),
        (Decimal("3.141592653589793238462643383279502884197"), "3.141592653589793238462643383279502884197"),
        (Decimal("NaN"), "NaN"),
        (Decimal("-Infinity"), "-Infinity"),
        (Decimal("1E+999999"), "1E+999999"),
        (date(2024, 2, 29), "2024-02-29"),
        (datetime(2024, 2, 29, 13, 5, 9, 120000), "2024-02-29T13:05:09.120000"),
        (datetime(2024, 2, 29, 13, 5, tzinfo=timezone(timedelta(hours=-5))), "2024-02-29T13:05:00-05:00"),
        (time(23, 59, 59, 1), "23:59:59.000001"),
        (UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
        (ipaddress.ip_network("10.0.0.0/8"), "10.0.0.0/8"),  # a type it does not know: its text
        ([1, "a", None, [2.5, math.inf]], [1, "a", None, [2.5, "Infinity"]]),
        ((1, 2), [1, 2]),
        ({"a": 1, "b": [True, None], 3: "x"}, {"a": 1, "b": [True, None], "3": "x"}),
        ([], []),
        ({}, {}),
    ],
)
def test_each_kind_of_value_becomes_readable_json(value: object, shown: object) -> None:
    cell = cell_to_json(value, max_chars=CELL)
    assert cell == shown
    json.dumps(cell, allow_nan=False)  # strict JSON, always


@pytest.mark.parametrize(
    ("delta", "duration"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(minutes=3, seconds=4.5), "PT3M4.5S"),
        (timedelta(seconds=-0.5), "-PT0.5S"),
        (timedelta(days=-1), "-P1D"),
        (timedelta(microseconds=1), "PT0.000001S"),
        (timedelta.max, "P999999999DT23H59M59.999999S"),
        (timedelta.min, "-P999999999D"),
    ],
)
def test_a_timedelta_is_an_iso_8601_duration(delta: timedelta, duration: str) -> None:
    assert cell_to_json(delta, max_chars=CELL) == duration


@pytest.mark.parametrize("raw", [b"\x00\xff\x10", bytearray(b"\x00\xff\x10"), memoryview(b"\x00\xff\x10")])
def test_bytes_of_every_kind_are_a_blob(raw: bytes | bytearray | memoryview) -> None:
    assert cell_to_json(raw, max_chars=CELL) == {"$blob": {"base64": "AP8Q", "size": 3, "truncated": False}}


def test_text_that_is_not_utf8_is_flagged_not_fatal() -> None:
    text = decode_text(b"A\xffB")
    assert isinstance(text, UndecodableText)
    assert cell_to_json(text, max_chars=CELL) == {
        "$text": {"value": "A\ufffdB", "length": 3, "truncated": False, "invalidUtf8": True}
    }
    assert decode_text("été".encode()) == "été"
    assert not isinstance(decode_text(b"plain"), UndecodableText)


def test_a_decimal_keeps_every_digit_even_when_its_cell_is_cut() -> None:
    digits = "9" * 5_000
    cell = cell_to_json(Decimal(digits), max_chars=CELL)
    assert cell == {
        "$text": {"value": digits[:CELL], "length": 5_000, "truncated": True, "invalidUtf8": False}
    }


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


HUGE_VALUES = [
    "x" * 1_000_000,
    b"\x01" * 1_000_000,
    UndecodableText("y" * 1_000_000),
    list(range(1_000_000)),
    ["z" * 10_000] * 1_000,
    {f"key{index}": "v" * 100 for index in range(100_000)},
    {"k" * 100_000: 1},
    [[[[["deep" * 10_000]]]]],
    2**100_000,  # beyond what Python prints in decimal
    Decimal("1." + "3" * 100_000),
    [Unprintable()] * 10,
]


@pytest.mark.parametrize("value", HUGE_VALUES, ids=lambda value: type(value).__name__)
def test_every_cell_is_bounded_whatever_it_holds(value: object) -> None:
    cell = cell_to_json(value, max_chars=CELL)
    assert sized(cell) <= CELL + MARKERS


def test_a_cut_array_or_object_says_how_big_it_was() -> None:
    array = marked(cell_to_json(list(range(10_000)), max_chars=100), "$array")
    assert (array["length"], array["truncated"], array["items"][:3]) == (10_000, True, [0, 1, 2])
    mapping = marked(cell_to_json({f"k{index}": index for index in range(10_000)}, max_chars=100), "$object")
    assert (mapping["size"], mapping["truncated"]) == (10_000, True)
    assert list(mapping["entries"].items())[:2] == [("k0", 0), ("k1", 1)]


def test_nesting_too_deep_is_described_not_recursed() -> None:
    nested: list[object] = []
    innermost = nested
    for _ in range(10_000):  # far past Python's recursion limit
        inner: list[object] = []
        innermost.append(inner)
        innermost = inner
    cell = cell_to_json(nested, max_chars=CELL)
    assert "nested too deep to show" in json.dumps(cell)


def test_a_value_whose_text_fails_is_named_by_its_type() -> None:
    assert cell_to_json(Unprintable(), max_chars=CELL) == "(Unprintable value that cannot be shown)"


def test_a_huge_integer_is_shown_exactly_as_hexadecimal_text() -> None:
    assert json.dumps(cell_to_json(2**5_000, max_chars=CELL)).startswith(
        '{"$text": {"value": "0x1' + "0" * 100
    )


def test_rows_keep_ready_cells_and_convert_the_rest() -> None:
    row = row_to_json([1, None, "short", "x" * 50, b"\x00", 1.5, math.inf], max_chars=10)
    assert row[:3] == [1, None, "short"]
    assert row[3] == {"$text": {"value": "x" * 10, "length": 50, "truncated": True, "invalidUtf8": False}}
    assert row[4] == {"$blob": {"base64": "AA==", "size": 1, "truncated": False}}
    assert row[5:] == [1.5, "Infinity"]


def test_a_cell_with_no_room_still_shows_a_character() -> None:
    assert cell_to_json("abc", max_chars=0) == {
        "$text": {"value": "a", "length": 3, "truncated": True, "invalidUtf8": False}
    }


def test_json_text_is_shown_as_the_json_it_holds() -> None:
    assert cell_to_json(JSONText('{"a": [1, 2.5, null], "b": "x"}'), max_chars=200) == {
        "a": [1, 2.5, None],
        "b": "x",
    }
    long = cell_to_json(JSONText(json.dumps({f"k{n}": "v" * 50 for n in range(20)})), max_chars=200)
    assert long["$object"]["truncated"] is True  # type: ignore[index,call-overload]
    assert long["$object"]["size"] == 20  # type: ignore[index,call-overload]
    deep = JSONText("[" * 40 + "]" * 40)
    assert "nested too deep" in json.dumps(cell_to_json(deep, max_chars=1000))
    assert cell_to_json(JSONText("not json"), max_chars=200) == "not json"
