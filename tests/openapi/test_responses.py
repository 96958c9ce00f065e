"""Responses as tool results: what the model reads, and structured content a strict client accepts.

Every structured result is checked against the tool's advertised output schema with the validator
the MCP SDK's client uses, so a result that would make a client raise fails here first.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import mcp_types as types
import pytest
from jsonschema.validators import validator_for
from referencing import Registry

from moorings_core.sandbox.network import Fetched
from moorings_openapi.operations import Operation, Parameter, Response, SchemaNode
from moorings_openapi.responses import (
    MAX_ERROR_BODY_CHARS,
    BodyCheck,
    next_page_arguments,
    output_schema,
    success_response,
    tool_result,
)

URL = "https://api.example.com/v1/pets"

TAG: dict[str, Any] = {"type": "object", "properties": {"label": {"type": "string"}}}
PET_FIELDS: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "tag": {"$ref": "#/$defs/Tag"}},
    "required": ["id", "name"],
}
PET: dict[str, Any] = {**PET_FIELDS, "$defs": {"Tag": TAG}}
PETS: dict[str, Any] = {
    "type": "array",
    "items": {"$ref": "#/$defs/Pet"},
    "$defs": {"Pet": PET_FIELDS, "Tag": TAG},
}


def node(value: Any, where: str = "#/x") -> SchemaNode:
    return SchemaNode(value, where, "spec.yaml")


def schema_of(schema_node: SchemaNode) -> dict[str, Any]:
    value: dict[str, Any] = schema_node.value
    return value


def query(name: str, kind: str = "integer") -> Parameter:
    return Parameter(name, "query", required=False, schema=node({"type": kind}))


def operation(*responses: Response, method: str = "GET", parameters: tuple[Parameter, ...] = ()) -> Operation:
    return Operation(
        method=method,
        path="/pets",
        pointer="#/paths/~1pets/get",
        operation_id="listPets",
        parameters=parameters,
        responses=responses,
    )


LIST_PETS = operation(
    Response("200", "the pets", "application/json", node(PETS)),
    Response("default", "an error", "application/json", node({"type": "object"})),
    parameters=(query("limit"), query("cursor", "string")),
)


def fetched(
    status: int = 200,
    body: bytes | str | Any = b"",
    content_type: str | None = "application/json",
    *,
    headers: dict[str, str] | None = None,
    truncated: bool = False,
    attempts: int = 1,
    retry_after: float | None = None,
) -> Fetched:
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
    all_headers = dict(headers or {})
    if content_type is not None:
        all_headers["content-type"] = content_type
    return Fetched(
        url=URL,
        status=status,
        headers=httpx.Headers(all_headers),
        body=body,
        truncated=truncated,
        redirects=(),
        attempts=attempts,
        retry_after=retry_after,
    )


def answer(
    op: Operation, response: Fetched, *, max_chars: int = 10_000, **kwargs: Any
) -> types.CallToolResult:
    """The tool's result, its structured content checked against its output schema as a client checks it."""
    envelope = output_schema(op, schema_of)
    result = tool_result(
        response, op, body_check=BodyCheck(envelope) if envelope else None, max_chars=max_chars, **kwargs
    )
    if envelope is not None and not result.is_error:
        assert result.structured_content is not None, "a client raises on a missing structured content"
        validator_for(envelope)(envelope, registry=Registry()).validate(result.structured_content)
    return result


def text(result: types.CallToolResult) -> str:
    [block] = result.content
    assert isinstance(block, types.TextContent)
    return block.text


# -- the output schema ---------------------------------------------------------------------------


