"""Each server installs on its own, the way a user installs it, and the wheels say the right things."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SERVERS = sorted(path.parent.name for path in REPO.glob("servers/*/pyproject.toml"))
# The least each server needs on its command line to start.
START_ARGS = {
    "filesystem": ["{tmp}"],
    "sqlite": ["--db-path", "{tmp}/packaging.db", "--allow-writes", "--create"],
    # Nothing listens on port 9: the server starts anyway, as it does when its database is down.
    "postgres": ["postgresql://postgres@127.0.0.1:9/packaging"],
    "git": ["--repository", "{tmp}"],
    "fetch": [],
    # Starting reads the document only: its API (petstore.swagger.io) is never called.
    "openapi": ["--spec", str(REPO / "tests" / "openapi" / "data" / "public" / "petstore.yaml")],
}


def _uv() -> list[str]:
    """uv from PATH, else the checkout's own copy that `make install` bootstraps into .tools/."""
    found = shutil.which("uv") or shutil.which("uv", path=str(REPO / ".tools" / "bin"))
    if found:
        return [found]
    pytest.skip("uv is not installed (make install bootstraps it)")


def _run(*args: str | Path, cwd: Path = REPO) -> str:
    done = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(*_uv(), "build", "--all-packages", "--wheel", "--out-dir", out)
    return out


@pytest.mark.parametrize("server", SERVERS)
def test_a_server_wheel_depends_on_core_by_name_and_ships_its_script(wheels: Path, server: str) -> None:
    wheel = next(wheels.glob(f"moorings_{server}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(name for name in names if name.endswith("METADATA"))).decode()
        entry_points = archive.read(
            next(name for name in names if name.endswith("entry_points.txt"))
        ).decode()
    assert "Requires-Dist: moorings-core" in metadata
    requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert not any("file://" in line for line in requirements)  # no path of this machine baked in
    assert f"moorings-{server} = moorings_{server}.__main__:main" in entry_points
    assert f"moorings_{server}/py.typed" in names


def test_core_wheel_ships_py_typed(wheels: Path) -> None:
    wheel = next(wheels.glob("moorings_core-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        assert "moorings_core/py.typed" in archive.namelist()


@pytest.mark.parametrize("server", SERVERS)
def test_pip_install_of_core_and_one_server_gives_a_working_command(tmp_path: Path, server: str) -> None:
    """`pip install ./shared ./servers/<name>` in a clean venv, without the workspace's uv sources."""
    venv = tmp_path / "venv"
    _run(*_uv(), "venv", "--quiet", "--python", sys.executable, venv)
    _run(*_uv(), "pip", "install", "--quiet", "--no-sources", "--python", venv / "bin" / "python",
         REPO / "shared", REPO / "servers" / server)  # fmt: skip
    script = venv / "bin" / f"moorings-{server}"
    assert _run(script, "--version").strip().startswith(f"moorings-{server} 0.")
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"},
        },
    }
    done = subprocess.run(
        [script, *(arg.format(tmp=tmp_path) for arg in START_ARGS.get(server, []))],
        input=json.dumps(initialize) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    reply = json.loads(done.stdout.splitlines()[0])
    assert reply["result"]["serverInfo"] == {
        "name": f"moorings-{server}",
        "version": _version_of(venv, server),
    }


def _version_of(venv: Path, server: str) -> str:
    code = f"from importlib.metadata import version; print(version('moorings-{server}'))"
    return _run(venv / "bin" / "python", "-c", code).strip()
