"""Tools that run SQL: query (the reference server's), execute_sql and explain_query.

`query` is read-only in every access mode, as the archived reference server's was; `execute_sql`
follows the server's mode: read-only in restricted mode, any single statement in unrestricted
mode. Both bind values through `params` ($1, $2, ...), never pasted into the SQL, and return a
page of rows with a cursor for the next one (see `statements`). `explain_query` shows the plan
PostgreSQL would use, optionally with hypothetical indexes (hypopg), without changing anything.
"""

# No `from __future__ import annotations`: the maxRows bound comes from the settings, and the SDK
# evaluates string annotations in the module's globals, where `settings` is not.
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import (
    CheckedStatement,
    InvalidInput,
    MooringsServer,
    PageRequest,
    StatementRules,
    tool_result,
)
from moorings_core.paging import room_for_items
from moorings_core.sql.binding import Parameter
from moorings_core.sql.formats import Format
from moorings_core.sql.results import QueryResult, StatementResult, read_result, write_result
from moorings_postgres.databases import Databases
from moorings_postgres.explain import HypotheticalIndex, PlanResult, explain
from moorings_postgres.settings import PostgresSettings
from moorings_postgres.statements import run_statement
from moorings_postgres.tools.arguments import ConnectionName

__all__ = ["register"]

_Sql = Annotated[
    str, Field(min_length=1, description="One SQL statement. Put values in `params` as $1, $2, ...")
]
_Params = Annotated[
    list[Parameter] | None,
    Field(
        description="Values for the statement's $1, $2, ... placeholders, in order. Each is converted to "
        "its placeholder's type: numbers, true/false, ISO 8601 text for dates and times, text for "
        "numeric, uuid or json. Never paste values into the SQL text."
    ),
]
_Format = Annotated[
    Format,
    Field(description="How the rows are shown in the text: json (an array of objects), markdown or csv."),
]
_Cursor = Annotated[
    str | None, Field(description="The next_cursor of the previous page; omit it for the first page.")
]


def register(server: MooringsServer, databases: Databases, settings: PostgresSettings) -> None:
    budget = min(settings.max_result_chars, room_for_items(settings.max_output_chars))
    read_rules = StatementRules(restricted=True)
    mode_rules = StatementRules(
        restricted=settings.restricted, allow_server_programs=settings.allow_server_programs
    )
    MaxRows = Annotated[  # noqa: N806 - a type for two signatures, bounded by the settings
        int | None,
        Field(ge=1, le=settings.max_rows, description=f"Rows per page (at most {settings.max_rows})."),
    ]

    async def run(
        tool: str,
        statement: CheckedStatement,
        *,
        params: list[Parameter] | None,
        format: Format,
        max_rows: int | None,
        cursor: str | None,
        connection: str | None,
        restricted: bool,
    ) -> types.CallToolResult:
        database = databases.get(connection)
        request = PageRequest(tool, cursor, sql=statement.sql, params=params, connection=database.name)
        rows = min(max_rows or settings.max_rows, settings.max_rows)
        if cursor is not None and not restricted and not statement.read_only:
            raise InvalidInput(
                "A cursor continues the rows of a read; this statement changes data, and a write is "
                "never run twice. Call without cursor to run it, or SELECT the changed rows to page."
            )
        found = await run_statement(
            database,
            statement,
            params,
            restricted=restricted,
            max_rows=rows,
            max_chars=budget,
            offset=request.start,
        )
        if restricted or statement.read_only:
            return read_result(found, format, budget, request)
        return write_result(found, format, budget, rows_changed=found.rows_changed, command=found.status)

    @server.tool(title="Query (read-only)", read_only=True)
    async def query(
        sql: _Sql,
        params: _Params = None,
        format: _Format = "json",
        maxRows: MaxRows = None,  # noqa: N803 - camelCase, like the SDK's own paging arguments
        cursor: _Cursor = None,
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, QueryResult]:
        """Run one read-only SQL statement and get its rows: SELECT, WITH ... SELECT, VALUES, TABLE,
        SHOW, or EXPLAIN of those.

        Read-only whatever the server's mode: anything that would change data, settings or the
        server is refused, and the statement runs in a read-only transaction that is rolled back.
        Bind values with `params` ($1, $2, ...). Results come in pages: when more rows follow, the
        result ends with a cursor; call again with the same sql and params and that cursor.
        Each statement has a time limit; add a WHERE or LIMIT to keep queries on big tables quick.
        """
        return await run(
            "query",
            read_rules.check(sql),
            params=params,
            format=format,
            max_rows=maxRows,
            cursor=cursor,
            connection=connection,
            restricted=True,
        )

    async def execute_sql(
        sql: _Sql,
        params: _Params = None,
        format: _Format = "json",
        maxRows: MaxRows = None,  # noqa: N803
        cursor: _Cursor = None,
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, StatementResult]:
        return await run(
            "execute_sql",
            mode_rules.check(sql),
            params=params,
            format=format,
            max_rows=maxRows,
            cursor=cursor,
            connection=connection,
            restricted=settings.restricted,
        )

    # What execute_sql may do depends on the mode, and so do its description and annotations.
    execute_sql.__doc__ = _EXECUTE_RESTRICTED if settings.restricted else _EXECUTE_UNRESTRICTED
    server.tool(title="Execute SQL", read_only=settings.restricted, destructive=not settings.restricted)(
        execute_sql
    )

    @server.tool(title="Explain query plan", read_only=True)
    async def explain_query(
        sql: _Sql,
        params: _Params = None,
        analyze: Annotated[
            bool,
            Field(
                description="Run the statement to show real times and row counts (EXPLAIN ANALYZE), "
                "inside a transaction that is rolled back. In restricted mode only for statements that read."
            ),
        ] = False,
        hypothetical_indexes: Annotated[
            list[HypotheticalIndex],
            Field(
                max_length=20,
                description="Indexes to pretend exist (needs the hypopg extension; not with analyze), "
                "to see whether the plan would use them.",
            ),
        ] = [],  # noqa: B006 - the SDK copies defaults; never mutated
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, PlanResult]:
        """Show how PostgreSQL would run one statement: the plan as a readable tree and as JSON.

        Without analyze the statement is only planned, never run (any statement can be explained).
        With analyze it runs, inside a transaction that is always rolled back. Pass
        hypothetical_indexes ({"table": ..., "columns": [...]}) to see whether an index would
        help before creating it.
        """
        statement = mode_rules.check_explained(sql, analyze=analyze)
        plan = await explain(
            databases.get(connection),
            statement,
            params,
            analyze=analyze,
            hypothetical_indexes=hypothetical_indexes,
            restricted=settings.restricted,
        )
        return tool_result(plan.text, plan)


_EXECUTE_RESTRICTED = """Run one SQL statement and get its rows. This server is in restricted
(read-only) mode: only statements that read are run (SELECT, WITH ... SELECT, VALUES, TABLE, SHOW,
EXPLAIN of those), in a read-only transaction that is rolled back.

Bind values with `params` ($1, $2, ...). Results come in pages: when more rows follow, the result
ends with a cursor; call again with the same sql and params and that cursor for the next page.
"""

_EXECUTE_UNRESTRICTED = """Run one SQL statement of any kind: SELECT, INSERT, UPDATE, DELETE, DDL,
VACUUM... Changes are committed at once (this server is in unrestricted mode); one statement per
call, no transaction control (each call is its own transaction).

Bind values with `params` ($1, $2, ...). A read's rows come in pages with a cursor for the next;
a write reports its command tag and shows the rows its RETURNING clause gave (one page; a write
is never run twice).
"""
