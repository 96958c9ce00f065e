"""An API's HTTP response as a tool result: the data for the model, bounded, and never a broken promise.

A tool whose operation documents a JSON success body advertises an *envelope* as its output
schema (`output_schema`), not the body's schema itself: a strict client (the MCP SDK's) raises on
any successful result whose structured content does not match, and APIs do stray from their own
documents. Every real response fits the envelope:

- `status`, always; `contentType`, `location` (a 201's new resource) and `nextPage` when known;
- `body`, the documented schema, holding the JSON only when it matches that schema (checked here
  with the validator the client uses, `BodyCheck`);
- `undocumentedBody`, schema-less, holding JSON that did not match, with a one-line warning in
  the text: the model still gets the data, and the operator a log line;
- `truncated`, when the text had to be cut: the JSON is then left out of the structured content,
  since a cut JSON text is no value.

Field names are camelCase on the wire, like every Moorings structured result (`Output`).

The text always carries the data too, for clients that read only text: JSON indented when that
fits `max_chars` and minified when only that fits, cut (with a note naming the operation's paging
parameters) when even that does not. Text bodies are decoded by their charset; binary bodies are
summarised, never returned. A status outside 2xx is an error result (`isError`, which clients do
not check against the output schema) naming the status, the API's own message and what to do.
The URL the request went to is never shown: an API key may travel in its query.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import mcp_types as types

from moorings_core.media import as_text, sniff
from moorings_core.paging import room_for_items
from moorings_core.server.call_guard import error_result
from moorings_core.server.results import tool_result as text_and_structure
from moorings_openapi.operations import Operation, Parameter, Response, SchemaNode
from moorings_openapi.schema_budget import within_budget

if TYPE_CHECKING:  # httpx is imported with the first request, not at start-up
    from moorings_core.sandbox.network import Fetched

__all__ = [
    "MAX_ERROR_BODY_CHARS",
    "BodyCheck",
    "next_page_arguments",
    "output_schema",
    "paging_advice",
    "success_response",
    "tool_result",
]

logger = logging.getLogger(__name__)

MAX_ERROR_BODY_CHARS = 2_000
"""How much of an API's error body an error result quotes."""

SchemaOf = Callable[[SchemaNode], dict[str, Any]]

_BODY_DESCRIPTION = "The response body, when it matches the schema the API documents."
# Keywords whose values are data, not schemas: a "$ref" key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples", "example"})
_MAX_PROBLEM_CHARS = 200


# -- the output schema ---------------------------------------------------------------------------


def success_response(operation: Operation) -> Response | None:
    """The response a successful call documents a JSON body for: the lowest 2xx, else 2XX, else default."""
    with_json = [r for r in operation.responses if r.schema is not None and _is_json_type(r.media_type or "")]
    exact = [r for r in with_json if r.status.isdigit() and r.status.startswith("2")]
    if exact:
        return min(exact, key=lambda response: int(response.status))
    for wildcard in ("2XX", "2xx", "default"):
        for response in with_json:
            if response.status == wildcard:
                return response
    return None


def output_schema(operation: Operation, schema_of: SchemaOf) -> dict[str, Any] | None:
    """The envelope a tool's results fit (see the module docstring), or None without a JSON success body.

    `schema_of` turns a schema node into self-contained JSON Schema (response direction, definitions
    in `$defs`); those definitions move to the envelope's own `$defs` and every reference that
    pointed at the body's root is rebased onto `#/properties/body`, so all of them still resolve.
    The envelope is kept within `MAX_SCHEMA_CHARS` (`within_budget`): distant definitions may be
    left out, standing in as schemas that accept anything.
    """
    response = success_response(operation)
    if response is None or response.schema is None:
        return None
    body = dict(schema_of(response.schema))
    definitions = body.pop("$defs", None) or {}
    dialect = body.pop("$schema", None)
    body.pop("$id", None)  # its references are rebased onto the envelope, which is the one resource
    body = _rebased(body)
    body.setdefault("description", response.description or _BODY_DESCRIPTION)
    envelope: dict[str, Any] = {"type": "object"}
    if dialect is not None:
        envelope["$schema"] = dialect
    envelope["properties"] = {
        "status": {"type": "integer", "description": "The HTTP status of the response."},
        "contentType": {"type": "string", "description": "The Content-Type the API declared."},
        "body": body,
        "undocumentedBody": {
            "description": "The JSON body, when it did not match the documented schema (the text says how)."
        },
        "truncated": {
            "type": "boolean",
            "description": "The body was too long to return whole: the text has its beginning, and no "
            "body is given here.",
        },
        "location": {"type": "string", "description": "The Location header: where a created resource is."},
        "nextPage": {
            "type": "object",
            "description": "The arguments for this tool that fetch the next page, read from the "
            'response\'s Link rel="next" header.',
        },
    }
    envelope["required"] = ["status"]
    if not definitions:
        return envelope
    # Bounded before rebasing, so that the definitions left out are never copied.
    bounded = within_budget({**envelope, "$defs": definitions})
    return {**bounded, "$defs": {name: _rebased(schema) for name, schema in bounded["$defs"].items()}}


