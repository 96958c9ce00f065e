"""SQLite values as JSON a model can read, each cell bounded.

SQLite has five storage classes; JSON has no bytes, no infinities and no way to say "this text
was cut". So:

- INTEGER, REAL, TEXT and NULL become numbers, strings and null; an infinite REAL becomes the
  string "Infinity" or "-Infinity" (and a NaN, should one appear, "NaN");
- a BLOB becomes `{"$blob": {"base64": ..., "size": N, "truncated": bool}}`, its base64 cut to the
  cell's budget;
- TEXT that is longer than the cell's budget, or that is not valid UTF-8 (SQLite stores whatever
  bytes it is given), becomes `{"$text": {"value": ..., "length": N, "truncated": bool,
  "invalidUtf8": bool}}`; invalid bytes are shown as U+FFFD.

`decode_text` is the connection's `text_factory`, so a malformed TEXT value reaches us flagged
instead of failing the whole query with a decoding error.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import TypeAlias

__all__ = ["JSONValue", "Parameter", "UndecodableText", "cell_to_json", "decode_text", "row_to_json"]

JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
Parameter: TypeAlias = bool | int | float | str | None
"""A value that can be bound to a placeholder (what JSON arguments can carry)."""

_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


class UndecodableText(str):
    """TEXT whose bytes were not valid UTF-8, decoded with U+FFFD in place of the bad bytes."""


def decode_text(raw: bytes) -> str:
    """Decode a TEXT value as UTF-8, flagging (not failing on) invalid bytes."""
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
    """One SQLite value as JSON, at most about `max_chars` characters of content."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _NON_FINITE.get(value, "NaN")
    if isinstance(value, str):
        return _text(value, max_chars)
    if isinstance(value, bytes):
        return _blob(value, max_chars)
    return _text(str(value), max_chars)  # not produced by sqlite3 itself; shown rather than lost


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
