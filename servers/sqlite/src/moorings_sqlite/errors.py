"""SQLite's errors as messages a model can act on: what happened, and what to do about it.

sqlite3 raises a handful of exception classes whose messages are SQLite's own terse words ("database
is locked", "no such table: x", "Incorrect number of bindings supplied"). `translate` turns each
into the core's errors: `OperationFailed` for the world saying no (locked, corrupt, full, a
constraint), `AccessDenied` for a read-only file, `LimitExceeded` for a value too big, and
`InvalidInput` for the statement or its parameters, with the count of placeholders spelt out.
The guard's own denials and deadlines are translated where they happen (`SqliteGuard.statement`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from moorings_core import AccessDenied, InvalidInput, LimitExceeded, MooringsError, OperationFailed

__all__ = ["opening_error", "translate"]

_BINDING_COUNT = re.compile(r"uses (\d+), and there (?:are|is) (\d+) supplied")
_MISSING_NAME = re.compile(r"binding parameter (:\S+?)\.?$")


def translate(exc: sqlite3.Error | sqlite3.Warning, databases: Mapping[str, Path]) -> MooringsError:
    """An sqlite3 error as a message that says what happened and what to do about it."""
    message = str(exc)
    code = getattr(exc, "sqlite_errorname", "") or ""
    files = ", ".join(str(path) for path in databases.values())
    if code in {"SQLITE_BUSY", "SQLITE_LOCKED"} or "is locked" in message:
        return OperationFailed(
            "The database is locked: another process holds a write lock on it.",
            hint="Retry in a moment.",
        )
    if code == "SQLITE_NOTADB" or "file is not a database" in message:
        return OperationFailed(f"Not an SQLite database (or encrypted): {files}.")
    if code == "SQLITE_CORRUPT" or "malformed" in message:
        return OperationFailed(
            f"The database file is corrupt ({message}): {files}.",
            hint="Reading other tables may still work; run PRAGMA quick_check to see what is damaged.",
        )
    if code == "SQLITE_READONLY" or "readonly database" in message:
        return AccessDenied(f"The database is read-only here ({message}).")
    if code == "SQLITE_TOOBIG" or "too big" in message:
        return LimitExceeded(
            f"A value is too large for this server ({message}).",
            hint="Select part of it, e.g. with substr() or length().",
        )
    if code in {"SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_NOMEM"}:
        return OperationFailed(f"SQLite could not complete the statement: {message}.")
    if isinstance(exc, sqlite3.IntegrityError):
        return OperationFailed(f"The statement violates a constraint: {message}.")
    if isinstance(exc, (sqlite3.ProgrammingError, sqlite3.Warning)):
        return _programming_error(message)
    return InvalidInput(f"SQLite rejected the statement: {message}.")


def _programming_error(message: str) -> MooringsError:
    if "one statement at a time" in message:
        return InvalidInput(
            "Only one SQL statement can run per call, and this text holds more than one.",
            hint="Send each statement in its own call (a trailing ';' is fine).",
        )
    counts = _BINDING_COUNT.search(message)
    if counts:
        wanted, given = int(counts[1]), int(counts[2])
        return InvalidInput(
            f"The statement has {wanted} parameter placeholder{'s' if wanted != 1 else ''} but "
            f"{given} value{'s were' if given != 1 else ' was'} given in params.",
            hint="Give exactly one value per placeholder, in order.",
        )
    missing = _MISSING_NAME.search(message)
    if missing:
        return InvalidInput(f"params has no value for the placeholder {missing[1]}.")
    if "has no name" in message:
        return InvalidInput(
            "The statement uses '?' placeholders, so params must be a list, not an object.",
        )
    return InvalidInput(f"The statement or its parameters cannot be used: {message}.")


def opening_error(exc: sqlite3.Error, databases: Mapping[str, Path]) -> MooringsError:
    """An error met while opening: a plain SQL error there means the file is unusable."""
    translated = translate(exc, databases)
    if isinstance(translated, InvalidInput):
        return OperationFailed(f"Could not open the database: {exc}.")
    return translated
