"""A Node.js tool the tests run, installed by npm from a pinned tree kept in the tests.

A folder of the tests holds a package.json and the package-lock.json that pins everything under
it; `npm ci` installs that tree once into the checkout's `.tools/npm/NAME/` (git-ignored), under a
file lock, since pytest-xdist workers ask for it at the same time. A stamp of the two files' digest
(and of npm's options) says the install there is complete and current.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.built import exclusive

__all__ = ["TOOLS", "install_tree", "npm_or_skip"]

TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "npm"
PACKAGE_FILES = ("package.json", "package-lock.json")


def npm_or_skip(why: str) -> str:
    """npm from PATH; without it the test is skipped, except in CI (CI=true), where it fails."""
    npm = shutil.which("npm")
    if npm is None:
        message = f"npm is not on PATH: {why}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing npm fails the run)", pytrace=False)
        pytest.skip(message)
    return npm


def install_tree(npm: str, package: Path, target: Path, *options: str) -> Path:
    """`target`, holding the tree `package` pins, installed by `npm ci OPTIONS` first if need be."""
    target.mkdir(parents=True, exist_ok=True)
    stamp = target / "installed-from"
    digest = _digest(package, options)
    with exclusive(target.with_name(target.name + ".lock")):
        if not stamp.exists() or stamp.read_text() != digest:
            stamp.unlink(missing_ok=True)
            for name in PACKAGE_FILES:
                shutil.copyfile(package / name, target / name)
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", *options],
                cwd=target, capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"npm ci in {target} failed:\n{done.stdout}{done.stderr}"
            stamp.write_text(digest)
    return target


def _digest(package: Path, options: tuple[str, ...]) -> str:
    files = hashlib.sha256()
    for name in PACKAGE_FILES:
        files.update((package / name).read_bytes())
    files.update(" ".join(options).encode())
    return files.hexdigest()
