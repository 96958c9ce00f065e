"""Assembles the openapi server: its APIs loaded and checked at start, then tools, resources and a prompt.

Everything that can be wrong with the operator's setup is found before the first client message:
a document that cannot be read or makes no sense, a base URL the network policy refuses, a
selection that matches nothing, credentials the document gives no place for. Each is one line and
exit status 2 (a `MooringsError` from `opened_server`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from moorings_core import AccessDenied, InvalidInput, MooringsServer, ServerProgram
from moorings_openapi import prompts, resources
from moorings_openapi.calling import Caller
from moorings_openapi.catalog import Catalog, load_catalog
from moorings_openapi.settings import OpenApiSettings
from moorings_openapi.tools import compact, per_operation

if TYPE_CHECKING:
    from moorings_core.sandbox.network import NetworkPolicy, Resolver

__all__ = ["PROGRAM", "build_server", "opened_server"]

logger = logging.getLogger(__name__)

MANY_TOOLS = 100
"""Past this many operations, a start-up warning suggests --tool-mode compact."""

INSTRUCTIONS = """\
Calls a web API as its OpenAPI document describes it: each tool is one operation (its arguments
are the operation's path, query, header and body parameters). Results are the API's answer: JSON
as structured content ({"status", "body"}) and text; an error status is an error result with the
API's own message. The server signs requests in itself; never ask the user for credentials. The
api_overview prompt and the openapi:// resources describe the whole API."""

INSTRUCTIONS_COMPACT = """\
Calls a web API as its OpenAPI document describes it, through three tools: list_operations finds
an operation, describe_operation gives its arguments' JSON Schema, call_operation calls it. Results
are the API's answer: JSON as structured content ({"status", "body"}) and text; an error status is
an error result with the API's own message. The server signs requests in itself; never ask the
user for credentials. The api_overview prompt and the openapi:// resources describe the whole API."""


def build_server(
    settings: OpenApiSettings, catalog: Catalog, *, resolver: Resolver | None = None
) -> MooringsServer:
    """The server over `catalog` (the loaded APIs), ready to serve; `resolver` replaces the system's DNS."""
    compact_mode = settings.tool_mode == "compact"
    server = MooringsServer(
        "openapi", settings=settings, instructions=INSTRUCTIONS_COMPACT if compact_mode else INSTRUCTIONS
    )
    policy = settings.network_policy(f"moorings-openapi/{server.version}")
    policy = _narrowed(policy, catalog)
    caller = Caller(
        policy,
        max_result_chars=settings.max_result_chars,
        rate_limiter=getattr(settings, "rate_limiter", lambda: None)(),
        resolver=resolver,
    )
    server.hold_while_serving(caller.serving)
    if compact_mode:
        compact.register(server, catalog, caller)
    else:
        if len(catalog) > MANY_TOOLS:
            logger.warning(
                "%d operations are offered as %d tools; with --tool-mode compact the model sees 3 instead",
                len(catalog),
                len(catalog),
            )
        per_operation.register(server, catalog, caller)
    server.add_resources(resources.ApiResources(catalog))
    prompts.register(server, catalog, compact=compact_mode)
    return server


@asynccontextmanager
async def opened_server(
    settings: OpenApiSettings, *, resolver: Resolver | None = None
) -> AsyncIterator[MooringsServer]:
    """The server, once every API's document is loaded and its setup checked."""
    catalog = await load_catalog(settings, resolver=resolver)
    yield build_server(settings, catalog, resolver=resolver)


def _narrowed(policy: NetworkPolicy, catalog: Catalog) -> NetworkPolicy:
    """`policy`, reaching the APIs' base URLs only; a base URL it refuses stops the server at start."""
    import dataclasses

    for origin in sorted(catalog.origins):
        try:
            policy.check_url(origin)
        except AccessDenied as exc:
            raise AccessDenied(f"The API's base URL {origin} is refused: {exc}", hint=exc.hint) from None
        except InvalidInput as exc:
            raise InvalidInput(f"The API's base URL {origin} is not usable: {exc}") from None
    return dataclasses.replace(policy, only_origins=catalog.origins)


PROGRAM = ServerProgram(
    name="openapi",
    settings=OpenApiSettings,
    build=opened_server,
    description="Call a web API from an MCP client over stdio, one tool per operation of its OpenAPI "
    "document; requests go to the API's own base URL only, signed by the server.",
)
