"""Strict validation of tool arguments against the input schema the tool advertises.

The SDK validates arguments with pydantic in lax mode, so `"5"` and `true` pass
as integers and a model's sloppy call silently does something else. We check
the arguments against the very JSON schema the client was shown, and a call that
does not fit gets an error result naming each offending argument and what the
schema allows, so the model can fix its call.

`jsonschema` costs ~70 ms to import, so it is imported on the first call, not at
start-up (hosts spawn every server at launch).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["ArgumentChecker"]

_MAX_PROBLEMS = 5


class ArgumentChecker:
    """Checks `tools/call` arguments; one compiled validator per tool, built on first use."""

    def __init__(self) -> None:
        self._validators: dict[str, tuple[Mapping[str, Any], Validator]] = {}

    def problems(self, tool: str, schema: Mapping[str, Any], arguments: object) -> str | None:
        """A message describing what is wrong with `arguments`, or None when they fit `schema`."""
        validator = self._validator(tool, schema)
        errors = sorted(validator.iter_errors(arguments), key=lambda e: list(map(str, e.absolute_path)))
        if not errors:
            return None
        lines = [f"- {_describe(error)}" for error in errors[:_MAX_PROBLEMS]]
        if len(errors) > _MAX_PROBLEMS:
            lines.append(f"- … and {len(errors) - _MAX_PROBLEMS} more")
        return f"Invalid arguments for tool {tool!r}:\n" + "\n".join(lines) + _allowed(validator.schema)

    def _validator(self, tool: str, schema: Mapping[str, Any]) -> Validator:
        cached = self._validators.get(tool)
        if cached is not None and cached[0] is schema:
            return cached[1]
        from jsonschema import validators

        cls = validators.validator_for(schema)
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        self._validators[tool] = (schema, validator)
        return validator


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error.absolute_path)
    message = str(error.message)
    if error.validator in ("anyOf", "oneOf"):
        # Optional[X] arrives as anyOf[X, null]: when the value has the right type, the
        # branch's own complaint ("-1 is less than the minimum of 0") is the useful one.
        closer = [sub for sub in error.context or () if sub.validator != "type"]
        kinds = [str(option["type"]) for option in error.validator_value if "type" in option]
        if closer:
            message = str(closer[0].message)
        elif kinds:
            message = f"{error.instance!r} is not of type {' or '.join(repr(kind) for kind in kinds)}"
    if not where:  # the arguments themselves: a missing or unexpected argument names itself
        return message
    return f"argument {where!r}: {message}"


def _allowed(schema: Mapping[str, Any]) -> str:
    """One line per parameter: its JSON type and whether it is required."""
    properties = schema.get("properties") or {}
    if not properties:
        return ""
    required = set(schema.get("required") or ())
    params = []
    for name, spec in properties.items():
        kind = spec.get("type") or "/".join(
            str(option.get("type", "?")) for option in spec.get("anyOf", ()) if isinstance(option, Mapping)
        )
        params.append(f"{name}: {kind or 'any'}{'' if name in required else ' (optional)'}")
    return "\nExpected parameters: " + ", ".join(params) + "."
