"""Reading OpenAPI documents into an `Api`: real public documents, split ones, hostile ones.

Failures are asserted on the one line the operator reads: the file, the place in it, the reason.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import pytest

from moorings_openapi.documents import SpecError, parse_document
from moorings_openapi.loading import load_api, preferred_media_type
from moorings_openapi.operations import Api
from tests.openapi.specs import HOSTILE, PUBLIC, SPLIT, large_spec, load, minimal, serve_directory, write

PETSTORE_V3_IDS = [
    "updatePet", "addPet", "findPetsByStatus", "findPetsByTags", "getPetById", "updatePetWithForm",
    "deletePet", "uploadFile", "getInventory", "placeOrder", "getOrderById", "deleteOrder", "createUser",
    "createUsersWithListInput", "loginUser", "logoutUser", "getUserByName", "updateUser", "deleteUser",
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "version", "operations", "servers"),
    [
        ("petstore.yaml", "3.0.0", ["listPets", "createPets", "showPetById"], ["http://petstore.swagger.io/v1"]),
        ("petstore-expanded.yaml", "3.0.0", ["findPets", "addPet", "find pet by id", "deletePet"],
         ["https://petstore.swagger.io/v2"]),
        ("uspto.yaml", "3.0.1", ["list-data-sets", "list-searchable-fields", "perform-search"],
         ["https://developer.uspto.gov/ds-api"]),
        ("callback-example.yaml", "3.0.0", ["POST /streams"], ["/"]),
        ("link-example.yaml", "3.0.0", ["getUserByName", "getRepositoriesByOwner", "getRepository",
         "getPullRequestsByRepository", "getPullRequestsById", "mergePullRequest"], ["/"]),
        ("api-with-examples.yaml", "3.0.0", ["listVersionsv2", "getVersionDetailsv2"], ["/"]),
        ("webhook-example.yaml", "3.1.0", ["listPets"], ["/"]),
        ("non-oauth-scopes.json", "3.1.0", ["GET /users"], ["/"]),
        ("swagger-petstore-v3.yaml", "3.0.4", PETSTORE_V3_IDS, ["https://petstore3.swagger.io/api/v3"]),
    ],
)  # fmt: skip
def test_every_public_document_loads(
    name: str, version: str, operations: list[str], servers: list[str]
) -> None:
    api = load(PUBLIC / name)

    assert api.openapi == version
    assert [operation.operation_id or operation.label for operation in api.operations] == operations
    assert list(api.servers) == servers
    assert api.source == str(PUBLIC / name)


def test_an_operation_reads_as_written() -> None:
    api = load(PUBLIC / "swagger-petstore-v3.yaml")
    by_id = {operation.operation_id: operation for operation in api.operations}

    find = by_id["findPetsByStatus"]
    assert (find.label, find.tags, find.read_only) == ("GET /pet/findByStatus", ("pet",), True)
    assert find.summary == "Finds Pets by status."
    [status] = find.parameters
    assert (status.name, status.location, status.required, status.explode) == ("status", "query", False, True)
    assert status.schema is not None
    assert status.schema.value["enum"] == ["available", "pending", "sold"]
    assert find.security == ({"petstore_auth": ("write:pets", "read:pets")},)
    assert [(r.status, r.media_type) for r in find.responses] == [
        ("200", "application/json"), ("400", None), ("default", None),
    ]  # fmt: skip

    add = by_id["addPet"]
    assert add.body is not None
    assert add.body.media_type == "application/json"
    assert add.body.media_types == (
        "application/json",
        "application/xml",
        "application/x-www-form-urlencoded",
    )
    assert add.body.schema is not None
    assert add.body.schema.value == {"$ref": "#/components/schemas/Pet"}
    assert add.body.schema.pointer == "#/paths/~1pet/post/requestBody/content/application~1json/schema"
    assert add.body.schema.document == (PUBLIC / "swagger-petstore-v3.yaml").resolve().as_uri()

    assert by_id["getInventory"].security == ({"api_key": ()},)
    assert api.security_schemes["api_key"].parameter_name == "api_key"
    assert api.security_schemes["api_key"].location == "header"
    assert api.security_schemes["petstore_auth"].type == "oauth2"
    assert api.tags == {"pet": "Everything about your Pets", "store": "Access to Petstore orders",
                        "user": "Operations about user"}  # fmt: skip
    assert api.title == "Swagger Petstore - OpenAPI 3.0"


def test_non_oauth_scopes_are_kept_with_their_scheme() -> None:
    api = load(PUBLIC / "non-oauth-scopes.json")

    [users] = api.operations
    assert users.security == ({"bearerAuth": ("read:users", "public")},)
    assert api.security_schemes["bearerAuth"].scheme == "bearer"
    assert users.responses == ()


def test_swagger_2_is_refused_with_how_to_convert_it() -> None:
    source = PUBLIC / "swagger-2.0-petstore.json"
    with pytest.raises(SpecError) as raised:
        load(source)

    message = str(raised.value)
    assert message.startswith(f"{source}: this is a Swagger 2.0 document")
    assert f"npx swagger2openapi {source} -o openapi.json" in message
    assert "converter.swagger.io" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"info": {"title": "x"}}', "spec.yaml: not an OpenAPI document: it has no `openapi` field"),
        (
            "openapi: 4.0.0\npaths: {}\n",
            "spec.yaml at /openapi: OpenAPI 4.0.0 is not supported: expected 3.0.x or 3.1.x",
        ),
        ("openapi: 2.0\n", "spec.yaml at /openapi: OpenAPI 2.0 is not supported"),
        ("- openapi: 3.0.0\n", "spec.yaml: expected an OpenAPI document (an object), got a list"),
    ],
)
def test_what_is_not_openapi_3_is_refused(
    tmp_path: Path, text: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text, "spec.yaml")

    with pytest.raises(
        SpecError, match="^" + expected.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        load("spec.yaml")


# -- parsing ------------------------------------------------------------------------------------


def test_yaml_is_read_as_the_json_its_author_meant() -> None:
    tree = parse_document(
        b"responses:\n  200: {description: ok}\n  4XX: {description: bad}\n"
        b"on: push\nyes: 1\nreleased: 2024-05-01\nat: 2001-12-14t21:59:43.10-05:00\n"
        b"base: &base {a: 1}\nmerged: {<<: *base, b: 2}\n",
        "spec.yaml",
    )

    assert tree == {
        "responses": {"200": {"description": "ok"}, "4XX": {"description": "bad"}},
        "on": "push",
        "yes": 1,
        "released": "2024-05-01",
        "at": "2001-12-14t21:59:43.10-05:00",
        "base": {"a": 1},
        "merged": {"a": 1, "b": 2},
    }
    json.dumps(tree)  # plain JSON data


def test_yaml_response_codes_written_as_numbers_are_statuses() -> None:
    api = load(SPLIT / "openapi.yaml")

    assert [response.status for response in api.operations[0].responses] == ["200"]
    assert [response.status for response in api.operations[1].responses] == ["201"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "spec.json",
            b'{\n  "openapi": "3.0.0",\n  "paths": {,}\n}',
            "spec.json: not valid JSON at line 3, column 13: ",
        ),
        (
            "spec.yaml",
            b"openapi: 3.0.0\npaths:\n  /a: [\n",
            "spec.yaml: not valid YAML at line 4, column 1: ",
        ),
        ("spec.yaml", b"openapi: 3.0.0\n  paths: {}\n", "spec.yaml: not valid YAML at line 2, column 8: "),
        (
            "spec.yaml",
            b"? [1, 2]\n: value\n",
            "spec.yaml: not valid YAML at line 1, column 3: expected a string as a mapping key",
        ),
        ("spec.json", b"[" * 5000 + b"]" * 5000, "spec.json: nested too deeply to be read"),
    ],
)
def test_a_syntax_error_says_where(name: str, data: bytes, expected: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_document(data, name)

    assert str(raised.value).startswith(expected)


def test_a_yaml_document_that_starts_like_json_is_read_as_yaml() -> None:
    assert parse_document(b"{openapi: 3.1.0, paths: {}}", "spec.yaml") == {"openapi": "3.1.0", "paths": {}}


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"^.*missing\.yaml: cannot be read: "):
        load(tmp_path / "missing.yaml")


# -- structure ----------------------------------------------------------------------------------

BAD_STRUCTURES = [
    ("paths: []\n", "spec.yaml at /paths: expected an object, got a list"),
    (
        "  /pets:\n    get:\n      responses: []\n",
        "spec.yaml at /paths/~1pets/get/responses: expected an object, got a list",
    ),
    ("  /pets:\n    get: list them\n", "spec.yaml at /paths/~1pets/get: expected an object, got a string"),
    ("  pets:\n    get: {}\n", "spec.yaml at /paths: path 'pets' does not start with '/'"),
    (
        "  /pets:\n    get:\n      parameters:\n        - in: query\n",
        "spec.yaml at /paths/~1pets/get/parameters/0/name: expected a string, got null",
    ),
    (
        "  /pets:\n    get:\n      parameters:\n        - {name: limit, in: body}\n",
        "spec.yaml at /paths/~1pets/get/parameters/0/in: parameter 'limit': `in` is 'body', "
        "expected one of path, query, header, cookie",
    ),
    (
        "  /pets/{petId}/toys/{toyId}:\n    get:\n      parameters:\n        - {name: petId, in: path}\n",
        "spec.yaml at /paths/~1pets~1{petId}~1toys~1{toyId}/get: the path /pets/{petId}/toys/{toyId} has "
        "{toyId} but no path parameter 'toyId' is defined",
    ),
    (
        "  /pets:\n    get:\n      parameters:\n"
        "        - {name: limit, in: query}\n        - {name: limit, in: query}\n",
        "spec.yaml at /paths/~1pets/get/parameters/1: parameter 'limit' in query is defined twice "
        "(also at /paths/~1pets/get/parameters/0)",
    ),
    (
        "  /pets:\n    get:\n      parameters:\n"
        "        - {name: X-Trace, in: header}\n        - {name: x-trace, in: header}\n",
        "spec.yaml at /paths/~1pets/get/parameters/1: parameter 'x-trace' in header is defined twice",
    ),
    ("servers:\n  - url: 42\npaths: {}\n", "spec.yaml at /servers/0/url: expected a string, got a number"),
    (
        "servers:\n  - url: https://{region}.example.com\npaths: {}\n",
        "spec.yaml at /servers/0: the server URL https://{region}.example.com has {region} but `variables` "
        "does not define 'region'",
    ),
    (
        "  /pets:\n    get:\n      security: [{oauth: []}]\n",
        "spec.yaml at /paths/~1pets/get/security/0: security scheme 'oauth' is not defined in "
        "components.securitySchemes",
    ),
    (
        "  /pets:\n    post:\n      requestBody:\n        content:\n          application/json: []\n",
        "spec.yaml at /paths/~1pets/post/requestBody/content/application~1json: "
        "expected an object, got a list",
    ),
    (
        "  /pets:\n    get:\n      responses:\n        '200':\n"
        "          content:\n            application/json:\n              schema: pets\n",
        "spec.yaml at /paths/~1pets/get/responses/200/content/application~1json/schema: "
        "expected a schema (an object), got a string",
    ),
    (
        "components:\n  securitySchemes:\n    key: {type: apiKey, name: X-Key}\npaths: {}\n",
        "spec.yaml at /components/securitySchemes/key/in: expected header, query or cookie, got None",
    ),
]


@pytest.mark.parametrize(("body", "expected"), BAD_STRUCTURES)
def test_a_structural_problem_is_named_with_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    top_level = not body.startswith("  ")
    text = 'openapi: 3.0.3\ninfo: {title: T, version: "1"}\n' + (body if top_level else "paths:\n" + body)
    write(tmp_path, text, "spec.yaml")

    with pytest.raises(SpecError) as raised:
        load("spec.yaml")

    assert str(raised.value).startswith(expected)


def test_path_parameters_are_merged_into_operations_the_operations_winning(tmp_path: Path) -> None:
    paths = """\
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, description: from the path, schema: {type: string}}
      - {name: verbose, in: query, description: from the path}
      - {name: unused, in: path, description: in no template}
    get:
      parameters:
        - {name: verbose, in: query, required: true, description: from the operation}
        - {name: Accept, in: header, description: set by the server}
        - {name: X-Trace, in: header}
    delete: {}