def _rebased(schema: Any) -> Any:
    """`schema` with its references to the body's root (`#`, `#/properties/...`) moved under the envelope."""
    if isinstance(schema, list):
        return [_rebased(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    rebased: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str) and _points_into_body(value):
            rebased[key] = "#/properties/body" + value[1:]
        elif key in _DATA_KEYWORDS:
            rebased[key] = value
        else:
            rebased[key] = _rebased(value)
    return rebased


def _points_into_body(reference: str) -> bool:
    return reference == "#" or (reference.startswith("#/") and not reference.startswith("#/$defs/"))


class BodyCheck:
    """Whether a JSON body fits the `body` of an envelope, judged as the MCP client's validator judges it.

    The validator is compiled on first use: a document of a thousand operations should not pay for
    a thousand validators at start-up.
    """

    def __init__(self, envelope: Mapping[str, Any]) -> None:
        self.envelope = envelope

    @cached_property
    def _validator(self) -> Any:
        from jsonschema.validators import validator_for
        from referencing import Registry

        # The client's own choices: the dialect the schema names (else the latest), no format
        # assertions, references resolved within the schema alone.
        return validator_for(self.envelope)(self.envelope, registry=Registry())

    def problem(self, body: Any) -> str | None:
        """What about `body` does not match (where, and the first complaint), or None when it fits."""
        from jsonschema.exceptions import best_match
        from referencing.exceptions import Unresolvable

        try:
            error = best_match(self._validator.iter_errors({"status": 200, "body": body}))
        except Unresolvable as exc:  # a client could not check it either: do not claim it fits
            return f"the documented schema cannot be checked ({exc})"
        if error is None:
            return None
        where = "/".join(str(step) for step in list(error.absolute_path)[1:])
        message = _shortened(error.message, _MAX_PROBLEM_CHARS)
        return f"at {where!r}: {message}" if where else message


# -- the result ----------------------------------------------------------------------------------


def tool_result(
    fetched: Fetched,
    operation: Operation,
    *,
    body_check: BodyCheck | None,
    max_chars: int,
    hint_for_auth: str | None = None,
    query_arguments: Mapping[str, str] | None = None,
) -> types.CallToolResult:
    """The result of calling `operation`, from the response the API gave.

    `body_check` is the tool's output envelope (None when it advertises none: the result is then
    text only). `max_chars` bounds the text (the structured content holds at most the same JSON
    again). `hint_for_auth` ends a 401 or 403 result: what the operator must configure, in words.
    `query_arguments` names the tool's arguments for query parameters (see `next_page_arguments`).
    """
    if 200 <= fetched.status < 300:
        return _success(fetched, operation, body_check, max_chars, query_arguments)
    return error_result(_failure_text(fetched, operation, hint_for_auth))


def _success(
    fetched: Fetched,
    operation: Operation,
    body_check: BodyCheck | None,
    max_chars: int,
    query_arguments: Mapping[str, str] | None,
) -> types.CallToolResult:
    structure: dict[str, Any] = {"status": fetched.status}
    content_type = fetched.headers.get("content-type", "")
    if content_type:
        structure["contentType"] = content_type
    body = _read(fetched)
    lines: list[str] = []
    if fetched.status != 200 and body is not None:
        lines.append(_status_line(fetched.status))
    location = fetched.headers.get("location")
    if location:
        structure["location"] = urljoin(fetched.url, location)
        lines.append(f"Location: {structure['location']}")
    budget = room_for_items(max_chars)
    if isinstance(body, _Json):
        shown = _json_text(body.value, budget)
        if shown.truncated:
            structure["truncated"] = True
        elif body_check is not None:
            problem = body_check.problem(body.value)
            if problem is None:
                structure["body"] = body.value
            else:
                structure["undocumentedBody"] = body.value
                logger.warning(
                    "%s: the response does not match its documented schema, %s", operation.label, problem
                )
                lines.insert(
                    0, f"Warning: the response does not match the API's documented schema ({problem})."
                )
        lines.append(shown.text)
        if shown.truncated:
            lines.append(
                _cut_note(shown.shown, shown.total, operation, fetched, "The JSON above is incomplete")
            )
    elif isinstance(body, _Text):
        lines.append(body.text[:budget])
        if len(body.text) > budget or fetched.truncated:
            structure["truncated"] = True
            lines.append(
                _cut_note(min(budget, len(body.text)), len(body.text), operation, fetched, body.note)
            )
        elif body.note:
            lines.append(f"[{body.note}.]")
    elif isinstance(body, _Binary):
        lines.append(_binary_summary(body, fetched))
    else:
        lines.append(f"{operation.label} succeeded: {_status_line(fetched.status)}, with no body.")
    arguments = next_page_arguments(fetched, operation, query_arguments)
    if arguments is not None:
        structure["nextPage"] = arguments
        listed = ", ".join(f"{name}={json.dumps(value)}" for name, value in arguments.items())
        lines.append(f"More results follow: call this tool again with {listed} for the next page.")
    elif _next_link(fetched) is not None:
        lines.append('The API says more results follow (a Link rel="next" header).')
    text = "\n".join(lines)
    if body_check is None:
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])
    return text_and_structure(text, structure)


