"""A real harbour web API on 127.0.0.1 for the openapi tests: boats and berths, every request recorded.

data/harbour.yaml documents exactly this API (test_harbour_api.py keeps the two in step), and the
app validates JSON bodies with that document's own schemas. `serve_harbour_api()` runs it under
uvicorn in a thread; the `HarbourApi` it yields is both the API's state, which a test may change
(the secrets, how many calls /limited refuses), and its record: `requests` holds every request as it
arrived, raw path with its percent-encoding, raw query, headers and body, so a test can assert what
a client sent, and that each credential went where its scheme says and nowhere else.

The secrets are distinctive strings that no answer ever says back, so a test may search all output
for them. /flaky drops the connection before any response (see live_server.HANG_UP); a request so
dropped is recorded like any other.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import struct
import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.openapi.live_server import HANG_UP, serve_asgi

__all__ = [
    "BASIC_PASSWORD",
    "BASIC_USER",
    "BEARER_TOKEN",
    "COOKIE_KEY",
    "HARBOUR_30_JSON",
    "HARBOUR_YAML",
    "HEADER_KEY",
    "QUERY_KEY",
    "HarbourApi",
    "RecordedRequest",
    "harbour_app",
    "harbour_document",
    "schema_errors",
    "serve_harbour_api",
]

HARBOUR_YAML = Path(__file__).parent / "data" / "harbour.yaml"
HARBOUR_30_JSON = Path(__file__).parent / "data" / "harbour-3.0.json"

BEARER_TOKEN = "harbour-bearer-secret-7f3a"
HEADER_KEY = "harbour-header-key-2b9c"
QUERY_KEY = "harbour-query-key-5d1e"
COOKIE_KEY = "harbour-cookie-key-8a4f"
BASIC_USER = "harbourmaster"
BASIC_PASSWORD = "harbour-basic-pass-3c6b"

BOAT_TYPES = ("sail", "motor", "row")
_SEED_BOATS = 50


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived. Text is decoded as latin-1: one character per byte sent."""

    method: str
    raw_path: str
    """As sent, percent-encoding and all: "/v1/echo/a%2Fb"."""
    query_string: str
    """As sent, without the "?"."""
    headers: tuple[tuple[str, str], ...]
    """In order, names in lower case, repeats kept."""
    body: bytes

    @property
    def path(self) -> str:
        """The path decoded, as the app routes it."""
        return unquote(self.raw_path)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        """Every value of header `name` joined with ", ", None when it was not sent."""
        values = [value for key, value in self.headers if key == name.lower()]
        return ", ".join(values) if values else None

    def mentions(self, text: str) -> bool:
        """Whether `text` is anywhere in the request: path and query (raw or decoded), headers, body."""
        places = [
            self.raw_path,
            self.path,
            self.query_string,
            unquote(self.query_string),
            self.body.decode("latin-1"),
        ]
        places += [f"{name}: {value}" for name, value in self.headers]
        return any(text in place for place in places)


