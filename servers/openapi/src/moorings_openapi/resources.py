"""The APIs' documents and their operations' documentation, as resources.

- `openapi://{api}/document`: the OpenAPI document as the server read it (`api` is `spec` for the
  --spec API, else the `[apis.NAME]` table's name);
- `openapi://{api}/operations/{operation}`: one operation's documentation as markdown (method and
  path, parameters, body, responses and their schemas, the credentials it needs by kind), built
  when read.
"""

from __future__ import annotations

from collections.abc import Sequence

import mcp_types as types

from moorings_core import NotFound, RequestContext, ResourceContents
from moorings_openapi.catalog import Catalog, OperationTool, ServedApi

__all__ = ["ApiResources", "api_name"]

SCHEME = "openapi://"


def api_name(served: ServedApi) -> str:
    """How URIs name an API: `spec` for the --spec one, else its table's name."""
    return served.prefix[:-1] if served.prefix else "spec"


class ApiResources:
    """The `ResourceProvider` of the openapi server."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._apis = {api_name(served): served for served in catalog.apis}

    async def list_resources(self, request: RequestContext) -> Sequence[types.Resource]:
        documents = [
            types.Resource(
                uri=f"{SCHEME}{name}/document",
                name=f"{name}-document",
                title=f"{served.api.title or name}: the OpenAPI document",
                description=f"The OpenAPI {served.api.openapi} document, as read from {served.api.source}.",
                mime_type=served.document.media_type,
            )
            for name, served in self._apis.items()
        ]
        return documents + [self._operation_resource(tool) for tool in self._catalog]

    async def list_templates(self, request: RequestContext) -> Sequence[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(
                uri_template=SCHEME + "{api}/operations/{operation}",
                name="operation",
                title="An API operation's documentation",
                description="One operation: its parameters, body, responses and schemas, as markdown. "
                "`api` is 'spec' for the --spec API, else its [apis.NAME]; `operation` is its tool name.",
                mime_type="text/markdown",
            )
        ]

    async def read(self, request: RequestContext, uri: str) -> ResourceContents:
        api, _, rest = uri.removeprefix(SCHEME).partition("/") if uri.startswith(SCHEME) else ("", "", "")
        served = self._apis.get(api)
        if served is not None and rest == "document":
            document = served.document
            return types.TextResourceContents(uri=uri, mime_type=document.media_type, text=document.text)
        kind, _, operation = rest.partition("/")
        tool = self._tool(served, operation) if kind == "operations" else None
        if tool is None:
            raise NotFound(
                f"No resource {uri!r}.",
                hint=f"The resources are {SCHEME}API/document and {SCHEME}API/operations/OPERATION, with API "
                f"one of {', '.join(self._apis)}; resources/list lists them all.",
            )
        return types.TextResourceContents(uri=uri, mime_type="text/markdown", text=tool.document())

    def _tool(self, served: ServedApi | None, operation: str) -> OperationTool | None:
        if served is None or operation not in self._catalog:
            return None
        tool = self._catalog.get(operation)
        return tool if tool.served is served else None

    def _operation_resource(self, tool: OperationTool) -> types.Resource:
        return types.Resource(
            uri=f"{SCHEME}{api_name(tool.served)}/operations/{tool.name}",
            name=tool.name,
            title=tool.title,
            description=tool.operation.label,
            mime_type="text/markdown",
        )
