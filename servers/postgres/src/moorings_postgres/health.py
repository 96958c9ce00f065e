"""The health checks analyze_db_health runs, by area: index, vacuum, connection, buffer, sequence,
constraint and replication (Postgres MCP Pro's areas).

Each check is one fixed query over the catalogue (pg_index, pg_constraint, pg_sequence, ...) or the
statistics views (pg_stat_*, pg_statio_*), and a verdict: `ok`, `warning` or `critical`, with a
one-line finding that carries its numbers, what to do, and the objects concerned (the worst first,
at most `MAX_SUBJECTS`, with how many more there are). A check this role may not run, that runs out
of time, or whose query this PostgreSQL refuses, is `unknown` and says why; the other checks still
run. Only a lost connection fails the whole report. Where a role can see only part
of a view (other roles' sessions, without pg_read_all_stats), the finding says what it could not see.

Thresholds are those PostgreSQL monitoring commonly uses; each is a named constant beside its check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from pydantic import Field

from moorings_core import AccessDenied, InvalidInput, LimitExceeded, Output
from moorings_postgres.database import CatalogRow, Database
from moorings_postgres.units import count, duration, percent, size

__all__ = ["AREAS", "MAX_SUBJECTS", "SEVERITY", "Area", "Check", "Status", "Subject", "run_checks", "worst"]

Area = Literal["index", "vacuum", "connection", "buffer", "sequence", "constraint", "replication"]
AREAS: tuple[Area, ...] = get_args(Area)
Status = Literal["ok", "warning", "critical", "unknown"]
Figure = bool | int | float | str | None

MAX_SUBJECTS = 10
"""Objects a check lists at most; it counts the rest."""

SEVERITY: dict[Status, int] = {"ok": 0, "unknown": 1, "warning": 2, "critical": 3}
"""How bad a status is, from ok (0) to critical (3)."""
_MONITORING_ROLE = (
    "Grant this role pg_monitor (or pg_read_all_stats) so it can see every session and statistic."
)

_ACTIONS: dict[type[Exception], str] = {
    AccessDenied: _MONITORING_ROLE,
    LimitExceeded: "Run its area alone (health_type) so it has the call's whole time, or ask the operator "
    "for a longer --statement-timeout.",
    InvalidInput: "This PostgreSQL does not take this check's query (a version it was not written for).",
}


class Subject(Output):
    name: str = Field(
        description="The object concerned: an index, table, sequence, database, session or slot."
    )
    detail: str = Field(description="What was found about it, with its numbers.")


class Check(Output):
    name: str = Field(description="The check, e.g. duplicate_indexes.")
    area: Area
    status: Status = Field(description="ok, warning, critical, or unknown when the check could not run.")
    finding: str = Field(description="What the check found, in one line with its numbers.")
    action: str | None = Field(None, description="What to do about it; absent when there is nothing to do.")
    figures: dict[str, Figure] = Field(default_factory=dict, description="The check's numbers, by name.")
    subjects: list[Subject] = Field(default_factory=list, description="The objects concerned, worst first.")
    unlisted: int = Field(0, description="Objects concerned beyond those listed in subjects.")


def worst(statuses: Collection[Status]) -> Status:
    return max(statuses, key=SEVERITY.__getitem__, default="ok")


# -- running them ---------------------------------------------------------------------------------


@dataclass
class _Verdict:
    """What a check function decides; `run_checks` adds the check's name and area."""

    status: Status
    finding: str
    action: str | None = None
    figures: dict[str, Figure] = field(default_factory=dict)
    subjects: list[Subject] = field(default_factory=list)
    found: int = 0  # objects concerned in all; `subjects` lists the first of them


_CheckFunction = Callable[[Database], Awaitable[_Verdict]]
_CHECKS: list[tuple[str, Area, _CheckFunction]] = []


def _check(area: Area, name: str) -> Callable[[_CheckFunction], _CheckFunction]:
    def register(function: _CheckFunction) -> _CheckFunction:
        _CHECKS.append((name, area, function))
        return function

    return register


async def run_checks(database: Database, areas: Collection[Area]) -> list[Check]:
    """Every check of `areas`, in order; one that cannot run is `unknown`, the others still run.

    They run one after another: a report is a dozen short queries, and running them at once would
    take every connection of the pool from the other tool calls."""
    return [await _run(name, area, function, database) for name, area, function in _CHECKS if area in areas]


async def _run(name: str, area: Area, function: _CheckFunction, database: Database) -> Check:
    try:
        verdict = await function(database)
    except (AccessDenied, LimitExceeded, InvalidInput) as exc:  # privileges, time, an unknown version
        action = next(text for kind, text in _ACTIONS.items() if isinstance(exc, kind))
        return Check(
            name=name, area=area, status="unknown", finding=f"Could not run: {exc.message}", action=action
        )
    return Check(
        name=name,
        area=area,
        status=verdict.status,
        finding=verdict.finding,
        action=verdict.action if verdict.status != "ok" else None,
        figures=verdict.figures,
        subjects=verdict.subjects,
        unlisted=max(verdict.found - len(verdict.subjects), 0),
    )


def _found(rows: Sequence[CatalogRow]) -> int:
    """How many objects a query found in all (its `found` column counts them before the LIMIT)."""
    return int(rows[0]["found"] or 0) if rows else 0


# Schemas of the user's objects: not the catalogue, TOAST tables or other sessions' temporary tables.
_USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'"


# -- index ------------------------------------------------------------------------------------------

