"""The sqlite benchmarks' fixture: a database with one big table, deterministic, generated once and cached.

`ensure_database(spec)` returns the folder holding ``bench.sqlite3`` (the file every sqlite server
spec serves, `servers.SQLITE_DATABASE`), generated on first use under ``.bench/fixtures/`` like
the filesystem tree. `write_database` writes one anywhere (cold start wants a small one).

The database models a shipping ledger:
- ``shipments``: `spec.rows` rows of an integer key, a unique reference (``SHP-0000042``, which
  the scenarios count in any server's output to see how many rows came back), text, a real, ISO
  timestamps, a nullable timestamp (NULL while in transit, about a third of the rows), nullable
  free-text notes (mostly NULL) and an 8-byte BLOB; with an index on (port, departed_at);
- ``ports``: a small lookup table ``shipments.port`` refers to;
- ``in_transit``: a view.

Rows come from one seeded generator and are inserted in one transaction with journaling off (the
file is a scratch file until it is renamed into place): a million rows take a few seconds.
"""

from __future__ import annotations

import math
import random
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fixtures import cached
from benchmarks.servers import SQLITE_DATABASE

__all__ = ["COLUMNS", "REFERENCE", "TABLE", "SqliteSpec", "ensure_database", "write_database"]

TABLE = "shipments"
COLUMNS = (
    "id",
    "reference",
    "vessel",
    "port",
    "weight_kg",
    "departed_at",
    "delivered_at",
    "notes",
    "seal",
)
# One match per row, whatever the format: JSON, a Python repr, CSV, the sqlite3 CLI's output.
REFERENCE = re.compile(r"\bSHP-\d{7}\b")
_LAYOUT_VERSION = 1  # bump on any change to what is generated
_PORTS = 40
_VESSELS = 600
_DELIVERED_SHARE = 0.65
_NOTES_SHARE = 0.1
_FIRST_DEPARTURE = 1_735_689_600  # 2025-01-01T00:00:00Z
_VESSEL_WORDS = (
    "amber anchor arctic aurora baltic beacon boreal breeze cape coral crest delta dune falcon fjord "
    "gale harbor heron horizon island jade kestrel lagoon meridian mistral nordic ocean orca osprey "
    "pacific pelican polar reef sable saga sirocco solent storm swift tern tide trident vega willow"
)
_NOTE_WORDS = (
    "fragile refrigerated customs hold inspected delayed priority hazardous oversize transshipped "
    "damaged relabelled partial consolidated insured sealed awaiting documents berth weather"
)
_WORDS = tuple(_VESSEL_WORDS.split())
_NOTES = tuple(_NOTE_WORDS.split())

_SCHEMA = f"""
CREATE TABLE ports (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE {TABLE} (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    vessel TEXT NOT NULL,
    port TEXT NOT NULL REFERENCES ports(code),
    weight_kg REAL NOT NULL,
    departed_at TEXT NOT NULL,
    delivered_at TEXT,
    notes TEXT,
    seal BLOB
);
"""
_AFTER_ROWS = f"""
CREATE INDEX {TABLE}_by_port ON {TABLE}(port, departed_at);
CREATE VIEW in_transit AS
    SELECT id, reference, vessel, port, departed_at FROM {TABLE} WHERE delivered_at IS NULL;
"""


@dataclass(frozen=True)
class SqliteSpec:
    """What to generate. The default is the size the issue's benchmarks name."""

    rows: int = 1_000_000
    seed: int = 5

    def __post_init__(self) -> None:
        if not 1 <= self.rows < 10_000_000:  # the reference's seven digits
            raise ValueError(f"rows must be between 1 and 9,999,999, got {self.rows:,}")

    @property
    def folder_name(self) -> str:
        return f"sqlite-v{_LAYOUT_VERSION}-{self.rows}-{self.seed}"


def ensure_database(spec: SqliteSpec, cache: Path | None = None) -> Path:
    """The folder holding ``bench.sqlite3`` for `spec`, generated into `cache` unless already there."""
    return cached(spec.folder_name, lambda scratch: write_database(scratch / SQLITE_DATABASE, spec), cache)


def write_database(path: Path, spec: SqliteSpec) -> None:
    """Create the database for `spec` at `path`, which must not exist yet."""
    if path.exists():
        raise FileExistsError(f"{path} exists; the fixture is only ever written fresh")
    rng = random.Random(spec.seed)
    ports = _ports(rng)
    connection = sqlite3.connect(path)
    try:
        # A scratch file until it is renamed into place: nothing to recover after a crash.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(_SCHEMA)
        # The inserts share one implicit transaction; the index is built once, after them.
        connection.executemany("INSERT INTO ports VALUES (?, ?, ?)", ports)
        placeholders = ", ".join("?" * len(COLUMNS))
        connection.executemany(
            f"INSERT INTO {TABLE} VALUES ({placeholders})",
            _shipments(rng, spec.rows, [code for code, _, _ in ports]),
        )
        connection.commit()
        connection.executescript(_AFTER_ROWS)
    finally:
        connection.close()


def _ports(rng: random.Random) -> list[tuple[str, str, str]]:
    countries = ("NL", "DE", "BE", "GB", "FR", "ES", "NO", "DK", "SE", "PL")
    codes = sorted({"".join(rng.choices("ABCDEFGHIJKLMNOPRSTUVWXYZ", k=5)) for _ in range(_PORTS)})
    return [(code, f"Port of {rng.choice(_WORDS).capitalize()}", rng.choice(countries)) for code in codes]


def _shipments(rng: random.Random, rows: int, ports: list[str]) -> Iterator[tuple[object, ...]]:
    vessels = [
        f"MV {rng.choice(_WORDS).capitalize()} {rng.choice(_WORDS).capitalize()}" for _ in range(_VESSELS)
    ]
    departed = _FIRST_DEPARTURE
    for number in range(1, rows + 1):
        departed += rng.randint(0, 60)
        delivered = (
            _timestamp(departed + rng.randint(2, 40) * 86_400 + rng.randint(0, 86_399))
            if rng.random() < _DELIVERED_SHARE
            else None
        )
        notes = " ".join(rng.sample(_NOTES, rng.randint(1, 6))) if rng.random() < _NOTES_SHARE else None
        yield (
            number,
            f"SHP-{number:07d}",
            rng.choice(vessels),
            rng.choice(ports),
            round(math.exp(rng.gauss(8.5, 1.2)), 1),  # kilograms: lognormal, median ≈ 5 t
            _timestamp(departed),
            delivered,
            notes,
            rng.randbytes(8),
        )


def _timestamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
