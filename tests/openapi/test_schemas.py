"""OpenAPI schemas as self-contained JSON Schema 2020-12, checked by a real validator.

Each converted schema must be a valid 2020-12 schema (`check_schema`) and accept and reject the
instances its author meant it to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import Draft202012Validator, validator_for

from moorings_openapi.documents import SpecError
from moorings_openapi.operations import Api, SchemaNode
from moorings_openapi.schemas import MAX_DEPTH, SchemaConverter, resolved_object
from tests.openapi.specs import HOSTILE, PUBLIC, SPLIT, large_spec, load

URI = "file:///specs/api.yaml"


def valid(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a converted schema, after checking it is valid 2020-12."""
    cls = validator_for(schema)
    assert cls is Draft202012Validator
    cls.check_schema(schema)
    return Draft202012Validator(schema)


def accepts(schema: dict[str, Any], instance: Any) -> bool:
    return bool(valid(schema).is_valid(instance))


def api_of(document: dict[str, Any], *, version: str = "3.0.3") -> Api:
    """An Api around one document, as `load_api` would keep it."""
    return Api(URI, version, "T", "1", "", (), (), documents={URI: document})


def node(pointer: str, document: dict[str, Any]) -> SchemaNode:
    value: Any = document
    for token in pointer.removeprefix("#/").split("/"):
        value = value[token.replace("~1", "/").replace("~0", "~")]
    return SchemaNode(value, pointer, URI)


def operation_schema(api: Api, operation_id: str, where: str) -> SchemaNode:
    [operation] = [operation for operation in api.operations if operation.operation_id == operation_id]
    found = operation.body.schema if where == "body" and operation.body else operation.responses[0].schema
    assert found is not None
    return found


def test_every_schema_of_every_public_document_converts_to_valid_2020_12() -> None:
    converted = 0
    for source in sorted(PUBLIC.glob("*.*")):
        if source.suffix == ".md" or source.name.startswith("swagger-2"):
            continue
        api = load(source)
        converter = SchemaConverter(api)
        for operation in api.operations:
            nodes = [parameter.schema for parameter in operation.parameters]
            nodes += [operation.body.schema if operation.body else None]
            nodes += [response.schema for response in operation.responses]
            for found in filter(None, nodes):
                for direction in ("request", "response"):
                    schema = converter.json_schema(found, direction=direction)
                    valid(schema)
                    json.dumps(schema)
                    converted += 1
    assert converted == 178


def test_refs_become_defs_under_readable_names_with_only_what_is_reachable() -> None:
    api = load(PUBLIC / "swagger-petstore-v3.yaml")
    converter = SchemaConverter(api)

    schema = converter.json_schema(operation_schema(api, "addPet", "body"), direction="request")

    assert schema["$ref"] == "#/$defs/Pet"
    assert sorted(schema["$defs"]) == ["Category", "Pet", "Tag"]
    pet = {
        "name": "doggie",
        "photoUrls": ["a.png"],
        "category": {"id": 1, "name": "Dogs"},
        "tags": [{"id": 2}],
    }
    assert accepts(schema, pet)
    assert not accepts(schema, {**pet, "tags": [{"id": "two"}]})
    assert not accepts(schema, {"name": "doggie"})
    assert resolved_object(schema) is schema["$defs"]["Pet"]


