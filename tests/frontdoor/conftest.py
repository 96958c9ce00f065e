"""A machine as a new user's: an empty HOME, uv's cache, and the Moorings wheels as if on PyPI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from moorings.places import Place
from tests.built import run_folder, uv_tool

# The admin DSN once PostgreSQL answers; skipped with the reason when it does not (failed in CI).
from tests.postgres.conftest import postgres_server  # noqa: F401

POSTGRES = os.environ.get("MOORINGS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class NewUser:
    """An empty home and project folder, and the environment a host would start servers with."""

    home: Path
    project: Path
    env: dict[str, str]

    @property
    def place(self) -> Place:
        return Place(system="linux", home=self.home, environ=self.env, cwd=self.project)

    def moorings(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the installed `moorings` command as this user, in the project folder."""
        done = subprocess.run(
            [str(Path(sys.executable).with_name("moorings")), *args],
            capture_output=True, text=True, cwd=self.project, env=self.env, timeout=300, check=False,
        )  # fmt: skip
        if check:
            assert done.returncode == 0, f"moorings {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture
def new_user(tmp_path: Path, dist: Path, tmp_path_factory: pytest.TempPathFactory) -> NewUser:
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    uvx = Path(uv_tool("uvx"))
    env = {
        "HOME": str(home),
        "USERPROFILE": str(home),
        # uvx where a host finds nothing else: the entry must name it by its absolute path.
        "PATH": os.pathsep.join([str(uvx.parent), "/usr/bin", "/bin"]),
        "UV_FIND_LINKS": str(dist),
        "UV_CACHE_DIR": str(run_folder(tmp_path_factory) / "uv-cache"),
        "UV_PYTHON": sys.executable,
        "UV_COMPILE_BYTECODE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for kept in ("LANG", "LC_ALL", "SSL_CERT_FILE", "UV_SYSTEM_CERTS", "UV_INDEX_URL", "PIP_INDEX_URL"):
        if kept in os.environ:
            env[kept] = os.environ[kept]
    return NewUser(home=home, project=project, env=env)
