"""Tools that describe what a database holds: list_schemas, list_objects and get_object_details.

Their names and arguments are Postgres MCP Pro's (`schema_name`, `object_name`, `object_type`),
so a prompt written for it works here; each also takes `connection`. The facts come from
`catalog`, one statement per call. Lists come a page at a time (`moorings_core.paging`): at most
`PAGE_ITEMS` objects and what fits in the output budget, with a cursor for the next page. A
description reads as the DDL a model knows (CREATE TABLE with its constraints, then its indexes
and triggers), with what DDL cannot say in `--` comments: estimated rows, sizes, validity.

A name is looked up exactly as stored (case, spaces and quotes included, no SQL quoting). One
that is not there is a NotFound that names the closest existing names and lists some of the rest.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict
from functools import cache
from typing import Annotated, Any

import mcp_types as types
from pydantic import Field
from pydantic.alias_generators import to_camel

from moorings_core import MooringsServer, NotFound, Output, Page, PageRequest, tool_result
from moorings_core.paging import join_notes, room_for_items, with_note
from moorings_postgres import catalog
from moorings_postgres.catalog import ObjectType
from moorings_postgres.databases import Databases
from moorings_postgres.tools.arguments import ConnectionName

__all__ = ["PAGE_ITEMS", "ObjectDetails", "ObjectList", "SchemaList", "register"]

PAGE_ITEMS = 1_000
"""Most schemas or objects one page holds (fewer when their text would pass the output budget)."""

_SHOWN_NAMES = 30  # names a NotFound message lists
_MIN_SHOWN = 500  # characters of a cut definition shown however little room the rest leaves
_RELATION_LISTS = ("columns", "constraints", "referenced_by", "indexes", "triggers")
_NOUNS: dict[ObjectType, tuple[str, str]] = {
    "table": ("table", "tables"),
    "view": ("view", "views"),
    "materialized_view": ("materialized view", "materialized views"),
    "sequence": ("sequence", "sequences"),
    "function": ("function", "functions"),
    "extension": ("extension", "extensions"),
}
# The kinds (as catalog names them) each object type lists.
_KINDS: dict[ObjectType, frozenset[str]] = {
    "table": frozenset({"table", "partitioned table", "foreign table"}),
    "view": frozenset({"view"}),
    "materialized_view": frozenset({"materialized view"}),
    "sequence": frozenset({"sequence"}),
    "function": frozenset({"function", "procedure", "aggregate", "window function"}),
    "extension": frozenset({"extension"}),
}


# -- results ----------------------------------------------------------------------------------------


class SchemaEntry(Output):
    name: str
    owner: str
    kind: str = Field(description="user, or system (pg_catalog, information_schema, pg_toast*, pg_temp*).")
    usable: bool = Field(description="Whether this role has USAGE on it (may see into it).")
    tables: int
    views: int
    materialized_views: int
    sequences: int
    functions: int
    comment: str | None = None


class SchemaList(Output):
    schemas: list[SchemaEntry] = Field(description="This page: user schemas first, then system ones.")
    total: int = Field(description="Schemas in the database.")
    next_cursor: str | None = Field(None, description="Pass back as `cursor` for the next page.")


class ObjectEntry(Output):
    name: str = Field(description="As stored: pass it as object_name to get_object_details.")
    kind: str = Field(
        description="table, partitioned table, foreign table, view, materialized view, sequence, "
        "function, procedure, aggregate, window function or extension."
    )
    comment: str | None = None
    extension: str | None = Field(None, description="The extension it belongs to.")
    estimated_rows: int | None = Field(
        None, description="Tables and materialized views: the planner's estimate; absent until analyzed."
    )
    partition_of: str | None = Field(None, description="A partition's parent table, as SQL names it.")
    populated: bool | None = Field(None, description="Materialized views: false until first refreshed.")
    data_type: str | None = Field(None, description="Sequences: their type.")
    owned_by: str | None = Field(None, description="Sequences: the column (schema.table.column) they serve.")
    arguments: str | None = Field(None, description="Functions: the input types, which tell overloads apart.")
    returns: str | None = Field(None, description="Functions: the result type.")
    language: str | None = Field(None, description="Functions: sql, plpgsql, c, internal...")
    version: str | None = Field(None, description="Extensions: the installed version.")
    schema_name: str | None = Field(None, description="Extensions: the schema their objects are in.")


class ObjectList(Output):
    schema_name: str
    object_type: str
    objects: list[ObjectEntry] = Field(description="This page, in name order.")
    total: int = Field(description="Objects of this type in the schema (extensions: in the database).")
    next_cursor: str | None = Field(None, description="Pass back as `cursor` for the next page.")


class Column(Output):
    name: str
    type: str = Field(description="As format_type gives it: character varying(20), integer[], public.mood.")
    nullable: bool
    default: str | None = Field(None, description="The default's SQL expression.")
    identity: str | None = Field(None, description="always or by default, for an identity column.")
    generated: str | None = Field(None, description="A stored generated column's expression.")
    comment: str | None = None


class Constraint(Output):
    name: str
    type: str = Field(description="primary key, foreign key, unique, check, exclusion or constraint trigger.")
    definition: str = Field(description="As pg_get_constraintdef gives it (ends in NOT VALID if not).")
    columns: list[str]
    validated: bool = Field(description="False for a NOT VALID constraint: existing rows were not checked.")
    references: str | None = Field(None, description="A foreign key's table, as SQL names it.")
    referenced_columns: list[str] | None = None


class Reference(Output):
    table: str = Field(description="The table whose foreign key points here, as SQL names it.")
    name: str
    definition: str


class Index(Output):
    name: str
    definition: str = Field(description="The CREATE INDEX statement.")
    unique: bool
    primary: bool
    valid: bool = Field(description="False after a failed CREATE INDEX CONCURRENTLY: no query uses it.")
    bytes: int


class Trigger(Output):
    name: str
    definition: str = Field(description="The CREATE TRIGGER statement.")
    enabled: bool


class Sizes(Output):
    table_bytes: int = Field(description="The table with its TOAST data and maps.")
    indexes_bytes: int
    total_bytes: int


class Sequence(Output):
    data_type: str
    start: int
    increment: int
    minimum: int
    maximum: int
    cache: int
    cycle: bool
    last_value: int | None = Field(
        None, description="Absent before the first nextval, or without the privilege to read it."
    )
    owned_by: str | None = Field(None, description="The column (schema.table.column) it serves.")


class FunctionOverload(Output):
    kind: str = Field(description="function, procedure, aggregate or window function.")
    arguments: str = Field(description="With names, modes and defaults.")
    identity_arguments: str = Field(description="What tells this overload apart: name(identity_arguments).")
    returns: str | None = None
    language: str
    volatility: str = Field(description="immutable, stable or volatile.")
    strict: bool = Field(description="Returns null on a null argument without running.")
    security_definer: bool
    parallel: str = Field(description="safe, restricted or unsafe.")
    owner: str
    comment: str | None = None
    extension: str | None = None
    definition: str | None = Field(None, description="CREATE OR REPLACE ...; absent for aggregates.")


class ObjectDetails(Output):
    """One object; only the fields its kind has are present."""

    schema_name: str = Field(description="Its schema (an extension's: where its objects are).")
    name: str
    kind: str
    owner: str | None = None
    comment: str | None = None
    extension: str | None = Field(None, description="The extension it belongs to.")
    estimated_rows: int | None = Field(None, description="The planner's estimate; absent until analyzed.")
    sizes: Sizes | None = None
    columns: list[Column] | None = None
    constraints: list[Constraint] | None = None
    referenced_by: list[Reference] | None = Field(None, description="Foreign keys that point here.")
    indexes: list[Index] | None = None
    triggers: list[Trigger] | None = None
    definition: str | None = Field(None, description="A view's or materialized view's query.")
    populated: bool | None = None
    partition_key: str | None = Field(None, description="A partitioned table's PARTITION BY.")
    partitions: int | None = None
    partition_of: str | None = None
    partition_bound: str | None = Field(None, description="A partition's FOR VALUES.")
    sequence: Sequence | None = None
    overloads: list[FunctionOverload] | None = Field(None, description="Every function of this name.")
    version: str | None = None
    default_version: str | None = Field(None, description="The version CREATE EXTENSION would install.")
    relocatable: bool | None = None
    member_count: int | None = None
    members: list[str] | None = Field(None, description="An extension's objects (the first 200).")


# -- registration -----------------------------------------------------------------------------------

_SchemaName = Annotated[
    str, Field(min_length=1, description="A schema, as list_schemas names it (e.g. public).")
]
_ObjectType = Annotated[
    ObjectType,
    Field(
        description="table (also partitioned and foreign tables), view, materialized_view, sequence, "
        "function (also procedures and aggregates) or extension (database-wide: every extension is "
        "listed whatever schema_name is, each with the schema its objects are in)."
    ),
]
_Cursor = Annotated[
    str | None, Field(description="The cursor a previous page ended with; omit it for the first page.")
]


def register(server: MooringsServer, databases: Databases) -> None:
    budget = room_for_items(server.settings.max_output_chars)

    @server.tool(title="List schemas", read_only=True)
    async def list_schemas(
        connection: ConnectionName = None, cursor: _Cursor = None
    ) -> Annotated[types.CallToolResult, SchemaList]:
        """List the database's schemas: owner, kind (user or system), whether you may use them, how
        many tables, views, materialized views, sequences and functions each holds, and comment.

        User schemas come first. Then call list_objects with a schema_name.
        """
        request = PageRequest("list_schemas", cursor, connection=connection)
        found = await catalog.list_schemas(databases.get(connection), offset=request.start, limit=PAGE_ITEMS)
        page, text = _page(request, [_wire(schema) for schema in found.schemas], found.total, budget)
        listing = _listing({"schemas": page.items, "total": found.total}, request.next_cursor(page))
        return tool_result(with_note(text or "[]", join_notes(request.note(page, "schema"))), listing)

    @server.tool(title="List objects", read_only=True)
    async def list_objects(
        schema_name: _SchemaName,
        object_type: _ObjectType = "table",
        connection: ConnectionName = None,
        cursor: _Cursor = None,
    ) -> Annotated[types.CallToolResult, ObjectList]:
        """List the objects of one type in a schema, in name order, one JSON object a line.

        Tables come with the planner's row estimate, sequences with the column they serve,
        functions with their argument types (overloads are listed one by one), and everything with
        its comment and the extension it belongs to, if any. A long list comes in pages: pass the
        cursor back for the next. Then call get_object_details for one object.
        """
        database = databases.get(connection)
        request = PageRequest(
            "list_objects", cursor, schema_name=schema_name, object_type=object_type, connection=connection
        )
        found = await catalog.list_objects(
            database, schema_name, object_type, offset=request.start, limit=PAGE_ITEMS
        )
        if found is None:
            raise _no_schema(schema_name, await catalog.names_nearby(database, schema_name, object_type))
        page, text = _page(request, [_wire(listed) for listed in found.objects], found.total, budget)
        singular, plural = _NOUNS[object_type]
        where = "in this database" if object_type == "extension" else f"in schema {schema_name!r}"
        empty = f"[]\n\n(no {plural} {where})" if not request.start else "[]"
        fields = {"schemaName": schema_name, "objectType": object_type, "objects": page.items}
        listing = _listing({**fields, "total": found.total}, request.next_cursor(page))
        note = request.note(page, singular)
        return tool_result(with_note(text or empty, join_notes(note)), listing)

    @server.tool(title="Get object details", read_only=True)
    async def get_object_details(
        schema_name: _SchemaName,
        object_name: Annotated[
            str, Field(min_length=1, description="The object's name as stored, without SQL quotes.")
        ],
        object_type: _ObjectType = "table",
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, ObjectDetails]:
        """Describe one object in full, as DDL with notes.

        A table: its columns (type, nullability, default, identity or generated expression,
        comment), constraints (primary, foreign, unique, check, exclusion; NOT VALID ones say
        so), the foreign keys pointing at it, indexes (with size, and whether valid), triggers,
        partitioning, estimated rows and sizes. A view or materialized view: its columns and
        query. A sequence: its parameters and last value. A function: every overload with its
        signature, result, language, volatility and definition. An extension: its version,
        schema and objects. Any table, view, materialized view or sequence is found by its name
        whichever of these object_type says.
        """
        database = databases.get(connection)
        if object_type == "function":
            overloads = await catalog.describe_functions(database, schema_name, object_name)
            if overloads:
                return _functions_result(overloads, budget)
        elif object_type == "extension":
            extension = await catalog.describe_extension(database, object_name)
            if extension is not None:
                return _extension_result(extension)
        else:
            relation = await catalog.describe_relation(database, schema_name, object_name)
            if relation is not None:
                return _relation_result(relation, budget)
        nearby = await catalog.names_nearby(database, schema_name, object_type)
        raise _missing(schema_name, object_name, object_type, nearby)


# -- lists ----------------------------------------------------------------------------------------------


# A page of a list is built in wire form (camelCase keys, no None values) rather than through
# SchemaEntry or ObjectEntry, which would cost more than the catalog query for a thousand objects;
# the tests check the result against the advertised schema.
_Wire = dict[str, Any]


def _page(request: PageRequest, entries: list[_Wire], total: int, budget: int) -> tuple[Page[_Wire], str]:
    """The page these entries (fetched from the request's start) make, and its text: one JSON
    object a line, as many as fit in `budget` characters."""
    pager = request.pager(max_chars=budget, max_items=PAGE_ITEMS)
    pager.count(request.start)  # the entries before the page, which the query skipped
    lines = []
    for entry in entries:
        line = json.dumps(entry, ensure_ascii=False)
        if not pager.offer(entry, len(line) + 2):
            break
        lines.append(line)
    pager.count(max(total - pager.seen, 0))
    page = pager.page(total)
    return page, "[\n" + ",\n".join(lines) + "\n]" if lines else ""


def _wire(item: catalog.Schema | catalog.ListedObject) -> _Wire:
    """A catalog entry as its Output model would dump it."""
    return {_wire_key(key): value for key, value in vars(item).items() if value is not None}


@cache
def _wire_key(field: str) -> str:
    return "schemaName" if field == "schema" else to_camel(field)


def _listing(fields: _Wire, next_cursor: str | None) -> _Wire:
    return fields if next_cursor is None else {**fields, "nextCursor": next_cursor}


# -- descriptions -----------------------------------------------------------------------------------


def _relation_result(relation: catalog.Relation, budget: int) -> types.CallToolResult:
    definition = relation.definition
    if definition is not None:  # a view's query gets the room the rest of the text leaves
        room = budget - len(_relation_text(relation, ""))
        how = f"SELECT pg_get_viewdef({_literal(relation.identifier)}::regclass, true)"
        definition = _cut(definition, room, how)
    details = ObjectDetails.model_validate(
        {**asdict(relation), "schema_name": relation.schema, "definition": definition}
    )
    if relation.kind not in _KINDS["table"]:  # what a view or sequence cannot have is left out
        empty = {field: None for field in _RELATION_LISTS if not getattr(relation, field)}
        details = details.model_copy(update=empty)
    return tool_result(_relation_text(relation, definition), details)


def _functions_result(overloads: list[catalog.Function], budget: int) -> types.CallToolResult:
    # The overloads' definitions share the room the rest of the text leaves.
    room = budget - len(_functions_text([(overload, None) for overload in overloads]))
    share = room // max(sum(overload.definition is not None for overload in overloads), 1)
    statements: list[str | None] = []
    for overload in overloads:
        signature = f"{overload.identifier}({overload.identity_arguments})"
        how = f"SELECT pg_get_functiondef({_literal(signature)}::regprocedure)"
        definition = overload.definition
        statements.append(None if definition is None else _cut(definition.rstrip() + ";", share, how))
    first = overloads[0]
    details = ObjectDetails(
        schema_name=first.schema,
        name=first.name,
        kind=first.kind if len({overload.kind for overload in overloads}) == 1 else "function",
        overloads=[
            FunctionOverload.model_validate({**asdict(overload), "definition": statement})
            for overload, statement in zip(overloads, statements, strict=True)
        ],
    )
    return tool_result(_functions_text(list(zip(overloads, statements, strict=True))), details)


def _extension_result(extension: catalog.Extension) -> types.CallToolResult:
    details = ObjectDetails.model_validate(
        {**asdict(extension), "schema_name": extension.schema, "kind": "extension"}
    )
    return tool_result(_extension_text(extension), details)


def _cut(text: str, limit: int, how: str) -> str:
    """`text`, or as much of it as fits in `limit` characters (at least `_MIN_SHOWN`) with a note
    on how to read all of it with the query tool."""
    if len(text) <= limit:
        return text
    note = f"\n-- [cut: {len(text):,} characters in all; `{how}` gives all of it]"
    return text[: max(limit - len(note), _MIN_SHOWN)] + note


def _literal(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# -- the text of a description --------------------------------------------------------------------------


def _relation_text(relation: catalog.Relation, definition: str | None) -> str:
    lines = [f"-- {relation.kind} {relation.identifier}: {_relation_facts(relation)}"]
    lines += _comment_lines(relation.comment)
    if relation.kind == "sequence" and relation.sequence is not None:
        lines.append(_sequence_sql(relation.identifier, relation.sequence))
    elif relation.kind in ("view", "materialized view"):
        lines.append("-- columns: " + ", ".join(f"{c.identifier} {c.type}" for c in relation.columns))
        create = "CREATE MATERIALIZED VIEW" if relation.kind == "materialized view" else "CREATE VIEW"
        lines.append(f"{create} {relation.identifier} AS\n{(definition or '').rstrip()}")
    else:
        lines.append(_table_sql(relation))
    lines += [_index_line(index) for index in relation.indexes]
    lines += [f"{t.definition};" + ("" if t.enabled else "  -- disabled") for t in relation.triggers]
    if relation.referenced_by:
        lines.append("-- referenced by:")
        lines += [f"--   {r.table} ({r.name}: {r.definition})" for r in relation.referenced_by]
    return "\n".join(lines)


def _relation_facts(relation: catalog.Relation) -> str:
    facts = [f"owner {relation.owner}"]
    if relation.kind in ("table", "partitioned table", "materialized view"):
        rows = relation.estimated_rows
        facts.append("rows not estimated yet" if rows is None else f"about {rows:,} rows (estimated)")
    if relation.sizes is not None:
        sizes = relation.sizes
        facts.append(
            f"{_size(sizes.total_bytes)} on disk (table {_size(sizes.table_bytes)}, "
            f"indexes {_size(sizes.indexes_bytes)})"
        )
    if relation.populated is False:
        facts.append("not populated yet: REFRESH MATERIALIZED VIEW fills it")
    if relation.extension:
        facts.append(f"part of extension {relation.extension}")
    return "; ".join(facts)


def _table_sql(relation: catalog.Relation) -> str:
    items = [(_column_sql(column), column.comment) for column in relation.columns]
    items += [(f"CONSTRAINT {c.identifier} {c.definition}", None) for c in relation.constraints]
    lines = []
    for number, (item, comment) in enumerate(items, start=1):
        comma = "," if number < len(items) else ""
        lines.append(f"    {item}{comma}" + (f"  -- {_one_line(comment)}" if comment else ""))
    body = "\n" + "\n".join(lines) + "\n" if lines else ""
    foreign = "FOREIGN " if relation.kind == "foreign table" else ""
    partitioned = f" PARTITION BY {relation.partition_key}" if relation.partition_key else ""
    create = f"CREATE {foreign}TABLE {relation.identifier} ({body}){partitioned};"
    if relation.partitions is not None:
        create += f"  -- {_count(relation.partitions, 'partition')}"
    if relation.partition_of is not None:
        create += (
            f"\nALTER TABLE {relation.partition_of} ATTACH PARTITION {relation.identifier} "
            f"{relation.partition_bound};"
        )
    return create


def _column_sql(column: catalog.Column) -> str:
    parts = [column.identifier, column.type]
    if column.identity:
        parts.append(f"GENERATED {column.identity.upper()} AS IDENTITY")
    if column.generated:
        parts.append(f"GENERATED ALWAYS AS ({column.generated}) STORED")
    if not column.nullable:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts)


def _index_line(index: catalog.Index) -> str:
    notes = ["primary key"] if index.primary else []
    notes.append(_size(index.bytes))
    if not index.valid:
        notes.append(
            "INVALID (a failed CREATE INDEX CONCURRENTLY?): queries do not use it; drop and recreate it"
        )
    return f"{index.definition};  -- {', '.join(notes)}"


def _sequence_sql(identifier: str, sequence: catalog.Sequence) -> str:
    cycle = "CYCLE" if sequence.cycle else "NO CYCLE"
    owned = f" OWNED BY {sequence.owned_by}" if sequence.owned_by else ""
    last = "not used yet" if sequence.last_value is None else f"last value {sequence.last_value:,}"
    return (
        f"CREATE SEQUENCE {identifier} AS {sequence.data_type} INCREMENT BY {sequence.increment} "
        f"MINVALUE {sequence.minimum} MAXVALUE {sequence.maximum} START WITH {sequence.start} "
        f"CACHE {sequence.cache} {cycle}{owned};  -- {last}"
    )


def _functions_text(overloads: list[tuple[catalog.Function, str | None]]) -> str:
    first = overloads[0][0]
    lines = [f"-- {len(overloads)} overloads of {first.identifier}"] if len(overloads) > 1 else []
    for function, definition in overloads:
        signature = f"{function.identifier}({function.identity_arguments})"
        returns = f" returns {function.returns}" if function.returns else ""
        facts = [function.volatility, f"language {function.language}", f"owner {function.owner}"]
        if function.strict:
            facts.append("strict")
        if function.security_definer:
            facts.append("SECURITY DEFINER")
        facts.append(f"parallel {function.parallel}")
        if function.extension:
            facts.append(f"part of extension {function.extension}")
        lines.append(f"-- {function.kind} {signature}{returns}: {', '.join(facts)}")
        lines += _comment_lines(function.comment)
        if definition is not None:
            lines.append(definition)
    return "\n".join(lines)


def _extension_text(extension: catalog.Extension) -> str:
    newest = extension.default_version
    upgrade = f" (version {newest} is available)" if newest and newest != extension.version else ""
    relocatable = "relocatable" if extension.relocatable else "not relocatable"
    lines = [
        f"-- extension {extension.name} {extension.version}{upgrade}: objects in schema "
        f"{extension.schema}; owner {extension.owner}; {relocatable}"
    ]
    lines += _comment_lines(extension.comment)
    shown = len(extension.members)
    first = f" (the first {shown})" if shown < extension.member_count else ""
    lines.append(f"-- {_count(extension.member_count, 'object')}{first}:")
    lines += [f"--   {member}" for member in extension.members]
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _comment_lines(comment: str | None) -> list[str]:
    return [f"-- {line}" for line in comment.splitlines()] if comment else []


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _size(count: int) -> str:
    """Bytes as pg_size_pretty writes them: whole bytes, kB, MB, GB or TB (each step from 10 of it)."""
    size, unit = float(count), "bytes"
    for bigger in ("kB", "MB", "GB", "TB"):
        if size < 10 * 1024:
            break
        size, unit = size / 1024, bigger
    return f"{round(size):,} {unit}"


# -- misses -------------------------------------------------------------------------------------------


def _no_schema(schema_name: str, nearby: catalog.Nearby) -> NotFound:
    return NotFound(
        f"There is no schema {schema_name!r}.{_did_you_mean(schema_name, nearby.schemas)}",
        hint=f"The schemas are: {_some(nearby.schemas, 'list_schemas')}.",
    )


def _missing(schema_name: str, object_name: str, object_type: ObjectType, nearby: catalog.Nearby) -> NotFound:
    if object_type != "extension" and not nearby.schema_exists:
        return _no_schema(schema_name, nearby)
    singular, plural = _NOUNS[object_type]
    names = [name for name, _ in nearby.names]
    close = _did_you_mean(object_name, names, kinds=dict(nearby.names), expected=_KINDS[object_type])
    if object_type == "extension":
        message = f"There is no extension {object_name!r} in this database.{close}"
        listed = f"The installed extensions are: {_some(names)}." if names else "No extension is installed."
        return NotFound(message, hint=listed)
    of_type = [name for name, kind in nearby.names if kind in _KINDS[object_type]]
    message = f"There is no {singular} named {object_name!r} in schema {schema_name!r}.{close}"
    listed = (
        f"Its {plural} are: {_some(of_type)}."
        if of_type
        else f"It has no {plural}; list_schemas shows where objects are."
    )
    return NotFound(message, hint=listed)


def _did_you_mean(
    name: str,
    names: list[str],
    *,
    kinds: dict[str, str] | None = None,
    expected: frozenset[str] = frozenset(),
) -> str:
    """ " Did you mean 'users'?", naming the kind of a suggestion that is not of the type asked for."""
    folded = {candidate.casefold(): candidate for candidate in names}
    close = difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.6)
    if not close:
        return ""
    shown = []
    for match in close:
        candidate = folded[match]
        kind = (kinds or {}).get(candidate)
        shown.append(
            f"{candidate!r} (a {kind})" if kind and expected and kind not in expected else repr(candidate)
        )
    return f" Did you mean {' or '.join(shown)}?"


def _some(names: list[str], lister: str = "list_objects") -> str:
    """Up to `_SHOWN_NAMES` names, and how many more there are (which `lister` lists)."""
    shown = ", ".join(repr(name) for name in names[:_SHOWN_NAMES])
    more = len(names) - _SHOWN_NAMES
    return f"{shown} and {more:,} more ({lister} lists them all)" if more > 0 else shown
