"""Fixtures for the fetch tests: a real web site on 127.0.0.1, and a canary listener beside it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fetch.hostile import Canary, serve_canary
from tests.fetch.site import Site, serve_site


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as served:
        yield served


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A listener on 127.0.0.1 that no fetch server in the tests is allowed to reach."""
    with serve_canary() as listening:
        yield listening