"""
    api = load(write(tmp_path, minimal(paths)))

    get, delete = api.operations
    assert [(p.name, p.location, p.description, p.required) for p in get.parameters] == [
        ("petId", "path", "from the path", True),
        ("verbose", "query", "from the operation", True),
        ("X-Trace", "header", "", False),
    ]
    assert [p.name for p in delete.parameters] == ["petId", "verbose"]
    assert (delete.method, delete.read_only, delete.pointer) == (
        "DELETE",
        False,
        "#/paths/~1pets~1{petId}/delete",
    )


def test_a_parameter_given_by_content_keeps_its_media_type(tmp_path: Path) -> None:
    paths = """\
  /search:
    get:
      parameters:
        - name: filter
          in: query
          content:
            application/json:
              schema: {type: object}
"""
    [operation] = load(write(tmp_path, minimal(paths))).operations

    [parameter] = operation.parameters
    assert parameter.media_type == "application/json"
    assert parameter.schema is not None
    assert parameter.schema.value == {"type": "object"}
    assert parameter.schema.pointer == "#/paths/~1search/get/parameters/0/content/application~1json/schema"


def test_media_types_are_chosen_json_first_then_form_multipart_text() -> None:
    assert (
        preferred_media_type(["application/xml", "application/vnd.api+json", "application/json"])
        == "application/json"
    )
    assert (
        preferred_media_type(["text/plain", "application/merge-patch+json"]) == "application/merge-patch+json"
    )
    assert preferred_media_type(["multipart/form-data", "application/x-www-form-urlencoded"]) == (
        "application/x-www-form-urlencoded"
    )
    assert preferred_media_type(["application/octet-stream", "multipart/form-data"]) == "multipart/form-data"
    assert preferred_media_type(["application/octet-stream", "text/csv"]) == "text/csv"
    assert preferred_media_type(["application/octet-stream", "image/png"]) == "application/octet-stream"
    assert (
        preferred_media_type(["Application/JSON; charset=utf-8", "*/*"]) == "Application/JSON; charset=utf-8"
    )
    assert preferred_media_type([]) is None


def test_a_response_without_json_keeps_the_media_type_it_has(tmp_path: Path) -> None:
    paths = """\
  /report:
    get:
      responses:
        2xx:
          description: The report
          content:
            text/csv: {schema: {type: string}}
        default: {description: failure}
