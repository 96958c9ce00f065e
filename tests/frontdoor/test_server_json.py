"""The MCP Registry's entries, `servers/<name>/server.json`: valid by the registry's own schema, true
to each server's real settings, claimed by the server's README, current with the code they are
generated from, and a command line the real console script starts with.

The settings are read here from each server's own model (`describe_settings`), not from the
generator, so a generator that invents a flag, loses a secret or drops a required setting fails.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from moorings_core.config import Setting, describe_settings, load_settings
from moorings_core.program import ServerProgram

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "server.schema.json").read_text("utf-8"))
SERVERS = sorted(path.parent.name for path in REPO.glob("servers/*/pyproject.toml"))
BIN = Path(sys.executable).parent
FORMATS = {"path": "filepath", "int": "number", "float": "number", "bool": "boolean"}
NAME_CHARACTERS = r"[A-Za-z0-9._/-]"  # the registry's: a declared name ends at the first other one


def _entry(server: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "servers" / server / "server.json").read_text("utf-8"))
    return loaded


def _package(server: str) -> dict[str, Any]:
    package: dict[str, Any] = _entry(server)["packages"][0]
    return package


def _program(server: str) -> ServerProgram:  # type: ignore[type-arg]
    program: ServerProgram = importlib.import_module(f"moorings_{server}.server").PROGRAM  # type: ignore[type-arg]
    return program


def _settings(server: str) -> tuple[Setting, ...]:
    return describe_settings(_program(server).settings, server=server)


def _asked(server: str) -> list[dict[str, Any]]:
    package = _package(server)
    return [*package.get("packageArguments", []), *package.get("environmentVariables", [])]


def _validator() -> Draft7Validator:
    return Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)


def _schema_errors(entry: dict[str, Any]) -> list[str]:
    errors = _validator().iter_errors(entry)
    return [f"/{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]


# -- The registry's schema -----------------------------------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS)
def test_the_entry_is_valid_by_the_registrys_schema(server: str) -> None:
    entry = _entry(server)
    assert entry["$schema"] == SCHEMA["$id"], "the entry names another schema than the one vendored"
    assert _schema_errors(entry) == []


def test_the_schema_check_refuses_what_the_registry_refuses() -> None:
    assert "uri" in _validator().format_checker.checkers, "install rfc3986-validator: URLs go unchecked"
    entry = _entry("filesystem")
    package = {**_package("filesystem"), "version": "latest"}
    broken = [
        {**entry, "description": "x" * 101},
        {**entry, "name": "moorings-filesystem"},
        {**entry, "repository": {**entry["repository"], "url": "not a url"}},
        {**entry, "packages": [package]},
    ]
    assert all(_schema_errors(bad) for bad in broken)


# -- The server's real distribution and settings -------------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS)
def test_the_package_is_the_servers_distribution(server: str) -> None:
    project = tomllib.loads((REPO / "servers" / server / "pyproject.toml").read_text("utf-8"))["project"]
    entry, package = _entry(server), _package(server)
    assert (package["registryType"], package["identifier"]) == ("pypi", project["name"])
    assert package["version"] == entry["version"] == project["version"]
    assert (package["runtimeHint"], package["transport"]) == ("uvx", {"type": "stdio"})
    assert project["scripts"][project["name"]], "uvx runs the script named as the package"
    assert (REPO / entry["repository"]["subfolder"] / "pyproject.toml").is_file()
    assert entry["description"] in (project["description"], project["description"].split(": ")[0]) or (
        project["description"].startswith(entry["description"] + ", ")
    )


@pytest.mark.parametrize("server", SERVERS)
def test_every_argument_is_a_real_flag_of_the_server(server: str) -> None:
    settings = _settings(server)
    flags = {setting.flag: setting for setting in settings if not setting.positional}
    positional = {setting.name: setting for setting in settings if setting.positional}
    for argument in _package(server).get("packageArguments", []):
        if argument["type"] == "named":
            assert argument["name"] in flags, f"{argument['name']} is not a flag of moorings-{server}"
            setting = flags[argument["name"]]
        else:
            assert argument["valueHint"] in positional, f"moorings-{server} has no positional {argument}"
            setting = positional[argument["valueHint"]]
        assert not setting.secret, f"{setting.flag} is a secret: it must not go on the command line"
        assert argument.get("isRepeated", False) == setting.many
        _assert_described_as(argument, setting)


@pytest.mark.parametrize("server", SERVERS)
def test_every_environment_variable_is_a_real_one_and_secrets_are_marked(server: str) -> None:
    by_variable = {setting.env_var: setting for setting in _settings(server)}
    for variable in _package(server).get("environmentVariables", []):
        assert variable["name"] in by_variable, f"moorings-{server} reads no {variable['name']}"
        setting = by_variable[variable["name"]]
        assert not setting.from_file_only, f"{setting.flag} can only be set in the config file"
        assert variable.get("isSecret", False) == setting.secret
        _assert_described_as(variable, setting)


@pytest.mark.parametrize("server", SERVERS)
def test_every_setting_without_a_default_the_server_needs_is_asked(server: str) -> None:
    asked = {item.get("name", item.get("valueHint")) for item in _asked(server)}
    for setting in _settings(server):
        if setting.required or setting.positional:
            assert {setting.flag, setting.name, setting.env_var} & asked, f"{setting.flag} is not asked"


def _assert_described_as(item: dict[str, Any], setting: Setting) -> None:
    where = f"{setting.flag} ({setting.env_var})"
    assert item["isRequired"] == setting.required, where
    assert item["format"] == FORMATS.get(setting.kind, "string"), where
    assert item["description"] == setting.description, where
    expected_choices = ["true", "false"] if setting.kind == "bool" else list(setting.choices)
    assert item.get("choices", []) == expected_choices, where
    if "default" in item:
        assert item["default"] == setting.default, where
        assert not setting.required, where


@pytest.mark.parametrize("server", SERVERS)
def test_every_choice_offered_is_accepted_by_the_server(server: str, tmp_path: Path) -> None:
    """Each answer a pick list offers starts the server with some answers to the others.

    Some need another (`--create` needs `--allow-writes`), so each is tried with every combination.
    """
    answers = _answers(tmp_path)
    package = _package(server)
    argv = [
        value for argument in package.get("packageArguments", []) for value in _answered(argument, answers)
    ]
    variables = package.get("environmentVariables", [])
    unasked = {item["name"]: answers[item["name"]] for item in variables if "choices" not in item}
    picks = [item for item in variables if "choices" in item]
    accepted: set[tuple[str, str]] = set()
    for combination in itertools.product(*(item["choices"] for item in picks)):
        environ = {
            **unasked,
            **{item["name"]: choice for item, choice in zip(picks, combination, strict=True)},
        }
        try:
            load_settings(_program(server).settings, server=server, version="0", argv=argv, environ=environ)
        except SystemExit:
            continue
        accepted |= set(environ.items())
    offered = {(item["name"], choice) for item in picks for choice in item["choices"]}
    assert offered - accepted == set()


def _answered(argument: dict[str, Any], answers: dict[str, str]) -> list[str]:
    """How a registry client writes an answered argument: `--flag VALUE`, or the value alone."""
    if argument["type"] == "named":
        return [argument["name"], answers[argument["name"]]]
    return [answers[argument["valueHint"]]]


# -- The README's ownership line -----------------------------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS)
def test_the_readme_declares_the_entrys_name(server: str) -> None:
    """PyPI's page is the README: the registry finds `mcp-name: NAME` there, NAME ending the match."""
    readme = (REPO / "servers" / server / "README.md").read_text("utf-8")
    declared = re.findall(rf"mcp-name: ({NAME_CHARACTERS}+)", readme)
    assert declared == [_entry(server)["name"]]


