"""Fixtures shared by the filesystem tests: a sandbox, a server over it, and the protocol era."""

from __future__ import annotations

from pathlib import Path

import pytest

from moorings_core.testing import LEGACY, MODERN, Era, Sandbox, sandbox
from tests.filesystem.helpers import ServerFactory, full_server


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    """An allowed root, and beside it an outside directory with a sentinel file."""
    return sandbox(tmp_path)


@pytest.fixture
def make_server() -> ServerFactory:
    """`make_server(root, ..., **settings)`: the filesystem server over `root`s, as the CLI builds it."""

    return full_server


@pytest.fixture(params=[LEGACY, MODERN], ids=["2025", "2026"])
def era(request: pytest.FixtureRequest) -> Era:
    """Both protocol eras: the 2025-11-25 handshake and 2026-07-28 discovery."""
    era: Era = request.param
    return era
