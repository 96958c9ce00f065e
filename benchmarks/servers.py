"""The servers a benchmark can run, by name: ours, the SDK baseline and the reference peers.

A spec is only a command line. `{root}` in it stands for the scenario's working directory (the
folder a filesystem server may serve, a git repository, ...), filled in per invocation; a scenario
may fill in others (`Scenario.placeholders`), such as `{api_host}`, the ``127.0.0.1:PORT`` of the
local API the openapi scenarios start.

- ``sdk-hello``: a bare `MCPServer` with one tool, under the project venv's python: the floor.
- ours: each Moorings server by its console script in the project venv (``.venv/bin``).
- ``ref-*``: the official reference servers that ``benchmarks/install_peers.sh`` puts in
  ``.bench/`` (never project dependencies); ``ref-sqlite`` has a venv of its own, as it needs
  the SDK 1.x.
- other peers, installed the same way: ``postgres-mcp`` (Postgres MCP Pro, restricted mode), in a
  venv of its own on Python 3.12; ``fastmcp-openapi`` (FastMCP's OpenAPI server, launched by
  ``peers/fastmcp_openapi.py``), in a venv of its own, ``.bench/py-fastmcp``.

Every postgres server serves `POSTGRES_DSN`: a database of this process's own, which the
scenarios that need it create and drop (`benchmarks.postgres_fixture`), on the PostgreSQL that
``$MOORINGS_BENCH_POSTGRES`` names (a URL without a database; the local one by default).

A spec whose executable is not installed is skipped with a note saying how to install it.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
BENCH_DIR = REPO_ROOT / ".bench"
ROOT_PLACEHOLDER = "{root}"
API_PLACEHOLDER = "{api_host}"  # filled in by the openapi scenarios
# The database a sqlite server serves, inside the scenario's directory.
SQLITE_DATABASE = "bench.sqlite3"
POSTGRES_SERVER = os.environ.get("MOORINGS_BENCH_POSTGRES") or "postgresql://postgres@127.0.0.1:5432"
# Named for this process, so two benchmark runs on one PostgreSQL never share (or drop) a database.
POSTGRES_DATABASE = f"moorings_bench_{os.getpid()}"
POSTGRES_DSN = f"{POSTGRES_SERVER.rstrip('/')}/{POSTGRES_DATABASE}"

# The OpenAPI document the openapi scenarios write into their directory, as .json and as .yaml.
OPENAPI_DOCUMENT = "openapi"
_OPENAPI_API = ("--base-url", f"http://{API_PLACEHOLDER}", "--allow-host", API_PLACEHOLDER)

_SYNC_HINT = "run `make install`"
_PEERS_HINT = "run `benchmarks/install_peers.sh`"


@dataclass(frozen=True)
class ServerSpec:
    """How to launch one stdio MCP server."""

    name: str
    command: tuple[str, ...]
    install_hint: str = ""

    def argv(self, root: Path, placeholders: Mapping[str, str] | None = None) -> list[str]:
        """The command with `{root}` and the scenario's own `placeholders` filled in."""
        values = {ROOT_PLACEHOLDER: str(root), **(placeholders or {})}
        argv = []
        for part in self.command:
            for placeholder, value in values.items():
                part = part.replace(placeholder, value)
            argv.append(part)
        return argv

    def missing(self) -> str | None:
        """Why this server cannot run here, or None when its executable is installed."""
        executable = Path(self.command[0])
        if executable.is_absolute() and not executable.exists():
            shown = executable.relative_to(REPO_ROOT) if executable.is_relative_to(REPO_ROOT) else executable
            hint = f"; {self.install_hint}" if self.install_hint else ""
            return f"{shown} is not installed{hint}"
        return None

    def bytecode_missing(self) -> bool:
        """True when the server runs from a venv whose `mcp` was never compiled to .pyc.

        Such a venv starts ≈ 0.7 s slower on machines that set PYTHONDONTWRITEBYTECODE,
        which would make the comparison about packaging rather than about the server.
        """
        venv = Path(self.command[0]).parent.parent
        if not (venv / "pyvenv.cfg").exists():
            return False
        caches = list(venv.glob("lib/python*/site-packages/mcp/__pycache__"))
        return bool(caches) and not any(cache.glob("*.pyc") for cache in caches)


def _ours(server: str, *args: str, name: str | None = None) -> ServerSpec:
    return ServerSpec(name or server, (str(VENV_BIN / f"moorings-{server}"), *args), _SYNC_HINT)