"""
    [operation] = load(write(tmp_path, minimal(paths))).operations

    ok, default = operation.responses
    assert (ok.status, ok.media_type, ok.description) == ("2XX", "text/csv", "The report")
    assert ok.schema is not None
    assert ok.schema.value == {"type": "string"}
    assert (default.status, default.media_type, default.schema) == ("default", None, None)


def test_security_is_the_operations_else_the_documents(tmp_path: Path) -> None:
    extra = """\
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, name: X-API-Key, in: header}
    basic: {type: http, scheme: Basic}
"""
    paths = """\
  /inherits: {get: {}}
  /overrides: {get: {security: [{basic: []}, {key: []}]}}
  /public: {get: {security: []}}
  /optional: {get: {security: [{}, {key: []}]}}
"""
    api = load(write(tmp_path, minimal(paths, extra=extra)))

    assert [operation.security for operation in api.operations] == [
        ({"key": ()},),
        ({"basic": ()}, {"key": ()}),
        (),
        ({}, {"key": ()}),
    ]
    assert api.security_schemes["basic"].scheme == "basic"


def test_servers_have_their_variables_filled_and_operations_their_own(tmp_path: Path) -> None:
    extra = """\
servers:
  - url: https://{region}.api.example.com:{port}/v1
    variables:
      region: {default: eu, enum: [eu, us]}
      port: {default: 8443}
