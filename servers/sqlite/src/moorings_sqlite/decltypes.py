"""The declared types of a statement's result columns, read from SQLite's own C API.

Python's sqlite3 does not expose `sqlite3_column_decltype`, so this module calls it through ctypes
on the very libsqlite3 that Python's sqlite3 uses (no new dependency). It works on a private
connection of its own, opened read-only on the same files (main and the configured attachments),
that only ever *prepares* a statement to read its columns and finalizes it: a user statement is
never stepped there, so it cannot run or change anything. The statements it is given have already
passed the guard on the main connection.

Only a column that comes straight from a table's column has a declared type (`INTEGER`, `TEXT`,
`VARCHAR(20)`, ...): an expression, an aggregate or a literal has none, by SQLite's rules.
Whatever goes wrong — no usable library, a file the private connection cannot open, a statement it
cannot prepare (a temporary table only the main connection sees), a busy file — the types are
simply unknown (None), never an error for the user; the reason is logged at DEBUG.

Why only SQLite's own copy: on POSIX systems a second copy of SQLite in one process does not share
the first one's bookkeeping of POSIX advisory locks, and its opening and closing of the same files
can release the first copy's locks (SQLite's "How To Corrupt An SQLite Database File", section
2.2.1). So a system libsqlite3 other than Python's is used only on Windows, whose file locks
are not POSIX advisory locks.
"""

from __future__ import annotations

import _sqlite3
import ctypes
import ctypes.util
import functools
import logging
import sqlite3
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from moorings_core.sandbox.sqlite import quote_identifier

__all__ = ["DeclaredTypes"]

logger = logging.getLogger(__name__)

_OK, _DONE = 0, 101
_OPEN_READONLY, _OPEN_URI = 0x00000001, 0x00000040
_TRANSIENT = ctypes.c_void_p(-1)  # SQLITE_TRANSIENT: SQLite copies a bound value before returning

_db, _stmt, _int, _text = ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
_SIGNATURES: dict[str, tuple[type | None, list[type]]] = {
    "sqlite3_libversion": (_text, []),
    "sqlite3_threadsafe": (_int, []),
    "sqlite3_open_v2": (_int, [_text, ctypes.POINTER(_db), _int, _text]),
    "sqlite3_close_v2": (_int, [_db]),
    "sqlite3_errmsg": (_text, [_db]),
    "sqlite3_prepare_v2": (_int, [_db, _text, _int, ctypes.POINTER(_stmt), ctypes.POINTER(_text)]),
    "sqlite3_bind_text": (_int, [_stmt, _int, _text, _int, ctypes.c_void_p]),
    "sqlite3_step": (_int, [_stmt]),
    "sqlite3_finalize": (_int, [_stmt]),
    "sqlite3_column_count": (_int, [_stmt]),
    "sqlite3_column_name": (_text, [_stmt, _int]),
    "sqlite3_column_decltype": (_text, [_stmt, _int]),
}


class _Failed(Exception):
    """Why the declared types are unknown this time (logged, never shown to the user)."""


class DeclaredTypes:
    """Declared types of result columns, from a private read-only connection to `databases`.

    `databases` maps schema names to files, `main` first, as the main connection has them. The
    connection is opened on first use and closed by `close()`. A call blocks briefly (tens of
    microseconds: a schema check and one prepare, never a wait for a lock); calls are safe from
    any thread and run one at a time.
    """

    def __init__(self, databases: Mapping[str, Path]) -> None:
        self._databases = dict(databases)
        self._lib: ctypes.CDLL | None = None
        self._handle: ctypes.c_void_p | None = None
        self._refresh_sql = _refresh_statement(self._databases)
        self._lock = threading.Lock()
        self._closed = False

    def of(self, sql: str, names: Sequence[str]) -> list[str | None]:
        """The declared type of each result column of `sql` (None where there is none or unknown).

        `names` are the column names the main connection reported for `sql`: when the private
        connection sees other columns (its schema differs), every type is unknown rather than wrong.
        """
        unknown: list[str | None] = [None] * len(names)
        with self._lock:
            if self._closed or not names:
                return unknown
            try:
                lib, handle = self._open()
                self._refresh(lib, handle)
                found = _column_types(lib, handle, sql)
            except _Failed as failure:
                logger.debug("declared types unknown: %s", failure)
                return unknown
        if [name for name, _ in found] != list(names):
            logger.debug("declared types unknown: the columns differ from the main connection's")
            return unknown
        return [declared for _, declared in found]

    def close(self) -> None:
        """Close the private connection; later calls answer None for every column."""
        with self._lock:
            self._closed = True
            if self._lib is not None and self._handle is not None:
                self._lib.sqlite3_close_v2(self._handle)
            self._handle = None

    # -- the private connection ---------------------------------------------------------------------

    def _open(self) -> tuple[ctypes.CDLL, ctypes.c_void_p]:
        lib = _library()
        if lib is None:
            raise _Failed("no SQLite C library with the needed functions (see the DEBUG log above)")
        if self._handle is not None:
            return lib, self._handle
        main, *_ = self._databases.values()
        handle = ctypes.c_void_p()
        code = lib.sqlite3_open_v2(_uri(main), ctypes.byref(handle), _OPEN_READONLY | _OPEN_URI, None)
        try:
            if code != _OK:
                raise _Failed(f"opening {main} read-only failed: {_error(lib, handle)}")
            for name, path in list(self._databases.items())[1:]:
                attach = f"ATTACH DATABASE ? AS {quote_identifier(name)}".encode()
                with _prepared(lib, handle, attach) as statement:
                    uri = _uri(path)
                    if lib.sqlite3_bind_text(statement, 1, uri, len(uri), _TRANSIENT) != _OK:
                        raise _Failed(f"binding the path of {name}: {_error(lib, handle)}")
                    if lib.sqlite3_step(statement) != _DONE:
                        raise _Failed(f"attaching {path} as {name}: {_error(lib, handle)}")
        except _Failed:
            lib.sqlite3_close_v2(handle)  # even a failed open returns a handle to release
            raise
        self._lib, self._handle = lib, handle
        return lib, handle

    def _refresh(self, lib: ctypes.CDLL, handle: ctypes.c_void_p) -> None:
        """Bring the private connection's copy of every schema up to date.

        A prepare uses the schema as last read, which another connection may have changed since
        (a table dropped and re-created with other types); stepping a statement that touches each
        schema makes SQLite check its schema cookie and reload it if it moved.
        """
        with _prepared(lib, handle, self._refresh_sql) as statement:
            if lib.sqlite3_step(statement) != _DONE:
                raise _Failed(f"reading the schemas: {_error(lib, handle)}")