# Pages big enough that one answer holds what the reference answers at once.
_ONE_PAGE = ("--max-result-chars", "50000000", "--max-output-chars", "100000000")


def _python_peer(name: str, script: str, *args: str, venv: str = "py") -> ServerSpec:
    return ServerSpec(name, (str(BENCH_DIR / venv / "bin" / script), *args), _PEERS_HINT)


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec(
            "sdk-hello",
            (str(VENV_BIN / "python"), str(Path(__file__).parent / "peers" / "hello_server.py")),
            _SYNC_HINT,
        ),
        # Our servers. Arguments follow each server's CLI; adjust here when one changes.
        _ours("filesystem", ROOT_PLACEHOLDER),
        _ours("sqlite", "--db-path", f"{ROOT_PLACEHOLDER}/{SQLITE_DATABASE}"),
        _ours("postgres", "--access-mode", "restricted", POSTGRES_DSN),
        _ours("git", "--repository", ROOT_PLACEHOLDER),
        # The same server answering in one page what the reference answers in one (a 1,000-commit log,
        # a 5 MB commit): its pages are the default; this measures the work, not the page size.
        _ours("git", "--repository", ROOT_PLACEHOLDER, *_ONE_PAGE, name="git-one-page"),
        # The fetch benchmarks serve their pages from 127.0.0.1, which both fetch servers refuse by default.
        _ours("fetch", "--allow-private-network"),
        # The openapi benchmarks write their document into the scenario's directory and serve its API
        # on 127.0.0.1, which the server may reach only when told so.
        _ours("openapi", "--spec", f"{ROOT_PLACEHOLDER}/{OPENAPI_DOCUMENT}.json", *_OPENAPI_API),
        _ours(
            "openapi",
            "--spec",
            f"{ROOT_PLACEHOLDER}/{OPENAPI_DOCUMENT}.yaml",
            *_OPENAPI_API,
            name="openapi-yaml",
        ),
        _ours(
            "openapi",
            "--spec",
            f"{ROOT_PLACEHOLDER}/{OPENAPI_DOCUMENT}.json",
            *_OPENAPI_API,
            "--tool-mode",
            "compact",
            name="openapi-compact",
        ),
        # The reference servers, as hosts run them.
        ServerSpec(
            "ref-filesystem",
            (str(BENCH_DIR / "node" / "node_modules" / ".bin" / "mcp-server-filesystem"), ROOT_PLACEHOLDER),
            _PEERS_HINT,
        ),
        _python_peer("ref-git", "mcp-server-git", "--repository", ROOT_PLACEHOLDER),
        _python_peer("ref-fetch", "mcp-server-fetch", "--allow-private-ips"),
        _python_peer(
            "ref-sqlite",
            "mcp-server-sqlite",
            "--db-path",
            f"{ROOT_PLACEHOLDER}/{SQLITE_DATABASE}",
            venv="py-sqlite",
        ),
        ServerSpec(
            "ref-postgres",
            (str(BENCH_DIR / "node" / "node_modules" / ".bin" / "mcp-server-postgres"), POSTGRES_DSN),
            _PEERS_HINT,
        ),
        ServerSpec(
            "fastmcp-openapi",
            (
                str(BENCH_DIR / "py-fastmcp" / "bin" / "python"),
                str(Path(__file__).parent / "peers" / "fastmcp_openapi.py"),
                f"{ROOT_PLACEHOLDER}/{OPENAPI_DOCUMENT}.json",
                f"http://{API_PLACEHOLDER}",
            ),
            _PEERS_HINT,
        ),
        _python_peer(
            "postgres-mcp", "postgres-mcp", "--access-mode=restricted", POSTGRES_DSN, venv="py-postgres"
        ),
    )
}

BASELINE = "sdk-hello"


def resolve(names: Sequence[str]) -> list[ServerSpec]:
    """The specs for `names`, in order; raise `KeyError` naming the known servers on a typo."""
    unknown = [name for name in names if name not in SERVERS]
    if unknown:
        raise KeyError(f"unknown server(s) {', '.join(unknown)}; known: {', '.join(SERVERS)}")
    return [SERVERS[name] for name in names]


def custom(definition: str) -> ServerSpec:
    """A spec from ``NAME=COMMAND``: any stdio MCP server, its command split like a shell would."""
    name, separator, command = definition.partition("=")
    argv = shlex.split(command)
    if not separator or not name.strip() or not argv:
        raise ValueError(f"expected NAME=COMMAND, e.g. 'mine=python server.py {{root}}', got {definition!r}")
    return ServerSpec(name.strip(), tuple(argv))
