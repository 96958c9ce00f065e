"""The schema of every table and view as an MCP resource, kept fresh by watching the database files.

- `sqlite://{database}/{table}`: one table's or view's description as JSON (the same object
  describe_table returns), listed for every table and view and offered as a template. `database`
  is `main` or an `--attach` name; the table name is percent-encoded.
- `memo://insights`: the reference server's memo (see `tools.insights`).
- While the server runs, one `FileWatcher` watches each database file with its `-wal` and
  `-journal` companions (a commit in WAL mode touches only the `-wal` file). When one changes, the
  schema version is read again (one number for all the open databases): if it moved, each
  subscribed table is described again and its subscribers hear `notifications/resources/updated`
  only if its schema differs from what it was (row counts aside: they are data); if a table or
  view appeared or went away, every client hears `notifications/resources/list_changed`. A change
  of data alone says nothing.
  The watch is on from the start, not only while someone subscribes, because the resource list
  belongs to every client.

`MCPServer` lists resources from a fixed registry, so the core answers the resource requests from
this provider (`MooringsServer.add_resources`), as it does for the filesystem server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, unquote

import mcp_types as types

from moorings_core import (
    FileWatcher,
    InvalidInput,
    MooringsError,
    RequestContext,
    ResourceContents,
    ResourceSubscriptions,
)
from moorings_sqlite.database import Database
from moorings_sqlite.tools.insights import MEMO_URI, Memo
from moorings_sqlite.tools.schema import schema_json, table_schema

__all__ = ["SCHEMA_TEMPLATE", "SchemaResources", "schema_uri"]

logger = logging.getLogger(__name__)

SCHEMA_TEMPLATE = "sqlite://{database}/{table}"
_SCHEME = "sqlite://"
_COMPANIONS = ("", "-wal", "-journal")  # the files a change to a database can touch


def schema_uri(database: str, table: str) -> str:
    return f"{_SCHEME}{quote(database, safe='')}/{quote(table, safe='')}"


class SchemaResources:
    """The server's resources: table schemas by URI, the memo, and the watch that keeps them fresh.

    Serve it with `server.add_resources(resources, list_changes=True)`, and keep it watching with
    `server.hold_while_serving(resources.watcher.hosted)` then `...(resources.watching)`.
    """

    def __init__(self, database: Database, memo: Memo, subscriptions: ResourceSubscriptions) -> None:
        self.watcher = FileWatcher(on_change=self._changed)
        self._database = database
        self._memo = memo
        self._subscriptions = subscriptions
        self._files: frozenset[Path] = frozenset()
        self._version = 0  # the schema version last seen (it sums every open database's)
        self._tables: frozenset[tuple[str, str]] = frozenset()
        self._schemas: dict[str, str | None] = {}  # subscribed schema URI -> its schema as last seen

    # -- requests -------------------------------------------------------------------------------

    async def list_resources(self, request: RequestContext) -> Sequence[types.Resource]:
        tables = await self._database.tables()
        listed = [_table_resource(table.database, table.name, table.type) for table in tables]
        return [self._memo.resource, *listed]

    async def list_templates(self, request: RequestContext) -> Sequence[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(
                uri_template=SCHEMA_TEMPLATE,
                name="table-schema",
                title="Table or view schema",
                description="The schema of a table or view as JSON: columns, indexes, foreign keys, "
                "triggers, its CREATE statement and row count. `database` is main or an attached "
                "database's name.",
                mime_type="application/json",
            )
        ]

    async def read(self, request: RequestContext, uri: str) -> ResourceContents:
        if uri == MEMO_URI:
            return types.TextResourceContents(uri=uri, mime_type="text/markdown", text=self._memo.text())
        database, table = self._parse(uri)
        description = await self._database.describe(table, database=database)
        text = schema_json(table_schema(description))
        return types.TextResourceContents(uri=uri, mime_type="application/json", text=text)

    # -- subscriptions ----------------------------------------------------------------------------

    async def check_subscription(self, request: RequestContext, uri: str) -> str:
        """Any URI of the memo or a schema may be subscribed to, even a table not created yet."""
        if uri != MEMO_URI:
            self._parse(uri)
        return uri

    async def watch(self, uri: str, target: str) -> None:
        """A schema URI gained its first subscriber: note its schema, to tell a real change later."""
        if uri.startswith(_SCHEME):
            self._schemas[uri] = await self._schema_of(uri)

    async def unwatch(self, uri: str) -> None:
        self._schemas.pop(uri, None)

    def _parse(self, uri: str) -> tuple[str, str]:
        database, slash, table = uri.removeprefix(_SCHEME).partition("/")
        if not uri.startswith(_SCHEME) or not slash or not table or "/" in table or "?" in uri:
            raise InvalidInput(
                f"{uri!r} is not a schema resource of this server. They are {SCHEMA_TEMPLATE} (the "
                f"table name percent-encoded) and {MEMO_URI}; resources/list names them all."
            )
        return unquote(database), unquote(table)  # an unknown database is the describe's NotFound

    # -- watching -------------------------------------------------------------------------------

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Watch every database's files while the server runs, from a fresh look at the schema."""
        self._files = frozenset(
            Path(f"{path.resolve()}{suffix}")
            for path in self._database.databases.values()
            for suffix in _COMPANIONS
        )
        self._version = await self._database.schema_version()
        self._tables = await self._table_names()
        for path in self._files:
            await self.watcher.watch(path)
        try:
            yield
        finally:
            for path in self._files:
                await self.watcher.unwatch(path)

    async def _changed(self, path: Path) -> None:
        try:
            seen = await self._schema_as_of_now()
        except MooringsError as exc:  # locked or unreadable for now; the next change looks again
            logger.info("Could not read the schema after %s changed: %s", path, exc)
            return
        if seen is None:
            return  # the data changed, not the schema
        self._version, tables, schemas = seen
        for uri in sorted(schemas):
            if schemas[uri] != self._schemas.get(uri, schemas[uri]):
                self._schemas[uri] = schemas[uri]
                await self._subscriptions.publish_updated(uri)
        if tables != self._tables:
            self._tables = tables
            await self._subscriptions.publish_list_changed()

    async def _schema_as_of_now(
        self,
    ) -> tuple[int, frozenset[tuple[str, str]], dict[str, str | None]] | None:
        """The schema version, the tables and the subscribed schemas, read at one schema version;
        None when the version has not moved since last seen.

        The watcher can report a file while another process is still writing its transaction, and
        the reads here are several statements: a description half before and half after that commit
        would be a change that never was. So the version is read again after, until it held still.
        """
        version = await self._database.schema_version()
        while version != self._version:
            tables = await self._table_names()
            schemas = {uri: await self._schema_of(uri) for uri in self._schemas}
            settled = await self._database.schema_version()
            if settled == version:
                return version, tables, schemas
            version = settled
        return None

    async def _schema_of(self, uri: str) -> str | None:
        """The table's schema as JSON without its row count; None when it does not exist (now)."""
        try:
            database, table = self._parse(uri)
            description = await self._database.describe(table, database=database)
        except MooringsError:
            return None
        shape = table_schema(description).model_dump(mode="json", exclude={"row_count", "row_count_exact"})
        return json.dumps(shape, sort_keys=True)

    async def _table_names(self) -> frozenset[tuple[str, str]]:
        return frozenset((table.database, table.name) for table in await self._database.tables())


def _table_resource(database: str, name: str, kind: str) -> types.Resource:
    shown = name if database == "main" else f"{database}.{name}"
    return types.Resource(
        uri=schema_uri(database, name),
        name=shown,
        title=f"{kind.capitalize()} {shown}",
        description=f"The schema of the {kind} {shown}: columns, indexes, foreign keys, triggers, "
        "CREATE statement and row count.",
        mime_type="application/json",
    )
