"""A plain sqlite MCP server with the reference's tool names, for the sqlite scenario tests.

Real stdio and a real database, written the obvious way: the scenarios can be tested end to end
without the reference (which needs its own venv) or our own server. ``--db-path PATH`` is opened
read-only and must exist. With ``--pages N``, `read_query` returns N rows and a `nextCursor`;
with ``--errors-as-text``, it answers like the reference does on a failed statement: ordinary
text, no `isError`.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from contextlib import closing
from typing import Any

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

server = MCPServer("minimal-sqlite")


def _option(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def _connect() -> sqlite3.Connection:
    return sqlite3.connect(f"file:{_option('--db-path')}?mode=ro", uri=True)


class Page(BaseModel):
    rows: list[dict[str, Any]]
    nextCursor: str | None = None  # noqa: N815 - the wire name the scenarios follow


def read_query(query: str) -> Page:
    pages = _option("--pages")
    with closing(_connect()) as connection:
        cursor = connection.execute(query)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchmany(int(pages)) if pages else cursor.fetchall()
        more = pages is not None and cursor.fetchone() is not None
    shown = [{name: _jsonable(value) for name, value in zip(names, row, strict=True)} for row in rows]
    return Page(rows=shown, nextCursor=str(len(rows)) if more else None)


def read_query_failing_as_text(query: str) -> str:
    return "Database error: no such table: shipments"


server.tool(name="read_query")(read_query_failing_as_text if "--errors-as-text" in sys.argv else read_query)


@server.tool()
def list_tables() -> str:
    with closing(_connect()) as connection:
        names = connection.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall()
    return json.dumps([name for (name,) in names])


@server.tool()
def describe_table(table_name: str) -> str:
    with closing(_connect()) as connection:
        columns = connection.execute("SELECT name, type FROM pragma_table_info(?)", (table_name,)).fetchall()
    return json.dumps(columns)


def _jsonable(value: object) -> object:
    return value.hex() if isinstance(value, bytes) else value


if __name__ == "__main__":
    with closing(_connect()) as database:
        database.execute("SELECT 1 FROM sqlite_schema")  # a missing database stops it here
    server.run()
