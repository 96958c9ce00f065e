"""The fuzzer's argument strategies: what they draw fits (or breaks) the schema as the server checks it.

The schema under test is what pydantic emits for parameters of every shape the strategies claim to
handle: bounds, lengths, a pattern, enums and a const, optional values, lists, a set, a tuple, nested
and recursive models, free-form objects and `Any`.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from moorings_core.testing.schema_strategies import (
    Invalid,
    UnsupportedSchema,
    invalid_arguments,
    json_type,
    valid_arguments,
)

Scalar = str | int | float | bool | None


class Edit(BaseModel):
    old: str
    new: str = Field(min_length=1)


class Tree(BaseModel):
    name: str
    children: list[Tree] = Field(default_factory=list, max_length=2)


class Parameters(BaseModel):
    path: str = Field(min_length=1, max_length=40)
    mode: Literal["name", "size"] = "name"
    kind: Literal["only"] = "only"
    limit: int | None = Field(default=None, ge=1, le=1000)
    ratio: float = Field(default=0.5, gt=0, lt=1)
    code: str = Field(default="a", pattern=r"^[a-z]+$")
    tags: list[str] = Field(default_factory=list, min_length=1, max_length=3)
    unique: set[int] = Field(default_factory=set)
    pair: tuple[int, str] | None = None
    edits: list[Edit] = Field(default_factory=list)
    tree: Tree | None = None
    params: list[Scalar] | dict[str, Scalar] | None = None
    anything: Any = None


SCHEMA = {**Parameters.model_json_schema(), "additionalProperties": False}
VALIDATOR = Draft202012Validator(SCHEMA)
POOL = ["../outside/secret.txt", "", "x" * 100, "abc"]
EXAMPLES = settings(
    max_examples=100, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
FINDING = settings(EXAMPLES, phases=[Phase.generate])  # `find` the first match, without shrinking it


def test_the_schema_uses_what_the_strategies_claim_to_handle() -> None:
    text = str(SCHEMA)
    for keyword in ("$defs", "$ref", "anyOf", "enum", "const", "prefixItems", "uniqueItems", "pattern",
                    "exclusiveMinimum", "maxItems", "minLength", "additionalProperties"):  # fmt: skip
        assert f"'{keyword}'" in text, keyword


@EXAMPLES
@given(valid_arguments(SCHEMA, [POOL]))
def test_valid_arguments_fit_the_schema(arguments: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(arguments), list(VALIDATOR.iter_errors(arguments))


@EXAMPLES
@given(invalid_arguments(SCHEMA, [POOL]))
def test_invalid_arguments_are_wrong_in_the_named_argument_only(invalid: Invalid) -> None:
    errors = list(VALIDATOR.iter_errors(invalid.arguments))
    assert errors, invalid
    for error in errors:
        if error.absolute_path:
            assert error.absolute_path[0] == invalid.argument, (invalid, error.message)
        else:  # a missing or unexpected argument: the message names it
            assert repr(invalid.argument) in error.message, (invalid, error.message)


@pytest.mark.parametrize("name", sorted(SCHEMA["properties"]))
def test_every_parameter_is_drawn(name: str) -> None:
    find(valid_arguments(SCHEMA), lambda arguments: name in arguments, settings=FINDING)


@pytest.mark.parametrize("problem", ["required, left out", "not a parameter", "a value the schema refuses"])
def test_every_kind_of_mistake_is_drawn(problem: str) -> None:
    find(invalid_arguments(SCHEMA), lambda invalid: invalid.problem == problem, settings=FINDING)


def only(name: str) -> dict[str, Any]:
    """The schema of a tool whose one parameter is `name` of the schema under test."""
    properties = {name: SCHEMA["properties"][name]}
    return {
        "type": "object",
        "properties": properties,
        "$defs": SCHEMA["$defs"],
        "additionalProperties": False,
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", 0),  # below the minimum
        ("limit", 1001),  # above the maximum
        ("ratio", 0),  # the exclusive bound itself
        ("mode", "NAME"),  # a near miss of an enum value
        ("kind", "Only"),  # and of a const
        ("path", ""),  # shorter than minLength
        ("tags", []),  # fewer items than minItems
        ("unique", [0, 0]),  # a repeated item of a set
    ],
)
def test_values_just_outside_a_constraint_are_drawn(name: str, value: object) -> None:
    find(
        invalid_arguments(only(name)), lambda invalid: invalid.arguments.get(name) == value, settings=FINDING
    )


def test_a_nested_mistake_is_drawn_under_its_argument() -> None:
    def lacks_new(invalid: Invalid) -> bool:
        edits = invalid.arguments.get("edits")
        return isinstance(edits, list) and edits == [{"old": ""}]

    found = find(invalid_arguments(only("edits")), lacks_new, settings=FINDING)
    errors = Draft202012Validator(only("edits")).iter_errors(found.arguments)
    assert [list(error.absolute_path) for error in errors] == [["edits", 0]]


@EXAMPLES
@given(valid_arguments(SCHEMA, [POOL], text_fits=lambda text: "/" not in text))
def test_pool_strings_are_drawn_within_each_strings_constraints(arguments: dict[str, Any]) -> None:
    path = arguments["path"]
    assert 1 <= len(path) <= 40  # "" and the 100 x's of the pool never fit it
    assert path in POOL or "/" not in path  # text_fits governs random text only


def test_a_pool_string_is_drawn() -> None:
    find(
        valid_arguments(SCHEMA, [POOL]),
        lambda arguments: arguments["path"] == "../outside/secret.txt",
        settings=FINDING,
    )


def test_a_schema_with_no_parameters_takes_only_nothing() -> None:
    schema = {"type": "object", "properties": {}, "additionalProperties": False}
    assert find(valid_arguments(schema), lambda _: True, settings=FINDING) == {}
    unexpected = find(invalid_arguments(schema), lambda _: True, settings=FINDING)
    assert unexpected.problem == "not a parameter"


@pytest.mark.parametrize(
    ("schema", "named"),
    [
        ({"type": "string", "format": "email"}, "format"),
        ({"type": "integer", "multipleOf": 3}, "multipleOf"),
        ({"allOf": [{"type": "string"}]}, "allOf"),
        ({"anyOf": [{"type": "string"}], "minLength": 2}, "minLength"),
        ({"$ref": "other.json#/x"}, "other.json"),
    ],
)
def test_a_keyword_without_a_strategy_is_refused_by_name(schema: dict[str, Any], named: str) -> None:
    document = {"type": "object", "properties": {"x": schema}, "required": ["x"]}
    with pytest.raises(UnsupportedSchema, match=named):
        find(valid_arguments(document), lambda _: True, settings=FINDING)


@given(st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none() | st.text())
def test_json_type_agrees_with_the_validator(value: object) -> None:
    kind = json_type(value)
    assert Draft202012Validator({"type": kind}).is_valid(value)
    others = {"null", "boolean", "integer", "number", "string"} - {
        kind,
        "number" if kind == "integer" else kind,
    }
    assert not any(Draft202012Validator({"type": other}).is_valid(value) for other in others)