def test_the_envelope_hoists_the_body_definitions_and_its_references_still_resolve() -> None:
    envelope = output_schema(LIST_PETS, schema_of)
    assert envelope is not None
    assert envelope["required"] == ["status"]
    assert envelope["properties"]["body"]["items"] == {"$ref": "#/$defs/Pet"}
    assert set(envelope["$defs"]) == {"Pet", "Tag"}
    validator = validator_for(envelope)(envelope, registry=Registry())
    validator.check_schema(envelope)
    good = {"status": 200, "body": [{"id": 1, "name": "Rex", "tag": {"label": "dog"}}]}
    bad = {"status": 200, "body": [{"id": 1, "name": "Rex", "tag": {"label": 5}}]}
    assert validator.is_valid(good)
    assert not validator.is_valid(bad)  # the nested $ref into the hoisted Tag is followed


def test_references_to_the_body_root_are_rebased_under_the_envelope() -> None:
    tree = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#"}}, "label": {"type": "string"}},
        "examples": [{"$ref": "#", "label": "data, not a reference"}],
    }
    op = operation(Response("200", "a tree", "application/json", node(tree)))
    envelope = output_schema(op, schema_of)
    assert envelope is not None
    body = envelope["properties"]["body"]
    assert body["properties"]["children"]["items"] == {"$ref": "#/properties/body"}
    assert body["examples"] == tree["examples"]
    validator = validator_for(envelope)(envelope, registry=Registry())
    assert validator.is_valid({"status": 200, "body": {"children": [{"children": [], "label": "x"}]}})
    assert not validator.is_valid({"status": 200, "body": {"children": [{"label": 3}]}})


def test_the_success_response_is_the_lowest_2xx_with_json_then_a_wildcard_then_default() -> None:
    text_only = Response("200", "a CSV", "text/csv", node({"type": "string"}))
    created = Response("201", "created", "application/json", node({"type": "object"}))
    accepted = Response("202", "accepted", "application/problem+json", node({"type": "object"}))
    wildcard = Response("2XX", "any", "application/json", node({"type": "object"}))
    default = Response("default", "whatever", "application/json", node({"type": "object"}))
    assert success_response(operation(text_only, accepted, created, wildcard, default)) is created
    assert success_response(operation(text_only, default, wildcard)) is wildcard
    assert success_response(operation(text_only, default)) is default
    assert success_response(operation(text_only, Response("204", "nothing"))) is None
    assert output_schema(operation(text_only), schema_of) is None


# -- successful JSON -----------------------------------------------------------------------------