# -- A registry client's command line starts the real server -------------------------------------------------


def _answers(tmp_path: Path) -> dict[str, str]:
    """What a user would answer to each question the entries ask without a default."""
    database = tmp_path / "shop.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.close()
    return {
        "directories": str(tmp_path),
        "--db-path": str(database),
        "--spec": str(REPO / "tests" / "openapi" / "data" / "public" / "petstore.yaml"),
        "MOORINGS_POSTGRES_DSN": "postgresql://shop@localhost:5432/shop",
    }


@pytest.mark.stdio
@pytest.mark.parametrize("server", [server for server in SERVERS if server != "postgres"])
def test_the_console_script_starts_with_the_entrys_command_line(server: str, tmp_path: Path) -> None:
    """As a client installs it: every argument answered, every variable at its default, stdin closed.

    postgres is left out: its one question is the DSN of a live database.
    """
    answers = _answers(tmp_path)
    package = _package(server)
    argv = [
        value for argument in package.get("packageArguments", []) for value in _answered(argument, answers)
    ]
    environ = {name: value for name, value in os.environ.items() if not name.startswith("MOORINGS_")}
    environ.update({item["name"]: item["default"] for item in package.get("environmentVariables", [])})
    finished = subprocess.run(
        [str(BIN / package["identifier"]), *argv],
        input="",
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert (finished.returncode, finished.stderr) == (0, "")


# -- Generated files are current -----------------------------------------------------------------------------


def test_generated_files_are_current() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "tools.generate", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (checked.returncode, checked.stderr) == (0, "")
