"""list_schemas, list_objects and get_object_details through the MCP client, on a real database.

One database for the module holds what a model meets in practice: two schemas with a table of the
same name, names that need quoting, every kind of object and constraint, overloads, an extension,
a partitioned table, an invalid index and a schema of 35 tables to page through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import asyncpg
import pytest
from jsonschema import Draft202012Validator

from moorings_core.testing import ERAS, Era, refusal, succeeded, text_of
from tests.postgres.helpers import execute, fetch, serving, settings_for

pytestmark = pytest.mark.anyio

ODD_SCHEMA = "My Schema"
ODD_TABLE = 'Odd "Name" ü'
PAGED_TABLES = [f"item_{number:02d}" for number in range(35)]
LABELS = " ".join(f"WHEN {number} THEN 'label number {number}'" for number in range(200))  # a long view

SETUP = [
    "CREATE SCHEMA sales",
    f'CREATE SCHEMA "{ODD_SCHEMA}"',
    "CREATE SCHEMA many",
    "CREATE EXTENSION pg_stat_statements",
    """CREATE TABLE public.users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email text NOT NULL UNIQUE,
        nickname text DEFAULT 'anon',
        email_length integer GENERATED ALWAYS AS (length(email)) STORED,
        age integer CONSTRAINT adult CHECK (age >= 18)
    )""",
    "COMMENT ON TABLE public.users IS 'People who sign in'",
    "COMMENT ON COLUMN public.users.email IS 'Where we write'",
    "CREATE TABLE sales.users (code text PRIMARY KEY, region text)",
    """CREATE TABLE public.orders (
        id serial PRIMARY KEY,
        user_id bigint,
        during tsrange,
        CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&)
    )""",
    "ALTER TABLE public.orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
    "REFERENCES public.users (id) NOT VALID",
    "CREATE INDEX orders_by_user ON public.orders (user_id)",
    # A unique index built concurrently over duplicates fails and stays behind, invalid.
    "CREATE TABLE public.dupes (x integer)",
    "INSERT INTO public.dupes VALUES (1), (1)",
    f'CREATE TABLE "{ODD_SCHEMA}"."{ODD_TABLE.replace(chr(34), chr(34) * 2)}" '
    '("Mixed Case" integer, "select" text)',
    "CREATE VIEW public.adults AS SELECT id, email FROM public.users WHERE age >= 18",
    "CREATE MATERIALIZED VIEW public.user_count AS SELECT count(*) AS n FROM public.users WITH NO DATA",
    "CREATE SEQUENCE public.tickets START 100",
    "SELECT nextval('public.tickets')",
    "CREATE FUNCTION public.add_one(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + 1'",
    "CREATE FUNCTION public.add_one(a text, b integer DEFAULT 1) RETURNS text LANGUAGE sql "
    "AS 'SELECT a || b'",
    "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
    "CREATE TRIGGER users_touch BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.touch()",
    f"CREATE VIEW public.long_query AS SELECT CASE x {LABELS} END AS label FROM (SELECT 1 AS x) AS one",
    "CREATE TABLE public.events (at date, what text) PARTITION BY RANGE (at)",
    "CREATE TABLE public.events_2024 PARTITION OF public.events "
    "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    *(f"CREATE TABLE many.{name} (id integer)" for name in reversed(PAGED_TABLES)),
]


async def _make_invalid_index(dsn: str) -> None:
    with pytest.raises(asyncpg.UniqueViolationError):  # the duplicate: the index is left invalid
        await execute(dsn, "CREATE UNIQUE INDEX CONCURRENTLY dupes_x ON public.dupes (x)")


@pytest.fixture(scope="module")
def dsn(database_dsn: str) -> str:
    anyio.run(execute, database_dsn, *SETUP)
    anyio.run(_make_invalid_index, database_dsn)
    return database_dsn


async def call(dsn: str, tool: str, *flags: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    async with serving(settings_for(dsn, *flags)) as client:
        return succeeded(await client.call_tool(tool, arguments))


async def refused(dsn: str, tool: str, **arguments: Any) -> str:
    async with serving(settings_for(dsn)) as client:
        return refusal(await client.call_tool(tool, arguments))


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


# -- list_schemas ---------------------------------------------------------------------------------


async def test_list_schemas_puts_user_schemas_first_with_their_counts(dsn: str) -> None:
    text, listed = await call(dsn, "list_schemas")
    schemas = listed["schemas"]
    kinds = [schema["kind"] for schema in schemas]
    assert kinds == sorted(kinds, key=lambda kind: kind != "user")  # every user schema before any system one
    found = by_name(schemas)
    assert {"public", "sales", "many", ODD_SCHEMA} <= {s["name"] for s in schemas if s["kind"] == "user"}
    assert found["pg_catalog"]["kind"] == found["information_schema"]["kind"] == "system"
    assert (found["sales"]["tables"], found["many"]["tables"]) == (1, 35)
    assert (found["public"]["views"], found["public"]["materializedViews"]) == (4, 1)  # 2 pg_stat_statements
    assert found["public"]["usable"] is True
    assert listed["total"] == len(schemas)
    assert '"name": "My Schema"' in text


# -- list_objects -----------------------------------------------------------------------------------


async def test_same_named_tables_are_listed_in_their_own_schemas(dsn: str) -> None:
    _, public = await call(dsn, "list_objects", schema_name="public")
    _, sales = await call(dsn, "list_objects", schema_name="sales", object_type="table")
    public_tables = by_name(public["objects"])
    assert {"users", "orders", "dupes", "events", "events_2024"} == set(public_tables)
    assert [table["name"] for table in sales["objects"]] == ["users"]
    assert public_tables["users"]["comment"] == "People who sign in"
    assert public_tables["events"]["kind"] == "partitioned table"
    assert public_tables["events_2024"]["partitionOf"] == "public.events"


async def test_each_object_type_lists_its_own_kind(dsn: str) -> None:
    _, views = await call(dsn, "list_objects", schema_name="public", object_type="view")
    _, matviews = await call(dsn, "list_objects", schema_name="public", object_type="materialized_view")
    _, sequences = await call(dsn, "list_objects", schema_name="public", object_type="sequence")
    _, functions = await call(dsn, "list_objects", schema_name="public", object_type="function")
    assert by_name(views["objects"])["adults"] == {"name": "adults", "kind": "view"}
    assert by_name(views["objects"])["pg_stat_statements"]["extension"] == "pg_stat_statements"
    assert matviews["objects"] == [{"name": "user_count", "kind": "materialized view", "populated": False}]
    sequence = by_name(sequences["objects"])
    assert sequence["tickets"] == {"name": "tickets", "kind": "sequence", "dataType": "bigint"}
    assert sequence["orders_id_seq"]["ownedBy"] == "public.orders.id"
    assert sequence["users_id_seq"]["ownedBy"] == "public.users.id"  # an identity's sequence
    overloads = [(f["arguments"], f["returns"]) for f in functions["objects"] if f["name"] == "add_one"]
    assert overloads == [("integer", "integer"), ("text, integer", "text")]


async def test_extensions_are_the_databases_whatever_the_schema(dsn: str) -> None:
    text, listed = await call(dsn, "list_objects", schema_name="sales", object_type="extension")
    extensions = by_name(listed["objects"])
    assert extensions["pg_stat_statements"]["schemaName"] == "public"
    assert extensions["plpgsql"]["schemaName"] == "pg_catalog"
    assert extensions["pg_stat_statements"]["version"]
    assert '"name": "pg_stat_statements"' in text


async def test_an_empty_schema_lists_nothing_and_says_so(dsn: str) -> None:
    text, listed = await call(dsn, "list_objects", schema_name="sales", object_type="view")
    assert listed["objects"] == []
    assert listed["total"] == 0
    assert "no views in schema 'sales'" in text


async def test_a_long_list_comes_in_pages_that_fit_the_budget(dsn: str) -> None:
    settings = settings_for(dsn, "--max-output-chars", "1000")
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    async with serving(settings) as client:
        while True:
            arguments = {"schema_name": "many"} | ({"cursor": cursor} if cursor else {})
            text, page = succeeded(await client.call_tool("list_objects", arguments))
            pages += 1
            assert len(text) <= 1000
            assert page["total"] == 35
            seen += [table["name"] for table in page["objects"]]
            cursor = page.get("nextCursor")
            if cursor is None:
                assert "the last" in text
                break
            assert f'cursor "{cursor}"' in text
    assert seen == PAGED_TABLES  # each once, in name order
    assert pages >= 3


async def test_a_cursor_only_continues_its_own_listing(dsn: str) -> None:
    settings = settings_for(dsn, "--max-output-chars", "1000")
    async with serving(settings) as client:
        _, first = succeeded(await client.call_tool("list_objects", {"schema_name": "many"}))
        other = await client.call_tool(
            "list_objects", {"schema_name": "public", "cursor": first["nextCursor"]}
        )
    assert "belongs to another request" in refusal(other)


async def test_an_unknown_schema_names_the_ones_there_are(dsn: str) -> None:
    message = await refused(dsn, "list_objects", schema_name="pubic")
    assert "There is no schema 'pubic'. Did you mean 'public'?" in message
    assert "'sales'" in message


async def test_an_unknown_connection_names_the_ones_there_are(dsn: str) -> None:
    message = await refused(dsn, "list_objects", schema_name="public", connection="elsewhere")
    assert "no connection named 'elsewhere'" in message
    assert "default" in message


async def test_a_named_connection_is_listed_from_its_own_database(
    dsn: str, postgres_server: str, tmp_path: Path
) -> None:
    config = tmp_path / "moorings.toml"
    config.write_text(f'[connections.admin]\ndsn = "{postgres_server}"\n')
    async with serving(settings_for(dsn, "--config", str(config))) as client:
        _, here = succeeded(await client.call_tool("list_schemas", {}))
        _, there = succeeded(await client.call_tool("list_schemas", {"connection": "admin"}))
    assert "sales" in by_name(here["schemas"])
    assert "sales" not in by_name(there["schemas"])


# -- get_object_details: tables -------------------------------------------------------------------------


async def test_same_named_tables_are_described_from_their_own_schemas(dsn: str) -> None:
    _, public = await call(dsn, "get_object_details", schema_name="public", object_name="users")
    text, sales = await call(dsn, "get_object_details", schema_name="sales", object_name="users")
    assert [c["name"] for c in public["columns"]] == ["id", "email", "nickname", "email_length", "age"]
    assert [c["name"] for c in sales["columns"]] == ["code", "region"]
    assert sales["schemaName"] == "sales"
    assert "CREATE TABLE sales.users (" in text


async def test_columns_have_types_defaults_identity_generation_and_comments(dsn: str) -> None:
    text, users = await call(dsn, "get_object_details", schema_name="public", object_name="users")
    columns = by_name(users["columns"])
    assert columns["id"] == {"name": "id", "type": "bigint", "nullable": False, "identity": "always"}
    assert columns["email"]["comment"] == "Where we write"
    assert columns["nickname"]["default"] == "'anon'::text"
    assert columns["email_length"]["generated"] == "length(email)"
    assert users["comment"] == "People who sign in"
    assert users["kind"] == "table"
    assert "id bigint GENERATED ALWAYS AS IDENTITY NOT NULL," in text
    assert "email text NOT NULL,  -- Where we write" in text


async def test_every_kind_of_constraint_is_described_with_its_validity(dsn: str) -> None:
    text, orders = await call(dsn, "get_object_details", schema_name="public", object_name="orders")
    _, users = await call(dsn, "get_object_details", schema_name="public", object_name="users")
    constraints = by_name(orders["constraints"]) | by_name(users["constraints"])
    assert constraints["orders_pkey"]["type"] == "primary key"
    assert constraints["users_email_key"]["type"] == "unique"
    assert constraints["adult"] == {
        "name": "adult",
        "type": "check",
        "definition": "CHECK (age >= 18)",
        "columns": ["age"],
        "validated": True,
    }
    assert constraints["no_overlap"]["type"] == "exclusion"
    foreign = constraints["orders_user_fk"]
    assert (foreign["type"], foreign["validated"]) == ("foreign key", False)
    assert (foreign["references"], foreign["referencedColumns"]) == ("public.users", ["id"])
    assert foreign["definition"].endswith("NOT VALID")
    assert "CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID" in text
    assert users["referencedBy"] == [
        {"table": "public.orders", "name": "orders_user_fk", "definition": foreign["definition"]}
    ]


async def test_indexes_triggers_and_sizes_are_described(dsn: str) -> None:
    text, orders = await call(dsn, "get_object_details", schema_name="public", object_name="orders")
    _, users = await call(dsn, "get_object_details", schema_name="public", object_name="users")
    indexes = by_name(orders["indexes"])
    assert indexes["orders_pkey"]["primary"] is True
    assert indexes["orders_by_user"]["definition"] == (
        "CREATE INDEX orders_by_user ON public.orders USING btree (user_id)"
    )
    assert all(index["valid"] and index["bytes"] > 0 for index in indexes.values())
    assert orders["sizes"]["totalBytes"] >= orders["sizes"]["indexesBytes"] > 0
    assert "CREATE INDEX orders_by_user ON public.orders USING btree (user_id);" in text
    [trigger] = users["triggers"]
    assert (trigger["name"], trigger["enabled"]) == ("users_touch", True)


async def test_an_invalid_index_says_so(dsn: str) -> None:
    text, dupes = await call(dsn, "get_object_details", schema_name="public", object_name="dupes")
    [index] = dupes["indexes"]
    assert (index["name"], index["unique"], index["valid"]) == ("dupes_x", True, False)
    assert "INVALID" in text


async def test_a_partitioned_table_and_its_partition(dsn: str) -> None:
    text, events = await call(dsn, "get_object_details", schema_name="public", object_name="events")
    part_text, partition = await call(
        dsn, "get_object_details", schema_name="public", object_name="events_2024"
    )
    assert (events["kind"], events["partitionKey"], events["partitions"]) == (
        "partitioned table",
        "RANGE (at)",
        1,
    )
    assert "PARTITION BY RANGE (at);" in text
    assert partition["partitionOf"] == "public.events"
    assert partition["partitionBound"] == "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    assert "ALTER TABLE public.events ATTACH PARTITION public.events_2024 FOR VALUES" in part_text


async def test_quoted_spaced_and_unicode_names_are_found_and_quoted_in_the_ddl(dsn: str) -> None:
    _, listed = await call(dsn, "list_objects", schema_name=ODD_SCHEMA)
    text, odd = await call(dsn, "get_object_details", schema_name=ODD_SCHEMA, object_name=ODD_TABLE)
    assert [table["name"] for table in listed["objects"]] == [ODD_TABLE]
    assert (odd["schemaName"], odd["name"]) == (ODD_SCHEMA, ODD_TABLE)
    assert [column["name"] for column in odd["columns"]] == ["Mixed Case", "select"]
    assert 'CREATE TABLE "My Schema"."Odd ""Name"" ü" (' in text
    assert '"Mixed Case" integer,' in text
    assert '"select" text' in text  # a reserved word is quoted too


async def test_a_name_is_a_value_never_sql(dsn: str) -> None:
    message = await refused(
        dsn, "get_object_details", schema_name="public", object_name="users; DROP TABLE public.users"
    )
    assert "There is no table named 'users; DROP TABLE public.users'" in message
    assert await fetch(dsn, "SELECT 1 FROM public.users LIMIT 1") == []  # still there, still empty


# -- get_object_details: other objects ------------------------------------------------------------------


async def test_views_and_materialized_views_have_their_query_and_columns(dsn: str) -> None:
    text, view = await call(
        dsn, "get_object_details", schema_name="public", object_name="adults", object_type="view"
    )
    _, matview = await call(
        dsn,
        "get_object_details",
        schema_name="public",
        object_name="user_count",
        object_type="materialized_view",
    )
    assert view["kind"] == "view"
    assert "age >= 18" in view["definition"]
    assert [column["name"] for column in view["columns"]] == ["id", "email"]
    assert "constraints" not in view
    assert text.startswith("-- view public.adults:")
    assert "CREATE VIEW public.adults AS" in text
    assert (matview["kind"], matview["populated"]) == ("materialized view", False)
    assert "count(*)" in matview["definition"]


async def test_a_long_definition_is_cut_with_how_to_read_all_of_it(dsn: str) -> None:
    arguments = {"schema_name": "public", "object_name": "long_query"}
    text, view = await call(dsn, "get_object_details", "--max-output-chars", "2000", **arguments)
    how = "`SELECT pg_get_viewdef('public.long_query'::regclass, true)` gives all of it]"
    assert "'label number 0'" in view["definition"]
    assert "'label number 199'" not in view["definition"]
    assert view["definition"].endswith(how)
    assert len(text) <= 2000  # cut by the tool, which says how to read the rest, not by the server
    assert text.endswith(how)


async def test_a_relation_is_found_whichever_relation_type_is_asked(dsn: str) -> None:
    _, view = await call(dsn, "get_object_details", schema_name="public", object_name="adults")
    assert view["kind"] == "view"


async def test_a_sequence_has_its_parameters_and_last_value(dsn: str) -> None:
    text, tickets = await call(
        dsn, "get_object_details", schema_name="public", object_name="tickets", object_type="sequence"
    )
    _, identity = await call(
        dsn, "get_object_details", schema_name="public", object_name="users_id_seq", object_type="sequence"
    )
    sequence = tickets["sequence"]
    assert (sequence["dataType"], sequence["start"], sequence["increment"]) == ("bigint", 100, 1)
    assert sequence["lastValue"] == 100
    assert "columns" not in tickets
    assert "CREATE SEQUENCE public.tickets AS bigint" in text
    assert "lastValue" not in identity["sequence"]  # never used
    assert identity["sequence"]["ownedBy"] == "public.users.id"


async def test_a_function_is_described_with_every_overload(dsn: str) -> None:
    text, described = await call(
        dsn, "get_object_details", schema_name="public", object_name="add_one", object_type="function"
    )
    overloads = described["overloads"]
    assert [o["identityArguments"] for o in overloads] == ["a integer", "a text, b integer"]
    assert overloads[1]["arguments"] == "a text, b integer DEFAULT 1"
    assert [(o["returns"], o["volatility"], o["language"]) for o in overloads] == [
        ("integer", "immutable", "sql"),
        ("text", "volatile", "sql"),
    ]
    assert "CREATE OR REPLACE FUNCTION public.add_one(a integer)" in overloads[0]["definition"]
    assert text.startswith("-- 2 overloads of public.add_one")


async def test_an_extension_is_described_with_its_objects(dsn: str) -> None:
    text, extension = await call(
        dsn,
        "get_object_details",
        schema_name="public",
        object_name="pg_stat_statements",
        object_type="extension",
    )
    assert (extension["kind"], extension["schemaName"]) == ("extension", "public")
    assert extension["version"]
    assert "view pg_stat_statements" in extension["members"]
    assert extension["memberCount"] == len(extension["members"])
    assert text.startswith(f"-- extension pg_stat_statements {extension['version']}")


# -- misses -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        pytest.param(
            {"schema_name": "public", "object_name": "usres"},
            ["There is no table named 'usres' in schema 'public'. Did you mean 'users'", "'orders'"],
            id="table",
        ),
        pytest.param(
            {"schema_name": "public", "object_name": "Adults", "object_type": "table"},
            ["Did you mean 'adults' (a view)?"],
            id="another-kind",
        ),
        pytest.param(
            {"schema_name": "nowhere", "object_name": "users"},
            ["There is no schema 'nowhere'.", "'public'"],
            id="schema",
        ),
        pytest.param(
            {"schema_name": "public", "object_name": "add_two", "object_type": "function"},
            ["There is no function named 'add_two'", "Did you mean 'add_one'?"],
            id="function",
        ),
        pytest.param(
            {"schema_name": "public", "object_name": "pg_stat_statement", "object_type": "extension"},
            ["There is no extension 'pg_stat_statement'", "'plpgsql'"],
            id="extension",
        ),
        pytest.param(
            {"schema_name": "sales", "object_name": "adults", "object_type": "view"},
            ["There is no view named 'adults' in schema 'sales'.", "It has no views"],
            id="none-of-the-type",
        ),
    ],
)
async def test_a_miss_names_what_exists_nearby(dsn: str, arguments: dict[str, Any], says: list[str]) -> None:
    message = await refused(dsn, "get_object_details", **arguments)
    for words in says:
        assert words in message


async def test_a_miss_lists_only_some_of_many_names(dsn: str) -> None:
    message = await refused(dsn, "get_object_details", schema_name="many", object_name="item")
    assert "'item_00'" in message
    assert "and 5 more (list_objects lists them all)" in message


# -- the protocol -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_results_fit_their_advertised_output_schemas(dsn: str, era: Era) -> None:
    function = {"schema_name": "public", "object_name": "add_one", "object_type": "function"}
    calls = [
        ("list_schemas", {}),
        ("list_objects", {"schema_name": "public", "object_type": "function"}),
        ("list_objects", {"schema_name": "public", "object_type": "sequence"}),
        ("list_objects", {"schema_name": "public", "object_type": "extension"}),
        ("get_object_details", {"schema_name": "public", "object_name": "orders"}),
        ("get_object_details", {"schema_name": "public", "object_name": "tickets"}),
        ("get_object_details", function),
        ("get_object_details", {"schema_name": "x", "object_name": "plpgsql", "object_type": "extension"}),
    ]
    async with serving(settings_for(dsn), era=era) as client:
        schemas = {tool.name: tool.output_schema for tool in (await client.list_tools()).tools}
        for tool, arguments in calls:
            _, structured = succeeded(await client.call_tool(tool, arguments))
            errors = list(Draft202012Validator(schemas[tool] or {}).iter_errors(structured))
            assert errors == [], (tool, arguments)


async def test_the_tools_are_read_only_and_closed_world(dsn: str) -> None:
    async with serving(settings_for(dsn)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in ("list_schemas", "list_objects", "get_object_details"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert (annotations.read_only_hint, annotations.open_world_hint) == (True, False)
        assert "connection" in tools[name].input_schema["properties"]


async def test_an_unknown_object_type_is_refused_with_the_allowed_ones(dsn: str) -> None:
    async with serving(settings_for(dsn)) as client:
        result = await client.call_tool("list_objects", {"schema_name": "public", "object_type": "index"})
    message = text_of(result)
    assert result.is_error
    assert "materialized_view" in message
