"""What the model reads about an API and its operations, at three depths, each bounded.

- `tool_description`: the tools/list entry. A host puts every tool's description in the model's
  context, and documents have hundreds of operations, so it is short: the summary, a warning if
  deprecated, the description trimmed to fit, `GET /pets/{petId}` and the responses in one line.
  Parameters are described in the input schema, next to each argument, not here.
- `operation_document`: one operation in full, as markdown, for a doc resource and for a tool that
  describes an operation on request: parameters, body, responses with their schemas, security.
- `api_overview`: the whole surface for a prompt: the API, its servers, and its operations by tag.

Security is described by scheme names and kinds (`api_key`: an API key in the header
`X-Api-Key`), never by a value: credentials are the operator's, not the model's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from moorings_openapi.operations import Api, Operation, Parameter, Response, SchemaNode, SecurityScheme

__all__ = [
    "MAX_DOCUMENT_CHARS",
    "MAX_OVERVIEW_CHARS",
    "api_overview",
    "operation_document",
    "tool_description",
]

MAX_DOCUMENT_CHARS = 20_000
MAX_OVERVIEW_CHARS = 20_000
SEE_MORE = "every operation is a tool in tools/list, and describe_operation gives one in full"
"""How an overview too long to list every operation says to find the rest."""

SchemaOf = Callable[[SchemaNode], dict[str, Any]]

_MAX_RESPONSE_WORDS = 60  # characters of one response's description in the one-line list
_MAX_RESPONSES_LINE = 300
_MAX_API_DESCRIPTION = 1_500
_MAX_TAG_DESCRIPTION = 200
_MAX_SUMMARY = 100


# -- the tool description ------------------------------------------------------------------------


def tool_description(operation: Operation, *, max_chars: int = 1200) -> str:
    """The tool's description: summary, deprecation, trimmed description, method and path, responses.

    The description gets whatever room the other parts leave; it is cut at a paragraph, sentence
    or word boundary with "…", markdown kept.
    """
    head = [operation.summary.strip()] if operation.summary.strip() else []
    if operation.deprecated:
        head.append("Deprecated: the API may remove this operation; prefer another that does the same.")
    tail = [f"{operation.method} {operation.path}"]
    responses = _responses_line(operation.responses)
    if responses:
        tail.append(responses)
    description = operation.description.strip()
    if description and head and _same_words(description, head[0]):
        description = ""
    fixed = "\n\n".join(head + tail)
    room = max_chars - len(fixed) - 4  # the blank lines around the description
    parts = list(head)
    if description and room > 40:
        parts.append(_trimmed(description, room))
    text = "\n\n".join(parts + tail)
    return text if len(text) <= max_chars else _trimmed(text, max_chars)


def _same_words(description: str, summary: str) -> bool:
    """A description that only repeats the summary is not worth its characters."""
    return " ".join(description.split()).rstrip(".") == " ".join(summary.split()).rstrip(".")


def _responses_line(responses: tuple[Response, ...]) -> str:
    entries = [
        f"{response.status} {_first_sentence(response.description, _MAX_RESPONSE_WORDS)}".rstrip()
        for response in responses
    ]
    return _trimmed("Responses: " + "; ".join(entries), _MAX_RESPONSES_LINE) if entries else ""


def _first_sentence(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    sentence = re.split(r"(?<=[.!?])\s", flat, maxsplit=1)[0].rstrip(".")
    return _trimmed(sentence, limit)


def _trimmed(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at the last paragraph, sentence or word boundary, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for boundary in ("\n\n", ". ", "\n", " "):
        at = cut.rfind(boundary)
        if at >= limit // 2:
            return cut[: at + (1 if boundary == ". " else 0)].rstrip() + "…"
    return cut + "…"


# -- one operation in full -----------------------------------------------------------------------


def operation_document(
    operation: Operation,
    schema_of_request: SchemaOf,
    schema_of_response: SchemaOf,
    *,
    security_schemes: Mapping[str, SecurityScheme] | None = None,
    tool_name: str | None = None,
    max_chars: int = MAX_DOCUMENT_CHARS,
) -> str:
    """Markdown about one operation: everything its document says, schemas as JSON, at most `max_chars`.

    Schemas are indented when the page fits that way, else minified; a page still too long is cut
    at a line with a note saying how much was left out.
    """
    for indent in (1, None):
        page = _operation_page(
            operation, schema_of_request, schema_of_response, security_schemes or {}, tool_name, indent
        )
        if len(page) <= max_chars:
            return page
    note = f"\n\n[cut at {max_chars:,} of {len(page):,} characters: the schemas are too long to show whole]"
    cut = page[: max_chars - len(note)]
    return cut[: cut.rfind("\n")] + note if "\n" in cut else cut + note


def _operation_page(
    operation: Operation,
    schema_of_request: SchemaOf,
    schema_of_response: SchemaOf,
    security_schemes: Mapping[str, SecurityScheme],
    tool_name: str | None,
    indent: int | None,
) -> str:
    title = f"# `{operation.method} {operation.path}`"
    lines = [title + (f" (tool `{tool_name}`)" if tool_name else "")]
    if operation.operation_id:
        lines.append(f"Operation id: `{operation.operation_id}`")
    if operation.tags:
        lines.append("Tags: " + ", ".join(operation.tags))
    if operation.deprecated:
        lines.append("**Deprecated**: the API may remove this operation.")
    for text in (operation.summary, operation.description):
        if text.strip():
            lines += ["", text.strip()]
    if operation.servers:
        lines += ["", "Servers: " + ", ".join(operation.servers)]
    lines += _parameters_section(operation.parameters, schema_of_request)
    lines += _body_section(operation, schema_of_request, indent)
    lines += _responses_section(operation.responses, schema_of_response, indent)
    lines += _security_section(operation.security, security_schemes)
    return "\n".join(lines)


def _parameters_section(parameters: tuple[Parameter, ...], schema_of: SchemaOf) -> list[str]:
    if not parameters:
        return []
    lines = [
        "",
        "## Parameters",
        "",
        "| name | in | required | type | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for parameter in parameters:
        schema = schema_of(parameter.schema) if parameter.schema is not None else {}
        kind = _type_of(schema) or (parameter.media_type or "")
        description = parameter.description.strip()
        if parameter.deprecated:
            description = f"Deprecated. {description}".strip()
        cells = [
            f"`{parameter.name}`",
            parameter.location,
            "yes" if parameter.required else "no",
            kind,
            description,
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return lines


def _type_of(schema: Mapping[str, Any]) -> str:
    """A schema's type in a few words: `integer (int64)`, `array of string`, `one of: a, b`."""
    if "enum" in schema and isinstance(schema["enum"], list):
        return "one of: " + ", ".join(json.dumps(value, ensure_ascii=False) for value in schema["enum"][:20])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array" and isinstance(schema.get("items"), Mapping):
        inner = _type_of(schema["items"])
        return f"array of {inner}" if inner else "array"
    if isinstance(kind, str):
        return f"{kind} ({schema['format']})" if isinstance(schema.get("format"), str) else kind
    return ""


