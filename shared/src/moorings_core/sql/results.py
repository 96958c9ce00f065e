"""The results of SQL tools: a read's page of rows, and what a write changed and returned.

Any SQL server's `read_query` and `write_query` answer in these shapes. The text is the rows in
the format asked for (`formats`), cut at a row boundary to the budget; the structured result
carries the same rows as JSON with their typed columns. A read's page says how to continue with
the core's continuation note and a cursor scoped to its query and params (`PageRequest`); a write
is never run twice, so the rows it returns (RETURNING) are shown once, up to a page.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
from pydantic import Field

from moorings_core.paging import PageRequest, join_notes, with_note
from moorings_core.server import Output, tool_result
from moorings_core.sql.formats import Format, render
from moorings_core.sql.rows import Column, RowPage

__all__ = ["QueryResult", "ResultColumn", "StatementResult", "WriteResult", "read_result", "write_result"]

_NARROW = "narrow the query (WHERE, LIMIT, fewer columns) if you do not need them all"
_ROWS_DESCRIPTION = (
    'Each row a list in column order. BLOBs are {"$blob": {"base64": ..., "size": N}}; text '
    'that is cut or not valid UTF-8 is {"$text": {...}}; infinities, NaN and decimals are strings; '
    "dates and times ISO 8601."
)


class ResultColumn(Output):
    name: str
    type: str | None = Field(
        None,
        description="The column's type as the database names it, when known (for SQLite, the declared "
        "type of a table's column, also through a view; absent for an expression).",
    )


class QueryResult(Output):
    columns: list[ResultColumn]
    rows: list[list[Any]] = Field(description=f"This page's rows. {_ROWS_DESCRIPTION}")
    row_count: int = Field(description="Rows on this page.")
    truncated: bool = Field(description="Whether more rows follow this page.")
    next_cursor: str | None = Field(
        None, description="Pass back as `cursor`, with the same query and params, for the next page."
    )
    elapsed_ms: float = Field(description="Time the database took for this page, in milliseconds.")


class WriteResult(Output):
    command: str | None = Field(
        None, description="What the database reports it did (PostgreSQL's command tag, e.g. 'UPDATE 3')."
    )
    rows_changed: int | None = Field(None, description="Rows inserted, updated or deleted.")
    last_insert_rowid: int | None = Field(
        None, description="The rowid of the last row inserted, if any (databases with rowids)."
    )
    columns: list[ResultColumn] | None = Field(None, description="Columns of the rows a RETURNING gave.")
    rows: list[list[Any]] | None = Field(
        None, description=f"The rows a RETURNING clause gave (one page). {_ROWS_DESCRIPTION}"
    )
    truncated: bool = Field(False, description="Whether RETURNING gave more rows than are shown.")
    elapsed_ms: float


class StatementResult(Output):
    """What a tool that runs either kind of statement gives: a read's page or a write's report.

    A read fills `columns`, `rows`, `row_count` and `next_cursor` (as `QueryResult`); a write
    `command`, `rows_changed` and the rows it returned (as `WriteResult`).
    """

    columns: list[ResultColumn] | None = None
    rows: list[list[Any]] | None = Field(None, description=f"A page of rows. {_ROWS_DESCRIPTION}")
    row_count: int | None = Field(None, description="Rows on this page (a read).")
    truncated: bool = Field(description="Whether more rows follow (a read) or were returned (a write).")
    next_cursor: str | None = Field(
        None, description="Pass back as `cursor`, with the same statement and params, for the next page."
    )
    command: str | None = Field(None, description="What the database reports a write did.")
    rows_changed: int | None = Field(None, description="Rows a write inserted, updated or deleted.")
    elapsed_ms: float


def read_result(found: RowPage, fmt: Format, budget: int, request: PageRequest) -> types.CallToolResult:
    """A read's page as a tool result, its text within `budget` and ending with how to go on."""
    text, shown = _rows_text(found, fmt, budget)
    page = found.page.first(shown)
    if not page.items and not page.start:
        text += "\n\n(no rows)" if found.columns else ""
    result = QueryResult(
        columns=_columns(found.columns),
        rows=page.items,
        row_count=len(page.items),
        truncated=page.more,
        next_cursor=request.next_cursor(page),
        elapsed_ms=found.elapsed_ms,
    )
    return tool_result(with_note(text, join_notes(request.note(page, "row", narrow=_NARROW))), result)


def write_result(
    found: RowPage,
    fmt: Format,
    budget: int,
    *,
    rows_changed: int | None,
    last_insert_rowid: int | None = None,
    command: str | None = None,
) -> types.CallToolResult:
    """A write's result: what it did, the rows it changed, its last rowid, and the first page of
    rows it returned. `command` is the engine's report of it, when it gives one ("CREATE TABLE")."""
    text = f"Rows changed: {rows_changed or 0:,}."
    if command is not None:
        text = f"Done: {command}." + (f" Rows changed: {rows_changed:,}." if rows_changed is not None else "")
    if last_insert_rowid:
        text += f" Last inserted rowid: {last_insert_rowid}."
    page = found.page
    if found.columns:
        rows_text, shown = _rows_text(found, fmt, budget)
        page = page.first(shown)
        text += "\n\nReturned:\n" + rows_text
        if page.more:
            text += (
                f"\n\n[Only the first {shown:,} returned rows are shown; a write is never run again to "
                "page through its output. SELECT the changed rows to see them all.]"
            )
    result = WriteResult(
        command=command,
        rows_changed=rows_changed,
        last_insert_rowid=last_insert_rowid or None,
        columns=_columns(found.columns) if found.columns else None,
        rows=page.items if found.columns else None,
        truncated=page.more,
        elapsed_ms=found.elapsed_ms,
    )
    return tool_result(text, result)


def _rows_text(found: RowPage, fmt: Format, budget: int) -> tuple[str, int]:
    """The page's rows as text in `fmt`, cut at a row boundary to `budget`; and how many it holds."""
    if not found.columns:
        return "(the statement returned no rows and has no result columns)", 0
    rendered = render([column.name for column in found.columns], found.rows, fmt)
    shown = rendered.fitting(budget)
    return rendered.text(shown), shown


def _columns(columns: list[Column]) -> list[ResultColumn]:
    return [ResultColumn(name=column.name, type=column.type) for column in columns]
