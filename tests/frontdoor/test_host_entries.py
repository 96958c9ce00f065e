"""Every host's entry, as `moorings install` writes it, read back with that format's own parser and
run exactly as the host would run it: the command, its arguments and environment, a handshake and
`tools/list`, from an empty HOME and a PATH without uv."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp import Client, StdioServerParameters

from moorings.hosts import HOSTS, Host
from tests.built import REPO

from .conftest import POSTGRES, NewUser

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

pytestmark = pytest.mark.stdio

SERVERS = ("filesystem", "sqlite", "postgres", "git", "fetch", "openapi")
PETSTORE = REPO / "tests" / "openapi" / "data" / "public" / "petstore.yaml"


def server_args(server: str, project: Path) -> list[str]:
    """The least each server needs, with relative paths, as a user types them in the project folder."""
    if server == "filesystem":
        (project / "docs").mkdir()
        return ["docs", "--read-only"]
    if server == "sqlite":
        return ["--db-path", "harbour.db", "--allow-writes", "--create"]
    if server == "postgres":
        return [POSTGRES]
    if server == "git":
        subprocess.run(["git", "init", "--quiet", str(project / "repo")], check=True)
        return ["--repository", "repo"]
    if server == "openapi":
        shutil.copy(PETSTORE, project / "petstore.yaml")
        return ["--spec", "petstore.yaml"]
    return []


def read_back(host: Host, path: Path, name: str) -> dict[str, Any]:
    """The entry, parsed by a parser of the host's format (not ours)."""
    text = path.read_text(encoding="utf-8")
    if host.format == "toml":
        document: Any = tomllib.loads(text)
    elif host.format == "yaml":
        document = yaml.safe_load(text)
    else:
        document = json.loads(text)
    for key in host.container:
        document = document[key]
    if host.named_list:
        (entry,) = [item for item in document if item["name"] == name]
        return dict(entry)
    return dict(document[name])


_REFERENCE = re.compile(r"\$\{(?:env:|input:)?([A-Za-z0-9_-]+)\}|\$\{\{ secrets\.([A-Za-z0-9_]+) \}\}")


def environment_of(entry: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
    """The variables the host gives the server: literal values, references resolved the host's way."""
    env: dict[str, str] = {}
    for variable, value in (entry.get("env") or entry.get("envs") or {}).items():
        found = _REFERENCE.fullmatch(value)
        env[variable] = secrets[variable] if found else value
    for variable in [*entry.get("env_vars", []), *entry.get("env_keys", [])]:
        env[variable] = secrets[variable]
    return env


def run_entry(entry: Mapping[str, Any], user: NewUser, secrets: Mapping[str, str]) -> list[str]:
    """Start the entry as the host does and return the names of the tools it lists."""
    params = StdioServerParameters(
        command=str(entry.get("command", entry.get("cmd"))),
        args=list(entry["args"]),
        env={**user.env, **environment_of(entry, secrets)},
        cwd=str(user.home),  # hosts start servers anywhere: nothing may depend on the folder
    )

    async def listed() -> list[str]:
        with anyio.fail_after(120):
            async with Client(params, mode="legacy") as client:
                return [tool.name for tool in (await client.list_tools()).tools]

    return anyio.run(listed)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("key", list(HOSTS))
def test_an_installed_entry_parses_back_and_starts_its_server(key: str, new_user: NewUser) -> None:
    host = HOSTS[key]
    server = SERVERS[list(HOSTS).index(key) % len(SERVERS)]
    args = server_args(server, new_user.project)
    new_user.moorings("install", key, server, "--no-warm", "--", *args)

    path = Path(host.config_path(new_user.place, "user"))
    entry = read_back(host, path, server)
    command = str(entry.get("command", entry.get("cmd")))
    assert Path(command).is_absolute()
    assert Path(command).name == "uvx"
    assert entry["args"][:3] == ["--from", f"moorings-{server}==0.1.0", f"moorings-{server}"]
    assert all(not word.startswith(("docs", "harbour.db", "repo", "petstore")) for word in entry["args"])
    assert POSTGRES not in entry["args"]  # a DSN is a secret: never an argument
    tools = run_entry(entry, new_user, secrets={"MOORINGS_POSTGRES_DSN": POSTGRES})
    assert len(tools) >= 1
