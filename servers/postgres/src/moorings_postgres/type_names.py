"""PostgreSQL type names as SQL spells them ("integer", "timestamp with time zone", "text[]").

asyncpg names a result column's type by its catalog name (`int4`, and `int4[]` for an array of
them); a model reads and writes the SQL names, which `format_type` gives in the catalog queries.
"""

from __future__ import annotations

from typing import Any

__all__ = ["array_element", "type_name"]

_SQL_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "bpchar": "character",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
    "varbit": "bit varying",
}


def type_name(kind: Any) -> str:
    """The SQL name of an asyncpg `Type` (its `name`, `kind` and `schema`), qualified outside pg_catalog."""
    name = str(kind.name)
    if kind.kind == "array":
        element = array_element(name)
        return _qualified(kind.schema, _SQL_NAMES.get(element, element)) + "[]"
    return _qualified(kind.schema, _SQL_NAMES.get(name, name))


def array_element(name: str) -> str:
    """The element type's name of an array type named `int4[]` (or `_int4`, as the catalogue names it)."""
    return name.removesuffix("[]").removeprefix("_")


def _qualified(schema: str | None, name: str) -> str:
    return name if schema in (None, "pg_catalog", "public") else f"{schema}.{name}"
