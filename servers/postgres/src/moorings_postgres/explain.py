"""Plans: EXPLAIN (FORMAT JSON) run safely, drawn as the readable tree psql shows.

The statement is planned (or, with analyze, run) inside a transaction that is always rolled back;
in restricted mode that transaction is read-only too, and the rules allow analyze only for reads
(`StatementRules.check_explained`). Hypothetical indexes come from the hypopg extension, which
keeps them in the session's memory, not in a table: they are made for this plan and reset before
the connection goes back to the pool (DISCARD ALL does not know them).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from moorings_core import CheckedStatement, InvalidInput, OperationFailed, Output
from moorings_core.sql.binding import Params, bind
from moorings_postgres.database import Connection, Database
from moorings_postgres.errors import statement_error
from moorings_postgres.parameters import convert_parameters

__all__ = ["HypotheticalIndex", "PlanResult", "explain"]


class HypotheticalIndex(BaseModel):
    """An index to pretend exists while planning."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(min_length=1, max_length=300, description="The table, as 'name' or 'schema.name'.")
    columns: list[str] = Field(
        min_length=1, max_length=32, description="Its columns, in index order (plain column names)."
    )
    using: Literal["btree", "hash", "gin", "gist", "brin", "spgist"] = Field(
        "btree", description="The index method."
    )


class PlanResult(Output):
    plan: dict[str, Any] = Field(
        description="PostgreSQL's EXPLAIN (FORMAT JSON) output: the root node under 'Plan', with timings."
    )
    analyzed: bool = Field(description="Whether the statement was run (EXPLAIN ANALYZE) and rolled back.")
    hypothetical_indexes: list[str] = Field(
        default_factory=list, description="The hypothetical indexes planned with, as hypopg named them."
    )
    text: str = Field(description="The plan as a tree, as psql shows EXPLAIN.")


async def explain(
    database: Database,
    statement: CheckedStatement,
    params: Params,
    *,
    analyze: bool,
    hypothetical_indexes: list[HypotheticalIndex],
    restricted: bool,
) -> PlanResult:
    """The plan of `statement`, run in a transaction that is rolled back whatever happens."""
    if analyze and hypothetical_indexes:
        raise InvalidInput(
            "Hypothetical indexes exist only for the planner: they cannot be used with analyze.",
            hint="Drop analyze to see the plan with them, or drop hypothetical_indexes.",
        )
    bound = bind(params, named=False)
    options = "FORMAT JSON, ANALYZE, BUFFERS" if analyze else "FORMAT JSON"
    sql = f"EXPLAIN ({options}) {statement.sql}"
    async with database.transaction(read_only=restricted) as connection:
        try:
            created = await _hypothetical(connection, hypothetical_indexes)
            try:
                prepared = await connection.prepare(sql)
                args = convert_parameters(bound, prepared.get_parameters())  # type: ignore[arg-type]
                found = await prepared.fetchval(*args)
            finally:
                if created:
                    await connection.execute("SELECT hypopg_reset()")
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise statement_error(exc, statement.sql, timeout=database.statement_timeout) from None
    document = (json.loads(found) if isinstance(found, str) else found)[0]
    text = "\n".join(plan_lines(document))
    return PlanResult(plan=document, analyzed=analyze, hypothetical_indexes=created, text=text)


async def _hypothetical(connection: Connection, indexes: list[HypotheticalIndex]) -> list[str]:
    """Create `indexes` with hypopg in this session; their names."""
    if not indexes:
        return []
    present = await connection.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'")
    if not present:
        available = await connection.fetchval(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'"
        )
        raise OperationFailed(
            "Hypothetical indexes need the hypopg extension, which is not "
            + ("created in this database." if available else "installed on this PostgreSQL server."),
            hint=(
                "Someone with the rights can run CREATE EXTENSION hypopg; then try again."
                if available
                else "Install hypopg on the server (https://github.com/HypoPG/hypopg), CREATE EXTENSION "
                "hypopg, then try again; or explain without hypothetical_indexes."
            ),
        )
    names = []
    for index in indexes:
        # The CREATE INDEX text is built by PostgreSQL from bound values: every name is quoted there.
        definition = await connection.fetchval(_INDEX_DEFINITION, index.table, index.using, index.columns)
        names.append(await connection.fetchval("SELECT indexname FROM hypopg_create_index($1)", definition))
    return names


