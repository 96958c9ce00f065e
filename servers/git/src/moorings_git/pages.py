"""A long git output (a diff, a patch, a file) one page at a time, whole lines only.

The command runs again for each page and its output is skipped up to where the last page ended
(the cursor holds that byte offset); git stops as soon as the page is full, so the first page of a
200 MB diff costs what a page costs. A page ends at a line break unless one line alone is longer
than the page. Bytes are counted, and a byte is at most one character, so a page of text is never
longer than its budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from moorings_core import Output, PageRequest
from moorings_git.repositories import Repository
from moorings_git.running import Git

__all__ = ["PagedText", "TextPage", "read_page"]


@dataclass(frozen=True)
class TextPage:
    """One page of a command's output, and how to get the next."""

    text: str
    start: int
    end: int
    next_cursor: str | None
    note: str | None

    def output(self, text: str) -> PagedText:
        """The structured result for this page, holding `text` (the page as the tool words it)."""
        return PagedText(
            text=text,
            start_byte=self.start,
            end_byte=self.end,
            more=self.next_cursor is not None,
            next_cursor=self.next_cursor,
        )


class PagedText(Output):
    """A page of a long output (a diff, a patch, a file)."""

    text: str = Field(description="This page, in whole lines.")
    start_byte: int = Field(description="Where the page starts in the whole output, in bytes.")
    end_byte: int = Field(description="Where it ends.")
    more: bool = Field(description="More follows: pass next_cursor back as cursor for it.")
    next_cursor: str | None = Field(default=None, description="The cursor for the next page.")


async def read_page(
    git: Git,
    repo: Repository,
    args: Sequence[str],
    request: PageRequest,
    *,
    budget: int,
    narrow: str,
) -> TextPage:
    """The page of `git args` that `request` asks for, within `budget` bytes.

    `narrow` completes "or ..." in the note with how to ask for less (a path, a smaller context).
    """
    result = await git.run(repo, args, max_output=budget, skip_output=request.start)
    data = result.stdout
    if result.cut:
        line_end = data.rfind(b"\n") + 1
        data = data[:line_end] if line_end else data
    start = request.start
    end = start + len(data)
    text = data.decode("utf-8", "replace")
    if result.cut:
        cursor = request.cursor_at(end)
        note = (
            f"showed bytes {start:,}-{end:,} of the output, and more follows: call {request.tool} again "
            f'with the same arguments and cursor "{cursor}" for the next page, or {narrow}'
        )
        return TextPage(text, start, end, cursor, note)
    if start and result.skipped < start:
        note = (
            f"nothing after byte {result.skipped:,}: the output is shorter now than when the cursor was made"
        )
        return TextPage(text, start, end, None, note)
    last = f"showed bytes {start:,}-{end:,}, the end of the output" if start else None
    return TextPage(text, start, end, None, last)
