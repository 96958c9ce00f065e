"""A tool's schema kept to a size a model can read: the definitions nearest its top, the rest named only.

Some documents make every schema reach every other (Stripe's objects name most others through
expandable fields), so a self-contained schema would copy the whole document into each tool:
hundreds of kilobytes per tool, more than a model can use and than a host will register in good
time. `within_budget(schema)` leaves a schema of at most `max_chars` characters of compact JSON as
it is; a larger one keeps its top level and, breadth-first by `$ref` distance from it, the
definitions that fit. A definition left out is replaced in `$defs` by a stand-in that says what it
was and accepts any value (no type: the API checks what it receives, and a client checking a result
against an output schema can never fail on it), so every reference still resolves and nothing the
schema used to accept is refused. The operation's documentation resource is made from the
complete schemas (`operation_document` asks the converter itself).

The schema given is self-contained in the form `SchemaConverter` makes: its definitions in a
top-level `$defs`, named by references `#/$defs/<name>`.
"""

from __future__ import annotations

import functools
import json
import re
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MAX_SCHEMA_CHARS", "stand_in", "within_budget"]

MAX_SCHEMA_CHARS = 20_000
"""Characters of compact JSON in one tool's input schema, and in its output schema.

About 5,000 tokens, as much as an operation's documentation page (`MAX_DOCUMENT_CHARS`): ten times
the largest schema of the small public APIs (petstore's, uspto's: under 1,800), so those stay
whole, while each tool of an interconnected document is tens of kilobytes, not hundreds (large_spec(500):
115,000 characters of definitions in every schema).
"""

_DEFS_MEMBER = ',"$defs":{}'
# A reference to a definition, as compact JSON spells it: the name is its first pointer token.
_DEFINITION_REF = re.compile(r'"\$ref":"#/\$defs/((?:[^"\\/]|\\.)*)')


def stand_in(name: str) -> dict[str, Any]:
    """What a definition left out becomes: any value, described."""
    return {
        "description": f"A {name} (its schema is left out to keep this tool's schema small; "
        "the operation's documentation resource has it)."
    }


def within_budget(schema: dict[str, Any], *, max_chars: int = MAX_SCHEMA_CHARS) -> dict[str, Any]:
    """`schema` itself when it fits `max_chars`, else it with the definitions nearest its top level.

    The top level is always kept whole; so are the stand-ins its references need, even past
    `max_chars` (a schema cannot be smaller than its own top level).
    """
    definitions = schema.get("$defs")
    if not isinstance(definitions, dict):
        return schema
    top = {key: value for key, value in schema.items() if key != "$defs"}
    top_text = _compact(top)
    room = max_chars - len(top_text) - len(_DEFS_MEMBER)
    kept, spare = _nearest(_names_in(top_text), definitions, room)
    if spare is not None and _fit(definitions.keys() - kept.keys(), definitions, spare):
        return schema  # all it reaches is whole, and what it does not reach fits too
    return {**top, "$defs": dict(sorted(kept.items()))}


def _nearest(first: list[str], definitions: dict[str, Any], room: int) -> tuple[dict[str, Any], int | None]:
    """The definitions to keep within `room` characters: whole ones nearest the top first, stand-ins after.

    `first` are those the top level names. Each definition is taken whole, in breadth-first order,
    while it and the stand-ins for what it newly names fit; the first that does not ends the walk,
    so a definition is never kept while a nearer one is left out, and no more is measured than kept.
    Definitions nothing reaches are not kept. Also returns the room left when every definition
    reached is whole, None when some stand in.
    """
    chosen: dict[str, Any] = {}
    used = 0
    pending: deque[str] = deque()

    def named_anew(names: list[str]) -> list[str]:
        return [name for name in dict.fromkeys(names) if name in definitions and name not in chosen]

    def stand_ins_chars(names: list[str]) -> int:
        return sum(_stand_in_chars(name) for name in names)

    first = named_anew(first)
    used += stand_ins_chars(first)
    chosen.update((name, stand_in(name)) for name in first)
    pending.extend(first)
    while pending:
        name = pending.popleft()
        text = _compact(definitions[name])
        named = named_anew(_names_in(text))
        cost = _entry_chars(name, text) - stand_ins_chars([name]) + stand_ins_chars(named)
        if used + cost > room:
            return chosen, None
        used += cost
        chosen[name] = definitions[name]
        chosen.update((other, stand_in(other)) for other in named)
        pending.extend(named)
    return chosen, room - used


def _fit(names: Iterable[str], definitions: Mapping[str, Any], room: int) -> bool:
    """Whether the definitions `names` fit `room`, measuring no more of them than that takes."""
    for name in names:
        room -= _entry_chars(name, _compact(definitions[name]))
        if room < 0:
            return False
    return True


def _names_in(text: str) -> list[str]:
    """The definitions the compact JSON `text` refers to, in its order.

    Read from the text, which is measured anyway: a `"$ref"` inside data (an `enum` value) may be
    read as a reference too, which at worst keeps a definition that was not needed.
    """
    return [
        _unescaped(token).replace("~1", "/").replace("~0", "~") for token in _DEFINITION_REF.findall(text)
    ]


def _unescaped(token: str) -> str:
    """A JSON string's content as the string it spells (names are rarely escaped at all)."""
    return json.loads(f'"{token}"') if "\\" in token else token


@functools.lru_cache(maxsize=4096)
def _stand_in_chars(name: str) -> int:
    return _entry_chars(name, _compact(stand_in(name)))


def _entry_chars(name: str, text: str) -> int:
    """The characters `"name":text,` takes in `$defs`."""
    return len(_compact(name)) + 1 + len(text) + 1


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _compact(value: Any) -> str:
    """`value` as the compact JSON that sizes are counted in."""
    return _ENCODER.encode(value)
