"""Other sessions and their lock waits: what get_active_queries and get_locks report.

Sessions come from pg_stat_activity (never the one asking), lock waits from pg_locks. Who blocks
whom is pg_blocking_pids(): the sessions holding a lock that conflicts, and those queued ahead for
it. Without pg_read_all_stats, other roles' sessions show with their details hidden; they are
counted as `hidden` (with the server's background processes, which look the same), never listed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import Field

from moorings_core import Output
from moorings_postgres.database import CatalogRow, Database

__all__ = [
    "QUERY_CHARS",
    "HeldLock",
    "LockReport",
    "LockWait",
    "Session",
    "SessionList",
    "lock_waits",
    "sessions",
]

QUERY_CHARS = 1_000
"""A session's query text is cut at this many characters; its full length is given beside it."""


class Session(Output):
    pid: int
    user: str | None = None
    database: str | None = None
    application: str | None = Field(None, description="Its application_name; null when it set none.")
    client: str | None = Field(None, description="The client's address; null for a local socket.")
    backend_type: str = Field(description="client backend, autovacuum worker, walsender, ...")
    state: str = Field(description="active, idle, idle in transaction, ...")
    wait_event: str | None = Field(
        None, description="What it is waiting for, as type:event (Lock:transactionid)."
    )
    state_seconds: float | None = Field(
        None,
        description="How long it has been in its state: for an active session, how long its query has run.",
    )
    transaction_seconds: float | None = Field(None, description="How long its transaction has been open.")
    blocked_by: list[int] = Field(description="The pids it waits for (pg_blocking_pids).")
    blocking: list[int] = Field(default_factory=list, description="The listed pids that wait for it.")
    query: str | None = Field(
        None, description="Its current (or, when idle, last) statement, cut to 1,000 characters."
    )
    query_chars: int | None = Field(None, description="The statement's full length.")


class SessionList(Output):
    sessions: list[Session] = Field(description="Longest in their state first.")
    matching: int = Field(description="Sessions that matched, listed or not.")
    hidden: int = Field(
        description="Processes whose details this role may not see (needs pg_read_all_stats)."
    )


class HeldLock(Output):
    pid: int
    mode: str


class LockWait(Output):
    pid: int = Field(description="The waiting session.")
    mode: str = Field(description="The lock mode it asks for, e.g. ShareLock.")
    lock_type: str = Field(description="relation, tuple, transactionid, advisory, ...")
    target: str = Field(description="What it waits to lock.")
    waiting_seconds: float | None = Field(None, description="How long it has waited (PostgreSQL 14+).")
    blocked_by: list[int] = Field(
        description="The pids it waits for: holders first, then those queued ahead."
    )
    holders: list[HeldLock] = Field(description="The locks the blocking sessions hold on the same target.")
    user: str | None = None
    application: str | None = None
    query: str | None = Field(None, description="The waiting statement, cut to 1,000 characters.")


class LockReport(Output):
    waits: list[LockWait] = Field(description="Lock requests not granted, the longest waiting first.")
    waiting: int = Field(description="Lock requests waiting in all, listed or not.")
    blockers: list[Session] = Field(
        description="The sessions the waiting ones wait for; those not waiting themselves (the root "
        "blockers) first."
    )


# -- sessions ---------------------------------------------------------------------------------------

# $1 least seconds in the current state, $2 whether idle sessions count, $3 the only pids wanted
# (null: any), $4 characters of query text, $5 most sessions listed, $6 whether sessions of other
# databases count. The sessions that block a wanted one are listed too, whatever their state or
# database: a chain is never shown without its head.
_SESSIONS = """
WITH activity AS (
    SELECT a.pid, a.usename AS user, a.datname AS database, nullif(a.application_name, '') AS application,
           host(a.client_addr) AS client, a.backend_type, a.state,
           a.wait_event_type || ':' || a.wait_event AS wait_event,
           extract(epoch FROM now() - a.state_change)::float8 AS state_seconds,
           extract(epoch FROM now() - a.xact_start)::float8 AS transaction_seconds,
           pg_blocking_pids(a.pid) AS blocked_by, left(a.query, $4) AS query, length(a.query) AS query_chars,
           ($3::int4[] IS NULL OR a.pid = ANY ($3))
           AND ($2 OR a.state <> 'idle')
           AND ($6 OR a.datname = current_database())
           AND coalesce(now() - a.state_change >= make_interval(secs => $1), $1 = 0) AS wanted
    FROM pg_stat_activity a
    WHERE a.pid <> pg_backend_pid() AND a.state IS NOT NULL
)
SELECT h.hidden, s.*
FROM (SELECT count(*) FILTER (WHERE backend_type IS NULL) AS hidden FROM pg_stat_activity) h
LEFT JOIN LATERAL (
    SELECT pid, "user", database, application, client, backend_type, state, wait_event, state_seconds,
           transaction_seconds, blocked_by, query, query_chars, count(*) OVER () AS matching
    FROM activity
    WHERE wanted OR pid IN (SELECT unnest(blocked_by) FROM activity WHERE wanted)
    ORDER BY state_seconds DESC NULLS LAST, pid
    LIMIT $5
) s ON true"""


