"""How a README example is compared with real output: exactly, except where it says `…`.

A README shows real output, but some of it cannot or need not be shown: the rest of a long list,
an opaque cursor, a timing. The convention is small and explicit, the same for JSON and for text:

- `…` stands for what was left out. As a whole JSON value (written bare, `[{…}, …]`, or quoted,
  `"…"`) it matches any value; as the last item of a list, any number of further items (none
  included); inside a string or a line of text, any characters (`"bzoyO…"` is a cursor that
  starts `bzoyO`); as a whole line of text, any number of lines.
- `VARYING_KEYS` are the keys whose values change from run to run (timings): their value must be
  of the same JSON type, nothing more.
- Everything else must be equal, and an object's keys must be exactly the real ones at every level
  (a key the output does not have, or one it has that the example leaves out, is a mismatch); write
  `"key": "…"` to show a key without its value.

`json_mismatches` and `text_mismatch` return what differs, phrased for a failing test's message.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

__all__ = ["ELIDED", "VARYING_KEYS", "json_mismatches", "parse_example_json", "text_mismatch"]

ELIDED = "…"
VARYING_KEYS = frozenset({"elapsedMs"})
"""Keys whose values differ between runs, so an example's value only shows the type."""


def parse_example_json(text: str) -> Any:
    """A README's JSON, where a bare `…` (outside strings) is read as the string `"…"`."""
    return json.loads(_quote_bare_ellipses(text))


def _quote_bare_ellipses(text: str) -> str:
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == ELIDED:
            out.append(json.dumps(ELIDED, ensure_ascii=False))
            continue
        out.append(char)
    return "".join(out)


def json_mismatches(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` differs from the example `expected`, as `$.path: what differs` lines."""
    if expected == ELIDED:
        return []
    if isinstance(expected, dict):
        return _object_mismatches(expected, actual, where)
    if isinstance(expected, list):
        return _list_mismatches(expected, actual, where)
    if isinstance(expected, str) and isinstance(actual, str) and ELIDED in expected:
        return [] if _wildcard(expected).fullmatch(actual) else [f"{where}: {actual!r} is not {expected!r}"]
    if _kind(expected) != _kind(actual) or expected != actual:
        return [f"{where}: the output has {_shown(actual)}, the example {_shown(expected)}"]
    return []


def _object_mismatches(expected: dict[str, Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, dict):
        return [f"{where}: the output has {_shown(actual)}, the example an object"]
    problems = []
    missing, extra = sorted(expected.keys() - actual.keys()), sorted(actual.keys() - expected.keys())
    if missing:
        problems.append(f"{where}: the output has no key {', '.join(missing)}")
    if extra:
        problems.append(f"{where}: the example lacks the output's key {', '.join(extra)}")
    for key in (key for key in expected if key in actual):
        if key in VARYING_KEYS and expected[key] != ELIDED:
            if _kind(expected[key]) != _kind(actual[key]):
                problems.append(
                    f"{where}.{key}: the output has {_shown(actual[key])}, a varying value of "
                    f"another type than the example's {_shown(expected[key])}"
                )
        else:
            problems += json_mismatches(expected[key], actual[key], f"{where}.{key}")
    return problems


def _list_mismatches(expected: list[Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, list):
        return [f"{where}: the output has {_shown(actual)}, the example a list"]
    open_ended = bool(expected) and expected[-1] == ELIDED
    shown = expected[:-1] if open_ended else expected
    if len(actual) < len(shown) or (not open_ended and len(actual) != len(shown)):
        more = " or more" if open_ended else ""
        return [f"{where}: the output has {len(actual)} items, the example {len(shown)}{more}"]
    problems = []
    for index, item in enumerate(shown):
        problems += json_mismatches(item, actual[index], f"{where}[{index}]")
    return problems


def _kind(value: Any) -> str:
    """A value's JSON type; booleans are not numbers, and integers and reals are both numbers."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:200]


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in pattern.split(ELIDED)), re.DOTALL)


def text_mismatch(expected: str, actual: str) -> str | None:
    """None when the text matches the example line by line, else a diff of the two."""
    want, got = expected.strip("\n").split("\n"), actual.strip("\n").split("\n")
    if _lines_match(want, got):
        return None
    diff = difflib.unified_diff(want, got, "README example", "real output", lineterm="")
    return "\n".join(diff)


def _lines_match(expected: list[str], actual: list[str]) -> bool:
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == ELIDED:
        return any(_lines_match(rest, actual[skip:]) for skip in range(len(actual) + 1))
    return (
        bool(actual) and _wildcard(head).fullmatch(actual[0]) is not None and _lines_match(rest, actual[1:])
    )
