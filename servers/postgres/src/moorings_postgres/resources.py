"""The reference server's schema resources, for every schema: each table's columns as JSON.

- `{base}/{schema}/{table}/schema`, where `base` is the database's `Dsn.resource_base`
  (`postgres://user@host:port/dbname`, never a password) and the schema and table names are
  percent-encoded, so `public.users` and `sales.users` are two resources and any name (spaces,
  quotes, slashes, unicode) makes one URI. Its contents are the reference's JSON array of
  `{column_name, data_type}` in column order, each with `is_nullable` (YES or NO) and
  `column_default` beside them; `data_type` is the full type as format_type gives it
  (`character varying(20)`, `integer[]`, `public.mood`), where information_schema would say
  only `character varying`, `ARRAY` or `USER-DEFINED`.
- `resources/list` names the default connection's tables, views, materialized views and
  foreign tables in every schema but the system ones (partitions left out: they have their
  parent's columns), in one query, at most `LISTED` of them, public's first: the core answers
  the list in one page. Every table can still be read by its URI, and each connection's URI
  template is listed.
- `resources/read` serves every configured connection: the URI's base says which. A table that
  does not exist is the core's not-found resource error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from urllib.parse import quote, unquote

import mcp_types as types

from moorings_core import InvalidInput, NotFound, RequestContext, ResourceContents
from moorings_postgres import catalog
from moorings_postgres.database import Database
from moorings_postgres.databases import Databases

__all__ = ["LISTED", "SchemaResources", "schema_uri"]

LISTED = 1_000
"""Most tables resources/list names (the core does not page it); the rest are read by URI."""

_SUFFIX = "schema"  # the reference's last path segment


def schema_uri(base: str, schema: str, table: str) -> str:
    """The URI of `schema`.`table`'s columns in the database whose resource base is `base`."""
    return f"{base}/{quote(schema, safe='')}/{quote(table, safe='')}/{_SUFFIX}"


class SchemaResources:
    """Table schemas as resources; serve it with `server.add_resources(SchemaResources(databases))`."""

    def __init__(self, databases: Databases) -> None:
        self._databases = databases

    async def list_resources(self, request: RequestContext) -> Sequence[types.Resource]:
        database = self._databases.default
        tables = await catalog.resource_tables(database, limit=LISTED)
        base = database.dsn.resource_base
        return [_table_resource(base, schema, name, kind) for schema, name, kind in tables]

    async def list_templates(self, request: RequestContext) -> Sequence[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(
                uri_template=f"{database.dsn.resource_base}/{{schema}}/{{table}}/{_SUFFIX}",
                name=f"table-schema-{database.name}",
                title=f"Table columns ({database.name} connection)",
                description=f"The columns of a table or view of {database.dsn.shown} as a JSON array of "
                "{column_name, data_type, is_nullable, column_default}; schema and table percent-encoded.",
                mime_type="application/json",
            )
            for database in self._databases
        ]

    async def read(self, request: RequestContext, uri: str) -> ResourceContents:
        database, schema, table = self._parse(uri)
        columns = await catalog.table_columns(database, schema, table)
        if columns is None:
            raise NotFound(
                f"There is no table or view {table!r} in schema {schema!r} of {database.dsn.shown}.",
                hint="resources/list names the tables; list_objects lists any schema's.",
            )
        text = "[\n" + ",\n".join(f"  {_json(asdict(column))}" for column in columns) + "\n]"
        return types.TextResourceContents(uri=uri, mime_type="application/json", text=text)

    def _parse(self, uri: str) -> tuple[Database, str, str]:
        """The database, schema and table a schema URI names."""
        for database in self._databases:
            base = database.dsn.resource_base + "/"
            if not uri.startswith(base):
                continue
            parts = uri[len(base) :].split("/")
            if len(parts) == 3 and parts[2] == _SUFFIX and parts[0] and parts[1] and "?" not in uri:
                try:
                    return database, unquote(parts[0], errors="strict"), unquote(parts[1], errors="strict")
                except UnicodeDecodeError:
                    pass  # percent-encoded bytes that are not UTF-8 name nothing
            break
        raise InvalidInput(
            f"{uri!r} is not a table schema resource of this server. They are "
            f"{self._databases.default.dsn.resource_base}/{{schema}}/{{table}}/{_SUFFIX}, names "
            "percent-encoded; resources/templates/list gives each connection's."
        )


def _table_resource(base: str, schema: str, name: str, kind: str) -> types.Resource:
    # No description: the template describes them all, and 500 of them would add a third to the list.
    shown = f"{schema}.{name}"
    return types.Resource(
        uri=schema_uri(base, schema, name),
        name=shown,
        title=f"{kind.capitalize()} {shown}",
        mime_type="application/json",
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
