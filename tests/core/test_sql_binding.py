"""Statement parameters from JSON arguments: what binds, and what is refused before any driver."""

from __future__ import annotations

from typing import Any

import pytest

from moorings_core.errors import InvalidInput
from moorings_core.sql.binding import bind


def test_positional_and_named_params_bind_as_drivers_take_them() -> None:
    assert bind(None) == ()
    assert bind([]) == ()
    assert bind([1, 2.5, "été", True, None]) == (1, 2.5, "été", True, None)
    assert bind({"id": 1, ":name": "ada", "@x": None, "$y": False}) == {
        "id": 1,
        "name": "ada",
        "x": None,
        "y": False,
    }
    assert bind((1, 2)) == (1, 2)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("SELECT 1", "not a single string"),
        (b"\x00", "not a single string"),
        ([[1, 2]], r"not list \(parameter number 1\)"),
        ([1, {"a": 1}], r"not dict \(parameter number 2\)"),
        ({"a": [1]}, r"not list \(parameter :a\)"),
        ([b"bytes"], "not bytes"),
        (["fine", "\ud800"], r"Parameter number 2 contains text that is not valid Unicode"),
        ({"name": "a\udfffb"}, r"Parameter :name contains text that is not valid Unicode"),
    ],
)
def test_what_no_database_can_take_is_refused_clearly(params: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        bind(params)


def test_an_engine_without_named_placeholders_refuses_an_object() -> None:
    assert bind([1], named=False) == (1,)
    with pytest.raises(
        InvalidInput, match=r"positional placeholders \(\$1, \$2, ...\), so params must be a list"
    ):
        bind({"a": 1}, named=False)
