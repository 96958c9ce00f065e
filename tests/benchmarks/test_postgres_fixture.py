"""The postgres benchmarks' database, made on the real PostgreSQL: what the scenarios count on, then gone."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from benchmarks.postgres_fixture import (
    COLUMNS,
    REFERENCE,
    TABLE,
    TABLE_NAME,
    PostgresSpec,
    create_database,
    drop_database,
    fixture_sql,
    psql,
    table_names,
)
from benchmarks.scenarios import FixtureUnavailable
from benchmarks.servers import POSTGRES_DATABASE, POSTGRES_DSN

TINY = PostgresSpec(rows=300, tables=12)


def rows(sql: str, database: str = POSTGRES_DATABASE) -> list[list[str]]:
    """The rows of `sql`, each cell as psql prints it unaligned."""
    return [line.split("|") for line in psql(database, "--no-align", "--tuples-only", "-c", sql).splitlines()]


def database_exists() -> bool:
    return [POSTGRES_DATABASE] in rows("SELECT datname FROM pg_database", "postgres")


def connections() -> int:
    return rows("SELECT datname FROM pg_stat_activity", "postgres").count([POSTGRES_DATABASE])


@pytest.fixture
def database() -> Iterator[None]:
    create_database(TINY)
    yield
    drop_database()


def test_the_database_is_this_processs_own_and_the_servers_dsn_names_it() -> None:
    assert POSTGRES_DATABASE.startswith("moorings_bench_")
    assert POSTGRES_DSN.endswith(f"/{POSTGRES_DATABASE}")


def test_the_big_table_holds_the_rows_asked_each_with_one_reference(database: None) -> None:
    found = rows("SELECT id, reference FROM big ORDER BY id")

    assert [int(number) for number, _ in found] == list(range(1, 301))
    assert [reference for _, reference in found] == [f"ORD-{number:07d}" for number in range(1, 301)]
    # Nothing but the reference column matches the pattern the scenarios count rows with.
    everything = psql(POSTGRES_DATABASE, "--no-align", "--tuples-only", "-c", "SELECT * FROM big")
    assert len(REFERENCE.findall(everything)) == 300


def test_the_columns_have_the_types_a_server_must_render_and_some_are_null(database: None) -> None:
    columns = rows(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'big' "
        "ORDER BY ordinal_position"
    )

    assert tuple(name for name, _ in columns) == COLUMNS
    assert {kind for _, kind in columns} == {
        "integer",
        "text",
        "numeric",
        "timestamp with time zone",
        "jsonb",
        "boolean",
    }
    [[notes, delivered, vessels, berths]] = rows(
        "SELECT count(notes), count(*) FILTER (WHERE delivered), count(DISTINCT vessel), "
        "count(DISTINCT details->>'berth') FROM big"
    )
    assert int(notes) == 30  # one row in ten has notes; the rest are NULL
    assert int(delivered) == 200
    assert int(vessels) > 10
    assert int(berths) == 40


def test_the_introspection_tables_are_in_public_beside_the_big_one(database: None) -> None:
    tables = rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")

    assert [name for [name] in tables] == [*table_names(TINY), TABLE]
    assert table_names(TINY)[:2] == ["berth_001", "berth_002"]
    keys = rows(
        "SELECT count(*) FROM pg_index JOIN pg_class ON indrelid = pg_class.oid "
        "WHERE indisprimary AND relnamespace = 'public'::regnamespace"
    )
    assert keys == [[str(TINY.tables + 1)]]


def test_the_same_spec_gives_the_same_script_and_a_bigger_one_more_tables() -> None:
    script = fixture_sql(TINY)

    assert fixture_sql(PostgresSpec(rows=300, tables=12)) == script
    assert len(set(TABLE_NAME.findall(script))) == 12
    assert len(set(TABLE_NAME.findall(fixture_sql(PostgresSpec(rows=300, tables=500))))) == 500


def test_a_database_is_made_afresh_over_one_a_crashed_run_left() -> None:
    create_database(TINY)
    psql(POSTGRES_DATABASE, "-c", "CREATE TABLE left_by_the_first_run (id integer)")

    create_database(TINY)

    assert rows("SELECT to_regclass('left_by_the_first_run') IS NULL") == [["t"]]
    drop_database()
    assert not database_exists()
    drop_database()  # dropping what is not there is fine


def test_a_database_is_dropped_even_while_a_server_is_still_connected(database: None) -> None:
    lingering = subprocess.Popen(
        ["psql", "--no-psqlrc", f"--dbname={POSTGRES_DSN}", "-c", "SELECT pg_sleep(60)"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while connections() == 0:
            assert time.monotonic() < deadline, "psql never connected"
            time.sleep(0.05)

        drop_database()

        assert not database_exists()
        assert lingering.wait(timeout=10) != 0  # its connection was closed under it
    finally:
        lingering.kill()
        lingering.wait()


def test_a_failing_psql_says_why_in_its_own_words() -> None:
    with pytest.raises(FixtureUnavailable, match=r'psql failed: .*"moorings_no_such_db"'):
        psql("moorings_no_such_db", "-c", "SELECT 1")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"rows": 0}, "rows must be between 1 and 9,999,999"),
        ({"rows": 10_000_000}, "rows must be between 1 and 9,999,999"),
        ({"tables": 0}, "tables must be between 1 and 999"),
        ({"tables": 1_000}, "tables must be between 1 and 999"),
    ],
)
def test_sizes_outside_what_the_names_can_number_are_refused(spec: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PostgresSpec(**spec)
