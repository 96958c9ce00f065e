"""Hypothesis strategies for a tool's arguments, valid and invalid, from its JSON Schema input schema.

`valid_arguments(schema, pools)` draws arguments the schema accepts; `invalid_arguments(schema,
pools)` draws `Invalid` ones, each wrong in exactly one argument (a wrong type, a value out of
range or outside an enum, a required argument left out, an unexpected one added) and saying which,
so a test can demand that the refusal names it.

The strategy is our own, over the part of draft 2020-12 that pydantic 2 emits for tool parameters:
`type` (one or a list), `enum`, `const`, `anyOf`/`oneOf`, local `$ref` into `$defs`, numeric bounds,
string lengths and `pattern`, arrays (`items`, `prefixItems`, item counts, `uniqueItems`) and objects
(`properties`, `required`, `additionalProperties`). Annotations (`title`, `description`, `default`,
...) are ignored. Any other keyword raises `UnsupportedSchema` naming it: a strategy that skipped a
keyword it did not understand would quietly call "valid" what the server refuses.

`pools` are lists of candidates for every string the schema asks for (hostile paths, SQL, ...), each
pool drawn from as often as random text: a schema alone only yields random text, which rarely means
anything to a tool. Candidates that break the string's own constraints are left out. `text_fits`, when
given, keeps only the random text it accepts (the fuzzer keeps random paths from naming anything
outside its sandbox).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from jsonschema import validators

__all__ = ["Invalid", "TextCheck", "UnsupportedSchema", "invalid_arguments", "json_type", "valid_arguments"]

Schema = Mapping[str, Any] | bool
TextCheck = Callable[[str], bool]

_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment"}
)
_KEYWORDS = {
    "type", "enum", "const", "anyOf", "oneOf", "$ref", "$defs",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "pattern",
    "items", "prefixItems", "minItems", "maxItems", "uniqueItems",
    "properties", "required", "additionalProperties",
}  # fmt: skip
_JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
_WRONG_VALUES: tuple[object, ...] = (None, True, 0, -1, 1.5, "", "5", "true", [], ["x"], {}, {"x": 1})
"""A few values of every JSON type: those of a type a schema does not take are wrong-type values."""
_UNBOUNDED_ITEMS = 4  # most items drawn for an array without maxItems


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this strategy does not generate for."""


@dataclass(frozen=True)
class Invalid:
    """Arguments wrong in one argument only: `argument`, for the reason `problem`."""

    arguments: dict[str, Any]
    argument: str
    problem: str


def json_type(value: object) -> str:
    """The JSON Schema type of a JSON value (1.0 is an integer, as JSON Schema counts)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def valid_arguments(
    schema: Mapping[str, Any], pools: Sequence[Sequence[str]] = (), *, text_fits: TextCheck | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments `schema` (a tool's object input schema) accepts."""
    return _Generator(schema, pools, text_fits).object_values(schema)


def invalid_arguments(
    schema: Mapping[str, Any], pools: Sequence[Sequence[str]] = (), *, text_fits: TextCheck | None = None
) -> st.SearchStrategy[Invalid]:
    """Arguments `schema` refuses, each wrong in one named argument."""
    return _Generator(schema, pools, text_fits).wrong_objects(schema)


