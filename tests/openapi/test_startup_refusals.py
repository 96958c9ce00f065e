"""Hostile setups refused before the first client message: one clear line, not a crash.

A document whose server is a private address (or a --base-url that is), a spec URL on one, a
`$ref` that leaves the spec's directory or origin, and documents built to exhaust the server
(an alias bomb, nesting without end). `opened_server` raises a `MooringsError`, which the
program prints as one line and exit status 2; a canary checks that a refused URL was never
connected to.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from moorings_core import AccessDenied, InvalidInput, MooringsError
from moorings_core.testing import connect, succeeded
from moorings_openapi.server import opened_server
from moorings_openapi.settings import OpenApiSettings
from tests.core.web_world import loopback_only
from tests.fetch.hostile import Canary, serve_canary
from tests.openapi.harbour_api import HARBOUR_YAML, HarbourApi, harbour_document
from tests.openapi.specs import serve_directory

pytestmark = pytest.mark.anyio

ALLOW = "If the user trusts it, they can start the server with"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def canary() -> Iterator[Canary]:
    with serve_canary() as canary:
        yield canary


def harbour_at(directory: Path, server_url: str) -> Path:
    """harbour.yaml with `servers: [{url: server_url}]`."""
    document: dict[str, Any] = copy.deepcopy(harbour_document())
    document["servers"] = [{"url": server_url}]
    spec = directory / "harbour.yaml"
    spec.write_text(yaml.safe_dump(document), encoding="utf-8")
    return spec


async def refusal_at_start(**settings: Any) -> MooringsError:
    with pytest.raises(MooringsError) as raised:
        async with opened_server(OpenApiSettings(**settings)):
            pass
    return raised.value


async def starts(**settings: Any) -> None:
    async with opened_server(OpenApiSettings(**settings)) as server, connect(server) as client:
        assert (await client.list_tools()).tools


PRIVATE_SERVERS = [
    ("http://127.0.0.1:8000/v1", "it is not a public address (loopback)", "127.0.0.1:8000"),
    ("http://10.0.0.1/v1", "it is not a public address (private)", "10.0.0.1:80"),
    ("https://192.168.1.20:8443/api", "it is not a public address (private)", "192.168.1.20:8443"),
    ("http://localhost:8000/v1", "localhost names always mean this machine", "localhost:8000"),
    ("http://[::1]:8000/v1", "it is not a public address (loopback)", "[::1]:8000"),
    ("http://2130706433:8000/v1", "it spells the IP address 127.0.0.1", "127.0.0.1:8000"),
]


@pytest.mark.parametrize(("url", "why", "allow"), PRIVATE_SERVERS)
@pytest.mark.parametrize("given_as", ["servers", "base_url"])
async def test_a_private_base_url_is_refused_at_start_in_one_line(
    tmp_path: Path, url: str, why: str, allow: str, given_as: str
) -> None:
    settings: dict[str, Any] = (
        {"spec": str(harbour_at(tmp_path, url))}
        if given_as == "servers"
        else {"spec": str(HARBOUR_YAML), "base_url": url}
    )
    refused = await refusal_at_start(**settings)
    message = str(refused)
    assert isinstance(refused, AccessDenied)
    assert message.startswith("The API's base URL ")
    assert why in message
    assert f"--allow-host {allow}" in message
    assert "--allow-private-network" in message
    assert "\n" not in message
    assert message.count(ALLOW) == 1  # the hint once

    await starts(**settings, allow_host=[allow])
    await starts(**settings, allow_private_network=True)


@pytest.mark.parametrize("given_as", ["servers", "base_url"])
async def test_cloud_metadata_is_refused_even_with_allow_private_network(
    tmp_path: Path, given_as: str
) -> None:
    url = "http://169.254.169.254/latest"
    settings: dict[str, Any] = (
        {"spec": str(harbour_at(tmp_path, url))}
        if given_as == "servers"
        else {"spec": str(HARBOUR_YAML), "base_url": url}
    )
    message = str(await refusal_at_start(**settings, allow_private_network=True))
    assert "hands out the cloud machine's credentials" in message
    assert "Neither --allow-private-network nor an allowed host name admits it" in message
    assert "\n" not in message
    await starts(**settings, allow_host=["169.254.169.254:80"])  # only a rule naming the very address


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("127.0.0.1:{port}", "it is not a public address (loopback)"),
        ("localhost:{port}", "localhost names always mean this machine"),
        ("[::ffff:127.0.0.1]:{port}", "127.0.0.1 inside IPv6"),
        ("10.0.0.1", "it is not a public address (private)"),
        ("169.254.169.254", "hands out the cloud machine's credentials"),
    ],
)
async def test_a_spec_url_on_a_private_address_is_refused_unread(canary: Canary, host: str, why: str) -> None:
    refused = await refusal_at_start(spec=f"http://{host.format(port=canary.port)}/openapi.yaml")
    message = str(refused)
    assert isinstance(refused, InvalidInput)
    assert "cannot be fetched: Refused to connect to" in message
    assert why in message
    assert "\n" not in message
    assert canary.connections == 0


async def test_a_spec_url_the_operator_allowed_is_read_and_called(
    harbour_api: HarbourApi, tmp_path: Path
) -> None:
    harbour_at(tmp_path, harbour_api.base_url)
    with serve_directory(tmp_path) as (base, requested):
        host = base.removeprefix("http://")
        settings = OpenApiSettings(spec=f"{base}/harbour.yaml", allow_host=[host, harbour_api.host])
        async with opened_server(settings) as server, connect(server) as client:
            succeeded(await client.call_tool("getBoat", {"boatId": 1}))
    assert requested == ["/harbour.yaml"]
    assert [request.path for request in harbour_api.requests] == ["/v1/boats/1"]


async def test_a_spec_urls_ref_to_another_origin_is_refused_unfetched(tmp_path: Path, canary: Canary) -> None:
    document: dict[str, Any] = copy.deepcopy(harbour_document())
    stolen = f"http://127.0.0.1:{canary.port}/schemas.yaml#/Boat"
    document["components"]["schemas"]["Boat"] = {"$ref": stolen}
    (tmp_path / "harbour.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with serve_directory(tmp_path) as (base, requested):
        host = base.removeprefix("http://")
        message = str(
            await refusal_at_start(spec=f"{base}/harbour.yaml", allow_host=[host, f"127.0.0.1:{canary.port}"])
        )
    assert f"$ref '{stolen}' leaves the spec's origin" in message
    assert "\n" not in message
    assert requested == ["/harbour.yaml"]
    assert canary.connections == 0


async def test_a_ref_out_of_the_specs_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("Boat: {type: object}\n", encoding="utf-8")
    inner = tmp_path / "spec"
    inner.mkdir()
    document: dict[str, Any] = copy.deepcopy(harbour_document())
    document["components"]["schemas"]["Boat"] = {"$ref": "../secret.yaml#/Boat"}
    (inner / "harbour.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    message = str(
        await refusal_at_start(spec=str(inner / "harbour.yaml"), base_url="https://api.example.com")
    )
    assert "$ref '../secret.yaml#/Boat' names a file outside the spec's directory" in message
    assert "\n" not in message


def alias_bomb() -> str:
    """Nine lines of YAML that stand for a billion values, put where a schema copies them."""
    lines = ["  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(["x-lol:", *lines, ""])


OPERATION = """\
openapi: 3.1.0
info: {title: Hostile, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /p:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: %s
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            alias_bomb() + OPERATION % "{type: array, default: *i}",
            "its YAML aliases (*name) make it more than",
        ),
        (
            OPERATION % "&s {type: object, properties: {child: *s}}",
            "its YAML aliases (*name) make it more than",
        ),
        (OPERATION % ("[" * 50_000 + "]" * 50_000), "exceeded maximum nesting depth"),
    ],
    ids=["alias-bomb", "alias-nested-in-itself", "deep-yaml"],
)
async def test_a_document_built_to_exhaust_the_server_is_refused(
    tmp_path: Path, text: str, expected: str
) -> None:
    spec = tmp_path / "hostile.yaml"
    spec.write_text(text, encoding="utf-8")
    message = str(await refusal_at_start(spec=str(spec)))
    assert message.startswith(f"{spec}")
    assert expected in message
    assert "\n" not in message


def nested_schema(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


@pytest.mark.parametrize("tool_mode", ["per-operation", "compact"])
async def test_a_schema_nested_past_the_limit_is_one_clear_error(tmp_path: Path, tool_mode: str) -> None:
    document = yaml.safe_load(OPERATION % "{}")
    document["paths"]["/p"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = (
        nested_schema(150)
    )
    spec = tmp_path / "deep.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    if tool_mode == "per-operation":
        message = str(await refusal_at_start(spec=str(spec)))
    else:
        settings = OpenApiSettings(spec=str(spec), tool_mode="compact")
        async with opened_server(settings) as server, connect(server) as client:
            result = await client.call_tool("describe_operation", {"operation": "get_p"})
        assert result.is_error
        message = "\n".join(block.text for block in result.content if block.type == "text")
    assert "the schema is nested more than 100 levels deep, past what this server reads" in message
    assert "\n" not in message


async def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "deep.json"
    spec.write_text('{"openapi": "3.1.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    message = str(await refusal_at_start(spec=str(spec)))
    assert message == f"{spec}: nested too deeply to be read (over a thousand levels)"