def _column_types(lib: ctypes.CDLL, handle: ctypes.c_void_p, sql: str) -> list[tuple[str, str | None]]:
    """Each result column's name and declared type, from preparing `sql` (never stepping it)."""
    try:
        text = sql.encode()
    except UnicodeEncodeError as exc:
        raise _Failed(f"the statement is not valid UTF-8 text: {exc}") from None
    with _prepared(lib, handle, text) as statement:
        return [
            (
                _decoded(lib.sqlite3_column_name(statement, index)) or "",
                _decoded(lib.sqlite3_column_decltype(statement, index)),
            )
            for index in range(lib.sqlite3_column_count(statement))
        ]


@contextmanager
def _prepared(lib: ctypes.CDLL, handle: ctypes.c_void_p, sql: bytes) -> Iterator[ctypes.c_void_p]:
    """A statement prepared on `handle`, finalized however the block ends."""
    statement = ctypes.c_void_p()
    code = lib.sqlite3_prepare_v2(handle, sql, len(sql), ctypes.byref(statement), None)
    try:
        if code != _OK:
            raise _Failed(f"preparing the statement: {_error(lib, handle)}")
        if not statement.value:
            raise _Failed("the text holds no statement (only spaces or comments)")
        yield statement
    finally:
        lib.sqlite3_finalize(statement)  # a no-op on NULL


def _refresh_statement(databases: Mapping[str, Path]) -> bytes:
    """A statement that reads no row but makes SQLite check every schema's cookie."""
    return " UNION ALL ".join(
        f"SELECT 1 FROM {quote_identifier(name)}.sqlite_master WHERE 0"  # noqa: S608 (our schema names, quoted)
        for name in databases
    ).encode()


def _uri(path: Path) -> bytes:
    return f"{path.as_uri()}?mode=ro".encode()


def _error(lib: ctypes.CDLL, handle: ctypes.c_void_p) -> str:
    message = _decoded(lib.sqlite3_errmsg(handle)) if handle.value else None
    return message or "out of memory"  # SQLite gives no handle only when it could not allocate one


def _decoded(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", errors="replace")


# -- the library ------------------------------------------------------------------------------------


@functools.cache
def _library() -> ctypes.CDLL | None:
    """SQLite's C library as Python's sqlite3 uses it, with every function we call typed; or None."""
    for source in _candidates():
        try:
            lib = ctypes.CDLL(source)
            for name, (restype, argtypes) in _SIGNATURES.items():
                function = getattr(lib, name)  # AttributeError when the symbol is not exported
                function.restype, function.argtypes = restype, argtypes
        except (OSError, AttributeError) as exc:
            logger.debug("no usable SQLite C functions in %s: %s", source or "the process", exc)
            continue
        version = _decoded(lib.sqlite3_libversion())
        if version != sqlite3.sqlite_version:
            logger.debug("%s is SQLite %s, not Python's %s", source, version, sqlite3.sqlite_version)
        elif lib.sqlite3_threadsafe() == 0:  # its connections cannot be used from several threads
            logger.debug("%s is built single-threaded", source)
        else:
            return lib
    return None


def _candidates() -> Iterator[str | None]:
    """Where SQLite's functions may be found, the copy Python's sqlite3 uses first."""
    module_file = getattr(_sqlite3, "__file__", None)
    if module_file is None:
        if sys.platform != "win32":
            yield None  # built into the interpreter: the symbols the process itself was linked with
        return
    # On POSIX, symbols looked up through the extension module come from its own copy or from the
    # libsqlite3 it links to: exactly the one Python uses.
    yield module_file
    if sys.platform == "win32":
        # The .pyd does not re-export SQLite's functions; the sqlite3.dll beside it is the one it
        # loaded, and a system copy is safe there (file locks are not POSIX advisory locks).
        yield str(Path(module_file).with_name("sqlite3.dll"))
        found = ctypes.util.find_library("sqlite3")
        if found is not None:
            yield found
