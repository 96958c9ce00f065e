"""The postgres benchmarks' fixture: a database on a running PostgreSQL, made for one scenario, dropped after.

Every postgres server spec serves `servers.POSTGRES_DSN`, a database named for this process, so
two benchmark runs on one PostgreSQL never share one. `create_database(spec)` makes it afresh
(dropping any that a crashed process with the same id left), `drop_database` drops it. Both go
through ``psql``, the client every PostgreSQL install has, so the benchmarks need no driver.

The database holds, in ``public``:
- ``big``: `spec.rows` rows of typed columns: an integer key, a unique reference (``ORD-0000042``,
  which the scenarios count in any server's output to see how many rows came back), text,
  numeric, timestamptz, jsonb, boolean and nullable notes (NULL in nine rows of ten);
- ``berth_001``, ``berth_002``, ...: `spec.tables` small tables with a primary key each, what the
  introspection scenario lists. They are in ``public`` because that is the one schema the reference
  server lists as resources.

PostgreSQL generates the rows itself (`generate_series`, no randomness), so the same spec gives
the same database everywhere and 100,000 rows take well under a second.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks.scenarios import FixtureUnavailable
from benchmarks.servers import POSTGRES_DATABASE, POSTGRES_SERVER

__all__ = [
    "COLUMNS",
    "REFERENCE",
    "TABLE",
    "TABLE_NAME",
    "PostgresSpec",
    "create_database",
    "drop_database",
    "fixture_sql",
    "psql",
    "table_names",
]

TABLE = "big"
COLUMNS = ("id", "reference", "vessel", "amount", "ordered_at", "details", "delivered", "notes")
# One match per row, whatever the format: JSON, a Python repr, CSV, psql's output.
REFERENCE = re.compile(r"\bORD-\d{7}\b")
# One match per mention of an introspection table; a server may name one several times.
TABLE_NAME = re.compile(r"\bberth_\d{3}\b")
_PSQL_HINT = "install the PostgreSQL client (`apt-get install postgresql-client`)"
_VESSEL_WORDS = (
    "amber anchor arctic aurora baltic beacon boreal breeze cape coral crest delta dune falcon fjord "
    "gale harbor heron horizon island jade kestrel lagoon meridian mistral nordic ocean orca osprey "
    "pacific pelican polar reef sable saga sirocco solent storm swift tern"
)
_VESSELS = tuple(_VESSEL_WORDS.split())


@dataclass(frozen=True)
class PostgresSpec:
    """What to generate. The default is the size the issue's benchmarks name."""

    rows: int = 100_000
    tables: int = 500

    def __post_init__(self) -> None:
        if not 1 <= self.rows < 10_000_000:  # the reference's seven digits
            raise ValueError(f"rows must be between 1 and 9,999,999, got {self.rows:,}")
        if not 1 <= self.tables < 1_000:  # the table names' three digits
            raise ValueError(f"tables must be between 1 and 999, got {self.tables:,}")


def table_names(spec: PostgresSpec) -> list[str]:
    """The introspection tables' names, in order."""
    return [f"berth_{number:03d}" for number in range(1, spec.tables + 1)]


def fixture_sql(spec: PostgresSpec) -> str:
    """The script that fills an empty database for `spec`, run as one transaction."""
    vessels = ", ".join(f"'MV {name.capitalize()}'" for name in _VESSELS)
    berths = "\n".join(
        f"CREATE TABLE {name} (id integer PRIMARY KEY, label text NOT NULL, updated_at timestamptz);"
        for name in table_names(spec)
    )
    return f"""
CREATE TABLE {TABLE} (
    id integer PRIMARY KEY,
    reference text NOT NULL UNIQUE,
    vessel text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    ordered_at timestamptz NOT NULL,
    details jsonb NOT NULL,
    delivered boolean NOT NULL,
    notes text
);
INSERT INTO {TABLE}
SELECT
    g,
    'ORD-' || lpad(g::text, 7, '0'),
    (ARRAY[{vessels}])[1 + g * 7 % {len(_VESSELS)}],
    (g * 7919 % 1000000) / 100.0,
    timestamptz '2025-01-01 00:00:00+00' + g * interval '37 seconds',
    jsonb_build_object('berth', 1 + g % 40, 'priority', g % 5, 'tags', jsonb_build_array('cargo', g % 3)),
    g % 3 <> 0,
    CASE WHEN g % 10 = 0 THEN 'inspected at berth ' || (1 + g % 40) END
FROM generate_series(1, {spec.rows}) AS g;
{berths}
ANALYZE;
"""


def create_database(spec: PostgresSpec) -> None:
    """Create `servers.POSTGRES_DATABASE` afresh and fill it for `spec`; `FixtureUnavailable` if it cannot."""
    started = time.perf_counter()
    _drop()
    psql("postgres", "-c", f"CREATE DATABASE {POSTGRES_DATABASE}")
    try:
        psql(POSTGRES_DATABASE, "--single-transaction", script=fixture_sql(spec))
    except FixtureUnavailable:
        _drop()  # no scenario will run to drop it
        raise
    seconds = time.perf_counter() - started
    _progress(f"made {POSTGRES_DATABASE} ({spec.rows:,} rows, {spec.tables + 1} tables) in {seconds:.1f} s")


def drop_database() -> None:
    """Drop `servers.POSTGRES_DATABASE` if it exists, closing any connection a server left open."""
    _drop()
    _progress(f"dropped {POSTGRES_DATABASE}")


def psql(database: str, *arguments: str, script: str | None = None) -> str:
    """Run psql on `database` of the benchmarks' PostgreSQL (`script` on its stdin), stopping at the
    first error; return its output.

    Raise `FixtureUnavailable` with psql's own explanation when it is missing or fails.
    """
    program = shutil.which("psql")
    if program is None:
        raise FixtureUnavailable(f"psql is not installed; {_PSQL_HINT}")
    url = f"{POSTGRES_SERVER.rstrip('/')}/{database}"
    completed = subprocess.run(
        [program, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={url}", *arguments],
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        # psql's first line is the error; any after it are hints ("Is the server running ...?").
        lines = completed.stderr.strip().splitlines() or [f"psql exited with status {completed.returncode}"]
        raise FixtureUnavailable(f"psql failed: {lines[0].strip()}")
    return completed.stdout


def _drop() -> None:
    psql("postgres", "-c", f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")


def _progress(message: str) -> None:
    # Beside the harness's progress: making the database takes seconds, and says which it is.
    print(f"postgres fixture: {message}", file=sys.stderr, flush=True)
