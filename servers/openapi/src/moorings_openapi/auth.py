"""The operator's credentials, added to requests after the model's arguments, never shown to it.

An operation lists security requirements; any one satisfied is enough, and each names schemes
that must all be supplied. The first requirement the credentials satisfy entirely is used
(a non-empty one before `{}`, so credentials the API takes optionally are sent):

- http `bearer`, `oauth2` and `openIdConnect`: `Authorization: Bearer <token>`;
- http `basic`: `Authorization: Basic base64(user:password)`;
- `apiKey`: the key in the header, query parameter or cookie the scheme names.

A credential replaces whatever the request already had in its place, and `reserved_parameters`
tells the argument plan which parameters to withhold from the model, so no argument can
override it. An operation declaring no security at all still gets a bearer token or basic
credentials when the operator gave them: they asked for it. When nothing fits, the request
goes out without credentials (the API will say 401) and `missing_credentials` says what to set.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from moorings_openapi.operations import Location, Operation, SecurityScheme
from moorings_openapi.requests import HttpRequest

__all__ = [
    "ENVIRONMENT",
    "Credentials",
    "authorize",
    "check_credentials",
    "missing_credentials",
    "reserved_parameters",
]

ENVIRONMENT = {
    "bearer_token": "MOORINGS_OPENAPI_BEARER_TOKEN",
    "api_key": "MOORINGS_OPENAPI_API_KEY",
    "username": "MOORINGS_OPENAPI_USERNAME",
    "password": "MOORINGS_OPENAPI_PASSWORD",
}
"""The environment variables the operator sets each credential with (named in hints)."""

_BEARER_TYPES = ("oauth2", "openIdConnect")


@dataclass(frozen=True)
class Credentials:
    """What the operator supplies. Its repr says which are set, never what they are."""

    bearer_token: str | None = None
    api_key: str | None = None
    username: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        for field_name in ("bearer_token", "api_key", "username", "password"):
            value = getattr(self, field_name)
            if value is not None and any(not " " <= character <= "~" for character in value):
                raise ValueError(
                    f"the {field_name.replace('_', ' ')} holds a character a request cannot carry:"
                    " use printable ASCII only (no line breaks)"
                )
        if self.username is not None and ":" in self.username:
            raise ValueError(
                "the user name cannot hold ':' (basic authentication separates it from the password)"
            )

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={'<set>' if getattr(self, name) is not None else None}"
            for name in ("bearer_token", "api_key", "username", "password")
        )
        return f"Credentials({shown})"

    __str__ = __repr__


def authorize(
    request: HttpRequest,
    operation: Operation,
    schemes: Mapping[str, SecurityScheme],
    credentials: Credentials,
) -> HttpRequest:
    """`request` with the credentials the operation's security asks for (see the module's docstring)."""
    for scheme in _schemes_to_apply(operation, schemes, credentials):
        request = _apply(request, scheme, credentials)
    return request


def reserved_parameters(
    operation: Operation, schemes: Mapping[str, SecurityScheme], credentials: Credentials
) -> frozenset[tuple[Location, str]]:
    """The `(location, lower-case name)` pairs the credentials fill on this operation.

    Give them to `plan_arguments(..., reserved=...)` so the model is not offered them.
    """
    reserved: set[tuple[Location, str]] = set()
    for scheme in _schemes_to_apply(operation, schemes, credentials):
        if scheme.type == "apiKey" and scheme.location and scheme.parameter_name:
            reserved.add((scheme.location, scheme.parameter_name.lower()))
        else:
            reserved.add(("header", "authorization"))
    return frozenset(reserved)


def check_credentials(schemes: Mapping[str, SecurityScheme], credentials: Credentials) -> None:
    """Refuse, at start-up, credentials the document gives no place to. Raises ValueError."""
    if credentials.api_key is not None and not any(_api_key_scheme(scheme) for scheme in schemes.values()):
        raise ValueError(
            "--api-key needs the document to declare an apiKey security scheme;"
            " send it with --header 'NAME: VALUE' instead"
        )
    if credentials.password is not None and credentials.username is None:
        raise ValueError("a password needs a user name: set MOORINGS_OPENAPI_USERNAME too")


def missing_credentials(
    operation: Operation, schemes: Mapping[str, SecurityScheme], credentials: Credentials
) -> str | None:
    """What the operator must set for this operation, when its credentials satisfy none of its
    requirements; None when they do or when none is needed. For a 401 or 403 answer."""
    if not operation.security or _choose(operation.security, schemes, credentials) is not None:
        return None
    alternatives = [
        " and ".join(_needs(name, schemes.get(name)) for name in requirement)
        for requirement in operation.security
    ]
    return f"this operation needs {' or '.join(alternatives)}"


# --- choosing -------------------------------------------------------------------------------------


def _schemes_to_apply(
    operation: Operation, schemes: Mapping[str, SecurityScheme], credentials: Credentials
) -> list[SecurityScheme]:
    if not operation.security:
        return _undeclared(schemes, credentials)
    return _choose(operation.security, schemes, credentials) or []


def _choose(
    requirements: Sequence[Mapping[str, object]],
    schemes: Mapping[str, SecurityScheme],
    credentials: Credentials,
) -> list[SecurityScheme] | None:
    """The schemes of the first requirement the credentials satisfy entirely (`{}` last)."""
    for requirement in sorted(requirements, key=lambda requirement: not requirement):  # stable
        chosen = [schemes.get(name) for name in requirement]
        if all(scheme is not None and _can_supply(scheme, credentials) for scheme in chosen):
            return [scheme for scheme in chosen if scheme is not None]
    return None


def _undeclared(schemes: Mapping[str, SecurityScheme], credentials: Credentials) -> list[SecurityScheme]:
    """What to send where the document requires nothing: whatever the operator gave that has a place."""
    chosen: list[SecurityScheme] = []
    if credentials.api_key is not None:
        chosen.extend(scheme for scheme in schemes.values() if _api_key_scheme(scheme))
        chosen = chosen[:1]
    if credentials.bearer_token is not None:
        chosen.append(SecurityScheme(name="bearer", type="http", scheme="bearer"))
    elif credentials.username is not None:
        chosen.append(SecurityScheme(name="basic", type="http", scheme="basic"))
    return chosen


def _api_key_scheme(scheme: SecurityScheme) -> bool:
    return scheme.type == "apiKey" and scheme.location is not None and bool(scheme.parameter_name)


def _can_supply(scheme: SecurityScheme, credentials: Credentials) -> bool:
    if _api_key_scheme(scheme):
        return credentials.api_key is not None
    if _is_bearer(scheme):
        return credentials.bearer_token is not None
    if scheme.type == "http" and scheme.scheme == "basic":
        return credentials.username is not None
    return False  # digest, mutual TLS, ...: nothing the server can supply


def _is_bearer(scheme: SecurityScheme) -> bool:
    return scheme.type in _BEARER_TYPES or (scheme.type == "http" and scheme.scheme == "bearer")


def _needs(name: str, scheme: SecurityScheme | None) -> str:
    if scheme is None:
        return f"credentials for the undeclared security scheme {name!r}"
    if _api_key_scheme(scheme):
        return (
            f"an API key ({scheme.location} {scheme.parameter_name}):"
            f" start the server with {ENVIRONMENT['api_key']} set"
        )
    if _is_bearer(scheme):
        return f"a bearer token (scheme {name!r}): start the server with {ENVIRONMENT['bearer_token']} set"
    if scheme.type == "http" and scheme.scheme == "basic":
        return (
            f"a user name and password: start the server with {ENVIRONMENT['username']}"
            f" and {ENVIRONMENT['password']} set"
        )
    kind = f"http {scheme.scheme}" if scheme.type == "http" else scheme.type
    return f"{kind} authentication (scheme {name!r}), which this server cannot supply"


# --- applying -------------------------------------------------------------------------------------


def _apply(request: HttpRequest, scheme: SecurityScheme, credentials: Credentials) -> HttpRequest:
    if _api_key_scheme(scheme) and credentials.api_key is not None and scheme.parameter_name:
        if scheme.location == "header":
            return _with_header(request, scheme.parameter_name, credentials.api_key)
        if scheme.location == "query":
            return _with_query_parameter(request, scheme.parameter_name, credentials.api_key)
        return _with_cookie(request, scheme.parameter_name, credentials.api_key)
    if _is_bearer(scheme) and credentials.bearer_token is not None:
        return _with_header(request, "Authorization", f"Bearer {credentials.bearer_token}")
    if credentials.username is not None:
        pair = f"{credentials.username}:{credentials.password or ''}".encode()
        return _with_header(request, "Authorization", f"Basic {base64.b64encode(pair).decode('ascii')}")
    return request


def _with_header(request: HttpRequest, name: str, value: str) -> HttpRequest:
    headers = {key: text for key, text in request.headers.items() if key.lower() != name.lower()}
    headers[name] = value
    return replace(request, headers=headers)


def _with_query_parameter(request: HttpRequest, name: str, value: str) -> HttpRequest:
    url = urlsplit(request.url)
    kept = [pair for pair in url.query.split("&") if pair and unquote(pair.partition("=")[0]) != name]
    query = "&".join([*kept, f"{quote(name, safe='')}={quote(value, safe='')}"])
    return replace(request, url=urlunsplit(url._replace(query=query)))


def _with_cookie(request: HttpRequest, name: str, value: str) -> HttpRequest:
    cookie_header = next((key for key in request.headers if key.lower() == "cookie"), None)
    existing = request.headers.get(cookie_header, "") if cookie_header else ""
    kept = [pair for pair in existing.split("; ") if pair and pair.partition("=")[0] != name]
    return _with_header(request, "Cookie", "; ".join([*kept, f"{name}={value}"]))
