"""Opening SQLite files safely: which files, in which mode, and a connection with the guard installed.

The main file and each attachment are checked before SQLite sees them: a canonical path that
exists (unless it may be created) and starts with SQLite's header, so a wrong file is named
clearly instead of failing on a later query. They are opened as `mode=ro` URIs, or `rw`/`rwc`
when writes (and creation) are allowed, in autocommit, with the statement cache off so that the
guard's authorizer judges every execution; the guard is installed last, after the configured
attachments, which it then protects from DETACH.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import aiosqlite

from moorings_core import InvalidInput, NotFound, OperationFailed, SqliteGuard
from moorings_core.sandbox.sqlite import quote_identifier
from moorings_core.sql.rows import LARGEST_BATCH
from moorings_core.sql.values import decode_text
from moorings_sqlite.errors import opening_error

__all__ = ["BUSY_TIMEOUT", "database_files", "open_connection", "open_mode"]

BUSY_TIMEOUT = 1.0  # seconds to wait for another process's lock before saying "locked, retry"


def database_files(path: Path, attachments: Mapping[str, Path], *, create: bool) -> dict[str, Path]:
    """The files to open by schema name, `main` first: canonical, checked, attachments well named.

    Raises NotFound (a missing file), InvalidInput (a directory, a bad attachment name) or
    OperationFailed (unreadable, or not an SQLite database).
    """
    databases = {"main": _database_file(path, create=create)}
    for name, attached in attachments.items():
        databases[_schema_name(name, databases)] = _database_file(attached, create=create)
    return databases


def open_mode(*, allow_writes: bool, create: bool) -> str:
    """The URI mode every file is opened in."""
    return "rwc" if create else "rw" if allow_writes else "ro"


async def open_connection(
    databases: Mapping[str, Path], mode: str, guard: SqliteGuard
) -> aiosqlite.Connection:
    """An aiosqlite connection to `databases` under `guard`, opened in its own thread.

    aiosqlite runs the connector in the connection's thread: opening, attaching and installing the
    guard all happen there, like every later call. Raises as `errors.opening_error` says.
    """
    failures: list[sqlite3.Error] = []

    def connect() -> sqlite3.Connection:
        try:
            return _connect(databases, mode, guard)
        except sqlite3.Error as exc:
            # Raised below instead: when a connector raises, aiosqlite stops its thread without
            # waiting for it, and the thread can outlive the event loop. A stand-in connection
            # lets the thread be closed properly.
            failures.append(exc)
            return sqlite3.connect(":memory:")

    connection = aiosqlite.Connection(connect, iter_chunk_size=LARGEST_BATCH)
    await connection
    if failures:
        await connection.close()
        raise opening_error(failures[0], databases)
    return connection


def _connect(databases: Mapping[str, Path], mode: str, guard: SqliteGuard) -> sqlite3.Connection:
    """Open main and attach the rest (runs in aiosqlite's thread); the guard comes last."""
    main, *_ = databases.values()
    connection = sqlite3.connect(
        _uri(main, mode),
        uri=True,
        timeout=BUSY_TIMEOUT,
        isolation_level=None,  # autocommit: each statement is its own transaction
        check_same_thread=True,
        cached_statements=0,  # re-prepare every time, so the authorizer judges every execution
    )
    try:
        connection.text_factory = decode_text
        for name, path in list(databases.items())[1:]:
            connection.execute(f"ATTACH DATABASE ? AS {quote_identifier(name)}", (_uri(path, mode),))
        guard.install(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _uri(path: Path, mode: str) -> str:
    return f"{path.as_uri()}?mode={mode}"


_SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database


def _database_file(path: Path, *, create: bool) -> Path:
    """The canonical path of a database file, which must exist unless it may be created."""
    resolved = Path(path).expanduser().resolve()
    if resolved.is_dir():
        raise InvalidInput(f"'{path}' is a directory; give the path of an SQLite database file.")
    if not resolved.exists():
        if not create:
            raise NotFound(
                f"The database file '{path}' does not exist.",
                hint="Check the path; to create a new database, use --allow-writes --create.",
            )
        if not resolved.parent.is_dir():
            raise NotFound(f"The directory for the new database '{path}' does not exist.")
        return resolved
    try:
        with resolved.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise OperationFailed(f"Could not read the database file '{path}': {exc.strerror or exc}.") from None
    if header and header != _SQLITE_HEADER:  # an empty file is an empty database
        raise OperationFailed(f"'{path}' is not an SQLite database (or it is encrypted).")
    return resolved


_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _schema_name(name: str, taken: Mapping[str, Path]) -> str:
    if not _SCHEMA_NAME.fullmatch(name):
        raise InvalidInput(f"The attachment name {name!r} must be a plain identifier (letters, digits, _).")
    if name.lower() in {"main", "temp"} or name.lower() in {t.lower() for t in taken}:
        raise InvalidInput(f"The attachment name {name!r} is already used; choose another.")
    return name
