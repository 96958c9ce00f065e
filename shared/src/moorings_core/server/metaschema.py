"""Checking that a JSON Schema is valid against its dialect's metaschema, fast for many schemas.

A server made from an OpenAPI document registers hundreds of tools at start-up, each schema checked
then so that a malformed one fails there and not on a model's first call. `jsonschema`'s own
`check_schema` takes about 7 ms for an operation's schema in the 2020-12 dialect (its metaschema
reaches every subschema through `$dynamicRef`, resolved afresh each time): 7 s for a thousand.

The operations of one document share most of their parts (a component schema in every `$defs`, the
same `{"type": "string"}` under many names), and in 2020-12 whether a subschema is valid does not
depend on where it sits: the metaschema checks each one by the same `$dynamicRef: "#meta"`, which
always resolves to the metaschema the check began with. So each subschema found valid is
remembered, and met again, is not walked again. Only valid subschemas are remembered: an invalid
one is walked every time, so its errors keep their path in the schema at hand.

Other dialects are checked by `jsonschema` as it comes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema
import referencing
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.protocols import Validator

# jsonschema's own copies of the metaschemas (a dependency of jsonschema; it has no type information)
from jsonschema_specifications import REGISTRY as METASCHEMAS  # type: ignore[import-untyped]
from referencing.jsonschema import DRAFT202012

__all__ = ["metaschema_error"]

_DIALECT = jsonschema.Draft202012Validator


def metaschema_error(dialect: type[Validator], schema: Mapping[str, Any]) -> ValidationError | None:
    """What makes `schema` invalid in `dialect` (the error `check_schema` would raise), or None."""
    if dialect is _DIALECT:
        return next(_remembering_checker().iter_errors(schema), None)
    try:
        dialect.check_schema(schema)
    except SchemaError as exc:
        return exc
    return None


_KNOWN_VALID: set[str] = set()
"""Subschemas found valid (as canonical JSON): parts of the schemas this process registered."""


def _remembered_dynamic_ref(
    validator: Validator, ref: str, instance: object, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """`$dynamicRef`, skipping a subschema already found valid."""
    try:
        key = json.dumps(instance, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):  # not JSON: never remembered, always walked
        key = None
    if key is not None and key in _KNOWN_VALID:
        return
    errors = list(_DIALECT.VALIDATORS["$dynamicRef"](validator, ref, instance, schema))
    if not errors and key is not None:
        _KNOWN_VALID.add(key)
    yield from errors


@cache
def _remembering_checker() -> Validator:
    """A validator of the 2020-12 metaschema that remembers the subschemas it found valid.

    The metaschema and its vocabularies are given without `$schema`: `jsonschema` picks the class
    of a referenced resource by its `$schema`, which would otherwise leave this one at the first
    reference.
    """
    root = _DIALECT.META_SCHEMA
    uris = [str(root["$id"]), *(_vocabulary_uri(str(root["$id"]), part["$ref"]) for part in root["allOf"])]
    registry: referencing.Registry[Any] = (
        referencing.Registry()
        .with_resources(
            (uri, DRAFT202012.create_resource(_without_dialect(METASCHEMAS.contents(uri)))) for uri in uris
        )
        .crawl()
    )  # its anchors found now, so they replace those of jsonschema's own copies
    remembering = jsonschema.validators.extend(_DIALECT, {"$dynamicRef": _remembered_dynamic_ref})
    return remembering(_without_dialect(root), registry=registry, format_checker=_DIALECT.FORMAT_CHECKER)


def _vocabulary_uri(root: str, ref: str) -> str:
    return root.rsplit("/", 1)[0] + "/" + ref


def _without_dialect(contents: Any) -> dict[str, Any]:
    return {key: value for key, value in contents.items() if key != "$schema"}
