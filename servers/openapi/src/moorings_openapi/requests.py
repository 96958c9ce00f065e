"""The exact HTTP request a tool call sends, built from arguments that are treated as hostile.

Parameters are serialised as OpenAPI 3 describes (`style` and `explode`): path `simple`, `label`
and `matrix`; query `form`, `spaceDelimited`, `pipeDelimited` and `deepObject`; header `simple`;
cookie `form`, all cookies in one Cookie header. Parameters given by `content` are sent as JSON.
Bodies are sent as JSON, form fields, multipart form data or text, as the operation's media type
says.

What a value can never do:

- change where the request goes: every character of a path or query value but the unreserved
  ones (`A-Z a-z 0-9 - . _ ~`) is percent-encoded, so `/`, `?`, `#`, `@`, `:` and `%` stay inside
  their parameter; a path segment that would be `.` or `..` (which servers and proxies resolve
  away) and an empty path parameter (`/pets/` is another resource) are refused;
- add a header or a cookie: header values must be printable ASCII, cookie values also without
  `;` and `,`;
- and, in case a rule above has a hole, the finished URL must still have the base URL's scheme,
  host, port and path prefix, or nothing is sent.

Every refusal is an `InvalidInput` the model reads: which parameter, and what is allowed.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlencode, urlsplit, urlunsplit

from moorings_core.errors import InvalidInput
from moorings_openapi.arguments import RequestParts
from moorings_openapi.operations import Location, Operation, Parameter, RequestBody

__all__ = ["HttpRequest", "build_request", "is_json_media_type"]

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
# Kept in the document's own path text, which the operator trusts: the RFC 3986 path characters.
_PATH_TEMPLATE_SAFE = "/:@!$&'()*+,;=-._~%"
_DELIMITED = {"form": ",", "spaceDelimited": "%20", "pipeDelimited": "%7C"}


@dataclass(frozen=True)
class HttpRequest:
    """A request ready to send: nothing in it is interpreted again."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None = None


def build_request(operation: Operation, parts: RequestParts, *, base_url: str) -> HttpRequest:
    """The request `operation` sends with `parts`, against `base_url` (`https://api.example.com/v1`).

    Raises InvalidInput for a value that cannot be sent safely (see the module's docstring) and
    ValueError for a base URL that is not an absolute http or https URL.
    """
    base = _parse_base(base_url)
    parameters = {(parameter.location, parameter.name): parameter for parameter in operation.parameters}

    def declared(location: Location, values: Mapping[str, Any]) -> Iterable[tuple[Parameter, Any]]:
        for name, value in values.items():
            parameter = parameters.get((location, name))
            if parameter is None:
                raise ValueError(f"{operation.label} has no {location} parameter {name!r}")
            yield parameter, value

    path = _expand_path(
        operation, {parameter.name: (parameter, value) for parameter, value in declared("path", parts.path)}
    )
    query = [
        pair for parameter, value in declared("query", parts.query) for pair in _query_pairs(parameter, value)
    ]
    headers: dict[str, str] = {}
    for parameter, value in declared("header", parts.header):
        headers[parameter.name] = _header_value(parameter, value)
    cookies = [
        pair
        for parameter, value in declared("cookie", parts.cookie)
        for pair in _cookie_pairs(parameter, value)
    ]
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    accept = _accept(operation)
    if accept:
        headers["Accept"] = accept

    content = None
    if parts.has_body:
        if operation.body is None:
            raise ValueError(f"{operation.label} takes no request body")
        content, headers["Content-Type"] = _body(operation.body, parts.body)

    full_query = "&".join(filter(None, [base.query, *query]))
    url = urlunsplit((base.scheme, base.netloc, base.path + path, full_query, ""))
    _check_within_base(url, base, base.path + path, full_query)
    return HttpRequest(method=operation.method, url=url, headers=headers, content=content)