_INVALID_INDEXES = f"""
SELECT format('%I.%I', n.nspname, c.relname) AS index, format('%I.%I', tn.nspname, t.relname) AS table_name,
       pg_relation_size(c.oid) AS bytes, i.indisready AS maintained, count(*) OVER () AS found
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)
ORDER BY bytes DESC, index
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("index", "invalid_indexes")
async def _invalid_indexes(database: Database) -> _Verdict:
    """Indexes a failed CREATE INDEX CONCURRENTLY or REINDEX left invalid: never used, often still
    updated on every write. Ones being built right now are left out."""
    rows = await database.fetch(_INVALID_INDEXES)
    found = _found(rows)
    if not found:
        return _Verdict("ok", "No invalid indexes.")
    return _Verdict(
        "warning",
        f"{count(found, 'invalid index', 'invalid indexes')}: an invalid index serves no query"
        + (", yet writes may still update it." if any(row["maintained"] for row in rows) else "."),
        action="Rebuild each with REINDEX INDEX CONCURRENTLY, or drop it with DROP INDEX CONCURRENTLY. An "
        "invalid unique index usually means its build met duplicate values: remove those first.",
        figures={"invalid_indexes": found},
        subjects=[
            Subject(
                name=row["index"],
                detail=f"on {row['table_name']}, {size(row['bytes'])}"
                + ("; still updated on every write" if row["maintained"] else ""),
            )
            for row in rows
        ],
        found=found,
    )


# An index is redundant when another index of the same table and access method, with the same
# expressions and predicate, answers every lookup it answers: an identical one (the unique, or
# constraint-backed, or older one is kept), or, for a plain non-unique B-tree, one whose leading
# key columns are its columns with the same operator classes, collations and orderings.
_DUPLICATE_INDEXES = f"""
WITH indexes AS (
    SELECT i.indexrelid, i.indrelid, c.relam, i.indisunique, i.indnatts, i.indnkeyatts,
           i.indkey::int2[] AS columns, i.indclass::oid[] AS classes,
           i.indcollation::oid[] AS collations, i.indoption::int2[] AS options,
           pg_get_expr(i.indexprs, i.indrelid) AS expressions,
           pg_get_expr(i.indpred, i.indrelid) AS predicate,
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AS constrained
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.indisvalid AND {_USER_SCHEMA}
), redundant AS (
    SELECT DISTINCT ON (a.indexrelid) a.indexrelid, a.indrelid, b.indexrelid AS kept,
           a.columns = b.columns AS identical
    FROM indexes a
    JOIN indexes b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid AND b.relam = a.relam
                  AND b.expressions IS NOT DISTINCT FROM a.expressions
                  AND b.predicate IS NOT DISTINCT FROM a.predicate
    WHERE (a.columns = b.columns AND a.indnkeyatts = b.indnkeyatts AND a.classes = b.classes
           AND a.collations = b.collations AND a.options = b.options
           AND (b.indisunique, b.constrained, a.indexrelid) > (a.indisunique, a.constrained, b.indexrelid))
       OR (a.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
           AND NOT a.indisunique AND NOT a.constrained AND a.expressions IS NULL
           AND a.indnatts = a.indnkeyatts AND a.indnkeyatts < b.indnkeyatts
           AND a.columns[0:a.indnkeyatts - 1] = b.columns[0:a.indnkeyatts - 1]
           AND a.classes[0:a.indnkeyatts - 1] = b.classes[0:a.indnkeyatts - 1]
           AND a.collations[0:a.indnkeyatts - 1] = b.collations[0:a.indnkeyatts - 1]
           AND a.options[0:a.indnkeyatts - 1] = b.options[0:a.indnkeyatts - 1])
    ORDER BY a.indexrelid, identical DESC, b.indexrelid
)
SELECT format('%I.%I', n.nspname, c.relname) AS index, format('%I.%I', n.nspname, k.relname) AS kept,
       format('%I.%I', tn.nspname, t.relname) AS table_name, r.identical,
       pg_relation_size(r.indexrelid) AS bytes, count(*) OVER () AS found,
       (sum(pg_relation_size(r.indexrelid)) OVER ())::int8 AS total_bytes
FROM redundant r
JOIN pg_class c ON c.oid = r.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class k ON k.oid = r.kept
JOIN pg_class t ON t.oid = r.indrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
ORDER BY bytes DESC, index
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("index", "duplicate_indexes")
async def _duplicate_indexes(database: Database) -> _Verdict:
    """Indexes that another index of the same table makes redundant: each costs every write and
    its space, and serves no lookup the other does not."""
    rows = await database.fetch(_DUPLICATE_INDEXES)
    found = _found(rows)
    if not found:
        return _Verdict("ok", "No duplicate or redundant indexes.")
    wasted = rows[0]["total_bytes"]
    return _Verdict(
        "warning",
        f"{count(found, 'redundant index', 'redundant indexes')}, identical to or a leading part of another "
        f"index of the same table: {size(wasted)} that every write updates for nothing.",
        action="Drop the redundant index with DROP INDEX CONCURRENTLY, keeping the one it duplicates.",
        figures={"redundant_indexes": found, "redundant_bytes": wasted},
        subjects=[
            Subject(
                name=row["index"],
                detail=(
                    f"identical to {row['kept']}" if row["identical"] else f"a leading part of {row['kept']}"
                )
                + f" on {row['table_name']}; {size(row['bytes'])}",
            )
            for row in rows
        ],
        found=found,
    )


_UNUSED_INDEX_MIN_BYTES = 1024 * 1024  # smaller unused indexes cost too little to be worth a finding

