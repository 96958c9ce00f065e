"""Database values as JSON a model can read, each cell bounded.

Engine-neutral: SQLite gives int, float, str, bytes and None; asyncpg gives a Python value for
every PostgreSQL type. JSON has no bytes, no infinities, no decimals beyond a float's digits, no
dates, and no way to say "this was cut". So a cell becomes:

- None, a boolean, an integer or a finite float: itself (an integer too long to print, which no
  engine gives, becomes its hexadecimal text);
- an infinite or NaN float: the string "Infinity", "-Infinity" or "NaN";
- a Decimal: its exact digits as a string ("12.50", "NaN"), never a float that would round them;
- a date, time or datetime: its ISO 8601 string; a timedelta an ISO 8601 duration ("P1DT2H",
  "-PT0.5S"); a UUID its canonical string;
- bytes (bytearray, memoryview): `{"$blob": {"base64": ..., "size": N, "truncated": bool}}`, its
  base64 cut to the cell's budget;
- text longer than the cell's budget, or not valid UTF-8 (`UndecodableText`, see `decode_text`):
  `{"$text": {"value": ..., "length": N, "truncated": bool, "invalidUtf8": bool}}`, the bad bytes
  shown as U+FFFD;
- `JSONText` (a json document handed over as text): the JSON it holds;
- a list or tuple (an array) and a dict (json, hstore): converted item by item within the same
  budget; when not all of it fits, `{"$array": {"items": [...], "length": N, "truncated": true}}`
  or `{"$object": {"entries": {...}, "size": N, "truncated": true}}` holds what does;
- anything else (a network address, a driver's own object): its text, rather than lost. (A tuple,
  such as asyncpg's geometric values, is an array; moorings-postgres shows ranges as PostgreSQL does.)

`max_chars` bounds a cell's content, not the few characters of its markers, so a page can size
itself by its cells.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from decimal import Decimal
from typing import TypeAlias
from uuid import UUID

__all__ = ["JSONText", "JSONValue", "UndecodableText", "cell_to_json", "decode_text", "row_to_json"]

JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None

_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}
_MAX_INT_BITS = 4_000  # about 1,200 digits, well within what Python will print in decimal
_MAX_DEPTH = 16  # nested arrays and objects deeper than this are described, not shown
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_STRICT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class JSONText(str):
    """The text of a JSON document (a json or jsonb column), shown as the JSON it holds.

    A driver that hands such columns over as text saves parsing each document and encoding it
    again to size it: one that fits is parsed once, here.
    """


class UndecodableText(str):
    """Text whose bytes were not valid UTF-8, decoded with U+FFFD in place of the bad bytes."""


def decode_text(raw: bytes) -> str:
    """Decode text from a database as UTF-8, flagging (not failing on) invalid bytes.

    SQLite stores whatever bytes it is given as TEXT: this is its connection's `text_factory`,
    so one malformed value reaches the page flagged instead of failing the whole query.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return UndecodableText(raw.decode("utf-8", errors="replace"))


def row_to_json(row: Sequence[object], *, max_chars: int) -> list[JSONValue]:
    """A row's values as JSON, each at most about `max_chars` characters of content."""
    # Most cells are integers, NULLs or short text, which are already JSON: they skip the call.
    return [
        value
        if value is None or type(value) is int or (type(value) is str and len(value) <= max_chars)
        else cell_to_json(value, max_chars=max_chars)
        for value in row
    ]


def cell_to_json(value: object, *, max_chars: int) -> JSONValue:
    """One database value as JSON, at most about `max_chars` characters of content."""
    return _convert(value, max(max_chars, 1), 0)


def _convert(value: object, max_chars: int, depth: int) -> JSONValue:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _MAX_INT_BITS else _text(f"{value:#x}", max_chars)
    if isinstance(value, float):
        return value if math.isfinite(value) else _NON_FINITE.get(value, "NaN")
    if isinstance(value, JSONText):
        return _parsed(value, max_chars, depth)
    if isinstance(value, str):
        return _text(value, max_chars)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _blob(bytes(value), max_chars)
    if isinstance(value, (Decimal, UUID)):
        return _text(str(value), max_chars)
    if isinstance(value, (date, time)):  # a datetime is a date
        return _text(value.isoformat(), max_chars)
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, (dict, list)) and (ready := _json_ready(value, max_chars, depth)) is not None:
        return ready
    if isinstance(value, (Mapping, list, tuple)):
        if depth >= _MAX_DEPTH:
            return _text(f"(a {type(value).__name__} nested too deep to show)", max_chars)
        if isinstance(value, Mapping):
            return _object(value, max_chars, depth + 1)
        return _array(value, max_chars, depth + 1)
    return _text(_as_text(value), max_chars)


