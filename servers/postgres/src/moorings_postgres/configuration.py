"""PostgreSQL's run-time settings as pg_settings has them: what get_settings reports.

A call names settings, or gives part of a name, or neither: then the settings that matter most for
performance (`KEY_SETTINGS`) are listed whether changed or not, followed by every other setting
changed from its built-in default. Values read as SHOW writes them ("128MB", "5min"), defaults too.

The server's own connection sets a few settings for itself (its statement timeout, a read-only
transaction, its client encoding): those are not the server's configuration. A setting its session
changed is shown with the value a new session starts with; one its client set is not "changed".
Settings reserved to superusers and pg_read_all_settings (shared_preload_libraries, data_directory,
...) are absent from pg_settings for other roles: the result says when this role cannot see them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from pydantic import Field

from moorings_core import NotFound, Output
from moorings_postgres.database import CatalogRow, Database

__all__ = ["KEY_SETTINGS", "Setting", "SettingList", "settings"]

KEY_SETTINGS = (
    # memory
    "shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem", "huge_pages",
    # connections and the libraries loaded at start
    "max_connections", "shared_preload_libraries",
    # the planner
    "random_page_cost", "seq_page_cost", "effective_io_concurrency", "default_statistics_target", "jit",
    # parallel work
    "max_worker_processes", "max_parallel_workers", "max_parallel_workers_per_gather",
    "max_parallel_maintenance_workers",
    # WAL and checkpoints
    "wal_buffers", "min_wal_size", "max_wal_size", "checkpoint_timeout", "checkpoint_completion_target",
    # autovacuum
    "autovacuum", "autovacuum_max_workers", "autovacuum_naptime", "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_cost_limit", "autovacuum_freeze_max_age",
    # timeouts and what is measured
    "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "track_io_timing",
    "log_min_duration_statement",
)  # fmt: skip
"""The settings listed whenever a call names none: memory, planner costs, parallelism, WAL and
checkpoints, autovacuum, timeouts."""


class Setting(Output):
    name: str
    value: str = Field(description="The current value, as SHOW writes it (128MB, 5min).")
    default: str | None = Field(None, description="PostgreSQL's built-in default, written the same way.")
    changed: bool = Field(description="Whether it was set anywhere (configuration file, command line, ...).")
    source: str = Field(
        description="Where the value comes from: default, configuration file, database, user, ...; "
        "session start when this server's own session changed it (the value shown is a new session's)."
    )
    restart_to_change: bool = Field(description="Whether a new value needs a restart of PostgreSQL.")
    pending_restart: bool = Field(description="Changed in the configuration file, waiting for a restart.")
    category: str
    description: str


class SettingList(Output):
    settings: list[Setting]
    unknown: dict[str, list[str]] = Field(
        default_factory=dict, description="Names asked for that no setting has, each with the closest names."
    )
    matching_unchanged: int = Field(
        0, description="Settings whose name contains the pattern but left out as unchanged (changed_only)."
    )
    all_visible: bool = Field(
        description="False when this role cannot see the settings reserved to superusers and "
        "pg_read_all_settings (shared_preload_libraries, data_directory, ...)."
    )


# $1 names asked for (null: none), $2 part of a name (null: none), $3 changed only, $4 the key settings.
_SETTINGS = """
WITH chosen AS (
    SELECT s.name, s.unit, s.boot_val, s.context, s.pending_restart, s.category, s.short_desc,
           CASE WHEN s.source = 'session' THEN s.reset_val END AS session_start,
           CASE s.source WHEN 'session' THEN 'session start' ELSE s.source END AS source,
           CASE s.source WHEN 'session' THEN s.reset_val IS DISTINCT FROM s.boot_val
                         WHEN 'client' THEN false
                         ELSE s.source NOT IN ('default', 'override') END AS changed
    FROM pg_settings s
)
SELECT v.all_visible, v.matching_unchanged, c.*
FROM (
    SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           OR pg_has_role(current_user, 'pg_read_all_settings', 'MEMBER') AS all_visible,
           count(*) FILTER (WHERE strpos(name, lower($2)) > 0 AND $3 AND NOT changed) AS matching_unchanged
    FROM chosen
) v
LEFT JOIN LATERAL (
    SELECT name, current_setting(name) AS value, session_start, boot_val, unit, changed, source,
           context = 'postmaster' AS restart_to_change, pending_restart, category, short_desc AS description
    FROM chosen
    WHERE CASE WHEN $1::text[] IS NULL AND $2::text IS NULL THEN name = ANY ($4) OR changed OR NOT $3
               ELSE coalesce(lower(name) = ANY ($1), false)
                    OR coalesce(strpos(name, lower($2)) > 0 AND (changed OR NOT $3), false) END
    ORDER BY name <> ALL ($4), name
) c ON true"""


async def settings(
    database: Database, *, names: Sequence[str] | None, pattern: str | None, changed_only: bool
) -> SettingList:
    """The settings named, or whose name contains `pattern` (changed ones only, if `changed_only`),
    or, with neither, the key settings and every other one changed (or all, unless `changed_only`).

    Raises NotFound, with the closest names, when `names` alone were asked for and none exists."""
    wanted = sorted({name.strip().lower() for name in names}) if names else None
    rows = await database.fetch(_SETTINGS, wanted, pattern, changed_only, list(KEY_SETTINGS))
    found = [_setting(row) for row in rows if row["name"] is not None]
    unknown = sorted(set(wanted or ()) - {setting.name for setting in found})
    close = await _closest(database, unknown) if unknown else {}
    if wanted and not found and pattern is None:
        raise NotFound(
            "PostgreSQL has no setting named "
            + "; ".join(_unknown_text(name, matches) for name, matches in close.items())
            + ".",
            hint="Setting names are like work_mem; pass `pattern` (part of a name) to search them.",
        )
    return SettingList(
        settings=found,
        unknown=close,
        matching_unchanged=rows[0]["matching_unchanged"],
        all_visible=rows[0]["all_visible"],
    )


def _setting(row: CatalogRow) -> Setting:
    session_start = row["session_start"]
    return Setting(
        name=row["name"],
        value=row["value"] if session_start is None else with_unit(session_start, row["unit"]),
        default=None if row["boot_val"] is None else with_unit(row["boot_val"], row["unit"]),
        changed=row["changed"],
        source=row["source"],
        restart_to_change=row["restart_to_change"],
        pending_restart=row["pending_restart"],
        category=row["category"],
        description=row["description"],
    )


async def _closest(database: Database, unknown: list[str]) -> dict[str, list[str]]:
    every = [row["name"] for row in await database.fetch("SELECT name FROM pg_settings")]
    return {name: difflib.get_close_matches(name, every, n=3, cutoff=0.6) for name in unknown}


def _unknown_text(name: str, matches: list[str]) -> str:
    return f"{name!r}" + (f" (did you mean {', '.join(matches)}?)" if matches else "")


# -- values with their units, as SHOW writes them --------------------------------------------------

_BYTES = {"B": 1, "kB": 1024, "8kB": 8192, "MB": 1024**2, "16MB": 16 * 1024**2}
_BYTE_UNITS = (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("kB", 1024), ("B", 1))
_MILLISECONDS = {"ms": 1, "s": 1000, "min": 60_000}
_TIME_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000), ("ms", 1))


def with_unit(value: str, unit: str | None) -> str:
    """A setting's raw value in its base unit (pg_settings' unit) as SHOW writes it: the largest unit
    it is a whole number of ("131072" of "8kB" is "1GB"); values without a unit, or not whole
    numbers, or zero and below (often "off" or "automatic"), as they are."""
    if unit is None or not re.fullmatch(r"[1-9]\d*", value):
        return value
    if unit in _BYTES:
        amount, units = int(value) * _BYTES[unit], _BYTE_UNITS
    elif unit in _MILLISECONDS:
        amount, units = int(value) * _MILLISECONDS[unit], _TIME_UNITS
    else:
        return f"{value}{unit}"
    name, size = next((name, size) for name, size in units if amount % size == 0)
    return f"{amount // size}{name}"
