"""How a tool's arguments map onto its operation's request, both ways.

`plan_arguments` makes one flat input schema from everything the operation takes: each path,
query, header and cookie parameter is an argument, and so is each field of an object body (one
with `properties`, nothing composed at its top and no other properties allowed); any other body
(an array, a string, a `oneOf`, a free-form object) is one argument, `body`. The model fills one
object of plain names instead of a nested `{path: {...}, body: {...}}`.

No argument is ever lost to another of the same name (a peer server lets a body field silently
overwrite a same-named path parameter): the first in the order path, query, header, cookie, body
keeps the name, a later one becomes `<location>_<name>` (`body_id`). Names are made legal for the
model APIs of hosts (`^[A-Za-z0-9_.-]{1,64}$`: `filter[status]` is offered as `filter_status`)
and the plan maps each back to the name the API uses.

Headers the HTTP layer owns are not offered: Accept, Content-Type and Authorization (the OpenAPI
specification says to ignore them), the ones that frame or route the request (Host,
Content-Length, ...) and Cookie; nor any parameter a credential occupies (`reserved`), so the
model can never override what the operator configured.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from moorings_core.errors import InvalidInput
from moorings_openapi.operations import Location, Operation, Parameter, RequestBody, SchemaNode

__all__ = [
    "BODY_ARGUMENT",
    "CLIENT_HEADERS",
    "Argument",
    "ArgumentPlan",
    "RequestParts",
    "Source",
    "plan_arguments",
    "split_arguments",
]

Source = Literal["path", "query", "header", "cookie", "body"]
"""Where an argument's value goes."""

BODY_ARGUMENT = "body"
"""The argument that holds a body which is not offered field by field."""

_PRIORITY: tuple[Source, ...] = ("path", "query", "header", "cookie", "body")
_MAX_ARGUMENT_NAME = 64
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_.-]+")
_COMPOSITION = ("allOf", "oneOf", "anyOf", "not", "if", "patternProperties", "unevaluatedProperties")

CLIENT_HEADERS: frozenset[str] = frozenset(
    {
        # OpenAPI 3: "If in is header and the name field is Accept, Content-Type or Authorization,
        # the parameter definition SHALL be ignored."
        "accept",
        "content-type",
        "authorization",
        # These frame or route the request: a model that set Host would pick another site on a
        # shared front end, one that set Content-Length would desynchronise the connection.
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "proxy-authorization",
        "proxy-connection",
        # Cookies go in one header, made from the cookie parameters.
        "cookie",
    }
)

_OCTET_STREAM_NOTE = "Binary content cannot be sent: give the body as text, which is sent as UTF-8 bytes."


@dataclass(frozen=True)
class Argument:
    """One top-level argument of a tool and where its value goes."""

    name: str
    """As the model spells it."""
    source: Source
    real_name: str
    """As the API spells it: the parameter's name, or the body field's (`body` for a whole body)."""
    required: bool


@dataclass(frozen=True)
class RequestParts:
    """A call's arguments sorted by where they go, under the API's own names."""

    path: dict[str, Any]
    query: dict[str, Any]
    header: dict[str, Any]
    cookie: dict[str, Any]
    body: Any = None
    has_body: bool = False
    """Whether a body is sent (`body` may be JSON null on purpose)."""

    def parameters(self, location: Location) -> dict[str, Any]:
        """The values for one location: `parts.parameters("query")` is `parts.query`."""
        values: dict[str, Any] = getattr(self, location)
        return values


@dataclass(frozen=True)
class ArgumentPlan:
    """An operation's tool arguments: the schema the model fills and how to take it apart."""

    input_schema: dict[str, Any]
    arguments: tuple[Argument, ...]
    body: Literal["none", "fields", "whole"]
    """No body; a body whose fields are arguments; or a body that is the `body`-like argument."""
    body_required: bool = False

    def argument(self, name: str) -> Argument | None:
        return next((argument for argument in self.arguments if argument.name == name), None)


