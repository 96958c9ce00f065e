"""The few values asyncpg gives as objects that JSON would only show as their repr.

Ranges (`asyncpg.Range`), multiranges (lists of them), bit strings (`asyncpg.BitString`),
composite values (`asyncpg.Record`), the one-byte `"char"` and `pg_lsn` become what PostgreSQL
itself would show: "[1,5)", "101", an object by field name, "a", "0/16B6C50". Everything else is
left to the core's conversion (`moorings_core.sql.values`). Which columns need this is known from
the statement's description, so rows of plain columns are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from asyncpg.types import BitString

from moorings_postgres.type_names import array_element

__all__ = ["row_adapter"]

Row = Sequence[object]

# Arrays of these hold values the core converts as they are; any other array is adapted item by item.
_PLAIN = frozenset({
    "bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bpchar", "name",
    "uuid", "json", "jsonb", "bytea", "date", "time", "timetz", "timestamp", "timestamptz", "interval",
    "inet", "cidr", "macaddr", "money", "oid",
})  # fmt: skip


def row_adapter(types: Sequence[Any]) -> Callable[[Row], Row] | None:
    """A function that adapts a row of columns of `types` (asyncpg `Type`s), or None if no column needs it."""
    adapters = [(index, _adapter(kind)) for index, kind in enumerate(types)]
    needed = [(index, adapter) for index, adapter in adapters if adapter is not None]
    if not needed:
        return None

    def adapt(row: Row) -> Row:
        values = list(row)
        for index, adapter in needed:
            if values[index] is not None:
                values[index] = adapter(values[index])
        return values

    return adapt


def _adapter(kind: Any) -> Callable[[Any], object] | None:
    """How a column of type `kind` is shown, when asyncpg's value would not do."""
    if kind.kind in ("range", "multirange", "composite"):
        return shown
    if kind.kind == "array":
        return None if array_element(str(kind.name)) in _PLAIN else shown
    if kind.name in ("bit", "varbit"):
        return BitString.as_string
    if kind.name == "char":
        return _char
    if kind.name == "pg_lsn":
        return _lsn
    return None


def shown(value: object) -> object:
    """Ranges, bit strings and composite values, also inside arrays and composites, as PostgreSQL
    shows them; other values as they are."""
    if isinstance(value, asyncpg.Range):
        return _range_text(value)
    if isinstance(value, BitString):
        return value.as_string()
    if isinstance(value, asyncpg.Record):
        return {key: shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value


def _char(value: bytes) -> str:
    return value.decode("latin-1")  # "char" is one byte; PostgreSQL shows it as its character


def _lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def _range_text(value: asyncpg.Range[Any]) -> str:
    if value.isempty:
        return "empty"
    lower = "" if value.lower is None else str(value.lower)
    upper = "" if value.upper is None else str(value.upper)
    opening = "[" if value.lower_inc and value.lower is not None else "("
    closing = "]" if value.upper_inc and value.upper is not None else ")"
    return f"{opening}{lower},{upper}{closing}"