def test_a_matching_json_body_is_structured_and_given_as_text_too() -> None:
    pets = [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Ada", "tag": {"label": "cat"}}]
    result = answer(LIST_PETS, fetched(200, pets))
    assert not result.is_error
    assert result.structured_content == {"status": 200, "contentType": "application/json", "body": pets}
    assert json.loads(text(result)) == pets
    assert "\n " in text(result)  # indented: it fits


def test_a_body_that_strays_from_the_document_is_kept_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pets = [{"id": 1, "name": "Rex"}, {"id": "two", "name": "Ada"}]
    with caplog.at_level(logging.WARNING, logger="moorings_openapi.responses"):
        result = answer(LIST_PETS, fetched(200, pets))
    assert not result.is_error
    assert result.structured_content is not None
    assert "body" not in result.structured_content
    assert result.structured_content["undocumentedBody"] == pets
    first, rest = text(result).split("\n", 1)
    assert first.startswith("Warning: the response does not match the API's documented schema")
    assert "'1/id'" in first
    assert "'two' is not of type 'integer'" in first
    assert json.loads(rest) == pets
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "GET /pets" in caplog.records[0].getMessage()


def test_json_without_a_content_type_is_recognised() -> None:
    result = answer(LIST_PETS, fetched(200, [{"id": 1, "name": "Rex"}], content_type=None))
    assert result.structured_content == {"status": 200, "body": [{"id": 1, "name": "Rex"}]}


def test_a_vendor_json_type_is_json() -> None:
    result = answer(LIST_PETS, fetched(200, [], "application/vnd.pets+json; charset=utf-8"))
    assert result.structured_content is not None
    assert result.structured_content["body"] == []


def test_a_body_labelled_json_that_is_not_json_is_given_as_text() -> None:
    result = answer(LIST_PETS, fetched(200, "{not json", "application/json"))
    assert not result.is_error
    assert result.structured_content == {"status": 200, "contentType": "application/json"}
    assert text(result).startswith("{not json")
    assert "labelled application/json but is not valid JSON" in text(result)


def test_json_that_fits_only_minified_is_minified_not_cut() -> None:
    pets = [{"id": i, "name": f"pet number {i}"} for i in range(40)]
    indented = len(json.dumps(pets, indent=1))
    minified = len(json.dumps(pets, separators=(",", ":")))
    result = answer(LIST_PETS, fetched(200, pets), max_chars=(indented + minified) // 2 + 500)
    assert text(result) == json.dumps(pets, separators=(",", ":"))
    assert result.structured_content is not None
    assert result.structured_content["body"] == pets


def test_json_too_long_even_minified_is_cut_and_left_out_of_the_structure() -> None:
    pets = [{"id": i, "name": f"pet number {i}"} for i in range(400)]
    result = answer(LIST_PETS, fetched(200, pets), max_chars=3_000)
    assert result.structured_content == {"status": 200, "contentType": "application/json", "truncated": True}
    body, note = text(result).rsplit("\n", 1)
    assert len(text(result)) <= 3_000
    assert body == json.dumps(pets, separators=(",", ":"))[: len(body)]
    total = len(json.dumps(pets, separators=(",", ":")))
    assert note == (
        f"[The JSON above is incomplete; this result shows {len(body):,} of its {total:,} characters."
        " To get the rest, ask for fewer items with `limit`, or the next page with `cursor`.]"
    )


def test_a_cut_without_paging_parameters_says_to_narrow_the_request() -> None:
    op = operation(Response("200", "big", "application/json", node({"type": "array"})))
    result = answer(op, fetched(200, list(range(3_000))), max_chars=1_000)
    assert text(result).endswith(
        "To get the rest, narrow the request (arguments that select fewer or smaller items).]"
    )


def test_json_cut_by_the_byte_cap_says_so() -> None:
    whole = json.dumps([{"id": i, "name": "x"} for i in range(100)]).encode()
    result = answer(LIST_PETS, fetched(200, whole[:500], truncated=True))
    assert result.structured_content == {"status": 200, "contentType": "application/json", "truncated": True}
    assert text(result).startswith(whole[:500].decode())
    assert "the API sent more than this server reads (only the first 500 bytes arrived)" in text(result)
    assert "ask for fewer items with `limit`" in text(result)


# -- other successful bodies ---------------------------------------------------------------------


def test_text_is_decoded_by_its_charset_and_cut_at_the_budget() -> None:
    op = operation(Response("200", "a report", "text/plain"), parameters=(query("page_size"), query("page")))
    body = ("Grüße aus Köln\n" * 200).encode("latin-1")
    result = answer(op, fetched(200, body, "text/plain; charset=iso-8859-1"), max_chars=1_000)
    assert result.structured_content is None
    shown = text(result)
    assert shown.startswith("Grüße aus Köln\nGrüße")
    assert shown.endswith(
        f"[this result shows 500 of its {len(body):,} characters. To get the rest,"
        " ask for fewer items with `page_size`, or the next page with `page`.]"
    )


def test_a_text_body_of_an_operation_with_an_output_schema_still_gives_structured_content() -> None:
    result = answer(LIST_PETS, fetched(200, "<pets><pet>Rex</pet></pets>", "application/xml"))
    assert result.structured_content == {"status": 200, "contentType": "application/xml"}
    assert text(result) == "<pets><pet>Rex</pet></pets>"


@pytest.mark.parametrize(
    ("content_type", "body", "named"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "image/png"),
        ("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\0" * 100, "application/pdf"),
        ("application/octet-stream", b"\x89PNG\r\n\x1a\n\0\0\0", "image/png"),  # sniffed
        (None, b"\0\1\2\3\xff\xfe", "binary"),
    ],
)
def test_binary_bodies_are_summarised_never_returned(
    content_type: str | None, body: bytes, named: str
) -> None:
    result = answer(LIST_PETS, fetched(200, body, content_type))
    assert not result.is_error
    assert text(result) == (
        f"The API answered 200 OK with {named} content ({len(body):,} bytes)."
        " This server does not return binary content, so it is not included."
    )
    assert result.structured_content is not None
    assert set(result.structured_content) <= {
        "status",
        "contentType",
    }


def test_no_content_says_it_succeeded() -> None:
    op = operation(Response("204", "deleted"), method="DELETE")
    result = answer(op, fetched(204, b"", None))
    assert not result.is_error
    assert text(result) == "DELETE /pets succeeded: 204 No Content, with no body."
    assert result.structured_content is None


def test_a_created_resource_gives_its_location() -> None:
    op = operation(Response("201", "created", "application/json", node(PET)), method="POST")
    result = answer(op, fetched(201, {"id": 7, "name": "Rex"}, headers={"location": "/v1/pets/7"}))
    assert result.structured_content == {
        "status": 201,
        "contentType": "application/json",
        "location": "https://api.example.com/v1/pets/7",
        "body": {"id": 7, "name": "Rex"},
    }
    assert text(result).startswith("201 Created\nLocation: https://api.example.com/v1/pets/7\n{")


# -- paging --------------------------------------------------------------------------------------


def test_a_next_link_becomes_the_arguments_of_the_next_call() -> None:
    link = (
        '<https://api.example.com/v1/pets?limit=2&cursor=abc&api_key=SECRET>; rel="next",'
        ' <https://api.example.com/v1/pets?limit=2>; rel="first"'
    )
    result = answer(LIST_PETS, fetched(200, [{"id": 1, "name": "Rex"}], headers={"link": link}))
    assert result.structured_content is not None
    assert result.structured_content["nextPage"] == {"limit": 2, "cursor": "abc"}
    assert text(result).endswith(
        'More results follow: call this tool again with limit=2, cursor="abc" for the next page.'
    )
    assert "SECRET" not in text(result)
    assert "SECRET" not in json.dumps(result.structured_content)


def test_link_relations_are_read_as_rfc_8288_writes_them() -> None:
    op = operation(parameters=(query("page"),))
    for header in (
        "</pets?page=3>; rel=next",
        '</pets?page=1>; rel="prev", </pets?page=3>; title="more"; rel="next last"',
    ):
        response = fetched(200, [], headers={"link": header})
        assert next_page_arguments(response, op) == {"page": 3}
    assert next_page_arguments(fetched(200, [], headers={"link": '</pets?page=1>; rel="prev"'}), op) is None
    assert next_page_arguments(fetched(200, []), op) is None


def test_a_next_link_that_maps_onto_no_parameter_is_only_mentioned() -> None:
    response = fetched(200, [], headers={"link": '<https://api.example.com/v1/pets/after/abc>; rel="next"'})
    result = answer(LIST_PETS, response)
    assert result.structured_content is not None
    assert "nextPage" not in result.structured_content
    assert text(result).endswith('The API says more results follow (a Link rel="next" header).')


# -- failures ------------------------------------------------------------------------------------


def test_a_404_names_the_operation_the_status_and_the_apis_message() -> None:
    result = answer(LIST_PETS, fetched(404, {"code": "not_found", "message": "No pet 9"}))
    assert result.is_error
    assert result.structured_content is None
    lines = text(result).split("\n")
    assert lines[0] == "GET /pets failed: 404 Not Found."
    assert lines[1] == "The API said:"
    assert json.loads("\n".join(lines[2:-1])) == {"code": "not_found", "message": "No pet 9"}
    assert lines[-1].startswith("The resource does not exist: check the identifiers in the arguments")
    assert URL not in text(result)  # an API key may travel in the URL's query


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (400, "The API refused the arguments: check them against this tool's input schema"),
        (422, "The API refused the arguments: check them against this tool's input schema"),
        (405, "The API does not allow GET on this path"),
        (409, "The request conflicts with the resource's current state"),
        (410, "The resource is gone for good"),
        (418, "The API refused the request; its message above says why."),
        (500, "The API failed on its side; the same call may work later."),
    ],
)
def test_each_failure_gets_the_advice_that_fits(status: int, advice: str) -> None:
    result = answer(LIST_PETS, fetched(status, {"error": "no"}))
    assert result.is_error
    assert text(result).split("\n")[-1].startswith(advice)


