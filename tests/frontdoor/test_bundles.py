"""The Claude Desktop bundles (servers/*/bundle): what the mcpb CLI accepts and packs, and what runs.

The bundles are checked with the `mcpb` CLI that `make dist` packs with (the Makefile's
MCPB_VERSION), installed from npm into .tools/ once. A packed bundle is then run as Claude Desktop
runs it: unpacked, its `mcp_config` filled in by the mcpb library's own `getMcpConfigForManifest`
from what a user would enter at install, and started with uv against this checkout's wheels (they are
not on PyPI yet), for a real MCP session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters

from moorings_core.config import Setting, describe_settings
from moorings_core.testing import HANG_LIMIT, text_of
from tests.built import uv_tool
from tests.frontdoor.npm_tree import TOOLS, install_tree, npm_or_skip
from tools.generate import bundles
from tools.generate.sources import REPO, SERVERS, ServerSource, server_sources


def _makefile_variable(name: str) -> str:
    found = re.search(rf"^{name} := (\S+)$", (REPO / "Makefile").read_text("utf-8"), re.MULTILINE)
    assert found is not None, f"the Makefile sets no {name}"
    return found[1]


MCPB_VERSION = _makefile_variable("MCPB_VERSION")
# A first run installs the mcpb CLI from npm inside the test that asks for it first.
pytestmark = pytest.mark.timeout(300)
PETSTORE = REPO / "tests" / "openapi" / "data" / "public" / "petstore.yaml"
# What substitutes ${user_config.*} as the host does, with the library of the pinned CLI.
SUBSTITUTE = """
import { readFileSync } from "node:fs";
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";
const [directory, userConfig] = process.argv.slice(1);
const manifest = JSON.parse(readFileSync(`${directory}/manifest.json`, "utf8"));
const config = await getMcpConfigForManifest({
  manifest, extensionPath: directory, systemDirs: {}, userConfig: JSON.parse(userConfig), pathSeparator: "/",
});
process.stdout.write(JSON.stringify(config ?? null));
"""


def _run(*args: str | Path, cwd: Path = REPO) -> str:
    done = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def mcpb() -> Path:
    """The folder the pinned mcpb CLI is installed in (`.tools/npm/mcpb`, git-ignored, kept between runs)."""
    npm = npm_or_skip("the bundle tests need the mcpb CLI")
    return install_tree(npm, Path(__file__).with_name("mcpb"), TOOLS / "mcpb")


def test_the_tests_use_the_mcpb_that_make_dist_packs_with() -> None:
    lock = json.loads((Path(__file__).with_name("mcpb") / "package-lock.json").read_text("utf-8"))
    assert lock["packages"]["node_modules/@anthropic-ai/mcpb"]["version"] == MCPB_VERSION


def _mcpb(home: Path, *args: str | Path) -> str:
    return _run(home / "node_modules" / ".bin" / "mcpb", *args)


@pytest.fixture(scope="session")
def sources() -> dict[str, ServerSource]:
    return {source.name: source for source in server_sources()}


@pytest.fixture(scope="session")
def packed(mcpb: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Packs a server's bundle (once per worker) as `make dist` does, and gives the .mcpb file."""
    out = tmp_path_factory.mktemp("mcpb")

    def pack(server: str) -> Path:
        archive = out / f"moorings-{server}.mcpb"
        if not archive.exists():
            _mcpb(mcpb, "pack", REPO / "servers" / server / "bundle", archive)
        return archive

    return pack


def test_the_bundles_are_what_the_generator_writes(sources: dict[str, ServerSource]) -> None:
    stale = [path for path, text in bundles.outputs(list(sources.values())).items()
             if not path.is_file() or path.read_text("utf-8") != text]  # fmt: skip
    assert not stale, "run: python -m tools.generate"


@pytest.mark.parametrize("server", list(SERVERS))
def test_mcpb_validates_the_manifest_against_the_0_4_schema(mcpb: Path, server: str) -> None:
    manifest_path = REPO / "servers" / server / "bundle" / "manifest.json"
    assert json.loads(manifest_path.read_text("utf-8"))["manifest_version"] == "0.4"  # not "latest" (0.3)
    assert "Manifest schema validation passes!" in _mcpb(mcpb, "validate", manifest_path)