_UNUSED_INDEXES = f"""
SELECT format('%I.%I', s.schemaname, s.indexrelname) AS index,
       format('%I.%I', s.schemaname, s.relname) AS table_name,
       pg_relation_size(s.indexrelid) AS bytes, count(*) OVER () AS found,
       (sum(pg_relation_size(s.indexrelid)) OVER ())::int8 AS total_bytes,
       (SELECT to_char(stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM pg_stat_database
        WHERE datname = current_database()) AS since
FROM pg_stat_user_indexes s
JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0 AND i.indisvalid AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = s.indexrelid)
  AND pg_relation_size(s.indexrelid) >= $1
ORDER BY bytes DESC, index
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("index", "unused_indexes")
async def _unused_indexes(database: Database) -> _Verdict:
    """Indexes of at least 1 MB never scanned since the statistics began (unique and constraint
    indexes are left out: they work without being scanned)."""
    rows = await database.fetch(_UNUSED_INDEXES, _UNUSED_INDEX_MIN_BYTES)
    found = _found(rows)
    if not found:
        return _Verdict("ok", f"No unused index of {size(_UNUSED_INDEX_MIN_BYTES)} or more.")
    since = rows[0]["since"]
    since_text = f"since the statistics were reset on {since}" if since else "since the statistics began"
    return _Verdict(
        "warning",
        f"{count(found, 'index', 'indexes')} of {size(_UNUSED_INDEX_MIN_BYTES)} or more never scanned "
        f"{since_text}: {size(rows[0]['total_bytes'])} in all.",
        action="Drop an index that nothing needs with DROP INDEX CONCURRENTLY; first make sure no replica "
        "(each server counts its own scans) and no rare job (a month-end report) uses it.",
        figures={"unused_indexes": found, "unused_bytes": rows[0]["total_bytes"]},
        subjects=[
            Subject(name=row["index"], detail=f"on {row['table_name']}; {size(row['bytes'])}") for row in rows
        ],
        found=found,
    )


_BLOAT_MIN_BYTES = 10 * 1024 * 1024
_BLOAT_MIN_SHARE = 0.3

# The size a B-tree would have if rebuilt now, estimated from its tuple count and the planner's
# column statistics: each leaf entry is a line pointer (4 bytes) and an index tuple (an 8-byte
# header, 16 with a null bitmap, then the columns' average widths) aligned to 8 bytes; leaf pages
# are filled to the index's fillfactor (90 by default) after the page header and B-tree special
# space (40 bytes); add the inner pages and the metapage. Deduplication (PostgreSQL 13+) can make a
# real index smaller than this, so the bloat found is a lower bound. Indexes on expressions, and on
# tables never analysed, have no statistics to estimate from and are left out.
_INDEX_BLOAT = f"""
WITH btree AS (
    SELECT c.oid, c.relpages, c.reltuples, i.indkey, i.indrelid,
           tn.nspname AS table_schema, t.relname AS table_relname,
           format('%I.%I', n.nspname, c.relname) AS index,
           format('%I.%I', tn.nspname, t.relname) AS table_name,
           coalesce((SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o
                     WHERE o.option_name = 'fillfactor'), 90) AS fillfactor
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree') AND i.indisvalid AND i.indexprs IS NULL
      AND c.reltuples >= 0 AND c.relpages > 1 AND {_USER_SCHEMA}
), entries AS (
    SELECT b.oid, 4 + ceil(((CASE WHEN bool_or(s.null_frac > 0) THEN 16 ELSE 8 END)
                            + sum((1 - s.null_frac) * s.avg_width)) / 8) * 8 AS entry_bytes
    FROM btree b
    CROSS JOIN LATERAL unnest(b.indkey::int2[]) AS k(attnum)
    JOIN pg_attribute a ON a.attrelid = b.indrelid AND a.attnum = k.attnum
    LEFT JOIN pg_stats s ON s.schemaname = b.table_schema AND s.tablename = b.table_relname
                        AND s.attname = a.attname AND NOT s.inherited
    GROUP BY b.oid
    HAVING count(s.attname) = count(*)
), estimates AS (
    SELECT b.index, b.table_name, b.relpages::int8 * bs.size AS bytes,
           greatest(b.relpages - (leaf.pages * (1 + e.entry_bytes / (bs.size - 40)) + 1), 0)::int8
               * bs.size AS wasted
    FROM btree b
    JOIN entries e ON e.oid = b.oid
    CROSS JOIN (SELECT current_setting('block_size')::int AS size) bs
    CROSS JOIN LATERAL (
        SELECT ceil(b.reltuples * e.entry_bytes / ((bs.size - 40) * b.fillfactor / 100.0)) AS pages
    ) leaf
)
SELECT index, table_name, bytes, wasted, count(*) OVER () AS found,
       (sum(wasted) OVER ())::int8 AS total_wasted
FROM estimates
WHERE wasted >= $1 AND wasted >= $2 * bytes
ORDER BY wasted DESC, index
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("index", "index_bloat")
async def _index_bloat(database: Database) -> _Verdict:
    """B-tree indexes with at least 10 MB and 30% of estimated empty space (after deletes, updates
    and page splits), which a rebuild would give back."""
    rows = await database.fetch(_INDEX_BLOAT, _BLOAT_MIN_BYTES, _BLOAT_MIN_SHARE)
    found = _found(rows)
    if not found:
        return _Verdict(
            "ok",
            f"No B-tree index has an estimated {size(_BLOAT_MIN_BYTES)} and {percent(_BLOAT_MIN_SHARE)} "
            "or more of bloat (estimated from planner statistics; indexes of tables never analysed are left "
            "out).",
        )
    return _Verdict(
        "warning",
        f"{count(found, 'B-tree index', 'B-tree indexes')} with an estimated "
        f"{size(rows[0]['total_wasted'])} of bloat in all (from planner statistics: a lower bound).",
        action="Rebuild each with REINDEX INDEX CONCURRENTLY (PostgreSQL 12+; needs room for the new "
        "copy); pgstattuple's pgstatindex() measures one exactly first.",
        figures={"bloated_indexes": found, "bloat_bytes": rows[0]["total_wasted"]},
        subjects=[
            Subject(
                name=row["index"],
                detail=f"on {row['table_name']}; about {size(row['wasted'])} of its {size(row['bytes'])} "
                f"({percent(row['wasted'] / row['bytes'])}) is bloat",
            )
            for row in rows
        ],
        found=found,
    )


# -- vacuum -----------------------------------------------------------------------------------------

_DEAD_MIN_ROWS = 1_000
_DEAD_MIN_SHARE = 0.1
_DEAD_CRITICAL_ROWS = 1_000_000
_DEAD_CRITICAL_SHARE = 0.5

