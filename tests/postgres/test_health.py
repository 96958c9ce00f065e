"""The diagnostic tools through the SDK client, on conditions made for real in a fresh database:
redundant, invalid, unused and bloated indexes, NOT VALID constraints, sequences near their limit,
dead rows autovacuum left, sessions blocking each other, pg_stat_statements missing or not loaded,
and a role that may not see other roles' sessions.

Nothing here waits for time to pass: a blocked session is waited for until PostgreSQL reports it
waiting, and every lock wait is bounded by lock_timeout, so a broken test fails instead of hanging.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import asyncpg
import pytest
from anyio.abc import TaskGroup
from mcp import Client

from moorings_core.testing import HANG_LIMIT, refusal, succeeded
from tests.postgres.conftest import ADMIN_DSN
from tests.postgres.helpers import execute, fetch, serving, settings_for
from tests.postgres.private_cluster import private_cluster

pytestmark = pytest.mark.anyio

TOOLS = {"analyze_db_health", "get_top_queries", "get_active_queries", "get_locks", "get_settings"}

# Each a problem the health checks must find, made the way it happens in real databases.
PROBLEMS = (
    # Redundant indexes: one identical to another, one the leading column of a wider one.
    "CREATE TABLE items (id serial PRIMARY KEY, a int, b int)",
    "INSERT INTO items (a, b) SELECT g % 50, g % 7 FROM generate_series(1, 500) g",
    "CREATE INDEX items_a ON items (a)",
    "CREATE INDEX items_a_copy ON items (a)",
    "CREATE INDEX items_a_b ON items (a, b)",
    "CREATE INDEX items_b_desc ON items (b DESC)",  # another ordering: not redundant
    # An index of more than 1 MB nothing ever scans.
    "CREATE TABLE events (id int, at int)",
    "INSERT INTO events SELECT g, g FROM generate_series(1, 100000) g",
    "CREATE INDEX events_at ON events (at)",
    # A B-tree left at a tenth of its rows (11 MB of it bloat), its statistics up to date.
    "CREATE TABLE tokens (key text PRIMARY KEY) WITH (autovacuum_enabled = false)",
    "INSERT INTO tokens SELECT md5(g::text) FROM generate_series(1, 200000) g",
    "DELETE FROM tokens WHERE right(key, 1) <> '0'",
    "SELECT pg_stat_force_next_flush()",  # the DELETE's counts first: VACUUM's must not be overwritten
    "VACUUM ANALYZE tokens",
    # Constraints added NOT VALID over rows that break them.
    "CREATE TABLE customers (id int PRIMARY KEY)",
    "CREATE TABLE orders (customer_id int, total numeric)",
    "INSERT INTO orders VALUES (7, -1)",
    "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
    "REFERENCES customers (id) NOT VALID",
    "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID",
    # Sequences: a bigint one behind an integer column at 93% of it; a serial at 79% of its own.
    "CREATE TABLE counters (id int)",
    "CREATE SEQUENCE counters_seq OWNED BY counters.id",
    "ALTER TABLE counters ALTER COLUMN id SET DEFAULT nextval('counters_seq')",
    "SELECT setval('counters_seq', 2000000000)",
    "CREATE TABLE tickets (id serial)",
    "SELECT setval('tickets_id_seq', 1700000000)",
    # Dead rows on a table autovacuum is off for.
    "CREATE TABLE churn (id int) WITH (autovacuum_enabled = false)",
    "INSERT INTO churn SELECT generate_series(1, 10000)",
    "DELETE FROM churn WHERE id <= 6000",
    # Rows for lock tests.
    "CREATE TABLE accounts (id int PRIMARY KEY, balance int)",
    "INSERT INTO accounts VALUES (1, 0), (2, 0)",
    "CREATE TABLE ledger (id int PRIMARY KEY, total int)",
    "INSERT INTO ledger VALUES (1, 0)",
    # The statistics of this session reach the shared ones now, not at its next idle moment.
    "SELECT pg_stat_force_next_flush()",
)


async def _make_problems(dsn: str) -> None:
    await execute(dsn, *PROBLEMS)
    with suppress(asyncpg.UniqueViolationError):  # built concurrently over duplicates, it stays, invalid
        await execute(dsn, "CREATE UNIQUE INDEX CONCURRENTLY items_a_unique ON items (a)")


@pytest.fixture(scope="module")
def problems(database_dsn: str) -> str:
    anyio.run(_make_problems, database_dsn)
    return database_dsn


async def call(client: Client, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    return succeeded(await client.call_tool(tool, arguments))


async def checks_of(dsn: str, health_type: Any) -> tuple[str, dict[str, dict[str, Any]]]:
    async with serving(settings_for(dsn)) as client:
        text, report = await call(client, "analyze_db_health", health_type=health_type)
    return text, {check["name"]: check for check in report["checks"]}


def subjects(check: dict[str, Any]) -> dict[str, str]:
    return {subject["name"]: subject["detail"] for subject in check.get("subjects", [])}


# -- what is offered --------------------------------------------------------------------------------


async def test_the_tools_are_read_only_take_a_connection_and_describe_their_results(
    database_dsn: str,
) -> None:
    async with serving(settings_for(database_dsn)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools if tool.name in TOOLS}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.annotations is not None
        hints = tool.annotations
        assert (hints.read_only_hint, hints.idempotent_hint, hints.open_world_hint) == (True, True, False)
        assert "connection" in tool.input_schema["properties"]
        assert tool.output_schema is not None
    assert tools["analyze_db_health"].input_schema.get("required") is None  # every argument optional


async def test_every_result_fits_the_output_schema_its_tool_advertises(problems: str) -> None:
    from jsonschema import Draft202012Validator

    calls = {
        "analyze_db_health": {},
        "get_active_queries": {"include_idle": True, "all_databases": True},
        "get_locks": {},
        "get_settings": {"changed_only": False},
    }
    async with serving(settings_for(problems)) as client:
        schemas = {tool.name: tool.output_schema for tool in (await client.list_tools()).tools}
        for tool, arguments in calls.items():
            _, structured = await call(client, tool, **arguments)
            assert list(Draft202012Validator(schemas[tool] or {}).iter_errors(structured)) == [], tool


# -- analyze_db_health ------------------------------------------------------------------------------


async def test_redundant_invalid_unused_and_bloated_indexes_are_found(problems: str) -> None:
    text, checks = await checks_of(problems, "index")
    assert set(checks) == {"invalid_indexes", "duplicate_indexes", "unused_indexes", "index_bloat"}

    invalid = checks["invalid_indexes"]
    assert invalid["status"] == "warning"
    assert list(subjects(invalid)) == ["public.items_a_unique"]
    assert "REINDEX INDEX CONCURRENTLY" in invalid["action"]

    duplicates = checks["duplicate_indexes"]
    assert duplicates["status"] == "warning"
    redundant = subjects(duplicates)
    assert set(redundant) == {"public.items_a", "public.items_a_copy"}  # not items_b_desc, nor a key
    assert redundant["public.items_a_copy"].startswith("identical to public.items_a ")
    assert redundant["public.items_a"].startswith("a leading part of public.items_a_b ")

    unused = checks["unused_indexes"]
    assert unused["status"] == "warning"
    assert list(subjects(unused)) == ["public.events_at"]  # the small ones, and the keys, are left out

    bloat = checks["index_bloat"]
    assert bloat["status"] == "warning"
    assert list(subjects(bloat)) == ["public.tokens_pkey"]
    assert bloat["figures"]["bloat_bytes"] >= 10 * 1024 * 1024

    assert "WARNING duplicate_indexes (index):" in text
    assert "  - public.items_a_copy: identical to public.items_a" in text
    assert "What to do: Drop the redundant index" in text


async def test_a_sequence_near_the_limit_of_its_column_is_critical(problems: str) -> None:
    _, checks = await checks_of(problems, "sequence")
    sequences = checks["sequence_limits"]
    assert sequences["status"] == "critical"
    found = subjects(sequences)
    assert list(found) == ["public.counters_seq", "public.tickets_id_seq"]  # the fullest first
    # A bigint sequence runs out where its integer column does.
    assert found["public.counters_seq"] == (
        "at 2,000,000,000 of 2,147,483,647 (93.1%), 147,483,647 values left; "
        "the limit is the largest value of column public.counters.id (integer)"
    )
    assert "(79.2%)" in found["public.tickets_id_seq"]
    assert sequences["figures"] == {"sequences": 3, "unreadable": 0}  # items_id_seq is far from full


async def test_not_valid_constraints_are_found(problems: str) -> None:
    _, checks = await checks_of(problems, "constraint")
    constraints = checks["invalid_constraints"]
    assert constraints["status"] == "warning"
    assert subjects(constraints) == {
        "public.orders.orders_customer_fk": "foreign key: FOREIGN KEY (customer_id) REFERENCES customers(id) "
        "NOT VALID",
        "public.orders.orders_total_positive": "check: CHECK ((total > (0)::numeric)) NOT VALID",
    }
    assert "VALIDATE CONSTRAINT" in constraints["action"]


async def test_dead_rows_past_autovacuums_trigger_are_found(problems: str) -> None:
    _, checks = await checks_of(problems, "vacuum")
    assert set(checks) == {"dead_tuples", "database_wraparound", "table_wraparound"}
    dead = checks["dead_tuples"]
    assert dead["status"] == "warning"
    assert subjects(dead)["public.churn"] == (
        "6,000 dead rows (60%) beside 4,000 live; autovacuum's trigger is 50; last vacuumed never; "
        "autovacuum is off for it"
    )
    assert "public.tokens" not in subjects(dead)  # vacuumed
    # A young test server is nowhere near wraparound; the numbers are there all the same.
    for name in ("database_wraparound", "table_wraparound"):
        assert checks[name]["status"] == "ok"
        assert 0 < checks[name]["figures"]["oldest_xid_age"] < 200_000_000
        assert checks[name]["figures"]["autovacuum_freeze_max_age"] == 200_000_000


async def test_every_area_runs_by_default_and_the_worst_come_first(problems: str) -> None:
    text, checks = await checks_of(problems, "all")
    assert len(checks) == 14
    order = ["critical", "warning", "unknown", "ok"]
    statuses = [check["status"] for check in checks.values()]
    assert statuses == sorted(statuses, key=order.index)
    assert statuses[0] == "critical"
    assert text.splitlines()[0].startswith(
        f"Health of postgresql://postgres@127.0.0.1:5432/{problems.rsplit('/', 1)[1]}"
    )
    assert text.splitlines()[2].startswith("CRITICAL sequence_limits (sequence):")
    assert checks["cache_hit_rate"]["status"] in ("ok", "warning", "critical")
    assert checks["replication_slots"]["figures"]["slots"] >= 0


async def test_health_type_takes_a_list_or_commas_and_refuses_unknown_areas(problems: str) -> None:
    _, by_list = await checks_of(problems, ["sequence", "constraint"])
    _, by_commas = await checks_of(problems, " constraint, SEQUENCE ")
    assert set(by_list) == set(by_commas) == {"sequence_limits", "invalid_constraints"}
    async with serving(settings_for(problems)) as client:
        message = refusal(await client.call_tool("analyze_db_health", {"health_type": "index,indices"}))
        assert "Unknown health_type 'indices'" in message
        assert "index, vacuum, connection, buffer, sequence, constraint, replication, or all" in message
        message = refusal(await client.call_tool("analyze_db_health", {"health_type": ["bloat"]}))
        assert "health_type" in message  # outside the schema's enum: refused before the tool runs


async def test_connections_are_counted_against_max_connections(problems: str) -> None:
    (limits,) = await fetch(
        ADMIN_DSN, "SELECT current_setting('max_connections')::int AS max, "
        "current_setting('superuser_reserved_connections')::int AS reserved"
    )  # fmt: skip
    _, checks = await checks_of(problems, "connection")
    figures = checks["connections"]["figures"]
    assert (figures["max_connections"], figures["reserved"]) == (limits["max"], limits["reserved"])
    assert figures["clients"] >= 1  # the server's own connection at least
    assert figures["hidden"] == 0  # a superuser sees every session
    assert checks["long_transactions"]["figures"]["hidden_processes"] == 0


async def test_an_unknown_connection_is_refused_with_the_names(problems: str) -> None:
    async with serving(settings_for(problems)) as client:
        message = refusal(await client.call_tool("get_locks", {"connection": "reporting"}))
    assert "There is no connection named 'reporting'; the connections are: default" in message


# -- sessions and locks -----------------------------------------------------------------------------


@asynccontextmanager
async def sessions(dsn: str, count: int) -> AsyncIterator[list[asyncpg.Connection[asyncpg.Record]]]:
    """`count` sessions of their own, none of which waits for a lock longer than a test may hang."""
    connections = [await asyncpg.connect(dsn) for _ in range(count)]
    try:
        for connection in connections:
            await connection.execute(f"SET lock_timeout = '{HANG_LIMIT}s'")
        yield connections
    finally:
        for connection in connections:
            connection.terminate()


def start(group: TaskGroup, connection: asyncpg.Connection[asyncpg.Record], sql: str) -> anyio.Event:
    """Run `sql` on `connection` in the background; the event is set when it is done."""
    done = anyio.Event()

    async def run() -> None:
        await connection.execute(sql)
        done.set()

    group.start_soon(run)
    return done


async def until_waiting(dsn: str, connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """Return once PostgreSQL reports `connection`'s session waiting for a lock."""
    sql = "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'"
    with anyio.fail_after(HANG_LIMIT):
        while True:
            if await fetch(dsn, sql, connection.get_server_pid()):
                return
            await anyio.sleep(0.02)


