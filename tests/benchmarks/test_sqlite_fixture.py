"""The sqlite benchmarks' database: the rows the scenarios count on, the same every time, cached."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from benchmarks.servers import SQLITE_DATABASE
from benchmarks.sqlite_fixture import COLUMNS, REFERENCE, SqliteSpec, ensure_database, write_database

TINY = SqliteSpec(rows=500)


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(sql).fetchall()


def test_the_table_holds_the_rows_asked_each_with_one_reference(tmp_path: Path) -> None:
    database = ensure_database(TINY, tmp_path) / SQLITE_DATABASE

    rows = query(database, "SELECT * FROM shipments ORDER BY id")
    assert len(rows) == 500
    assert [row[0] for row in rows] == list(range(1, 501))
    assert [row[1] for row in rows] == [f"SHP-{number:07d}" for number in range(1, 501)]
    # Nothing but the reference column matches the pattern the scenarios count rows with.
    assert sum(len(REFERENCE.findall(str(value))) for row in rows for value in row) == 500


def test_the_columns_are_realistic_and_some_are_null(tmp_path: Path) -> None:
    database = ensure_database(TINY, tmp_path) / SQLITE_DATABASE

    columns = query(database, "SELECT name, type FROM pragma_table_info('shipments')")
    assert tuple(name for name, _ in columns) == COLUMNS
    assert {kind for _, kind in columns} == {"INTEGER", "TEXT", "REAL", "BLOB"}
    [(delivered, notes, blobs, weights)] = query(
        database,
        "SELECT count(delivered_at), count(notes), count(DISTINCT seal), count(DISTINCT weight_kg)"
        " FROM shipments",
    )
    assert 200 < delivered < 450  # about two in three delivered; the rest NULL, in transit
    assert 10 < notes < 150  # mostly NULL
    assert blobs == 500
    assert weights > 400
    assert query(database, "SELECT DISTINCT typeof(seal), length(seal) FROM shipments") == [("blob", 8)]


def test_the_schema_has_a_lookup_table_an_index_and_a_view(tmp_path: Path) -> None:
    database = ensure_database(TINY, tmp_path) / SQLITE_DATABASE

    schema = query(
        database, "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    assert schema == [
        ("view", "in_transit"),
        ("table", "ports"),
        ("table", "shipments"),
        ("index", "shipments_by_port"),
    ]
    orphans = query(database, "SELECT count(*) FROM shipments WHERE port NOT IN (SELECT code FROM ports)")
    assert orphans == [(0,)]


def test_the_same_spec_gives_the_same_rows(tmp_path: Path) -> None:
    first = ensure_database(TINY, tmp_path / "one") / SQLITE_DATABASE
    second = ensure_database(TINY, tmp_path / "two") / SQLITE_DATABASE
    other_seed = ensure_database(SqliteSpec(rows=500, seed=6), tmp_path / "three") / SQLITE_DATABASE

    everything = "SELECT * FROM shipments ORDER BY id"
    assert query(first, everything) == query(second, everything)
    assert query(first, everything) != query(other_seed, everything)


def test_a_database_is_generated_once_then_reused_and_leaves_no_scratch(tmp_path: Path) -> None:
    folder = ensure_database(TINY, tmp_path)
    (folder / "left-by-the-first-run").touch()

    again = ensure_database(TINY, tmp_path)
    bigger = ensure_database(SqliteSpec(rows=600), tmp_path)

    assert again == folder
    assert (again / "left-by-the-first-run").exists()
    assert bigger != folder
    assert query(bigger / SQLITE_DATABASE, "SELECT count(*) FROM shipments") == [(600,)]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([folder.name, bigger.name])


def test_a_database_is_only_ever_written_fresh(tmp_path: Path) -> None:
    database = tmp_path / "existing.sqlite3"
    database.write_bytes(b"someone's data")

    with pytest.raises(FileExistsError, match="only ever written fresh"):
        write_database(database, TINY)

    assert database.read_bytes() == b"someone's data"


@pytest.mark.parametrize("rows", [0, 10_000_000])
def test_a_row_count_outside_what_a_reference_can_number_is_refused(rows: int) -> None:
    with pytest.raises(ValueError, match="rows must be between 1 and 9,999,999"):
        SqliteSpec(rows=rows)