def is_json_media_type(media_type: str) -> bool:
    """`application/json`, `application/problem+json`, `application/json; charset=utf-8`, ..."""
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


# --- the base URL ---------------------------------------------------------------------------------


def _parse_base(base_url: str) -> SplitResult:
    base = urlsplit(base_url)
    if base.scheme not in ("http", "https") or not base.hostname:
        raise ValueError(f"the base URL {base_url!r} must be an absolute http or https URL")
    try:
        _ = base.port
    except ValueError:
        raise ValueError(f"the base URL {base_url!r} has a port that is not a number") from None
    return base._replace(path=base.path.rstrip("/"), fragment="")


def _check_within_base(url: str, base: SplitResult, path: str, query: str) -> None:
    """Defence in depth: whatever the serialisers let through, the request stays under the base.

    The URL must read back as exactly the path and query that were put in it, under the base's
    scheme, host, port and path prefix, with no dot segment, fragment, space or control character.
    """
    sent = urlsplit(url)
    same_place = (
        sent.scheme == base.scheme
        and sent.netloc == base.netloc
        and sent.hostname == base.hostname
        and sent.port == base.port
        and (sent.path == base.path or sent.path.startswith(base.path + "/"))
        and not any(unquote(segment) in (".", "..") for segment in sent.path.split("/"))
        and sent.path == path
        and sent.query == query
        and sent.query.startswith(base.query)
        and not sent.fragment
        and not any(character <= " " or character >= "\x7f" for character in url)
    )
    if not same_place:
        raise InvalidInput(
            "the arguments would send the request outside the API's base URL, so it was not sent.",
            hint="Give parameter values as plain values, not URLs or paths.",
        )


# --- values ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A primitive as OpenAPI writes it in a URL or header: booleans `true`/`false`, null empty."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"{what} is not valid Unicode (it holds a lone surrogate).",
            hint="Give text made of whole characters.",
        ) from None


def _encoded(text: str, what: str) -> str:
    """Percent-encoded with nothing kept but the unreserved characters."""
    return quote(_utf8(text, what), safe="")


def _encoded_name(name: str) -> str:
    # A parameter's name is the document's (`filter[status]`), trusted; brackets read better bare.
    return quote(name, safe="[]")


# --- path -----------------------------------------------------------------------------------------


def _expand_path(operation: Operation, values: Mapping[str, tuple[Parameter, Any]]) -> str:
    pieces = []
    position = 0
    template = operation.path if operation.path.startswith("/") else "/" + operation.path
    for match in _TEMPLATE.finditer(template):
        pieces.append(quote(template[position : match.start()], safe=_PATH_TEMPLATE_SAFE))
        name = match.group(1)
        if name not in values:
            raise InvalidInput(f"the path parameter {name!r} is missing: {operation.label} needs it.")
        pieces.append(_path_value(*values[name]))
        position = match.end()
    pieces.append(quote(template[position:], safe=_PATH_TEMPLATE_SAFE))
    path = "".join(pieces)
    for segment in path.split("/"):
        if segment in (".", ".."):
            raise InvalidInput(
                f"the path parameters of {operation.label} would make the path segment {segment!r},"
                " which servers resolve away to reach another resource.",
                hint="Give the identifier itself; '.' and '..' are not allowed as path values.",
            )
    return path


