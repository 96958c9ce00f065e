"""`moorings doctor` and `moorings warm`, run as a new user runs them, against real servers."""

from __future__ import annotations

import json
import re

import pytest

from tests.built import uv_tool

from .conftest import NewUser

pytestmark = [pytest.mark.stdio, pytest.mark.timeout(300)]


def test_warm_then_doctor_finds_a_healthy_entry(new_user: NewUser) -> None:
    warmed = new_user.moorings("warm", "fetch")
    assert re.fullmatch(
        r"moorings-fetch 0\.1\.0 is in uv's cache \(\d+\.\d s\)", warmed.stderr.splitlines()[-1]
    )
    new_user.moorings("install", "cursor", "fetch", "--no-warm")
    done = new_user.moorings("doctor", "cursor")
    config = new_user.home / ".cursor" / "mcp.json"
    lines = done.stdout.splitlines()
    assert lines[:4] == [
        f"Cursor (user): {config}",
        "  fetch: moorings-fetch",
        f"    ok    command {uv_tool('uvx')}",
        "    ok    moorings-fetch==0.1.0 is in uv's cache",
    ]
    assert re.fullmatch(r"    ok    started in \d+\.\d s and lists 1 tool", lines[4])
    assert len(lines) == 5


def test_doctor_says_what_is_wrong_with_each_entry_and_how_to_fix_it(new_user: NewUser) -> None:
    uvx = uv_tool("uvx")
    entries = {
        "bare-uvx": {"command": "uvx", "args": ["--from", "moorings-fetch==0.1.0", "moorings-fetch"]},
        "unpinned": {"command": uvx, "args": ["moorings-fetch"]},
        "relative": {
            "command": uvx,
            "args": ["--from", "moorings-sqlite==0.1.0", "moorings-sqlite", "--db-path", "shop.db"],
        },
        "no-such-db": {
            "command": uvx,
            "args": ["--from", "moorings-sqlite==0.1.0", "moorings-sqlite", "--db-path", "/nowhere/shop.db"],
        },
        "token": {
            "command": uvx,
            "args": ["--from", "moorings-openapi==0.1.0", "moorings-openapi", "--spec", "/nowhere/a.yaml"],
            "env": {"MOORINGS_OPENAPI_BEARER_TOKEN": "${env:MOORINGS_OPENAPI_BEARER_TOKEN}"},
        },
        "someone-else": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]},
    }
    config = new_user.home / ".cursor" / "mcp.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"mcpServers": entries}))
    done = new_user.moorings("doctor", "cursor", check=False)
    assert done.returncode == 1
    report = _by_entry(done.stdout)
    assert set(report) == set(entries) - {"someone-else"}  # only Moorings entries are checked
    assert report["bare-uvx"] == [
        "FAIL  the command 'uvx' is not an absolute path: a host started from the desktop does not search "
        "the shell's PATH (`spawn uvx ENOENT`)",
        "fix:  moorings install cursor fetch --name bare-uvx --force",
    ]
    assert (
        "FAIL  moorings-fetch is not pinned to a release: uvx runs whatever copy its cache holds"
        in (report["unpinned"])
    )
    assert (
        "FAIL  a path argument is relative: hosts start servers in a folder of their own"
        in report["relative"]
    )
    assert (
        report["relative"][-1]
        == "fix:  moorings install cursor sqlite --name relative --force -- --db-path shop.db"
    )
    assert (
        "FAIL  the server did not start: moorings-sqlite: error: --db-path /nowhere/shop.db does not exist; "
        "name an existing SQLite file, or pass --allow-writes --create to create an empty one"
    ) in report["no-such-db"]
    assert (
        "FAIL  MOORINGS_OPENAPI_BEARER_TOKEN is not set here, so the server cannot be started to check it"
        in (report["token"])
    )
    assert report["token"][-1] == (
        "fix:  set MOORINGS_OPENAPI_BEARER_TOKEN in the environment Cursor starts from "
        "(and here, to check it)"
    )


def test_doctor_without_any_host_config_says_so(new_user: NewUser) -> None:
    done = new_user.moorings("doctor")
    assert (
        done.stdout == "no config file of any host moorings knows was found; see: moorings install --help\n"
    )


def _by_entry(report: str) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    current: list[str] = []
    for line in report.splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            current = entries.setdefault(line.strip().split(":")[0], [])
        elif line.startswith("    "):
            current.append(line.strip())
    return entries
