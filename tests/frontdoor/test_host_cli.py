"""`moorings install gemini` through Gemini CLI's own `gemini mcp add`: the real one, from npm.

When a host's command is on PATH, moorings has it write the entry; that entry must be the very one
`moorings config` prints (and the file route writes), or a host would run something else. Gemini
CLI is pinned in `gemini/` (package.json and its lock) and installed once per checkout (`npm_tree`;
about 3 s and 100 MB with an empty npm cache). Claude Code and Codex come as native binaries of
over 400 MB each, too big to fetch for a test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from moorings.formats import open_document
from tests.built import uv_tool
from tests.frontdoor.npm_tree import TOOLS, install_tree, npm_or_skip

# A worker's first test may wait here for the one install of Gemini CLI.
pytestmark = pytest.mark.timeout(300)

PACKAGE = Path(__file__).parent / "gemini"
# Gemini CLI is one bundled script; its optional native parts (a terminal, a keychain) are not
# needed to add a server, and building them would need a compiler.
NPM_OPTIONS = ("--omit=optional", "--ignore-scripts")


@pytest.fixture(scope="session")
def gemini() -> Path:
    """The folder holding the `gemini` command."""
    npm = npm_or_skip("it installs Gemini CLI, whose own `gemini mcp add` these tests run")
    tree = install_tree(npm, PACKAGE, TOOLS / "gemini", *NPM_OPTIONS)
    return tree / "node_modules" / ".bin"


@dataclass(frozen=True)
class User:
    """An empty home and project, with Gemini CLI and Node.js on PATH and nothing else."""

    home: Path
    project: Path
    env: dict[str, str]

    def moorings(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("moorings")), *args],
            capture_output=True, text=True, cwd=cwd or self.project, env=self.env, timeout=120, check=False,
        )  # fmt: skip


@pytest.fixture
def user(tmp_path: Path, gemini: Path) -> User:
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    node = shutil.which("node")
    assert node is not None, "npm is on PATH but node is not"
    path = [str(gemini), str(Path(node).parent), "/usr/bin", "/bin"]
    return User(home=home, project=project, env={"HOME": str(home), "PATH": ":".join(path)})


def install(user: User, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`moorings install gemini ARGS` (server arguments after `--`), with the real uvx named."""
    cut = args.index("--")
    return user.moorings(
        "install", "gemini", *args[:cut], "--uvx", uv_tool("uvx"), "--no-warm", *args[cut:], cwd=cwd
    )


def shown(user: User, *args: str) -> dict[str, Any]:
    """The entries `moorings config gemini ARGS` prints."""
    cut = args.index("--")
    done = user.moorings("config", "gemini", *args[:cut], "--uvx", uv_tool("uvx"), *args[cut:])
    assert done.returncode == 0, done.stderr
    entries: dict[str, Any] = json.loads(done.stdout)["mcpServers"]
    return entries


def servers_in(settings: Path) -> Any:
    """The "mcpServers" of a Gemini CLI settings file, read the way moorings reads it (comments too)."""
    return open_document("json", settings.read_text()).get(["mcpServers"])


def test_gemini_mcp_add_writes_the_entry_moorings_prints(user: User) -> None:
    settings = user.home / ".gemini" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // dark, always\n  "theme": "GitHub"\n}\n')
    args = ("sqlite", "--", "--db-path", "shop.db")

    first = install(user, *args)
    second = install(user, *args)

    assert first.stdout.startswith(f"added 'sqlite' in {settings} with `gemini mcp add`"), first.stderr
    assert servers_in(settings) == shown(user, *args)
    assert servers_in(settings)["sqlite"]["args"][-1] == str(user.project / "shop.db")
    assert "// dark, always" in settings.read_text()
    assert second.stdout.startswith(f"unchanged 'sqlite' in {settings}\n"), second.stderr


def test_a_servers_own_options_and_secrets_reach_the_project_file_unchanged(user: User) -> None:
    # --timeout is also an option of `gemini mcp add`: it must stay the server's.
    server_args = ["--spec", "harbour.yaml", "--timeout", "30", "--header", "Authorization: Bearer t0ken"]
    args = ("openapi", "--scope", "project", "--", *server_args)

    done = install(user, *args)

    settings = user.project / ".gemini" / "settings.json"
    assert done.stdout.startswith(f"added 'openapi' in {settings} with `gemini mcp add`"), done.stderr
    entry = servers_in(settings)["openapi"]
    assert {"openapi": entry} == shown(user, *args)
    assert entry["args"][-2:] == ["--timeout", "30"]
    assert entry["env"] == {"MOORINGS_OPENAPI_HEADER": "${MOORINGS_OPENAPI_HEADER}"}
    assert "t0ken" not in settings.read_text()


def test_a_project_install_in_the_home_folder_that_gemini_drops_is_reported(user: User) -> None:
    # There Gemini CLI says it added the server to the project's settings, and writes nothing.
    done = install(user, "sqlite", "--scope", "project", "--", "--db-path", "shop.db", cwd=user.home)

    assert done.returncode == 1, done.stdout
    assert "Gemini CLI's own command reported success, but" in done.stderr
    assert "--no-host-cli" in done.stderr
    assert not (user.home / ".gemini" / "settings.json").exists()
