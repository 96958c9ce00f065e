"""The metaschema check of schema tools (`metaschema_error`): `jsonschema`'s verdict, remembered."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from jsonschema.exceptions import SchemaError

from moorings_core.server import metaschema
from moorings_core.server.metaschema import metaschema_error

DIALECT = jsonschema.Draft202012Validator

COMPONENT: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 1}, "tags": {"$ref": "#/$defs/Tags"}},
}
VALID: list[dict[str, Any]] = [
    {"type": "object", "$defs": {"Pet": COMPONENT, "Tags": {"type": "array", "items": {"type": "string"}}}},
    {"type": "object", "properties": {"pet": COMPONENT, "when": {"type": "string", "format": "date"}}},
    {"type": "object", "properties": {"p": {"pattern": "^[a-z]+$"}}, "patternProperties": {"^x-": True}},
    {"type": "object", "properties": {"n": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}},
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"a": {}}},
]
INVALID: list[dict[str, Any]] = [
    {"type": "object", "properties": {"pet": {**COMPONENT, "type": "objet"}}},  # a known part, changed
    {"type": "object", "$defs": {"Pet": {**COMPONENT, "properties": {"name": {"minLength": -1}}}}},
    {"type": "object", "properties": {"p": {"pattern": "[unclosed"}}},  # format "regex" is checked
    {"type": "object", "properties": {"n": {"anyOf": []}}},
    {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "strin"}}}},
    {"type": "object", "required": "name"},
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"a": {"type": 5}},
    },
]


def jsonschemas_verdict(schema: dict[str, Any]) -> tuple[str, list[Any]] | None:
    dialect = jsonschema.validators.validator_for(schema, default=DIALECT)
    try:
        dialect.check_schema(schema)
    except SchemaError as exc:
        return exc.message, list(exc.absolute_path)
    return None


def ours(schema: dict[str, Any]) -> tuple[str, list[Any]] | None:
    error = metaschema_error(jsonschema.validators.validator_for(schema, default=DIALECT), schema)
    return None if error is None else (error.message, list(error.absolute_path))


@pytest.mark.parametrize("schema", VALID + INVALID)
def test_the_verdict_and_where_it_points_are_jsonschemas(schema: dict[str, Any]) -> None:
    for _ in range(2):  # the second time, every valid part is already known
        assert ours(schema) == jsonschemas_verdict(schema)


def test_a_part_found_invalid_stays_invalid_after_the_valid_schemas_are_known() -> None:
    for schema in VALID:
        assert ours(schema) is None
    assert [ours(schema) for schema in INVALID] == [jsonschemas_verdict(schema) for schema in INVALID]
    assert all(verdict is not None for verdict in map(ours, INVALID))


def test_the_valid_parts_of_a_2020_12_schema_are_remembered() -> None:
    # The speed depends on the checker keeping its own class through the metaschema's references:
    # if jsonschema stopped honouring our registry, nothing below the root would be remembered.
    part = {"type": "string", "description": "remembered part of test_metaschema"}
    assert ours({"type": "object", "properties": {"x": {"type": "array", "items": part}}}) is None
    assert (
        '{"description": "remembered part of test_metaschema", "type": "string"}' in metaschema._KNOWN_VALID
    )
