"""Every filesystem tool fuzzed from its input schema, writes allowed (see moorings_core.testing.fuzzing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from moorings_core.server import MooringsServer
from moorings_core.testing import Sandbox, fuzz_test
from tests.filesystem.helpers import full_server


@asynccontextmanager
async def filesystem(box: Sandbox) -> AsyncIterator[MooringsServer]:
    yield full_server(box.root, call_timeout=10)


test_tools_survive_fuzzing = fuzz_test(filesystem)
