"""One PostgreSQL database: a pool that may open late, and connections that leave nothing behind.

The server starts whether or not the database is up: `open` tries once and logs why it could not,
and every call that needs the database tries again, failing with a clear message until it can
connect (`errors.connection_error`). The DSN is never logged; only `Dsn.shown` is.

Every connection goes back to the pool through `ROLLBACK` (when a transaction is open) and
`DISCARD ALL`, which drops whatever a statement left in the session (settings, prepared
statements, temporary tables, advisory locks, LISTENs), so nothing one call does reaches the next.
asyncpg's statement cache is off for that reason: the server-side statements it would remember
are discarded too. While the server serves (`serving_in`), the give-back happens after the call has its
answer, off its path: two round trips a call fewer to wait for; the pool lends the connection
again only once it is reset.

The server's own catalogue queries (introspection, health) go through a second, small pool whose
connections keep their prepared statements, planned once as generic plans: those queries are
fixed text that only reads and changes nothing in the session, and planning them each time cost
more than running them (7 ms of a 500-table listing). A model's statement never runs there.

Values come back as the core's JSON conversion expects them (`moorings_core.sql.values`): json
and jsonb as `JSONText` (parsed once, when a page is made; `fetch` parses its own); intervals
exact (months, days and microseconds, see `intervals`); dates and timestamps as ISO 8601 text,
infinities and years beyond Python's 1-9999 included (`temporal`).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

import anyio
import asyncpg
from anyio.abc import TaskGroup

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

from moorings_core import MooringsError
from moorings_core.sql.values import JSONText
from moorings_postgres import intervals, temporal
from moorings_postgres.dsn import Dsn
from moorings_postgres.errors import connection_error, statement_error

__all__ = ["CONNECT_TIMEOUT", "CatalogRow", "Connection", "Database"]

CatalogRow: TypeAlias = "asyncpg.Record | dict[str, Any]"
"""A row of the server's own queries, read by column name (a dict when json values were parsed)."""

Connection: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"
"""A connection lent by a pool (it goes back to it, reset, when the `async with` ends)."""

logger = logging.getLogger("moorings.postgres")

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a connection (a server that is down refuses at once; a lost host does not)."""

_APPLICATION_NAME = "moorings-postgres"  # how our sessions show in pg_stat_activity
_CATALOG_POOL_SIZE = 2


class Database:
    """A pool of connections to one database; `open` it (it may fail quietly), then `close` it."""

    def __init__(self, name: str, dsn: Dsn, *, pool_size: int, statement_timeout: float) -> None:
        self.name = name
        self.dsn = dsn
        self.statement_timeout = statement_timeout
        self._pool_size = pool_size
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._catalog_pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._opening = anyio.Lock()
        self._give_backs: TaskGroup | None = None
        self.superuser: bool | None = None  # known once connected

    def serving_in(self, task_group: TaskGroup | None) -> None:
        """Give connections back to the pool in `task_group`, after each call has its answer
        (None: at once, before the call answers)."""
        self._give_backs = task_group

    async def open(self) -> None:
        """Connect once now, so the first call is quick; if that fails, log why and go on."""
        try:
            async with self.connection() as connection:
                self.superuser = connection.get_settings().is_superuser == "on"  # type: ignore[attr-defined,unused-ignore]
        except MooringsError as exc:
            logger.warning("%s The server serves anyway, and tries again on every call.", exc.message)

    async def close(self) -> None:
        pools = [pool for pool in (self._pool, self._catalog_pool) if pool is not None]
        self._pool = self._catalog_pool = None
        for pool in pools:
            with anyio.move_on_after(5):  # a hung server must not hold up the exit
                await pool.close()
            pool.terminate()

    @asynccontextmanager
    async def connection(self, *, own_query: bool = False) -> AsyncIterator[Connection]:
        """A connection of the pool, reset (DISCARD ALL) when it goes back; `own_query`: one of
        the catalogue pool, for the server's own queries, which keeps its prepared statements."""
        pool = await self._ready_pool(catalog=own_query)
        try:
            with anyio.fail_after(_connect_time()):
                connection = await pool.acquire()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise connection_error(exc, self.dsn) from None
        try:
            yield connection
        finally:
            if self._give_backs is None:
                await _give_back(pool, connection)
            else:
                self._give_backs.start_soon(_give_back, pool, connection)

    @asynccontextmanager
    async def transaction(self, *, read_only: bool, own_query: bool = False) -> AsyncIterator[Connection]:
        """A connection inside a transaction with this database's statement timeout (or less, if
        the tool call has less time left); rolled back at the end unless the caller committed.

        `own_query`: for the server's own catalogue queries, on the catalogue pool.
        """
        async with self.connection(own_query=own_query) as connection:
            mode = "READ ONLY" if read_only else "READ WRITE"
            # Our own text, one round trip: the timeout is an integer we computed.
            await connection.execute(
                f"BEGIN ISOLATION LEVEL READ COMMITTED {mode}; "
                f"SET LOCAL statement_timeout = {self.timeout_ms()}"
            )
            yield connection  # the give-back rolls back what the caller did not commit

    async def fetch(self, sql: str, *args: object) -> list[CatalogRow]:
        """The rows of one of the server's own read-only queries (fixed SQL, values bound), by
        column name, json and jsonb values parsed."""
        async with self.transaction(read_only=True, own_query=True) as connection:
            try:
                prepared = await connection.prepare(sql)  # the catalogue pool keeps it prepared
                records = await prepared.fetch(*args)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                raise statement_error(exc, sql, timeout=self.statement_timeout) from None
        documents = [a.name for a in prepared.get_attributes() if a.type.name in ("json", "jsonb")]
        if not documents:
            return list(records)
        return [_with_documents_parsed(record, documents) for record in records]

    def timeout_ms(self) -> int:
        """The statement timeout for now: the setting, or what the tool call has left if less."""
        limit = self.statement_timeout
        deadline = anyio.current_effective_deadline()
        if deadline != math.inf:
            limit = min(limit, max(deadline - anyio.current_time(), 0.001) * 0.9)
        return max(int(limit * 1000), 1)

    async def _ready_pool(self, *, catalog: bool) -> asyncpg.Pool[asyncpg.Record]:
        async with self._opening:
            if self._pool is None:
                self._pool = await self._create_pool()
            if catalog and self._catalog_pool is None:
                self._catalog_pool = await self._create_catalog_pool()
            return self._catalog_pool if catalog and self._catalog_pool is not None else self._pool

    async def _create_pool(self) -> asyncpg.Pool[asyncpg.Record]:
        # min_size=0: the pool connects on demand, so a database that is down now is no error yet.
        pool = asyncpg.create_pool(
            self.dsn.text,
            min_size=0,
            max_size=self._pool_size,
            statement_cache_size=0,
            timeout=CONNECT_TIMEOUT,
            server_settings={"application_name": _APPLICATION_NAME},
            init=_prepare_connection,
            reset=_discard_all,
        )
        return await pool

    async def _create_catalog_pool(self) -> asyncpg.Pool[asyncpg.Record]:
        pool = asyncpg.create_pool(
            self.dsn.text,
            min_size=0,
            max_size=_CATALOG_POOL_SIZE,
            timeout=CONNECT_TIMEOUT,
            server_settings={
                "application_name": _APPLICATION_NAME,
                # Planned once, when first prepared: the queries' costs hardly depend on their values.
                "plan_cache_mode": "force_generic_plan",
                # A cost estimate over the catalogue views can cross the JIT threshold, and then
                # compiling takes half a second for a query that runs in milliseconds.
                "jit": "off",
            },
            init=_prepare_connection,
            reset=_keep_session,
        )
        return await pool