class _Generator:
    """Strategies for the subschemas of one root schema (which `$ref`s point into)."""

    def __init__(
        self, root: Mapping[str, Any], pools: Sequence[Sequence[str]], text_fits: TextCheck | None
    ) -> None:
        self._root = root
        self._pools = [tuple(pool) for pool in pools]
        self._text_fits = text_fits
        self._refs: dict[str, st.SearchStrategy[Any]] = {}
        self._wrong_refs: dict[str, st.SearchStrategy[Any]] = {}

    # -- valid values ------------------------------------------------------------------------------

    def values(self, schema: Schema) -> st.SearchStrategy[Any]:
        """Values `schema` accepts."""
        if schema is True:
            return _any_json(self._text(_no_constraints))
        if schema is False:
            return st.nothing()
        _check_keywords(schema)
        if "$ref" in schema:
            _alone(schema, "$ref")
            return self._ref(schema["$ref"])
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                _alone(schema, combinator)
                # oneOf: a value matching two branches is refused, but pydantic's unions do not overlap.
                return st.one_of([self.values(branch) for branch in schema[combinator]])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        return st.one_of([self._typed(schema, kind) for kind in _types_of(schema)])

    def _typed(self, schema: Mapping[str, Any], kind: str) -> st.SearchStrategy[Any]:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return _integers(schema)
        if kind == "number":
            return _integers(schema) | _floats(schema)
        if kind == "string":
            return self._text(schema)
        if kind == "array":
            return self._arrays(schema)
        return self.object_values(schema)

    def _text(self, schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
        fits = _string_check(schema)
        pattern = schema.get("pattern")
        drawn = (
            st.from_regex(pattern).filter(fits)
            if pattern is not None
            else st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength"))
        )
        if self._text_fits is not None:
            drawn = drawn.filter(self._text_fits)
        candidates = [[text for text in pool if fits(text)] for pool in self._pools]
        return st.one_of(drawn, *(st.sampled_from(fitting) for fitting in candidates if fitting))

    def _arrays(self, schema: Mapping[str, Any]) -> st.SearchStrategy[list[Any]]:
        if isinstance(schema.get("items"), list):
            raise UnsupportedSchema("items as a list (before draft 2020-12, which says prefixItems)")
        prefix = [self.values(item) for item in schema.get("prefixItems", ())]
        least, most = schema.get("minItems", 0), schema.get("maxItems")
        if schema.get("uniqueItems") and prefix:
            raise UnsupportedSchema("uniqueItems with prefixItems")
        if most is not None and most < len(prefix):
            raise UnsupportedSchema("maxItems below the number of prefixItems")
        rest = self.values(schema.get("items", True))
        extra_least = max(0, least - len(prefix))
        extra_most = (extra_least + _UNBOUNDED_ITEMS) if most is None else most - len(prefix)
        unique = _json_key if schema.get("uniqueItems") else None
        tail = st.lists(rest, min_size=extra_least, max_size=extra_most, unique_by=unique)
        return st.tuples(st.tuples(*prefix), tail).map(lambda parts: [*parts[0], *parts[1]])

    def object_values(self, schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        _check_keywords(schema)
        properties: Mapping[str, Schema] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        named = st.fixed_dictionaries(
            {name: self.values(properties.get(name, True)) for name in sorted(required)},
            optional={name: self.values(sub) for name, sub in properties.items() if name not in required},
        )
        additional = schema.get("additionalProperties", True)
        if additional is False:
            return named
        keys = self._text(_no_constraints).filter(lambda key: key not in properties)
        extras = st.dictionaries(keys, self.values(additional), max_size=3)
        return st.tuples(extras, named).map(lambda parts: {**parts[0], **parts[1]})

    def _ref(self, ref: str) -> st.SearchStrategy[Any]:
        if ref not in self._refs:
            target = _resolve(self._root, ref)
            # Deferred, so that a schema referring to itself (a tree) does not recurse forever here.
            self._refs[ref] = st.deferred(lambda: self.values(target))
        return self._refs[ref]

    # -- invalid values ----------------------------------------------------------------------------

    def wrong_objects(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Invalid]:
        """Objects wrong in exactly one property, saying which and how."""
        valid = self.object_values(schema)
        properties: Mapping[str, Schema] = schema.get("properties", {})
        ways: list[st.SearchStrategy[Invalid]] = []
        for name in sorted(set(schema.get("required", ()))):
            ways.append(st.builds(_without, valid, st.just(name)))
        if schema.get("additionalProperties", True) is False:
            names = _unexpected_names(properties)
            ways.append(st.builds(_with_unexpected, valid, names, _any_json(st.text(max_size=5))))
        # A property that takes anything has no wrong value: its way is empty, and one_of skips it.
        ways.extend(
            st.builds(_with_wrong, valid, st.just(name), self.wrong_values(sub))
            for name, sub in properties.items()
        )
        return st.one_of(ways)

    def wrong_values(self, schema: Schema) -> st.SearchStrategy[Any]:
        """Values `schema` refuses, wrong in one way each; empty when it accepts everything."""
        if isinstance(schema, bool):
            return st.nothing() if schema else _any_json(st.text(max_size=5))
        if "$ref" in schema:
            return self._wrong_ref(schema["$ref"])
        accepted = _accepted_types(self._root, schema)
        wrong_type = [value for value in _WRONG_VALUES if not _takes(accepted, json_type(value))]
        ways = [st.sampled_from(wrong_type)] if wrong_type else []
        for branch in schema.get("anyOf", schema.get("oneOf", [schema])):
            ways.extend(self._just_outside(branch))
        # A value just outside one branch may still fit another: only refused ones are kept.
        check = _acceptance(self._root, schema)
        return st.one_of(ways).filter(lambda value: not check(value)) if ways else st.nothing()

    def _just_outside(self, schema: Schema) -> list[st.SearchStrategy[Any]]:
        """Values of the schema's own type that break one of its constraints."""
        if isinstance(schema, bool):
            return []
        if "$ref" in schema:
            return [self._wrong_ref(schema["$ref"])]
        near: list[object] = []
        if "minimum" in schema:
            near.append(schema["minimum"] - 1)
        if "maximum" in schema:
            near.append(schema["maximum"] + 1)
        near.extend(schema[bound] for bound in ("exclusiveMinimum", "exclusiveMaximum") if bound in schema)
        if schema.get("minLength", 0) > 0:
            near.append("x" * (schema["minLength"] - 1))
        if "maxLength" in schema:
            near.append("x" * (schema["maxLength"] + 1))
        for choices in (schema.get("enum"), [schema["const"]] if "const" in schema else None):
            # A model's likely slips: another case, a near spelling, nothing.
            for choice in choices or ():
                if isinstance(choice, str):
                    near.extend([choice.upper(), choice.capitalize(), f"{choice}s", ""])
        ways: list[st.SearchStrategy[Any]] = [st.sampled_from(near)] if near else []
        if "array" in _types_of(schema):
            ways.extend(self._wrong_arrays(schema))
        if "object" in _types_of(schema) and "properties" in schema:
            ways.append(self.wrong_objects(schema).map(lambda invalid: invalid.arguments))
        return ways

    def _wrong_ref(self, ref: str) -> st.SearchStrategy[Any]:
        if ref not in self._wrong_refs:
            target = _resolve(self._root, ref)
            self._wrong_refs[ref] = st.deferred(lambda: self.wrong_values(target))
        return self._wrong_refs[ref]

    def _wrong_arrays(self, schema: Mapping[str, Any]) -> list[st.SearchStrategy[list[Any]]]:
        item = self.values(schema.get("items", True))
        ways: list[st.SearchStrategy[list[Any]]] = []
        if schema.get("minItems", 0) > 0:
            ways.append(st.lists(item, min_size=schema["minItems"] - 1, max_size=schema["minItems"] - 1))
        if "maxItems" in schema:
            ways.append(st.lists(item, min_size=schema["maxItems"] + 1, max_size=schema["maxItems"] + 1))
        if schema.get("uniqueItems"):
            ways.append(item.map(lambda value: [value, value]))
        ways.append(self.wrong_values(schema.get("items", True)).map(lambda value: [value]))
        return ways


# -- pure helpers ----------------------------------------------------------------------------------

_no_constraints: Mapping[str, Any] = {}


def _check_keywords(schema: Mapping[str, Any]) -> None:
    unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
    if unknown:
        raise UnsupportedSchema(f"no strategy for the keyword(s) {sorted(unknown)} in {dict(schema)}")


def _alone(schema: Mapping[str, Any], keyword: str) -> None:
    """`keyword` must stand with annotations (and `$defs`) only: we do not intersect schemas."""
    beside = set(schema) - _ANNOTATIONS - {keyword, "$defs"}
    if beside:
        raise UnsupportedSchema(f"{sorted(beside)} beside {keyword} in {dict(schema)}")


def _types_of(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type", list(_JSON_TYPES))
    kinds = [declared] if isinstance(declared, str) else list(declared)
    if "integer" in kinds and "number" in kinds:
        kinds.remove("integer")  # numbers draw integers too
    return kinds


def _accepted_types(root: Mapping[str, Any], schema: Schema) -> set[str]:
    """The JSON types some value of which `schema` accepts."""
    if isinstance(schema, bool):
        return set(_JSON_TYPES) if schema else set()
    if "$ref" in schema:
        return _accepted_types(root, _resolve(root, schema["$ref"]))
    branches = schema.get("anyOf", schema.get("oneOf"))
    if branches is not None:
        return set().union(*(_accepted_types(root, branch) for branch in branches))
    if "const" in schema:
        return {json_type(schema["const"])}
    if "enum" in schema:
        return {json_type(choice) for choice in schema["enum"]}
    return set(_types_of(schema)) | ({"integer"} if "number" in _types_of(schema) else set())


def _takes(accepted: set[str], kind: str) -> bool:
    return kind in accepted or (kind == "integer" and "number" in accepted)


def _acceptance(root: Mapping[str, Any], schema: Schema) -> Callable[[object], bool]:
    """Whether a value fits `schema`, by the validator the server uses (`$ref`s resolved in `root`)."""
    document = schema if isinstance(schema, bool) else {**schema, "$defs": root.get("$defs", {})}
    validator = validators.validator_for(root)(document)
    return validator.is_valid  # type: ignore[no-any-return]


def _resolve(root: Mapping[str, Any], ref: str) -> Schema:
    if not ref.startswith("#/"):
        raise UnsupportedSchema(f"$ref {ref!r}: only references inside the schema are generated for")
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target  # type: ignore[no-any-return]


def _string_check(schema: Mapping[str, Any]) -> Callable[[str], bool]:
    least, most, pattern = schema.get("minLength", 0), schema.get("maxLength"), schema.get("pattern")
    compiled = re.compile(pattern) if pattern is not None else None

    def fits(text: str) -> bool:
        # JSON Schema counts code points, as Python's len does.
        within = least <= len(text) and (most is None or len(text) <= most)
        return within and (compiled is None or compiled.search(text) is not None)

    return fits


def _integers(schema: Mapping[str, Any]) -> st.SearchStrategy[int]:
    low, low_excluded = _lower_bound(schema)
    high, high_excluded = _upper_bound(schema)
    least = None if low is None else math.floor(low) + 1 if low_excluded else math.ceil(low)
    most = None if high is None else math.ceil(high) - 1 if high_excluded else math.floor(high)
    if least is not None and most is not None and least > most:
        return st.nothing()  # no integer between the bounds (a number schema still has its floats)
    return st.integers(min_value=least, max_value=most)


def _floats(schema: Mapping[str, Any]) -> st.SearchStrategy[float]:
    low, low_excluded = _lower_bound(schema)
    high, high_excluded = _upper_bound(schema)
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min=low_excluded,
        exclude_max=high_excluded,
        allow_nan=False,
        allow_infinity=False,
    )


def _lower_bound(schema: Mapping[str, Any]) -> tuple[float | None, bool]:
    """The tighter of `minimum` and `exclusiveMinimum`, and whether it is excluded."""
    inclusive, exclusive = schema.get("minimum"), schema.get("exclusiveMinimum")
    if exclusive is not None and (inclusive is None or exclusive >= inclusive):
        return exclusive, True
    return inclusive, False


def _upper_bound(schema: Mapping[str, Any]) -> tuple[float | None, bool]:
    """The tighter of `maximum` and `exclusiveMaximum`, and whether it is excluded."""
    inclusive, exclusive = schema.get("maximum"), schema.get("exclusiveMaximum")
    if exclusive is not None and (inclusive is None or exclusive <= inclusive):
        return exclusive, True
    return inclusive, False


def _any_json(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = (
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text
    )

    def containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)

    return st.recursive(scalars, containers, max_leaves=5)


def _json_key(value: object) -> object:
    """A hashable key equal for values JSON Schema calls equal (1 and 1.0; not 1 and true)."""
    if isinstance(value, list):
        return ("array", tuple(_json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _json_key(item)) for key, item in value.items()))
    return (json_type(value) if isinstance(value, bool) or value is None else "scalar", value)


def _without(arguments: dict[str, Any], name: str) -> Invalid:
    rest = {key: value for key, value in arguments.items() if key != name}
    return Invalid(rest, name, "required, left out")


def _with_unexpected(arguments: dict[str, Any], name: str, value: object) -> Invalid:
    return Invalid({**arguments, name: value}, name, "not a parameter")


def _with_wrong(arguments: dict[str, Any], name: str, value: object) -> Invalid:
    return Invalid({**arguments, name: value}, name, "a value the schema refuses")


def _unexpected_names(properties: Mapping[str, object]) -> st.SearchStrategy[str]:
    """Names that are no parameter: a model's likely slips on the real ones, and plain words."""
    slips: set[str] = set()
    for name in properties:
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
        camel = re.sub(r"_([a-z])", lambda match: match.group(1).upper(), name)
        slips.update({snake, camel, name.lower(), f"{name}s", name[:-1]})
    slips = {slip for slip in slips if slip and slip not in properties}
    words = st.from_regex(r"[a-z][a-zA-Z0-9_]{0,11}", fullmatch=True).filter(
        lambda word: word not in properties
    )
    return st.sampled_from(sorted(slips)) | words if slips else words