def test_credentials_failures_name_what_the_operator_configures() -> None:
    hint = "The operator sets the API key with --header X-Api-Key=... when starting the server."
    result = answer(LIST_PETS, fetched(401, "", None), hint_for_auth=hint)
    assert text(result) == (
        "GET /pets failed: 401 Unauthorized.\n"
        f"The API did not accept the credentials sent (or needs some and got none). {hint}"
    )
    forbidden = answer(LIST_PETS, fetched(403, {"message": "scope missing"}))
    assert text(forbidden).endswith(
        "The credentials in use are not allowed to do this, or the API refuses it to everyone."
    )


def test_rate_limits_say_how_long_to_wait_and_how_often_it_was_retried() -> None:
    result = answer(LIST_PETS, fetched(429, "slow down", "text/plain", attempts=3, retry_after=120))
    assert text(result) == (
        "GET /pets failed: 429 Too Many Requests (retried 2 times).\n"
        "The API said:\n"
        "slow down\n"
        "The API is rate limiting this client. It asked to wait 120 seconds before trying again."
        " Try again later, or ask for less at a time."
    )
    unavailable = answer(LIST_PETS, fetched(503, b"", None, attempts=2))
    assert text(unavailable) == (
        "GET /pets failed: 503 Service Unavailable (retried 1 time).\n"
        "The API is unavailable for now. Try again later, or ask for less at a time."
    )


