"""The reference server's per-table schema resources, for every schema, through the MCP client.

Same-named tables in two schemas must be two resources; any name must make a URI that reads back;
a password in the DSN must never reach a URI; a table that does not exist is a not-found error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from moorings_core.testing import ERAS, Era
from moorings_postgres.dsn import parse_dsn
from moorings_postgres.resources import LISTED
from tests.postgres.helpers import execute, serving, settings_for

pytestmark = pytest.mark.anyio

ODD_SCHEMA = "Sales/Team ü"
ODD_TABLE = 'Order "Lines" 100%'

SETUP = [
    "CREATE SCHEMA sales",
    f'CREATE SCHEMA "{ODD_SCHEMA}"',
    "CREATE TABLE public.users (id serial PRIMARY KEY, email text NOT NULL, tags text[])",
    "CREATE TABLE sales.users (code varchar(8), region text DEFAULT 'north')",
    f'CREATE TABLE "{ODD_SCHEMA}"."{ODD_TABLE.replace(chr(34), chr(34) * 2)}" ("Line No" integer)',
    "CREATE VIEW public.emails AS SELECT email FROM public.users",
    "CREATE TABLE public.events (at date) PARTITION BY RANGE (at)",
    "CREATE TABLE public.events_2024 PARTITION OF public.events "
    "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE SEQUENCE public.tickets",
]


@pytest.fixture(scope="module")
def dsn(database_dsn: str) -> str:
    anyio.run(execute, database_dsn, *SETUP)
    return database_dsn


def base_of(dsn: str) -> str:
    return parse_dsn(dsn).resource_base


def contents_of(result: types.ReadResourceResult) -> tuple[str, list[dict[str, str | None]]]:
    [contents] = result.contents
    assert isinstance(contents, types.TextResourceContents)
    return contents.mime_type or "", json.loads(contents.text)


@pytest.mark.parametrize("era", ERAS)
async def test_every_schemas_tables_are_listed_apart(dsn: str, era: Era) -> None:
    async with serving(settings_for(dsn), era=era) as client:
        listed = (await client.list_resources()).resources
    base = base_of(dsn)
    by_uri = {str(resource.uri): resource for resource in listed}
    assert set(by_uri) == {
        f"{base}/public/users/schema",
        f"{base}/sales/users/schema",
        f"{base}/public/emails/schema",
        f"{base}/public/events/schema",  # its partition is not listed
        f"{base}/Sales%2FTeam%20%C3%BC/Order%20%22Lines%22%20100%25/schema",
    }
    assert by_uri[f"{base}/sales/users/schema"].name == "sales.users"
    assert by_uri[f"{base}/public/emails/schema"].title == "View public.emails"
    assert {resource.mime_type for resource in listed} == {"application/json"}


async def test_same_named_tables_read_their_own_columns(dsn: str) -> None:
    base = base_of(dsn)
    async with serving(settings_for(dsn)) as client:
        mime, public = contents_of(await client.read_resource(f"{base}/public/users/schema"))
        _, sales = contents_of(await client.read_resource(f"{base}/sales/users/schema"))
    assert mime == "application/json"
    assert public == [
        {
            "column_name": "id",
            "data_type": "integer",
            "is_nullable": "NO",
            "column_default": "nextval('users_id_seq'::regclass)",
        },
        {"column_name": "email", "data_type": "text", "is_nullable": "NO", "column_default": None},
        {"column_name": "tags", "data_type": "text[]", "is_nullable": "YES", "column_default": None},
    ]
    assert [(column["column_name"], column["data_type"]) for column in sales] == [
        ("code", "character varying(8)"),
        ("region", "text"),
    ]


async def test_odd_names_are_percent_encoded_and_read_back(dsn: str) -> None:
    async with serving(settings_for(dsn)) as client:
        [uri] = [str(r.uri) for r in (await client.list_resources()).resources if "Order" in str(r.uri)]
        _, columns = contents_of(await client.read_resource(uri))
        [resource] = [r for r in (await client.list_resources()).resources if str(r.uri) == uri]
    assert [column["column_name"] for column in columns] == ["Line No"]
    assert resource.name == f"{ODD_SCHEMA}.{ODD_TABLE}"


async def test_a_partition_is_read_by_its_uri_though_not_listed(dsn: str) -> None:
    async with serving(settings_for(dsn)) as client:
        _, columns = contents_of(await client.read_resource(f"{base_of(dsn)}/public/events_2024/schema"))
    assert [column["column_name"] for column in columns] == ["at"]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        pytest.param(
            "/public/nope/schema", "There is no table or view 'nope' in schema 'public'", id="table"
        ),
        pytest.param(
            "/nowhere/users/schema", "There is no table or view 'users' in schema 'nowhere'", id="schema"
        ),
        pytest.param("/public/tickets/schema", "There is no table or view 'tickets'", id="a-sequence"),
        pytest.param("/public/users%3B%20DROP%20TABLE%20users/schema", "no table or view", id="injection"),
        pytest.param("/public/users", "not a table schema resource", id="no-suffix"),
        pytest.param("/users/schema", "not a table schema resource", id="no-schema"),
        pytest.param("/public/users/columns", "not a table schema resource", id="other-suffix"),
        pytest.param("/a/b/c/schema", "not a table schema resource", id="too-deep"),
        pytest.param("/public/%FF/schema", "not a table schema resource", id="not-utf8"),
    ],
)
async def test_a_bad_uri_is_an_invalid_params_error(dsn: str, path: str, says: str) -> None:
    async with serving(settings_for(dsn)) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource(base_of(dsn) + path)
    assert caught.value.code == types.INVALID_PARAMS
    assert says in caught.value.message


async def test_another_scheme_or_server_is_not_ours(dsn: str) -> None:
    async with serving(settings_for(dsn)) as client:
        for uri in ("file:///etc/passwd", "postgres://someone@elsewhere:5432/db/public/users/schema"):
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            assert caught.value.code == types.INVALID_PARAMS
            assert "not a table schema resource" in caught.value.message


async def test_the_password_never_reaches_a_uri(dsn: str) -> None:
    # The test server trusts every local connection, so any password connects.
    parts = urlsplit(dsn)
    with_password = urlunsplit(parts._replace(netloc=parts.netloc.replace("@", ":hunter2-secret@", 1)))
    async with serving(settings_for(with_password)) as client:
        listed = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        result = await client.read_resource(str(listed[0].uri))
    everything = json.dumps(
        [r.model_dump(mode="json") for r in listed]
        + [t.model_dump(mode="json") for t in templates]
        + [result.model_dump(mode="json")]
    )
    assert listed
    assert "hunter2" not in everything
    assert str(listed[0].uri).startswith(base_of(dsn) + "/")


@contextmanager
def another_database(postgres_server: str, database_dsn: str, suffix: str, *setup: str) -> Iterator[str]:
    """A database of its own on the same server, set up with `setup`, dropped at the end."""
    name = f"{database_dsn.rpartition('/')[2]}_{suffix}"
    dsn = f"{postgres_server.rpartition('/')[0]}/{name}"
    anyio.run(execute, postgres_server, f'CREATE DATABASE "{name}"')
    try:
        anyio.run(execute, dsn, *setup)
        yield dsn
    finally:
        anyio.run(execute, postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def other_dsn(postgres_server: str, database_dsn: str) -> Iterator[str]:
    """A second database, with a table of its own."""
    with another_database(postgres_server, database_dsn, "other", "CREATE TABLE archive (kept date)") as dsn:
        yield dsn


# More tables than the list holds, in a schema that sorts before public.
CROWDED = [
    "CREATE SCHEMA aaa",
    f"DO $$ BEGIN FOR i IN 1..{LISTED + 1} LOOP "
    "EXECUTE format('CREATE TABLE aaa.t%s ()', i); END LOOP; END $$",
    "CREATE TABLE public.users (id integer)",
]


@pytest.fixture(scope="module")
def crowded_dsn(postgres_server: str, database_dsn: str) -> Iterator[str]:
    with another_database(postgres_server, database_dsn, "crowded", *CROWDED) as dsn:
        yield dsn


async def test_the_list_is_bounded_and_keeps_public_first(crowded_dsn: str) -> None:
    async with serving(settings_for(crowded_dsn)) as client:
        listed = [resource.name for resource in (await client.list_resources()).resources]
    assert len(listed) == LISTED
    assert listed[:2] == ["public.users", "aaa.t1"]


async def test_named_connections_are_read_by_their_own_uris_and_not_listed(
    dsn: str, other_dsn: str, tmp_path: Path
) -> None:
    config = tmp_path / "moorings.toml"
    config.write_text(f'[connections.archive]\ndsn = "{other_dsn}"\n')
    async with serving(settings_for(dsn, "--config", str(config))) as client:
        listed = [str(resource.uri) for resource in (await client.list_resources()).resources]
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        _, columns = contents_of(await client.read_resource(f"{base_of(other_dsn)}/public/archive/schema"))
    assert all(uri.startswith(base_of(dsn) + "/") for uri in listed)  # the default connection's
    assert templates == [
        f"{base_of(dsn)}/{{schema}}/{{table}}/schema",
        f"{base_of(other_dsn)}/{{schema}}/{{table}}/schema",
    ]
    assert columns == [
        {"column_name": "kept", "data_type": "date", "is_nullable": "YES", "column_default": None}
    ]
