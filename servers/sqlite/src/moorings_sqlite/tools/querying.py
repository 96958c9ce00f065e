"""Tools that run SQL: read_query, explain_query, and with --allow-writes write_query and create_table.

What a statement may do is decided by SQLite itself, through the guard `Database` installs (the
authorizer sees every action the compiled statement would take), never by looking at the text:
`read_query` runs anything that only reads (`WITH`, `EXPLAIN`, read-only `PRAGMA`s), `write_query`
anything but escapes from the configured files, `create_table` only a `CREATE TABLE`. One statement
per call; values are bound through `params`, never pasted into the SQL.

A read comes back a page at a time. The page is cut where its text would pass the result budget
(and at `maxRows`), and the result says how to get the next one: the same call with a `cursor`.
The cursor holds the offset and is scoped to the query and its params, so it cannot be replayed
against another query; a continuation runs the statement again and skips the rows already shown.
A write is never run twice: rows a write returns (`RETURNING`) are shown once, up to one page.
"""

# No `from __future__ import annotations`: read_query's maxRows bound comes from the settings, and
# the SDK evaluates string annotations in the module's globals, where `settings` is not.
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import (
    NO_PROGRESS,
    Access,
    MooringsServer,
    Output,
    PageRequest,
    Progress,
    ToolContext,
    counted,
    reporting_progress,
    tool_result,
)
from moorings_core.paging import room_for_items
from moorings_core.sql.binding import Parameter, Params
from moorings_core.sql.formats import Format
from moorings_core.sql.results import QueryResult, WriteResult, read_result, write_result
from moorings_sqlite.database import Database, PlanNode, QueryPage
from moorings_sqlite.settings import SqliteSettings

__all__ = ["ExplainResult", "register"]


# -- results ----------------------------------------------------------------------------------------


class PlanStep(Output):
    detail: str
    children: list["PlanStep"] = Field(default_factory=list)


class ExplainResult(Output):
    plan: list[PlanStep] = Field(description="EXPLAIN QUERY PLAN as a tree.")


class CreatedTable(Output):
    created: list[str] = Field(
        description="Tables that exist now and did not before (none for IF NOT EXISTS)."
    )


# -- shaping results --------------------------------------------------------------------------------


def _plan_tree(nodes: list[PlanNode]) -> list[PlanStep]:
    steps = {node.id: PlanStep(detail=node.detail) for node in nodes}
    roots: list[PlanStep] = []
    for node in nodes:
        parent = steps.get(node.parent)
        (parent.children if parent is not None and node.parent != node.id else roots).append(steps[node.id])
    return roots


def _plan_text(steps: list[PlanStep], indent: str = "") -> list[str]:
    """The tree as the sqlite3 shell draws it: `|--` before a step, `` `-- `` before the last one."""
    lines = []
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        lines.append(f"{indent}{'`--' if last else '|--'}{step.detail}")
        lines.extend(_plan_text(step.children, indent + ("   " if last else "|  ")))
    return lines


# -- registration -----------------------------------------------------------------------------------

_Query = Annotated[str, Field(min_length=1, description="One SQL statement. Put values in `params`.")]
_Params = Annotated[
    list[Parameter] | dict[str, Parameter] | None,
    Field(
        description="Values bound to the statement's placeholders: a list for `?` placeholders, "
        "an object for `:name` ones. Never paste values into the SQL text."
    ),
]
_Format = Annotated[
    Format,
    Field(description="How the rows are shown in the text: json (an array of objects), markdown or csv."),
]


