"""Operation records written by hand, with schemas that are already plain JSON Schema.

The call side takes its JSON Schema from a `schema_of` callable; here the nodes hold JSON Schema
already, so `schema_of` only hands the value back (a copy, so no test shares a mutable schema).
"""

from __future__ import annotations

import copy
from typing import Any

from moorings_openapi.operations import Location, Operation, Parameter, RequestBody, Response, SchemaNode


def node(value: Any) -> SchemaNode:
    return SchemaNode(value=value, pointer="#/test", document="test.json")


def schema_of(schema: SchemaNode) -> dict[str, Any]:
    value: dict[str, Any] = copy.deepcopy(schema.value)
    return value


def parameter(
    name: str,
    location: Location,
    schema: Any = None,
    *,
    required: bool | None = None,
    style: str | None = None,
    explode: bool | None = None,
    description: str = "",
    deprecated: bool = False,
    media_type: str | None = None,
) -> Parameter:
    return Parameter(
        name=name,
        location=location,
        required=location == "path" if required is None else required,
        schema=node(schema if schema is not None else {"type": "string"}),
        description=description,
        style=style,
        explode=explode,
        deprecated=deprecated,
        media_type=media_type,
    )


def body(
    schema: Any, *, media_type: str = "application/json", required: bool = True, description: str = ""
) -> RequestBody:
    return RequestBody(
        media_type=media_type,
        schema=None if schema is None else node(schema),
        required=required,
        description=description,
        media_types=(media_type,),
    )


def operation(
    method: str = "GET",
    path: str = "/pets",
    *,
    operation_id: str | None = None,
    parameters: tuple[Parameter, ...] = (),
    request_body: RequestBody | None = None,
    security: tuple[dict[str, tuple[str, ...]], ...] = (),
    responses: tuple[Response, ...] = (),
) -> Operation:
    return Operation(
        method=method,
        path=path,
        pointer=f"#/paths/{path.replace('/', '~1')}/{method.lower()}",
        operation_id=operation_id,
        parameters=parameters,
        body=request_body,
        security=security,
        responses=responses,
    )
