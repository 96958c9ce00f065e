"""Strict checking of the arguments of a tool whose input schema is data, not a Python function.

A tool built from an OpenAPI document has no argument model to check against, so its arguments are
validated against the JSON Schema it advertises, with `jsonschema` (the reference implementation;
the dialect is the one the schema's `$schema` names, 2020-12 when it names none). JSON Schema is
already strict about JSON types: `"5"` is not an integer and `true` is not a number. The schema is
checked once, when the tool is registered, so a malformed one fails at start-up and not on a
model's first call (`metaschema`, which keeps that cheap for a thousand tools).

Problems are worded like `ArgumentChecker`'s (same framing, same list of expected parameters):
each names the argument at fault by its path as the caller spelt it (`filter.tags.0`), says what
was wrong, and what is allowed there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
import pydantic_core
from jsonschema.exceptions import ValidationError, best_match, relevance

from moorings_core.errors import InvalidInput
from moorings_core.server.arguments import framed, has_lone_surrogate
from moorings_core.server.metaschema import metaschema_error

__all__ = ["SchemaArgumentChecker"]


class SchemaArgumentChecker:
    """Checks one tool's `tools/call` arguments against the JSON Schema the tool was declared with."""

    def __init__(self, tool: str, schema: Mapping[str, Any]) -> None:
        self._name = tool
        self._schema = schema
        self._validator = _compiled(tool, schema, "input")

    def problems(self, arguments: Mapping[str, Any]) -> str | None:
        """A message describing what is wrong with `arguments`, or None when they fit."""
        lines: list[str] = []
        for error in sorted(self._validator.iter_errors(dict(arguments)), key=relevance):
            for line in _described(_most_specific(error)):
                if line not in lines:
                    lines.append(line)
        lines += [
            f"- argument {name!r}: text that is not valid Unicode (a lone surrogate such as \\ud800)"
            for name, value in arguments.items()
            if has_lone_surrogate(value)
        ]
        return framed(self._name, lines, self._schema)


def check_output_schema(tool: str, schema: Mapping[str, Any]) -> None:
    """Refuse an output schema that is not a valid JSON Schema for an object."""
    _compiled(tool, schema, "output")


def _compiled(tool: str, schema: Mapping[str, Any], which: str) -> Any:
    """A validator for `schema`, which must be a valid JSON Schema of an object (as MCP requires)."""
    if schema.get("type") != "object":
        raise InvalidInput(
            f"The {which} schema of tool {tool!r} has type {schema.get('type')!r}.",
            hint='MCP requires a tool\'s schemas to describe an object: give it "type": "object".',
        )
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    error = metaschema_error(cls, schema)
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "its root"
        raise InvalidInput(
            f"The {which} schema of tool {tool!r} is not a valid JSON Schema at {where}: {error.message}.",
            hint="Fix the schema (or the document it came from) so it follows its JSON Schema dialect.",
        )
    return cls(schema)


def _most_specific(error: ValidationError) -> ValidationError:
    """For `anyOf`/`oneOf`, the branch's complaint that says most; else the error itself."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        deeper = best_match(error.context)
        if deeper is not None and len(deeper.absolute_path) > len(error.absolute_path):
            return _most_specific(deeper)
    return error


def _described(error: ValidationError) -> Iterable[str]:
    """One line per argument at fault: where, what was wrong, what is allowed."""
    at = [str(step) for step in error.absolute_path]
    instance, value = error.instance, error.validator_value
    if error.validator == "required" and isinstance(instance, Mapping):
        return [f"- argument {_where(at, name)!r} is required" for name in value if name not in instance]
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = error.schema.get("properties") or {}
        allowed = ", ".join(known) or "none"
        return [
            f"- argument {_where(at, name)!r} is not a parameter of this tool"
            if not at
            else f"- argument {_where(at, name)!r} is not allowed here (allowed: {allowed})"
            for name in instance
            if name not in known and not _matches_pattern(error.schema, name)
        ]
    where = ".".join(at)
    subject = f"argument {where!r}" if where else "the arguments"
    if error.validator == "type":
        allowed = " or ".join(value) if isinstance(value, list) else str(value)
        return [f"- {subject}: expected {allowed}, got {_given(instance)}"]
    if error.validator == "enum":
        return [f"- {subject}: must be one of {', '.join(map(_given, value))}, got {_given(instance)}"]
    if error.validator == "const":
        return [f"- {subject}: must be {_given(value)}, got {_given(instance)}"]
    return [f"- {subject}: {error.message}"]


def _where(at: list[str], name: str) -> str:
    return ".".join([*at, name])


def _matches_pattern(schema: Mapping[str, Any], name: str) -> bool:
    return any(re.search(pattern, name) for pattern in schema.get("patternProperties") or {})


def _given(value: object) -> str:
    text = pydantic_core.to_json(value, fallback=repr).decode()
    return text if len(text) <= 60 else text[:57] + "..."