def _failure_text(fetched: Fetched, operation: Operation, hint_for_auth: str | None) -> str:
    status = fetched.status
    verb = "was redirected" if 300 <= status < 400 else "failed"
    lines = [f"{operation.label} {verb}: {_status_line(status)}{_retried(fetched)}."]
    said = _error_body(fetched)
    if said:
        lines += ["The API said:", said]
    lines.append(_advice(fetched, operation, hint_for_auth))
    return "\n".join(lines)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _retried(fetched: Fetched) -> str:
    retries = fetched.attempts - 1
    if retries < 1:
        return ""
    return f" (retried {retries} time{'s' if retries > 1 else ''})"


def _advice(fetched: Fetched, operation: Operation, hint_for_auth: str | None) -> str:
    """What the model (or the user) can do about a failure, by its status."""
    status = fetched.status
    auth = f" {hint_for_auth}" if hint_for_auth else ""
    if status == 304:
        return "The API says the resource has not changed since the version a conditional header named."
    if 300 <= status < 400:
        location = fetched.headers.get("location")
        where = f" to {urljoin(fetched.url, location)}" if location else ""
        return (
            f"The API redirected the request{where} and this server did not follow it; the resource may"
            " have moved, or the document describe this operation wrongly."
        )
    if status in (400, 422):
        return (
            "The API refused the arguments: check them against this tool's input schema and the API's"
            " message above, then call again with corrected ones."
        )
    if status == 401:
        return f"The API did not accept the credentials sent (or needs some and got none).{auth}"
    if status == 403:
        return f"The credentials in use are not allowed to do this, or the API refuses it to everyone.{auth}"
    if status == 404:
        return (
            "The resource does not exist: check the identifiers in the arguments (a listing operation"
            " can show which exist), or it is not visible with the credentials in use."
        )
    if status == 405:
        return f"The API does not allow {operation.method} on this path, whatever its document says."
    if status == 409:
        return (
            "The request conflicts with the resource's current state: read the resource again and"
            " call with arguments that fit it."
        )
    if status == 410:
        return "The resource is gone for good: do not retry."
    if status in (429, 503):
        what = "is rate limiting this client" if status == 429 else "is unavailable for now"
        wait = (
            f" It asked to wait {fetched.retry_after:g} second{'' if fetched.retry_after == 1 else 's'}"
            " before trying again."
            if fetched.retry_after is not None
            else ""
        )
        return f"The API {what}.{wait} Try again later, or ask for less at a time."
    if status >= 500:
        unsure = (
            ""
            if operation.read_only
            else f" The {operation.method} may or may not have taken effect: check before repeating it."
        )
        return f"The API failed on its side; the same call may work later.{unsure}"
    if 400 <= status < 500:
        return "The API refused the request; its message above says why."
    return "The API answered with a status this server does not treat as success."


# -- reading a body ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Json:
    value: Any


