"""OpenAPI schemas as self-contained JSON Schema (2020-12), the form tools advertise.

`SchemaConverter(api).json_schema(node, direction=...)` gives a schema that needs nothing else:
every `$ref` it reaches (`#/components/schemas/Pet`, `schemas/pet.yaml#/Pet`) becomes
`#/$defs/<name>` and the definition is copied into the result's `$defs`, with only the definitions
reachable from that node. A recursive schema (a tree whose children are trees, or two schemas that
name each other) stays finite because it recurs through `$defs`.

Names are readable and unique per converter (`Pet`, and `Pet_2` for another file's `Pet`), the same
name always meaning the same definition: the `$defs` of results of one direction may be merged.
A chain of bare refs (`A: {$ref: B}`) is followed to the schema it ends at; one that loops is a
`SpecError`, as is a ref that names nothing.

OpenAPI 3.0's dialect is rewritten to 2020-12: `nullable: true` adds "null" to `type` (and `null`
to `enum`; without a `type`, the schema becomes `anyOf: [..., {type: null}]`, as authors mean it),
boolean `exclusiveMinimum`/`exclusiveMaximum` take the number of `minimum`/`maximum`, `example`
becomes `examples`, and a `$ref`'s siblings are dropped, as 3.0 says. 3.1 schemas are already
2020-12 and keep their `$ref` siblings. Annotations no validator or model needs (`x-*`,
`discriminator`, `xml`, `externalDocs`, `$schema`, `$id`, `$comment`) are left out; so is
`$schema`, so results read as the 2020-12 default.

`direction="request"` leaves out properties marked `readOnly` (the server sets them),
`direction="response"` those marked `writeOnly`, and each from `required`.

Each component is converted once per direction and kept: a result's top-level object and its
`$defs` map are new for each call, the definitions in `$defs` are shared with the converter's memo,
so copy one before changing it.

A schema nested more than `MAX_DEPTH` levels, or larger than `MAX_NODES` nodes (a YAML alias bomb),
is a SpecError rather than a crash.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from moorings_openapi.documents import SpecError, type_name
from moorings_openapi.operations import Api, SchemaNode
from moorings_openapi.refs import Found, child, is_ref, resolve, resolve_pointer

__all__ = ["MAX_DEPTH", "MAX_NODES", "Direction", "SchemaConverter", "resolved_object"]

Direction = Literal["request", "response"]

MAX_DEPTH = 100
"""Nesting levels of one schema (refs to definitions do not count): real ones use a dozen."""
MAX_NODES = 100_000
"""Subschemas in one schema, refs to definitions not followed."""

_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = (
    "not",
    "items",
    "additionalProperties",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_LEFT_OUT = frozenset(
    {
        "$schema",
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$dynamicRef",
        "$comment",
        "$defs",  # reached only through refs, which land in the result's own $defs
        "definitions",
        "discriminator",
        "xml",
        "externalDocs",
        "nullable",
        "example",
    }
)
_HIDDEN_BY = {"request": "readOnly", "response": "writeOnly"}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")

Target = tuple[str, str]
"""A definition: the URI of its document and its pointer there."""


@dataclass(frozen=True)
class _Converted:
    schema: Any
    refs: frozenset[Target]
    """The definitions it names directly."""


class SchemaConverter:
    """Converts an `Api`'s schemas, remembering each definition it has converted.

    Made from what `load_api` returned: `SchemaConverter(api)`. It follows refs among
    `api.documents` (the documents `load_api` read) and reads `api.openapi` for the dialect; one
    converter per `Api`, kept for the server's life.
    """

    def __init__(self, api: Api) -> None:
        self._documents = _LoadedDocuments(api.documents)
        self._legacy = api.openapi.startswith("3.0")
        self._names: dict[Target, str] = {}
        self._taken: set[str] = set()
        self._definitions: dict[tuple[Target, Direction], _Converted] = {}
        self._nodes: dict[tuple[str, str, Direction], _Converted] = {}
        self._closures: dict[tuple[frozenset[Target], Direction], dict[str, Any]] = {}

    def json_schema(self, node: SchemaNode, *, direction: Literal["request", "response"]) -> dict[str, Any]:
        """`node` as a self-contained JSON Schema, for what the client sends or what it receives.

        Raises SpecError for a broken or looping `$ref` or a schema past the size limits.
        """
        key = (node.document, node.pointer, direction)
        if key not in self._nodes:
            self._nodes[key] = self._convert_body(Found(node.value, node.document, node.pointer), direction)
        root = self._nodes[key]
        schema = _as_object(root.schema)
        definitions = self._reachable(root.refs, direction)
        return {**schema, "$defs": definitions} if definitions else schema

    def _reachable(self, refs: frozenset[Target], direction: Direction) -> dict[str, Any]:
        """The definitions `refs` reach, by name; a copy, so that callers may add their own."""
        key = (refs, direction)
        if key not in self._closures:
            self._closures[key] = self._closure(refs, direction)
        return dict(self._closures[key])

    def _closure(self, refs: frozenset[Target], direction: Direction) -> dict[str, Any]:
        definitions: dict[str, Any] = {}
        pending, seen = list(refs), set(refs)
        while pending:
            target = pending.pop()
            converted = self._definition(target, direction)
            definitions[self._names[target]] = converted.schema
            pending.extend(converted.refs - seen)
            seen |= converted.refs
        return dict(sorted(definitions.items()))

    def _definition(self, target: Target, direction: Direction) -> _Converted:
        key = (target, direction)
        if key not in self._definitions:
            document, pointer = target
            value = _value_at(self._documents, target)
            self._definitions[key] = self._convert_body(Found(value, document, pointer), direction)
        return self._definitions[key]

    def _convert_body(self, found: Found, direction: Direction) -> _Converted:
        conversion = _Conversion(self, direction)
        schema = conversion.convert(found.value, found.document, found.pointer, depth=0)
        return _Converted(schema, frozenset(conversion.refs))

    # -- refs -----------------------------------------------------------------------------------

    def _target_of(self, ref: str, document: str, pointer: str) -> Target:
        """The definition a `$ref` names, past any bare refs, given a name in this converter."""
        found = resolve(self._documents, ref, document=document, pointer=pointer)
        visited = {(document, pointer)}
        while self._is_bare_ref(found.value):
            if (found.document, found.pointer) in visited:
                raise self._documents.error(document, pointer, f"$ref cycle: {ref!r} leads back to itself")
            visited.add((found.document, found.pointer))
            found = resolve(
                self._documents, found.value["$ref"], document=found.document, pointer=found.pointer
            )
        target = (found.document, found.pointer)
        if target not in self._names:
            self._names[target] = self._unique_name(target)
        return target

    def _value_of(self, target: Target) -> Any:
        return _value_at(self._documents, target)

    def _name_of(self, target: Target) -> str:
        return self._names[target]

    def _is_bare_ref(self, value: Any) -> bool:
        """A schema that is only a ref to another (3.0 ignores a ref's siblings; 3.1 has none here)."""
        return is_ref(value) and (self._legacy or len(value) == 1)

    def _unique_name(self, target: Target) -> str:
        document, pointer = target
        last = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~") if pointer != "#" else ""
        if not last:
            last = PurePosixPath(urllib.parse.urlsplit(document).path).stem
        base = _NAME_UNSAFE.sub("_", last).strip("_") or "schema"
        name, number = base, 1
        while name in self._taken:
            number += 1
            name = f"{base}_{number}"
        self._taken.add(name)
        return name

    def _error(self, document: str, pointer: str, problem: str) -> SpecError:
        return self._documents.error(document, pointer, problem)


class _Conversion:
    """The conversion of one schema body: it names definitions and never descends into them."""

    def __init__(self, converter: SchemaConverter, direction: Direction) -> None:
        self.converter = converter
        self.direction = direction
        self.refs: set[Target] = set()
        self.nodes = 0

    def convert(self, value: Any, document: str, pointer: str, *, depth: int) -> Any:
        if isinstance(value, bool):
            return value
        if not isinstance(value, dict):
            raise self.converter._error(
                document, pointer, f"expected a schema (an object), got {type_name(value)}"
            )
        self.nodes += 1
        if depth > MAX_DEPTH:
            raise self.converter._error(
                document,
                pointer,
                f"the schema is nested more than {MAX_DEPTH} levels deep, past what this server reads",
            )
        if self.nodes > MAX_NODES:
            raise self.converter._error(
                document,
                pointer,
                f"the schema has more than {MAX_NODES} subschemas, past what this server reads",
            )
        if is_ref(value) and self.converter._legacy:
            return {"$ref": self.ref(value["$ref"], document, pointer)}
        schema: dict[str, Any] = {}
        for key, member in value.items():
            if key in _LEFT_OUT or key.startswith("x-"):
                continue
            at = child(pointer, key)
            if key == "$ref" and isinstance(member, str):
                schema[key] = self.ref(member, document, pointer)
            elif key in _SCHEMA_MAPS and isinstance(member, dict):
                schema[key] = (
                    self.properties(member, document, at, depth)
                    if key == "properties"
                    else {
                        name: self.convert(sub, document, child(at, name), depth=depth + 1)
                        for name, sub in member.items()
                    }
                )
            elif key in _SCHEMA_LISTS and isinstance(member, list):
                schema[key] = [
                    self.convert(sub, document, child(at, index), depth=depth + 1)
                    for index, sub in enumerate(member)
                ]
            elif key == "items" and isinstance(member, list):  # draft-4 tuples, seen in the wild
                schema["prefixItems"] = [
                    self.convert(sub, document, child(at, index), depth=depth + 1)
                    for index, sub in enumerate(member)
                ]
            elif key in _SCHEMA_VALUES:
                schema[key] = self.convert(member, document, at, depth=depth + 1)
            else:
                schema[key] = member
        if "properties" in schema and isinstance(schema.get("required"), list):
            hidden = set(value["properties"]) - set(schema["properties"])
            schema["required"] = [name for name in schema["required"] if name not in hidden]
        _bounds_as_numbers(schema)
        if "example" in value and "examples" not in schema:
            schema["examples"] = [value["example"]]
        return _nullable(schema) if value.get("nullable") is True else schema

    def properties(
        self, properties: dict[str, Any], document: str, pointer: str, depth: int
    ) -> dict[str, Any]:
        """The properties the direction keeps (`readOnly` ones are not sent, `writeOnly` ones not read)."""
        return {
            name: self.convert(sub, document, child(pointer, name), depth=depth + 1)
            for name, sub in properties.items()
            if not self.hidden(sub, document, child(pointer, name))
        }

    def hidden(self, value: Any, document: str, pointer: str) -> bool:
        marker = _HIDDEN_BY[self.direction]
        if isinstance(value, dict) and marker in value:
            return value[marker] is True
        if not is_ref(value):
            return False
        target = self.converter._target_of(value["$ref"], document, pointer)
        referenced = self.converter._value_of(target)
        return isinstance(referenced, dict) and referenced.get(marker) is True

    def ref(self, ref: str, document: str, pointer: str) -> str:
        target = self.converter._target_of(ref, document, pointer)
        self.refs.add(target)
        return f"#/$defs/{self.converter._name_of(target)}"


def _bounds_as_numbers(schema: dict[str, Any]) -> None:
    """3.0's `exclusiveMinimum: true` beside `minimum: 5` is 2020-12's `exclusiveMinimum: 5`."""
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = schema.get(exclusive)
        if isinstance(flag, bool):
            del schema[exclusive]
            if flag and bound in schema:
                schema[exclusive] = schema.pop(bound)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = [*kind, "null"]
    elif schema:
        return {"anyOf": [schema, {"type": "null"}]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _as_object(schema: Any) -> dict[str, Any]:
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    return dict(schema)


def resolved_object(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema a result stands for: itself, or the definition its top-level `$ref` names.

    None when it is not an object schema (`type: object`, or `properties` given).
    """
    definitions = schema.get("$defs", {})
    seen: set[str] = set()
    while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/$defs/"):
        name = schema["$ref"].removeprefix("#/$defs/")
        if name in seen or not isinstance(definitions.get(name), dict):
            return None
        seen.add(name)
        schema = definitions[name]
    kind = schema.get("type")
    if kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in schema:
        return schema
    return None


def _value_at(documents: _LoadedDocuments, target: Target) -> Any:
    document, pointer = target
    return resolve_pointer(documents.trees[document], pointer)  # found by `resolve` already


class _LoadedDocuments:
    """The documents `load_api` read (already confined when read): refs only reach among them."""

    def __init__(self, trees: Mapping[str, Any]) -> None:
        self.trees = trees

    def locate(self, ref: str, *, base: str, pointer: str) -> tuple[str, str]:
        if ref.startswith("#"):  # most refs: skip the URL parsing
            return base, urllib.parse.unquote(ref[1:])
        target, fragment = urllib.parse.urldefrag(urllib.parse.urljoin(base, ref))
        return target, urllib.parse.unquote(fragment)

    def error(self, uri: str, pointer: str, problem: str) -> SpecError:
        label = uri
        if uri.startswith("file:"):
            label = urllib.request.url2pathname(urllib.parse.urlsplit(uri).path)
        return SpecError(label, pointer.removeprefix("#"), problem)
