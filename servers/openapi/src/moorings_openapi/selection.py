"""Which operations of a document the server offers: the operator's tag and operationId globs, --read-only.

An include glob that matches no operation is an error at start rather than a server quietly
offering nothing: it is a typo more often than not, and the message lists what there is.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from moorings_openapi.operations import Operation
from moorings_openapi.settings import Source

__all__ = ["SelectionError", "operation_key", "select_operations"]

_SHOWN = 12


class SelectionError(ValueError):
    """The operator's selection cannot be what they meant; the message says why and what exists."""


def operation_key(operation: Operation) -> str:
    """What operation globs match: the operationId, or `METHOD /path` for an operation without one."""
    return operation.operation_id or operation.label


def select_operations(operations: Sequence[Operation], source: Source) -> list[Operation]:
    """The operations `source` asks for, in document order."""
    _check_includes(operations, source)
    return [
        operation
        for operation in operations
        if (not source.read_only or operation.read_only)
        and _wanted(operation.tags, source.include_tag, source.exclude_tag)
        and _wanted((operation_key(operation),), source.include_operation, source.exclude_operation)
    ]


def _wanted(names: Sequence[str], include: Sequence[str], exclude: Sequence[str]) -> bool:
    if include and not any(fnmatchcase(name, glob) for name in names for glob in include):
        return False
    return not any(fnmatchcase(name, glob) for name in names for glob in exclude)


def _check_includes(operations: Sequence[Operation], source: Source) -> None:
    tags = sorted({tag for operation in operations for tag in operation.tags})
    keys = [operation_key(operation) for operation in operations]
    for flag, globs, names, noun in (
        ("--include-tag", source.include_tag, tags, "tags"),
        ("--include-operation", source.include_operation, keys, "operationIds"),
    ):
        for glob in globs:
            if not any(fnmatchcase(name, glob) for name in names):
                raise SelectionError(
                    f"{flag} {glob!r} matches nothing; the document's {noun}: {_listed(names)}"
                )


def _listed(names: Sequence[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:_SHOWN])
    return shown if len(names) <= _SHOWN else f"{shown}, ... ({len(names)} in all)"
