"""Statement parameters, made the Python values asyncpg sends for each placeholder's type.

A model's parameters arrive as JSON scalars (`moorings_core.sql.binding`), but asyncpg encodes a
placeholder of type `date` only from a `date`, `numeric` only from a `Decimal`, and so on; sent
as they are, '2024-01-31' for a date or "42" for an integer would fail. PostgreSQL tells us each
placeholder's type when the statement is prepared, so each value is converted to it here, with
an error naming the placeholder when it cannot be. Types not listed go as they came (text, json
and intervals have codecs of their own; see `database`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from moorings_core import InvalidInput
from moorings_core.sql.binding import Parameter

__all__ = ["convert_parameters"]

_INFINITIES = frozenset({"infinity", "-infinity"})
_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})


def convert_parameters(values: Sequence[Parameter], types: Sequence[Any]) -> list[object]:
    """`values` converted for placeholders of `types` (asyncpg `Type`s, with `.name`), in order."""
    if len(values) != len(types):
        wanted = f"{len(types)} ({', '.join(f'${n}' for n in range(1, len(types) + 1))})" if types else "none"
        raise InvalidInput(
            f"The statement has {len(types)} placeholder{'s' if len(types) != 1 else ''} but "
            f"{len(values)} params were given; placeholders: {wanted}.",
            hint="Pass params as a list, one value per $n placeholder, in order.",
        )
    pairs = enumerate(zip(values, types, strict=True), start=1)
    return [_converted(value, kind.name, number) for number, (value, kind) in pairs]


def _converted(value: Parameter, type_name: str, number: int) -> object:
    convert = _CONVERTERS.get(type_name)
    if value is None or convert is None:
        return value
    if value in _INFINITIES and type_name in ("date", "timestamp", "timestamptz"):
        return value  # the codecs of `temporal` send these as PostgreSQL's infinities
    try:
        return convert(value)
    except (ValueError, InvalidOperation, TypeError, OverflowError):
        raise InvalidInput(
            f"Parameter ${number} is a {type_name}, and {value!r} cannot be one.",
            hint=_HINTS.get(type_name, f"Pass it as text and cast in the SQL: ${number}::text::{type_name}."),
        ) from None


def _integer(value: Parameter) -> int:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    return int(value)  # type: ignore[arg-type]  # None was handled by the caller


def _float(value: Parameter) -> float:
    if isinstance(value, bool):
        raise TypeError
    return float(value)  # type: ignore[arg-type]


def _numeric(value: Parameter) -> Decimal:
    if isinstance(value, bool):
        raise TypeError
    return Decimal(str(value))


def _boolean(value: Parameter) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError


def _text(value: Parameter) -> str:
    return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _date(value: Parameter) -> date:
    return date.fromisoformat(_iso_text(value))


def _datetime(value: Parameter) -> datetime:
    return datetime.fromisoformat(_iso_text(value))


def _time(value: Parameter) -> time:
    return time.fromisoformat(_iso_text(value))


def _iso_text(value: Parameter) -> str:
    """ISO 8601 text as every supported Python reads it (3.10's fromisoformat knows no `Z`)."""
    if not isinstance(value, str):
        raise TypeError
    text = value.strip()
    return text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text


def _bytes(value: Parameter) -> bytes:
    if not isinstance(value, str):
        raise TypeError
    return value.encode("utf-8")


def _uuid(value: Parameter) -> UUID:
    return UUID(str(value))


_CONVERTERS: dict[str, Callable[[Parameter], object]] = {
    **dict.fromkeys(("int2", "int4", "int8", "oid"), _integer),
    **dict.fromkeys(("float4", "float8"), _float),
    "numeric": _numeric,
    "bool": _boolean,
    **dict.fromkeys(("text", "varchar", "bpchar", "name", "char", "unknown", "citext"), _text),
    "date": _date,
    **dict.fromkeys(("timestamp", "timestamptz"), _datetime),
    **dict.fromkeys(("time", "timetz"), _time),
    "bytea": _bytes,
    "uuid": _uuid,
}

_HINTS = {
    "int2": "Pass a whole number.",
    "int4": "Pass a whole number.",
    "int8": "Pass a whole number.",
    "numeric": "Pass a number, or its digits as text for exact values.",
    "bool": "Pass true or false.",
    "date": "Pass an ISO 8601 date such as '2024-01-31'.",
    "timestamp": "Pass an ISO 8601 date and time such as '2024-01-31T12:00:00'.",
    "timestamptz": "Pass an ISO 8601 date and time such as '2024-01-31T12:00:00+00:00'.",
    "uuid": "Pass a UUID such as '123e4567-e89b-12d3-a456-426614174000'.",
}