def _cell(text: str) -> str:
    """Text that stays in its markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _body_section(operation: Operation, schema_of: SchemaOf, indent: int | None) -> list[str]:
    body = operation.body
    if body is None:
        return []
    required = "required" if body.required else "optional"
    lines = ["", "## Request body", "", f"`{body.media_type}`, {required}."]
    others = [media for media in body.media_types if media != body.media_type]
    if others:
        lines[-1] += " Also accepted by the API: " + ", ".join(f"`{media}`" for media in others) + "."
    if body.description.strip():
        lines += ["", body.description.strip()]
    if body.schema is not None:
        lines += ["", *_json_block(schema_of(body.schema), indent)]
    return lines


def _responses_section(responses: tuple[Response, ...], schema_of: SchemaOf, indent: int | None) -> list[str]:
    if not responses:
        return []
    lines = ["", "## Responses"]
    for response in responses:
        lines += ["", f"### {response.status}", ""]
        if response.description.strip():
            lines.append(response.description.strip())
        if response.media_type:
            lines.append(f"Content: `{response.media_type}`")
        if response.schema is not None:
            lines += ["", *_json_block(schema_of(response.schema), indent)]
    return lines


def _json_block(schema: Any, indent: int | None) -> list[str]:
    separators = None if indent else (",", ":")
    return ["```json", json.dumps(schema, ensure_ascii=False, indent=indent, separators=separators), "```"]


def _security_section(
    requirements: tuple[dict[str, tuple[str, ...]], ...], schemes: Mapping[str, SecurityScheme]
) -> list[str]:
    if not requirements:
        return ["", "## Security", "", "No credentials are needed."]
    lines = ["", "## Security", ""]
    if len(requirements) > 1:
        lines.append("Any one of these is enough:")
    for requirement in requirements:
        if not requirement:
            lines.append("- none: the operation may be called without credentials")
            continue
        parts = [_scheme_words(name, scopes, schemes.get(name)) for name, scopes in requirement.items()]
        lines.append("- " + " and ".join(parts))
    return lines


def _scheme_words(name: str, scopes: tuple[str, ...], scheme: SecurityScheme | None) -> str:
    """`name` (its kind, where it goes, its scopes): what the operator must have configured, no value."""
    if scheme is None:
        kind = "a scheme the document does not define"
    elif scheme.type == "apiKey":
        kind = f"an API key in the {scheme.location or 'header'} `{scheme.parameter_name}`"
    elif scheme.type == "http":
        kind = f"HTTP {scheme.scheme or 'authentication'}"
    elif scheme.type == "oauth2":
        kind = "OAuth 2"
    elif scheme.type == "openIdConnect":
        kind = "OpenID Connect"
    elif scheme.type == "mutualTLS":
        kind = "a TLS client certificate"
    else:
        kind = scheme.type
    needs = f", scopes {', '.join(scopes)}" if scopes else ""
    return f"`{name}` ({kind}{needs})"


# -- the whole API -------------------------------------------------------------------------------


def api_overview(
    api: Api,
    tool_names: Mapping[str, str],
    *,
    max_chars: int = MAX_OVERVIEW_CHARS,
    how_to_see_more: str = SEE_MORE,
) -> str:
    """Markdown about the API for a prompt: what it is, its servers, and its operations by tag.

    `tool_names` maps an operation's `pointer` to its tool's name (operations without one are left
    out). Operations are listed with method, path and summary when that fits `max_chars`, else by
    tool name alone; a list that still does not fit is cut, saying how many were left out and
    `how_to_see_more`.
    """
    head = _overview_head(api)
    groups = _by_tag(api, tool_names)
    for detailed in (True, False):
        lines = list(head)
        for tag, operations in groups:
            lines += _tag_lines(tag, api.tags.get(tag, ""), operations, tool_names, detailed=detailed)
        page = "\n".join(lines)
        if len(page) <= max_chars:
            return page
    return _cut_listing(head, groups, tool_names, max_chars, how_to_see_more)


def _overview_head(api: Api) -> list[str]:
    lines = [f"# {api.title or 'API'}" + (f" (version {api.version})" if api.version else "")]
    if api.description.strip():
        lines += ["", _trimmed(api.description.strip(), _MAX_API_DESCRIPTION)]
    lines += ["", f"OpenAPI {api.openapi} document: {api.source}. {len(api.operations):,} operations."]
    if api.servers:
        lines.append("Servers: " + ", ".join(api.servers))
    return lines


_UNTAGGED = ""


def _by_tag(api: Api, tool_names: Mapping[str, str]) -> list[tuple[str, list[Operation]]]:
    """Operations grouped under their first tag: declared tags in order, then others, then untagged."""
    groups: dict[str, list[Operation]] = {tag: [] for tag in api.tags}
    for operation in api.operations:
        if operation.pointer in tool_names:
            groups.setdefault(operation.tags[0] if operation.tags else _UNTAGGED, []).append(operation)
    untagged = groups.pop(_UNTAGGED, [])
    listed = [(tag, operations) for tag, operations in groups.items() if operations]
    return listed + ([(_UNTAGGED, untagged)] if untagged else [])


def _tag_lines(
    tag: str, description: str, operations: list[Operation], tool_names: Mapping[str, str], *, detailed: bool
) -> list[str]:
    heading = f"## {tag}" if tag else "## Other operations"
    lines = ["", heading]
    if description.strip():
        lines.append(_trimmed(" ".join(description.split()), _MAX_TAG_DESCRIPTION))
    if not detailed:
        return [*lines, ", ".join(f"`{tool_names[op.pointer]}`" for op in operations)]
    for operation in operations:
        summary = _trimmed(" ".join(operation.summary.split()), _MAX_SUMMARY)
        entry = f"- `{tool_names[operation.pointer]}`: {operation.method} {operation.path}"
        lines.append(entry + (f" — {summary}" if summary else ""))
    return lines


def _cut_listing(
    head: list[str],
    groups: list[tuple[str, list[Operation]]],
    tool_names: Mapping[str, str],
    max_chars: int,
    how_to_see_more: str,
) -> str:
    """Tool names alone, by tag, as many as fit, then how many were left out and how to see them."""
    total = sum(len(operations) for _, operations in groups)
    room = max_chars - len(_left_out(total, total, how_to_see_more))
    text = "\n".join(head)
    shown = 0
    for tag, operations in groups:
        heading = f"\n\n## {tag or 'Other operations'}\n"
        names: list[str] = []
        size = len(text) + len(heading)
        for operation in operations:
            name = f"`{tool_names[operation.pointer]}`"
            if size + len(name) + 2 > room:
                break
            names.append(name)
            size += len(name) + 2
        if names:
            text += heading + ", ".join(names)
            shown += len(names)
        if len(names) < len(operations):
            break
    return text + _left_out(total - shown, total, how_to_see_more)


def _left_out(missing: int, total: int, how_to_see_more: str) -> str:
    return f"\n\n[{missing:,} of {total:,} operations are not listed here: {how_to_see_more}.]"
