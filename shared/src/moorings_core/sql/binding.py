"""Statement parameters from a tool's JSON arguments, checked before any driver sees them.

Every value from the model is bound to a placeholder, never written into SQL. The arguments can
only carry JSON, so a parameter is a string, a number, a boolean or null; `bind` refuses anything
else with a message the model can act on, as it refuses what JSON can carry but no database can
store: text with a lone surrogate (an escape like "\\ud800" that is half of a character).

Placeholders are positional (`?`, `$1`: params is a list) or named (`:name`, `@name`, `$name`:
params is an object, its keys with or without the sigil). An engine without named placeholders
binds with `named=False`, which refuses an object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from moorings_core.errors import InvalidInput

__all__ = ["Bound", "Parameter", "Params", "bind"]

Parameter: TypeAlias = bool | int | float | str | None
"""A value that can be bound to a placeholder (what JSON arguments can carry)."""

Params: TypeAlias = Sequence[Parameter] | Mapping[str, Parameter] | None
"""Values for a statement's placeholders: a list for positional ones, a mapping for named ones."""

Bound: TypeAlias = tuple[Parameter, ...] | dict[str, Parameter]
"""Parameters as a driver takes them: a tuple, or a dict keyed by bare names."""

_SIGILS = ":@$"


def bind(params: Params, *, named: bool = True) -> Bound:
    """`params` checked and ready to bind: a tuple, or a dict whose keys have lost their sigil.

    Raises `InvalidInput` for a single string or bytes in place of a list, a value that is not a
    scalar, text that is not valid Unicode, and a mapping when the engine has no named
    placeholders (`named=False`).
    """
    if params is None:
        return ()
    if isinstance(params, Mapping):
        if not named:
            raise InvalidInput(
                "This database takes positional placeholders ($1, $2, ...), so params must be a list, "
                "not an object."
            )
        return {str(key).lstrip(_SIGILS): _checked(value, f":{key}") for key, value in params.items()}
    if isinstance(params, (str, bytes)):
        raise InvalidInput("params must be a list or an object, not a single string.")
    return tuple(_checked(value, f"number {index}") for index, value in enumerate(params, start=1))


def _checked(value: object, which: str) -> Parameter:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput(
                    f"Parameter {which} contains text that is not valid Unicode (a lone surrogate)."
                ) from None
        return value
    raise InvalidInput(
        f"A parameter value must be a string, number, boolean or null, not {type(value).__name__} "
        f"(parameter {which}).",
        hint="Pass JSON text as a string and use the database's JSON functions on it.",
    )