def test_a_recursive_schema_recurs_through_defs() -> None:
    api = load(HOSTILE / "recursive.yaml")
    converter = SchemaConverter(api)

    tree = converter.json_schema(operation_schema(api, "plantTree", "body"), direction="request")

    assert sorted(tree["$defs"]) == ["Node"]
    assert tree["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert accepts(tree, {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "label": None}]}]})
    assert not accepts(tree, {"value": 1, "children": [{"value": 2, "children": [{"label": "no value"}]}]})


def test_mutually_recursive_schemas_are_all_defined() -> None:
    api = load(HOSTILE / "recursive.yaml")
    converter = SchemaConverter(api)

    forest = converter.json_schema(operation_schema(api, "plantTree", "response"), direction="response")

    assert sorted(forest["$defs"]) == ["Forest", "Node", "Tree"]
    assert accepts(forest, {"trees": [{"forest": {"trees": []}, "root": {"value": 1}}]})
    assert not accepts(forest, {"trees": [{"forest": {"trees": [{"root": {"value": "one"}}]}}]})


def test_the_3_0_dialect_is_rewritten() -> None:
    api = load(HOSTILE / "nullable.yaml")
    converter = SchemaConverter(api)
    schema = converter.json_schema(operation_schema(api, "putReading", "body"), direction="request")
    reading = schema["$defs"]["Reading"]

    assert reading["properties"]["value"] == {
        "type": ["number", "null"],
        "exclusiveMinimum": 0,
        "maximum": 100,
    }
    assert reading["properties"]["level"] == {
        "type": ["string", "null"],
        "enum": ["low", "high", None],
        "examples": ["low"],
    }
    assert reading["properties"]["note"] == {
        "anyOf": [{"allOf": [{"$ref": "#/$defs/Note"}]}, {"type": "null"}]
    }
    assert reading["properties"]["unit"] == {"$ref": "#/$defs/Unit"}
    base = {"value": 1, "level": "low", "secret": "s"}
    assert accepts(schema, base)
    assert accepts(schema, {**base, "value": None, "level": None, "note": None})
    assert not accepts(schema, {**base, "value": 0})
    assert accepts(schema, {**base, "value": 100})
    assert not accepts(schema, {**base, "level": "medium"})
    assert not accepts(schema, {**base, "note": "longer than ten"})
    assert not accepts(schema, {**base, "unit": None})


def test_read_only_properties_are_not_sent_and_write_only_ones_not_read() -> None:
    api = load(HOSTILE / "nullable.yaml")
    converter = SchemaConverter(api)
    body = operation_schema(api, "putReading", "body")

    request = converter.json_schema(body, direction="request")["$defs"]["Reading"]
    response = converter.json_schema(body, direction="response")["$defs"]["Reading"]

    assert "id" not in request["properties"]  # readOnly, through its $ref to Id
    assert request["required"] == ["value", "level", "secret"]
    assert "secret" not in response["properties"]
    assert response["required"] == ["id", "value", "level"]


def test_a_split_specs_schemas_are_gathered_from_every_file() -> None:
    api = load(SPLIT / "openapi.yaml")
    converter = SchemaConverter(api)
    list_pets = api.operations[0]
    assert list_pets.responses[0].schema is not None

    pets = converter.json_schema(list_pets.responses[0].schema, direction="response")

    assert pets["items"] == {"$ref": "#/$defs/pet"}
    assert sorted(pets["$defs"]) == ["Owner", "pet"]
    assert pets["$defs"]["pet"]["properties"]["born"] == {
        "type": "string",
        "format": "date",
        "examples": ["2019-05-01"],
    }
    assert accepts(
        pets, [{"id": 1, "name": "Rex", "owner": {"name": "Ann", "pets": [{"id": 2, "name": "Tom"}]}}]
    )
    assert not accepts(pets, [{"id": 1, "name": "Rex", "owner": {"pets": [{"id": 2}]}}])


def test_names_are_unique_and_results_share_converted_definitions(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("Pet: {type: object, properties: {legs: {type: integer}}}\n")
    (tmp_path / "openapi.yaml").write_text(
        'openapi: 3.1.0\ninfo: {title: T, version: "1"}\npaths:\n  /a:\n    get:\n      responses:\n'
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema:\n                type: object\n                properties:\n"
        '                  mine: {$ref: "#/components/schemas/Pet"}\n'
        '                  theirs: {$ref: "other.yaml#/Pet"}\n'
        "components:\n  schemas:\n    Pet: {type: object, properties: {name: {type: string}}}\n"
    )
    api = load(tmp_path / "openapi.yaml")
    converter = SchemaConverter(api)
    response = api.operations[0].responses[0].schema
    assert response is not None

    first = converter.json_schema(response, direction="response")
    again = converter.json_schema(response, direction="response")

    assert first["properties"] == {"mine": {"$ref": "#/$defs/Pet"}, "theirs": {"$ref": "#/$defs/Pet_2"}}
    assert first["$defs"]["Pet_2"]["properties"] == {"legs": {"type": "integer"}}
    assert again["$defs"]["Pet"] is first["$defs"]["Pet"]
    assert accepts(first, {"mine": {"name": "x"}, "theirs": {"legs": 4}})
    assert not accepts(first, {"theirs": {"legs": "four"}})


def test_3_1_ref_siblings_are_kept_and_3_0_ones_dropped() -> None:
    document = {
        "components": {
            "schemas": {
                "Name": {"type": "string"},
                "Short": {"$ref": "#/components/schemas/Name", "maxLength": 3},
            }
        }
    }
    short = node("#/components/schemas/Short", document)

    in_3_1 = SchemaConverter(api_of(document, version="3.1.0")).json_schema(short, direction="request")
    in_3_0 = SchemaConverter(api_of(document)).json_schema(short, direction="request")

    assert in_3_1 == {"$ref": "#/$defs/Name", "maxLength": 3, "$defs": {"Name": {"type": "string"}}}
    assert in_3_0 == {"$ref": "#/$defs/Name", "$defs": {"Name": {"type": "string"}}}
    assert not accepts(in_3_1, "long")
    assert accepts(in_3_0, "long")


def test_boolean_schemas() -> None:
    converter = SchemaConverter(api_of({}, version="3.1.0"))
    anything = converter.json_schema(SchemaNode(True, "#/x", URI), direction="request")
    nothing = converter.json_schema(SchemaNode(False, "#/y", URI), direction="request")

    assert (anything, nothing) == ({}, {"not": {}})
    assert accepts(anything, {"a": 1})
    assert not accepts(nothing, {"a": 1})


def test_a_chain_of_bare_refs_ends_at_the_schema_and_a_loop_is_refused() -> None:
    document = {
        "components": {
            "schemas": {
                "Alias": {"$ref": "#/components/schemas/Real"},
                "Real": {"type": "integer"},
                "Loop": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/A"}}},
                "A": {"$ref": "#/components/schemas/B"},
                "B": {"$ref": "#/components/schemas/A"},
            }
        }
    }
    converter = SchemaConverter(api_of(document))

    alias = converter.json_schema(node("#/components/schemas/Alias", document), direction="request")
    with pytest.raises(SpecError) as raised:
        converter.json_schema(node("#/components/schemas/Loop", document), direction="request")

    assert alias == {"$ref": "#/$defs/Real", "$defs": {"Real": {"type": "integer"}}}
    assert str(raised.value) == (
        "/specs/api.yaml at /components/schemas/Loop/properties/x: "
        "$ref cycle: '#/components/schemas/A' leads back to itself"
    )


def test_a_broken_schema_ref_names_where_it_is_written() -> None:
    document = {
        "components": {"schemas": {"Pet": {"properties": {"owner": {"$ref": "#/components/schemas/Owner"}}}}}
    }

    with pytest.raises(SpecError) as raised:
        SchemaConverter(api_of(document)).json_schema(
            node("#/components/schemas/Pet", document), direction="request"
        )

    assert str(raised.value) == (
        "/specs/api.yaml at /components/schemas/Pet/properties/owner: "
        "$ref '#/components/schemas/Owner' is broken: there is no 'Owner' in /components/schemas"
    )


def test_a_schema_nested_ten_thousand_deep_is_an_error_not_a_crash() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(10_000):
        deep = {"type": "array", "items": deep}
    document = {"components": {"schemas": {"Deep": deep}}}

    with pytest.raises(SpecError) as raised:
        SchemaConverter(api_of(document)).json_schema(
            node("#/components/schemas/Deep", document), direction="request"
        )

    assert str(raised.value).startswith("/specs/api.yaml at /components/schemas/Deep/items/items/")
    assert str(raised.value).endswith(
        f"the schema is nested more than {MAX_DEPTH} levels deep, past what this server reads"
    )


def test_a_yaml_alias_bomb_is_an_error_not_a_hang() -> None:
    level: Any = {"type": "string"}
    for _ in range(12):  # each level names the one below ten times: 10**12 subschemas, written in a few lines
        level = {"anyOf": [level] * 10}
    document = {"components": {"schemas": {"Bomb": level}}}

    with pytest.raises(SpecError, match="more than 100000 subschemas"):
        SchemaConverter(api_of(document)).json_schema(
            node("#/components/schemas/Bomb", document), direction="request"
        )


def test_resolved_object_sees_through_a_top_level_ref() -> None:
    assert resolved_object({"type": "object", "properties": {}}) == {"type": "object", "properties": {}}
    assert resolved_object(
        {"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"properties": {}}}}
    ) == {"properties": {}}
    assert resolved_object({"$ref": "#/$defs/A", "$defs": {"A": {"type": "string"}}}) is None
    assert resolved_object({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}}) is None


def test_a_chain_through_every_component_converts_each_once() -> None:
    document = large_spec(60)
    api = api_of(document)
    converter = SchemaConverter(api)
    schema = converter.json_schema(
        node("#/paths/~1things7~1{id}/post/requestBody/content/application~1json/schema", document),
        direction="request",
    )

    # Every Thing relates to the next one: all 60 are reachable, each converted once.
    assert len(schema["$defs"]) == 61
    assert "id" not in schema["$defs"]["Thing7"]["properties"]
    assert accepts(schema, {"name": "x", "related": {"name": "y", "address": {"city": "Oslo"}}})
    assert not accepts(schema, {"name": "x", "related": {"address": {"city": "Oslo"}}})
