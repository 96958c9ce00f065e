"""The operations of an OpenAPI document, as plain records read once at start-up.

Everything the server does with an operation (its tool's name and schemas, the request a call
sends, the description the model reads) works from these records. `$ref`s to parameters, request
bodies, responses and security schemes are already followed here; schemas stay as the document
wrote them, with where they were written (`SchemaNode`), and become JSON Schema only when a tool
needs them (`moorings_openapi.schemas`), so that a document of thousands of operations loads fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "HTTP_METHODS",
    "Api",
    "Location",
    "Operation",
    "Parameter",
    "RequestBody",
    "Response",
    "SchemaNode",
    "SecurityScheme",
]

Location = Literal["path", "query", "header", "cookie"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
"""The methods a path item may hold operations for, in the order the specification lists them."""


@dataclass(frozen=True)
class SchemaNode:
    """A schema where the document has it, `$ref`s not yet followed.

    `value` is the node itself (an object, or a boolean in 3.1); `pointer` is its JSON pointer
    as a URI fragment (`#/paths/~1pets/get/responses/200/content/application~1json/schema`),
    `document` the URI of the file it is in (the spec's own, or a file a relative `$ref` named).
    """

    value: Any
    pointer: str
    document: str


@dataclass(frozen=True)
class Parameter:
    """One parameter of an operation (path-level ones merged in, the operation's winning)."""

    name: str
    """As the API spells it: what goes in the URL, the header or the cookie."""
    location: Location
    required: bool
    """Always true for path parameters."""
    schema: SchemaNode | None
    description: str = ""
    style: str | None = None
    explode: bool | None = None
    deprecated: bool = False
    media_type: str | None = None
    """Set when the parameter is given by `content` rather than `schema` (a JSON-encoded value)."""


@dataclass(frozen=True)
class RequestBody:
    """The body an operation takes, in the media type the server will send."""

    media_type: str
    """Chosen among those offered: JSON first, then form, multipart, text, anything else."""
    schema: SchemaNode | None
    required: bool
    description: str = ""
    media_types: tuple[str, ...] = ()
    """Every media type the operation accepts, in the document's order."""


@dataclass(frozen=True)
class Response:
    """One documented response: its status (`200`, `2XX` or `default`) and what it holds."""

    status: str
    description: str
    media_type: str | None = None
    """The media type whose schema is given (JSON first), or None when there is no content."""
    schema: SchemaNode | None = None


@dataclass(frozen=True)
class SecurityScheme:
    """A `components.securitySchemes` entry, as far as the server can supply it."""

    name: str
    """Its key in `components.securitySchemes`."""
    type: str
    """`apiKey`, `http`, `oauth2`, `openIdConnect` or `mutualTLS`."""
    scheme: str | None = None
    """For `http`: `bearer`, `basic`, ... (lower-case)."""
    parameter_name: str | None = None
    """For `apiKey`: the header, query parameter or cookie that carries the key."""
    location: Literal["header", "query", "cookie"] | None = None
    """For `apiKey`: where the key goes."""
    description: str = ""


@dataclass(frozen=True)
class Operation:
    """One operation: a method on a path."""

    method: str
    """Upper-case: `GET`, `POST`, ..."""
    path: str
    """The path template as the document has it: `/pets/{petId}`."""
    pointer: str
    """Where it is in the document: `#/paths/~1pets~1{petId}/get`."""
    operation_id: str | None
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    body: RequestBody | None = None
    responses: tuple[Response, ...] = ()
    security: tuple[dict[str, tuple[str, ...]], ...] = ()
    """The requirements in force (the operation's, else the document's): any one of them
    satisfied is enough; an empty requirement `{}` means no credentials are needed."""
    deprecated: bool = False
    servers: tuple[str, ...] = ()
    """The operation's or its path's own server URLs, variables filled with their defaults."""

    @property
    def read_only(self) -> bool:
        return self.method in ("GET", "HEAD", "OPTIONS", "TRACE")

    @property
    def label(self) -> str:
        """How messages name it: `GET /pets/{petId}`."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Api:
    """A loaded OpenAPI document: what it says about itself and its operations."""

    source: str
    """The path or URL the document was read from, as the operator gave it."""
    openapi: str
    """The OpenAPI version the document declares: `3.0.3`, `3.1.0`, ..."""
    title: str
    version: str
    description: str
    servers: tuple[str, ...]
    """The document's server URLs, variables filled with their defaults, relative ones resolved
    against the document's URL (or left relative for a file)."""
    operations: tuple[Operation, ...]
    security_schemes: dict[str, SecurityScheme] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    """Tag names to their descriptions, in the document's order."""
    documents: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The parsed documents by URI (the spec's and those its `$ref`s name), where `SchemaNode`s'
    refs are followed (`moorings_openapi.schemas.SchemaConverter`)."""
