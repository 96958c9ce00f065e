"""The api_overview prompt: the APIs the server calls, what they are and their operations by tag.

A user starts it to give the model the lay of the land before asking for anything: with many
operations, it says more than a list of tool names, and costs one message rather than a tool call.
"""

from __future__ import annotations

import dataclasses

from moorings_core import MooringsServer
from moorings_core.paging import room_for_items
from moorings_openapi.catalog import Catalog
from moorings_openapi.descriptions import api_overview

__all__ = ["register"]

SEE_MORE_COMPACT = (
    "Call list_operations to find the rest, and describe_operation for one operation's details."
)
SEE_MORE_TOOLS = "Every operation is a tool of its own: the tool list has them all."


def register(server: MooringsServer, catalog: Catalog, *, compact: bool) -> None:
    budget = room_for_items(server.settings.max_output_chars)
    see_more = SEE_MORE_COMPACT if compact else SEE_MORE_TOOLS

    @server.prompt(
        name="api_overview",
        title="Overview of the API",
        description="What the API this server calls is, and its operations (the tools) by tag.",
    )
    async def overview() -> str:
        share = max(budget // len(catalog.apis), 2_000)
        pages = []
        for served in catalog.apis:
            names = {tool.operation.pointer: tool.name for tool in catalog if tool.served is served}
            # The base URL the server calls, which --base-url may have changed, not the document's list.
            api = dataclasses.replace(served.api, servers=(served.base_url,))
            pages.append(api_overview(api, names, max_chars=share, how_to_see_more=see_more))
        return "\n\n".join(pages)
