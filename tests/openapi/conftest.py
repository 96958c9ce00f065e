"""Fixtures for the openapi tests: the harbour API, served for real on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.openapi.harbour_api import HarbourApi, serve_harbour_api


@pytest.fixture(scope="module")
def served_harbour_api() -> Iterator[HarbourApi]:
    """One server a module: starting one takes milliseconds, but stopping it takes uvicorn 0.1 to 0.2 s."""
    with serve_harbour_api() as api:
        yield api


@pytest.fixture
def harbour_api(served_harbour_api: HarbourApi) -> HarbourApi:
    """The harbour API as served: seed boats, default secrets and settings, nothing recorded."""
    served_harbour_api.reset()
    return served_harbour_api
