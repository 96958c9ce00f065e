"""SQL safety for SQLite connections: what each statement may do, and for how long.

A server never decides whether SQL is safe by reading its text. It tells the guard what *access*
a statement may have, and SQLite itself reports every action the statement would take while
preparing it: the guard's authorizer allows or denies each one, deny by default.

- `Access.READ`: SELECT (WITH included), reading tables, recursion, functions except a denylist
  (`load_extension` and friends), and PRAGMAs from an allowlist that only report or describe.
- `Access.WRITE`: any change to the open databases, except ATTACH (and VACUUM INTO, which SQLite
  reports as an ATTACH of its target) of a file that is not a configured database, DETACH of the
  configured databases, the denied functions, and PRAGMAs outside an allowlist of safe settings.
  No transaction control: each statement commits on its own, so no call leaves the file locked.
- `Access.CREATE_TABLE`: one CREATE TABLE (AS SELECT too) and the schema bookkeeping it implies;
  a statement that creates no table (a SELECT, a PRAGMA that reports) is refused once it ran.

`install` also makes the connection itself safer: extensions cannot be loaded, schema code
(views, triggers) may only call harmless functions, values are capped in size, and a guard
that does not allow writes sets `PRAGMA query_only` as a second line behind the authorizer.
The connection should be in autocommit mode (`isolation_level=None`): the guard authorizes
nothing outside a statement, so the COMMIT of Python's legacy transaction handling would fail.

Each statement runs inside `guard.statement(access, timeout, stop_by=...)`, which covers its
execution and every fetch: a progress handler interrupts it at the deadline (its own `timeout`,
or `stop_by` when that comes first: the deadline of the tool call it serves, so a statement never
outlives its call), and the guard turns SQLite's bare "not authorized" and "interrupted" into
`AccessDenied` and `LimitExceeded` that say what was refused and what is allowed. Outside a
statement nothing is authorized and nothing may run. The progress handler only runs between
virtual machine steps, and a few steps can be long on their own (`count(*)` of a big table is
one): a caller with an event loop also calls `expire` when the deadline passes, which interrupts
from outside.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from moorings_core.errors import AccessDenied, LimitExceeded

__all__ = ["MAX_VALUE_BYTES", "Access", "Denial", "SqliteGuard", "StatementRecord", "quote_identifier"]

MAX_VALUE_BYTES = 64 * 1024 * 1024  # the largest string or blob a statement may make or read
PROGRESS_STEPS = 10_000  # virtual machine steps between deadline checks (well under a millisecond)

_OK = sqlite3.SQLITE_OK
_DENY = sqlite3.SQLITE_DENY

# Authorizer action codes (https://sqlite.org/c3ref/c_alter_table.html), by name for the messages.
_ACTIONS = {
    1: "CREATE INDEX",
    2: "CREATE TABLE",
    3: "CREATE TEMP INDEX",
    4: "CREATE TEMP TABLE",
    5: "CREATE TEMP TRIGGER",
    6: "CREATE TEMP VIEW",
    7: "CREATE TRIGGER",
    8: "CREATE VIEW",
    9: "DELETE",
    10: "DROP INDEX",
    11: "DROP TABLE",
    12: "DROP TEMP INDEX",
    13: "DROP TEMP TABLE",
    14: "DROP TEMP TRIGGER",
    15: "DROP TEMP VIEW",
    16: "DROP TRIGGER",
    17: "DROP VIEW",
    18: "INSERT",
    19: "PRAGMA",
    20: "READ",
    21: "SELECT",
    22: "transaction control",
    23: "UPDATE",
    24: "ATTACH",
    25: "DETACH",
    26: "ALTER TABLE",
    27: "REINDEX",
    28: "ANALYZE",
    29: "CREATE VIRTUAL TABLE",
    30: "DROP VIRTUAL TABLE",
    31: "function call",
    32: "SAVEPOINT",
    33: "recursive query",
}
_INSERT, _UPDATE, _DELETE = 18, 23, 9
_PRAGMA, _READ, _SELECT, _FUNCTION, _RECURSIVE = 19, 20, 21, 31, 33
_ATTACH, _DETACH, _TRANSACTION, _SAVEPOINT, _ALTER_TABLE = 24, 25, 22, 32, 26
_CREATE_INDEX, _CREATE_TABLE, _CREATE_TEMP_INDEX, _CREATE_TEMP_TABLE = 1, 2, 3, 4
_ROW_CHANGES = {_INSERT, _UPDATE, _DELETE}
_SCHEMA_CHANGES = {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 26, 27, 28, 29, 30}

# SQLite's own tables. It changes them itself as bookkeeping (creating or dropping a table, the
# first use of a pragma table-valued function) and reports that to the authorizer, but it refuses
# such changes from SQL unless writable_schema is on, which no access allows. So these actions are
# let through, and the action they are part of (CREATE TABLE...) is what gets judged.
_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"})

# Functions no statement may call: they load code, swap tokenizer pointers, or touch files.
DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"})

# Eponymous virtual tables that write raw pages when a statement changes them.
_RAW_PAGE_TABLES = frozenset({"sqlite_dbpage"})

# PRAGMAs that describe the schema or check it; their argument names a table, an index or a limit.
_DESCRIBING_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
    }
)

# PRAGMAs that report a setting or a fact when given no value (with one, most would change it).
_REPORTING_PRAGMAS = frozenset(
    {
        "analysis_limit",
        "application_id",
        "auto_vacuum",
        "automatic_index",
        "busy_timeout",
        "cache_size",
        "cache_spill",
        "cell_size_check",
        "checkpoint_fullfsync",
        "collation_list",
        "compile_options",
        "data_version",
        "database_list",
        "defer_foreign_keys",
        "encoding",
        "foreign_keys",
        "freelist_count",
        "fullfsync",
        "function_list",
        "hard_heap_limit",
        "ignore_check_constraints",
        "journal_mode",
        "journal_size_limit",
        "legacy_alter_table",
        "locking_mode",
        "max_page_count",
        "mmap_size",
        "module_list",
        "page_count",
        "page_size",
        "pragma_list",
        "query_only",
        "read_uncommitted",
        "recursive_triggers",
        "reverse_unordered_selects",
        "schema_version",
        "secure_delete",
        "soft_heap_limit",
        "synchronous",
        "temp_store",
        "threads",
        "trusted_schema",
        "user_version",
        "wal_autocheckpoint",
    }
)

# With writes allowed: the settings and maintenance PRAGMAs a statement may run, with the values
# each accepts (None: any). Turning off the journal or syncing could corrupt the file on a crash;
# writable_schema, trusted_schema, query_only, locking_mode, busy_timeout, the cache and memory
# limits and the directory pragmas stay out of reach because they undo the guard or the server's
# own limits.
_WRITE_PRAGMAS: dict[str, frozenset[str] | None] = {
    "analysis_limit": None,
    "application_id": None,
    "auto_vacuum": None,
    "automatic_index": None,
    "defer_foreign_keys": None,
    "foreign_keys": None,
    "incremental_vacuum": None,
    "journal_mode": frozenset({"delete", "truncate", "persist", "wal"}),
    "journal_size_limit": None,
    "optimize": None,
    "page_size": None,
    "recursive_triggers": None,
    "secure_delete": None,
    "synchronous": frozenset({"normal", "full", "extra", "1", "2", "3"}),
    "user_version": None,
    "wal_autocheckpoint": None,
    "wal_checkpoint": None,
}


class Access(Enum):
    """What one statement may do."""

    READ = "read"
    WRITE = "write"
    CREATE_TABLE = "create table"


@dataclass(frozen=True)
class Denial:
    """An action the guard refused: what it was (`action`) and why (`reason`)."""

    action: str
    reason: str


@dataclass
class StatementRecord:
    """What the guard saw while one statement ran."""

    access: Access
    timeout: float
    deadline: float
    for_call: bool = False  # the deadline is the call's `stop_by`, sooner than `timeout`
    denial: Denial | None = None  # the first refused action: the one SQLite stopped at
    interrupted: bool = False
    wrote: bool = False  # it changed rows, the schema or a setting stored in the file
    changed_rows: bool = False  # it inserted, updated or deleted rows (so SQLite's changes() counts them)
    inserted: bool = False  # it inserted rows (so the last rowid means something)
    attached: bool = False  # it attached a database (VACUUM does, for its scratch copy)
    created_table: bool = False  # it created a table (or found it there, with IF NOT EXISTS)


class SqliteGuard:
    """The authorizer and deadline for one connection, from the operator's configuration.

    `allow_writes`: whether any statement may change the database at all (without it, only
    `Access.READ` is granted). `writable_files`: the database files a statement may ATTACH
    (usually the configured databases themselves); nothing else, ever.
    """

    def __init__(self, *, allow_writes: bool, writable_files: Collection[Path] = ()) -> None:
        self.allow_writes = allow_writes
        self.writable_files = frozenset(Path(os.path.realpath(path)) for path in writable_files)
        self._protected_schemas: frozenset[str] = frozenset({"main", "temp"})
        self._current: StatementRecord | None = None
        self._connection: sqlite3.Connection | None = None

    # -- setting up ---------------------------------------------------------------------------------

    def install(self, connection: sqlite3.Connection) -> None:
        """Harden `connection` and put it under this guard (call in the connection's own thread).

        The databases attached before this call are the configured ones: they cannot be detached.
        """
        if hasattr(connection, "enable_load_extension"):  # absent when Python was built without it
            connection.enable_load_extension(False)
        if sys.version_info >= (3, 11):
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        connection.execute("PRAGMA trusted_schema = OFF")  # views and triggers: harmless functions only
        if not self.allow_writes:
            connection.execute("PRAGMA query_only = ON")
        schemas = connection.execute("SELECT name FROM pragma_database_list").fetchall()
        self._protected_schemas = frozenset(str(name).lower() for (name,) in schemas) | {"main", "temp"}
        connection.set_authorizer(self._authorize)
        connection.set_progress_handler(self._on_progress, PROGRESS_STEPS)
        self._connection = connection

    # -- one statement ------------------------------------------------------------------------------

    @contextmanager
    def statement(
        self, access: Access, timeout: float, *, stop_by: float | None = None
    ) -> Iterator[StatementRecord]:
        """Run one statement (its execution and every fetch) under `access`, for `timeout` seconds.

        `stop_by`, a `time.monotonic()` such as the tool call's `limits.work_deadline()`, stops it
        sooner if it comes first. A denial raises `AccessDenied`, the deadline `LimitExceeded`; any
        other error passes through.
        """
        if access is not Access.READ and not self.allow_writes:
            raise AccessDenied(
                "This database is read-only: statements that change it are not allowed.",
                hint="Only reading statements (SELECT, WITH, EXPLAIN, reporting PRAGMAs) can run.",
            )
        started = time.monotonic()
        if stop_by is not None and stop_by < started + timeout:
            record = StatementRecord(access, timeout, stop_by, for_call=True)
        else:
            record = StatementRecord(access, timeout, started + timeout)
        self._current = record
        try:
            yield record
        except sqlite3.Error as exc:
            if record.denial is not None:
                raise self._denied(record.denial, access) from None
            if record.interrupted or (_is_interrupt(exc) and time.monotonic() >= record.deadline):
                raise _too_long(record, time.monotonic() - started) from None
            raise
        finally:
            self._current = None
        if access is Access.CREATE_TABLE and not record.created_table:
            # Reading is allowed for CREATE TABLE ... AS SELECT, so a bare read gets this far.
            raise AccessDenied("The statement creates no table.", hint=self._allowed(access))

    def expire(self, record: StatementRecord) -> None:
        """Stop `record`'s statement now, if it is still running (its deadline has passed).

        Safe from any thread: SQLite's interrupt is meant to be called from outside.
        """
        if self._current is record and self._connection is not None:
            record.interrupted = True
            self._connection.interrupt()

    # -- callbacks (run inside SQLite: they must not raise) --------------------------------------------

    def _on_progress(self) -> int:
        record = self._current
        if record is None:
            return 1  # nothing runs outside a statement (e.g. one whose caller was cancelled)
        if time.monotonic() >= record.deadline:
            record.interrupted = True
            return 1
        return 0

    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, schema: str | None, _source: str | None
    ) -> int:
        record = self._current
        if record is None:
            return _DENY
        reason = self._judge(record, action, arg1, arg2)
        if reason is None:
            _note(record, action, arg1, arg2, schema)
            return _OK
        if record.denial is None:
            record.denial = Denial(_describe(action, arg1, arg2, schema), reason)
        return _DENY

    # -- the rules ----------------------------------------------------------------------------------

    def _judge(self, record: StatementRecord, action: int, arg1: str | None, arg2: str | None) -> str | None:
        """None when the action is allowed under the statement's access, else the reason it is not."""
        access = record.access
        if action in (_SELECT, _READ, _RECURSIVE):
            return None
        if action == _FUNCTION:
            return _function_reason(arg2)
        if action in _ROW_CHANGES and arg1 in _SCHEMA_TABLES:
            return None  # SQLite's own bookkeeping (see _SCHEMA_TABLES)
        if action == _PRAGMA:
            return _pragma_reason(access, arg1, arg2)
        if action == _ATTACH:
            return self._attach_reason(access, arg1)
        if access is Access.READ:
            return "this statement may only read"
        if access is Access.CREATE_TABLE:
            return _create_table_reason(action, arg1)
        return self._write_reason(record, action, arg1)

    def _write_reason(self, record: StatementRecord, action: int, arg1: str | None) -> str | None:
        if action == _DETACH:
            if (arg1 or "").lower() in self._protected_schemas:
                return "the configured databases stay attached"
            return None
        if action in _ROW_CHANGES and arg1 in _RAW_PAGE_TABLES:
            return "writing raw database pages could corrupt the file"
        if action in _ROW_CHANGES or action in _SCHEMA_CHANGES:
            return None
        if action in (_TRANSACTION, _SAVEPOINT):
            if record.attached:
                return None  # VACUUM: it attaches its scratch copy, then runs its own transaction
            return (
                "each statement is committed on its own, and a transaction left open would keep "
                "the file locked; group changes in one statement instead (e.g. INSERT ... SELECT)"
            )
        return "this kind of statement is not supported here"  # an action code newer than this guard

    def _attach_reason(self, access: Access, filename: str | None) -> str | None:
        configured = ", ".join(sorted(str(path) for path in self.writable_files)) or "none"
        if access is not Access.WRITE:
            return "no other database file can be opened; only the configured databases are available"
        if filename is None:
            return "the file must be given as a plain string, so it can be checked"
        if filename == "":
            return None  # a private temporary database (VACUUM's scratch copy): no file is left behind
        if filename.lower().startswith("file:") or filename == ":memory:":
            return f"only the configured database files can be attached (by path): {configured}"
        if Path(os.path.realpath(filename)) not in self.writable_files:
            return f"only the configured database files can be attached: {configured}"
        return None

    # -- messages -----------------------------------------------------------------------------------

    def _denied(self, denial: Denial, access: Access) -> AccessDenied:
        return AccessDenied(f"{denial.action} is not allowed: {denial.reason}.", hint=self._allowed(access))

    def _allowed(self, access: Access) -> str:
        if access is Access.CREATE_TABLE:
            return "This call runs a single CREATE TABLE statement."
        if access is Access.WRITE:
            configured = ", ".join(sorted(str(path) for path in self.writable_files)) or "none"
            return (
                f"Writes may change the rows and the schema of the configured databases ({configured}), "
                "one statement at a time; they may not open or attach other files, load extensions, "
                "write raw database pages or leave a transaction open."
            )
        reading = "Reading statements can run: SELECT, WITH, EXPLAIN and PRAGMAs that only report."
        if self.allow_writes:
            return f"{reading} Statements that change data go through the write tool (write_query)."
        return f"{reading} This server is read-only."


def _note(
    record: StatementRecord, action: int, arg1: str | None, arg2: str | None, schema: str | None
) -> None:
    """Record what an allowed action changes."""
    # VACUUM copies rows into its scratch schema `vacuum_db`: that is not changing rows.
    if action in _ROW_CHANGES and arg1 not in _SCHEMA_TABLES and schema != "vacuum_db":
        record.wrote = record.changed_rows = True
        record.inserted = record.inserted or action == _INSERT
    elif action in _SCHEMA_CHANGES or (action == _PRAGMA and _pragma_sets(arg1, arg2)):
        record.wrote = True
    elif action == _ATTACH:
        record.attached = True
    if action in (_CREATE_TABLE, _CREATE_TEMP_TABLE):
        record.created_table = True


def _pragma_sets(name: str | None, value: str | None) -> bool:
    """Whether an allowed PRAGMA changes something rather than only reporting or describing."""
    pragma = (name or "").lower()
    return pragma not in _DESCRIBING_PRAGMAS and (pragma not in _REPORTING_PRAGMAS or value is not None)


def _too_long(record: StatementRecord, ran: float) -> LimitExceeded:
    if record.for_call:
        return LimitExceeded(
            f"The statement was stopped after {ran:.2g} s, so that the call could answer within its "
            "time limit.",
            hint="Add a LIMIT or narrow the WHERE clause, or raise the server's call time limit "
            "(--call-timeout).",
        )
    return LimitExceeded(
        f"The statement ran longer than {record.timeout:g} s and was stopped.",
        hint="Add a LIMIT or narrow the WHERE clause, or raise the server's statement timeout (--timeout).",
    )


def _is_interrupt(exc: sqlite3.Error) -> bool:
    return str(exc) == "interrupted"


def _function_reason(name: str | None) -> str | None:
    if (name or "").lower() in DENIED_FUNCTIONS:
        return "it could load code or reach outside the database"
    return None


def _pragma_reason(access: Access, name: str | None, value: str | None) -> str | None:
    pragma = (name or "").lower()
    if pragma in _DESCRIBING_PRAGMAS:
        return None
    if pragma in _REPORTING_PRAGMAS and value is None:
        return None
    if access is Access.WRITE and pragma in _WRITE_PRAGMAS:
        accepted = _WRITE_PRAGMAS[pragma]
        setting = _pragma_value(value)
        if accepted is None or setting is None or setting in accepted:
            return None
        return f"{pragma} accepts only {', '.join(sorted(accepted))} here, to keep the file safe"
    if access is Access.WRITE:
        return "this PRAGMA could weaken the server's safety or limits"
    if pragma in _REPORTING_PRAGMAS or pragma in _WRITE_PRAGMAS:
        return "this statement may only read (a PRAGMA with a value changes a setting)"
    return "this statement may only read, and this PRAGMA is not one that only reports"


def _pragma_value(value: str | None) -> str | None:
    return None if value is None else value.strip().strip("'\"").lower()


def _create_table_reason(action: int, name: str | None) -> str | None:
    if action in (_CREATE_TABLE, _CREATE_TEMP_TABLE):
        return None
    if action in (_CREATE_INDEX, _CREATE_TEMP_INDEX) and (name or "").startswith("sqlite_autoindex_"):
        return None  # the index behind a UNIQUE or PRIMARY KEY constraint
    return "this call may only create a table"


def _describe(action: int, arg1: str | None, arg2: str | None, schema: str | None) -> str:
    """The refused action in words, e.g. "INSERT into main.users" or "PRAGMA writable_schema = 1"."""
    kind = _ACTIONS.get(action, f"Action {action}")
    if action == _PRAGMA:
        return f"PRAGMA {arg1}" + (f" = {arg2}" if arg2 is not None else "")
    if action == _FUNCTION:
        return f"The function {arg2}()"
    if action == _ATTACH:
        return f"Opening the file {arg1!r} (ATTACH or VACUUM INTO)" if arg1 else "ATTACH"
    if action == _DETACH:
        return f"DETACH of {arg1!r}"
    if action == _TRANSACTION:
        return arg1 or "Transaction control"  # BEGIN, COMMIT or ROLLBACK
    if action == _SAVEPOINT:
        return f"SAVEPOINT {arg2}" if arg1 == "BEGIN" else f"{arg1} of SAVEPOINT {arg2}"
    if action == _ALTER_TABLE:
        return f"ALTER TABLE {arg1}.{arg2}"
    target = f"{schema}.{arg1}" if schema and arg1 else arg1 or ""
    preposition = {_INSERT: " into ", _DELETE: " from ", _UPDATE: " of "}.get(action, " ")
    return f"{kind}{preposition}{target}".rstrip()


def quote_identifier(name: str) -> str:
    """`name` as an SQL identifier in double quotes, inner quotes doubled.

    Only for names read back from SQLite itself (schema and table names): text from a model is
    always a bound parameter instead.
    """
    if "\0" in name:
        raise ValueError("an SQL identifier cannot contain a NUL character")
    return '"' + name.replace('"', '""') + '"'