async def sessions(
    database: Database,
    *,
    min_seconds: float = 0,
    include_idle: bool = False,
    all_databases: bool = False,
    pids: Collection[int] | None = None,
    limit: int,
) -> SessionList:
    """Other sessions of this database (of every one if `all_databases`) in their state for at least
    `min_seconds`, idle ones only if `include_idle`, only `pids` if given; with every session that
    blocks one of them; at most `limit`."""
    pid_list = None if pids is None else list(pids)
    rows = await database.fetch(
        _SESSIONS, float(min_seconds), include_idle, pid_list, QUERY_CHARS, limit, all_databases
    )
    listed = [_session(row) for row in rows if row["pid"] is not None]
    for session in listed:
        session.blocking = [other.pid for other in listed if session.pid in other.blocked_by]
    matching = int(rows[0]["matching"] or 0) if listed else 0
    return SessionList(sessions=listed, matching=matching, hidden=rows[0]["hidden"])


def _session(row: CatalogRow) -> Session:
    fields: dict[str, Any] = {key: row[key] for key in Session.model_fields if key != "blocking"}
    fields["blocked_by"] = list(fields["blocked_by"])
    return Session(**fields)


# -- locks ------------------------------------------------------------------------------------------

# Every lock request not granted (to sessions of this database, or of any if $3), what it is for (a
# relation by name when it is in this database), and what its blockers hold on the same target.
# pg_locks.waitstart is read through to_jsonb so the query also runs before PostgreSQL 14, which has
# no such column (the wait is then unknown).
_LOCK_WAITS = """
SELECT l.pid, l.mode, l.locktype AS lock_type,
       CASE l.locktype
           WHEN 'relation' THEN 'relation ' || r.name
           WHEN 'tuple' THEN format('row (%s,%s) of %s', l.page, l.tuple, r.name)
           WHEN 'page' THEN format('page %s of %s', l.page, r.name)
           WHEN 'extend' THEN 'the extension of ' || r.name
           WHEN 'transactionid' THEN 'transaction ' || l.transactionid
           WHEN 'virtualxid' THEN 'virtual transaction ' || l.virtualxid
           WHEN 'advisory' THEN CASE l.objsubid
               WHEN 1 THEN 'advisory lock ' || ((l.classid::int8 << 32) | l.objid::int8)
               ELSE format('advisory lock (%s, %s)', l.classid, l.objid) END
           WHEN 'object' THEN coalesce(pg_describe_object(l.classid, l.objid, l.objsubid),
                                       'object ' || l.objid)
           ELSE l.locktype
       END AS target,
       extract(epoch FROM now() - (to_jsonb(l) ->> 'waitstart')::timestamptz)::float8 AS waiting_seconds,
       b.pids AS blocked_by,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('pid', h.pid, 'mode', h.mode) ORDER BY h.pid, h.mode),
                        '[]')
        FROM pg_locks h
        WHERE h.granted AND h.pid = ANY (b.pids) AND h.locktype = l.locktype
          AND h.database IS NOT DISTINCT FROM l.database AND h.relation IS NOT DISTINCT FROM l.relation
          AND h.page IS NOT DISTINCT FROM l.page AND h.tuple IS NOT DISTINCT FROM l.tuple
          AND h.virtualxid IS NOT DISTINCT FROM l.virtualxid
          AND h.transactionid IS NOT DISTINCT FROM l.transactionid
          AND h.classid IS NOT DISTINCT FROM l.classid AND h.objid IS NOT DISTINCT FROM l.objid
          AND h.objsubid IS NOT DISTINCT FROM l.objsubid) AS holders,
       a.usename AS user, nullif(a.application_name, '') AS application, left(a.query, $1) AS query,
       count(*) OVER () AS waiting
FROM pg_locks l
CROSS JOIN LATERAL (SELECT pg_blocking_pids(l.pid) AS pids) b
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
LEFT JOIN LATERAL (  -- a relation by name when it is in this database, else by oid
    SELECT coalesce(
        (SELECT format('%I.%I', n.nspname, c.relname)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = l.relation
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())),
        'oid ' || l.relation) AS name
) r ON true
WHERE NOT l.granted AND l.pid <> pg_backend_pid() AND ($3 OR a.datname = current_database())
ORDER BY waiting_seconds DESC NULLS LAST, l.pid
LIMIT $2"""


async def lock_waits(database: Database, *, all_databases: bool = False, limit: int) -> LockReport:
    """The lock requests that sessions of this database (of every one if `all_databases`) wait on, at
    most `limit`, and the sessions they wait for (of any database), the root blockers first."""
    rows = await database.fetch(_LOCK_WAITS, QUERY_CHARS, limit, all_databases)
    waits = [
        LockWait(
            **{key: row[key] for key in LockWait.model_fields if key not in ("blocked_by", "holders")},
            blocked_by=list(row["blocked_by"]),
            holders=[HeldLock(pid=held["pid"], mode=held["mode"]) for held in row["holders"]],
        )
        for row in rows
    ]
    blocking = {pid for wait in waits for pid in wait.blocked_by}
    blockers = []
    if blocking:
        found = await sessions(database, include_idle=True, all_databases=True, pids=blocking, limit=limit)
        blockers = found.sessions
    for blocker in blockers:  # whom it blocks among the waits, whether or not they were listed
        blocker.blocking = sorted({wait.pid for wait in waits if blocker.pid in wait.blocked_by})
    blockers.sort(key=lambda session: (bool(session.blocked_by), session.pid))  # the root blockers first
    return LockReport(waits=waits, waiting=rows[0]["waiting"] if rows else 0, blockers=blockers)
