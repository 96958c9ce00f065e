"""The openapi benchmarks' document and the local API that answers it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from benchmarks.openapi_fixture import (
    DEFAULT_OPERATIONS,
    LocalApi,
    collection_path,
    generate_document,
    get_operation,
    operation_ids,
    resource_names,
    write_documents,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return generate_document()


@pytest.fixture(scope="module")
def api() -> Iterator[LocalApi]:
    with LocalApi() as api:
        yield api


def references(node: Any) -> Iterator[str]:
    """Every ``$ref`` under `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], reference: str) -> Any:
    assert reference.startswith("#/"), reference
    node: Any = document
    for part in reference[2:].split("/"):
        node = node[part]
    return node


# --- the document ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operations", [1, 3, 4, 5, 37, DEFAULT_OPERATIONS])
def test_a_document_has_exactly_the_operations_asked_for_each_with_its_own_id(operations: int) -> None:
    ids = operation_ids(generate_document(operations))

    assert len(ids) == len(set(ids)) == operations


def test_the_default_document_is_250_resources_of_list_get_create_and_delete(
    document: dict[str, Any],
) -> None:
    assert document["openapi"] == "3.1.0"
    assert len(document["paths"]) == 500
    assert len(resource_names(DEFAULT_OPERATIONS)) == len(document["tags"]) == 250
    methods = {path: sorted(item) for path, item in document["paths"].items()}
    assert methods["/berth-bookings"] == ["get", "post"]
    assert methods["/berth-bookings/{id}"] == ["delete", "get"]
    assert operation_ids(document)[:4] == [
        "listBerthBookings",
        "createBerthBooking",
        "getBerthBooking",
        "deleteBerthBooking",
    ]
    assert get_operation("berthBooking") == "getBerthBooking"
    assert collection_path("berthBooking") == "/berth-bookings"


def test_every_reference_resolves_and_the_schemas_nest_and_recurse(document: dict[str, Any]) -> None:
    found = set(references(document))
    schemas = document["components"]["schemas"]

    for reference in found:
        resolve(document, reference)
    assert {"#/components/parameters/Limit", "#/components/parameters/Cursor"} <= found
    assert {"#/components/responses/NotFound", "#/components/responses/ValidationFailed"} <= found
    # Nested: an owner has an address, which has a location.
    assert schemas["Owner"]["properties"]["address"] == {"$ref": "#/components/schemas/Address"}
    assert schemas["Address"]["properties"]["location"] == {"$ref": "#/components/schemas/GeoPoint"}
    # Recursive: a category's children are categories.
    assert schemas["Category"]["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Category"}


def test_operations_carry_realistic_parameters_bodies_tags_and_descriptions(document: dict[str, Any]) -> None:
    listing = document["paths"]["/berth-bookings"]["get"]
    creation = document["paths"]["/berth-bookings"]["post"]
    getting = document["paths"]["/berth-bookings/{id}"]["get"]
    tags = {tag["name"] for tag in document["tags"]}

    assert [resolve(document, p["$ref"])["name"] for p in listing["parameters"]] == ["limit", "cursor"]
    assert [p["name"] for p in getting["parameters"]] == ["id", "expand"]
    assert creation["requestBody"]["required"] is True
    body_schema = creation["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/BerthBookingCreate"}
    assert "name" in resolve(document, body_schema["$ref"])["properties"]
    for item in document["paths"].values():
        for operation in item.values():
            assert operation["tags"][0] in tags
            assert len(operation["description"]) > 80  # a few sentences, as people write them


def test_the_same_document_every_time_and_its_server_when_given(document: dict[str, Any]) -> None:
    assert generate_document() == document
    assert "servers" not in document
    served = generate_document(4, server_url="http://127.0.0.1:9")
    assert served["servers"][0]["url"] == "http://127.0.0.1:9"


def test_a_document_needs_an_operation_and_has_room_for_1000() -> None:
    with pytest.raises(ValueError, match="at least one operation"):
        generate_document(0)
    with pytest.raises(ValueError, match="at most 1,000 operations"):
        generate_document(1_001)


def test_json_and_yaml_hold_the_same_document_without_yaml_anchors(tmp_path: Path) -> None:
    document = generate_document(12)

    json_path, yaml_path = write_documents(tmp_path, document)

    assert json.loads(json_path.read_text()) == document
    assert yaml.safe_load(yaml_path.read_text()) == document
    assert "&id" not in yaml_path.read_text()


def test_the_command_line_writes_both_documents(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.openapi_fixture", "write", str(tmp_path), "--operations", "8"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert completed.stdout.split() == [str(tmp_path / "openapi.json"), str(tmp_path / "openapi.yaml")]
    assert len(operation_ids(json.loads((tmp_path / "openapi.json").read_text()))) == 8


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_answers_each_operation_of_a_resource(api: LocalApi) -> None:
    with httpx.Client(base_url=api.origin) as client:
        got = client.get("/berth-bookings/bk-1")
        listed = client.get("/berth-bookings", params={"limit": 2})
        created = client.post("/berth-bookings", json={"name": "Berth 4", "status": "active"})
        deleted = client.delete("/berth-bookings/bk-1")

    assert got.status_code == 200
    assert got.json() | {"created_at": None} == {
        "id": "bk-1",
        "name": "berth-bookings bk-1",
        "status": "active",
        "created_at": None,
        "etag": api.token,
    }
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == ["1", "2"]
    assert created.status_code == 201
    assert created.json()["name"] == "Berth 4"
    assert created.json()["etag"] == api.token
    assert deleted.status_code == 204
    assert deleted.content == b""


def test_the_api_refuses_what_no_operation_is(api: LocalApi) -> None:
    with httpx.Client(base_url=api.origin) as client:
        assert client.get("/a/b/c").status_code == 404
        assert client.post("/berth-bookings/bk-1", json={}).status_code == 405
        assert client.post("/berth-bookings", content=b"{not json").status_code == 422


def test_the_api_keeps_a_connection_and_counts_what_it_answers(api: LocalApi) -> None:
    before = api.requests()
    with httpx.Client(base_url=api.origin) as client:
        for number in range(5):
            assert client.get(f"/vessel-bookings/{number}").json()["id"] == str(number)

    assert api.requests() - before == 5


def test_the_api_closes_a_connection_when_asked(api: LocalApi) -> None:
    response = httpx.get(api.origin + "/berth-bookings/x", headers={"Connection": "close"})

    assert response.headers["Connection"] == "close"
    assert response.json()["id"] == "x"


def test_each_api_has_a_token_of_its_own_and_stops_when_closed() -> None:
    with LocalApi() as first, LocalApi() as second:
        assert first.token != second.token
        origin = first.origin
    with pytest.raises(httpx.ConnectError):
        httpx.get(origin + "/berth-bookings/x")
