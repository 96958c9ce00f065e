"""The harbour API itself: it serves what data/harbour.yaml documents, and records what it is sent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from starlette.routing import Mount, Route

from tests.openapi.harbour_api import (
    HARBOUR_30_JSON,
    HarbourApi,
    harbour_app,
    harbour_document,
    schema_errors,
    serve_harbour_api,
)

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def http(harbour_api: HarbourApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=harbour_api.base_url, timeout=10) as client:
        yield client


def _documented(path: str, method: str, status: int) -> str:
    """The pointer to the JSON schema harbour.yaml gives a response."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"


def test_every_documented_operation_is_served_and_nothing_else() -> None:
    document = harbour_document()
    documented = {
        (path, method.upper(), operation["operationId"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in _METHODS
    }
    (mount,) = harbour_app(lambda: None).routes
    assert isinstance(mount, Mount)
    assert mount.path == "/v1"
    served = set()
    for route in mount.routes:
        assert isinstance(route, Route)
        assert route.methods is not None
        path = re.sub(r":\w+}", "}", route.path)  # {value:path} is {value} to OpenAPI
        served |= {(path, method, route.name) for method in route.methods - {"HEAD"}}
    assert served == documented


def test_the_documents_are_what_they_claim() -> None:
    document = harbour_document()
    assert document["openapi"] == "3.1.0"
    assert set(document["components"]["securitySchemes"]) == {
        "bearerAuth",
        "keyHeader",
        "keyQuery",
        "keyCookie",
        "basicAuth",
    }
    older = json.loads(HARBOUR_30_JSON.read_text(encoding="utf-8"))
    assert older["openapi"] == "3.0.3"
    assert set(older["paths"]) <= set(document["paths"])


def test_boats_come_in_pages_linked_by_cursor(harbour_api: HarbourApi, http: httpx.Client) -> None:
    seen = []
    response = http.get("/boats", params={"limit": 20})
    while True:
        assert response.status_code == 200
        assert schema_errors(_documented("/boats", "get", 200), response.json()) == []
        seen += [boat["id"] for boat in response.json()["items"]]
        if response.json()["next_cursor"] is None:
            assert "link" not in response.headers
            break
        response = http.get(response.links["next"]["url"])
    assert seen == list(range(1, 51))


def test_boats_filter_by_type_and_every_tag(http: httpx.Client) -> None:
    items = http.get("/boats", params={"type": "sail", "tags": ["family", "classic"], "limit": 100}).json()[
        "items"
    ]
    assert items
    assert all(b["type"] == "sail" and {"family", "classic"} <= set(b["tags"]) for b in items)
    assert http.get("/boats", params={"limit": 0}).status_code == 422
    assert http.get("/boats", params={"type": "submarine"}).status_code == 422


def test_a_boat_is_created_read_changed_and_removed(http: httpx.Client) -> None:
    created = http.post("/boats", json={"name": "Osprey", "type": "row", "length_m": 3.5, "tags": ["new"]})
    assert created.status_code == 201
    assert schema_errors(_documented("/boats", "post", 201), created.json()) == []
    location = created.headers["location"]
    assert location == f"{http.base_url}boats/{created.json()['id']}"
    assert http.get(location).json() == created.json()
    replaced = http.put(location, json={"name": "Osprey II"}).json()
    assert replaced == {**created.json(), "name": "Osprey II", "type": "sail", "length_m": None, "tags": []}
    assert http.patch(location, json={"berthId": "C07"}).json() == {**replaced, "berthId": "C07"}
    assert http.delete(location).status_code == 204
    missing = http.get(location)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "Osprey", "length_m": -1}, {"name": "Osprey", "colour": "red"}],
)
def test_an_invalid_boat_is_refused_with_a_json_error(http: httpx.Client, body: dict[str, object]) -> None:
    response = http.post("/boats", json=body)
    assert response.status_code == 422
    assert schema_errors("#/components/schemas/Error", response.json()) == []


