"""Tool names for operations: short, legal everywhere, unique, and the same on every start.

A name comes from the operation's `operationId`, else from its method and path
(`GET /pets/{petId}` -> `get_pets_petId`). MCP allows `^[A-Za-z0-9._-]{1,128}$`, but hosts put the
server's name in front and some clients cap the whole at 64 characters, so a name (with its
`prefix`) is kept to `MAX_NAME_LENGTH`: a longer one is cut and ends in a hash of its full original,
so two long ids that share a beginning still differ, and the name never changes between starts.

Names must differ even to a client that ignores case. Every operation first claims its own name
in document order; an operation whose name is already claimed gets the first free `_2`, `_3`, ...
after every own name is placed, so an operation really called `list_2` keeps that name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from moorings_openapi.operations import Operation

__all__ = ["MAX_NAME_LENGTH", "tool_names"]

MAX_NAME_LENGTH = 56
"""Room for a host's `server__` prefix within the 64 characters some clients allow."""

_MIN_OWN_LENGTH = 16  # what a prefix must leave for the operation's own name
_HASH_LENGTH = 8
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9._-]+")
_ALLOWED = re.compile(r"[A-Za-z0-9._-]+")


def tool_names(operations: Sequence[Operation], *, prefix: str = "") -> list[str]:
    """One tool name for each operation, in the same order.

    `prefix` (`petstore_`, when one server serves several APIs) counts within the limit.
    Raises ValueError for a prefix MCP does not allow in names or that leaves too little room.
    """
    if prefix and not _ALLOWED.fullmatch(prefix):
        raise ValueError(f"the tool name prefix {prefix!r} may hold only letters, digits, '.', '_' and '-'")
    room = MAX_NAME_LENGTH - len(prefix)
    if room < _MIN_OWN_LENGTH:
        raise ValueError(
            f"the tool name prefix {prefix!r} is too long:"
            f" keep it to {MAX_NAME_LENGTH - _MIN_OWN_LENGTH} characters"
        )

    own = [prefix + _fit(_own_name(operation), _original(operation), room) for operation in operations]
    taken = {name.lower() for name in own}  # every own name, so no suffixed name can take one
    given: set[str] = set()
    names = []
    for name in own:
        if name.lower() in given:
            name = _with_free_suffix(name, taken)
            taken.add(name.lower())
        given.add(name.lower())
        names.append(name)
    return names


def _original(operation: Operation) -> str:
    return operation.operation_id or f"{operation.method} {operation.path}"


def _own_name(operation: Operation) -> str:
    """The operationId made legal, or the method and path when nothing of the id survives."""
    if operation.operation_id:
        name = _sanitise(operation.operation_id)
        if name:
            return name
    return _sanitise(f"{operation.method.lower()} {operation.path}") or operation.method.lower()


def _sanitise(text: str) -> str:
    # `créerAnimal` becomes `creerAnimal`, not `cr_erAnimal`: accents go, their letters stay.
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("_", ascii_text).strip("_")


def _fit(name: str, original: str, room: int) -> str:
    if len(name) <= room:
        return name
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LENGTH]
    return f"{name[: room - _HASH_LENGTH - 1].rstrip('_')}_{digest}"


def _with_free_suffix(name: str, taken: set[str]) -> str:
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
        if candidate.lower() not in taken:
            return candidate
        number += 1
