"""Tool schemas kept to a size a model can read: whole when small, the nearest definitions when not."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
from jsonschema.validators import Draft202012Validator

from moorings_openapi.arguments import plan_arguments
from moorings_openapi.operations import Api
from moorings_openapi.responses import BodyCheck, output_schema
from moorings_openapi.schema_budget import MAX_SCHEMA_CHARS, stand_in, within_budget
from moorings_openapi.schemas import SchemaConverter
from tests.openapi.harbour_api import HARBOUR_YAML
from tests.openapi.specs import PUBLIC, large_spec, load, write


def chars(schema: dict[str, Any]) -> int:
    return len(json.dumps(schema, ensure_ascii=False, separators=(",", ":")))


def checked(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def left_out(schema: dict[str, Any]) -> set[str]:
    return {name for name, definition in schema.get("$defs", {}).items() if definition == stand_in(name)}


def padded(refs: list[str], size: int = 1_000) -> dict[str, Any]:
    """An object definition of about `size` characters naming the definitions `refs`."""
    properties: dict[str, Any] = {"note": {"type": "string", "description": "x" * size}}
    properties.update({name.lower(): {"$ref": f"#/$defs/{name}"} for name in refs})
    return {"type": "object", "properties": properties}


# -- what is kept ----------------------------------------------------------------------------------


def test_a_schema_that_fits_is_returned_as_it_is() -> None:
    tree = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}},
    }
    schema = {"$ref": "#/$defs/Tree", "$defs": {"Tree": tree}}
    assert within_budget(schema) is schema


def test_definitions_are_kept_breadth_first_and_the_rest_stand_in_or_go() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"$ref": "#/$defs/B"}},
        "$defs": {
            "A": padded(["C"]),
            "B": padded(["D"]),
            "C": padded(["E"]),
            "D": padded([]),
            "E": padded([]),
        },
    }
    bounded = within_budget(schema, max_chars=3_000)
    assert chars(bounded) <= 3_000
    assert bounded["$defs"] == {
        "A": schema["$defs"]["A"],
        "B": schema["$defs"]["B"],
        "C": stand_in("C"),
        "D": stand_in("D"),
    }  # E is named only by C, which is left out: nothing refers to it any more
    assert bounded["properties"] == schema["properties"]
    assert within_budget(schema, max_chars=3_000) == bounded
    assert stand_in("C")["description"].startswith("A C (its schema is left out")
    assert "documentation resource" in stand_in("C")["description"]


def test_the_top_level_is_kept_whole_even_past_the_budget() -> None:
    schema = {**padded(["A"], size=500), "$defs": {"A": padded(["A"])}}
    bounded = within_budget(schema, max_chars=100)
    assert {key: value for key, value in bounded.items() if key != "$defs"} == padded(["A"], size=500)
    assert bounded["$defs"] == {"A": stand_in("A")}
    checked(bounded)


def test_escaped_names_are_followed_and_refs_in_data_are_harmless() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"x": {"$ref": "#/$defs/a~1b"}, "y": {"enum": [{"$ref": "#/$defs/Data"}]}},
        "$defs": {"a/b": padded(["Big"]), "Big": padded([], size=5_000), "Data": {"type": "string"}},
    }
    bounded = within_budget(schema, max_chars=3_000)
    assert bounded["$defs"]["a/b"] == schema["$defs"]["a/b"]
    assert bounded["$defs"]["Big"] == stand_in("Big")
    checked(bounded).validate({"x": {"note": "n", "big": ["anything"]}})


# -- tools of an interconnected document -----------------------------------------------------------


@pytest.fixture(scope="module")
def large_api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """500 Things, each naming the next: every tool's schema reaches all of them."""
    return load(write(tmp_path_factory.mktemp("large"), json.dumps(large_spec(500)), "large.json"))


def schemas_of(api: Api, index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The input schema of `updateThing{index}` and the output schema of `getThing{index}`."""
    converter = SchemaConverter(api)
    by_id = {operation.operation_id: operation for operation in api.operations}
    plan = plan_arguments(by_id[f"updateThing{index}"], partial(converter.json_schema, direction="request"))
    envelope = output_schema(by_id[f"getThing{index}"], partial(converter.json_schema, direction="response"))
    assert envelope is not None
    return plan.input_schema, envelope


def test_an_interconnected_documents_tool_schemas_stay_within_the_budget(large_api: Api) -> None:
    input_schema, envelope = schemas_of(large_api, 7)
    for schema in (input_schema, envelope):
        assert chars(schema) <= MAX_SCHEMA_CHARS
        checked(schema)
        # The nearest Things are whole, the first one past the budget stands in, and no farther one is named.
        kept = sorted(int(name[5:]) for name in schema["$defs"] if name.startswith("Thing"))
        assert kept == list(range(kept[0], kept[-1] + 1))
        assert left_out(schema) == {f"Thing{kept[-1]}"}
        assert stand_in(f"Thing{kept[-1]}")["description"].startswith(f"A Thing{kept[-1]} (")
        assert len(kept) > 20
    assert schemas_of(large_api, 7) == (input_schema, envelope)  # the same every time


def test_arguments_are_still_checked_where_their_schema_is_kept(large_api: Api) -> None:
    input_schema, _ = schemas_of(large_api, 7)
    validator = checked(input_schema)
    assert not validator.is_valid({"id": 1, "name": 5})
    assert not validator.is_valid({"id": 1, "name": "x", "related": {"name": "y", "address": {"city": 3}}})
    deep: dict[str, Any] = {"name": "x"}
    innermost = deep
    for _ in range(len(input_schema["$defs"])):
        innermost["related"] = {"name": "y"}
        innermost = innermost["related"]
    innermost["related"] = "past the kept definitions: whatever the API takes"
    assert validator.is_valid({"id": 1, **deep})


def test_a_result_past_the_kept_definitions_still_fits_the_output_schema(large_api: Api) -> None:
    _, envelope = schemas_of(large_api, 7)
    check = BodyCheck(envelope)
    deep: dict[str, Any] = {"id": 1, "name": "x"}
    innermost = deep
    for _ in range(len(envelope["$defs"])):
        innermost["related"] = {"id": 2, "name": "y"}
        innermost = innermost["related"]
    innermost["related"] = ["not", "a", "Thing"]
    assert check.problem(deep) is None
    assert check.problem({"id": 1, "name": 5}) is not None


# -- small documents -------------------------------------------------------------------------------


def test_the_schemas_of_small_real_apis_are_unchanged() -> None:
    sources = [HARBOUR_YAML, *(path for path in sorted(PUBLIC.glob("*.*")) if _is_openapi_3(path.name))]
    checked_schemas = 0
    for source in sources:
        api = load(source)
        converter = SchemaConverter(api)
        for operation in api.operations:
            for direction in ("request", "response"):
                nodes = [parameter.schema for parameter in operation.parameters]
                nodes += [operation.body.schema if operation.body else None]
                nodes += [response.schema for response in operation.responses]
                for node in filter(None, nodes):
                    schema = converter.json_schema(node, direction=direction)
                    assert within_budget(schema) is schema
                    checked_schemas += 1
            plan = plan_arguments(operation, partial(converter.json_schema, direction="request"))
            envelope = output_schema(operation, partial(converter.json_schema, direction="response"))
            assert not left_out(plan.input_schema)
            assert envelope is None or not left_out(envelope)
    assert checked_schemas > 300


def _is_openapi_3(name: str) -> bool:
    return not name.endswith(".md") and not name.startswith("swagger-2")
