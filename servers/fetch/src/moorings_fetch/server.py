"""Assembles the fetch server: the fetch tool and prompt over one page reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from moorings_core import MooringsServer, ServerProgram
from moorings_fetch import prompts
from moorings_fetch.reading import PageReader
from moorings_fetch.settings import FetchSettings
from moorings_fetch.tools import fetch

if TYPE_CHECKING:
    from moorings_core.sandbox.network import Resolver

__all__ = ["PROGRAM", "build_server"]

INSTRUCTIONS = """\
Fetches web pages and gives their text: the main content as markdown by default, or the whole
page, plain text, or the content as received. Long pages come in parts: a result that stops early
says which start_index to ask for next. Only public internet addresses can be reached unless the
operator allowed more, and a site's robots.txt is respected; refusals say why and what the user
can do."""


def build_server(settings: FetchSettings, *, resolver: Resolver | None = None) -> MooringsServer:
    """The fetch server, ready to serve; `resolver` replaces the system resolver (tests play DNS with it)."""
    server = MooringsServer("fetch", settings=settings, instructions=INSTRUCTIONS)
    reader = PageReader(settings, version=server.version, resolver=resolver)
    server.hold_while_serving(reader.serving)
    fetch.register(server, reader)
    prompts.register(server, reader)
    return server


PROGRAM = ServerProgram(
    name="fetch",
    settings=FetchSettings,
    build=build_server,
    description="Fetch web pages for an MCP client over stdio, as readable markdown, within the "
    "network policy (public addresses only unless allowed) and robots.txt.",
)
