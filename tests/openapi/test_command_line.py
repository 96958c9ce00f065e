"""The `moorings-openapi` command: every flag in --help, one-line errors at start, and real stdio.

Whatever is wrong with the operator's setup (a setting, a document, a base URL the network policy
refuses) stops the installed script before it serves, with one line on stderr naming what and where,
and exit status 2, as a host showing the server's log should see it. The stdio tests spawn the
installed console script against the harbour API served on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from moorings_core.testing import ERAS, Era, connect_stdio, installed_script, succeeded
from tests.openapi.harbour_api import BEARER_TOKEN, HARBOUR_YAML, HarbourApi

PUBLIC = Path(__file__).parent / "data" / "public"

FLAGS = (
    "--config", "--spec", "--base-url", "--include-tag", "--exclude-tag", "--include-operation",
    "--exclude-operation", "--read-only", "--no-read-only", "--bearer-token", "--api-key", "--username",
    "--password", "--max-result-chars", "--tool-mode", "--allow-private-network", "--allow-host",
    "--header", "--proxy-url", "--user-agent", "--max-bytes", "--timeout", "--max-output-chars",
    "--call-timeout", "--max-message-bytes", "--log-level",
)  # fmt: skip


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed_script("moorings-openapi"), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


def refusal(*argv: str, cwd: Path | None = None) -> str:
    """The one line the script prints when `argv` is not a setup it can serve, after checking it
    exits with status 2."""
    done = run(*argv, cwd=cwd)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("moorings-openapi: error: ")
    return line.removeprefix("moorings-openapi: error: ")


def test_help_lists_every_flag() -> None:
    done = run("--help")
    assert done.returncode == 0
    for flag in FLAGS:
        assert flag in done.stdout, flag
    assert "MOORINGS_OPENAPI_BEARER_TOKEN" in done.stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], "--spec"),
        (["--spec", str(HARBOUR_YAML), "--tool-mode", "all"], "--tool-mode"),
        (["--spec", str(HARBOUR_YAML), "--max-result-chars", "10"], "--max-result-chars"),
        (["--spec", str(HARBOUR_YAML), "--base-url", "api.example.com"], "--base-url"),
        (["--spec", str(HARBOUR_YAML), "--username", "harbourmaster"], "--password"),
        (["--bearer-token", "t0ken"], "--spec"),
        (["--spec", ""], "--spec"),
    ],
)
def test_bad_settings_stop_the_server_with_one_line(argv: list[str], words: str) -> None:
    assert words in refusal(*argv)


def test_a_credential_in_a_refused_command_line_is_not_repeated() -> None:
    line = refusal("--bearer-token", "t0ken-never-shown", "--spec", str(HARBOUR_YAML), "--timeout", "0")
    assert "--timeout" in line
    assert "t0ken-never-shown" not in line


def test_a_missing_document_is_named(tmp_path: Path) -> None:
    line = refusal("--spec", str(tmp_path / "missing.yaml"))
    assert line.startswith(f"{tmp_path / 'missing.yaml'}: cannot be read: ")
    assert "does not exist" in line
    assert line.count("cannot be read") == 1


def test_a_yaml_syntax_error_is_named_with_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: Harbour\n  version: 1\n", encoding="utf-8")
    line = refusal("--spec", str(spec))
    assert line.startswith(f"{spec}: not valid YAML at line 3, column ")


def test_a_swagger_2_document_is_refused_with_how_to_convert_it() -> None:
    spec = PUBLIC / "swagger-2.0-petstore.json"
    line = refusal("--spec", str(spec))
    assert line.startswith(f"{spec}: this is a Swagger 2.0 document")
    assert "swagger2openapi" in line


def test_a_broken_ref_is_named_with_the_place_it_is_written(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        'openapi: 3.1.0\ninfo: {title: Harbour, version: "1"}\nservers: [{url: "https://api.example.com"}]\n'
        "paths:\n  /boats:\n    get:\n      operationId: listBoats\n      responses:\n"
        '        "200": {$ref: "#/components/responses/Boats"}\n',
        encoding="utf-8",
    )
    line = refusal("--spec", str(spec))
    assert line.startswith(f"{spec} at /paths/~1boats/get/responses/200: $ref '#/components/responses/Boats'")


def test_a_relative_spec_is_read_from_the_working_directory(tmp_path: Path) -> None:
    assert refusal("--spec", "missing.yaml", cwd=tmp_path).startswith("missing.yaml: cannot be read: ")


def test_a_base_url_on_loopback_needs_the_operators_word() -> None:
    line = refusal("--spec", str(HARBOUR_YAML), "--base-url", "http://127.0.0.1:8000/v1")
    assert line.startswith("The API's base URL http://127.0.0.1:8000 is refused: ")
    assert "--allow-host 127.0.0.1:8000" in line
    assert line.count("If the user trusts it") == 1


def test_credentials_the_document_has_no_place_for_are_refused(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        'openapi: 3.1.0\ninfo: {title: Harbour, version: "1"}\nservers: [{url: "https://api.example.com"}]\n'
        "paths:\n  /boats:\n    get:\n      operationId: listBoats\n"
        '      responses: {"200": {description: Boats.}}\n',
        encoding="utf-8",
    )
    line = refusal("--spec", str(spec), "--api-key", "k3y-never-shown")
    assert "k3y-never-shown" not in line
    assert "apiKey" in line


@pytest.mark.stdio
@pytest.mark.anyio
@pytest.mark.parametrize("era", ERAS)
async def test_the_installed_script_serves_over_stdio(harbour_api: HarbourApi, era: Era) -> None:
    argv = ("--spec", str(HARBOUR_YAML), "--base-url", harbour_api.base_url, "--allow-host", harbour_api.host)
    async with connect_stdio("moorings-openapi", *argv, era=era) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        text, data = succeeded(await client.call_tool("getBoat", {"boatId": 3}))
        missing = await client.call_tool("getBoat", {"boatId": 999})
    assert {"listBoats", "getBoat", "createBoat", "deleteBoat"} <= tools
    assert data == {
        "status": 200,
        "contentType": "application/json",
        "body": {
            "id": 3,
            "name": "Shearwater 1",
            "type": "sail",
            "length_m": 14.5,
            "tags": [],
            "berthId": "A04",
        },
    }
    assert '"name": "Shearwater 1"' in text
    assert missing.is_error
    assert [request.raw_path for request in harbour_api.requests] == ["/v1/boats/3", "/v1/boats/999"]


@pytest.mark.stdio
@pytest.mark.anyio
async def test_an_api_of_the_config_file_signs_its_calls(harbour_api: HarbourApi, tmp_path: Path) -> None:
    config = tmp_path / "openapi.toml"
    config.write_text(
        f'allow_host = ["{harbour_api.host}"]\ntool_mode = "compact"\n\n'
        f'[apis.harbour]\nspec = "{HARBOUR_YAML}"\nbase_url = "{harbour_api.base_url}"\n'
        f'bearer_token = "{BEARER_TOKEN}"\n',
        encoding="utf-8",
    )
    async with connect_stdio("moorings-openapi", "--config", str(config)) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        arguments = {"operation": "harbour_getPrivateBearer", "arguments": {}}
        text, data = succeeded(await client.call_tool("call_operation", arguments))
    assert tools == {"list_operations", "describe_operation", "call_operation"}
    assert data["body"] == {"ok": True}
    assert BEARER_TOKEN not in text
    [request] = harbour_api.requests
    assert request.header("authorization") == f"Bearer {BEARER_TOKEN}"
