"""Requests built from arguments: every OpenAPI style, and hostile values kept in their place.

The last tests send built requests through httpx to a real HTTP server on 127.0.0.1 and look at
what arrived, so "the value stays in its segment" is checked where a server reads it.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import moorings_openapi.requests
from moorings_core.errors import InvalidInput
from moorings_openapi.arguments import RequestParts
from moorings_openapi.operations import Operation, Parameter, Response
from moorings_openapi.requests import HttpRequest, build_request
from tests.openapi.call_records import body, operation, parameter

BASE = "https://api.example.com/v1"


def parts(
    path: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
    cookie: dict[str, Any] | None = None,
    **body_value: Any,
) -> RequestParts:
    return RequestParts(
        path=path or {},
        query=query or {},
        header=header or {},
        cookie=cookie or {},
        body=body_value.get("body"),
        has_body="body" in body_value,
    )


def one_path_parameter(
    value: Any, *, style: str | None = None, explode: bool | None = None, base: str = BASE
) -> str:
    op = operation("GET", "/pets/{id}", parameters=(parameter("id", "path", style=style, explode=explode),))
    return build_request(op, parts(path={"id": value}), base_url=base).url


def one_query_parameter(
    value: Any, *, style: str | None = None, explode: bool | None = None, name: str = "id"
) -> str:
    op = operation("GET", "/pets", parameters=(parameter(name, "query", style=style, explode=explode),))
    return build_request(op, parts(query={name: value}), base_url=BASE).url


# --- the base URL ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://api.example.com/v1", "https://api.example.com/v1/pets/7"),
        ("https://api.example.com/v1/", "https://api.example.com/v1/pets/7"),
        ("https://api.example.com", "https://api.example.com/pets/7"),
        ("https://api.example.com/", "https://api.example.com/pets/7"),
        ("http://127.0.0.1:8080/api", "http://127.0.0.1:8080/api/pets/7"),
        ("https://api.example.com/v1?key=abc#x", "https://api.example.com/v1/pets/7?key=abc"),
    ],
)
def test_the_path_joins_the_base_url_with_exactly_one_slash(base: str, expected: str) -> None:
    assert one_path_parameter(7, base=base) == expected


def test_the_base_urls_own_query_comes_first() -> None:
    op = operation("GET", "/pets", parameters=(parameter("limit", "query"),))
    url = build_request(op, parts(query={"limit": 2}), base_url="https://api.example.com/v1?key=abc").url
    assert url == "https://api.example.com/v1/pets?key=abc&limit=2"


@pytest.mark.parametrize(
    "base", ["/v1", "ftp://api.example.com/", "https:///v1", "https://api.example.com:port/"]
)
def test_a_base_url_that_is_not_absolute_http_is_a_configuration_error(base: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        one_path_parameter(7, base=base)


# --- hostile path values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("https://evil.example/x", "https%3A%2F%2Fevil.example%2Fx"),
        ("../admin", "..%2Fadmin"),
        ("%2e%2e", "%252e%252e"),
        ("@evil.example", "%40evil.example"),
        ("?admin=1", "%3Fadmin%3D1"),
        ("#frag", "%23frag"),
        ("a b+c", "a%20b%2Bc"),
        ("\\..\\x", "%5C..%5Cx"),
        ("chien/été", "chien%2F%C3%A9t%C3%A9"),
        ("ok\r\nHost: evil", "ok%0D%0AHost%3A%20evil"),
        ("...", "..."),
    ],
)
def test_a_path_value_is_percent_encoded_whole(value: str, segment: str) -> None:
    url = one_path_parameter(value)
    assert url == f"https://api.example.com/v1/pets/{segment}"
    assert urlsplit(url).hostname == "api.example.com"
    assert unquote(urlsplit(url).path.rsplit("/", 1)[1]) == value


@pytest.mark.parametrize("value", [".", ".."])
def test_dot_segments_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="path segment") as refused:
        one_path_parameter(value)
    assert refused.value.hint is not None


def test_a_label_value_that_would_make_a_dot_segment_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"'\.\.'"):
        one_path_parameter(".", style="label")


@pytest.mark.parametrize("value", ["", [], {}, None])
def test_an_empty_path_value_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInput, match="'id' is empty"):
        one_path_parameter(value)


def test_a_missing_path_parameter_is_refused() -> None:
    op = operation("GET", "/pets/{id}", parameters=(parameter("id", "path"),))
    with pytest.raises(InvalidInput, match="'id' is missing"):
        build_request(op, parts(), base_url=BASE)


@given(st.text(min_size=1).filter(lambda text: text not in (".", "..")))
def test_any_path_value_stays_in_its_segment(value: str) -> None:
    url = one_path_parameter(value, base="https://api.example.com:8443/v1?k=1")
    sent = urlsplit(url)
    assert (sent.scheme, sent.hostname, sent.port) == ("https", "api.example.com", 8443)
    prefix, segment = sent.path.rsplit("/", 1)
    assert prefix == "/v1/pets"
    assert unquote(segment, errors="strict") == value
    assert sent.query == "k=1"
    assert not sent.fragment


def test_the_final_url_is_checked_even_if_a_serialiser_had_a_hole(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulates a bug in the path serialiser: the guard after it must still stop the request.
    monkeypatch.setattr(moorings_openapi.requests, "_path_value", lambda parameter, value: value)
    for hostile in ("x?admin=1", "x#frag", "%2e%2e/%2E%2E/admin", "x y", "x\r\nHost: evil"):
        with pytest.raises(InvalidInput, match="outside the API's base URL"):
            one_path_parameter(hostile)


# --- path styles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        (None, None, 5, "5"),
        (None, None, True, "true"),
        (None, None, [3, 4, 5], "3,4,5"),
        (None, None, {"role": "admin", "first": "Alex"}, "role,admin,first,Alex"),
        ("simple", True, {"role": "admin", "first": "Alex"}, "role=admin,first=Alex"),
        ("label", None, 5, ".5"),
        ("label", False, [3, 4], ".3,4"),
        ("label", True, [3, 4], ".3.4"),
        ("label", False, {"R": 100, "G": 200}, ".R,100,G,200"),
        ("label", True, {"R": 100, "G": 200}, ".R=100.G=200"),
        ("matrix", None, 5, ";id=5"),
        ("matrix", False, [3, 4], ";id=3,4"),
        ("matrix", True, [3, 4], ";id=3;id=4"),
        ("matrix", False, {"R": 100, "G": 200}, ";id=R,100,G,200"),
        ("matrix", True, {"R": 100, "G": 200}, ";R=100;G=200"),
        (None, None, ["a,b", "c/d"], "a%2Cb,c%2Fd"),
        ("matrix", True, {"x;y": "1=2"}, ";x%3By=1%3D2"),
    ],
)
def test_path_styles(style: str | None, explode: bool | None, value: Any, expected: str) -> None:
    assert one_path_parameter(value, style=style, explode=explode) == f"{BASE}/pets/{expected}"


# --- query styles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        (None, None, 5, "id=5"),
        (None, None, False, "id=false"),
        (None, None, "", "id="),
        (None, None, [3, 4, 5], "id=3&id=4&id=5"),
        (None, False, [3, 4, 5], "id=3,4,5"),
        (None, None, {"role": "admin", "first": "Alex"}, "role=admin&first=Alex"),
        ("form", False, {"role": "admin", "first": "Alex"}, "id=role,admin,first,Alex"),
        ("spaceDelimited", None, [3, 4, 5], "id=3%204%205"),
        ("pipeDelimited", None, [3, 4, 5], "id=3%7C4%7C5"),
        ("pipeDelimited", True, [3, 4], "id=3&id=4"),
        ("deepObject", True, {"status": "sold", "tag": ["a", "b"]}, "id[status]=sold&id[tag]=a&id[tag]=b"),
        ("deepObject", True, {"a": {"b": 1}}, "id[a][b]=1"),
        ("deepObject", True, {"x]&admin=1": "y"}, "id[x%5D%26admin%3D1]=y"),
        (None, None, "a&admin=1#x", "id=a%26admin%3D1%23x"),
        (None, None, ["1&x=2"], "id=1%26x%3D2"),
        (None, None, "été", "id=%C3%A9t%C3%A9"),
    ],
)
def test_query_styles(style: str | None, explode: bool | None, value: Any, expected: str) -> None:
    assert one_query_parameter(value, style=style, explode=explode) == f"{BASE}/pets?{expected}"


def test_a_query_parameter_named_with_brackets_keeps_them() -> None:
    assert one_query_parameter("sold", name="filter[status]") == f"{BASE}/pets?filter[status]=sold"


def test_a_parameter_given_by_content_is_sent_as_json() -> None:
    op = operation(
        "GET",
        "/pets/{where}",
        parameters=(
            parameter("where", "path", media_type="application/json"),
            parameter("filter", "query", media_type="application/json"),
            parameter("X-Filter", "header", media_type="application/json"),
        ),
    )
    request = build_request(
        op,
        parts(path={"where": {"a": 1}}, query={"filter": {"tags": ["x y"]}}, header={"X-Filter": [1, "2"]}),
        base_url=BASE,
    )
    assert request.url == f"{BASE}/pets/%7B%22a%22%3A1%7D?filter=%7B%22tags%22%3A%5B%22x%20y%22%5D%7D"
    assert request.headers["X-Filter"] == '[1,"2"]'


# --- headers and cookies --------------------------------------------------------------------------


def headers_of(op: Operation, **given: Any) -> dict[str, str]:
    return build_request(op, parts(**given), base_url=BASE).headers


def test_header_styles() -> None:
    op = operation(
        "GET",
        "/x",
        parameters=(
            parameter("X-Ids", "header"),
            parameter("X-Flag", "header"),
            parameter("X-Obj", "header"),
            parameter("X-Obj-Exploded", "header", explode=True),
        ),
    )
    headers = headers_of(
        op,
        header={
            "X-Ids": [1, 2],
            "X-Flag": True,
            "X-Obj": {"a": 1, "b": "x"},
            "X-Obj-Exploded": {"a": 1, "b": "x"},
        },
    )
    assert headers == {"X-Ids": "1,2", "X-Flag": "true", "X-Obj": "a,1,b,x", "X-Obj-Exploded": "a=1,b=x"}


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("ok\r\nX-Admin: 1", "U+000D"),
        ("ok\nX-Admin: 1", "U+000A"),
        ("ok\x00", "U+0000"),
        ("tab\there", "U+0009"),
        ("\x7f", "U+007F"),
        ("café", "U+00E9"),
        (["a", "b\r\nc"], "U+000D"),
    ],
)
def test_a_header_value_must_be_printable_ascii(value: Any, named: str) -> None:
    op = operation("GET", "/x", parameters=(parameter("X-Trace", "header"),))
    with pytest.raises(InvalidInput, match="'X-Trace'") as refused:
        headers_of(op, header={"X-Trace": value})
    assert named in refused.value.message
    assert refused.value.hint is not None
    assert "printable ASCII" in refused.value.hint


def test_cookies_go_in_one_header() -> None:
    op = operation(
        "GET",
        "/x",
        parameters=(
            parameter("session", "cookie"),
            parameter("ids", "cookie"),
            parameter("ids_joined", "cookie", explode=False),
            parameter("prefs", "cookie"),
        ),
    )
    headers = headers_of(
        op,
        cookie={
            "session": "abc",
            "ids": [1, 2],
            "ids_joined": [1, 2],
            "prefs": {"theme": "dark", "on": True},
        },
    )
    assert headers == {"Cookie": "session=abc; ids=1; ids=2; ids_joined=1,2; theme=dark; on=true"}


@pytest.mark.parametrize(
    "value",
    ["a; admin=1", "a,b", "a\r\nSet-Cookie: x", "nul\x00", "é", ["ok", "x;y"], {"k;": "v"}, {"k": "v,w"}],
)
def test_a_cookie_value_cannot_add_a_cookie_or_a_line(value: Any) -> None:
    op = operation("GET", "/x", parameters=(parameter("session", "cookie"),))
    with pytest.raises(InvalidInput, match="cookie parameter 'session'") as refused:
        headers_of(op, cookie={"session": value})
    assert refused.value.hint is not None
    assert "';' and ','" in refused.value.hint


def test_accept_lists_the_documented_response_media_types() -> None:
    op = Operation(
        method="GET",
        path="/x",
        pointer="#/paths/~1x/get",
        operation_id=None,
        responses=(
            Response("200", "ok", "application/json"),
            Response("404", "missing", "application/problem+json"),
            Response("default", "error", "application/json"),
            Response("204", "empty"),
        ),
    )
    assert headers_of(op) == {"Accept": "application/json, application/problem+json"}


# --- bodies ---------------------------------------------------------------------------------------


def sent_body(media_type: str, value: Any) -> HttpRequest:
    op = operation("POST", "/x", request_body=body({}, media_type=media_type))
    return build_request(op, parts(body=value), base_url=BASE)


@pytest.mark.parametrize(
    "media_type", ["application/json", "application/merge-patch+json", "application/json; charset=utf-8"]
)
def test_a_json_body(media_type: str) -> None:
    request = sent_body(media_type, {"name": "Rex", "tags": ["été"], "alive": True, "owner": None})
    assert request.headers["Content-Type"] == media_type
    assert request.content is not None
    assert json.loads(request.content) == {"name": "Rex", "tags": ["été"], "alive": True, "owner": None}


def test_a_json_body_may_be_null_or_a_plain_value() -> None:
    assert sent_body("application/json", None).content == b"null"
    assert sent_body("application/json", "x").content == b'"x"'


def test_no_body_means_no_content_and_no_content_type() -> None:
    op = operation("POST", "/x", request_body=body({}, required=False))
    request = build_request(op, parts(), base_url=BASE)
    assert request.content is None
    assert "Content-Type" not in request.headers


def test_a_form_urlencoded_body() -> None:
    request = sent_body(
        "application/x-www-form-urlencoded",
        {"name": "Rex & co", "ids": [1, 2], "meta": {"a": 1}, "ok": False, "gone": None},
    )
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"name=Rex+%26+co&ids=1&ids=2&meta=%7B%22a%22%3A1%7D&ok=false"


def test_a_form_body_must_be_an_object() -> None:
    with pytest.raises(InvalidInput, match="must be an object"):
        sent_body("application/x-www-form-urlencoded", ["a"])


def test_a_multipart_body_has_one_text_part_per_field() -> None:
    request = sent_body("multipart/form-data", {"name": "Rex\r\n--x", "ids": [1, 2], 'we"ird\r\nname': "v"})
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert request.content is not None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content
    )
    fields = [
        (part.get_param("name", header="content-disposition"), part.get_payload())
        for part in message.iter_parts()
    ]
    assert fields == [("name", "Rex\r\n--x"), ("ids", "1"), ("ids", "2"), ("we%22ird%0D%0Aname", "v")]


def test_each_multipart_body_gets_its_own_boundary() -> None:
    first = sent_body("multipart/form-data", {"a": "1"}).headers["Content-Type"]
    second = sent_body("multipart/form-data", {"a": "1"}).headers["Content-Type"]
    assert first != second


def test_text_and_octet_stream_bodies_are_utf8_text() -> None:
    text = sent_body("text/plain", "héllo")
    assert (text.content, text.headers["Content-Type"]) == ("héllo".encode(), "text/plain; charset=utf-8")
    csv = sent_body("text/csv; charset=utf-8", "a,b")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    octets = sent_body("application/octet-stream", "raw bytes")
    assert (octets.content, octets.headers["Content-Type"]) == (b"raw bytes", "application/octet-stream")
    with pytest.raises(InvalidInput, match="given as text"):
        sent_body("application/octet-stream", {"a": 1})


def test_a_lone_surrogate_is_refused_not_crashed_on() -> None:
    with pytest.raises(InvalidInput, match="not valid Unicode"):
        sent_body("application/json", {"a": "\ud800"})
    with pytest.raises(InvalidInput, match="not valid Unicode"):
        one_path_parameter("\udfff")


# --- against a real server ------------------------------------------------------------------------


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recording)
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is not worth a traceback on stderr."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Recording(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:
        self._record()

    def do_POST(self) -> None:
        self._record()

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.seen.append(
            (self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def send(request: HttpRequest) -> None:
    with httpx.Client() as client:
        client.request(request.method, request.url, headers=request.headers, content=request.content)


def test_a_server_sees_hostile_values_inside_their_segment_and_parameter(recorder: Recorder) -> None:
    op = operation(
        "POST",
        "/pets/{id}",
        parameters=(
            parameter("id", "path"),
            parameter("q", "query"),
            parameter("filter", "query", style="deepObject", explode=True),
            parameter("X-Trace", "header"),
        ),
        request_body=body({}),
    )
    request = build_request(
        op,
        parts(
            path={"id": "../../admin?x=1#f"},
            query={"q": "a&admin=1", "filter": {"status": "sold"}},
            header={"X-Trace": "t-1"},
            body={"name": "Rex"},
        ),
        base_url=recorder.base,
    )
    send(request)
    [(method, target, headers, content)] = recorder.seen
    assert method == "POST"
    assert target == "/api/pets/..%2F..%2Fadmin%3Fx%3D1%23f?q=a%26admin%3D1&filter[status]=sold"
    assert headers["X-Trace"] == "t-1"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(content) == {"name": "Rex"}


def test_a_server_gets_one_cookie_header_with_every_cookie(recorder: Recorder) -> None:
    op = operation("GET", "/x", parameters=(parameter("a", "cookie"), parameter("b", "cookie")))
    send(build_request(op, parts(cookie={"a": "1", "b": [2, 3]}), base_url=recorder.base))
    [(_, target, headers, _)] = recorder.seen
    assert target == "/api/x"
    assert headers["Cookie"] == "a=1; b=2; b=3"


def test_a_template_name_with_a_hyphen_is_filled(recorder: Recorder) -> None:
    op = operation("GET", "/pets/{pet-id}", parameters=(Parameter("pet-id", "path", True, None),))
    send(build_request(op, parts(path={"pet-id": "7"}), base_url=recorder.base))
    assert recorder.seen[0][1] == "/api/pets/7"
