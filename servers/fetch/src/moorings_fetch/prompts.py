"""The fetch prompt: a page a user asks for by hand, as the reference server's prompt gives it.

A user starting the prompt is not an automated client, so robots.txt does not apply and the
request says User-Specified in its User-Agent. The message is the reference's: the note on text
that is not HTML, then the page, whole up to the server's output budget; a longer one ends with the
start_index the fetch tool can continue from.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from moorings_core import MooringsError, MooringsServer
from moorings_core.paging import room_for_items
from moorings_fetch.reading import PageReader
from moorings_fetch.tools.fetch import continuation, slice_text

__all__ = ["register"]


def register(server: MooringsServer, reader: PageReader) -> None:
    budget = room_for_items(server.settings.max_output_chars)

    @server.prompt(
        name="fetch", title="Fetch a web page", description="Fetch a URL and extract its contents as markdown"
    )
    async def fetch(
        url: Annotated[str, Field(min_length=1, max_length=8192, description="URL to fetch")],
    ) -> str:
        try:
            reading = await reader.read(url, "readable", continuing=False, by_user=True)
        except MooringsError as exc:
            # The user sees this message in the conversation: say what failed, as a tool error would.
            hint = f" {exc.hint}" if exc.hint else ""
            return f"Failed to fetch {url}: {exc.message}{hint}"
        part = slice_text(reading.document.text, 0, budget)
        note = f"{reading.document.note}\n" if reading.document.note else ""
        more = f"\n\n{continuation(part.next_start)}" if part.next_start is not None else ""
        return f"{note}{part.text}{more}"
