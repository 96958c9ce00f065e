"""Fixtures for the fetch tests: a real web site on 127.0.0.1 and servers allowed to reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fetch.site import Site, serve_site


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as served:
        yield served
