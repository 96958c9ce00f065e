"""The READMEs as the README tests read them: fenced code blocks, tables, and example markers.

Only the Markdown the READMEs use is understood: ATX headings (`## Tools`), fenced code blocks
(```` ```json ````) and pipe tables. A block may carry a marker, an HTML comment on the last
non-blank line above its fence, which GitHub does not show:

    <!-- example: run with --allow-writes -->

What a marker may say is up to the test that reads the block; `Block.marker` is its text after
`example:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["READMES", "REPO", "Block", "Table", "blocks", "inline_code", "server_of", "tables"]

REPO = Path(__file__).resolve().parents[2]
READMES = (
    "README.md",
    "shared/README.md",
    *sorted(str(path.relative_to(REPO)) for path in REPO.glob("servers/*/README.md")),
)
"""The documentation READMEs, relative to the repository (demo/sample/README.md is sample data)."""

_FENCE = re.compile(r"^```(\w*)\s*$")
_HEADING = re.compile(r"^#{1,6} (.*)$")
_MARKER = re.compile(r"^<!-- example: (.*?) -->$")


@dataclass(frozen=True)
class Block:
    """A fenced code block of a README."""

    readme: str
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    heading: str  # the nearest heading above it
    section: int  # how many headings come before it: blocks with the same number share a section
    marker: str | None

    @property
    def where(self) -> str:
        return f"{self.readme}:{self.line}"


@dataclass(frozen=True)
class Table:
    """A pipe table of a README: its header cells and its rows' cells, stripped."""

    readme: str
    line: int
    heading: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> int:
        return self.header.index(name)


def _lines(readme: str) -> list[str]:
    return (REPO / readme).read_text(encoding="utf-8").splitlines()


@cache
def blocks(readme: str) -> tuple[Block, ...]:
    """The fenced code blocks of `readme`, in order."""
    found: list[Block] = []
    heading, section, marker = "", 0, None
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(_lines(readme), 1):
        fence = _FENCE.match(line)
        if opened is not None:
            if line.rstrip() == "```":
                found.append(Block(readme, opened[0], opened[1], "\n".join(body), heading, section, marker))
                opened, body, marker = None, [], None
            else:
                body.append(line)
        elif fence:
            opened = (number, fence.group(1))
        elif heading_match := _HEADING.match(line):
            heading, section, marker = heading_match.group(1), section + 1, None
        elif marker_match := _MARKER.match(line.strip()):
            marker = marker_match.group(1)
        elif line.strip():
            marker = None
    return tuple(found)


@cache
def tables(readme: str) -> tuple[Table, ...]:
    """The pipe tables of `readme` outside code blocks, in order."""
    found: list[Table] = []
    heading, in_code = "", False
    rows: list[tuple[str, ...]] = []
    start = 0
    for number, line in enumerate([*_lines(readme), ""], 1):
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("|"):
            start = start or number
            rows.append(_cells(line))
            continue
        if len(rows) > 2:  # a header, the |---| line, and at least one row
            found.append(Table(readme, start, heading, rows[0], tuple(rows[2:])))
        rows, start = [], 0
        if not in_code and (heading_match := _HEADING.match(line)):
            heading = heading_match.group(1)
    return tuple(found)


def _cells(line: str) -> tuple[str, ...]:
    """The cells of a table row; a `|` inside backticks belongs to its cell."""
    cells, cell, in_code = [], "", False
    for char in line.strip().strip("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
    return (*cells, cell.strip())


def server_of(readme: str) -> str | None:
    """The server a README documents (`servers/<name>/README.md`), or None."""
    *_, folder, name, file = ("", "", *Path(readme).parts)
    return name if folder == "servers" and file == "README.md" else None


@cache
def inline_code(readme: str) -> tuple[str, ...]:
    """The inline code spans of `readme` outside code blocks (`--read-only`, `memo://insights`)."""
    prose, in_code = [], False
    for line in _lines(readme):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code:
            prose.append(line)
    return tuple(re.findall(r"`([^`\n]+)`", "\n".join(prose)))