# A table autovacuum should already have vacuumed: more dead rows than its trigger (the table's
# own autovacuum_vacuum_threshold + scale_factor x rows, or the server's), and enough of them.
_DEAD_TUPLES = f"""
SELECT format('%I.%I', s.schemaname, s.relname) AS table_name, s.n_live_tup AS live, s.n_dead_tup AS dead,
       to_char(greatest(s.last_vacuum, s.last_autovacuum) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
           AS vacuumed,
       o.trigger::int8 AS trigger,
       o.enabled AND current_setting('autovacuum')::bool AS autovacuum, count(*) OVER () AS found
FROM pg_stat_user_tables s
JOIN pg_class c ON c.oid = s.relid
CROSS JOIN LATERAL (
    SELECT coalesce(max(option_value) FILTER (WHERE option_name = 'autovacuum_enabled'), 'on')::bool
               AS enabled,
           coalesce(max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_threshold'),
                    current_setting('autovacuum_vacuum_threshold'))::float8
           + coalesce(max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_scale_factor'),
                      current_setting('autovacuum_vacuum_scale_factor'))::float8 * greatest(c.reltuples, 0)
               AS trigger
    FROM pg_options_to_table(c.reloptions)
) o
WHERE s.n_dead_tup > o.trigger AND s.n_dead_tup >= $1 AND s.n_dead_tup >= $2 * (s.n_live_tup + s.n_dead_tup)
ORDER BY s.n_dead_tup DESC, table_name
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("vacuum", "dead_tuples")
async def _dead_tuples(database: Database) -> _Verdict:
    """Tables with more dead rows than autovacuum's trigger, at least 1,000 and 10% of the table:
    autovacuum is off for them, behind, or held back by an old transaction."""
    rows = await database.fetch(_DEAD_TUPLES, _DEAD_MIN_ROWS, _DEAD_MIN_SHARE)
    found = _found(rows)
    if not found:
        return _Verdict("ok", "No table has more dead rows than autovacuum's trigger for it.")
    critical = any(
        row["dead"] >= _DEAD_CRITICAL_ROWS
        and row["dead"] >= _DEAD_CRITICAL_SHARE * (row["live"] + row["dead"])
        for row in rows
    )
    return _Verdict(
        "critical" if critical else "warning",
        f"{count(found, 'table')} past autovacuum's trigger for dead rows, with up to "
        f"{max(row['dead'] for row in rows):,} dead rows.",
        action="Run VACUUM (ANALYZE) on them. Where autovacuum is off, turn it back on; where it is behind, "
        "make it eager for the table (ALTER TABLE ... SET (autovacuum_vacuum_scale_factor = 0.02)) or raise "
        "autovacuum_vacuum_cost_limit. A long-open transaction (get_active_queries) keeps dead rows too.",
        figures={"tables": found},
        subjects=[Subject(name=row["table_name"], detail=_dead_detail(row)) for row in rows],
        found=found,
    )


def _dead_detail(row: CatalogRow) -> str:
    share = row["dead"] / max(row["live"] + row["dead"], 1)
    vacuumed = row["vacuumed"] or "never"
    return (
        f"{row['dead']:,} dead rows ({percent(share)}) beside {row['live']:,} live; autovacuum's trigger "
        f"is {row['trigger']:,}; last vacuumed {vacuumed}"
        + ("" if row["autovacuum"] else "; autovacuum is off for it")
    )


_XID_LIMIT = 2**31  # a transaction ID (and a multixact ID) wraps around after about 2.1 billion
_XID_CRITICAL_AGE = 1_200_000_000  # over half-way: PostgreSQL stops taking writes near the limit
_XID_WARNING_FACTOR = 2  # autovacuum freezes from autovacuum_freeze_max_age; twice that, it is not keeping up


def _age_status(age: int, freeze_max_age: int) -> Status:
    if age >= _XID_CRITICAL_AGE:
        return "critical"
    return "warning" if age >= _XID_WARNING_FACTOR * freeze_max_age else "ok"


_FREEZE_ACTION = (
    "Run VACUUM (FREEZE) on the oldest tables (they are listed by the table_wraparound check), one at a "
    "time. Anything that holds back the xmin horizon stops freezing: long-open or prepared transactions "
    "(get_active_queries, pg_prepared_xacts) and replication slots (the replication area)."
)

_DATABASE_AGES = """
SELECT d.datname AS name, age(d.datfrozenxid)::int8 AS xid_age, mxid_age(d.datminmxid)::int8 AS multixact_age,
       current_setting('autovacuum_freeze_max_age')::int8 AS freeze_max_age,
       current_setting('autovacuum_multixact_freeze_max_age')::int8 AS multixact_freeze_max_age
FROM pg_database d
ORDER BY greatest(age(d.datfrozenxid), mxid_age(d.datminmxid)) DESC, d.datname"""


@_check("vacuum", "database_wraparound")
async def _database_wraparound(database: Database) -> _Verdict:
    """How far each database of the server is on the way to transaction ID (and multixact ID)
    wraparound, against autovacuum_freeze_max_age."""
    rows = await database.fetch(_DATABASE_AGES)
    return _wraparound_verdict(rows, "database", "databases of the server")


_TABLE_AGES = f"""
SELECT format('%I.%I', n.nspname, c.relname) AS name, age(c.relfrozenxid)::int8 AS xid_age,
       mxid_age(c.relminmxid)::int8 AS multixact_age,
       current_setting('autovacuum_freeze_max_age')::int8 AS freeze_max_age,
       current_setting('autovacuum_multixact_freeze_max_age')::int8 AS multixact_freeze_max_age
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm', 't') AND c.relfrozenxid <> '0'::xid
ORDER BY greatest(age(c.relfrozenxid), mxid_age(c.relminmxid)) DESC, name
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("vacuum", "table_wraparound")
async def _table_wraparound(database: Database) -> _Verdict:
    """The oldest tables of this database (the catalogue's and TOAST tables included) on the way to
    wraparound: what holds the database's age up."""
    rows = await database.fetch(_TABLE_AGES)
    return _wraparound_verdict(rows, "table", "tables of this database")