def test_a_json_body_must_say_it_is_json(http: httpx.Client) -> None:
    assert http.post("/boats", content=b'{"name": "Osprey"}').status_code == 415


def test_bookings_say_back_every_parameter_and_keep_both_berth_ids(http: httpx.Client) -> None:
    booking = {"id": "bk-1", "berthId": "A02", "boatId": 7, "from": "2025-06-01"}
    receipt = http.post("/berths/B03/bookings", json=booking)
    assert receipt.status_code == 201
    assert receipt.json() == {"pathBerthId": "B03", "booking": booking}
    listed = http.get(
        "/berths/B03/bookings",
        params={"from": "2025-06-01", "to": "2025-06-30"},
        headers={"X-Request-Id": "req-42", "Cookie": "session_hint=north"},
    ).json()
    assert listed["items"] == [booking]
    assert listed["received"] == {
        "x_request_id": "req-42",
        "session_hint": "north",
        "from": "2025-06-01",
        "to": "2025-06-30",
        "query_string": "from=2025-06-01&to=2025-06-30",
        "cookie": "session_hint=north",
    }


def test_forms_uploads_and_notes_are_said_back(http: httpx.Client) -> None:
    notice = http.post("/notices", data={"title": "Dredging", "channels": ["vhf", "web"]}).json()
    assert notice["fields"] == {"title": ["Dredging"], "channels": ["vhf", "web"]}
    upload = http.post(
        "/uploads", data={"description": "plan"}, files={"file": ("plan.bin", b"\x00\x01")}
    ).json()
    assert upload["content_type"].startswith("multipart/form-data; boundary=")
    assert upload["fields"] == {"description": ["plan"]}
    assert [(f["field"], f["filename"], f["size"]) for f in upload["files"]] == [("file", "plan.bin", 2)]
    note = http.put("/notes/n1", content="Fenders!", headers={"Content-Type": "text/plain"}).json()
    assert note == {"noteId": "n1", "text": "Fenders!", "content_type": "text/plain"}
    assert http.post("/notices", json={"title": "x"}).status_code == 415


def test_other_media_types(http: httpx.Client) -> None:
    chart = http.get("/charts/solent")
    assert chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert http.get("/tides.txt").text.startswith("High water")
    assert http.get("/weather.xml").headers["content-type"].startswith("application/xml")


def test_echo_and_the_record_keep_the_raw_path_and_query(harbour_api: HarbourApi) -> None:
    with httpx.Client() as client:
        echoed = client.get(harbour_api.url("/echo/a%2Fb%20c?q=%3F&q=2")).json()
    assert echoed == {"raw_path": "/v1/echo/a%2Fb%20c", "query_string": "q=%3F&q=2", "value": "a/b c"}
    (request,) = harbour_api.requests
    assert (request.method, request.raw_path, request.query_string) == (
        "GET",
        "/v1/echo/a%2Fb%20c",
        "q=%3F&q=2",
    )
    assert request.path == "/v1/echo/a/b c"
    assert request.query == {"q": ["?", "2"]}
    assert request.header("host") == harbour_api.host


def test_the_record_keeps_bodies(harbour_api: HarbourApi, http: httpx.Client) -> None:
    http.post("/boats", json={"name": "Osprey"})
    (request,) = harbour_api.requests_to("/boats")
    assert json.loads(request.body) == {"name": "Osprey"}
    assert request.header("content-type") == "application/json"


