"""The operations the server offers, by tool name, each with what its tool needs, built when first needed.

A document of a thousand operations loads in the time it takes to read it: an operation's input
and output schemas, its description and its argument plan are made the first time something asks
(listing it, describing it, calling it), then kept.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from moorings_core import InvalidInput, LimitExceeded, OperationFailed
from moorings_openapi.arguments import ArgumentPlan, plan_arguments, split_arguments
from moorings_openapi.auth import (
    Credentials,
    authorize,
    check_credentials,
    missing_credentials,
    reserved_parameters,
)
from moorings_openapi.descriptions import operation_document, tool_description
from moorings_openapi.documents import SpecError
from moorings_openapi.loading import load_api
from moorings_openapi.naming import tool_names
from moorings_openapi.operations import Api, Operation
from moorings_openapi.requests import HttpRequest, build_request
from moorings_openapi.responses import BodyCheck, output_schema
from moorings_openapi.schemas import SchemaConverter
from moorings_openapi.selection import SelectionError, select_operations
from moorings_openapi.settings import OpenApiSettings, Source

if TYPE_CHECKING:
    from moorings_core.sandbox.network import Resolver

__all__ = ["Catalog", "OperationTool", "ServedApi", "load_catalog"]

MAX_DOCUMENT_BYTES = 64 * 2**20
"""The largest document read over HTTP (Stripe's, one of the largest public ones, is under 8 MB)."""


class Document(NamedTuple):
    text: str
    media_type: str


@dataclass(frozen=True)
class ServedApi:
    """One API as the server calls it: its document, where it is, what it exposes, how to sign in."""

    prefix: str
    """What its tools' names start with: "" for the --spec API, `NAME_` for `[apis.NAME]`."""
    source: Source
    api: Api
    schemas: SchemaConverter
    base_url: str
    """--base-url, else the document's first server."""

    @cached_property
    def credentials(self) -> Credentials:
        source = self.source
        return Credentials(
            bearer_token=source.bearer_token,
            api_key=source.api_key,
            username=source.username,
            password=source.password,
        )

    def base_url_of(self, operation: Operation) -> str:
        """Where `operation` is sent: the operator's base URL, else its own servers, else the document's."""
        if self.source.base_url is None and operation.servers:
            return operation.servers[0].rstrip("/")
        return self.base_url

    @cached_property
    def document(self) -> Document:
        """The API's own document (not those its `$ref`s name), as JSON."""
        tree: Any = next(iter(self.api.documents.values()), {})
        return Document(json.dumps(tree, ensure_ascii=False, indent=1), "application/json")

    @property
    def origins(self) -> set[str]:
        """Every base URL a call may go to."""
        urls = {self.base_url} | {self.base_url_of(operation) for operation in self.api.operations}
        return {_origin(url) for url in urls}


class OperationTool:
    """One operation as a tool: its name, schemas and description, and the request a call makes."""

    def __init__(self, name: str, operation: Operation, served: ServedApi) -> None:
        self.name = name
        self.operation = operation
        self.served = served

    @cached_property
    def plan(self) -> ArgumentPlan:
        reserved = reserved_parameters(
            self.operation, self.served.api.security_schemes, self.served.credentials
        )
        return plan_arguments(self.operation, self._request_schema, reserved=reserved)

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.plan.input_schema

    @cached_property
    def output_schema(self) -> dict[str, Any] | None:
        return output_schema(self.operation, self._response_schema)

    @cached_property
    def body_check(self) -> BodyCheck | None:
        """How a response body is checked against the output schema (None: results are text only)."""
        return BodyCheck(self.output_schema) if self.output_schema is not None else None

    @cached_property
    def description(self) -> str:
        return tool_description(self.operation)

    def document(self) -> str:
        """The operation's whole documentation, as markdown."""
        return operation_document(
            self.operation,
            self._request_schema,
            self._response_schema,
            security_schemes=self.served.api.security_schemes,
            tool_name=self.name,
        )

    @property
    def title(self) -> str:
        return (
            self.operation.summary.strip().splitlines()[0][:80]
            if self.operation.summary.strip()
            else self.name
        )

    def request(self, arguments: Mapping[str, Any]) -> HttpRequest:
        """The HTTP request a call with `arguments` (already checked against the schema) sends."""
        parts = split_arguments(self.plan, arguments)
        request = build_request(self.operation, parts, base_url=self.served.base_url_of(self.operation))
        served = self.served
        request = authorize(request, self.operation, served.api.security_schemes, served.credentials)
        return _with_headers(request, served.source.extra_headers)

    def missing_credentials(self) -> str | None:
        """What the operator must configure when the API refuses this operation for lack of credentials."""
        served = self.served
        return missing_credentials(self.operation, served.api.security_schemes, served.credentials)

    def _request_schema(self, node: Any) -> dict[str, Any]:
        return self.served.schemas.json_schema(node, direction="request")

    def _response_schema(self, node: Any) -> dict[str, Any]:
        return self.served.schemas.json_schema(node, direction="response")


class Catalog:
    """Every operation the server offers, by tool name, in document order (APIs in the order given)."""

    def __init__(self, apis: list[ServedApi]) -> None:
        self.apis = apis
        self._tools: dict[str, OperationTool] = {}
        for served in apis:
            chosen = select_operations(served.api.operations, served.source)
            for name, operation in zip(tool_names(chosen, prefix=served.prefix), chosen, strict=True):
                self._tools[name] = OperationTool(name, operation, served)

    def __iter__(self) -> Iterator[OperationTool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def get(self, name: str) -> OperationTool:
        """The operation named `name`; InvalidInput (with close names) when there is none."""
        tool = self._tools.get(name)
        if tool is None:
            raise InvalidInput(
                f"There is no operation named {name!r}.",
                hint="Use list_operations to find an operation's name (names are case-sensitive).",
            )
        return tool

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(origin for served in self.apis for origin in served.origins)


def _with_headers(request: HttpRequest, extra: tuple[tuple[str, str], ...]) -> HttpRequest:
    """`request` with the operator's headers for its API, replacing any of the same name."""
    if not extra:
        return request
    replaced = {name.lower() for name, _ in extra}
    headers = {name: value for name, value in request.headers.items() if name.lower() not in replaced}
    return dataclasses.replace(request, headers={**headers, **dict(extra)})


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0]}"