def _wraparound_verdict(rows: Sequence[CatalogRow], noun: str, scope: str) -> _Verdict:
    """The verdict on `rows` (name, xid and multixact ages and their freeze limits), oldest first."""
    if not rows:
        return _Verdict("ok", f"No {scope} to check.")
    statuses = [
        worst([_age_status(row["xid_age"], row["freeze_max_age"]),
               _age_status(row["multixact_age"], row["multixact_freeze_max_age"])])
        for row in rows
    ]  # fmt: skip
    oldest = rows[0]
    figures: dict[str, Figure] = {
        f"oldest_{noun}": oldest["name"],
        "oldest_xid_age": oldest["xid_age"],
        "oldest_multixact_age": oldest["multixact_age"],
        "autovacuum_freeze_max_age": oldest["freeze_max_age"],
    }
    summary = (
        f"the oldest is {oldest['name']}, {oldest['xid_age']:,} transactions old "
        f"({percent(oldest['xid_age'] / _XID_LIMIT)} of the way to wraparound; autovacuum freezes from "
        f"{oldest['freeze_max_age']:,})"
    )
    concerned = [(row, status) for row, status in zip(rows, statuses, strict=True) if status != "ok"]
    if not concerned:
        return _Verdict("ok", f"Of the {scope}, {summary}.", figures=figures)
    return _Verdict(
        worst([status for _, status in concerned]),
        f"{count(len(concerned), noun)} past twice autovacuum_freeze_max_age or {_XID_CRITICAL_AGE:,}; "
        f"of the {scope}, {summary}.",
        action=_FREEZE_ACTION,
        figures=figures,
        subjects=[
            Subject(
                name=row["name"],
                detail=f"{row['xid_age']:,} transactions old ({percent(row['xid_age'] / _XID_LIMIT)} of the "
                f"way to wraparound), multixact age {row['multixact_age']:,}",
            )
            for row, _ in concerned
        ],
        found=len(concerned),
    )


# -- connection -------------------------------------------------------------------------------------

_CONNECTIONS_WARNING = 0.75
_CONNECTIONS_CRITICAL = 0.9

# Without pg_read_all_stats, other roles' sessions (and the background processes) show with their
# details, backend_type included, hidden: they are counted apart as `hidden`.
_CONNECTIONS = """
SELECT count(*) FILTER (WHERE backend_type = 'client backend') AS clients,
       count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active') AS active,
       count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle') AS idle,
       count(*) FILTER (WHERE backend_type = 'client backend' AND state LIKE 'idle in transaction%')
           AS idle_in_transaction,
       count(*) FILTER (WHERE backend_type IS NULL) AS hidden,
       current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int
           + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved
FROM pg_stat_activity"""


@_check("connection", "connections")
async def _connections(database: Database) -> _Verdict:
    """Client connections against max_connections (less the slots reserved for superusers), by state."""
    (row,) = await database.fetch(_CONNECTIONS)
    usable = max(row["max_connections"] - row["reserved"], 1)
    figures: dict[str, Figure] = {key: row[key] for key in row.keys()}  # noqa: SIM118 - a Record is no dict
    states = (
        f"{row['active']:,} active, {row['idle']:,} idle, {row['idle_in_transaction']:,} idle in transaction"
    )
    finding = (
        f"{row['clients']:,} client connections of the {usable:,} open to ordinary roles "
        f"(max_connections {row['max_connections']:,}, {row['reserved']:,} reserved): {states}."
    )
    use = row["clients"] / usable
    if row["hidden"]:
        finding += f" {count(row['hidden'], 'other process', 'other processes')} hidden from this role."
        if (row["clients"] + row["hidden"]) / usable >= _CONNECTIONS_WARNING:
            return _Verdict("unknown", finding, action=_MONITORING_ROLE, figures=figures)
    status: Status = (
        "critical" if use >= _CONNECTIONS_CRITICAL else "warning" if use >= _CONNECTIONS_WARNING else "ok"
    )
    return _Verdict(
        status,
        finding,
        action="Use a connection pooler (PgBouncer) or smaller application pools; close idle sessions "
        "(idle_session_timeout). Raising max_connections costs memory per connection and needs a restart.",
        figures=figures,
    )


_IDLE_IN_TRANSACTION_SECONDS = (
    300  # idle inside a transaction this long: locks and dead rows held for nothing
)
_OPEN_TRANSACTION_SECONDS = 3_600  # any transaction this long holds back vacuum

_LONG_TRANSACTIONS = f"""
SELECT h.hidden, l.*
FROM (SELECT count(*) FILTER (WHERE backend_type IS NULL) AS hidden FROM pg_stat_activity) h
LEFT JOIN LATERAL (
    SELECT pid, usename AS user, datname AS database, application_name, state,
           extract(epoch FROM now() - xact_start)::float8 AS transaction_seconds,
           extract(epoch FROM now() - state_change)::float8 AS state_seconds,
           left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS query, count(*) OVER () AS found
    FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
      AND ((state LIKE 'idle in transaction%' AND now() - state_change >= make_interval(secs => $1))
           OR now() - xact_start >= make_interval(secs => $2))
    ORDER BY xact_start
    LIMIT {MAX_SUBJECTS}
) l ON true"""  # noqa: S608 - our constants only


