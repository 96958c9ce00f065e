"""Argument plans: one flat input schema, no argument lost to a clash, and the way back to the request."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moorings_core.errors import InvalidInput
from moorings_openapi.arguments import CLIENT_HEADERS, ArgumentPlan, plan_arguments, split_arguments
from moorings_openapi.operations import Operation
from tests.openapi.call_records import body, operation, parameter, schema_of

PET = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "tag": {"type": "string"}},
    "required": ["name"],
}


def plan(op: Operation, **options: Any) -> ArgumentPlan:
    result = plan_arguments(op, schema_of, **options)
    jsonschema.Draft202012Validator.check_schema(result.input_schema)
    return result


def test_parameters_become_arguments_with_their_descriptions() -> None:
    op = operation(
        "GET",
        "/pets/{petId}",
        parameters=(
            parameter("petId", "path", {"type": "integer"}, description="The pet to show."),
            parameter("fields", "query", {"type": "array", "items": {"type": "string"}}),
            parameter("X-Trace", "header", deprecated=True),
            parameter("session", "cookie"),
        ),
    )
    result = plan(op)
    assert result.input_schema == {
        "type": "object",
        "properties": {
            "petId": {"type": "integer", "description": "The pet to show."},
            "fields": {"type": "array", "items": {"type": "string"}},
            "X-Trace": {"type": "string", "deprecated": True},
            "session": {"type": "string"},
        },
        "required": ["petId"],
        "additionalProperties": False,
    }
    assert result.body == "none"


def test_an_object_body_is_offered_field_by_field() -> None:
    op = operation(
        "POST",
        "/pets",
        parameters=(parameter("dryRun", "query", {"type": "boolean"}),),
        request_body=body(PET),
    )
    result = plan(op)
    assert list(result.input_schema["properties"]) == ["dryRun", "id", "name", "tag"]
    assert result.input_schema["required"] == ["name"]
    assert result.body == "fields"
    parts = split_arguments(result, {"name": "Rex", "dryRun": True})
    assert parts.query == {"dryRun": True}
    assert parts.body == {"name": "Rex"}
    assert parts.has_body


def test_fields_of_an_optional_body_are_not_required_and_an_empty_one_is_not_sent() -> None:
    result = plan(operation("PATCH", "/pets", request_body=body(PET, required=False)))
    assert "required" not in result.input_schema
    parts = split_arguments(result, {})
    assert not parts.has_body
    assert parts.body is None


def test_a_required_body_with_no_fields_given_is_sent_empty() -> None:
    result = plan(operation("POST", "/pets", request_body=body({"type": "object", "properties": {"a": {}}})))
    parts = split_arguments(result, {})
    assert parts.has_body
    assert parts.body == {}


def test_a_body_behind_a_ref_is_looked_through_and_its_defs_kept_at_the_top() -> None:
    schema = {
        "$ref": "#/$defs/NewPet",
        "$defs": {
            "NewPet": {
                "type": "object",
                "properties": {"owner": {"$ref": "#/$defs/Owner"}},
                "required": ["owner"],
            },
            "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    }
    result = plan(operation("POST", "/pets", request_body=body(schema)))
    assert result.body == "fields"
    assert result.input_schema["properties"] == {"owner": {"$ref": "#/$defs/Owner"}}
    assert result.input_schema["required"] == ["owner"]
    assert set(result.input_schema["$defs"]) == {"NewPet", "Owner"}
    validator = jsonschema.Draft202012Validator(result.input_schema)
    assert validator.is_valid({"owner": {"name": "Ann"}})
    assert not validator.is_valid({"owner": {"name": 7}})


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": PET},
        {"type": "string"},
        {"oneOf": [PET, {"type": "string"}]},
        {"allOf": [PET]},
        {"type": "object", "additionalProperties": True, "properties": {"a": {}}},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "object"},
        {"$ref": "#/$defs/Free", "$defs": {"Free": {"type": "object"}}},
    ],
    ids=["array", "string", "oneOf", "allOf", "open-object", "map", "free-form", "ref-to-free-form"],
)
def test_other_bodies_are_one_argument_named_body(schema: dict[str, Any]) -> None:
    result = plan(operation("POST", "/things", request_body=body(schema)))
    assert result.body == "whole"
    assert list(result.input_schema["properties"]) == ["body"]
    assert result.input_schema["required"] == ["body"]
    parts = split_arguments(result, {"body": [1, 2]})
    assert parts.body == [1, 2]
    assert parts.has_body


def test_a_body_without_a_schema_is_one_argument_of_any_value() -> None:
    result = plan(operation("POST", "/things", request_body=body(None, required=False)))
    assert result.input_schema["properties"] == {"body": {}}
    assert not split_arguments(result, {}).has_body


def test_an_octet_stream_body_says_binary_must_be_given_as_text() -> None:
    op = operation(
        "PUT",
        "/files",
        request_body=body({"type": "string", "format": "binary"}, media_type="application/octet-stream"),
    )
    description = plan(op).input_schema["properties"]["body"]["description"]
    assert "as text" in description


def test_a_body_field_never_overwrites_a_path_parameter_of_the_same_name() -> None:
    op = operation(
        "PUT",
        "/pets/{id}",
        parameters=(parameter("id", "path"), parameter("id", "query"), parameter("id", "header")),
        request_body=body(PET),
    )
    result = plan(op)
    assert list(result.input_schema["properties"]) == [
        "id",
        "query_id",
        "header_id",
        "body_id",
        "name",
        "tag",
    ]
    parts = split_arguments(
        result, {"id": "7", "query_id": "q", "header_id": "h", "body_id": 9, "name": "Rex"}
    )
    assert parts.path == {"id": "7"}
    assert parts.query == {"id": "q"}
    assert parts.header == {"id": "h"}
    assert parts.body == {"id": 9, "name": "Rex"}


def test_a_renamed_argument_that_is_still_taken_gets_a_number() -> None:
    op = operation(
        "POST",
        "/x/{id}",
        parameters=(parameter("id", "path"), parameter("body_id", "query")),
        request_body=body({"type": "object", "properties": {"id": {}, "body_id": {}}}),
    )
    names = list(plan(op).input_schema["properties"])
    assert names == ["id", "body_id", "body_id_2", "body_body_id"]


def test_a_body_named_body_clashing_with_a_parameter_is_renamed() -> None:
    op = operation(
        "POST", "/x", parameters=(parameter("body", "query"),), request_body=body({"type": "array"})
    )
    result = plan(op)
    assert list(result.input_schema["properties"]) == ["body", "body_body"]
    parts = split_arguments(result, {"body": "q", "body_body": [1]})
    assert parts.query == {"body": "q"}
    assert parts.body == [1]


def test_names_are_made_legal_and_mapped_back() -> None:
    op = operation(
        "GET",
        "/search",
        parameters=(
            parameter("filter[status]", "query"),
            parameter("$select", "query"),
            parameter("größe", "query"),
            parameter("日本", "query"),
            parameter("x" * 80, "query"),
        ),
    )
    result = plan(op)
    names = list(result.input_schema["properties"])
    assert names[:3] == ["filter_status", "select", "groe"]
    assert names[3] == "query_argument"
    assert names[4] == "x" * 64
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name) for name in names)
    parts = split_arguments(result, {"filter_status": "sold", "select": "id", "query_argument": "j"})
    assert parts.query == {"filter[status]": "sold", "$select": "id", "日本": "j"}


def test_headers_the_client_owns_are_not_offered() -> None:
    op = operation(
        "GET",
        "/x",
        parameters=tuple(
            parameter(name, "header")
            for name in (
                "Accept",
                "content-type",
                "Authorization",
                "Host",
                "Content-Length",
                "Cookie",
                "X-Ok",
            )
        ),
    )
    assert list(plan(op).input_schema["properties"]) == ["X-Ok"]


def test_parameters_a_credential_fills_are_not_offered() -> None:
    op = operation(
        "DELETE",
        "/pet/{petId}",
        parameters=(
            parameter("api_key", "header"),
            parameter("petId", "path"),
            parameter("api_key", "query"),
        ),
    )
    result = plan(op, reserved=[("header", "api_key")])
    assert list(result.input_schema["properties"]) == ["petId", "api_key"]
    assert split_arguments(result, {"petId": "1", "api_key": "k"}).query == {"api_key": "k"}


def test_unknown_and_missing_arguments_are_refused_with_the_ones_allowed() -> None:
    result = plan(
        operation(
            "GET", "/pets/{petId}", parameters=(parameter("petId", "path"), parameter("limit", "query"))
        )
    )
    with pytest.raises(InvalidInput, match="unknown argument: petid") as refused:
        split_arguments(result, {"petid": "1"})
    assert refused.value.hint is not None
    assert "petId, limit" in refused.value.hint
    with pytest.raises(InvalidInput, match="missing required argument: petId"):
        split_arguments(result, {"limit": 3})


def test_a_null_parameter_is_left_out_but_a_null_body_field_is_sent() -> None:
    op = operation(
        "PATCH",
        "/pets",
        parameters=(parameter("limit", "query"),),
        request_body=body({"type": "object", "properties": {"tag": {"type": ["string", "null"]}}}),
    )
    parts = split_arguments(plan(op), {"limit": None, "tag": None})
    assert parts.query == {}
    assert parts.body == {"tag": None}


def test_definitions_of_the_same_name_from_different_files_are_both_kept() -> None:
    pet_a = {"type": "object", "properties": {"a": {"type": "string"}}}
    pet_b = {"type": "object", "properties": {"b": {"type": "integer"}}}
    owner = {"type": "object", "properties": {"pet": {"$ref": "#/$defs/Pet"}}}
    op = operation(
        "POST",
        "/x",
        parameters=(
            parameter("q", "query", {"$ref": "#/$defs/Owner", "$defs": {"Pet": pet_a, "Owner": owner}}),
        ),
        request_body=body(
            {"type": "array", "items": {"$ref": "#/$defs/Owner"}, "$defs": {"Pet": pet_b, "Owner": owner}}
        ),
    )
    schema = plan(op).input_schema
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"q": {"pet": {"a": "x"}}, "body": [{"pet": {"b": 1}}]})
    assert not validator.is_valid({"q": {"pet": {"a": 1}}, "body": []})
    assert not validator.is_valid({"q": {}, "body": [{"pet": {"b": "x"}}]})


def test_the_same_operation_always_gives_the_same_plan() -> None:
    op = operation("PUT", "/pets/{id}", parameters=(parameter("id", "path"),), request_body=body(PET))
    assert plan(op) == plan(op)


_LOCATIONS = st.sampled_from(["path", "query", "header", "cookie", "body"])


@given(st.lists(st.tuples(_LOCATIONS, st.text(min_size=1, max_size=80)), max_size=12, unique=True))
def test_every_parameter_and_body_field_gets_its_own_legal_argument(places: list[tuple[str, str]]) -> None:
    parameters = tuple(
        parameter(name, location)  # type: ignore[arg-type]
        for location, name in places
        if location != "body" and not (location == "header" and name.lower() in CLIENT_HEADERS)
    )
    fields = {name: {"type": "string"} for location, name in places if location == "body"}
    request_body = body({"type": "object", "properties": fields}) if fields else None
    result = plan(operation("POST", "/x", parameters=parameters, request_body=request_body))
    names = [argument.name for argument in result.arguments]
    assert len(names) == len(parameters) + len(fields)
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name) for name in names)
    # Each argument's value arrives at its own place under its own name.
    parts = split_arguments(result, {name: f"value of {name}" for name in names})
    arrived = {
        (location, real): value
        for location in ("path", "query", "header", "cookie")
        for real, value in parts.parameters(location).items()
    }
    arrived.update({("body", real): value for real, value in (parts.body or {}).items()})
    expected = {
        (argument.source, argument.real_name): f"value of {argument.name}" for argument in result.arguments
    }
    assert arrived == expected
    assert set(expected) == {(p.location, p.name) for p in parameters} | {("body", name) for name in fields}
