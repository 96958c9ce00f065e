"""The openapi server's tools fuzzed from their input schemas (see moorings_core.testing.fuzzing).

The server calls the harbour API, served on 127.0.0.1, in both tool modes: one tool per operation,
and the three compact tools (`call_operation` draws real operations' names). Whatever the
arguments (hostile path segments, header values with line breaks, URLs in every field, bodies of
the wrong shape), a call is answered with a result, never a crash or a traceback. Beside the API a
canary listener, where the API's /redirect-away now sends clients, must see no connection at all:
neither an argument nor a redirect takes a request off the API's origin.

Three operations are left out, as they cost the run its time by design rather than test anything
here: getSlow waits the seconds it is asked for, getHuge builds a body of up to 256 MiB, and
getUnavailable makes every call wait out two Retry-After pauses (their own tests cover them).
And the document is served without its `format`, `contentMediaType` and `contentEncoding` keywords:
the core's strategies have none for them, and in JSON Schema 2020-12 they only annotate.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from moorings_core.server import MooringsServer
from moorings_core.testing import Sandbox, fuzz_test
from tests.fetch.hostile import Canary, serve_canary
from tests.openapi.harbour_api import HarbourApi, harbour_document, serve_harbour_api
from tests.openapi.helpers import harbour_server

SLOW_BY_DESIGN = ["getSlow", "getHuge", "getUnavailable"]

# The fuzzer asks for the strings before it builds the server, so the API and the canary start with
# the strings and stop with the server.
_worlds: dict[str, tuple[ExitStack, HarbourApi, Canary]] = {}


def _world(box: Sandbox) -> tuple[ExitStack, HarbourApi, Canary]:
    if str(box.root) not in _worlds:
        stack = ExitStack()
        canary = stack.enter_context(serve_canary())
        api = stack.enter_context(serve_harbour_api(redirect_away_to=f"http://127.0.0.1:{canary.port}/"))
        _worlds[str(box.root)] = (stack, api, canary)
    return _worlds[str(box.root)]


def _serving(**settings: Any) -> Any:
    @asynccontextmanager
    async def serve(box: Sandbox) -> AsyncIterator[MooringsServer]:
        stack, api, canary = _world(box)
        with stack:
            spec = _without_annotations(box.root / "harbour.json")
            async with harbour_server(
                api,
                spec=str(spec),
                call_timeout=10,
                timeout=5,
                **{"exclude_operation": SLOW_BY_DESIGN, **settings},
            ) as server:
                yield server
            assert canary.connections == 0, "the canary listener was reached"
        del _worlds[str(box.root)]

    return serve


_ANNOTATIONS = ("format", "contentMediaType", "contentEncoding")


def _without_annotations(path: Path) -> Path:
    def stripped(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: stripped(value) for key, value in node.items() if key not in _ANNOTATIONS}
        return [stripped(item) for item in node] if isinstance(node, list) else node

    path.write_text(json.dumps(stripped(harbour_document())), encoding="utf-8")
    return path


def harbour_strings(box: Sandbox) -> Iterable[str]:
    _, api, canary = _world(box)
    port = canary.port
    return [
        # Values the API knows, so that calls reach its answers and not only its 404s.
        "1", "3", "A04", "B12", "sail", "motor", "classic", "2026-06-01", "hello",
        # Operation names, for call_operation.
        "getBoat", "listBoats", "createBoat", "deleteBoat", "createBooking", "redirectAway", "getFlaky",
        "getSlow", "harbour_getBoat",
        # Ways out of a path segment, a query value or a header.
        "../../boats", "..", "%2e%2e%2f", "a/b", "a%2Fb", "?limit=1", "#top", "x\r\nX-Injected: 1",
        "\x00", "a b&c=d",
        # Other origins, named outright.
        f"http://127.0.0.1:{port}/", f"//127.0.0.1:{port}/", f"http://localhost:{port}/",
        f"http://{api.host}@127.0.0.1:{port}/", "http://169.254.169.254/", f"file://{box.sentinel}",
    ]  # fmt: skip


# One operation of each kind of argument and answer (path, query arrays and enums, header and
# cookie, a JSON body with a clash, form, multipart, text, binary, a credential): the other
# operations take the same kinds, and the compact tools' call_operation reaches every one.
FUZZED_OPERATIONS = [
    "listBoats", "createBoat", "updateBoat", "deleteBoat", "listBookings", "createBooking", "postNotice",
    "uploadDocument", "putNote", "getChart", "echoPath", "getPrivateKeyQuery", "redirectAway",
]  # fmt: skip

test_operation_tools_survive_fuzzing = fuzz_test(
    _serving(include_operation=FUZZED_OPERATIONS), strings=harbour_strings
)
test_compact_tools_survive_fuzzing = fuzz_test(_serving(tool_mode="compact"), strings=harbour_strings)