@dataclass(frozen=True)
class _Text:
    text: str
    note: str = ""
    """Said after the text: why a body labelled JSON is given as text."""


@dataclass(frozen=True)
class _Binary:
    media_type: str


_JSON_TYPES = frozenset({"application/json", "text/json", "application/x-json"})
_TEXT_APPLICATION_TYPES = frozenset(
    {"application/xml", "application/javascript", "application/ecmascript", "application/yaml"}
    | {"application/x-yaml", "application/toml", "application/csv", "application/x-ndjson"}
    | {"application/graphql", "application/sql", "application/x-www-form-urlencoded", "application/rtf"}
)
_VAGUE_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json_type(content_type: str) -> bool:
    media_type = _media_type(content_type)
    return media_type in _JSON_TYPES or media_type.endswith("+json")


def _is_text_type(media_type: str) -> bool:
    return (
        media_type.startswith("text/") or media_type.endswith("+xml") or media_type in _TEXT_APPLICATION_TYPES
    )


def _read(fetched: Fetched) -> _Json | _Text | _Binary | None:
    """What the body is: JSON (by its type, or by parsing when it has none), text, bytes, or nothing."""
    if not fetched.body:
        return None
    media_type = _media_type(fetched.headers.get("content-type", ""))
    if _is_json_type(media_type) and fetched.truncated:
        return _Text(fetched.text())  # the start of a JSON text is no value: given as text, with a note
    if _is_json_type(media_type) or not media_type:
        text = fetched.text()
        try:
            return _Json(json.loads(text, parse_constant=_refuse_constant))
        except ValueError:
            if media_type:
                return _Text(text, f"The body is labelled {media_type} but is not valid JSON")
    if _is_text_type(media_type):
        return _Text(fetched.text())
    if media_type in _VAGUE_TYPES and as_text(fetched.body) is not None:
        return _Text(fetched.text())
    return _Binary(media_type if media_type not in _VAGUE_TYPES else sniff(fetched.body) or media_type)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity would make the structured content invalid


@dataclass(frozen=True)
class _Shown:
    text: str
    truncated: bool
    shown: int
    total: int


def _json_text(value: Any, budget: int) -> _Shown:
    """`value` as JSON text: indented by one space when that fits `budget`, minified when only that fits.

    One space is the cheapest indent that still shows nesting to a reader; minified JSON carries
    the same data in fewer characters (a third fewer for 1,000 small objects: 49,781 against 73,782), so it is
    preferred to cutting.
    """
    indented = json.dumps(value, ensure_ascii=False, indent=1)
    if len(indented) <= budget:
        return _Shown(indented, False, len(indented), len(indented))
    minified = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(minified) <= budget:
        return _Shown(minified, False, len(minified), len(minified))
    return _Shown(minified[:budget], True, budget, len(minified))


def _cut_note(shown: int, total: int, operation: Operation, fetched: Fetched, lead: str) -> str:
    """The closing note of a cut body: how much was left out and how to ask for less."""
    parts = [lead] if lead else []
    if shown < total:
        parts.append(f"this result shows {shown:,} of its {total:,} characters")
    if fetched.truncated:
        parts.append(
            f"the API sent more than this server reads (only the first {len(fetched.body):,} bytes arrived)"
        )
    advice = paging_advice(operation)
    return f"[{'; '.join(parts)}. To get the rest, {advice}.]"


def _binary_summary(body: _Binary, fetched: Fetched) -> str:
    size = f"{len(fetched.body):,} bytes" + (", cut at the server's byte cap" if fetched.truncated else "")
    kind = body.media_type or "binary"
    return (
        f"The API answered {_status_line(fetched.status)} with {kind} content ({size})."
        " This server does not return binary content, so it is not included."
    )


def _error_body(fetched: Fetched) -> str:
    """The API's error body as a few readable lines, at most `MAX_ERROR_BODY_CHARS`."""
    body = _read(fetched)
    if body is None:
        return ""
    if isinstance(body, _Binary):
        return f"({body.media_type or 'binary'} content, {len(fetched.body):,} bytes, not shown)"
    if isinstance(body, _Json):
        text = json.dumps(body.value, ensure_ascii=False, indent=1)
    elif _media_type(fetched.headers.get("content-type", "")) in ("text/html", "application/xhtml+xml"):
        text = _page_text(body.text)
    else:
        text = body.text.strip()
    return _shortened(text, MAX_ERROR_BODY_CHARS)


