"""Fixtures for the git tests: a private git configuration, and a repository to work in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.git.helpers import Repo, git_environment, make_repo


@pytest.fixture(autouse=True)
def private_git_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every git in these tests, the server's included, reads a private global config, never ~/.gitconfig."""
    yield from git_environment(tmp_path_factory.mktemp("git-home"))


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A repository on main with three commits, inside the jail `tmp_path / "jail"`."""
    return make_repo(tmp_path / "jail" / "repo", commits=3)
