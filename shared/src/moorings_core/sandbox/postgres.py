"""SQL safety for PostgreSQL: which statement a call may run, judged on PostgreSQL's own parse.

PostgreSQL has no authorizer callback like SQLite's, so these rules read the statement, but never
as text: pglast wraps libpg_query, the parser of PostgreSQL itself, and the rules judge the tree
the server would build. A string holding `'; DROP TABLE t'` is a string; `"pg_read_file"(...)` is
the call PostgreSQL would make. Needs `moorings-core[postgres]`; pglast is imported on the first
check, never at start-up.

In both modes, each call is one statement in a transaction the server begins and ends itself:

- exactly one statement (empty ones, as in `SELECT 1;;`, do not count);
- no transaction control: BEGIN/START, COMMIT/END, ROLLBACK/ABORT, SAVEPOINT, RELEASE, ROLLBACK TO,
  PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED, SET TRANSACTION (SNAPSHOT), SET SESSION
  CHARACTERISTICS, and SET/RESET of `transaction_isolation`, `transaction_read_only`,
  `transaction_deferrable` (the settings SET TRANSACTION changes);
- no COPY to or from the client (TO STDOUT, FROM STDIN): the server has no client side for it;
- no COPY ... PROGRAM, which runs a shell command on the database server, unless the operator
  allowed it (`allow_server_programs`, --allow-server-programs), and then only unrestricted.

Restricted mode (read-only) runs only statements that read, and calls no denied function:

- SELECT in every spelling (WITH ... SELECT, VALUES, TABLE) with no data-modifying WITH at any
  depth, no SELECT INTO (it creates a table) and no FOR UPDATE/NO KEY UPDATE/SHARE/KEY SHARE
  anywhere (row locks need write access);
- SHOW;
- EXPLAIN of those, with ANALYZE or not. `check_explained` (the statement a caller will wrap in
  EXPLAIN itself) also takes INSERT, UPDATE, DELETE and MERGE when ANALYZE is off: they are
  planned, not run.

The denied functions (`DENIED_FUNCTIONS`, and every name starting with one of
`DENIED_FUNCTION_PREFIXES`) are refused wherever a call can be written: the select list, WHERE, FROM
(ROWS FROM, WITH ORDINALITY, LATERAL), subqueries, WITH, EXPLAIN's statement, arguments, ORDER BY,
window and aggregate calls, and the attribute notation `(expr).f` or `t.f`, which PostgreSQL also
takes as a call of `f` (`SELECT ('/etc/passwd'::text).pg_read_file` reads the file), so the names
after `(expr).` and the last name of a qualified column are checked too. A name matches on its last
part (the schema is ignored), in any case, quoted or not. Operators and casts call functions as
well, but none in PostgreSQL 15's pg_catalog calls a denied one (checked against pg_operator,
pg_cast, pg_aggregate). The groups, and why each is denied:

- server files: pg_read_file, pg_read_binary_file, pg_stat_file, pg_ls_dir and the pg_ls_* family,
  pg_current_logfile, adminpack's pg_file_* and pg_logdir_ls, lo_import, lo_export,
  pg_walinspect's WAL readers and xml2's xslt_process (it can fetch documents): they read, list or
  write files of the database server;
- other connections: dblink*, postgres_fdw_*: the statement would continue on another server,
  out of these rules' sight;
- other sessions: pg_terminate_backend, pg_cancel_backend, pg_signal_backend,
  pg_log_backend_memory_contexts: they act on other clients' sessions;
- server and session state: set_config (`set_config('transaction_read_only', 'off', true)` would
  undo the read-only transaction), pg_reload_conf, pg_rotate_logfile, WAL and backup control,
  promotion, replication slots and origins, statistics resets and restores,
  pg_import_system_collations, pg_stop_making_pinned_objects, pg_notify (it signals other sessions),
  and the pg_advisory_* locks (a session lock outlives the transaction and can block other clients);
- writes a SELECT can hide: nextval and setval (a sequence moves outside any transaction's
  rollback), the large-object writers, and the storage surgery of pg_surgery, pg_visibility,
  pg_buffercache and pg_prewarm;
- SQL these rules would never parse, given as text or built inside the function: query_to_xml and
  every *_to_xml* variant (query, cursor, table, schema, database), ts_stat, ts_rewrite,
  tablefunc's crosstab* and connectby, xml2's xpath_table.

Unrestricted mode runs anything else, functions included, and denies none: there a DO block, a
function or a procedure runs SQL these rules never see (even COPY ... PROGRAM), so the database
role the server connects as is the real boundary. In either mode, what a view, a trigger or a
function defined in the database does is out of sight too; the server's READ ONLY transaction is
what stops such code writing in restricted mode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from moorings_core.errors import AccessDenied, InvalidInput

__all__ = ["DENIED_FUNCTIONS", "DENIED_FUNCTION_PREFIXES", "CheckedStatement", "StatementRules"]

Node = dict[str, Any]  # a parse tree node as libpg_query's JSON has it: {"SelectStmt": {...fields}}

# Why each denied function is denied, by group: (reason, names, prefixes).
_DENIED_GROUPS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    (
        "it reads, lists or writes files of the database server",
        frozenset(
            {
                "pg_stat_file",
                "pg_current_logfile",
                "pg_logdir_ls",
                "lo_import",
                "lo_export",
                "pg_get_wal_record_info",
                "pg_get_wal_records_info",
                "pg_get_wal_records_info_till_end_of_wal",
                "pg_get_wal_stats",
                "pg_get_wal_stats_till_end_of_wal",
                "pg_get_wal_block_info",
                "xslt_process",
            }
        ),
        ("pg_read_", "pg_ls_", "pg_file_"),
    ),
    (
        "it opens a connection to another database, where these rules do not reach",
        frozenset(),
        ("dblink", "postgres_fdw_"),
    ),
    (
        "it acts on other clients' sessions",
        frozenset(
            {
                "pg_terminate_backend",
                "pg_cancel_backend",
                "pg_signal_backend",
                "pg_log_backend_memory_contexts",
            }
        ),
        (),
    ),
    (
        "it changes the state of the server or of the session",
        frozenset(
            {
                "set_config",
                "pg_reload_conf",
                "pg_rotate_logfile",
                "pg_rotate_logfile_old",
                "pg_switch_wal",
                "pg_switch_xlog",
                "pg_promote",
                "pg_create_restore_point",
                "pg_backup_start",
                "pg_backup_stop",
                "pg_start_backup",
                "pg_stop_backup",
                "pg_wal_replay_pause",
                "pg_wal_replay_resume",
                "pg_xlog_replay_pause",
                "pg_xlog_replay_resume",
                "pg_log_standby_snapshot",
                "pg_create_physical_replication_slot",
                "pg_create_logical_replication_slot",
                "pg_copy_physical_replication_slot",
                "pg_copy_logical_replication_slot",
                "pg_drop_replication_slot",
                "pg_replication_slot_advance",
                "pg_sync_replication_slots",
                "pg_stat_statements_reset",
                "pg_import_system_collations",
                "pg_stop_making_pinned_objects",
                "pg_restore_relation_stats",
                "pg_restore_attribute_stats",
                "pg_clear_relation_stats",
                "pg_clear_attribute_stats",
                "pg_notify",
            }
        ),
        ("pg_logical_", "pg_replication_origin_", "pg_stat_reset"),
    ),
    (
        "an advisory lock can outlive the transaction and block other clients",
        frozenset(),
        ("pg_advisory_", "pg_try_advisory_"),
    ),
    (
        "it writes, though called from a query",
        frozenset(
            {
                "nextval",
                "setval",
                "lo_create",
                "lo_creat",
                "lo_unlink",
                "lo_put",
                "lo_from_bytea",
                "lowrite",
                "lo_truncate",
                "lo_truncate64",
                "heap_force_kill",
                "heap_force_freeze",
                "pg_truncate_visibility_map",
            }
        ),
        ("pg_buffercache_evict", "autoprewarm_"),
    ),
    (
        "it runs SQL that these rules cannot check (given as text, or built inside it)",
        frozenset({"ts_stat", "ts_rewrite", "connectby", "xpath_table"}),
        ("query_to_xml", "cursor_to_xml", "table_to_xml", "schema_to_xml", "database_to_xml", "crosstab"),
    ),
)

DENIED_FUNCTIONS: frozenset[str] = frozenset().union(*(names for _, names, _ in _DENIED_GROUPS))
"""Functions restricted mode refuses, by the last part of their name, in lower case."""

DENIED_FUNCTION_PREFIXES: tuple[str, ...] = tuple(p for _, _, prefixes in _DENIED_GROUPS for p in prefixes)
"""Restricted mode also refuses every function whose name (lower-cased) starts with one of these."""

_REASON_OF = {name: reason for reason, names, _ in _DENIED_GROUPS for name in names}
_REASON_OF_PREFIX = tuple((prefix, reason) for reason, _, prefixes in _DENIED_GROUPS for prefix in prefixes)

_READS = "SELECT (also WITH ... SELECT, VALUES, TABLE), SHOW, and EXPLAIN of those"
_READ_ONLY_HINT = f"Restricted mode runs only statements that read: {_READS}."

# What EXPLAIN takes (PostgreSQL's ExplainableStmt), and what restricted mode plans without running.
_EXPLAINABLE = frozenset(
    {
        "SelectStmt",
        "InsertStmt",
        "UpdateStmt",
        "DeleteStmt",
        "MergeStmt",
        "DeclareCursorStmt",
        "CreateTableAsStmt",
        "RefreshMatViewStmt",
        "ExecuteStmt",
    }
)
_PLANNED_UNRUN = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})

# SET names that are transaction control: SET TRANSACTION ... and the settings it changes.
_TRANSACTION_SETTINGS = frozenset(
    {
        "transaction",
        "transaction snapshot",
        "session characteristics",
        "transaction_isolation",
        "transaction_read_only",
        "transaction_deferrable",
    }
)

# Statement node types whose words do not say the command (CreateStmt is CREATE TABLE).
_COMMANDS = {
    "CreateStmt": "CREATE TABLE",
    "IndexStmt": "CREATE INDEX",
    "ViewStmt": "CREATE VIEW",
    "RuleStmt": "CREATE RULE",
    "CreateTrigStmt": "CREATE TRIGGER",
    "CreateSeqStmt": "CREATE SEQUENCE",
    "AlterSeqStmt": "ALTER SEQUENCE",
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreatePLangStmt": "CREATE LANGUAGE",
    "CompositeTypeStmt": "CREATE TYPE",
    "CreateEnumStmt": "CREATE TYPE",
    "CreateRangeStmt": "CREATE TYPE",
    "CreateFdwStmt": "CREATE FOREIGN DATA WRAPPER",
    "CreateForeignServerStmt": "CREATE SERVER",
    "DeclareCursorStmt": "DECLARE",
    "ClosePortalStmt": "CLOSE",
    "CheckPointStmt": "CHECKPOINT",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW",
    "SecLabelStmt": "SECURITY LABEL",
    "ConstraintsSetStmt": "SET CONSTRAINTS",
    "VariableShowStmt": "SHOW",
}
_TRANSACTION_COMMANDS = {
    "TRANS_STMT_START": "START TRANSACTION",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK TO SAVEPOINT",
    "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
}
_READING_STATEMENTS = frozenset({"SelectStmt", "ExplainStmt"})  # may hold one another, and read
_STRING_VALUE = re.compile(r':"([^"\\]*)')  # a string value's start, up to its first escape
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]*")
_FALSE_WORDS = frozenset({"false", "fals", "fal", "fa", "f", "off", "of", "no", "n", "0"})


@dataclass(frozen=True, slots=True)
class CheckedStatement:
    """A statement the rules allowed."""

    # The statement's own text, without the whitespace around it, its semicolon and what follows
    # (comments inside it stay: text appended to it must start on a new line).
    sql: str
    command: str  # what it is, in words: "SELECT", "DELETE", "CREATE TABLE", "EXPLAIN"...
    read_only: bool  # it only reads, judged by its form (a function it calls may still write)


class StatementRules:
    """The statements one server may run, from the operator's configuration.

    `restricted`: read-only mode, where only statements that read may run and the denied
    functions may not be called. `allow_server_programs`: COPY ... PROGRAM may run (unrestricted
    mode only). Every refusal is an `AccessDenied`; SQL that is empty, does not parse or holds
    more than one statement is an `InvalidInput`.
    """

    def __init__(self, *, restricted: bool, allow_server_programs: bool = False) -> None:
        self.restricted = restricted
        self.allow_server_programs = allow_server_programs

    def check(self, sql: str) -> CheckedStatement:
        """The one statement in `sql`, if it may run as it is."""
        statement = _Statement.parse(sql)
        _refuse_outside_a_call(statement)
        if self.restricted:
            if statement.writes is not None:
                raise AccessDenied(
                    f"{statement.writes} is not allowed in restricted (read-only) mode.",
                    hint=_READ_ONLY_HINT,
                )
            _refuse_denied_calls(statement)
        elif _copies_with_the_client(statement):  # FROM STDIN: TO STDOUT is refused in both modes
            raise AccessDenied(
                "COPY ... FROM STDIN is not available: this server has no client side for COPY.",
                hint="Add rows with INSERT ... VALUES or INSERT ... SELECT.",
            )
        elif _runs_a_program(statement) and not self.allow_server_programs:
            raise AccessDenied(
                "COPY ... PROGRAM is not allowed: it runs a shell command on the database server.",
                hint="The operator can allow it with --allow-server-programs.",
            )
        return CheckedStatement(statement.text, statement.command, statement.read_only)

    def check_explained(self, sql: str, *, analyze: bool) -> CheckedStatement:
        """The one statement in `sql`, if it may run as `EXPLAIN [ANALYZE] <statement>`.

        The caller adds EXPLAIN itself, so `sql` must not be one. `read_only` says whether
        explaining it only reads: always without ANALYZE, which plans the statement but does not run it.
        """
        statement = _Statement.parse(sql)
        if statement.kind == "ExplainStmt":
            raise InvalidInput("Give the statement without EXPLAIN: this call adds EXPLAIN itself.")
        if statement.kind not in _EXPLAINABLE:
            raise InvalidInput(
                f"{statement.command} has no plan to explain.",
                hint="EXPLAIN shows the plan of a query: SELECT (also WITH, VALUES, TABLE), INSERT, "
                "UPDATE, DELETE or MERGE.",
            )
        if self.restricted:
            if analyze and statement.writes is not None:
                raise AccessDenied(
                    f"EXPLAIN ANALYZE runs the statement, and {statement.writes} is not allowed "
                    "in restricted (read-only) mode.",
                    hint="Explain it without ANALYZE to see its plan; only statements that read "
                    "(SELECT, also WITH ... SELECT, VALUES, TABLE) can be analyzed.",
                )
            if statement.kind not in _PLANNED_UNRUN:
                raise AccessDenied(
                    f"Explaining {statement.command} is not allowed in restricted (read-only) mode.",
                    hint="Plans can be shown for SELECT (also WITH, VALUES, TABLE), INSERT, UPDATE, "
                    "DELETE and MERGE; with ANALYZE, only for statements that read.",
                )
            _refuse_denied_calls(statement)
        return CheckedStatement(statement.text, statement.command, not analyze or statement.writes is None)


class _Statement:
    """One parsed statement: its text, its node type (`kind`, e.g. "SelectStmt"), its fields, and
    the JSON text of its parse (`tree`)."""

    def __init__(self, text: str, kind: str, body: Node, tree: str) -> None:
        self.text = text
        self.kind = kind
        self.body = body
        self.tree = tree

    @classmethod
    def parse(cls, sql: str) -> _Statement:
        """The one statement `sql` holds; InvalidInput for none, several, or SQL that does not parse."""
        from pglast.parser import ParseError, parse_sql_json  # ~50 ms to import: on the first check only

        if "\0" in sql:  # libpg_query would stop reading there, and see less than the server gets
            raise InvalidInput("The SQL contains a NUL character, which PostgreSQL does not accept.")
        try:
            tree = parse_sql_json(sql)
            parsed = json.loads(tree)
        except ParseError as exc:
            raise _syntax_error(sql, exc) from None
        except UnicodeEncodeError as exc:  # a lone surrogate, which JSON strings can carry
            raise InvalidInput(
                f"The SQL is not valid Unicode: {exc.reason} at character {exc.start + 1}."
            ) from None
        except RecursionError:
            raise InvalidInput(
                "The statement nests too deeply to be checked (about a thousand levels of calls, "
                "expressions or UNIONs).",
                hint="Flatten it: fewer nested calls, or VALUES instead of a long chain of UNIONs.",
            ) from None
        statements = parsed.get("stmts", [])
        if not statements:
            raise InvalidInput("The SQL is empty: there is no statement in it, only whitespace or comments.")
        if len(statements) > 1:
            raise InvalidInput(
                f"The SQL holds {len(statements)} statements; send one statement per call.",
                hint="Each call runs one statement in a transaction of its own.",
            )
        ((kind, body),) = statements[0]["stmt"].items()
        return cls(_own_text(sql, statements[0]), kind, body, tree)

    @cached_property
    def command(self) -> str:
        return _command(self.kind, self.body)

    @cached_property
    def writes(self) -> str | None:
        """What the statement does beyond reading, in words for a message; None when it only reads."""
        return _writes(self.kind, self.body, self.tree)

    @property
    def read_only(self) -> bool:
        if self.kind == "ExplainStmt":  # without ANALYZE it plans the statement, and runs nothing
            return self.writes is None or not _analyzes(self.body.get("options", []))
        return self.writes is None


def _callable_names(root: Node) -> Iterator[str]:
    """Every name in the tree that PostgreSQL could call as a function, lower-cased.

    f in f(...), and f in t.f and (x).f: PostgreSQL takes this attribute notation as a call of
    f(t) or f(x) when there is no field f.
    """
    pending: list[Any] = [root]
    while pending:  # iteratively: a tree can be deeper than Python's recursion limit allows
        item = pending.pop()
        if type(item) is list:
            pending.extend(item)
        elif type(item) is dict:
            pending.extend(item.values())
            if "FuncCall" in item:
                yield item["FuncCall"]["funcname"][-1]["String"]["sval"].lower()
            elif "ColumnRef" in item:  # t.f, s.t.f: only the last name can be a function's
                fields = item["ColumnRef"]["fields"]
                yield from _strings(fields[-1:] if len(fields) > 1 else [])
            elif "A_Indirection" in item:  # (x).f.g: each name can be a function's
                yield from _strings(item["A_Indirection"]["indirection"])


def _strings(nodes: list[Node]) -> Iterator[str]:
    return (node["String"]["sval"].lower() for node in nodes if "String" in node)


def _writes(kind: str, body: Node, tree: str) -> str | None:
    """What a statement (`kind`, `body`) in `tree` does beyond reading; None when it only reads."""
    if kind == "VariableShowStmt":
        return None
    if kind == "ExplainStmt":
        ((inner_kind, inner),) = body["query"].items()
        writes = _writes(inner_kind, inner, tree)
        explain = "EXPLAIN ANALYZE" if _analyzes(body.get("options", [])) else "EXPLAIN"
        return None if writes is None else f"{explain} of {writes}"
    if kind != "SelectStmt":
        return _command(kind, body)
    nested = sorted(_command(other, {}) for other in _statement_kinds(tree) - _READING_STATEMENTS)
    if nested:  # a WITH is the one place a SELECT can hold another kind of statement
        return f"A WITH query that runs {' and '.join(nested)}"
    if '"intoClause":' in tree:
        return "SELECT ... INTO (it creates a table)"
    if '"lockingClause":' in tree:
        return "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)"
    return None


# Reading the parse's JSON text, which is much faster than walking a tree of thousands of nodes.
# This is exact: in libpg_query's JSON a node is keyed by its type ({"DeleteStmt": {...}}), and a
# quote inside a string is always escaped (\"), so `Stmt":` can only end a key, `"intoClause":`
# can only be that key, and `:"` can only open a string value.


def _statement_kinds(tree: str) -> set[str]:
    """The node types of every statement in the tree (the top one too), e.g. {"SelectStmt"}."""
    kinds = set()
    end = tree.find('Stmt":')
    while end != -1:
        key = tree[tree.rfind('"', 0, end) + 1 : end + len("Stmt")]
        if key[0].isupper():  # a node type, not a field such as InsertStmt's "selectStmt"
            kinds.add(key)
        end = tree.find('Stmt":', end + 1)
    return kinds


def _may_call_denied(tree: str) -> bool:
    """Whether any string in the tree, a name or a constant, could name a denied function."""
    return any(_is_denied(value.lower()) for value in set(_STRING_VALUE.findall(tree)))


def _is_denied(name: str) -> bool:
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_FUNCTION_PREFIXES)


def _refuse_outside_a_call(statement: _Statement) -> None:
    """Refuse, in any mode, what cannot work inside a call: transaction control, COPY TO STDOUT."""
    kind, body = statement.kind, statement.body
    setting = str(body.get("name", "")) if kind == "VariableSetStmt" else ""
    if kind == "TransactionStmt" or setting.lower() in _TRANSACTION_SETTINGS:
        spelled_out = kind == "TransactionStmt" or body.get("kind") == "VAR_SET_MULTI"  # SET TRANSACTION
        what = statement.command if spelled_out else f"{statement.command} {setting}"
        raise AccessDenied(
            f"{what} is not allowed: each call runs in a transaction of its own, "
            "which the server begins and ends.",
            hint="Send the statement alone, without BEGIN, COMMIT, ROLLBACK, SAVEPOINT or SET TRANSACTION.",
        )
    if _copies_with_the_client(statement) and not body.get("is_from"):
        raise AccessDenied(
            "COPY ... TO STDOUT is not available: this server has no client side for COPY.",
            hint="Read the rows with SELECT: COPY (query) TO STDOUT is the query itself.",
        )


def _copies_with_the_client(statement: _Statement) -> bool:
    """COPY ... TO STDOUT or FROM STDIN: a COPY with neither a file nor a program."""
    body = statement.body
    return statement.kind == "CopyStmt" and "filename" not in body and not body.get("is_program")


def _runs_a_program(statement: _Statement) -> bool:
    return statement.kind == "CopyStmt" and bool(statement.body.get("is_program"))


def _refuse_denied_calls(statement: _Statement) -> None:
    if not _may_call_denied(statement.tree):
        return  # the usual case, found without walking the tree
    for name in _callable_names(statement.body):
        if _is_denied(name):
            raise AccessDenied(
                f"The function {name}() is not allowed in restricted mode: {_denial_reason(name)}.",
                hint="Leave it out; the rest of a statement that reads can run.",
            )


def _denial_reason(name: str) -> str:
    reason = _REASON_OF.get(name)
    if reason is None:
        reason = next(reason for prefix, reason in _REASON_OF_PREFIX if name.startswith(prefix))
    return reason


def _analyzes(options: list[Node]) -> bool:
    """Whether EXPLAIN's options turn ANALYZE on (the last one given wins, as in PostgreSQL)."""
    analyzes = False
    for option in options:
        element = option["DefElem"]
        if element.get("defname") == "analyze":
            analyzes = _is_true(element.get("arg"))
    return analyzes


