"""Each server installs on its own, the way a user installs it, and the wheels say the right things.

The built wheels stand in for PyPI until the packages are published: pip and uvx find ours in the
wheelhouse (`--find-links`) and every dependency on PyPI, as they will for a new user.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from moorings_core.testing import connect_stdio

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
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make dist` builds: an sdist of every package, and its wheel built from that sdist."""
    out = tmp_path_factory.mktemp("dist")
    _run(*_uv(), "build", "--all-packages", "--out-dir", out)
    return out


def _built_version(dist: Path, name: str) -> str:
    """The version in the name of its wheel, `moorings_sqlite-0.1.0-py3-none-any.whl`."""
    wheel = next(dist.glob(f"{name.replace('-', '_')}-*.whl"))
    return wheel.name.split("-")[1]


def test_dist_holds_one_pure_wheel_and_one_sdist_of_each_package(dist: Path) -> None:
    expected = set()
    for package in ["moorings", "moorings_core", *(f"moorings_{server}" for server in SERVERS)]:
        version = _built_version(dist, package)
        expected |= {f"{package}-{version}-py3-none-any.whl", f"{package}-{version}.tar.gz"}
    assert {path.name for path in [*dist.glob("*.whl"), *dist.glob("*.tar.gz")]} == expected


@pytest.mark.parametrize("server", SERVERS)
def test_a_server_wheel_depends_on_core_by_name_and_ships_its_script(dist: Path, server: str) -> None:
    wheel = next(dist.glob(f"moorings_{server}-*.whl"))
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


def test_core_wheel_ships_py_typed(dist: Path) -> None:
    wheel = next(dist.glob("moorings_core-*.whl"))
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


# -- the built wheels, installed as a new user will once they are on PyPI ----------------------------------


def _start_args(server: str, tmp_path: Path) -> list[str]:
    return [arg.format(tmp=tmp_path) for arg in START_ARGS[server]]


def _pip_install(tmp_path: Path, dist: Path, requirement: str) -> Path:
    """A fresh `python -m venv` with its own pip, and `requirement` installed by that pip; its bin/."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "pip", "install", "--quiet", "--find-links", dist, requirement)
    return venv / "bin"


async def _served(
    command: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> str:
    """What a host learns over stdio: the server's name and version, then the tools it lists."""
    async with connect_stdio(command, *args, env=env, cwd=cwd) as client:
        assert client.server_info is not None
        tools = [tool.name for tool in (await client.list_tools()).tools]
        return f"{client.server_info.name} {client.server_info.version}: {', '.join(tools)}"


@pytest.mark.stdio
@pytest.mark.anyio
@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
async def test_pip_installs_a_server_wheel_alone_and_it_serves_over_stdio(
    dist: Path, tmp_path: Path, server: str
) -> None:
    version = _built_version(dist, f"moorings-{server}")
    # Pinned, so that a same-named release on PyPI could never stand in for the wheel built here.
    bin_dir = _pip_install(tmp_path, dist, f"moorings-{server}=={version}")
    args = _start_args(server, tmp_path)
    served = await _served(str(bin_dir / f"moorings-{server}"), *args)
    assert served.startswith(f"moorings-{server} {version}: ")
    assert served == await _served(f"moorings-{server}", *args)  # what the checkout serves


@pytest.mark.stdio
@pytest.mark.anyio
@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
async def test_uvx_runs_a_server_wheel_and_it_serves_over_stdio(
    dist: Path, tmp_path: Path, server: str
) -> None:
    version = _built_version(dist, f"moorings-{server}")
    uvx = str(Path(_uv()[0]).with_name("uvx"))
    pinned = ["--find-links", str(dist), "--from", f"moorings-{server}=={version}", f"moorings-{server}"]
    args = _start_args(server, tmp_path)
    # A cache of its own, as on a machine that never ran it: nothing comes from the checkout's.
    served = await _served(
        uvx, *pinned, *args, env={"UV_CACHE_DIR": str(tmp_path / "uv-cache")}, cwd=tmp_path
    )
    assert served.startswith(f"moorings-{server} {version}: ")
    assert served == await _served(f"moorings-{server}", *args)


@pytest.mark.timeout(300)
def test_pip_install_of_moorings_with_an_extra_brings_that_server(dist: Path, tmp_path: Path) -> None:
    bin_dir = _pip_install(tmp_path, dist, f"moorings[sqlite]=={_built_version(dist, 'moorings')}")
    version = _built_version(dist, "moorings-sqlite")
    assert sorted(path.name for path in bin_dir.glob("moorings-*")) == ["moorings-sqlite"]
    assert _run(bin_dir / "moorings-sqlite", "--version") == f"moorings-sqlite {version}\n"