"""
    paths = """\
  /a:
    servers: [{url: https://a.example.com}]
    get: {}
    post: {servers: [{url: /relative}]}
  /b: {get: {}}
"""
    api = load(write(tmp_path, minimal(paths, extra=extra)))

    assert api.servers == ("https://eu.api.example.com:8443/v1",)
    assert [operation.servers for operation in api.operations] == [
        ("https://a.example.com",),
        ("/relative",),
        (),
    ]


def test_a_3_1_document_may_have_no_paths_and_webhooks_are_not_operations(tmp_path: Path) -> None:
    text = 'openapi: 3.1.0\ninfo: {title: Hooks, version: "1"}\nwebhooks:\n  ping: {post: {}}\n'
    assert load(write(tmp_path, text)).operations == ()


def test_a_3_1_path_item_ref_is_followed_with_its_own_fields(tmp_path: Path) -> None:
    text = """\
openapi: 3.1.0
info: {title: T, version: "1"}
paths:
  /pets/{id}:
    $ref: "#/components/pathItems/Pet"
    summary: A pet, by id
components:
  pathItems:
    Pet:
      parameters: [{name: id, in: path, required: true}]
      get: {operationId: getPet}
"""
    [operation] = load(write(tmp_path, text)).operations

    assert (operation.operation_id, operation.summary, operation.pointer) == (
        "getPet",
        "A pet, by id",
        "#/paths/~1pets~1{id}/get",
    )
    assert [parameter.name for parameter in operation.parameters] == ["id"]


# -- references ---------------------------------------------------------------------------------


def test_a_split_spec_is_read_across_its_files() -> None:
    api = load(SPLIT / "openapi.yaml")

    list_pets, create_pet, show_pet = api.operations
    [limit] = list_pets.parameters
    assert (limit.name, limit.description) == ("limit", "How many pets to list")
    assert limit.schema is not None
    assert limit.schema.document == (SPLIT / "parameters.yaml").resolve().as_uri()
    assert limit.schema.pointer == "#/limit/schema"
    assert create_pet.body is not None
    assert create_pet.body.required
    assert show_pet.operation_id == "showPet"
    assert show_pet.responses[0].schema is not None
    assert show_pet.responses[0].schema.document == (SPLIT / "paths" / "pet.yaml").resolve().as_uri()
    assert api.servers == ("/api/v3",)  # relative, for a file: the operator gives the base URL
    assert sorted(Path(uri.removeprefix("file://")).name for uri in api.documents) == [
        "openapi.yaml", "owner.yaml", "parameters.yaml", "pet.yaml", "pet.yaml",
    ]  # fmt: skip


def test_a_ref_out_of_the_specs_directory_is_refused() -> None:
    with pytest.raises(SpecError) as raised:
        load(HOSTILE / "escape.yaml")

    assert str(raised.value) == (
        f"{HOSTILE / 'escape.yaml'} at /paths/~1secrets/get/parameters/0: "
        "$ref '../../../../../../etc/passwd#/x' "
        f"names a file outside the spec's directory {HOSTILE.resolve()}: refs may only name files under it"
    )


@pytest.mark.parametrize(
    ("ref", "kind"),
    [
        ("/etc/passwd", "a file"),
        ("file:///etc/passwd", "a file"),
        ("../split/parameters.yaml#/limit", "a file"),
        ("https://example.com/parameters.yaml#/limit", "a URL"),
        ("link.yaml#/limit", "a file"),
    ],
)
def test_refs_reach_only_files_under_the_specs_directory(tmp_path: Path, ref: str, kind: str) -> None:
    spec_dir = tmp_path / "spec"
    (tmp_path / "split").mkdir()
    write(tmp_path / "split", "limit: {name: limit, in: query}\n", "parameters.yaml")
    spec_dir.mkdir()
    os.symlink(tmp_path / "split" / "parameters.yaml", spec_dir / "link.yaml")
    paths = f'  /pets:\n    get:\n      parameters:\n        - $ref: "{ref}"\n'
    source = write(spec_dir, minimal(paths))

    with pytest.raises(SpecError) as raised:
        load(source)

    assert str(raised.value) == (
        f"{source} at /paths/~1pets/get/parameters/0: $ref {ref!r} names {kind} outside the spec's directory "
        f"{spec_dir.resolve()}: refs may only name files under it"
    )


def test_a_ref_to_a_missing_file_names_the_ref(tmp_path: Path) -> None:
    paths = '  /pets:\n    get:\n      parameters:\n        - $ref: "common/params.yaml#/limit"\n'
    source = write(tmp_path, minimal(paths))

    with pytest.raises(SpecError) as raised:
        load(source)

    assert str(raised.value).startswith(
        f"{source} at /paths/~1pets/get/parameters/0: "
        "$ref 'common/params.yaml#/limit' names common/params.yaml, "
        "which cannot be read: "
    )


def test_a_ref_cycle_is_refused_with_its_chain() -> None:
    with pytest.raises(SpecError) as raised:
        load(HOSTILE / "cyclic.yaml")

    assert str(raised.value) == (
        f"{HOSTILE / 'cyclic.yaml'} at /paths/~1loop/get/parameters/0: "
        "$ref cycle: #/components/parameters/A -> "
        "#/components/parameters/B -> #/components/parameters/A"
    )


def test_a_broken_ref_names_the_ref_and_what_is_missing() -> None:
    with pytest.raises(SpecError) as raised:
        load(HOSTILE / "broken.yaml")

    assert str(raised.value) == (
        f"{HOSTILE / 'broken.yaml'} at /paths/~1pets/get/responses/200: "
        "$ref '#/components/responses/Pets' is "
        "broken: there is no 'Pets' in /components/responses"
    )


def test_ref_pointers_are_unescaped_and_percent_decoded(tmp_path: Path) -> None:
    extra = """\
components:
  parameters:
    a/b~c d: {name: weird, in: query}
"""
    paths = '  /x:\n    get:\n      parameters:\n        - $ref: "#/components/parameters/a~1b~0c%20d"\n'
    [operation] = load(write(tmp_path, minimal(paths, extra=extra))).operations

    assert [parameter.name for parameter in operation.parameters] == ["weird"]


def test_a_document_named_by_many_refs_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, "limit: {name: limit, in: query}\noffset: {name: offset, in: query}\n", "params.yaml")
    paths = "".join(
        f'  /p{index}:\n    get:\n      parameters:\n        - $ref: "params.yaml#/limit"\n'
        f'        - $ref: "./params.yaml#/offset"\n'
        for index in range(20)
    )
    with serve_directory(tmp_path) as (base, requested):
        write(tmp_path, minimal(paths))
        api = asyncio.run(load_api(f"{base}/openapi.yaml", read_url=_read_with_httpx))

    assert len(api.operations) == 20
    assert requested == ["/openapi.yaml", "/params.yaml"]


# -- over HTTP ----------------------------------------------------------------------------------


async def _read_with_httpx(url: str) -> bytes:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.content


def test_a_split_spec_is_read_from_a_url_with_its_relative_server_resolved() -> None:
    with serve_directory(SPLIT) as (base, requested):
        api = asyncio.run(load_api(f"{base}/openapi.yaml", read_url=_read_with_httpx))

    assert [operation.operation_id for operation in api.operations] == ["listPets", "createPet", "showPet"]
    assert api.servers == (f"{base}/api/v3",)
    assert api.source == f"{base}/openapi.yaml"
    assert sorted(requested) == sorted(
        ["/openapi.yaml", "/parameters.yaml", "/paths/pet.yaml", "/schemas/pet.yaml", "/schemas/owner.yaml"]
    )


def test_a_url_spec_may_not_name_another_origin(tmp_path: Path) -> None:
    with serve_directory(tmp_path) as (base, _requested), serve_directory(SPLIT) as (other, other_requested):
        paths = f'  /pets:\n    get:\n      parameters:\n        - $ref: "{other}/parameters.yaml#/limit"\n'
        write(tmp_path, minimal(paths))
        with pytest.raises(SpecError) as raised:
            asyncio.run(load_api(f"{base}/openapi.yaml", read_url=_read_with_httpx))

    port = base.rsplit(":", 1)[1]
    assert str(raised.value) == (
        f"{base}/openapi.yaml at /paths/~1pets/get/parameters/0: "
        f"$ref '{other}/parameters.yaml#/limit' leaves the spec's origin http://127.0.0.1:{port}: "
        "refs may only name documents on the same scheme, host and port"
    )
    assert other_requested == []


def test_a_url_that_cannot_be_fetched_is_named(tmp_path: Path) -> None:
    with serve_directory(tmp_path) as (base, _), pytest.raises(SpecError) as raised:
        asyncio.run(load_api(f"{base}/nothing.yaml", read_url=_read_with_httpx))

    assert str(raised.value).startswith(
        f"{base}/nothing.yaml: cannot be read: cannot be fetched: Client error '404"
    )


def test_a_url_without_a_reader_is_refused() -> None:
    with pytest.raises(SpecError, match=r"^https://api.example.com/openapi.json: cannot be read: is a URL"):
        asyncio.run(load_api("https://api.example.com/openapi.json", read_url=None))


# -- size -------------------------------------------------------------------------------------


def test_a_thousand_operations_load(tmp_path: Path) -> None:
    source = tmp_path / "large.json"
    source.write_text(json.dumps(large_spec(500)), encoding="utf-8")

    api: Api = load(source)

    assert len(api.operations) == 1000
    assert api.operations[-1].operation_id == "updateThing499"
    assert [p.name for p in api.operations[0].parameters] == ["id", "limit"]
