"""Credentials: placed as the operation's security asks, never overridable by the model, never shown."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from moorings_openapi.arguments import plan_arguments, split_arguments
from moorings_openapi.auth import (
    Credentials,
    authorize,
    check_credentials,
    missing_credentials,
    reserved_parameters,
)
from moorings_openapi.operations import Operation, SecurityScheme
from moorings_openapi.requests import HttpRequest, build_request
from tests.openapi.call_records import operation, parameter, schema_of

BASE = "https://api.example.com/v1"
SCHEMES = {
    "bearer": SecurityScheme("bearer", "http", scheme="bearer"),
    "basic": SecurityScheme("basic", "http", scheme="basic"),
    "oauth": SecurityScheme("oauth", "oauth2"),
    "oidc": SecurityScheme("oidc", "openIdConnect"),
    "key_header": SecurityScheme("key_header", "apiKey", parameter_name="X-API-Key", location="header"),
    "key_query": SecurityScheme("key_query", "apiKey", parameter_name="api_key", location="query"),
    "key_cookie": SecurityScheme("key_cookie", "apiKey", parameter_name="token", location="cookie"),
    "digest": SecurityScheme("digest", "http", scheme="digest"),
}
TOKEN = Credentials(bearer_token="tok-123")
KEY = Credentials(api_key="key-456")
BASIC = Credentials(username="ann", password="s3cret:x")


def secured(*requirements: dict[str, tuple[str, ...]], op: Operation | None = None) -> Operation:
    return replace(op or operation("GET", "/pets"), security=requirements)


def authorized(
    op: Operation, credentials: Credentials, schemes: dict[str, SecurityScheme] = SCHEMES
) -> HttpRequest:
    plan = plan_arguments(op, schema_of, reserved=reserved_parameters(op, schemes, credentials))
    request = build_request(op, split_arguments(plan, {}), base_url=BASE)
    return authorize(request, op, schemes, credentials)


@pytest.mark.parametrize("scheme", ["bearer", "oauth", "oidc"])
def test_a_bearer_token_serves_http_bearer_oauth2_and_openid_connect(scheme: str) -> None:
    request = authorized(secured({scheme: ()}), TOKEN)
    assert request.headers["Authorization"] == "Bearer tok-123"


def test_basic_credentials() -> None:
    request = authorized(secured({"basic": ()}), BASIC)
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"ann:s3cret:x").decode()


def test_an_api_key_goes_where_its_scheme_says() -> None:
    assert authorized(secured({"key_header": ()}), KEY).headers["X-API-Key"] == "key-456"
    assert authorized(secured({"key_query": ()}), KEY).url == f"{BASE}/pets?api_key=key-456"
    assert authorized(secured({"key_cookie": ()}), KEY).headers["Cookie"] == "token=key-456"


def test_the_first_requirement_the_credentials_satisfy_entirely_is_used() -> None:
    both = Credentials(bearer_token="tok", api_key="key")
    op = secured({"basic": ()}, {"key_header": (), "bearer": ()}, {"key_query": ()})
    request = authorized(op, both)
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["X-API-Key"] == "key"
    assert request.url == f"{BASE}/pets"
    # With only the key, the requirement needing both is skipped for the next one.
    assert authorized(op, KEY).url == f"{BASE}/pets?api_key=key-456"


def test_optional_security_sends_the_credentials_the_operator_gave() -> None:
    op = secured({}, {"bearer": ()})
    assert authorized(op, TOKEN).headers["Authorization"] == "Bearer tok-123"
    assert "Authorization" not in authorized(op, Credentials()).headers


def test_an_empty_requirement_alone_sends_nothing() -> None:
    request = authorized(secured({}), Credentials(bearer_token="t", api_key="k"))
    assert request.headers == {}
    assert request.url == f"{BASE}/pets"


def test_without_declared_security_a_token_or_basic_credentials_are_sent_anyway() -> None:
    assert authorized(operation(), TOKEN, schemes={}).headers["Authorization"] == "Bearer tok-123"
    assert authorized(operation(), BASIC, schemes={}).headers["Authorization"].startswith("Basic ")


def test_without_declared_security_an_api_key_goes_where_the_documents_scheme_says() -> None:
    request = authorized(operation(), KEY, schemes={"key_header": SCHEMES["key_header"]})
    assert request.headers["X-API-Key"] == "key-456"


def test_unsatisfiable_security_sends_the_request_without_credentials() -> None:
    request = authorized(secured({"digest": ()}, {"key_header": ()}), TOKEN)
    assert request.headers == {}


def test_the_model_cannot_override_an_api_key_header_the_document_also_lists_as_a_parameter() -> None:
    # swagger-petstore's deletePet lists `api_key` as a header parameter and as its key's header.
    schemes = {"api_key": SecurityScheme("api_key", "apiKey", parameter_name="api_key", location="header")}
    op = secured(
        {"api_key": ()},
        op=operation(
            "DELETE", "/pet/{petId}", parameters=(parameter("api_key", "header"), parameter("petId", "path"))
        ),
    )
    reserved = reserved_parameters(op, schemes, KEY)
    assert reserved == {("header", "api_key")}
    plan = plan_arguments(op, schema_of, reserved=reserved)
    assert list(plan.input_schema["properties"]) == ["petId"]
    # Without a key configured, the model may give the header itself.
    assert (
        "api_key"
        in plan_arguments(op, schema_of, reserved=reserved_parameters(op, schemes, TOKEN)).input_schema[
            "properties"
        ]
    )


def test_a_credential_replaces_what_the_request_already_had_in_its_place() -> None:
    request = HttpRequest(
        "GET",
        f"{BASE}/pets?api_key=model&api%5Fkey=model2&limit=1",
        {"x-api-key": "model", "authorization": "Bearer model", "Cookie": "token=model; other=1"},
    )
    op = secured({"key_header": (), "key_query": (), "key_cookie": (), "bearer": ()})
    both = Credentials(bearer_token="tok", api_key="key")
    result = authorize(request, op, SCHEMES, both)
    assert result.url == f"{BASE}/pets?limit=1&api_key=key"
    assert result.headers == {
        "X-API-Key": "key",
        "Authorization": "Bearer tok",
        "Cookie": "other=1; token=key",
    }


def test_missing_credentials_say_what_to_set() -> None:
    hint = missing_credentials(secured({"key_header": ()}), SCHEMES, Credentials())
    assert (
        hint == "this operation needs an API key (header X-API-Key):"
        " start the server with MOORINGS_OPENAPI_API_KEY set"
    )
    hint = missing_credentials(secured({"bearer": ()}, {"basic": ()}), SCHEMES, KEY)
    assert hint is not None
    assert "MOORINGS_OPENAPI_BEARER_TOKEN" in hint
    assert "MOORINGS_OPENAPI_USERNAME and MOORINGS_OPENAPI_PASSWORD" in hint
    assert " or " in hint
    hint = missing_credentials(secured({"digest": ()}), SCHEMES, TOKEN)
    assert hint is not None
    assert "cannot supply" in hint


def test_nothing_is_missing_when_credentials_fit_or_none_are_needed() -> None:
    assert missing_credentials(secured({"bearer": ()}), SCHEMES, TOKEN) is None
    assert missing_credentials(secured({}), SCHEMES, Credentials()) is None
    assert missing_credentials(operation(), SCHEMES, Credentials()) is None


def test_an_api_key_with_no_api_key_scheme_anywhere_is_a_start_up_error() -> None:
    with pytest.raises(
        ValueError, match=r"--api-key needs the document to declare an apiKey security scheme.*--header"
    ):
        check_credentials({"bearer": SCHEMES["bearer"]}, KEY)
    check_credentials(SCHEMES, KEY)
    check_credentials({}, TOKEN)


def test_a_password_without_a_user_name_is_a_start_up_error() -> None:
    with pytest.raises(ValueError, match="user name"):
        check_credentials(SCHEMES, Credentials(password="x"))


def test_credentials_never_show_their_values() -> None:
    credentials = Credentials(
        bearer_token="tok-SECRET", api_key="key-SECRET", username="ann-SECRET", password="pw-SECRET"
    )
    for shown in (repr(credentials), str(credentials), f"{credentials}", repr([credentials])):
        assert "SECRET" not in shown
    assert (
        repr(Credentials(api_key="k"))
        == "Credentials(bearer_token=None, api_key=<set>, username=None, password=None)"
    )


@pytest.mark.parametrize("field", ["bearer_token", "api_key", "username", "password"])
def test_a_credential_that_could_split_a_header_is_refused_at_start_up(field: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII") as refused:
        Credentials(**{field: "abc\r\nX-Evil: 1"})
    assert "abc" not in str(refused.value)
