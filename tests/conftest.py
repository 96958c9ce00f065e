"""Settings shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.built import build_dist


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every package as `make dist` builds it, once per run (see tests/built.py)."""
    return build_dist(tmp_path_factory)
