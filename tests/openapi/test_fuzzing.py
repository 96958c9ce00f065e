"""Every openapi tool fuzzed from its input schema (see moorings_core.testing.fuzzing), against the
real harbour API.

The operations that only wait (/slow, and /unavailable's Retry-After) or answer hundreds of
megabytes on request (/huge) are left out: each of their calls would cost seconds, and the tests
of test_misbehaving_api.py cover them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from moorings_core.server import MooringsServer
from moorings_core.testing import Sandbox, fuzz_test
from tests.openapi.harbour_api import serve_harbour_api
from tests.openapi.helpers import harbour_server

SLOW_OPERATIONS = ["getSlow", "getUnavailable", "getHuge"]
# The fuzzer draws no value for `format: date` or `contentMediaType` (their dates, the upload's
# file): left out of the per-operation run.
UNDRAWABLE_OPERATIONS = ["listBookings", "createBooking", "uploadDocument"]


@asynccontextmanager
async def openapi_server(box: Sandbox) -> AsyncIterator[MooringsServer]:
    with serve_harbour_api() as api:
        async with harbour_server(
            api,
            exclude_operation=SLOW_OPERATIONS + UNDRAWABLE_OPERATIONS,
            bearer_token=api.bearer_token,
            timeout=5,
            call_timeout=20,
        ) as server:
            yield server


@asynccontextmanager
async def compact_server(box: Sandbox) -> AsyncIterator[MooringsServer]:
    with serve_harbour_api() as api:
        async with harbour_server(
            api, exclude_operation=SLOW_OPERATIONS, tool_mode="compact", timeout=5, call_timeout=20
        ) as server:
            yield server


test_tools_survive_fuzzing = fuzz_test(openapi_server)
test_compact_tools_survive_fuzzing = fuzz_test(compact_server)
