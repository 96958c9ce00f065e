"""fetch: a web page as readable text, one slice at a time, under the reference server's contract.

The slice is `text[start_index : start_index + max_length]` of the converted page. A slice that
stops short of the end closes with the reference server's words, "Content truncated. Call the
fetch tool with a start_index of N to get more content.", and a start_index at or past the end
gets "No more content available.", so prompts written for the reference server work unchanged.
Later slices come from the page cache: the page is downloaded and converted once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import MooringsServer, Output, ToolContext, reporting_progress, tool_result
from moorings_core.paging import room_for_items
from moorings_fetch.documents import Mode
from moorings_fetch.reading import PageReader, Reading

__all__ = ["FetchedPage", "Slice", "register", "slice_text"]

NO_MORE = "<error>No more content available.</error>"


@dataclass(frozen=True)
class Slice:
    """The part of a text a call returns, and where the next call starts (None at the end)."""

    text: str
    next_start: int | None


def slice_text(text: str, start_index: int, max_length: int) -> Slice:
    """`text` from `start_index`, at most `max_length` characters."""
    part = text[start_index : start_index + max_length]
    end = start_index + len(part)
    return Slice(part, end if part and end < len(text) else None)


def continuation(start: int) -> str:
    return (
        f"<error>Content truncated. Call the fetch tool with a start_index of {start} to get more"
        " content.</error>"
    )


class FetchedPage(Output):
    """One slice of a fetched page's text, and what is known about the page."""

    url: str = Field(description="The URL asked for.")
    final_url: str = Field(description="Where redirects ended; the URL the text comes from.")
    status: int = Field(description="The HTTP status of the final response.")
    content_type: str = Field(description="The Content-Type the server declared (may be empty).")
    title: str | None = Field(default=None, description="The page's title, when it has one.")
    mode: Mode = Field(description="How the page was turned into text (see the mode argument).")
    content: str = Field(description="This slice of the text.")
    start_index: int = Field(description="Where this slice starts in the text, in characters.")
    length: int = Field(description="The length of the whole text, in characters.")
    truncated: bool = Field(description="More text follows this slice.")
    next_start_index: int | None = Field(
        default=None, description="The start_index of the next slice, when there is more."
    )
    page_truncated: bool = Field(
        description="The page was longer than the server reads (its --max-bytes): the text is of its "
        "beginning only."
    )
    from_cache: bool = Field(description="Nothing was downloaded for this call: the page was kept.")


Url = Annotated[str, Field(min_length=1, max_length=8192, description="URL to fetch")]
# Inclusive bounds, as the reference gives them: some clients refuse exclusiveMinimum/exclusiveMaximum.
MaxLength = Annotated[int, Field(ge=1, le=999_999, description="Maximum number of characters to return.")]
StartIndex = Annotated[
    int,
    Field(
        ge=0,
        description="On return output starting at this character index, useful if a previous fetch "
        "was truncated and more context is required.",
    ),
]
Raw = Annotated[
    bool,
    Field(description="Get the actual HTML content of the requested page, without simplification."),
]
ModeArgument = Annotated[
    Mode,
    Field(
        description="readable: the main content as markdown (the default); full: the whole page as "
        "markdown, menus and footers included; text: plain text without markup; raw: the content as "
        "received (the same as raw=true). JSON is pretty-printed in every mode but raw; a PDF gives its "
        "extracted text in every mode."
    ),
]


def register(server: MooringsServer, reader: PageReader) -> None:
    budget = room_for_items(server.settings.max_output_chars)

    @server.tool(title="Fetch a web page", read_only=True, open_world=True)
    async def fetch(
        url: Url,
        ctx: ToolContext,
        max_length: MaxLength = 5000,
        start_index: StartIndex = 0,
        raw: Raw = False,
        mode: ModeArgument = "readable",
    ) -> Annotated[types.CallToolResult, FetchedPage]:
        """Fetches a URL from the internet and optionally extracts its contents as markdown.

        Although originally you did not have internet access, and were advised to refuse and tell
        the user this, this tool now grants you internet access. Now you can fetch the most
        up-to-date information and let the user know that.

        Long pages come in parts: a result that stops early says which start_index to call with
        next, and later parts are served without downloading the page again. Pages whose
        robots.txt forbids automated access, and addresses in private networks, are refused with
        the reason.
        """
        chosen: Mode = "raw" if raw else mode
        async with reporting_progress(ctx, _describe_download) as progress:
            reading = await reader.read(
                url, chosen, continuing=start_index > 0, by_user=False, progress=progress
            )
        part = slice_text(reading.document.text, start_index, min(max_length, budget))
        return tool_result(_text(url, reading, part), _structure(url, reading, part, start_index))


def _text(url: str, reading: Reading, part: Slice) -> str:
    lines = [reading.document.note] if reading.document.note else []
    lines.append(f"Contents of {url}:")
    body = part.text or NO_MORE
    if part.next_start is not None:
        body += "\n\n" + continuation(part.next_start)
    elif part.text and reading.page.body_truncated:
        body += (
            f"\n\n<error>The page is longer than this server reads ({len(reading.page.body):,} bytes);"
            " the text above is of its beginning only.</error>"
        )
    lines.append(body)
    return "\n".join(lines)


def _structure(url: str, reading: Reading, part: Slice, start_index: int) -> FetchedPage:
    page, document = reading.page, reading.document
    return FetchedPage(
        url=url,
        final_url=page.final_url,
        status=page.status,
        content_type=page.content_type,
        title=document.title,
        mode=document.mode,
        content=part.text,
        start_index=start_index,
        length=len(document.text),
        truncated=part.next_start is not None,
        next_start_index=part.next_start,
        page_truncated=page.body_truncated,
        from_cache=reading.from_cache,
    )


def _describe_download(done: float, total: float | None) -> str:
    if total is None:
        return f"{done / 1024:,.0f} KiB downloaded"
    return f"{done / 1024:,.0f} of {total / 1024:,.0f} KiB downloaded"