def plan_arguments(
    operation: Operation,
    schema_of: Callable[[SchemaNode], dict[str, Any]],
    *,
    reserved: Collection[tuple[Location, str]] = (),
) -> ArgumentPlan:
    """The arguments of `operation`'s tool.

    `schema_of` turns a schema node into a self-contained JSON Schema (request direction, its
    definitions in `$defs`). `reserved` lists the `(location, lower-case name)` pairs the
    operator's credentials fill: those parameters are not offered.
    """
    reserved_names = {(location, name.lower()) for location, name in reserved}
    candidates: list[tuple[Source, str, dict[str, Any], bool]] = []
    definitions = _Definitions()
    for parameter in _offered_parameters(operation, reserved_names):
        schema = definitions.take(schema_of(parameter.schema) if parameter.schema else {})
        candidates.append(
            (parameter.location, parameter.name, _described(schema, parameter), parameter.required)
        )

    body_shape: Literal["none", "fields", "whole"] = "none"
    body = operation.body
    if body is not None:
        body_schema = definitions.take(schema_of(body.schema) if body.schema else {})
        fields = _mergeable_object(body_schema, definitions.merged)
        if fields is not None:
            body_shape = "fields"
            properties, required_fields = fields
            for field_name, field_schema in properties.items():
                is_required = body.required and field_name in required_fields
                candidates.append(("body", field_name, field_schema, is_required))
        else:
            body_shape = "whole"
            candidates.append(("body", BODY_ARGUMENT, _whole_body_schema(body_schema, body), body.required))

    arguments, properties = _named(candidates)
    input_schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [argument.name for argument in arguments if argument.required]
    if required:
        input_schema["required"] = required
    input_schema["additionalProperties"] = False
    if definitions.merged:
        input_schema["$defs"] = definitions.merged
    return ArgumentPlan(
        input_schema=input_schema,
        arguments=arguments,
        body=body_shape,
        body_required=body is not None and body.required,
    )


def split_arguments(plan: ArgumentPlan, arguments: Mapping[str, Any]) -> RequestParts:
    """Sort a call's arguments into the request's parts, under the API's names.

    A parameter given as null is left out (a URL cannot say null); a body field given as null is
    sent as null. A body that is optional and got no field is not sent. Raises InvalidInput for
    an argument the tool does not take or a required one that is missing (the input schema says
    the same; this holds even if a client skips it).
    """
    unknown = sorted(name for name in arguments if plan.argument(name) is None)
    if unknown:
        offered = ", ".join(argument.name for argument in plan.arguments) or "none"
        raise InvalidInput(
            f"unknown argument{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
            hint=f"The arguments this tool takes: {offered}.",
        )
    missing = [
        argument.name for argument in plan.arguments if argument.required and argument.name not in arguments
    ]
    if missing:
        raise InvalidInput(
            f"missing required argument{'s' if len(missing) > 1 else ''}: {', '.join(missing)}."
        )

    parameters: dict[Source, dict[str, Any]] = {source: {} for source in _PRIORITY}
    for argument in plan.arguments:
        if argument.name not in arguments:
            continue
        value = arguments[argument.name]
        if value is None and argument.source != "body":
            continue
        parameters[argument.source][argument.real_name] = value

    body_fields = parameters["body"]
    body: Any = None
    has_body = False
    if plan.body == "fields":
        has_body = bool(body_fields) or plan.body_required
        body = body_fields
    elif plan.body == "whole" and body_fields.get(BODY_ARGUMENT) is not None:
        has_body = True
        body = body_fields[BODY_ARGUMENT]
    return RequestParts(
        path=parameters["path"],
        query=parameters["query"],
        header=parameters["header"],
        cookie=parameters["cookie"],
        body=body if has_body else None,
        has_body=has_body,
    )


# --- parameters -----------------------------------------------------------------------------------


def _offered_parameters(
    operation: Operation, reserved: Collection[tuple[Location, str]]
) -> Iterator[Parameter]:
    for parameter in operation.parameters:
        if parameter.location == "header" and parameter.name.lower() in CLIENT_HEADERS:
            continue
        if (parameter.location, parameter.name.lower()) in reserved:
            continue
        yield parameter


def _described(schema: dict[str, Any], parameter: Parameter) -> dict[str, Any]:
    schema = dict(schema)
    if parameter.description:
        schema["description"] = parameter.description
    if parameter.deprecated:
        schema["deprecated"] = True
    return schema


# --- the body -------------------------------------------------------------------------------------


def _mergeable_object(
    schema: dict[str, Any], definitions: Mapping[str, Any]
) -> tuple[dict[str, Any], set[str]] | None:
    """The properties and required fields of an object body that can be offered field by field."""
    target = _through_ref(schema, definitions)
    if not isinstance(target, dict):
        return None
    properties = target.get("properties")
    if not isinstance(properties, dict) or not properties:
        return None
    if target.get("type", "object") != "object":
        return None
    if any(keyword in target for keyword in _COMPOSITION):
        return None
    if target.get("additionalProperties", False) is not False:
        return None
    required = target.get("required", [])
    return properties, set(required) if isinstance(required, list) else set()


