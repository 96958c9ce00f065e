"""What the filesystem test modules share: servers over a sandbox, and one-tool-call clients for them.

Two ways of calling a tool recur. The listing and searching tests take the whole server from the
`make_server` fixture and a root (`call`, `ok`, `refused`); the reading, writing and managing tests
build a server with only the tool families under test and call it over a sandbox (`FamilyCalls`).
Both open a fresh server and connection for each call, so no test sees another's state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client

from moorings_core.server import MooringsServer
from moorings_core.testing import HANG_LIMIT, MODERN, Era, Sandbox, connect, refusal, succeeded
from moorings_filesystem.server import build_server
from moorings_filesystem.settings import FilesystemSettings
from moorings_filesystem.workspace import Workspace

ServerFactory = Callable[..., MooringsServer]  # `full_server`, or the `make_server` fixture returning it
Register = Callable[[MooringsServer, Workspace], None]  # a tool family's `register`


def full_server(*directories: Path, **settings: object) -> MooringsServer:
    """The filesystem server over `directories`, as the CLI builds it."""
    return build_server(FilesystemSettings.model_validate({"directories": list(directories), **settings}))


# -- calls against a whole server from a factory -----------------------------------------------------


async def call(
    factory: ServerFactory,
    root: Path,
    tool: str,
    *,
    era: Era = MODERN,
    settings: dict[str, Any] | None = None,
    **arguments: Any,
) -> types.CallToolResult:
    async with connect(factory(root, **(settings or {})), era=era) as client:
        with anyio.fail_after(HANG_LIMIT):
            return await client.call_tool(tool, arguments)


async def ok(factory: ServerFactory, root: Path, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    return succeeded(await call(factory, root, tool, **arguments))


async def refused(factory: ServerFactory, root: Path, tool: str, **arguments: Any) -> str:
    return refusal(await call(factory, root, tool, **arguments))


# -- calls against a server with some tool families only ---------------------------------------------


class FamilyCalls:
    """A server with only the given tool families, assembled as build_server assembles them,
    and one-call clients for it over a sandbox's root."""

    def __init__(self, *families: Register) -> None:
        self._families = families

    def server(self, *directories: Path, **settings: Any) -> MooringsServer:
        config = FilesystemSettings.model_validate({"directories": list(directories), **settings})
        server = MooringsServer("filesystem", settings=config, instructions="Filesystem tests.")
        roots = server.use_client_roots()
        workspace = Workspace.from_settings(config, roots)
        for register in self._families:
            register(server, workspace)
        return server

    @asynccontextmanager
    async def client_for(self, box: Sandbox, era: Era = MODERN, **settings: Any) -> AsyncIterator[Client]:
        async with connect(self.server(box.root, **settings), era=era) as client:
            yield client

    async def call(
        self, box: Sandbox, tool: str, *, era: Era = MODERN, **arguments: Any
    ) -> types.CallToolResult:
        async with self.client_for(box, era) as client:
            return await client.call_tool(tool, arguments)

    async def succeed(self, box: Sandbox, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
        return succeeded(await self.call(box, tool, **arguments))

    async def refusal(self, box: Sandbox, tool: str, **arguments: Any) -> str:
        return refusal(await self.call(box, tool, **arguments))
