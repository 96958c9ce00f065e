"""What the model reads: an operation's short tool description and its full page, and the API's overview."""

from __future__ import annotations

import json
from typing import Any

from moorings_openapi.descriptions import SEE_MORE, api_overview, operation_document, tool_description
from moorings_openapi.operations import (
    Api,
    Operation,
    Parameter,
    RequestBody,
    Response,
    SchemaNode,
    SecurityScheme,
)


def node(value: Any) -> SchemaNode:
    return SchemaNode(value, "#/x", "spec.yaml")


def schema_of(schema_node: SchemaNode) -> dict[str, Any]:
    value: dict[str, Any] = schema_node.value
    return value


PET: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}

SHOW_PET = Operation(
    method="GET",
    path="/pets/{petId}",
    pointer="#/paths/~1pets~1{petId}/get",
    operation_id="showPetById",
    summary="Info for a specific pet",
    description="Returns the pet with this id.\n\nPets that were **adopted** are returned too.",
    tags=("pets",),
    parameters=(
        Parameter(
            "petId", "path", required=True, schema=node({"type": "string"}), description="The pet's id"
        ),
        Parameter(
            "fields",
            "query",
            required=False,
            schema=node({"type": "array", "items": {"type": "string", "enum": ["id", "name"]}}),
            description="Which fields | to return\n(all by default)",
        ),
    ),
    responses=(
        Response("200", "Expected response to a valid request.", "application/json", node(PET)),
        Response("404", "No such pet. It may have been deleted."),
        Response("default", "unexpected error", "application/json", node({"type": "object"})),
    ),
    security=({"api_key": ()}, {"petstore_auth": ("read:pets",)}),
)

SCHEMES = {
    "api_key": SecurityScheme("api_key", "apiKey", parameter_name="X-Api-Key", location="header"),
    "petstore_auth": SecurityScheme("petstore_auth", "oauth2"),
}


# -- the tool description ------------------------------------------------------------------------


def test_a_tool_description_reads_summary_description_method_path_and_responses() -> None:
    assert tool_description(SHOW_PET) == (
        "Info for a specific pet\n\n"
        "Returns the pet with this id.\n\nPets that were **adopted** are returned too.\n\n"
        "GET /pets/{petId}\n\n"
        "Responses: 200 Expected response to a valid request; 404 No such pet; default unexpected error"
    )


def test_a_long_description_is_trimmed_to_fit_and_the_rest_is_kept() -> None:
    paragraph = "This endpoint lists every pet in the store, with filters. " * 10
    operation = Operation(
        "GET",
        "/pets",
        "#/p",
        None,
        summary="List pets",
        description=f"{paragraph}\n\n{paragraph}",
        responses=(Response("200", "ok"),),
        deprecated=True,
    )
    described = tool_description(operation, max_chars=400)
    assert len(described) <= 400
    assert described.startswith(
        "List pets\n\nDeprecated: the API may remove this operation; prefer another that does the same.\n\n"
        "This endpoint lists every pet"
    )
    assert "…\n\nGET /pets\n\nResponses: 200 ok" in described


def test_a_description_that_repeats_the_summary_is_not_repeated() -> None:
    operation = Operation(
        "DELETE", "/pets/{id}", "#/p", None, summary="Delete a pet.", description="Delete a pet"
    )
    assert tool_description(operation) == "Delete a pet.\n\nDELETE /pets/{id}"


def test_an_operation_with_nothing_but_its_path_is_described_by_it() -> None:
    assert tool_description(Operation("POST", "/ping", "#/p", None)) == "POST /ping"


# -- one operation in full -----------------------------------------------------------------------


def test_the_operation_document_has_every_part() -> None:
    page = operation_document(SHOW_PET, schema_of, schema_of, security_schemes=SCHEMES, tool_name="show_pet")
    assert page.startswith(
        "# `GET /pets/{petId}` (tool `show_pet`)\nOperation id: `showPetById`\nTags: pets\n"
    )
    assert "| `petId` | path | yes | string | The pet's id |" in page
    assert (
        '| `fields` | query | no | array of one of: "id", "name" |'
        " Which fields \\| to return (all by default) |" in page
    )
    assert (
        "### 200\n\nExpected response to a valid request.\nContent: `application/json`\n\n```json\n" in page
    )
    schema_text = page.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(schema_text) == PET
    assert "### 404\n\nNo such pet. It may have been deleted." in page
    assert page.endswith(
        "## Security\n\nAny one of these is enough:\n"
        "- `api_key` (an API key in the header `X-Api-Key`)\n"
        "- `petstore_auth` (OAuth 2, scopes read:pets)"
    )


