"""A long git output (a diff, a patch, a file) one page at a time, whole lines only.

The first page stops git as soon as the page is full, so the first page of a 200 MB diff costs
what a page costs. The cursor holds the byte offset where the page ended. The first call with a
cursor runs the command once more and keeps its whole output (up to `KEPT_BYTES`) in
`recent_outputs.RecentOutputs` for a while, so the pages after it are slices, not one more run of
git each (a 5 MB commit read in 116 pages would otherwise run `git show` 116 times, each skipping
further). The pages of one cursor chain thus come from one output even if the working tree changes
meanwhile; a call without a cursor always starts from what git says now. Past what is kept, or once
it is no longer kept, a page runs the command again and skips to its offset.

A page ends at a line break unless one line alone is longer than the page. Bytes are counted, and a
byte is at most one character, so a page of text is never longer than its budget.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from moorings_core import Output, PageRequest
from moorings_git.recent_outputs import KEPT_BYTES, KeptOutput
from moorings_git.repositories import Repository
from moorings_git.toolbox import Toolbox

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
    start_byte: int | None = Field(
        default=None,
        description="Where the page starts in the whole output, in bytes; absent when the page is not "
        "a range of bytes (a file shown by git_show REV:PATH, described or listed).",
    )
    end_byte: int | None = Field(default=None, description="Where it ends; absent like startByte.")
    more: bool = Field(description="More follows: pass next_cursor back as cursor for it.")
    next_cursor: str | None = Field(default=None, description="The cursor for the next page.")


async def read_page(
    toolbox: Toolbox,
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
    data, cut, skipped = await _output(toolbox, repo, args, request.start, budget)
    if cut:
        line_end = data.rfind(b"\n") + 1
        data = data[:line_end] if line_end else data
    start = request.start
    end = start + len(data)
    text = data.decode("utf-8", "replace")
    if cut:
        cursor = request.cursor_at(end)
        note = (
            f"showed bytes {start:,}-{end:,} of the output, and more follows: call {request.tool} again "
            f'with the same arguments and cursor "{cursor}" for the next page, or {narrow}'
        )
        return TextPage(text, start, end, cursor, note)
    if start and skipped < start:
        note = f"nothing after byte {skipped:,}: the output is shorter now than when the cursor was made"
        return TextPage(text, start, end, None, note)
    last = f"showed bytes {start:,}-{end:,}, the end of the output" if start else None
    return TextPage(text, start, end, None, last)


async def _output(
    toolbox: Toolbox, repo: Repository, args: Sequence[str], start: int, budget: int
) -> tuple[bytes, bool, int]:
    """Up to `budget` bytes of the output from `start`: whether more follows, and how much was skipped."""
    if not start:  # a first page: only what it needs, always fresh
        result = await toolbox.git.run(repo, args, max_output=budget)
        return result.stdout, result.cut, 0
    key = (str(repo.work_tree), *args)
    kept = toolbox.outputs.get(key)
    if kept is None:
        whole = await toolbox.git.run(repo, args, max_output=KEPT_BYTES)
        kept = KeptOutput(whole.stdout, not whole.cut, time.monotonic())
        toolbox.outputs.put(key, kept)
    if kept.whole or start + budget < len(kept.data):
        page = kept.data[start : start + budget + 1]  # a byte past the budget tells that more follows
        return page[:budget], len(page) > budget, min(start, len(kept.data))
    result = await toolbox.git.run(repo, args, max_output=budget, skip_output=start)  # beyond what is kept
    return result.stdout, result.cut, result.skipped