@_check("connection", "long_transactions")
async def _long_transactions(database: Database) -> _Verdict:
    """Sessions idle in a transaction for 5 minutes or more, or in one transaction for an hour or
    more: they hold their locks, and keep vacuum from removing dead rows and freezing."""
    rows = await database.fetch(_LONG_TRANSACTIONS, _IDLE_IN_TRANSACTION_SECONDS, _OPEN_TRANSACTION_SECONDS)
    hidden = rows[0]["hidden"]
    sessions = [row for row in rows if row["pid"] is not None]
    found = _found(sessions)
    unseen = f" ({count(hidden, 'process')} of other roles could not be seen)" if hidden else ""
    if not found:
        return _Verdict(
            "ok",
            f"No session idle in a transaction for {duration(_IDLE_IN_TRANSACTION_SECONDS)} or in one "
            f"transaction for {duration(_OPEN_TRANSACTION_SECONDS)}{unseen}.",
            figures={"hidden_processes": hidden},
        )
    abandoned = any(
        row["state"].startswith("idle in transaction")
        and row["transaction_seconds"] >= _OPEN_TRANSACTION_SECONDS
        for row in sessions
    )
    return _Verdict(
        "critical" if abandoned else "warning",
        f"{count(found, 'session')} with a transaction open too long, the oldest for "
        f"{duration(sessions[0]['transaction_seconds'])}{unseen}.",
        action="Have the application commit or roll back (an operator can end a session with "
        "pg_terminate_backend(pid)); set idle_in_transaction_session_timeout so abandoned ones end by "
        "themselves.",
        figures={"sessions": found, "hidden_processes": hidden},
        subjects=[
            Subject(
                name=f"pid {row['pid']}",
                detail=f"{row['user']} on {row['database']} ({row['application_name'] or 'no application'}): "
                f"{row['state']} for {duration(row['state_seconds'])}, transaction open "
                f"{duration(row['transaction_seconds'])}; last query: {row['query']}",
            )
            for row in sessions
        ],
        found=found,
    )


# -- buffer -----------------------------------------------------------------------------------------

_HIT_RATE_WARNING = 0.95
_HIT_RATE_CRITICAL = 0.8
_HIT_RATE_MIN_BLOCKS = 10_000  # fewer block reads than this say nothing about the cache
_HIT_RATE_SUBJECTS = 5

_CACHE_HITS = f"""
SELECT format('%I.%I', schemaname, relname) AS table_name,
       coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) AS blocks_read,
       coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0) AS blocks_hit,
       (sum(coalesce(heap_blks_hit, 0)) OVER ())::int8 AS heap_hit,
       (sum(coalesce(heap_blks_read, 0)) OVER ())::int8 AS heap_read,
       (sum(coalesce(idx_blks_hit, 0)) OVER ())::int8 AS index_hit,
       (sum(coalesce(idx_blks_read, 0)) OVER ())::int8 AS index_read
FROM pg_statio_user_tables
ORDER BY blocks_read DESC, table_name
LIMIT {_HIT_RATE_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("buffer", "cache_hit_rate")
async def _cache_hit_rate(database: Database) -> _Verdict:
    """The share of table and index block reads found in shared_buffers, since the statistics began."""
    rows = await database.fetch(_CACHE_HITS)
    if not rows:
        return _Verdict("ok", "No tables yet, so no cache statistics.")
    first = rows[0]
    rates = {kind: _hit_rate(first[f"{kind}_hit"], first[f"{kind}_read"]) for kind in ("heap", "index")}
    figures: dict[str, Figure] = {
        "table_hit_rate": rates["heap"], "index_hit_rate": rates["index"],
        "table_blocks_read": first["heap_read"], "index_blocks_read": first["index_read"],
    }  # fmt: skip
    shown = ", ".join(
        f"{label} {percent(rate)}" if rate is not None else f"{label}: too few reads to judge"
        for label, rate in (("tables", rates["heap"]), ("indexes", rates["index"]))
    )
    lowest = min((rate for rate in rates.values() if rate is not None), default=None)
    if lowest is None or lowest >= _HIT_RATE_WARNING:
        return _Verdict("ok", f"Cache hit rate: {shown}.", figures=figures)
    return _Verdict(
        "critical" if lowest < _HIT_RATE_CRITICAL else "warning",
        f"Cache hit rate below {percent(_HIT_RATE_WARNING)}: {shown}; most blocks read from disk or the "
        "OS cache come from the tables listed.",
        action="Give shared_buffers more memory if the server has it (a restart), or find the queries that "
        "read most (get_top_queries with sort_by='resources') and index or narrow them.",
        figures=figures,
        subjects=[
            Subject(
                name=row["table_name"],
                detail=f"{row['blocks_read']:,} blocks read outside shared_buffers; "
                f"{percent(row['blocks_hit'] / max(row['blocks_hit'] + row['blocks_read'], 1))} hit "
                "(table and indexes)",
            )
            for row in rows
            if row["blocks_read"]
        ],
    )


def _hit_rate(hit: int, read: int) -> float | None:
    total = hit + read
    return round(hit / total, 4) if total >= _HIT_RATE_MIN_BLOCKS else None


# -- sequence ---------------------------------------------------------------------------------------

_SEQUENCE_WARNING = 0.75
_SEQUENCE_CRITICAL = 0.9

# A sequence runs out at its own MAXVALUE (MINVALUE when descending) or, sooner, at the largest value
# of the integer column it feeds (serial, identity, OWNED BY): a bigint sequence behind an integer
# column fails at 2,147,483,647. Cycling sequences never run out and are left out.
_SEQUENCES = f"""
WITH sequences AS (
    SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name, q.seqincrement > 0 AS ascending,
           q.seqmax, q.seqmin, has_sequence_privilege(c.oid, 'SELECT,USAGE') AS readable
    FROM pg_sequence q
    JOIN pg_class c ON c.oid = q.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT q.seqcycle AND NOT pg_is_other_temp_schema(n.oid) AND {_USER_SCHEMA}
), columns AS (
    SELECT DISTINCT ON (d.objid) d.objid AS oid, format('%I.%I.%I', tn.nspname, t.relname, a.attname) AS name,
           format_type(a.atttypid, a.atttypmod) AS type,
           CASE a.atttypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647
                           WHEN 'int8'::regtype THEN 9223372036854775807 END AS type_max
    FROM pg_depend d
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    JOIN pg_class t ON t.oid = a.attrelid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    ORDER BY d.objid
), measured AS (
    SELECT s.name, s.readable, c.name AS column_name, c.type AS column_type, v.last_value, l.limit_value,
           l.limit_value IS DISTINCT FROM (CASE WHEN s.ascending THEN s.seqmax ELSE s.seqmin END)
               AS column_limits,
           v.last_value::float8 / nullif(l.limit_value, 0) AS used
    FROM sequences s
    LEFT JOIN columns c ON c.oid = s.oid
    CROSS JOIN LATERAL (SELECT CASE WHEN s.readable THEN pg_sequence_last_value(s.oid) END AS last_value) v
    CROSS JOIN LATERAL (
        SELECT CASE WHEN s.ascending THEN least(s.seqmax, coalesce(c.type_max, s.seqmax))
                    ELSE greatest(s.seqmin, coalesce(-c.type_max - 1, s.seqmin)) END AS limit_value
    ) l
)
SELECT t.sequences, t.unreadable, t.found, m.*
FROM (SELECT count(*) AS sequences, count(*) FILTER (WHERE NOT readable) AS unreadable,
             count(*) FILTER (WHERE used >= $1) AS found FROM measured) t