def _is_true(argument: Node | None) -> bool:
    """An option's boolean value; anything unclear counts as true, so ANALYZE is never missed."""
    if argument is None:  # `ANALYZE` alone
        return True
    if "String" in argument:
        return str(argument["String"].get("sval", "")).lower() not in _FALSE_WORDS
    if "Integer" in argument:
        return bool(argument["Integer"].get("ival", 0))
    if "Boolean" in argument:
        return bool(argument["Boolean"].get("boolval", False))
    return True


def _command(kind: str, body: Node) -> str:
    """The statement's command in words, as PostgreSQL names it: "SELECT", "DROP TABLE"..."""
    if kind == "SelectStmt":
        return "SELECT INTO" if "intoClause" in body else "SELECT"
    if kind == "TransactionStmt":
        transaction = str(body.get("kind", ""))
        return _TRANSACTION_COMMANDS.get(transaction) or _words(transaction.removeprefix("TRANS_STMT_"))
    if kind == "VariableSetStmt":
        if str(body.get("kind", "")).startswith("VAR_RESET"):
            return "RESET"
        return f"SET {body['name']}" if body.get("kind") == "VAR_SET_MULTI" else "SET"
    if kind == "DropStmt":
        return f"DROP {_object_type(body.get('removeType'))}"
    if kind == "CreateTableAsStmt":
        return "CREATE MATERIALIZED VIEW" if body.get("objtype") == "OBJECT_MATVIEW" else "CREATE TABLE AS"
    if kind == "FetchStmt":
        return "MOVE" if body.get("ismove") else "FETCH"
    if kind == "VacuumStmt":
        return "VACUUM" if body.get("is_vacuumcmd") else "ANALYZE"
    if kind in ("GrantStmt", "GrantRoleStmt"):
        return "GRANT" if body.get("is_grant") else "REVOKE"
    if kind == "CreateFunctionStmt":
        return "CREATE PROCEDURE" if body.get("is_procedure") else "CREATE FUNCTION"
    return _COMMANDS.get(kind) or " ".join(_WORD.findall(kind.removesuffix("Stmt"))).upper()


def _object_type(object_type: object) -> str:
    words = _words(str(object_type).removeprefix("OBJECT_"))
    return "MATERIALIZED VIEW" if words == "MATVIEW" else words


def _words(constant: str) -> str:
    return constant.replace("_", " ")


def _own_text(sql: str, statement: Node) -> str:
    """The statement's text: without the whitespace around it, its semicolon and what follows."""
    start = statement.get("stmt_location", 0)
    length = statement.get("stmt_len", 0)  # 0: up to the end of the SQL
    if sql.isascii():  # libpg_query counts bytes of UTF-8
        return sql[start : start + length if length else None].strip()
    encoded = sql.encode()
    return encoded[start : start + length if length else None].decode().strip()


def _syntax_error(sql: str, error: Exception) -> InvalidInput:
    """PostgreSQL's message, and where: pglast gives the 0-based index of the character, or None."""
    message, index = error.args
    where = ""
    if index is not None:
        line = sql.count("\n", 0, index) + 1
        column = index - sql.rfind("\n", 0, index)
        where = f" (line {line}, column {column})"
    return InvalidInput(f"The SQL does not parse: {message}{where}.")