_HIDDEN_ELEMENTS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def _page_text(html: str) -> str:
    """The words of an HTML error page (a gateway's, often): its title and visible text, tags dropped."""
    title = _TITLE.search(html)
    words = " ".join(_TAG.sub(" ", _HIDDEN_ELEMENTS.sub(" ", html)).split())
    heading = " ".join(title.group(1).split()) if title else ""
    if heading and not words.startswith(heading):
        words = f"{heading}: {words}"
    return words


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- paging --------------------------------------------------------------------------------------

# Parameter names (lower-cased, without `_`, `-`, `$`) that set how many items come back...
_SIZE_NAMES = frozenset(
    {"limit", "perpage", "pagesize", "maxresults", "maxitems", "pagelimit", "top", "size", "count", "take"}
)
# ... and that say where the page starts.
_POSITION_NAMES = frozenset(
    {"offset", "page", "pagenumber", "cursor", "startingafter", "endingbefore", "after", "pagetoken"}
    | {"nexttoken", "continuationtoken", "continuation", "skip", "start", "startindex", "marker"}
)


def _plain_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def paging_advice(operation: Operation) -> str:
    """How to ask this operation for less: its paging parameters by name, else "narrow the request"."""
    names = [p.name for p in operation.parameters if p.location == "query"]
    sizes = [name for name in names if _plain_name(name) in _SIZE_NAMES]
    positions = [name for name in names if _plain_name(name) in _POSITION_NAMES]
    listed = [
        f"ask for fewer items with {_either(sizes)}" if sizes else "",
        f"the next page with {_either(positions)}" if positions else "",
    ]
    if sizes and positions:
        return f"{listed[0]}, or {listed[1]}"
    if sizes or positions:
        return listed[0] or f"ask for {listed[1]}"
    return "narrow the request (arguments that select fewer or smaller items)"


def _either(names: list[str]) -> str:
    return " or ".join(f"`{name}`" for name in names)


def next_page_arguments(
    fetched: Fetched, operation: Operation, query_arguments: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The arguments that fetch the next page, from a `Link: <...>; rel="next"` header, or None.

    Only the query parameters the model can pass are read from the link, under their arguments'
    names: `query_arguments` maps each such parameter's name to its argument's (by default every
    query parameter of the operation, named as the API names it). Nothing else of that URL
    reaches the model; a parameter a credential fills (an API key the link echoes) is not one.
    Integer and boolean parameters are given as such, so the arguments pass the tool's strict
    input check.
    """
    link = _next_link(fetched)
    if link is None:
        return None
    parameters = {p.name: p for p in operation.parameters if p.location == "query"}
    names = query_arguments if query_arguments is not None else {name: name for name in parameters}
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(link).query, keep_blank_values=True):
        if name in parameters and name in names:
            values.setdefault(name, []).append(value)
    arguments = {names[name]: _typed(parameters[name], given) for name, given in values.items()}
    return arguments or None


def _typed(parameter: Parameter, values: list[str]) -> Any:
    """The argument for a parameter's values in the link: a list for an array (`tags=a&tags=b`)."""
    schema = parameter.schema.value if parameter.schema is not None else None
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind == "array":
        items = schema.get("items") if isinstance(schema, dict) else None
        item_kind = items.get("type") if isinstance(items, dict) else None
        if parameter.explode is False and len(values) == 1:  # form style, not exploded: `tags=a,b`
            values = values[0].split(",")
        return [_scalar(item_kind, value) for value in values]
    return _scalar(kind, values[-1])


def _scalar(kind: Any, value: str) -> Any:
    if kind == "integer" and re.fullmatch(r"-?\d{1,18}", value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _next_link(fetched: Fetched) -> str | None:
    """The target of the first `rel="next"` link in the response's Link headers (RFC 8288), resolved."""
    for target, relations in _links(", ".join(fetched.headers.get_list("link"))):
        if "next" in relations:
            return urljoin(fetched.url, target)
    return None


_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
_REL = re.compile(r"""(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;"]+))""", re.IGNORECASE)


def _links(header: str) -> Iterator[tuple[str, list[str]]]:
    """Each link's target and its relation types, lower-cased."""
    for match in _LINK.finditer(header):
        rel = _REL.search(match.group(2))
        if rel is not None:
            yield match.group(1).strip(), (rel.group(1) or rel.group(2) or "").lower().split()
