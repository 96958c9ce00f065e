"""The byte-level habits of a file that a parser forgets: a byte-order mark and CRLF line breaks."""

from __future__ import annotations

from dataclasses import dataclass

from moorings.formats.base import BOM


@dataclass(frozen=True)
class Habits:
    bom: bool
    crlf: bool

    @classmethod
    def split(cls, text: str) -> tuple[Habits, str]:
        """The habits of `text`, and its body with them taken out (no mark, `\\n` line breaks)."""
        bom = text.startswith(BOM)
        body = text[1:] if bom else text
        first = body.find("\n")
        crlf = first > 0 and body[first - 1] == "\r"
        return cls(bom, crlf), body.replace("\r\n", "\n") if crlf else body

    def restore(self, body: str) -> str:
        return (BOM if self.bom else "") + (body.replace("\n", "\r\n") if self.crlf else body)