def _path_value(parameter: Parameter, value: Any) -> str:
    what = f"the path parameter {parameter.name!r}"
    style = parameter.style or "simple"
    explode = bool(parameter.explode)
    name = quote(parameter.name, safe="")
    if parameter.media_type:
        value = _json(value)
    if value is None or value == "" or value == [] or value == {}:
        raise InvalidInput(
            f"{what} is empty.", hint="A path parameter needs a value: an empty one names another resource."
        )

    def encoded(item: Any) -> str:
        return _encoded(_text(item), what)

    if isinstance(value, list):
        items = [encoded(item) for item in value]
        if style == "label":
            return "." + ("." if explode else ",").join(items)
        if style == "matrix":
            return "".join(f";{name}={item}" for item in items) if explode else f";{name}=" + ",".join(items)
        return ",".join(items)
    if isinstance(value, dict):
        pairs = [(encoded(key), encoded(item)) for key, item in value.items()]
        joined = ",".join(f"{key}={item}" for key, item in pairs) if explode else ",".join(_flat(pairs))
        if style == "label":
            return "." + (".".join(f"{key}={item}" for key, item in pairs) if explode else joined)
        if style == "matrix":
            return "".join(f";{key}={item}" for key, item in pairs) if explode else f";{name}={joined}"
        return joined
    text = encoded(value)
    if style == "label":
        return "." + text
    if style == "matrix":
        return f";{name}={text}" if text else f";{name}"
    return text