async def load_catalog(settings: OpenApiSettings, *, resolver: Resolver | None = None) -> Catalog:
    """Every API of `settings` loaded and checked; a `MooringsError` says what is wrong with the setup."""
    apis = [await _served(prefix, source, settings, resolver) for prefix, source in settings.sources.items()]
    try:
        catalog = Catalog(apis)
    except SelectionError as exc:
        raise InvalidInput(str(exc)) from None
    if not len(catalog):
        raise InvalidInput(
            "No operation is left to offer: the documents have none, or --read-only and the tag and "
            "operation filters left out every one.",
        )
    return catalog


async def _served(
    prefix: str, source: Source, settings: OpenApiSettings, resolver: Resolver | None
) -> ServedApi:
    where = f"[apis.{prefix[:-1]}] " if prefix else ""
    try:
        api = await load_api(source.spec, read_url=_url_reader(settings, resolver))
    except SpecError as exc:
        raise InvalidInput(f"{where}{exc}") from None
    served = ServedApi(prefix, source, api, SchemaConverter(api), base_url=_base_url(source, api, where))
    try:
        check_credentials(api.security_schemes, served.credentials)
    except ValueError as exc:
        raise InvalidInput(f"{where}{exc}") from None
    return served


def _base_url(source: Source, api: Api, where: str) -> str:
    if source.base_url is not None:
        return source.base_url
    if not api.servers:
        raise InvalidInput(
            f"{where}{api.source} names no server: give the API's URL with --base-url "
            "(base_url in a config table), such as https://api.example.com/v1."
        )
    first = api.servers[0]
    if not first.lower().startswith(("http://", "https://")):
        raise InvalidInput(
            f"{where}{api.source} gives its server as {first!r}, relative to where the document is "
            "served: give the API's full URL with --base-url, such as https://api.example.com" + first
        )
    return first.rstrip("/")


def _url_reader(settings: OpenApiSettings, resolver: Resolver | None) -> Callable[[str], Awaitable[bytes]]:
    """How a document is read from a URL: through the network policy, like every request."""

    async def read(url: str) -> bytes:
        from moorings_core.sandbox.network import GuardedClient

        policy = settings.network_policy("moorings-openapi")
        policy = dataclasses.replace(policy, max_body_bytes=max(policy.max_body_bytes, MAX_DOCUMENT_BYTES))
        async with GuardedClient(policy, resolver=resolver) as client:
            fetched = await client.request(
                "GET", url, headers={"Accept": "application/json, application/yaml, */*"}
            )
        if fetched.status != 200:
            raise OperationFailed(f"{url} answered {fetched.status} instead of the document.")
        if fetched.truncated:
            raise LimitExceeded(f"{url} is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB, the most read.")
        return fetched.body

    return read