async def _give_back(pool: asyncpg.Pool[asyncpg.Record], connection: Connection) -> None:
    """Roll back what is left open, then release (the pool's reset runs DISCARD ALL); shielded,
    so that a connection is never left half given back when serving ends. A connection that
    cannot be reset is closed by the pool, which opens a new one when it needs it."""
    with anyio.CancelScope(shield=True):
        try:
            if not connection.is_closed() and connection.is_in_transaction():
                await connection.execute("ROLLBACK")
            await pool.release(connection)
        except asyncpg.InterfaceError:
            pass  # the connection was lost, and the pool took it back then
        except (asyncpg.PostgresError, OSError) as exc:
            logger.info("a connection could not be reset and was closed: %s", exc)


async def _prepare_connection(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """Codecs for values the core converts better than asyncpg's defaults (set once per connection)."""
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=_json_text, decoder=JSONText, format="text"
        )
    codecs: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "interval": (intervals.encode, intervals.decode),
        "date": (temporal.encode_date, temporal.decode_date),
        "timestamp": (temporal.encode_timestamp, temporal.decode_timestamp),
        "timestamptz": (temporal.encode_timestamptz, temporal.decode_timestamptz),
    }
    for name, (encode, decode) in codecs.items():
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=encode, decoder=decode, format="tuple"
        )


async def _discard_all(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    await connection.execute("DISCARD ALL")


async def _keep_session(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """The catalogue pool's reset: nothing to undo (its queries change no session state), and its
    prepared statements are what it is for; the transaction was rolled back already."""


def _with_documents_parsed(record: asyncpg.Record, documents: list[str]) -> CatalogRow:
    row = dict(record)
    for name in documents:
        if row[name] is not None:
            row[name] = json.loads(row[name])
    return row


def _json_text(value: Any) -> str:
    """A json/jsonb parameter: text passes as the JSON it holds; anything else is dumped to JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _connect_time() -> float:
    deadline = anyio.current_effective_deadline()
    if deadline == math.inf:
        return CONNECT_TIMEOUT
    return max(min(CONNECT_TIMEOUT, deadline - anyio.current_time()), 0.001)