def test_a_server_error_on_a_write_warns_it_may_have_taken_effect() -> None:
    op = operation(Response("201", "created"), method="POST")
    result = answer(
        op,
        fetched(
            502,
            "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
            "<script>x()</script></body></html>",
            "text/html",
        ),
    )
    assert text(result) == (
        "POST /pets failed: 502 Bad Gateway.\n"
        "The API said:\n"
        "502 Bad Gateway: Bad Gateway\n"
        "The API failed on its side; the same call may work later."
        " The POST may or may not have taken effect: check before repeating it."
    )


def test_an_error_body_is_bounded() -> None:
    result = answer(LIST_PETS, fetched(400, "x" * 50_000, "text/plain"))
    quoted = text(result).split("\n")[2]
    assert len(quoted) == MAX_ERROR_BODY_CHARS
    assert quoted.endswith("…")


def test_a_binary_error_body_is_described_not_shown() -> None:
    result = answer(LIST_PETS, fetched(500, b"\x89PNG\r\n\x1a\n\0\0", "image/png"))
    assert "(image/png content, 10 bytes, not shown)" in text(result)


def test_a_redirect_that_was_not_followed_is_explained() -> None:
    result = answer(LIST_PETS, fetched(300, b"", None, headers={"location": "/v2/pets"}))
    assert result.is_error
    assert text(result) == (
        "GET /pets was redirected: 300 Multiple Choices.\n"
        "The API redirected the request to https://api.example.com/v2/pets and this server did not"
        " follow it; the resource may have moved, or the document describe this operation wrongly."
    )
    not_modified = answer(LIST_PETS, fetched(304, b"", None))
    assert text(not_modified).endswith(
        "The API says the resource has not changed since the version a conditional header named."
    )
