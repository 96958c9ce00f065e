"""A second MCP client, not built on our SDK, lists and calls the tools of every server over stdio.

The MCP Inspector's CLI (`inspector_cli`) starts each installed console script the way a host
would, in both protocol eras, lists its tools (with `--strict`: no tool schema the Inspector rates
an error) and calls one with typed arguments as a user types them (`head=2`, `params=[21, "21"]`).
The servers check arguments strictly (no `"2"` for an integer), so a call that succeeds is one whose
integers arrived as integers; sqlite's `typeof` shows it in the result too. The tool counts are
the top README's (tests/readmes keeps them true for our own client).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moorings_core.testing import installed_script
from tests.fetch.site import Site, serve_site
from tests.frontdoor.inspector_cli import Inspector, install_inspector, text_of
from tests.frontdoor.npm_tree import npm_or_skip
from tests.git.helpers import git_environment, make_repo
from tests.openapi.harbour_api import HARBOUR_YAML, HarbourApi, harbour_document, serve_harbour_api

# A worker's first test may wait here for the one install of the Inspector and Node (npm ci:
# 15-20 s with an empty npm cache), which pytest-timeout counts as part of that test.
pytestmark = [pytest.mark.stdio, pytest.mark.timeout(300)]

ERAS = [pytest.param("legacy", id="2025"), pytest.param("modern", id="2026")]


@pytest.fixture(scope="session")
def inspector() -> Inspector:
    """The Inspector, installed by npm; skipped without npm, except in CI (CI=true), where it fails."""
    return install_inspector(npm_or_skip("it installs the MCP Inspector, and the Node.js 22 that runs it"))


@pytest.mark.parametrize("era", ERAS)
def test_filesystem(inspector: Inspector, era: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("one\ntwo\nthree\n", encoding="utf-8")
    server = [installed_script("moorings-filesystem"), str(tmp_path)]

    tools = inspector.list_tools(server, era)
    result = inspector.call_tool(server, era, "read_text_file", f"path={notes}", "head=2")

    assert len(tools) == 21
    assert "read_text_file" in tools
    assert text_of(result).startswith("one\ntwo\n\n[Showed lines 1-2 of a 14-byte file.")
    assert result["structuredContent"]["nextOffset"] == 3


@pytest.mark.parametrize("era", ERAS)
def test_sqlite(inspector: Inspector, era: str, tmp_path: Path) -> None:
    server = [installed_script("moorings-sqlite"), "--db-path", str(tmp_path / "new.db")]
    server += ["--allow-writes", "--create"]
    query = (
        "SELECT value, typeof(value) AS kind FROM (SELECT ? AS value UNION ALL SELECT ? UNION ALL SELECT ?)"
    )

    tools = inspector.list_tools(server, era)
    arguments = [f"query={query}", 'params=[21, "21", 2.5]', "maxRows=2"]
    result = inspector.call_tool(server, era, "read_query", *arguments)

    assert len(tools) == 7
    assert "read_query" in tools
    assert text_of(result).startswith('[\n{"value":21,"kind":"integer"},\n{"value":"21","kind":"text"}\n]')
    assert "[Showed rows 1-2 (more follow)" in text_of(result)
    assert result["structuredContent"]["rows"] == [[21, "integer"], ["21", "text"]]


@pytest.mark.parametrize("era", ERAS)
def test_postgres(inspector: Inspector, era: str, postgres_server: str) -> None:
    server = [installed_script("moorings-postgres"), postgres_server]
    sql = "SELECT n * $1 AS n FROM generate_series(1, 5) AS n ORDER BY n"

    tools = inspector.list_tools(server, era)
    result = inspector.call_tool(server, era, "query", f"sql={sql}", "params=[10]", "maxRows=2")

    assert len(tools) == 11
    assert "query" in tools
    assert text_of(result).startswith('[\n{"n":10},\n{"n":20}\n]\n\n[Showed rows 1-2 (more follow)')
    assert result["structuredContent"]["rows"] == [[10], [20]]


@pytest.fixture
def private_git_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield from git_environment(tmp_path_factory.mktemp("git-home"))


@pytest.mark.usefixtures("private_git_config")
@pytest.mark.parametrize("era", ERAS)
def test_git(inspector: Inspector, era: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commits=3)
    server = [installed_script("moorings-git"), "--repository", str(repo.path)]

    tools = inspector.list_tools(server, era)
    result = inspector.call_tool(server, era, "git_log", f"repo_path={repo.path}", "max_count=2")

    assert len(tools) == 26
    assert "git_log" in tools
    assert [entry["subject"] for entry in result["structuredContent"]["entries"]] == ["commit 3", "commit 2"]
    assert "Message: commit 3" in text_of(result)
    assert "Message: commit 1" not in text_of(result)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as served:
        yield served


@pytest.mark.parametrize("era", ERAS)
def test_fetch(inspector: Inspector, era: str, site: Site) -> None:
    site.page("/tides.txt", "High water at 06:12, low water at 12:25.\n", content_type="text/plain")
    server = [installed_script("moorings-fetch"), "--allow-host", site.host]

    tools = inspector.list_tools(server, era)
    result = inspector.call_tool(server, era, "fetch", f"url={site.url('/tides.txt')}", "max_length=20")

    assert set(tools) == {"fetch"}
    assert "High water at 06:12," in text_of(result)
    assert "low water" not in text_of(result)
    assert result["structuredContent"]["nextStartIndex"] == 20


@pytest.fixture
def harbour_api() -> Iterator[HarbourApi]:
    with serve_harbour_api() as api:
        yield api


@pytest.mark.parametrize("era", ERAS)
def test_openapi(inspector: Inspector, era: str, harbour_api: HarbourApi) -> None:
    server = [installed_script("moorings-openapi"), "--spec", str(HARBOUR_YAML)]
    server += ["--base-url", harbour_api.base_url, "--allow-host", harbour_api.host]

    tools = inspector.list_tools(server, era)
    result = inspector.call_tool(server, era, "listBoats", "limit=2", 'tags=["racing"]')

    assert set(tools) == operation_ids(harbour_document())
    boats = result["structuredContent"]["body"]["items"]
    assert [boat["name"] for boat in boats] == ["Curlew 1", "Tern 1"]
    assert [request.query for request in harbour_api.requests_to("/boats")] == [
        {"limit": ["2"], "tags": ["racing"]}
    ]


def operation_ids(document: dict[str, Any]) -> set[str]:
    """The operations of an OpenAPI document, which the server offers one tool each."""
    return {
        operation["operationId"]
        for path_item in document["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