LEFT JOIN LATERAL (
    SELECT * FROM measured WHERE used >= $1 ORDER BY used DESC, name LIMIT {MAX_SUBJECTS}
) m ON true"""  # noqa: S608 - our constants only


@_check("sequence", "sequence_limits")
async def _sequence_limits(database: Database) -> _Verdict:
    """Sequences past 75% of the values they can give, counting the range of the column they feed."""
    rows = await database.fetch(_SEQUENCES, _SEQUENCE_WARNING)
    totals = rows[0]
    near = [row for row in rows if row["name"] is not None]
    figures: dict[str, Figure] = {"sequences": totals["sequences"], "unreadable": totals["unreadable"]}
    unread = (
        f" {count(totals['unreadable'], 'sequence')} could not be read (no SELECT or USAGE privilege)."
        if totals["unreadable"]
        else ""
    )
    if not near:
        return _Verdict(
            "ok",
            f"No sequence has used {percent(_SEQUENCE_WARNING)} of its values "
            f"({count(totals['sequences'], 'sequence')} checked).{unread}",
            figures=figures,
        )
    return _Verdict(
        "critical" if near[0]["used"] >= _SEQUENCE_CRITICAL else "warning",
        f"{count(totals['found'], 'sequence')} past {percent(_SEQUENCE_WARNING)} used, "
        f"the fullest at {percent(near[0]['used'])}: inserts fail when a sequence runs out.{unread}",
        action="Widen the column to bigint (ALTER TABLE ... ALTER COLUMN ... TYPE bigint rewrites the table "
        "under an exclusive lock) and the sequence (ALTER SEQUENCE ... AS bigint); where the sequence's own "
        "MAXVALUE is the limit, raise it (ALTER SEQUENCE ... MAXVALUE ...).",
        figures=figures,
        subjects=[Subject(name=row["name"], detail=_sequence_detail(row)) for row in near],
        found=totals["found"],
    )


def _sequence_detail(row: CatalogRow) -> str:
    limit = (
        f"the largest value of column {row['column_name']} ({row['column_type']})"
        if row["column_limits"]
        else "its own MAXVALUE"
        if row["limit_value"] > 0
        else "its own MINVALUE"
    )
    left = abs(row["limit_value"] - row["last_value"])
    return (
        f"at {row['last_value']:,} of {row['limit_value']:,} ({percent(row['used'])}), {left:,} values left; "
        f"the limit is {limit}"
    )


# -- constraint -------------------------------------------------------------------------------------

_INVALID_CONSTRAINTS = f"""
SELECT format('%I', k.conname) AS name, format('%I.%I', n.nspname, t.relname) AS table_name,
       CASE k.contype WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' ELSE k.contype::text END AS kind,
       left(pg_get_constraintdef(k.oid), 200) AS definition, count(*) OVER () AS found
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT k.convalidated AND {_USER_SCHEMA}
ORDER BY table_name, name
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only


@_check("constraint", "invalid_constraints")
async def _invalid_constraints(database: Database) -> _Verdict:
    """Constraints added NOT VALID and never validated: new rows are checked, older ones may break them."""
    rows = await database.fetch(_INVALID_CONSTRAINTS)
    found = _found(rows)
    if not found:
        return _Verdict("ok", "Every constraint is validated.")
    return _Verdict(
        "warning",
        f"{count(found, 'NOT VALID constraint')}: the rows written before such a constraint was added were "
        "never checked, and the planner cannot rely on it.",
        action="Validate each with ALTER TABLE ... VALIDATE CONSTRAINT ... (it takes a SHARE UPDATE "
        "EXCLUSIVE lock, so writes go on); if that fails, fix the rows it names first.",
        figures={"invalid_constraints": found},
        subjects=[
            Subject(name=f"{row['table_name']}.{row['name']}", detail=f"{row['kind']}: {row['definition']}")
            for row in rows
        ],
        found=found,
    )


# -- replication ------------------------------------------------------------------------------------

_LAG_WARNING_SECONDS = 60
_LAG_CRITICAL_SECONDS = 900
_LAG_WARNING_BYTES = 1024**3
_LAG_CRITICAL_BYTES = 16 * 1024**3

# On a standby, how far replay is behind what it received; on a primary (or a cascading standby),
# each replica's position. pg_current_wal_lsn() fails during recovery, hence the CASEs.
_REPLICATION = f"""
SELECT pg_is_in_recovery() AS standby,
       CASE WHEN pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::int8
       END AS replay_backlog,
       CASE WHEN pg_is_in_recovery() THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
       END AS replayed_seconds_ago,
       r.*
FROM (SELECT 1) one
LEFT JOIN LATERAL (
    SELECT coalesce(nullif(application_name, ''), client_addr::text, 'pid ' || pid) AS replica,
           state, sync_state,
           CASE WHEN NOT pg_is_in_recovery() THEN pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::int8
           END AS behind_bytes,
           extract(epoch FROM replay_lag)::float8 AS lag_seconds, count(*) OVER () AS found
    FROM pg_stat_replication
    ORDER BY behind_bytes DESC NULLS FIRST
    LIMIT {MAX_SUBJECTS}
) r ON true"""  # noqa: S608 - our constants only