@dataclass
class HarbourApi:
    """The served API's settings, state and record. `reset()` puts all back as it was when served."""

    host: str
    """"127.0.0.1:PORT"."""
    bearer_token: str = BEARER_TOKEN
    header_key: str = HEADER_KEY
    query_key: str = QUERY_KEY
    cookie_key: str = COOKIE_KEY
    basic_user: str = BASIC_USER
    basic_password: str = BASIC_PASSWORD
    limited_failures: int = 2
    """Calls to /limited answered 429 before one gets through."""
    flaky_failures: int = 1
    """Calls to /flaky whose connection is dropped before one is answered."""
    redirect_away_to: str = ""
    """Where /redirect-away sends clients: by default the same port on 127.0.0.2, where nothing listens."""

    boats: dict[int, dict[str, Any]] = field(init=False, repr=False)
    bookings: dict[str, list[dict[str, Any]]] = field(init=False, repr=False)
    limited_calls: int = field(init=False, default=0)
    flaky_calls: int = field(init=False, default=0)
    _requests: list[RecordedRequest] = field(init=False, repr=False, default_factory=list)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.redirect_away_to:
            self.redirect_away_to = f"http://127.0.0.2:{self.port}/v1/boats"
        self._as_served = {
            setting.name: getattr(self, setting.name) for setting in fields(self) if setting.init
        }
        self.reset()

    @property
    def port(self) -> int:
        return int(self.host.rpartition(":")[2])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}/v1"

    def url(self, path: str) -> str:
        """The URL of `path` under /v1: api.url("/boats/1")."""
        return self.base_url + path

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every credential the API accepts, the Basic one in the form it travels in too."""
        return (
            self.bearer_token,
            self.header_key,
            self.query_key,
            self.cookie_key,
            self.basic_password,
            self.basic_authorization.removeprefix("Basic "),
        )

    @property
    def basic_authorization(self) -> str:
        """The Authorization header value that /private/basic accepts."""
        pair = f"{self.basic_user}:{self.basic_password}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The requests whose decoded path is `path` under /v1: api.requests_to("/boats")."""
        return [request for request in self.requests if request.path == "/v1" + path]

    def reset(self) -> None:
        """Settings as served, the seed boats, no bookings, no calls counted, nothing recorded."""
        for name, value in self._as_served.items():
            setattr(self, name, value)
        self.boats = {boat["id"]: boat for boat in _seed_boats()}
        self.bookings = {}
        self.limited_calls = self.flaky_calls = 0
        with self._lock:
            self._requests.clear()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)


@contextmanager
def serve_harbour_api(**settings: Any) -> Iterator[HarbourApi]:
    """Serve the harbour API on 127.0.0.1 while the block runs; `settings` are HarbourApi's fields."""
    holder: list[HarbourApi] = []
    app = _Recorder(harbour_app(lambda: holder[0]), lambda: holder[0])
    with serve_asgi(app) as port:
        holder.append(HarbourApi(f"127.0.0.1:{port}", **settings))
        yield holder[0]


@cache
def harbour_document() -> dict[str, Any]:
    """data/harbour.yaml, parsed. Shared: copy before changing it."""
    document: dict[str, Any] = yaml.safe_load(HARBOUR_YAML.read_text(encoding="utf-8"))
    return document


def schema_errors(pointer: str, instance: object) -> list[str]:
    """How `instance` breaks the schema at `pointer` in harbour.yaml ("#/components/schemas/Boat")."""
    return [error.message for error in _validator(pointer).iter_errors(instance)]


