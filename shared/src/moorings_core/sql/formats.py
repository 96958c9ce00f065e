"""Rows as the text a model reads: JSON (the default), a Markdown table, or CSV.

Each format renders a page as a head, one line per row and a tail, so a page can be cut to a
character budget at a row boundary (`Rendered.fitting`) without rendering it twice. Values arrive
JSON-ready (see `values`): numbers, strings, null, and objects such as `{"$blob": ...}`, which
Markdown and CSV show as compact JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic_core

__all__ = ["Format", "Rendered", "render"]

Format = Literal["json", "markdown", "csv"]


@dataclass(frozen=True)
class Rendered:
    """A page of rows as text: `head`, the row lines joined by `separator`, then `tail`."""

    head: str
    lines: list[str]
    separator: str
    tail: str

    def text(self, count: int | None = None) -> str:
        """The text of the first `count` rows (all by default)."""
        shown = self.lines if count is None else self.lines[:count]
        return self.head + self.separator.join(shown) + self.tail

    def fitting(self, budget: int) -> int:
        """How many of the first rows fit in `budget` characters; at least one, so a page advances."""
        spent = len(self.head) + len(self.tail)
        for count, line in enumerate(self.lines):
            spent += len(line) + (len(self.separator) if count else 0)
            if spent > budget:
                return max(count, 1)
        return len(self.lines)


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: Format) -> Rendered:
    if fmt == "markdown":
        return _markdown(columns, rows)
    if fmt == "csv":
        return _csv(columns, rows)
    return _json(columns, rows)


def _json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Rendered:
    """An array of objects, one row a line; a repeated column name gets a suffix (`id`, `id:2`)."""
    keys = _distinct(columns)
    lines = [_compact(dict(zip(keys, row, strict=True))) for row in rows]
    if not lines:
        return Rendered("[]", [], "", "")
    return Rendered("[\n", lines, ",\n", "\n]")


def _markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Rendered:
    header = "| " + " | ".join(_markdown_cell(name) for name in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    lines = ["| " + " | ".join(_markdown_cell(value) for value in row) + " |" for row in rows]
    return Rendered(f"{header}\n{rule}" + ("\n" if lines else ""), lines, "\n", "")


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Rendered:
    lines = [_csv_line([_csv_cell(value) for value in row]) for row in rows]
    return Rendered(_csv_line(list(columns)) + ("\n" if lines else ""), lines, "\n", "")


def _distinct(columns: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}:{seen[name]}")
    return keys


def _compact(value: object) -> str:
    # pydantic-core's encoder: the same compact JSON as the json module's, 4-6x faster per row,
    # which is most of a page's cost when it has many small rows.
    return pydantic_core.to_json(value).decode()


def _markdown_cell(value: object) -> str:
    if value is None:
        return "NULL"
    text = value if isinstance(value, str) else _compact(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""  # as the sqlite3 shell writes NULL in CSV mode
    return value if isinstance(value, str) else _compact(value)


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()[:-1]