def register(server: MooringsServer, database: Database, settings: SqliteSettings) -> None:
    budget = min(settings.max_result_chars, room_for_items(settings.max_output_chars))

    async def page(
        query: str,
        params: Params,
        access: Access,
        *,
        max_rows: int,
        offset: int,
        progress: Progress = NO_PROGRESS,
    ) -> QueryPage:
        return await database.query(
            query,
            params,
            access=access,
            max_rows=max_rows,
            max_chars=budget,
            offset=offset,
            progress=progress,
        )

    @server.tool(title="Read query", read_only=True)
    async def read_query(
        query: _Query,
        ctx: ToolContext,
        params: _Params = None,
        format: _Format = "json",
        maxRows: Annotated[  # noqa: N803 - camelCase, like every parameter beyond the reference's
            int | None,
            Field(ge=1, le=settings.max_rows, description=f"Rows per page (at most {settings.max_rows})."),
        ] = None,
        cursor: Annotated[
            str | None, Field(description="The nextCursor of the previous page; omit it for the first page.")
        ] = None,
    ) -> Annotated[types.CallToolResult, QueryResult]:
        """Run one read-only SQL statement and get its rows: SELECT, WITH, VALUES, EXPLAIN, or a
        read-only PRAGMA.

        Anything that would change a database is refused, whatever the statement looks like.
        Bind values with `params` (`?` placeholders and a list, or `:name` and an object) instead of
        writing them into the SQL. Results come in pages: when more rows follow, the result ends
        with a cursor; call again with the same query and params and that cursor for the next page.
        Each statement has a time limit; add a WHERE or LIMIT to keep queries on big tables quick.
        """
        request = PageRequest("read_query", cursor, query=query, params=params)
        rows = min(maxRows or settings.max_rows, settings.max_rows)
        # A continuation steps over the rows before its start again, which takes a while on big results.
        async with reporting_progress(ctx, counted("rows skipped")) as progress:
            found = await page(
                query, params, Access.READ, max_rows=rows, offset=request.start, progress=progress
            )
        return read_result(found, format, budget, request)

    @server.tool(title="Explain query plan", read_only=True)
    async def explain_query(
        query: _Query, params: _Params = None
    ) -> Annotated[types.CallToolResult, ExplainResult]:
        """Show how SQLite would run one statement (EXPLAIN QUERY PLAN), as a tree, without running it.

        Use it to see whether a query scans a whole table or uses an index ("SCAN t" versus
        "SEARCH t USING INDEX ..."). Takes the same query and params as read_query.
        """
        plan = _plan_tree(await database.explain(query, params))
        text = "\n".join(["QUERY PLAN", *_plan_text(plan)])
        return tool_result(text, ExplainResult(plan=plan))

    # Without --allow-writes the write tools are not even listed; a call to one says how to enable them.
    writes = server.optional_tools(
        enabled=settings.allow_writes,
        disabled_because="this server is read-only; the operator can enable changes by starting it "
        "with --allow-writes",
    )

    @writes.tool(title="Write query", read_only=False, destructive=True)
    async def write_query(
        query: _Query,
        params: _Params = None,
        format: _Format = "json",
    ) -> Annotated[types.CallToolResult, WriteResult]:
        """Run one SQL statement that changes data: INSERT, UPDATE, DELETE, or DDL such as
        CREATE INDEX, ALTER TABLE, DROP TABLE.

        Bind values with `params` (`?` placeholders and a list, or `:name` and an object). Returns
        the number of rows changed and the last inserted rowid; rows from a RETURNING clause are
        shown too (one page). Attaching or writing files other than the configured databases,
        and loading extensions, are refused. Use read_query for reads.
        """
        found = await page(query, params, Access.WRITE, max_rows=settings.max_rows, offset=0)
        return write_result(
            found, format, budget, rows_changed=found.rows_changed, last_insert_rowid=found.last_insert_rowid
        )

    @writes.tool(title="Create table", read_only=False)
    async def create_table(
        query: Annotated[str, Field(min_length=1, description="One CREATE TABLE statement.")],
    ) -> Annotated[types.CallToolResult, CreatedTable]:
        """Create a table with one CREATE TABLE statement (IF NOT EXISTS allowed).

        Any other kind of statement is refused; use write_query for indexes, views and changes.
        """
        before = {(table.database, table.name) for table in await database.tables()}
        await page(query, None, Access.CREATE_TABLE, max_rows=1, offset=0)
        after = await database.tables()
        created = [
            _qualified(table.database, table.name)
            for table in after
            if (table.database, table.name) not in before
        ]
        text = f"Created table {', '.join(created)}." if created else "No table created: it already exists."
        return tool_result(text, CreatedTable(created=created))


def _qualified(database: str, name: str) -> str:
    return name if database == "main" else f"{database}.{name}"
