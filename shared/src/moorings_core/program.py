"""A server as its console script runs it: settings, then what must open, then serving, then closing.

Every Moorings console script is the same few steps, owned here once:

1. pause garbage collection (importing the SDK and building a server make a few hundred thousand
   objects that live as long as the process; collecting while they are made walked them again and
   again, ~70 ms of start-up; serving freezes them and turns collection back on);
2. read the settings (`moorings_core.config.load_settings`: `--help`, `--version`, one line and exit
   status 2 for a bad setting), with the version of the server's own distribution;
3. build the server; a server that must open something first (a database, a pool) builds it inside
   an async context manager, whose opening failure (a `MooringsError`: a missing file, a bad DSN)
   stops the process with one line and exit status 2, before any client is answered;
4. serve on stdio until the client leaves or the process is told to stop;
5. close what was opened, shielded from the cancellation that ended serving.

A server module declares a `ServerProgram`; its `__main__` names it, in the entry-point notation
(`module:attribute`), so that nothing heavy is imported before step 1:

    def main() -> None:
        run_program("moorings_sqlite.server:PROGRAM")
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from moorings_core.config import ServerSettings
    from moorings_core.server.app import MooringsServer

__all__ = ["ServerProgram", "run_program"]

S = TypeVar("S", bound="ServerSettings")

Build = Callable[[S], "MooringsServer | AbstractAsyncContextManager[MooringsServer]"]


@dataclass(frozen=True)
class ServerProgram(Generic[S]):
    """What the console script `moorings-<name>` runs.

    `build` turns the settings into the server, or into an async context manager that opens what
    the server needs, yields the server, and closes it again.
    """

    name: str
    settings: type[S]
    build: Build[S]
    description: str

    @property
    def command(self) -> str:
        return f"moorings-{self.name}"


def run_program(reference: str) -> None:
    """Run the `ServerProgram` at `reference` ("package.module:ATTRIBUTE") as a console script."""
    gc.disable()
    program = _load(reference)

    from moorings_core.config import load_settings
    from moorings_core.server.app import package_version

    settings = load_settings(
        program.settings,
        server=program.name,
        version=package_version(program.command),
        description=program.description,
    )
    import anyio

    anyio.run(_open_serve_close, program, settings)


def _load(reference: str) -> ServerProgram[ServerSettings]:
    module_name, _, attribute = reference.partition(":")
    program = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(program, ServerProgram):
        raise TypeError(f"{reference} is not a ServerProgram")
    return program


async def _open_serve_close(program: ServerProgram[S], settings: S) -> None:
    from contextlib import AsyncExitStack

    import anyio

    from moorings_core.errors import MooringsError
    from moorings_core.server.app import MooringsServer
    from moorings_core.server.run import serve_stdio

    opened = AsyncExitStack()
    try:
        built = program.build(settings)
        server = built if isinstance(built, MooringsServer) else await opened.enter_async_context(built)
    except MooringsError as exc:
        print(f"{program.command}: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        await serve_stdio(server)
    finally:
        with anyio.CancelScope(shield=True):
            await opened.aclose()