def _through_ref(schema: dict[str, Any], definitions: Mapping[str, Any]) -> Any:
    """The schema a lone top-level `{"$ref": "#/$defs/Name"}` stands for, or the schema itself."""
    reference = schema.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/$defs/"):
        return schema
    if set(schema) - {"$ref", "description", "title"}:
        return schema  # a $ref with siblings adds constraints: not a plain object any more
    name = _unescape_pointer(reference.removeprefix("#/$defs/"))
    return definitions.get(name, schema)


def _whole_body_schema(schema: dict[str, Any], body: RequestBody) -> dict[str, Any]:
    schema = dict(schema)
    notes = [body.description] if body.description else []
    if body.media_type == "application/octet-stream":
        notes.append(_OCTET_STREAM_NOTE)
        schema.setdefault("type", "string")
    if notes:
        schema["description"] = " ".join(notes)
    return schema


# --- names ----------------------------------------------------------------------------------------


def _named(
    candidates: list[tuple[Source, str, dict[str, Any], bool]],
) -> tuple[tuple[Argument, ...], dict[str, Any]]:
    """Legal, distinct argument names: earlier sources first, later ones renamed `<source>_<name>`."""
    ordered = sorted(candidates, key=lambda candidate: _PRIORITY.index(candidate[0]))  # stable
    taken: set[str] = set()
    by_candidate: dict[int, str] = {}
    for index, (source, real_name, _schema, _required) in enumerate(ordered):
        name = _legal_name(real_name, source)
        if name in taken:
            name = _free_name(_legal_name(f"{source}_{name}", source), taken)
        taken.add(name)
        by_candidate[index] = name
    arguments = []
    properties: dict[str, Any] = {}
    # Listed in the document's order within each source, sources in priority order.
    for index, (source, real_name, schema, required) in enumerate(ordered):
        arguments.append(Argument(by_candidate[index], source, real_name, required))
        properties[by_candidate[index]] = schema
    return tuple(arguments), properties


def _legal_name(name: str, source: Source) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    legal = _NOT_ALLOWED.sub("_", ascii_name).strip("_")
    return legal[:_MAX_ARGUMENT_NAME] or f"{source}_argument"


def _free_name(name: str, taken: set[str]) -> str:
    candidate = name
    number = 2
    while candidate in taken:
        suffix = f"_{number}"
        candidate = name[: _MAX_ARGUMENT_NAME - len(suffix)] + suffix
        number += 1
    return candidate


# --- definitions ----------------------------------------------------------------------------------


class _Definitions:
    """The `$defs` of every argument's schema, gathered at the top of the input schema.

    Each converted schema is self-contained with its own `$defs`; refs point at `#/$defs/Name`,
    so the definitions must sit at the root of the input schema for the refs to resolve. Schemas
    converted from one document share their definitions. When two define a name differently
    (from different files), the later schema's definitions that are already taken are all renamed
    and its refs rewritten: renaming only the differing one would leave an identical neighbour
    that refers to it pointing at the wrong one.
    """

    def __init__(self) -> None:
        self.merged: dict[str, Any] = {}

    def take(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema without its `$defs`, which join `merged`."""
        own: dict[str, Any] | None = schema.get("$defs")
        if not isinstance(own, dict):
            return schema
        schema = {key: value for key, value in schema.items() if key != "$defs"}
        if all(self.merged.get(name, definition) == definition for name, definition in own.items()):
            self.merged.update(own)
            return schema
        renames: dict[str, str] = {}
        for name in own:
            if name in self.merged:
                renames[name] = self._free(name, own, renames)
        for name, definition in own.items():
            self.merged[renames.get(name, name)] = _rewrite_refs(definition, renames)
        rewritten: dict[str, Any] = _rewrite_refs(schema, renames)
        return rewritten

    def _free(self, name: str, own: Mapping[str, Any], renames: Mapping[str, str]) -> str:
        number = 2
        while (
            (candidate := f"{name}_{number}") in self.merged
            or candidate in own
            or candidate in renames.values()
        ):
            number += 1
        return candidate


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite_refs(value, renames) for key, value in node.items()}
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        name, slash, rest = reference.removeprefix("#/$defs/").partition("/")
        unescaped = _unescape_pointer(name)
        if unescaped in renames:
            rewritten["$ref"] = f"#/$defs/{_escape_pointer(renames[unescaped])}{slash}{rest}"
    return rewritten


def _unescape_pointer(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