@cache
def _validator(pointer: str) -> Any:
    registry: Registry[Any] = Registry().with_resource(
        "harbour.yaml", Resource.from_contents(harbour_document(), default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": "harbour.yaml" + pointer}, registry=registry)


# --- The record --------------------------------------------------------------------------------


class _Recorder:
    """Records each request, body read whole, before the app sees it; then replays the body to the app."""

    def __init__(self, app: ASGIApp, api: Any) -> None:
        self._app, self._api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False) and message["type"] == "http.request"
        self._api().record(
            RecordedRequest(
                method=scope["method"],
                raw_path=scope["raw_path"].decode("latin-1"),
                query_string=scope["query_string"].decode("latin-1"),
                headers=tuple(
                    (name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]
                ),
                body=body,
            )
        )
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # from here on, only http.disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self._app(scope, replay, send)


# --- The app ---------------------------------------------------------------------------------


class _Refusal(Exception):
    """An error answer: the status, and the JSON Error body's code and message."""

    def __init__(
        self, status: int, error: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.headers = status, error, message, dict(headers or {})


def _refusal_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _Refusal)
    return JSONResponse({"error": exc.error, "message": exc.message}, exc.status, headers=exc.headers)


def _not_routed(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    return JSONResponse(
        {"error": "not_found" if status == 404 else "bad_method", "message": str(exc)}, status
    )


def harbour_app(api: Any) -> Starlette:
    """The API, reading its state from `api()`: the HarbourApi serving it."""
    endpoints = _Endpoints(api)
    routes = [
        Route(path, getattr(endpoints, name), methods=[method], name=operation_id)
        for path, method, operation_id, name in _ROUTES
    ]
    return Starlette(
        routes=[Mount("/v1", routes=routes)],
        exception_handlers={_Refusal: _refusal_response, 404: _not_routed, 405: _not_routed},
    )


_ROUTES = [
    ("/boats", "GET", "listBoats", "list_boats"),
    ("/boats", "POST", "createBoat", "create_boat"),
    ("/boats/{boatId}", "GET", "getBoat", "get_boat"),
    ("/boats/{boatId}", "PUT", "replaceBoat", "replace_boat"),
    ("/boats/{boatId}", "PATCH", "updateBoat", "update_boat"),
    ("/boats/{boatId}", "DELETE", "deleteBoat", "delete_boat"),
    ("/berths/{berthId}/bookings", "GET", "listBookings", "list_bookings"),
    ("/berths/{berthId}/bookings", "POST", "createBooking", "create_booking"),
    ("/notices", "POST", "postNotice", "post_notice"),
    ("/uploads", "POST", "uploadDocument", "upload_document"),
    ("/notes/{noteId}", "PUT", "putNote", "put_note"),
    ("/charts/{chartId}", "GET", "getChart", "get_chart"),
    ("/tides.txt", "GET", "getTides", "get_tides"),
    ("/weather.xml", "GET", "getWeather", "get_weather"),
    # `:path` lets encoded slashes and dot segments reach the endpoint instead of missing the route.
    ("/echo/{value:path}", "GET", "echoPath", "echo_path"),
    ("/private/bearer", "GET", "getPrivateBearer", "private"),
    ("/private/key-header", "GET", "getPrivateKeyHeader", "private"),
    ("/private/key-query", "GET", "getPrivateKeyQuery", "private"),
    ("/private/key-cookie", "GET", "getPrivateKeyCookie", "private"),
    ("/private/basic", "GET", "getPrivateBasic", "private"),
    ("/slow", "GET", "getSlow", "slow"),
    ("/huge", "GET", "getHuge", "huge"),
    ("/limited", "GET", "getLimited", "limited"),
    ("/unavailable", "GET", "getUnavailable", "unavailable"),
    ("/flaky", "GET", "getFlaky", "flaky"),
    ("/redirect-away", "GET", "redirectAway", "redirect_away"),
    ("/redirect-here", "GET", "redirectHere", "redirect_here"),
    ("/mismatch", "GET", "getMismatch", "mismatch"),
    ("/server-error", "GET", "getServerError", "server_error"),
]


class _Endpoints:
    def __init__(self, api: Any) -> None:
        self._current = api

    @property
    def api(self) -> HarbourApi:
        api: HarbourApi = self._current()
        return api

    # Boats.

    async def list_boats(self, request: Request) -> Response:
        query = request.query_params
        limit = _integer(query.get("limit", "20"), "limit", low=1, high=100)
        offset = _offset(query.get("cursor"))
        kind = query.get("type")
        if kind is not None and kind not in BOAT_TYPES:
            raise _Refusal(422, "invalid_parameter", f"type must be one of {', '.join(BOAT_TYPES)}")
        tags = set(query.getlist("tags"))
        matching = [
            boat
            for _, boat in sorted(self.api.boats.items())
            if kind in (None, boat["type"]) and tags <= set(boat["tags"])
        ]
        end = offset + limit
        next_cursor = _cursor(end) if end < len(matching) else None
        headers = {}
        if next_cursor is not None:
            headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
        return JSONResponse({"items": matching[offset:end], "next_cursor": next_cursor}, headers=headers)

    async def create_boat(self, request: Request) -> Response:
        fields = await _json_body(request, "#/components/schemas/NewBoat")
        boat_id = max(self.api.boats, default=0) + 1
        self.api.boats[boat_id] = _boat(boat_id, fields)
        location = str(request.url_for("getBoat", boatId=str(boat_id)))
        return JSONResponse(self.api.boats[boat_id], 201, headers={"Location": location})

    async def get_boat(self, request: Request) -> Response:
        return JSONResponse(self._boat(request))

    async def replace_boat(self, request: Request) -> Response:
        boat_id = self._boat(request)["id"]
        fields = await _json_body(request, "#/components/schemas/NewBoat")
        self.api.boats[boat_id] = _boat(boat_id, fields)
        return JSONResponse(self.api.boats[boat_id])

    async def update_boat(self, request: Request) -> Response:
        boat = self._boat(request)
        boat.update(await _json_body(request, "#/components/schemas/BoatChanges"))
        return JSONResponse(boat)

    async def delete_boat(self, request: Request) -> Response:
        del self.api.boats[self._boat(request)["id"]]
        return Response(status_code=204)

    def _boat(self, request: Request) -> dict[str, Any]:
        raw_id = request.path_params["boatId"]
        boat = self.api.boats.get(int(raw_id)) if raw_id.isascii() and raw_id.isdigit() else None
        if boat is None:
            raise _Refusal(404, "not_found", f"There is no boat {raw_id!r}.")
        return boat

    # Berths.

    async def list_bookings(self, request: Request) -> Response:
        berth_id = request.path_params["berthId"]
        received = {
            "x_request_id": request.headers.get("x-request-id"),
            "session_hint": request.cookies.get("session_hint"),
            "from": request.query_params.get("from"),
            "to": request.query_params.get("to"),
            "query_string": request.scope["query_string"].decode("latin-1"),
            "cookie": request.headers.get("cookie"),
        }
        items = self.api.bookings.get(berth_id, [])
        return JSONResponse({"berthId": berth_id, "items": items, "received": received})

    async def create_booking(self, request: Request) -> Response:
        berth_id = request.path_params["berthId"]
        booking = await _json_body(request, "#/components/schemas/Booking")
        self.api.bookings.setdefault(berth_id, []).append(booking)
        return JSONResponse({"pathBerthId": berth_id, "booking": booking}, 201)

    # Other media types.

    async def post_notice(self, request: Request) -> Response:
        return await _form_echo(request, "application/x-www-form-urlencoded")

    async def upload_document(self, request: Request) -> Response:
        return await _form_echo(request, "multipart/form-data")

    async def put_note(self, request: Request) -> Response:
        content_type = _require_media_type(request, "text/plain")
        text = (await request.body()).decode("utf-8")
        return JSONResponse(
            {"noteId": request.path_params["noteId"], "text": text, "content_type": content_type}
        )

    async def get_chart(self, request: Request) -> Response:
        return Response(_CHART_PNG, media_type="image/png")

    async def get_tides(self, request: Request) -> Response:
        return PlainTextResponse("High water 06:12 4.1 m\nLow water 12:30 0.9 m\nHigh water 18:41 4.3 m\n")

    async def get_weather(self, request: Request) -> Response:
        xml = '<?xml version="1.0" encoding="UTF-8"?>\n<forecast><wind from="SW" force="4"/></forecast>\n'
        return Response(xml, media_type="application/xml")

    async def echo_path(self, request: Request) -> Response:
        return JSONResponse(
            {
                "raw_path": request.scope["raw_path"].decode("latin-1"),
                "query_string": request.scope["query_string"].decode("latin-1"),
                "value": request.path_params["value"],
            }
        )

    # Credentials.

    async def private(self, request: Request) -> Response:
        scheme = request.url.path.rpartition("/")[2]
        if not self._authorised(scheme, request):
            raise _Refusal(
                401,
                "unauthorised",
                f"/private/{scheme} needs its credential.",
                {"WWW-Authenticate": _CHALLENGES[scheme]},
            )
        return JSONResponse({"ok": True})

    def _authorised(self, scheme: str, request: Request) -> bool:
        api = self.api
        sent = {
            "bearer": request.headers.get("authorization") == f"Bearer {api.bearer_token}",
            "key-header": request.headers.get("x-api-key") == api.header_key,
            "key-query": request.query_params.get("api_key") == api.query_key,
            "key-cookie": request.cookies.get("harbour_key") == api.cookie_key,
            "basic": request.headers.get("authorization") == api.basic_authorization,
        }
        return sent[scheme]

    # Misbehaviours.

    async def slow(self, request: Request) -> Response:
        seconds = float(request.query_params.get("seconds", "30"))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_disconnection(request), seconds)
        return JSONResponse({"ok": True})

    async def huge(self, request: Request) -> Response:
        size = _integer(request.query_params.get("bytes", "5000000"), "bytes", low=0, high=256 * 2**20)
        line = "harbour log: all quiet on the pontoons, nothing to report, " + "." * 37  # 100 bytes in JSON
        return Response(json.dumps([line] * (size // 100 + 1)), media_type="application/json")

    async def limited(self, request: Request) -> Response:
        self.api.limited_calls += 1
        if self.api.limited_calls <= self.api.limited_failures:
            raise _Refusal(429, "rate_limited", "Too many requests.", {"Retry-After": "1"})
        return JSONResponse({"ok": True, "calls": self.api.limited_calls})

    async def unavailable(self, request: Request) -> Response:
        raise _Refusal(503, "unavailable", "Down for maintenance.", {"Retry-After": "1"})

    async def flaky(self, request: Request) -> Response:
        self.api.flaky_calls += 1
        if self.api.flaky_calls <= self.api.flaky_failures:
            request.scope["extensions"][HANG_UP]()
            await _disconnection(request)  # then the answer below goes nowhere, and uvicorn says nothing
        return JSONResponse({"ok": True, "calls": self.api.flaky_calls})

    async def redirect_away(self, request: Request) -> Response:
        return RedirectResponse(self.api.redirect_away_to, 302)

    async def redirect_here(self, request: Request) -> Response:
        return RedirectResponse("/v1/boats/1", 302)

    async def mismatch(self, request: Request) -> Response:
        return JSONResponse({"id": "one", "name": 42, "type": "submarine"})

    async def server_error(self, request: Request) -> Response:
        raise _Refusal(500, "internal", "Something broke in the harbour office.")


_CHALLENGES = {
    "bearer": 'Bearer realm="harbour"',
    "key-header": 'ApiKey realm="harbour", header="X-API-Key"',
    "key-query": 'ApiKey realm="harbour", query="api_key"',
    "key-cookie": 'ApiKey realm="harbour", cookie="harbour_key"',
    "basic": 'Basic realm="harbour"',
}


# --- Helpers ---------------------------------------------------------------------------------


def _seed_boats() -> list[dict[str, Any]]:
    names = [
        "Curlew",
        "Kittiwake",
        "Shearwater",
        "Tern",
        "Petrel",
        "Gannet",
        "Puffin",
        "Skua",
        "Fulmar",
        "Dunlin",
    ]
    tag_sets = [["classic"], ["racing"], ["family", "classic"], [], ["charter", "racing"]]
    return [
        _boat(
            n,
            {
                "name": f"{names[(n - 1) % 10]} {(n - 1) // 10 + 1}",
                "type": BOAT_TYPES[n % 3],
                "length_m": 4.0 + (n * 7 % 30) / 2,
                "tags": tag_sets[n % 5],
                "berthId": f"{'ABC'[n % 3]}{n % 20 + 1:02d}" if n % 4 else None,
            },
        )
        for n in range(1, _SEED_BOATS + 1)
    ]


def _boat(boat_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": boat_id,
        "name": "",
        "type": "sail",
        "length_m": None,
        "tags": [],
        "berthId": None,
        **fields,
    }


async def _disconnection(request: Request) -> None:
    """Return once the client has gone."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _integer(text: str, name: str, *, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise _Refusal(422, "invalid_parameter", f"{name} must be a whole number from {low} to {high}.")
    return int(text)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"after:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("after:"))
    except ValueError:
        raise _Refusal(422, "invalid_parameter", "cursor is not one this API gave out.") from None


def _require_media_type(request: Request, expected: str) -> str:
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != expected:
        raise _Refusal(415, "unsupported_media_type", f"The body must be {expected}, not {content_type!r}.")
    return content_type


async def _json_body(request: Request, schema: str) -> dict[str, Any]:
    _require_media_type(request, "application/json")
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise _Refusal(422, "invalid_body", "The body is not JSON.") from None
    problems = schema_errors(schema, body)
    if problems:
        raise _Refusal(422, "invalid_body", "; ".join(problems))
    assert isinstance(body, dict)
    return body


async def _form_echo(request: Request, media_type: str) -> Response:
    content_type = _require_media_type(request, media_type)
    fields: dict[str, list[str]] = {}
    files = []
    async with request.form() as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                files.append(
                    {
                        "field": name,
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                )
            else:
                fields.setdefault(name, []).append(value)
    return JSONResponse({"content_type": content_type, "fields": fields, "files": files}, 201)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, so a client's image handling gets genuine bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_CHART_PNG = _png(16, 16, (30, 90, 160))
