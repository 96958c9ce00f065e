"""The elision convention: what a README example may leave out, and what it may not get wrong."""

from __future__ import annotations

from typing import Any

import pytest

from tests.readmes.elision import json_mismatches, parse_example_json, text_mismatch

REAL = {
    "name": "orders",
    "columns": [{"name": "id", "notNull": False}, {"name": "total", "notNull": False}],
    "nextCursor": "bzoyOjhlNTMy",
    "elapsedMs": 3.25,
    "rowCount": 1,
}


def mismatches(example: str, actual: Any = REAL) -> list[str]:
    return json_mismatches(parse_example_json(example), actual)


def test_an_exact_example_matches() -> None:
    example = """{"name": "orders",
                  "columns": [{"name": "id", "notNull": false}, {"name": "total", "notNull": false}],
                  "nextCursor": "bzoyOjhlNTMy", "elapsedMs": 3.25, "rowCount": 1}"""
    assert mismatches(example) == []


def test_a_key_the_output_does_not_have_is_a_mismatch_at_any_depth() -> None:
    found = mismatches(
        '{"name": "orders", "columns": [{"name": "id", "notNull": false, "hidden": 0}, …],'
        ' "nextCursor": "…", "elapsedMs": 0.4, "rowCount": 1}'
    )
    assert found == ["$.columns[0]: the output has no key hidden"]


def test_a_key_the_example_leaves_out_is_a_mismatch() -> None:
    assert mismatches('{"name": "orders", "columns": […], "nextCursor": "…", "elapsedMs": 1}') == [
        "$: the example lacks the output's key rowCount"
    ]


def test_an_ellipsis_stands_for_a_value_further_items_or_characters() -> None:
    assert (
        mismatches('{"name": "…", "columns": […], "nextCursor": "bzoyO…", "elapsedMs": …, "rowCount": …}')
        == []
    )
    assert (
        mismatches(
            '{"name": "ord…s", "columns": [{"name": "id", "notNull": false}, …], "nextCursor": "…",'
            ' "elapsedMs": 1, "rowCount": 1}'
        )
        == []
    )


@pytest.mark.parametrize(
    ("example", "actual", "says"),
    [
        pytest.param('"bzoyX…"', "bzoyOjhlNTMy", "'bzoyOjhlNTMy' is not 'bzoyX…'", id="wrong-prefix"),
        pytest.param(
            "[1, 2, …]", [1], "the output has 1 items, the example 2 or more", id="fewer-than-shown"
        ),
        pytest.param("[1, 2]", [1, 2, 3], "the output has 3 items, the example 2", id="more-than-shown"),
        pytest.param("true", 1, "the output has 1, the example true", id="a-boolean-is-no-number"),
        pytest.param(
            '{"elapsedMs": "fast"}',
            {"elapsedMs": 3.25},
            "a varying value of another type",
            id="varying-keeps-type",
        ),
    ],
)
def test_what_an_ellipsis_does_not_excuse(example: str, actual: Any, says: str) -> None:
    found = json_mismatches(parse_example_json(example), actual)
    assert len(found) == 1
    assert says in found[0]


def test_a_varying_value_need_not_be_equal() -> None:
    assert json_mismatches(parse_example_json('{"elapsedMs": 0.4}'), {"elapsedMs": 17}) == []
    assert json_mismatches(parse_example_json('{"rowCount": 2}'), {"rowCount": 3}) != []


def test_an_ellipsis_inside_a_string_is_text() -> None:
    assert parse_example_json('["a \\" …", …, "…"]') == ['a " …', "…", "…"]


def test_text_matches_line_by_line_with_ellipses() -> None:
    real = '[\n{"id":1}\n{"id":2}\n]\n\n[Rows 1-2 shown; cursor "bzoyOjhl" - or narrow it.]\n'
    assert (
        text_mismatch('[\n{"id":1}\n…\n]\n\n[Rows 1-2 shown; cursor "bzoyO…" - or narrow it.]', real) is None
    )
    assert text_mismatch("…", real) is None
    assert text_mismatch('[\n…\n{"id":1}\n]\n…', real) is not None  # a line out of order
    diff = text_mismatch('[\n{"id":1}\n]\n…', real)
    assert diff is not None
    assert '+{"id":2}' in diff
