"""Repository hooks run only when the operator allowed them (--allow-hooks).

Each case installs a hook that leaves a marker file, runs the tool that would trigger it, and looks
for the marker: absent by default, present with allow_hooks (the control, proving the hook was live).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from moorings_core.testing import ERAS, Era
from tests.git.helpers import Repo, diverge, hook, ok

pytestmark = pytest.mark.anyio


def _for_commit(repo: Repo) -> dict[str, Any]:
    repo.write("README.md", "changed\n")
    repo.git("add", "README.md")
    return {"message": "with hooks?"}


def _for_merge(repo: Repo) -> dict[str, Any]:
    diverge(repo, conflict=False)
    return {"branch": "side"}


def _for_checkout(repo: Repo) -> dict[str, Any]:
    repo.git("branch", "other", "HEAD~1")
    return {"branch_name": "other"}


def _for_cherry_pick(repo: Repo) -> dict[str, Any]:
    side = diverge(repo, conflict=False)
    return {"commits": [side]}


CASES: list[tuple[str, str, Callable[[Repo], dict[str, Any]]]] = [
    ("git_commit", "pre-commit", _for_commit),
    ("git_commit", "post-commit", _for_commit),
    ("git_merge", "post-merge", _for_merge),
    ("git_merge", "pre-merge-commit", _for_merge),
    ("git_checkout", "post-checkout", _for_checkout),
    ("git_cherry_pick", "post-commit", _for_cherry_pick),
]


@pytest.mark.parametrize(("tool", "hook_name", "prepare"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
@pytest.mark.parametrize("allow_hooks", [False, True], ids=["default", "allowed"])
async def test_a_hook_runs_only_when_allowed(
    repo: Repo,
    tmp_path: Path,
    tool: str,
    hook_name: str,
    prepare: Callable[[Repo], dict[str, Any]],
    allow_hooks: bool,
) -> None:
    marker = tmp_path / "hook-ran"
    arguments = prepare(repo)
    hook(repo, hook_name, marker)  # after the plain git commits of prepare, which would run it
    await ok(repo.path, tool, settings={"allow_hooks": allow_hooks}, **arguments)
    assert marker.exists() is allow_hooks


@pytest.mark.parametrize("era", ERAS)
async def test_a_hooks_path_in_the_repositorys_config_runs_nothing(
    repo: Repo, tmp_path: Path, era: Era
) -> None:
    marker = tmp_path / "hook-ran"
    hooks = tmp_path / "their-hooks"
    hooks.mkdir()
    script = hooks / "pre-commit"
    script.write_text(f"#!/bin/sh\ntouch '{marker}'\n")
    script.chmod(0o755)
    repo.git("config", "core.hooksPath", str(hooks))
    _for_commit(repo)
    await ok(repo.path, "git_commit", era=era, message="no hooks")
    assert not marker.exists()
    repo.git("commit", "--quiet", "--allow-empty", "-m", "plain git")  # the control: git itself runs it
    assert marker.exists()