def test_mcpb_refuses_a_uv_server_under_an_older_schema(mcpb: Path, tmp_path: Path) -> None:
    manifest = json.loads((REPO / "servers" / "fetch" / "bundle" / "manifest.json").read_text("utf-8"))
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "manifest_version": "0.3"}), "utf-8")
    done = subprocess.run(
        [mcpb / "node_modules" / ".bin" / "mcpb", "validate", tmp_path / "manifest.json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "server.type" in done.stdout


@pytest.mark.parametrize("server", list(SERVERS))
def test_a_packed_bundle_holds_the_manifest_and_what_uv_runs(
    packed: Callable[[str], Path], sources: dict[str, ServerSource], server: str
) -> None:
    with zipfile.ZipFile(packed(server)) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        project = archive.read("pyproject.toml").decode()
    assert names == sorted(["manifest.json", "pyproject.toml", f"launch_{server}.py"])
    assert (manifest["name"], manifest["version"]) == (f"moorings-{server}", sources[server].version)
    assert f'"moorings-{server}=={sources[server].version}"' in project


@pytest.mark.parametrize("server", list(SERVERS))
def test_every_option_of_the_dialog_is_a_setting_of_the_server(
    sources: dict[str, ServerSource], server: str
) -> None:
    """Checked against the server's own model, so a renamed flag or variable cannot go unnoticed."""
    source = sources[server]
    settings = {
        setting.name: setting for setting in describe_settings(source.program.settings, server=server)
    }
    manifest = json.loads((REPO / "servers" / server / "bundle" / "manifest.json").read_text("utf-8"))
    config = manifest["server"]["mcp_config"]
    by_variable = {value: variable for variable, value in config["env"].items()}
    for key, option in manifest["user_config"].items():
        setting = settings[key]
        placeholder = f"${{user_config.{key}}}"
        if setting.many:
            assert config["args"][-1] == placeholder  # the launcher's arguments
            assert option["multiple"] is True
            assert not option.get("sensitive")  # arguments are visible to every process
        else:
            assert by_variable[placeholder] == setting.env_var
        assert option.get("sensitive", False) == setting.secret
        assert option["description"] == setting.description
        assert _option_type(setting) == option["type"]
    required = {name for name, setting in settings.items() if setting.required}
    assert required <= {key for key, option in manifest["user_config"].items() if option.get("required")}


def _option_type(setting: Setting) -> str:
    kinds = {"bool": "boolean", "int": "number", "float": "number", "str": "string", "choice": "string"}
    if setting.kind == "path":
        return "directory" if setting.many else "file"
    return kinds[setting.kind]


@dataclass(frozen=True)
class Install:
    """What a user enters in the install dialog, and what they then see of the server."""

    dialog: dict[str, Any]
    offered: str  # a tool listed
    withheld: str  # a tool the choices leave out
    look: Callable[[Client], Awaitable[str]]
    shows: str


async def _tool_text(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    return text_of(await client.call_tool(tool, arguments))


async def _prompt_text(client: Client, prompt: str) -> str:
    content = (await client.get_prompt(prompt, {})).messages[0].content
    assert isinstance(content, types.TextContent)
    return content.text


def _filesystem(tmp: Path) -> Install:
    """Several directories: the list arrives as the server's own DIR arguments."""
    for name in ("charts", "logs"):
        (tmp / name).mkdir()
    return Install(
        dialog={"directories": [str(tmp / "charts"), str(tmp / "logs")], "read_only": True},
        offered="read_text_file",
        withheld="write_file",
        look=lambda client: _tool_text(client, "list_allowed_directories", {}),
        shows=f"{tmp}/charts\n{tmp}/logs\n(read-only",
    )


def _git(tmp: Path) -> Install:
    """Several repositories: the launcher gives each its own --repository."""
    for name in ("dock", "quay"):
        subprocess.run(["git", "init", "--quiet", tmp / name], check=True, timeout=30)
    return Install(
        dialog={"repository": [str(tmp / "dock"), str(tmp / "quay")], "read_only": True},
        offered="git_status",
        withheld="git_commit",
        look=lambda client: _tool_text(client, "git_status", {"repo_path": str(tmp / "quay")}),
        shows="No commits yet",
    )


def _openapi(tmp: Path) -> Install:
    """Options left unset (the token, the key) reach the launcher as placeholders, and are dropped."""
    return Install(
        dialog={"spec": str(PETSTORE), "base_url": "https://pets.example.com/v2", "read_only": True},
        offered="listPets",
        withheld="createPets",
        look=lambda client: _prompt_text(client, "api_overview"),
        shows="Servers: https://pets.example.com/v2",
    )


# Three of the six, for time (each installs its own environment): between them every way a value
# travels. The others' settings are checked against their models above.
INSTALLS = {"filesystem": _filesystem, "git": _git, "openapi": _openapi}


@pytest.mark.anyio
@pytest.mark.timeout(180)
@pytest.mark.parametrize("server", INSTALLS)
async def test_a_bundle_runs_as_claude_desktop_starts_it(
    mcpb: Path, packed: Callable[[str], Path], dist: Path, tmp_path: Path, server: str
) -> None:
    install = INSTALLS[server](tmp_path)
    extension = tmp_path / "extension"
    with zipfile.ZipFile(packed(server)) as archive:
        archive.extractall(extension)
    config = _host_config(mcpb, extension, install.dialog)
    assert config["command"] == "uv"  # the host runs its own uv
    environment = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}
    # Only the moorings wheels come from here; the rest from PyPI, as for a user.
    environment |= {"UV_FIND_LINKS": str(dist), **config.get("env", {})}
    params = StdioServerParameters(command=uv_tool("uv"), args=config["args"], env=environment)
    async with Client(params, mode="legacy") as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert install.offered in tools
        assert install.withheld not in tools
        with anyio.fail_after(HANG_LIMIT):
            assert install.shows in await install.look(client)


def _host_config(mcpb: Path, extension: Path, dialog: dict[str, Any]) -> dict[str, Any]:
    out = _run("node", "--input-type=module", "-e", SUBSTITUTE, extension, json.dumps(dialog), cwd=mcpb)
    config: dict[str, Any] | None = json.loads(out)
    assert config is not None, f"the host would not start it: a required option is missing from {dialog}"
    return config
