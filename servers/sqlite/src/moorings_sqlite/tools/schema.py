"""Tools that describe the schema: list_tables and describe_table.

Both read the schema through `Database`, which asks SQLite with bound parameters and the pragma
table-valued functions: a table name is only ever a value, never SQL, so `describe_table` with
`users); --` is an unknown table like any other. The description is the same JSON object as the
`sqlite://{database}/{table}` resource (`table_schema`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import mcp_types as types
from pydantic import Field

from moorings_core import MooringsServer, Output, tool_result
from moorings_core.paging import room_for_items
from moorings_core.sql.formats import Rendered
from moorings_sqlite.database import Database
from moorings_sqlite.introspection import TableDescription

__all__ = ["TableList", "TableSchema", "register", "schema_json", "table_schema"]


# -- results ----------------------------------------------------------------------------------------


class TableEntry(Output):
    name: str
    type: str = Field(description="table or view.")
    database: str = Field(description="main, or the name of an attached database.")


class TableList(Output):
    tables: list[TableEntry]
    total: int = Field(description="Tables and views in all; more than listed when the list was cut.")


class ColumnInfo(Output):
    name: str
    type: str = Field(description="The declared type, as written in CREATE TABLE ('' if none).")
    not_null: bool
    default: str | None = Field(None, description="The default value's SQL expression.")
    primary_key: int = Field(description="Position in the primary key (1-based), 0 if not part of it.")
    hidden: int | None = Field(
        None, description="Only for unusual columns: 1 hidden (virtual tables), 2 or 3 generated."
    )


class IndexInfo(Output):
    name: str
    unique: bool
    origin: str = Field(description="c (CREATE INDEX), u (UNIQUE constraint) or pk (PRIMARY KEY).")
    partial: bool
    columns: list[str] = Field(description='Indexed columns in order; "<expression>" for an expression.')


class ForeignKey(Output):
    table: str = Field(description="The referenced table.")
    from_columns: list[str]
    to_columns: list[str | None] = Field(description="null where the parent's primary key is implied.")
    on_update: str
    on_delete: str


class Trigger(Output):
    name: str
    sql: str | None


class TableSchema(Output):
    database: str
    name: str
    type: str = Field(description="table or view.")
    sql: str | None = Field(description="The CREATE statement.")
    columns: list[ColumnInfo]
    indexes: list[IndexInfo]
    foreign_keys: list[ForeignKey]
    triggers: list[Trigger]
    row_count: int | None = Field(None, description="Rows in the table (exact, or an estimate; see below).")
    row_count_exact: bool = Field(description="False when row_count is an estimate (counting took too long).")


def table_schema(description: TableDescription) -> TableSchema:
    """The description as the structured object both describe_table and the resources return."""
    keys: dict[int, dict[str, Any]] = {}
    for key in description.foreign_keys:
        entry = keys.setdefault(
            key.id,
            {"table": key.table, "from_columns": [], "to_columns": [], "on_update": key.on_update,
             "on_delete": key.on_delete},
        )  # fmt: skip
        entry["from_columns"].append(key.from_column)
        entry["to_columns"].append(key.to_column)
    return TableSchema(
        database=description.database,
        name=description.name,
        type=description.type,
        sql=description.sql,
        columns=[
            ColumnInfo(
                name=column.name,
                type=column.type,
                not_null=bool(column.notnull),
                default=column.default,
                primary_key=column.pk,
                hidden=column.hidden or None,
            )
            for column in description.columns
        ],
        indexes=[
            IndexInfo(
                name=index.name,
                unique=bool(index.unique),
                origin=index.origin,
                partial=bool(index.partial),
                columns=list(index.columns),
            )
            for index in description.indexes
        ],
        foreign_keys=[ForeignKey.model_validate(entry) for entry in keys.values()],
        triggers=[Trigger(name=trigger.name, sql=trigger.sql) for trigger in description.triggers],
        row_count=description.row_count,
        row_count_exact=description.row_count_exact,
    )


# -- registration -----------------------------------------------------------------------------------


def register(server: MooringsServer, db: Database) -> None:
    budget = room_for_items(server.settings.max_output_chars)

    @server.tool(title="List tables", read_only=True)
    async def list_tables() -> Annotated[types.CallToolResult, TableList]:
        """List the tables and views of the database (and of attached databases), with their type.

        Then call describe_table for a table's columns, keys, indexes and row count.
        """
        tables = [
            TableEntry(name=table.name, type=table.type, database=table.database)
            for table in await db.tables()
        ]
        rendered = Rendered("[\n", [_compact(entry) for entry in tables], ",\n", "\n]")
        shown = rendered.fitting(budget)
        text = rendered.text(shown) if tables else "[]\n\n(no tables or views yet)"
        if shown < len(tables):
            text += (
                f"\n\n[{shown:,} of {len(tables):,} shown. To find the others, read the sqlite_schema "
                "table with read_query, filtering its name column with LIKE and a parameter.]"
            )
        return tool_result(text, TableList(tables=tables[:shown], total=len(tables)))

    @server.tool(title="Describe table", read_only=True)
    async def describe_table(
        table_name: Annotated[
            str, Field(min_length=1, description="A table or view name, as list_tables gives it.")
        ],
        database: Annotated[
            str | None,
            Field(
                description="main (the default) or an attached database's name; by default the "
                "table is looked up in every database, main first.",
            ),
        ] = None,
    ) -> Annotated[types.CallToolResult, TableSchema]:
        """Describe a table or view: its columns (declared type, NOT NULL, default, primary key),
        indexes, foreign keys, triggers, its CREATE statement, and its row count (an estimate on
        very large tables, flagged as such).

        An unknown name is an error that lists the closest existing names.
        """
        schema = table_schema(await db.describe(table_name, database=database))
        return tool_result(schema_json(schema), schema)


def schema_json(schema: TableSchema) -> str:
    """The schema as the JSON text of describe_table and the schema resources: one field a line, and
    one column, index, key or trigger a line, which reads well and costs a third of indented JSON."""
    fields = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
    lines = []
    for key, value in fields.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {_dumps(item)}" for item in value)
            lines.append(f'  "{key}": [\n{items}\n  ]')
        else:
            lines.append(f'  "{key}": {_dumps(value)}')
    return "{\n" + ",\n".join(lines) + "\n}"


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _compact(entry: TableEntry) -> str:
    return json.dumps(entry.model_dump(mode="json", by_alias=True), ensure_ascii=False)