async def test_a_chain_of_blocked_sessions_shows_who_blocks_whom(problems: str) -> None:
    async with sessions(problems, 3) as (head, middle, tail), anyio.create_task_group() as group:
        # head holds row 1 of accounts; middle holds ledger's row and waits for head's; tail waits for middle.
        await head.execute("BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = 1")
        await middle.execute("BEGIN; UPDATE ledger SET total = total + 1 WHERE id = 1")
        middle_done = start(group, middle, "UPDATE accounts SET balance = balance - 1 WHERE id = 1")
        await until_waiting(problems, middle)
        start(group, tail, "UPDATE ledger SET total = 0 WHERE id = 1")
        await until_waiting(problems, tail)
        pids = {name: connection.get_server_pid() for name, connection in
                (("head", head), ("middle", middle), ("tail", tail))}  # fmt: skip

        async with serving(settings_for(problems)) as client:
            text, active = await call(client, "get_active_queries")
            locks_text, locks = await call(client, "get_locks")

        by_pid = {session["pid"]: session for session in active["sessions"]}
        assert set(pids.values()) <= set(by_pid)
        assert by_pid[pids["head"]]["state"] == "idle in transaction"
        assert by_pid[pids["head"]]["blockedBy"] == []
        assert by_pid[pids["head"]]["blocking"] == [pids["middle"]]
        assert by_pid[pids["middle"]]["blockedBy"] == [pids["head"]]
        assert by_pid[pids["middle"]]["blocking"] == [pids["tail"]]
        assert by_pid[pids["middle"]]["waitEvent"] == "Lock:transactionid"
        assert by_pid[pids["tail"]]["blockedBy"] == [pids["middle"]]
        assert f"pid {pids['middle']} · postgres" in text
        assert f"blocked by {pids['head']} · blocks {pids['tail']}" in text

        waits = {wait["pid"]: wait for wait in locks["waits"]}
        assert set(waits) == {pids["middle"], pids["tail"]}
        assert waits[pids["middle"]]["mode"] == "ShareLock"
        assert waits[pids["middle"]]["lockType"] == "transactionid"
        assert waits[pids["middle"]]["holders"] == [{"pid": pids["head"], "mode": "ExclusiveLock"}]
        assert waits[pids["tail"]]["blockedBy"] == [pids["middle"]]
        assert waits[pids["tail"]]["query"] == "UPDATE ledger SET total = 0 WHERE id = 1"
        # The root blocker first, then the one that blocks and waits.
        assert [(blocker["pid"], blocker["blocking"]) for blocker in locks["blockers"]] == [
            (pids["head"], [pids["middle"]]),
            (pids["middle"], [pids["tail"]]),
        ]
        database = problems.rsplit("/", 1)[1]
        assert locks_text.startswith(f"2 lock requests waiting in database {database}; 1 root blocker ")
        assert "pg_terminate_backend(pid); this server does neither" in locks_text

        await head.execute("ROLLBACK")
        await middle_done.wait()
        await middle.execute("ROLLBACK")