@pytest.mark.parametrize(
    ("path", "secret", "credential"),
    [
        (
            "/private/bearer",
            "bearer_token",
            lambda api: {"headers": {"Authorization": f"Bearer {api.bearer_token}"}},
        ),
        ("/private/key-header", "header_key", lambda api: {"headers": {"X-API-Key": api.header_key}}),
        ("/private/key-query", "query_key", lambda api: {"params": {"api_key": api.query_key}}),
        (
            "/private/key-cookie",
            "cookie_key",
            lambda api: {"headers": {"Cookie": f"harbour_key={api.cookie_key}"}},
        ),
        ("/private/basic", "basic_authorization", lambda api: {"auth": (api.basic_user, api.basic_password)}),
    ],
)
def test_each_private_operation_needs_its_own_credential(
    harbour_api: HarbourApi, http: httpx.Client, path: str, secret: str, credential: object
) -> None:
    assert callable(credential)
    refused = http.get(path)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"]
    assert schema_errors("#/components/schemas/Error", refused.json()) == []
    answered = http.get(path, **credential(harbour_api))
    assert answered.status_code == 200
    assert not any(secret in answered.text + refused.text for secret in harbour_api.secrets)
    assert harbour_api.requests[-1].mentions(getattr(harbour_api, secret))
    assert not harbour_api.requests[-2].mentions(getattr(harbour_api, secret))


def test_a_changed_secret_is_the_only_one_accepted_until_reset(
    harbour_api: HarbourApi, http: httpx.Client
) -> None:
    harbour_api.header_key = "harbour-header-key-rotated"
    assert (
        http.get("/private/key-header", headers={"X-API-Key": "harbour-header-key-2b9c"}).status_code == 401
    )
    assert (
        http.get("/private/key-header", headers={"X-API-Key": "harbour-header-key-rotated"}).status_code
        == 200
    )
    harbour_api.reset()
    assert harbour_api.header_key == "harbour-header-key-2b9c"
    assert harbour_api.requests == []


def test_limited_refuses_the_first_calls_with_retry_after(
    harbour_api: HarbourApi, http: httpx.Client
) -> None:
    harbour_api.limited_failures = 3
    statuses = [http.get("/limited") for _ in range(4)]
    assert [r.status_code for r in statuses] == [429, 429, 429, 200]
    assert statuses[0].headers["retry-after"] == "1"
    assert harbour_api.limited_calls == 4
    unavailable = http.get("/unavailable")
    assert unavailable.status_code == 503
    assert unavailable.headers["retry-after"] == "1"


def test_flaky_drops_the_first_connection_then_answers(harbour_api: HarbourApi, http: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/flaky")
    assert http.get("/flaky").json() == {"ok": True, "calls": 2}
    assert len(harbour_api.requests_to("/flaky")) == 2


def test_slow_answers_when_asked_and_lets_a_client_give_up(http: httpx.Client) -> None:
    assert http.get("/slow", params={"seconds": 0}).json() == {"ok": True}
    with pytest.raises(httpx.ReadTimeout):
        http.get("/slow", params={"seconds": 30}, timeout=0.2)


def test_huge_is_at_least_the_bytes_asked_for(http: httpx.Client) -> None:
    response = http.get("/huge", params={"bytes": 2_000_000})
    assert len(response.content) >= 2_000_000
    assert isinstance(response.json(), list)


def test_redirects_and_errors(harbour_api: HarbourApi, http: httpx.Client) -> None:
    away = http.get("/redirect-away")
    assert away.status_code == 302
    assert away.headers["location"] == f"http://127.0.0.2:{harbour_api.port}/v1/boats"
    here = http.get("/redirect-here")
    assert here.status_code == 302
    assert httpx.get(f"http://{harbour_api.host}{here.headers['location']}").json()["id"] == 1
    assert schema_errors(_documented("/mismatch", "get", 200), http.get("/mismatch").json()) != []
    failed = http.get("/server-error")
    assert failed.status_code == 500
    assert failed.json()["error"] == "internal"
    assert http.get("/nowhere").json()["error"] == "not_found"


def test_settings_given_when_served_are_the_ones_reset_to() -> None:
    with serve_harbour_api(bearer_token="harbour-bearer-other", limited_failures=0) as api:
        api.bearer_token = "changed"
        api.reset()
        assert (api.bearer_token, api.limited_failures) == ("harbour-bearer-other", 0)
        assert httpx.get(api.url("/limited")).status_code == 200
