"""Each server installs on its own, the way a user installs it, and the wheels say the right things.

The built wheels stand in for PyPI until the packages are published: pip and uvx find ours in the
wheelhouse (`--find-links`) and every dependency on PyPI, as they will for a new user.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from moorings_core.testing import connect_stdio
from tests.built import exclusive, run_folder, uv_tool

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


def _run(*args: str | Path, cwd: Path = REPO) -> str:
    done = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


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


def _version_of(venv: Path, server: str) -> str:
    code = f"from importlib.metadata import version; print(version('moorings-{server}'))"
    return _run(venv / "bin" / "python", "-c", code).strip()


# -- the built wheels, installed as a new user will once they are on PyPI ----------------------------------


def _start_args(server: str, tmp_path: Path) -> list[str]:
    return [arg.format(tmp=tmp_path) for arg in START_ARGS[server]]


@pytest.fixture(scope="session")
def pip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A current pip, once per run: the python of a venv made with `--upgrade-deps`.

    It installs into each test's own clean venv (`pip --python`): the pip that comes with Python
    3.11 takes twice as long to read PyPI's long file lists, which adds a minute to the suite.
    """
    tool = run_folder(tmp_path_factory) / "pip"
    with exclusive(tool.with_name("pip.lock")):
        if not (tool / "bin" / "pip").exists():
            _run(sys.executable, "-m", "venv", "--upgrade-deps", tool)
    return tool / "bin" / "python"


def _pip_install(pip: Path, tmp_path: Path, dist: Path, requirement: str) -> Path:
    """A fresh `python -m venv`, and `requirement` installed into it by pip; its bin/."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    _run(pip, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--find-links", dist,
         requirement)  # fmt: skip
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
    pip: Path, dist: Path, tmp_path: Path, server: str
) -> None:
    version = _built_version(dist, f"moorings-{server}")
    # Pinned, so that a same-named release on PyPI could never stand in for the wheel built here.
    bin_dir = _pip_install(pip, tmp_path, dist, f"moorings-{server}=={version}")
    args = _start_args(server, tmp_path)
    served = await _served(str(bin_dir / f"moorings-{server}"), *args)
    assert served.startswith(f"moorings-{server} {version}: ")
    assert served == await _served(f"moorings-{server}", *args)  # what the checkout serves


@pytest.mark.stdio
@pytest.mark.anyio
@pytest.mark.timeout(300)
@pytest.mark.parametrize("server", SERVERS)
async def test_uvx_runs_a_server_wheel_and_it_serves_over_stdio(
    dist: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, server: str
) -> None:
    version = _built_version(dist, f"moorings-{server}")
    uvx = uv_tool("uvx")
    pinned = ["--find-links", str(dist), "--from", f"moorings-{server}=={version}", f"moorings-{server}"]
    args = _start_args(server, tmp_path)
    # The run's own cache, never the checkout's: what is in it came from the wheels and PyPI.
    cache = run_folder(tmp_path_factory) / "uv-cache"
    served = await _served(uvx, *pinned, *args, env={"UV_CACHE_DIR": str(cache)}, cwd=tmp_path)
    assert served.startswith(f"moorings-{server} {version}: ")
    assert served == await _served(f"moorings-{server}", *args)


@pytest.mark.timeout(300)
def test_pip_install_of_moorings_with_an_extra_brings_that_server(
    pip: Path, dist: Path, tmp_path: Path
) -> None:
    bin_dir = _pip_install(pip, tmp_path, dist, f"moorings[sqlite]=={_built_version(dist, 'moorings')}")
    version = _built_version(dist, "moorings-sqlite")
    assert sorted(path.name for path in bin_dir.glob("moorings-*")) == ["moorings-sqlite"]
    assert _run(bin_dir / "moorings-sqlite", "--version") == f"moorings-sqlite {version}\n"