async def test_a_wait_for_a_table_lock_names_the_table_and_the_mode_held(problems: str) -> None:
    async with sessions(problems, 2) as (holder, waiter), anyio.create_task_group() as group:
        await holder.execute("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
        start(group, waiter, "SELECT count(*) FROM accounts")
        await until_waiting(problems, waiter)
        async with serving(settings_for(problems)) as client:
            text, locks = await call(client, "get_locks")
        (wait,) = [wait for wait in locks["waits"] if wait["pid"] == waiter.get_server_pid()]
        assert (wait["lockType"], wait["mode"], wait["target"]) == (
            "relation",
            "AccessShareLock",
            "relation public.accounts",
        )
        assert wait["holders"] == [{"pid": holder.get_server_pid(), "mode": "AccessExclusiveLock"}]
        assert wait["waitingSeconds"] >= 0
        assert "wants AccessShareLock on relation public.accounts" in text
        await holder.execute("ROLLBACK")


async def test_idle_sessions_are_listed_only_when_asked_for(problems: str) -> None:
    async with sessions(problems, 1) as (idle,):
        async with serving(settings_for(problems)) as client:
            _, busy_only = await call(client, "get_active_queries")
            _, with_idle = await call(client, "get_active_queries", include_idle=True)
            _, patient = await call(
                client, "get_active_queries", include_idle=True, min_duration_seconds=86400
            )
        pid = idle.get_server_pid()
        assert pid not in {session["pid"] for session in busy_only["sessions"]}
        assert pid in {session["pid"] for session in with_idle["sessions"]}
        assert patient["sessions"] == []
        assert patient["matching"] == 0


async def test_no_lock_waits_is_said_plainly(problems: str) -> None:
    async with serving(settings_for(problems)) as client:
        text, locks = await call(client, "get_locks")  # this database's sessions only, by default
    assert locks == {"waits": [], "waiting": 0, "blockers": []}
    assert text == f"No session of database {problems.rsplit('/', 1)[1]} is waiting for a lock."


# -- get_top_queries --------------------------------------------------------------------------------


async def test_top_queries_without_pg_stat_statements_say_how_to_create_it(problems: str) -> None:
    async with serving(settings_for(problems)) as client:
        message = refusal(await client.call_tool("get_top_queries", {}))
    database = problems.rsplit("/", 1)[1]
    assert f"The pg_stat_statements extension is not created in database {database}" in message
    assert "CREATE EXTENSION pg_stat_statements;" in message
    assert "shared_preload_libraries" in message
    assert "restart" in message


async def test_top_queries_with_the_extension_created_but_not_loaded_say_how_to_load_it(
    problems: str,
) -> None:
    (preloaded,) = await fetch(ADMIN_DSN, "SHOW shared_preload_libraries")
    if "pg_stat_statements" in preloaded[0]:
        pytest.skip("this PostgreSQL preloads pg_stat_statements: the not-loaded case cannot be made here")
    await execute(problems, "CREATE EXTENSION pg_stat_statements")
    try:
        async with serving(settings_for(problems)) as client:
            message = refusal(await client.call_tool("get_top_queries", {"sort_by": "mean_time"}))
    finally:
        await execute(problems, "DROP EXTENSION pg_stat_statements")
    assert "pg_stat_statements is created in this database, but its library is not loaded" in message
    assert "'pg_stat_statements must be loaded via shared_preload_libraries'" in message  # PostgreSQL's words
    assert "add pg_stat_statements to shared_preload_libraries in postgresql.conf" in message
    assert "restart PostgreSQL" in message


@pytest.fixture(scope="module")
def preloaded_dsn() -> Iterator[str]:
    """A private server with pg_stat_statements preloaded, as the shared one cannot be without a restart."""
    with private_cluster("shared_preload_libraries=pg_stat_statements") as dsn:
        yield dsn


async def test_top_queries_read_pg_stat_statements_where_it_is_loaded(preloaded_dsn: str) -> None:
    other_database = preloaded_dsn.rsplit("/", 1)[0] + "/template1"
    await execute(
        preloaded_dsn,
        "CREATE EXTENSION pg_stat_statements",
        "CREATE TABLE numbers (n int)",
        "INSERT INTO numbers SELECT generate_series(1, 1000)",
        *["SELECT count(*) FROM numbers WHERE n > 10"] * 20,
        *["SELECT n FROM numbers"] * 2,
    )
    await execute(other_database, *["SELECT 42"] * 50)  # another database's: never listed
    async with serving(settings_for(preloaded_dsn)) as client:
        calls_text, by_calls = await call(client, "get_top_queries", sort_by="calls", limit=3)
        _, by_rows = await call(client, "get_top_queries", sort_by="rows", limit=1)
        _, by_time = await call(client, "get_top_queries", limit=100)

    first = by_calls["queries"][0]
    assert first["query"] == "SELECT count(*) FROM numbers WHERE n > $1"  # normalised by the extension
    assert (first["calls"], first["rows"]) == (20, 20)
    assert first["totalTimeMs"] >= first["meanTimeMs"] > 0
    assert len(by_calls["queries"]) == 3
    assert re.fullmatch(r"1\.\d+", by_calls["extensionVersion"])
    assert by_calls["since"] is not None  # pg_stat_statements_info, 1.9 and later
    assert by_calls["track"] == "top"
    assert calls_text.startswith(f"Top 3 of {by_calls['statements']} statements of this database by calls ")
    assert "\n   SELECT count(*) FROM numbers WHERE n > $1\n" in calls_text

    assert [(query["query"], query["rows"]) for query in by_rows["queries"]] == [
        ("SELECT n FROM numbers", 2000)
    ]

    listed = by_time["queries"]
    assert "SELECT $1" not in {query["query"] for query in listed}
    assert [query["totalTimeMs"] for query in listed] == sorted(
        (query["totalTimeMs"] for query in listed), reverse=True
    )
    assert sum(query["shareOfTime"] for query in listed) == pytest.approx(1)
    assert by_time["statements"] == len(listed)
    assert by_time["hidden"] == 0


async def test_top_queries_refuse_an_unknown_order(problems: str) -> None:
    async with serving(settings_for(problems)) as client:
        message = refusal(await client.call_tool("get_top_queries", {"sort_by": "slowest"}))
    assert "sort_by" in message


# -- get_settings -----------------------------------------------------------------------------------


async def test_settings_list_the_key_ones_with_the_values_show_gives(problems: str) -> None:
    async with serving(settings_for(problems)) as client:
        text, found = await call(client, "get_settings")
    by_name = {setting["name"]: setting for setting in found["settings"]}
    for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_connections", "random_page_cost"):
        (shown,) = await fetch(problems, f"SHOW {name}")
        assert by_name[name]["value"] == shown[0], name
    assert by_name["work_mem"]["default"] == "4MB"
    assert by_name["shared_buffers"]["restartToChange"] is True
    # The server's own session runs with a statement timeout and read-only: not the server's settings.
    (timeout,) = await fetch(problems, "SHOW statement_timeout")
    assert by_name["statement_timeout"]["value"] == timeout[0]
    assert "transaction_read_only" not in by_name
    assert text.startswith("Key performance settings, then every other setting changed from its default:")
    assert f"work_mem = '{by_name['work_mem']['value']}' (default '4MB'; " in text


async def test_defaults_are_written_as_show_writes_them(problems: str) -> None:
    async with serving(settings_for(problems)) as client:
        _, found = await call(client, "get_settings", changed_only=False)
    ours = {setting["name"]: setting.get("default") for setting in found["settings"]}
    # PostgreSQL itself writes a raw value of a setting a session may change: set it, then show it.
    settable = await fetch(
        problems,
        "SELECT name, boot_val FROM pg_settings WHERE context IN ('user', 'superuser') "
        "AND unit IS NOT NULL AND boot_val ~ '^[1-9][0-9]*$'",
    )
    assert len(settable) >= 10  # work_mem, temp_buffers, statement_timeout, deadlock_timeout, ...
    connection = await asyncpg.connect(problems)
    try:
        for name, boot_val in settable:
            shown = await connection.fetchval("SELECT set_config($1, $2, false)", name, boot_val)
            assert ours[name] == shown, name
    finally:
        await connection.close()


async def test_settings_by_pattern_and_by_name(problems: str) -> None:
    async with serving(settings_for(problems)) as client:
        _, every = await call(client, "get_settings", pattern="AUTOVACUUM_", changed_only=False)
        _, named = await call(client, "get_settings", names=["work_mem", "shared_buffer"])
        message = refusal(await client.call_tool("get_settings", {"names": ["shared_bufers"]}))
    names = {setting["name"] for setting in every["settings"]}
    assert {"autovacuum_naptime", "autovacuum_vacuum_scale_factor", "autovacuum_max_workers"} <= names
    assert all("autovacuum_" in name for name in names)  # log_autovacuum_min_duration too
    assert [setting["name"] for setting in named["settings"]] == ["work_mem"]
    assert named["unknown"]["shared_buffer"][0] == "shared_buffers"
    assert "no setting named 'shared_bufers' (did you mean shared_buffers" in message


async def test_settings_beyond_the_output_budget_are_counted(problems: str) -> None:
    async with serving(settings_for(problems, "--max-output-chars", "2000")) as client:
        text, found = await call(client, "get_settings", changed_only=False)
    assert len(text) <= 2000
    assert 0 < len(found["settings"]) < 300
    assert text.endswith("more settings not shown: pass names or a pattern.]")


# -- a role without pg_read_all_stats ---------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_role_dsn(problems: str) -> Iterator[str]:
    """The test database as a role with no privileges beyond logging in."""
    role = f"moorings_test_{secrets.token_hex(4)}"
    password = secrets.token_hex(8)
    anyio.run(execute, ADMIN_DSN, f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    parts = urlsplit(problems)
    try:
        yield urlunsplit(parts._replace(netloc=f"{role}:{password}@{parts.hostname}:{parts.port}"))
    finally:
        anyio.run(execute, ADMIN_DSN, f"DROP ROLE IF EXISTS {role}")


async def test_what_a_role_cannot_see_is_said_not_failed(problems: str, plain_role_dsn: str) -> None:
    # One view this role may not read at all, in this database only.
    await execute(problems, "REVOKE SELECT ON pg_catalog.pg_replication_slots FROM PUBLIC")
    try:
        async with serving(settings_for(plain_role_dsn)) as client:
            text, report = await call(client, "analyze_db_health")
            active_text, active = await call(client, "get_active_queries")
            settings_text, found = await call(client, "get_settings")
    finally:
        await execute(problems, "GRANT SELECT ON pg_catalog.pg_replication_slots TO PUBLIC")
    checks = {check["name"]: check for check in report["checks"]}
    assert len(checks) == 14
    slots = checks["replication_slots"]
    assert slots["status"] == "unknown"
    assert slots["finding"].startswith(
        "Could not run: PostgreSQL: permission denied for view pg_replication_slots"
    )
    assert "pg_monitor" in slots["action"]
    assert text.count("Could not run") == 1  # the other checks ran, on what this role may see
    # The server's background processes at least are hidden from it.
    assert checks["connections"]["figures"]["hidden"] > 0
    assert "hidden from this role" in checks["connections"]["finding"]
    assert "could not be seen" in checks["long_transactions"]["finding"]
    assert active["hidden"] > 0
    assert "processes of other roles hidden from this role" in active_text
    assert found["allVisible"] is False
    assert "hidden from this role" in settings_text
    assert "shared_preload_libraries" not in {setting["name"] for setting in found["settings"]}