def _flat(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [piece for pair in pairs for piece in pair]


# --- query ----------------------------------------------------------------------------------------


def _query_pairs(parameter: Parameter, value: Any) -> list[str]:
    what = f"the query parameter {parameter.name!r}"
    style = parameter.style or "form"
    explode = parameter.explode if parameter.explode is not None else style == "form"
    name = _encoded_name(parameter.name)

    def encoded(item: Any) -> str:
        return _encoded(_text(item), what)

    if parameter.media_type:
        return [f"{name}={encoded(_json(value))}"]
    if isinstance(value, dict) and style == "deepObject":
        return _deep_object(name, value, encoded)
    separator = _DELIMITED.get(style, ",")
    if isinstance(value, list):
        items = [encoded(item) for item in value]
        if explode:
            return [f"{name}={item}" for item in items]
        return [f"{name}={separator.join(items)}"]
    if isinstance(value, dict):
        pairs = [(encoded(key), encoded(item)) for key, item in value.items()]
        if explode:
            return [f"{key}={item}" for key, item in pairs]
        return [f"{name}={separator.join(_flat(pairs))}"]
    return [f"{name}={encoded(value)}"]


def _deep_object(prefix: str, value: Mapping[str, Any], encoded: Callable[[Any], str]) -> list[str]:
    """`filter[status]=sold&filter[tags]=a&filter[tags]=b`, nested objects as `a[b][c]`."""
    pairs = []
    for key, item in value.items():
        name = f"{prefix}[{encoded(key)}]"
        if isinstance(item, dict):
            pairs.extend(_deep_object(name, item, encoded))
        elif isinstance(item, list):
            pairs.extend(f"{name}={encoded(element)}" for element in item)
        else:
            pairs.append(f"{name}={encoded(item)}")
    return pairs


# --- headers and cookies --------------------------------------------------------------------------


def _simple(parameter: Parameter, value: Any) -> str:
    if parameter.media_type:
        return _json(value)
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    if isinstance(value, dict):
        if parameter.explode:
            return ",".join(f"{key}={_text(item)}" for key, item in value.items())
        return ",".join(_flat((key, _text(item)) for key, item in value.items()))
    return _text(value)


def _header_value(parameter: Parameter, value: Any) -> str:
    text = _simple(parameter, value)
    for character in text:
        if not " " <= character <= "~":
            raise InvalidInput(
                f"the header parameter {parameter.name!r} holds {_describe(character)},"
                " which a header cannot carry.",
                hint="Header values may hold printable ASCII only: no line breaks or control characters.",
            )
    return text


def _cookie_pairs(parameter: Parameter, value: Any) -> list[str]:
    explode = parameter.explode if parameter.explode is not None else True
    name = parameter.name
    if parameter.media_type:
        pairs = [(name, _json(value))]
    elif isinstance(value, list):
        texts = [_text(item) for item in value]
        _refuse_in_cookie(parameter, texts)
        pairs = [(name, text) for text in texts] if explode else [(name, ",".join(texts))]
    elif isinstance(value, dict):
        texts_by_key = {key: _text(item) for key, item in value.items()}
        _refuse_in_cookie(parameter, _flat(texts_by_key.items()))
        pairs = list(texts_by_key.items()) if explode else [(name, ",".join(_flat(texts_by_key.items())))]
    else:
        pairs = [(name, _text(value))]
        _refuse_in_cookie(parameter, pairs[0])
    return [f"{key}={text}" for key, text in pairs]


def _refuse_in_cookie(parameter: Parameter, texts: Iterable[str]) -> None:
    """Each value (the pieces of an array or object, before we join them with commas) is checked."""
    for text in texts:
        for character in text:
            if not " " <= character <= "~" or character in ";,":
                raise InvalidInput(
                    f"the cookie parameter {parameter.name!r} holds {_describe(character)},"
                    " which a cookie cannot carry.",
                    hint="Cookie values may hold printable ASCII characters other than ';' and ','.",
                )


def _describe(character: str) -> str:
    if " " <= character <= "~":
        return f"{character!r}"
    return f"the character U+{ord(character):04X}"


def _accept(operation: Operation) -> str:
    media_types = dict.fromkeys(
        response.media_type for response in operation.responses if response.media_type
    )
    return ", ".join(media_types)


# --- the body -------------------------------------------------------------------------------------


def _body(body: RequestBody, value: Any) -> tuple[bytes, str]:
    """The body's bytes and its Content-Type."""
    media_type = body.media_type
    essence = media_type.split(";", 1)[0].strip().lower()
    if is_json_media_type(essence):
        return _utf8(_json(value), "the body"), media_type
    if essence == "application/x-www-form-urlencoded":
        return urlencode(_form_fields(value)).encode("ascii"), media_type
    if essence == "multipart/form-data":
        return _multipart(_form_fields(value))
    if "*" in essence:  # the document accepts anything: text as text, the rest as JSON
        if isinstance(value, str):
            return _utf8(value, "the body"), "text/plain; charset=utf-8"
        return _utf8(_json(value), "the body"), "application/json"
    if isinstance(value, (dict, list)):
        raise InvalidInput(
            f"the body is sent as {essence}, so it must be given as text,"
            f" not as a JSON {type(value).__name__}.",
        )
    if essence.startswith("text/") and "charset" not in media_type.lower():
        media_type += "; charset=utf-8"
    return _utf8(_text(value), "the body"), media_type


def _form_fields(value: Any) -> list[tuple[str, str]]:
    """Form fields by name: arrays of plain values repeated, objects and nested arrays as JSON."""
    if not isinstance(value, dict):
        raise InvalidInput(
            f"the body is sent as form fields, so it must be an object, not a JSON {type(value).__name__}."
        )
    fields: list[tuple[str, str]] = []
    for name, item in value.items():
        if item is None:
            continue
        if isinstance(item, list) and not any(isinstance(element, (dict, list)) for element in item):
            fields.extend((name, _text(element)) for element in item)
        else:
            fields.append((name, _text(item)))
    for name, text in fields:
        _utf8(name, f"the form field {name!r}")
        _utf8(text, f"the form field {name!r}")
    return fields


def _multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    parts = [
        (_utf8(_quoted_field_name(name), "a form field name"), text.encode("utf-8")) for name, text in fields
    ]
    boundary = _boundary(parts)
    content = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, text)
        for name, text in parts
    )
    content += b"--%s--\r\n" % boundary
    return content, f"multipart/form-data; boundary={boundary.decode('ascii')}"


def _quoted_field_name(name: str) -> str:
    # As browsers do (HTML's multipart/form-data encoding): the name cannot end its quotes or line.
    return name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _boundary(parts: list[tuple[bytes, bytes]]) -> bytes:
    while True:
        boundary = f"moorings-{secrets.token_hex(16)}".encode("ascii")
        if not any(boundary in name or boundary in text for name, text in parts):
            return boundary
