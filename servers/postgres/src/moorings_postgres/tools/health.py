"""The diagnostic tools: analyze_db_health, get_top_queries, get_active_queries, get_locks, get_settings.

Each runs the server's own fixed queries over PostgreSQL's catalogue and statistics views (the
`health`, `query_stats`, `activity` and `configuration` modules), in read-only transactions, and
answers with a text a model reads and the same facts as structured content. Every list is bounded:
what does not fit the output budget is left out of both, counted, with how to ask for less.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, MooringsServer, Output, tool_result
from moorings_core.limits import truncate_text
from moorings_core.paging import room_for_items
from moorings_core.sql.formats import Rendered
from moorings_postgres import activity, configuration, health, query_stats
from moorings_postgres.database import Database
from moorings_postgres.databases import Databases
from moorings_postgres.tools.arguments import ConnectionName
from moorings_postgres.units import count, duration, percent

__all__ = ["HealthReport", "register"]

HealthType = Literal[health.Area, "all"]

_TEXT_QUERY_CHARS = 500  # a statement in the text; the structured content keeps more


class HealthReport(Output):
    connection: str = Field(description="The connection the checks ran on.")
    status: health.Status = Field(description="The worst status of the checks.")
    checks: list[health.Check] = Field(description="Critical first, then warnings, unknown and ok.")
    unlisted_checks: int = Field(0, description="Checks left out to fit the output budget.")


def register(server: MooringsServer, databases: Databases) -> None:
    budget = room_for_items(server.settings.max_output_chars)

    @server.tool(title="Analyze database health", read_only=True)
    async def analyze_db_health(
        health_type: Annotated[
            str | list[HealthType],
            Field(
                description="Which checks to run: one area, several as a list or comma-separated "
                "('index,vacuum'), or 'all'. Areas: index (invalid, duplicate, unused and bloated "
                "indexes), vacuum (dead rows, transaction ID wraparound), connection (use of "
                "max_connections, long-open transactions), buffer (cache hit rate), sequence "
                "(sequences near their limit), constraint (NOT VALID constraints), replication "
                "(replica lag, replication slots)."
            ),
        ] = "all",
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, HealthReport]:
        """Check the database's health and say what to fix: each check is ok, warning, critical, or
        unknown (it could not run, e.g. for want of privileges), with a one-line finding and its
        numbers, what to do, and the objects concerned (the worst first).

        Index checks cover this database; wraparound and connections the whole server. Findings
        rest on PostgreSQL's statistics since they were last reset. Nothing is changed: the
        suggested statements are for the user or an operator to run.
        """
        database = databases.get(connection)
        checks = await health.run_checks(database, _areas(health_type))
        checks.sort(key=lambda check: -health.SEVERITY[check.status])  # the worst first
        blocks = [_check_text(check) for check in checks]
        statuses = [check.status for check in checks]
        summary = ", ".join(f"{statuses.count(status)} {status}" for status in dict.fromkeys(statuses))
        head = f"Health of {database.dsn.shown} (connection {database.name}): {summary}.\n\n"
        shown, text = _fit(head, blocks, budget, "check", "ask for fewer areas with health_type")
        report = HealthReport(
            connection=database.name,
            status=health.worst([check.status for check in checks]),
            checks=checks[:shown],
            unlisted_checks=len(checks) - shown,
        )
        return tool_result(text, report)

    @server.tool(title="Get top queries", read_only=True)
    async def get_top_queries(
        sort_by: Annotated[
            query_stats.SortKey,
            Field(
                description="total_time: most execution time in all; mean_time: slowest per call; "
                "calls: most often run; rows: most rows returned or changed; resources: most I/O "
                "(shared and temporary blocks hit, read, dirtied and written)."
            ),
        ] = "total_time",
        limit: Annotated[int, Field(ge=1, le=100, description="How many statements to list.")] = 10,
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, query_stats.TopQueries]:
        """List the statements of this database that cost most, from the pg_stat_statements
        extension: calls, total and mean execution time, rows, share of all time, cache hits.

        Statements are normalised (constants become $1, $2, ...); figures count since the
        statistics were last reset. When the extension is not installed, not created in this
        database, or not loaded at start (shared_preload_libraries), the call fails with what an
        operator must do; then use get_active_queries to see what runs now.
        """
        database = databases.get(connection)
        result = await query_stats.top_queries(database, sort_by=sort_by, limit=limit)
        blocks = [_top_query_text(rank, query) for rank, query in enumerate(result.queries, 1)]
        shown, text = _fit(_top_queries_head(result), blocks, budget, "statement", "pass a smaller limit")
        return tool_result(text, result.model_copy(update={"queries": result.queries[:shown]}))

    @server.tool(title="Get active queries", read_only=True)
    async def get_active_queries(
        min_duration_seconds: Annotated[
            float,
            Field(
                ge=0,
                description="Only sessions in their current state for at least this long (for an "
                "active one: its query has run this long).",
            ),
        ] = 0,
        include_idle: Annotated[
            bool, Field(description="Also list idle sessions (connected, no transaction open).")
        ] = False,
        all_databases: Annotated[
            bool, Field(description="List sessions of every database of the server, not only this one.")
        ] = False,
        limit: Annotated[int, Field(ge=1, le=200, description="Most sessions to list.")] = 50,
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, activity.SessionList]:
        """List what the other sessions of this database are doing now (pg_stat_activity): pid,
        user, application, state, what each waits for, how long, its statement, and who blocks
        whom (pg_blocking_pids). The longest in their state come first.

        A session that blocks a listed one is always listed too, whatever its state. For the
        locks themselves (what is waited for, what the blockers hold) use get_locks. Without
        pg_read_all_stats, other roles' sessions are only counted.
        """
        database = databases.get(connection)
        found = await activity.sessions(
            database,
            min_seconds=min_duration_seconds,
            include_idle=include_idle,
            all_databases=all_databases,
            limit=limit,
        )
        where = "every database" if all_databases else _this_database(database)
        head = _sessions_head(found, where, include_idle=include_idle, min_seconds=min_duration_seconds)
        blocks = [_session_text(session) for session in found.sessions]
        narrow = "raise min_duration_seconds or lower limit"
        shown, text = _fit(head, blocks, budget, "session", narrow, total=found.matching)
        return tool_result(text, found.model_copy(update={"sessions": found.sessions[:shown]}))

    @server.tool(title="Get locks", read_only=True)
    async def get_locks(
        all_databases: Annotated[
            bool, Field(description="Show the waits of sessions of every database, not only this one's.")
        ] = False,
        limit: Annotated[int, Field(ge=1, le=200, description="Most waiting lock requests to list.")] = 50,
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, activity.LockReport]:
        """Show lock contention: every lock request this database's sessions wait on (who waits,
        for what object and lock mode, for how long, and which sessions it waits for, with the
        modes they hold), and the blocking sessions, the root blockers (not waiting themselves) first.

        Ending or committing a root blocker's transaction frees its chain. This tool never cancels
        or terminates anything.
        """
        database = databases.get(connection)
        report = await activity.lock_waits(database, all_databases=all_databases, limit=limit)
        where = "any database" if all_databases else _this_database(database)
        # Both lists are bounded by `limit`; only their text may need cutting to the budget.
        cut = truncate_text(_locks_text(report, where), budget, how_to_continue="pass a smaller limit")
        return tool_result(cut.text, report)

    @server.tool(title="Get settings", read_only=True)
    async def get_settings(
        names: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
            Field(max_length=100, description="Settings by name, e.g. ['work_mem', 'shared_buffers']."),
        ] = None,
        pattern: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=100,
                description="Part of a setting name: 'autovacuum', 'wal', 'timeout'; case does not matter.",
            ),
        ] = None,
        changed_only: Annotated[
            bool,
            Field(
                description="List only settings changed from PostgreSQL's built-in default (those named "
                "in `names`, and with no filter the key performance settings, are listed anyway)."
            ),
        ] = True,
        connection: ConnectionName = None,
    ) -> Annotated[types.CallToolResult, configuration.SettingList]:
        """Show PostgreSQL's run-time settings (pg_settings): value, built-in default, where the
        value comes from, whether a change needs a restart, and what the setting does.

        With no `names` or `pattern`, the key performance settings (shared_buffers,
        effective_cache_size, work_mem, maintenance_work_mem, max_connections, random_page_cost,
        WAL, checkpoint, autovacuum and parallelism settings, timeouts) come first, then every
        other setting changed from its default (all of them with changed_only=false).
        """
        database = databases.get(connection)
        found = await configuration.settings(
            database, names=names, pattern=pattern, changed_only=changed_only
        )
        blocks = [_setting_text(setting) for setting in found.settings]
        head = _settings_head(found, names=names, pattern=pattern, changed_only=changed_only)
        shown, text = _fit(head, blocks, budget, "setting", "pass names or a pattern")
        return tool_result(text, found.model_copy(update={"settings": found.settings[:shown]}))


# -- arguments --------------------------------------------------------------------------------------


def _this_database(database: Database) -> str:
    return f"database {database.dsn.database}" if database.dsn.database else "this database"


def _areas(health_type: str | list[HealthType]) -> list[health.Area]:
    """The areas `health_type` names: a list, or a comma-separated string (as Postgres MCP Pro takes it)."""
    named = health_type.split(",") if isinstance(health_type, str) else list(health_type)
    wanted = {name.strip().lower() for name in named if name.strip()}
    unknown = sorted(wanted - {*health.AREAS, "all"})
    if unknown or not wanted:
        raise InvalidInput(
            f"Unknown health_type {', '.join(map(repr, unknown)) or repr(health_type)}.",
            hint=f"Use one or more of: {', '.join(health.AREAS)}, or all.",
        )
    return list(health.AREAS) if "all" in wanted else [area for area in health.AREAS if area in wanted]


# -- text -------------------------------------------------------------------------------------------


def _fit(
    head: str, blocks: Sequence[str], budget: int, noun: str, narrow: str, *, total: int | None = None
) -> tuple[int, str]:
    """How many of `blocks` fit in `budget` after `head`, and the text: a note counts the rest."""
    rendered = Rendered(head, list(blocks), "\n", "")
    shown = rendered.fitting(budget) if blocks else 0
    text = rendered.text(shown).rstrip()
    left = (len(blocks) if total is None else total) - shown
    if left > 0:
        text += f"\n\n[{left:,} more {noun}{'' if left == 1 else 's'} not shown: {narrow}.]"
    return shown, text


def _one_line(text: str | None, limit: int = _TEXT_QUERY_CHARS) -> str:
    flat = re.sub(r"\s+", " ", text or "").strip()
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _check_text(check: health.Check) -> str:
    line = f"{check.status.upper()} {check.name} ({check.area}): {check.finding}"
    if check.status == "ok" and not check.subjects:
        return line
    lines = [line]
    lines += [f"  - {subject.name}: {subject.detail}" for subject in check.subjects]
    if check.unlisted:
        lines.append(f"  - … and {check.unlisted:,} more")
    if check.action:
        lines.append(f"  What to do: {check.action}")
    return "\n".join(lines) + "\n"


def _sessions_head(found: activity.SessionList, where: str, *, include_idle: bool, min_seconds: float) -> str:
    head = f"{count(found.matching, 'other session')} of {where}"
    if not include_idle:
        head += " (idle ones left out)"
    if min_seconds:
        head += f" in their state for {duration(min_seconds)} or more"
    if found.hidden:
        head += f"; {count(found.hidden, 'process', 'processes')} of other roles hidden from this role"
    return head + (":\n\n" if found.sessions else ".")


def _top_queries_head(result: query_stats.TopQueries) -> str:
    if not result.queries:
        why = (
            " (pg_stat_statements.track is none: nothing is recorded)"
            if result.track == "none"
            else ": none has run since the statistics were reset"
        )
        return f"pg_stat_statements {result.extension_version} has no statements for this database{why}."
    since = f", since {result.since[:16].replace('T', ' ')} UTC" if result.since else ""
    hidden = f"; {result.hidden:,} of other roles have their text hidden" if result.hidden else ""
    order = result.sort_by.replace("_", " ")
    return (
        f"Top {len(result.queries):,} of {result.statements:,} statements of this database by {order} "
        f"(pg_stat_statements {result.extension_version}{since}){hidden}:\n\n"
    )


def _top_query_text(rank: int, query: query_stats.TopQuery) -> str:
    share = f", {percent(query.share_of_time)} of all time" if query.share_of_time is not None else ""
    touched = query.shared_blocks_hit + query.shared_blocks_read
    hits = f"; {percent(query.shared_blocks_hit / touched)} of blocks from cache" if touched else ""
    return (
        f"{rank}. {query.total_time_ms:,.1f} ms over {query.calls:,} calls "
        f"({query.mean_time_ms:,.2f} ms each){share}; {query.rows:,} rows{hits}; user {query.user}\n"
        f"   {_one_line(query.query)}\n"
    )


def _session_text(session: activity.Session) -> str:
    facts = [f"pid {session.pid}", session.user or "?", session.application or "no application"]
    if session.backend_type != "client backend":
        facts.append(session.backend_type)
    state = session.state + (
        f" for {duration(session.state_seconds)}" if session.state_seconds is not None else ""
    )
    if session.transaction_seconds is not None:
        state += f" (transaction open {duration(session.transaction_seconds)})"
    facts.append(state)
    if session.wait_event:
        facts.append(f"waiting on {session.wait_event}")
    if session.blocked_by:
        facts.append(f"blocked by {', '.join(map(str, session.blocked_by))}")
    if session.blocking:
        facts.append(f"blocks {', '.join(map(str, session.blocking))}")
    return " · ".join(facts) + f"\n  {_one_line(session.query)}\n"


def _locks_text(report: activity.LockReport, where: str) -> str:
    if not report.waits:
        return f"No session of {where} is waiting for a lock."
    roots = [blocker for blocker in report.blockers if not blocker.blocked_by]
    lines = [
        f"{count(report.waiting, 'lock request')} waiting in {where}; {count(len(roots), 'root blocker')} "
        "(holding up the others without waiting themselves).",
        "",
        "Blocking sessions, root blockers first:",
    ]
    lines += [f"- {_session_text(blocker).rstrip()}" for blocker in report.blockers]
    lines += ["", "Waiting:"]
    for wait in report.waits:
        held = ", ".join(f"pid {lock.pid} holds {lock.mode}" for lock in wait.holders)
        waited = f" for {duration(wait.waiting_seconds)}" if wait.waiting_seconds is not None else ""
        lines.append(
            f"- pid {wait.pid} ({wait.user or '?'}) wants {wait.mode} on {wait.target}{waited}; waits for "
            f"{', '.join(map(str, wait.blocked_by)) or 'nothing now'}" + (f" ({held})" if held else "")
        )
        lines.append(f"  {_one_line(wait.query)}")
    if report.waiting > len(report.waits):
        lines.append(f"[{report.waiting - len(report.waits):,} more waiting: pass a larger limit.]")
    lines += [
        "",
        "An operator can cancel a blocker's statement with pg_cancel_backend(pid), or end its session with "
        "pg_terminate_backend(pid); this server does neither.",
    ]
    return "\n".join(lines)


def _settings_head(
    found: configuration.SettingList, *, names: list[str] | None, pattern: str | None, changed_only: bool
) -> str:
    notes = []
    for name, close in found.unknown.items():
        notes.append(
            f"No setting named {name!r}" + (f" (did you mean {', '.join(close)}?)." if close else ".")
        )
    if pattern is not None and found.matching_unchanged:
        notes.append(
            f"{found.matching_unchanged:,} more settings contain {pattern!r} but are at their defaults: "
            "pass changed_only=false to list them."
        )
    if not found.all_visible:
        notes.append(
            "Settings reserved to superusers and pg_read_all_settings (shared_preload_libraries, "
            "data_directory, ...) are hidden from this role."
        )
    changed = " changed from its default" if changed_only else ""
    if names is None and pattern is None:
        what = f"Key performance settings, then every other setting{changed}"
    elif pattern is None:
        what = "The settings named"
    else:
        what = ("Settings named, or" if names else "Settings") + f" whose name contains {pattern!r}"
        what += ", changed from their defaults" if changed_only else ""
    if not found.settings:
        what = f"No setting{' named, or' if names else ''} whose name contains {pattern!r}{changed}"
    return "\n".join([*notes, what + (":\n\n" if found.settings else ".")])


def _setting_text(setting: configuration.Setting) -> str:
    facts = [f"default {setting.default!r}" if setting.default is not None else "no default", setting.source]
    if setting.restart_to_change:
        facts.append("a change needs a restart")
    if setting.pending_restart:
        facts.append("PENDING RESTART: a new value waits for one")
    return f"{setting.name} = {setting.value!r} ({'; '.join(facts)}): {setting.description}"