def test_the_request_body_is_described_with_its_media_types_and_schema() -> None:
    operation = Operation(
        "POST",
        "/pets",
        "#/p",
        "createPet",
        body=RequestBody(
            "application/json",
            node(PET),
            required=True,
            description="The pet to add.",
            media_types=("application/json", "application/x-www-form-urlencoded"),
        ),
    )
    page = operation_document(operation, schema_of, schema_of)
    assert (
        "## Request body\n\n`application/json`, required. Also accepted by the API:"
        " `application/x-www-form-urlencoded`.\n\nThe pet to add.\n\n```json\n"
    ) in page
    assert page.endswith("## Security\n\nNo credentials are needed.")


def test_a_huge_operation_document_is_minified_then_cut_with_a_note() -> None:
    wide = {"type": "object", "properties": {f"field_{i}": {"type": "string"} for i in range(300)}}
    operation = Operation(
        "GET", "/wide", "#/p", None, responses=(Response("200", "ok", "application/json", node(wide)),)
    )
    minified_fits = operation_document(operation, schema_of, schema_of, max_chars=12_000)
    assert len(minified_fits) <= 12_000
    assert json.dumps(wide, separators=(",", ":")) in minified_fits
    cut = operation_document(operation, schema_of, schema_of, max_chars=3_000)
    assert len(cut) <= 3_000
    assert cut.endswith("characters: the schemas are too long to show whole]")
    assert cut.startswith("# `GET /wide`")


# -- the whole API -------------------------------------------------------------------------------


def api(operations: tuple[Operation, ...], tags: dict[str, str] | None = None) -> Api:
    return Api(
        source="https://petstore.example.com/openapi.json",
        openapi="3.1.0",
        title="Petstore",
        version="1.0.0",
        description="A sample API that uses a petstore as an example.",
        servers=("https://petstore.example.com/v1",),
        operations=operations,
        tags=tags or {},
    )


def test_the_overview_lists_operations_under_their_tags() -> None:
    untagged = Operation("GET", "/health", "#/h", None, summary="Health check")
    store = Operation("GET", "/store/inventory", "#/s", None, tags=("store",))
    overview = api_overview(
        api((untagged, SHOW_PET, store), {"pets": "Everything about your pets", "store": ""}),
        {SHOW_PET.pointer: "show_pet", untagged.pointer: "health", store.pointer: "inventory"},
    )
    assert overview == (
        "# Petstore (version 1.0.0)\n\n"
        "A sample API that uses a petstore as an example.\n\n"
        "OpenAPI 3.1.0 document: https://petstore.example.com/openapi.json. 3 operations.\n"
        "Servers: https://petstore.example.com/v1\n\n"
        "## pets\nEverything about your pets\n"
        "- `show_pet`: GET /pets/{petId} — Info for a specific pet\n\n"
        "## store\n- `inventory`: GET /store/inventory\n\n"
        "## Other operations\n- `health`: GET /health — Health check"
    )


def test_a_thousand_operations_are_named_compactly_then_cut_saying_how_to_see_more() -> None:
    operations = tuple(
        Operation(
            "GET",
            f"/things/{i}",
            f"#/t{i}",
            None,
            summary=f"Get thing number {i} of the big API",
            tags=(f"tag{i % 10}",),
        )
        for i in range(1000)
    )
    names = {operation.pointer: f"get_thing_{i}" for i, operation in enumerate(operations)}
    compact = api_overview(api(operations), names, max_chars=20_000)
    assert len(compact) <= 20_000
    assert "## tag3\n`get_thing_3`, `get_thing_13`," in compact
    assert all(f"`{name}`" in compact for name in names.values())
    assert "GET /things" not in compact  # no room for the details
    cut = api_overview(api(operations), names, max_chars=5_000)
    assert len(cut) <= 5_000
    shown = cut.count("`get_thing_")
    assert 0 < shown < 1000
    assert cut.endswith(f"\n\n[{1000 - shown:,} of 1,000 operations are not listed here: {SEE_MORE}.]")
