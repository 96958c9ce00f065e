"""What the tests build or install once per run, shared by the pytest-xdist workers.

The workers start together and all want the same things (the wheels, an npm tree): the first to
ask builds, under a file lock, in a folder every worker of the run sees; the others wait at the
lock and then find the work done.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["REPO", "build_dist", "exclusive", "run_folder", "uv_tool"]

REPO = Path(__file__).resolve().parents[1]


def uv_tool(name: str) -> str:
    """uv or uvx from PATH, else the checkout's own copy that `make install` bootstraps into .tools/."""
    found = shutil.which(name) or shutil.which(name, path=str(REPO / ".tools" / "bin"))
    if found is None:
        pytest.skip(f"{name} is not installed (make install bootstraps it)")
    return str(Path(found).absolute())


@contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Held by one process at a time: the others wait here until the holder is done."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The folder of this run that every worker sees (each worker's own is a folder inside it)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_dist(factory: pytest.TempPathFactory) -> Path:
    """What `make dist` builds of the packages, once per run: an sdist of each, and the wheel built from it.

    The wheels stand in for PyPI until the packages are published: pip and uvx find ours there
    (`--find-links`), and every dependency on PyPI.
    """
    dist = run_folder(factory) / "dist"
    with exclusive(dist.with_name("dist.lock")):
        if not dist.is_dir():
            partial = dist.with_name("dist.partial")
            shutil.rmtree(partial, ignore_errors=True)
            done = subprocess.run(
                [uv_tool("uv"), "build", "--all-packages", "--quiet", "--out-dir", str(partial)],
                capture_output=True, text=True, cwd=REPO, timeout=600, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"uv build failed:\n{done.stdout}{done.stderr}"
            partial.rename(dist)
    return dist