def _json_ready(value: dict[object, object] | list[object], max_chars: int, depth: int) -> JSONValue | None:
    """`value` as JSON, when it already is JSON that fits: the common case of a parsed json or
    jsonb value, checked by one encoding (and read back, for plain lists and string keys) instead
    of a walk item by item. Its opening brackets bound its depth (brackets in its strings only
    make the bound safer). None: walk it."""
    try:
        text = _STRICT_ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError):  # bytes, decimals, NaN, huge integers: not JSON yet
        return None
    if len(text) > max_chars or depth + text.count("[") + text.count("{") > _MAX_DEPTH:
        return None
    found: JSONValue = json.loads(text)
    return found


def _parsed(document: JSONText, max_chars: int, depth: int) -> JSONValue:
    """A JSON document's value: parsed as it is when it fits (its brackets bound its depth, as in
    `_json_ready`), else parsed and cut to fit like any array or object."""
    try:
        value: JSONValue = json.loads(document)
    except ValueError:  # not JSON after all: show the text
        return _text(str(document), max_chars)
    if len(document) <= max_chars and depth + document.count("[") + document.count("{") <= _MAX_DEPTH:
        return value
    return _convert(value, max_chars, depth)


def _text(value: str, max_chars: int) -> JSONValue:
    invalid = isinstance(value, UndecodableText)
    if len(value) <= max_chars and not invalid:
        return value
    return {
        "$text": {
            "value": str(value[:max_chars]),
            "length": len(value),
            "truncated": len(value) > max_chars,
            "invalidUtf8": invalid,
        }
    }


def _blob(value: bytes, max_chars: int) -> JSONValue:
    shown = value[: max(max_chars // 4, 1) * 3]  # every 3 bytes take 4 base64 characters
    return {
        "$blob": {
            "base64": base64.b64encode(shown).decode("ascii"),
            "size": len(value),
            "truncated": len(shown) < len(value),
        }
    }


def _array(values: Sequence[object], max_chars: int, depth: int) -> JSONValue:
    items: list[JSONValue] = []
    spent = 2  # the brackets
    for value in values:
        item = _convert(value, max(max_chars - spent, 1), depth)
        size = len(_ENCODER.encode(item)) + 1
        if items and spent + size > max_chars:  # the first is kept: it was cut to fit already
            break
        items.append(item)
        spent += size
    if len(items) == len(values):
        return items
    return {"$array": {"items": items, "length": len(values), "truncated": True}}


def _object(values: Mapping[object, object], max_chars: int, depth: int) -> JSONValue:
    entries: dict[str, JSONValue] = {}
    spent = 2  # the braces
    for key, value in values.items():
        name = (str(key) if isinstance(key, str) else _as_text(key))[:max_chars]
        item = _convert(value, max(max_chars - spent - len(name), 1), depth)
        size = len(_ENCODER.encode(name)) + len(_ENCODER.encode(item)) + 2
        if entries and spent + size > max_chars:
            break
        entries[name] = item
        spent += size
    if len(entries) == len(values):
        return entries
    return {"$object": {"entries": entries, "size": len(values), "truncated": True}}


def _duration(delta: timedelta) -> str:
    """A timedelta as an ISO 8601 duration: days, then hours, minutes and seconds ("-P1DT0.5S")."""
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    sign = "-" if micro < 0 else ""
    seconds, micro = divmod(abs(micro), 1_000_000)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    clock = f"{hours}H" if hours else ""
    clock += f"{minutes}M" if minutes else ""
    if seconds or micro:
        clock += (f"{seconds}.{micro:06d}".rstrip("0") if micro else str(seconds)) + "S"
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{f'T{clock}' if clock else ''}"


def _as_text(value: object) -> str:
    """A value of a type this module does not know, as text; its type's name if even that fails."""
    try:
        return str(value)
    except Exception:
        return f"({type(value).__name__} value that cannot be shown)"
