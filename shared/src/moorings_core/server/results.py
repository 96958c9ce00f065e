"""How a tool answers: the text a model reads and, beside it, the object a program parses.

Structured results subclass `Output`, whose fields are snake_case in Python and
camelCase on the wire, like the protocol's own fields and the reference servers'
parameters (`dryRun`, `excludePatterns`). `tool_result` puts a text and an object
into one `CallToolResult`, for tools whose text must keep a familiar format (the
reference server's, say) while the object carries the same facts with their shape.
A result with thousands of items (a page of a directory) may hand `tool_result` its
object already in wire form instead of as a model, since validating every item into
a model only to dump it again costs more than producing the items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mcp_types as types
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["Output", "tool_result"]


class Output(BaseModel):
    """The base of every structured tool result: camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


def tool_result(text: str, structured: BaseModel | Mapping[str, Any]) -> types.CallToolResult:
    """One result holding `text` for the model and `structured` for programs.

    A model is dumped by alias without its unset (None) fields; a mapping is taken as
    that dump already (camelCase keys, JSON values, no None fields), and the tool's
    tests check it against the tool's output schema.
    """
    if isinstance(structured, BaseModel):
        wire = structured.model_dump(mode="json", by_alias=True, exclude_none=True)
    else:
        wire = dict(structured)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=wire)
