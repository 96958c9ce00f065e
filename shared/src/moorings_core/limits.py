"""Output budgets.

Every tool result is bounded. A tool that can produce a lot (a file, a query, a
log) cuts its own output with `truncate_text` or pages it (`moorings_core.paging`),
and says in the result exactly how to ask for the rest, because only the tool knows
its own continuation (an `offset`, a `cursor`, a narrower query). The server
bootstrap adds a last safety net that cuts any oversized text block, so a
forgetful tool can still never flood the client.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Truncated", "truncate_text"]


@dataclass(frozen=True)
class Truncated:
    """A piece of text cut to a budget, with the facts needed to ask for the rest."""

    text: str
    truncated: bool
    shown: int
    total: int


def truncate_text(text: str, limit: int, *, how_to_continue: str) -> Truncated:
    """Cut `text` to `limit` characters, appending a note that says what was left out.

    `how_to_continue` completes the note, e.g. "call read_text_file again with
    offset=2000". The note itself is not counted against `limit`, so the
    continuation is always visible.
    """
    if len(text) <= limit:
        return Truncated(text, False, len(text), len(text))
    cut = text[:limit]
    note = f"\n\n[truncated: showed {limit:,} of {len(text):,} characters; {how_to_continue}]"
    return Truncated(cut + note, True, limit, len(text))
