"""Reading an OpenAPI 3.0 or 3.1 document into an `Api`: its operations, servers and security.

`load_api` reads the spec and every file its `$ref`s name (`documents`), then walks `paths` once.
It checks what the server relies on and nothing more: the shapes it reads (an object where an
object must be, a parameter's `name` and `in`, a path parameter for each `{name}` in a path, no
parameter twice), since a full metaschema validation takes seconds on a large spec and refuses
documents that work. Each problem is a `SpecError` naming the file, the JSON pointer and the reason.

What it settles for the rest of the server:

- path-level parameters merged into each operation, the operation's winning on the same name and
  location; a path parameter no `{name}` in the path uses is dropped (it could go nowhere), and
  header parameters `Accept`, `Content-Type` and `Authorization` are dropped as the spec says;
- the request body's media type: JSON (`application/json`, then `+json`), form, multipart, text,
  anything else; and each response's schema in the same order of preference;
- the security requirements in force: the operation's `security`, else the document's;
- server URLs with their variables set to their defaults, relative ones resolved against the
  document's URL (for a file they stay relative: the operator must give the base URL). No `servers`
  means `/`, as the spec says.

Schemas are not read here: they stay `SchemaNode`s, converted when a tool needs one (`schemas`).
Webhooks and callbacks are requests the API makes, not operations to call: they are not read.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, get_args

from moorings_openapi.documents import Documents, ReadUrl, SpecError, type_name
from moorings_openapi.operations import (
    HTTP_METHODS,
    Api,
    Location,
    Operation,
    Parameter,
    RequestBody,
    Response,
    SchemaNode,
    SecurityScheme,
)
from moorings_openapi.refs import Found, child, follow, is_ref

__all__ = ["load_api", "preferred_media_type"]

_SUPPORTED_VERSION = re.compile(r"3\.[01](\.\d+)?([-+].*)?")
_LOCATIONS: tuple[str, ...] = get_args(Location)
_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
# The spec says these header parameters "SHALL be ignored": the server sets them itself.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_SCHEME_TYPES = ("apiKey", "http", "oauth2", "openIdConnect", "mutualTLS")


async def load_api(source: str, *, read_url: ReadUrl | None = None) -> Api:
    """Read the OpenAPI document at `source` (a file path, or an http(s) URL read with `read_url`).

    Raises SpecError, one line for the operator, when it cannot be used.
    """
    documents = Documents(source, read_url=read_url)
    root = await documents.load(documents.root)
    version = _openapi_version(documents, root)
    await documents.load_referenced()
    return _Reader(documents, root, version).api()


def preferred_media_type(media_types: list[str]) -> str | None:
    """The media type the server would rather send or read: JSON, form, multipart, text, other."""
    return min(media_types, key=_media_rank, default=None)


def _media_rank(media_type: str) -> int:
    essence = media_type.split(";", 1)[0].strip().lower()
    if essence == "application/json":
        return 0
    if essence.endswith("+json") or essence in ("text/json", "application/x-json"):
        return 1
    if essence == "application/x-www-form-urlencoded":
        return 2
    if essence == "multipart/form-data":
        return 3
    return 4 if essence.startswith("text/") else 5


def _openapi_version(documents: Documents, root: Any) -> str:
    label = documents.label(documents.root)
    if not isinstance(root, dict):
        raise SpecError(label, "", f"expected an OpenAPI document (an object), got {type_name(root)}")
    if "swagger" in root:
        raise SpecError(
            label,
            "",
            f"this is a Swagger {root['swagger']} document, and this server reads OpenAPI 3.0 and 3.1: "
            f"convert it first, e.g. `npx swagger2openapi {label} -o openapi.json` "
            "or with the converter at https://converter.swagger.io",
        )
    if "openapi" not in root:
        raise SpecError(label, "", "not an OpenAPI document: it has no `openapi` field (e.g. openapi: 3.1.0)")
    version = str(root["openapi"])
    if not _SUPPORTED_VERSION.fullmatch(version):
        raise SpecError(label, "/openapi", f"OpenAPI {version} is not supported: expected 3.0.x or 3.1.x")
    return version


class _Reader:
    """One walk over a loaded document, settling what `Api` holds."""

    def __init__(self, documents: Documents, root: dict[str, Any], version: str) -> None:
        self.documents = documents
        self.root = root
        self.version = version
        self.schemes: dict[str, SecurityScheme] = {}

    def api(self) -> Api:
        info = self.at("#/info")
        self.object(info, optional=True)
        self.schemes = self.security_schemes()
        default_security = self.security(self.at("#/security"))
        servers = self.servers(self.at("#/servers")) or (self.server_url("/"),)
        return Api(
            source=self.documents.source,
            openapi=self.version,
            title=self.text(self.field(info, "title")),
            version=self.text(self.field(info, "version")),
            description=self.text(self.field(info, "description")),
            servers=servers,
            operations=self.operations(default_security),
            security_schemes=self.schemes,
            tags=self.tags(),
            documents=self.documents.trees,
        )

    # -- the shapes of values -------------------------------------------------------------------

    def at(self, pointer: str) -> Found:
        """The value at `pointer` in the spec itself (None when it is not there)."""
        value: Any = self.root
        for token in pointer.split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            value = value.get(key) if isinstance(value, dict) else None
        return Found(value, self.documents.root, pointer)

    def error(self, found: Found, problem: str) -> SpecError:
        return self.documents.error(found.document, found.pointer, problem)

    def field(self, found: Found, key: str) -> Found:
        """A member of an object (None when missing): `found.value` must be a dict."""
        return Found(found.value.get(key), found.document, child(found.pointer, key))

    def followed(self, found: Found) -> Found:
        """`found`, its refs followed."""
        return follow(self.documents, found) if is_ref(found.value) else found

    def object(self, found: Found, *, optional: bool = False) -> dict[str, Any]:
        if found.value is None and optional:
            return {}
        if not isinstance(found.value, dict):
            raise self.error(found, f"expected an object, got {type_name(found.value)}")
        return found.value

    def sequence(self, found: Found) -> list[Any]:
        if found.value is None:
            return []
        if not isinstance(found.value, list):
            raise self.error(found, f"expected a list, got {type_name(found.value)}")
        return found.value

    def text(self, found: Found, *, required: bool = False) -> str:
        if found.value is None and not required:
            return ""
        if not isinstance(found.value, str):
            raise self.error(found, f"expected a string, got {type_name(found.value)}")
        return found.value

    def flag(self, found: Found) -> bool:
        if found.value is None:
            return False
        if not isinstance(found.value, bool):
            raise self.error(found, f"expected true or false, got {type_name(found.value)}")
        return found.value

    def schema(self, found: Found) -> SchemaNode | None:
        if found.value is None:
            return None
        if not isinstance(found.value, (dict, bool)):
            raise self.error(found, f"expected a schema (an object), got {type_name(found.value)}")
        return SchemaNode(found.value, found.pointer, found.document)

    # -- paths and operations -------------------------------------------------------------------

    def operations(
        self, default_security: tuple[dict[str, tuple[str, ...]], ...] | None
    ) -> tuple[Operation, ...]:
        paths = self.at("#/paths")
        if paths.value is None and self.version.startswith("3.1"):
            return ()  # 3.1 documents may hold only webhooks or components
        operations: list[Operation] = []
        for template in self.object(paths):
            if template.startswith("x-"):
                continue
            if not template.startswith("/"):
                raise self.error(paths, f"path {template!r} does not start with '/'")
            operations.extend(self.path_item(template, self.field(paths, template), default_security))
        return tuple(operations)

    def path_item(
        self, template: str, written: Found, default_security: tuple[dict[str, tuple[str, ...]], ...] | None
    ) -> list[Operation]:
        item = self.followed(written)
        fields = self.object(item)
        if is_ref(written.value):  # 3.1: a path item's own fields beside its $ref add to the target's
            fields = {**fields, **{key: value for key, value in written.value.items() if key != "$ref"}}
        item = Found(fields, item.document, item.pointer)
        shared = self.parameters(self.field(item, "parameters"))
        servers = self.servers(self.field(item, "servers"))
        return [
            self.operation(template, method, item, written.pointer, shared, servers, default_security)
            for method in HTTP_METHODS
            if method in fields
        ]

    def operation(
        self,
        template: str,
        method: str,
        item: Found,
        item_pointer: str,
        shared: dict[tuple[str, str], Parameter],
        path_servers: tuple[str, ...],
        default_security: tuple[dict[str, tuple[str, ...]], ...] | None,
    ) -> Operation:
        found = self.field(item, method)
        fields = self.object(found)
        at = self.field  # shorthand: a member of the operation
        parameters = {**shared, **self.parameters(at(found, "parameters"))}
        security = self.security(at(found, "security"))
        return Operation(
            method=method.upper(),
            path=template,
            pointer=child(item_pointer, method),
            operation_id=self.text(at(found, "operationId")) or None,
            summary=self.text(at(found, "summary")) or self.text(self.field(item, "summary")),
            description=self.text(at(found, "description")) or self.text(self.field(item, "description")),
            tags=tuple(self.text(tag, required=True) for tag in self.items(at(found, "tags"))),
            parameters=self.path_parameters_checked(template, found, parameters),
            body=self.request_body(at(found, "requestBody")),
            responses=self.responses(at(found, "responses")),
            security=(security if "security" in fields else default_security) or (),
            deprecated=self.flag(at(found, "deprecated")),
            servers=self.servers(at(found, "servers")) or path_servers,
        )

    def items(self, found: Found) -> list[Found]:
        return [
            Found(value, found.document, child(found.pointer, index))
            for index, value in enumerate(self.sequence(found))
        ]

    def path_parameters_checked(
        self, template: str, operation: Found, parameters: dict[tuple[str, str], Parameter]
    ) -> tuple[Parameter, ...]:
        variables = _TEMPLATE_VARIABLE.findall(template)
        for variable in variables:
            if (variable, "path") not in parameters:
                raise self.error(
                    operation,
                    f"the path {template} has {{{variable}}} but no path parameter {variable!r} is defined "
                    "(add one to the operation's or the path's parameters, with in: path)",
                )
        return tuple(
            parameter
            for parameter in parameters.values()
            if parameter.location != "path" or parameter.name in variables
        )

    def parameters(self, found: Found) -> dict[tuple[str, str], Parameter]:
        """Parameters by (name, location); header names compare regardless of case."""
        parameters: dict[tuple[str, str], Parameter] = {}
        first_at: dict[tuple[str, str], str] = {}
        for entry in self.items(found):
            parameter = self.parameter(self.followed(entry))
            key = (
                parameter.name.lower() if parameter.location == "header" else parameter.name,
                parameter.location,
            )
            if key in first_at:
                raise self.error(
                    entry,
                    f"parameter {parameter.name!r} in {parameter.location} is defined twice "
                    f"(also at {first_at[key].removeprefix('#')})",
                )
            first_at[key] = entry.pointer
            if parameter.location == "header" and key[0] in _IGNORED_HEADERS:
                continue
            parameters[key] = parameter
        return parameters

    def parameter(self, found: Found) -> Parameter:
        fields = self.object(found)
        name = self.text(self.field(found, "name"), required=True)
        location = self.field(found, "in")
        if location.value not in _LOCATIONS:
            raise self.error(
                location if location.value is not None else found,
                f"parameter {name!r}: `in` is {location.value!r}, expected one of {', '.join(_LOCATIONS)}",
            )
        schema, media_type = self.schema(self.field(found, "schema")), None
        if schema is None and "content" in fields:  # a value in a media type, e.g. JSON in a query
            content = self.field(found, "content")
            media_type = preferred_media_type(list(self.object(content)))
            if media_type is not None:
                media = self.field(content, media_type)
                self.object(media)
                schema = self.schema(self.field(media, "schema"))
        return Parameter(
            name=name,
            location=location.value,
            required=location.value == "path" or self.flag(self.field(found, "required")),
            schema=schema,
            description=self.text(self.field(found, "description")),
            style=self.text(self.field(found, "style")) or None,
            explode=None if fields.get("explode") is None else self.flag(self.field(found, "explode")),
            deprecated=self.flag(self.field(found, "deprecated")),
            media_type=media_type,
        )

    def request_body(self, written: Found) -> RequestBody | None:
        if written.value is None:
            return None
        found = self.followed(written)
        self.object(found)
        content = self.field(found, "content")
        media_types = list(self.object(content, optional=True))
        media_type = preferred_media_type(media_types)
        if media_type is None:
            return None
        media = self.field(content, media_type)
        self.object(media)
        return RequestBody(
            media_type=media_type,
            schema=self.schema(self.field(media, "schema")),
            required=self.flag(self.field(found, "required")),
            description=self.text(self.field(found, "description")),
            media_types=tuple(media_types),
        )

    def responses(self, found: Found) -> tuple[Response, ...]:
        responses = []
        for status in self.object(found, optional=True):
            if status.startswith("x-"):
                continue
            response = self.followed(self.field(found, status))
            self.object(response)
            content = self.field(response, "content")
            media_type = preferred_media_type(list(self.object(content, optional=True)))
            schema = None
            if media_type is not None:
                media = self.field(content, media_type)
                self.object(media)
                schema = self.schema(self.field(media, "schema"))
            responses.append(
                Response(
                    status=status.upper() if status.lower() != "default" else "default",
                    description=self.text(self.field(response, "description")),
                    media_type=media_type,
                    schema=schema,
                )
            )
        return tuple(responses)

    # -- security, servers, tags ----------------------------------------------------------------

    def security_schemes(self) -> dict[str, SecurityScheme]:
        written = self.at("#/components/securitySchemes")
        schemes = {}
        for name in self.object(written, optional=True):
            found = self.followed(self.field(written, name))
            self.object(found)
            kind = self.text(self.field(found, "type"), required=True)
            if kind not in _SCHEME_TYPES:
                raise self.error(
                    self.field(found, "type"),
                    f"unknown security scheme type {kind!r}, expected one of {', '.join(_SCHEME_TYPES)}",
                )
            scheme = parameter_name = location = None
            if kind == "http":
                scheme = self.text(self.field(found, "scheme"), required=True).lower()
            if kind == "apiKey":
                parameter_name = self.text(self.field(found, "name"), required=True)
                location = self.field(found, "in")
                if location.value not in ("header", "query", "cookie"):
                    raise self.error(location, f"expected header, query or cookie, got {location.value!r}")
            schemes[name] = SecurityScheme(
                name=name,
                type=kind,
                scheme=scheme,
                parameter_name=parameter_name,
                location=location.value if location else None,
                description=self.text(self.field(found, "description")),
            )
        return schemes

    def security(self, found: Found) -> tuple[dict[str, tuple[str, ...]], ...] | None:
        """The requirements a `security` list states (None when there is none)."""
        if found.value is None:
            return None
        requirements = []
        for entry in self.items(found):
            requirement = {}
            for name in self.object(entry):
                if name not in self.schemes:
                    raise self.error(
                        entry, f"security scheme {name!r} is not defined in components.securitySchemes"
                    )
                scopes = self.items(self.field(entry, name))
                requirement[name] = tuple(self.text(scope, required=True) for scope in scopes)
            requirements.append(requirement)
        return tuple(requirements)

    def servers(self, found: Found) -> tuple[str, ...]:
        urls = []
        for entry in self.items(found):
            self.object(entry)
            url = self.text(self.field(entry, "url"), required=True)
            variables = self.field(entry, "variables")
            defaults = {
                name: self.variable_default(self.field(variables, name))
                for name in self.object(variables, optional=True)
            }
            urls.append(self.server_url(self.filled_in(url, defaults, entry)))
        return tuple(urls)

    def filled_in(self, url: str, defaults: dict[str, str], entry: Found) -> str:
        """A server URL with each `{variable}` replaced by its default."""
        for name in _TEMPLATE_VARIABLE.findall(url):
            if name not in defaults:
                raise self.error(
                    entry, f"the server URL {url} has {{{name}}} but `variables` does not define {name!r}"
                )
        return _TEMPLATE_VARIABLE.sub(lambda match: defaults[match[1]], url)

    def variable_default(self, found: Found) -> str:
        self.object(found)
        default = self.field(found, "default")
        if isinstance(default.value, (int, float)) and not isinstance(default.value, bool):
            return str(default.value)
        return self.text(default, required=True)

    def server_url(self, url: str) -> str:
        """A server URL, resolved against the document's URL when the spec was read from one."""
        if self.documents.root.startswith("file:"):
            return url
        return urllib.parse.urljoin(self.documents.root, url)

    def tags(self) -> dict[str, str]:
        tags = {}
        for entry in self.items(self.at("#/tags")):
            self.object(entry)
            tags[self.text(self.field(entry, "name"), required=True)] = self.text(
                self.field(entry, "description")
            )
        return tags