_INDEX_DEFINITION = """
SELECT format('CREATE INDEX ON %s USING %s (%s)',
              (SELECT string_agg(quote_ident(part), '.') FROM unnest(parse_ident($1)) AS part),
              $2::text,
              (SELECT string_agg(quote_ident(col), ', ') FROM unnest($3::text[]) AS col))
"""


_AGGREGATES = {"Hashed": "HashAggregate", "Sorted": "GroupAggregate", "Mixed": "MixedAggregate"}


def _node_name(node: dict[str, Any]) -> str:
    """The node's name as psql writes it: "Delete", "HashAggregate", "Hash Left Join",
    "Index Scan Backward"."""
    name = str(node.get("Node Type", "?"))
    if name == "ModifyTable":
        return str(node.get("Operation", name))
    if name == "Aggregate":
        return _AGGREGATES.get(node.get("Strategy", ""), name)
    join = node.get("Join Type")
    if join and join != "Inner":
        return name.replace(" Join", f" {join} Join") if name.endswith(" Join") else f"{name} {join} Join"
    if node.get("Scan Direction") == "Backward":
        return f"{name} Backward"
    return name


# -- the tree ---------------------------------------------------------------------------------------

_CONDITIONS = (
    "Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond", "Join Filter", "Filter", "One-Time Filter",
    "TID Cond",
)  # fmt: skip
_LISTS = ("Sort Key", "Group Key", "Presorted Key")


def plan_lines(document: dict[str, Any]) -> list[str]:
    """The plan as psql draws it, then the planning and execution times."""
    lines = _node_lines(document.get("Plan", {}), "", top=True)
    if "Planning Time" in document:
        lines.append(f"Planning Time: {document['Planning Time']:.3f} ms")
    if "Execution Time" in document:
        lines.append(f"Execution Time: {document['Execution Time']:.3f} ms")
    return lines


def _node_lines(node: dict[str, Any], indent: str, *, top: bool = False) -> list[str]:
    head = ("" if top else "->  ") + _headline(node)
    lines = [indent + head]
    detail = indent + ("  " if top else "      ")
    for key in _LISTS:
        if node.get(key):
            lines.append(f"{detail}{key}: {', '.join(node[key])}")
    for key in _CONDITIONS:
        if node.get(key):
            lines.append(f"{detail}{key}: {node[key]}")
    if node.get("Rows Removed by Filter"):
        lines.append(f"{detail}Rows Removed by Filter: {node['Rows Removed by Filter']}")
    for child in node.get("Plans", []):
        lines.extend(_node_lines(child, detail))
    return lines


def _headline(node: dict[str, Any]) -> str:
    text = _node_name(node)
    if node.get("Index Name"):
        # psql: "Index Scan using i on t", but "Bitmap Index Scan on i" (it names no table).
        text += f" {'on' if 'Relation Name' not in node else 'using'} {node['Index Name']}"
    target = node.get("Relation Name") or node.get("CTE Name") or node.get("Function Name")
    if target:
        alias = node.get("Alias")
        text += f" on {target}" + (f" {alias}" if alias and alias != target else "")
    text += (
        f"  (cost={node.get('Startup Cost', 0):.2f}..{node.get('Total Cost', 0):.2f} "
        f"rows={node.get('Plan Rows', 0)} width={node.get('Plan Width', 0)})"
    )
    if "Actual Total Time" in node:
        text += (
            f" (actual time={node['Actual Startup Time']:.3f}..{node['Actual Total Time']:.3f} "
            f"rows={node['Actual Rows']} loops={node['Actual Loops']})"
        )
    elif node.get("Actual Loops") == 0:
        text += " (never executed)"
    return text