def _lag_status(behind_bytes: int | None, lag_seconds: float | None) -> Status:
    if behind_bytes is None and lag_seconds is None:
        return "ok"
    if (behind_bytes or 0) >= _LAG_CRITICAL_BYTES or (lag_seconds or 0) >= _LAG_CRITICAL_SECONDS:
        return "critical"
    if (behind_bytes or 0) >= _LAG_WARNING_BYTES or (lag_seconds or 0) >= _LAG_WARNING_SECONDS:
        return "warning"
    return "ok"


@_check("replication", "replication_lag")
async def _replication_lag(database: Database) -> _Verdict:
    """On a standby, how far replay is behind; on a primary, how far each connected replica is."""
    rows = await database.fetch(_REPLICATION)
    first = rows[0]
    replicas = [row for row in rows if row["replica"] is not None]
    if first["standby"]:
        return _standby_verdict(first["replay_backlog"], first["replayed_seconds_ago"], len(replicas))
    if not replicas:
        return _Verdict("ok", "A primary with no replica connected.", figures={"replicas": 0})
    figures: dict[str, Figure] = {"replicas": _found(replicas)}
    if any(row["behind_bytes"] is None for row in replicas):
        return _Verdict(
            "unknown",
            f"{count(_found(replicas), 'replica')} connected, whose positions are hidden from this role.",
            action=_MONITORING_ROLE,
            figures=figures,
        )
    statuses: list[Status] = [
        "warning" if row["state"] != "streaming" else _lag_status(row["behind_bytes"], row["lag_seconds"])
        for row in replicas
    ]
    return _Verdict(
        worst(statuses),
        f"{count(_found(replicas), 'replica')} connected; the furthest behind is "
        f"{size(replicas[0]['behind_bytes'])} of WAL behind.",
        action="A replica far behind or not streaming: check its network, disk and load, and its own logs; "
        "a replica that is too slow also holds WAL (and, with hot_standby_feedback, dead rows) on the "
        "primary.",
        figures=figures,
        subjects=[
            Subject(
                name=row["replica"],
                detail=f"{row['state']} ({row['sync_state']}), {size(row['behind_bytes'])} behind"
                + (f", replay lag {duration(row['lag_seconds'])}" if row["lag_seconds"] is not None else ""),
            )
            for row in replicas
        ],
        found=_found(replicas),
    )


def _standby_verdict(backlog: int | None, seconds_ago: float | None, replicas: int) -> _Verdict:
    caught_up = backlog == 0
    lag = None if caught_up else seconds_ago  # a caught-up standby of an idle primary replays nothing
    status = _lag_status(backlog, lag)
    finding = (
        "A standby that has replayed all the WAL it received."
        if caught_up
        else f"A standby {size(backlog or 0)} of received WAL behind"
        + (
            f"; it last replayed a transaction {duration(seconds_ago)} ago."
            if seconds_ago is not None
            else "."
        )
    )
    return _Verdict(
        status,
        finding,
        action="Replay is slow or stalled: check the standby's disk and CPU, and whether queries on it "
        "conflict with replay (max_standby_streaming_delay).",
        figures={"standby": True, "replay_backlog_bytes": backlog, "replicas": replicas},
    )


_SLOTS = f"""
SELECT slot_name AS name, slot_type, database, active, temporary, wal_status,
       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
                            ELSE pg_current_wal_lsn() END, restart_lsn)::int8 AS retained_bytes,
       count(*) OVER () AS found
FROM pg_replication_slots
ORDER BY active, retained_bytes DESC NULLS LAST, slot_name
LIMIT {MAX_SUBJECTS}"""  # noqa: S608 - our constants only

_SLOT_RETAINED_CRITICAL = 16 * 1024**3


def _slot_status(row: CatalogRow) -> Status:
    if row["wal_status"] in ("lost", "unreserved") or (row["retained_bytes"] or 0) >= _SLOT_RETAINED_CRITICAL:
        return "critical"
    return "ok" if row["active"] or row["temporary"] else "warning"


@_check("replication", "replication_slots")
async def _replication_slots(database: Database) -> _Verdict:
    """Replication slots: an inactive one keeps every WAL file (and old rows, for logical ones) its
    consumer has not confirmed, until the disk fills; a lost one can no longer be resumed."""
    rows = await database.fetch(_SLOTS)
    found = _found(rows)
    if not found:
        return _Verdict("ok", "No replication slots.", figures={"slots": 0})
    statuses = [_slot_status(row) for row in rows]
    concerned = [row for row, status in zip(rows, statuses, strict=True) if status != "ok"]
    retained = max((row["retained_bytes"] or 0) for row in rows)
    return _Verdict(
        worst(statuses),
        f"{count(found, 'replication slot')}, {len(concerned):,} of them inactive or losing WAL; "
        f"the most WAL one retains is {size(retained)}.",
        action="Drop a slot nothing will use again (SELECT pg_drop_replication_slot(name)); otherwise bring "
        "its consumer back. A lost slot cannot be resumed: drop it and set up its replica again. "
        "max_slot_wal_keep_size caps what a slot may retain.",
        figures={"slots": found, "concerning": len(concerned), "most_retained_bytes": retained},
        subjects=[Subject(name=row["name"], detail=_slot_detail(row)) for row in rows],
        found=found,
    )


def _slot_detail(row: CatalogRow) -> str:
    kind = f"{row['slot_type']}" + (f" on {row['database']}" if row["database"] else "")
    state = "active" if row["active"] else "inactive"
    retained = "" if row["retained_bytes"] is None else f", retains {size(row['retained_bytes'])} of WAL"
    return (
        f"{kind}, {state}"
        + (", temporary" if row["temporary"] else "")
        + f", WAL {row['wal_status']}"
        + retained
    )
