"""The PostgreSQL statement rules on their own: every hostile statement beside a legitimate one.

Pure parsing, no database: what is judged is PostgreSQL's own parse of each statement (pglast),
so these run anywhere pglast installs. What a refused statement would have done against a real
server is the postgres server's tests' business; here it is what gets through and what is said.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moorings_core.errors import AccessDenied, InvalidInput, MooringsError
from moorings_core.sandbox.postgres import (
    DENIED_FUNCTION_PREFIXES,
    DENIED_FUNCTIONS,
    CheckedStatement,
    StatementRules,
)

RESTRICTED = StatementRules(restricted=True)
UNRESTRICTED = StatementRules(restricted=False)
WITH_PROGRAMS = StatementRules(restricted=False, allow_server_programs=True)
RESTRICTED_WITH_PROGRAMS = StatementRules(restricted=True, allow_server_programs=True)
BOTH_MODES = pytest.mark.parametrize("rules", [RESTRICTED, UNRESTRICTED], ids=["restricted", "unrestricted"])

READS_ONLY = "restricted (read-only) mode"
WHAT_READS = "SELECT (also WITH ... SELECT, VALUES, TABLE), SHOW, and EXPLAIN of those"


def refusal(rules: StatementRules, sql: str) -> str:
    with pytest.raises(AccessDenied) as refused:
        rules.check(sql)
    return str(refused.value)


def invalid(rules: StatementRules, sql: str) -> str:
    with pytest.raises(InvalidInput) as rejected:
        rules.check(sql)
    return str(rejected.value)


# -- reading ------------------------------------------------------------------------------------

READS = {
    "SELECT id, name FROM users WHERE id = $1": "SELECT",
    "select * from users order by 1 limit 10 offset 5": "SELECT",
    "VALUES (1, 'a'), (2, 'b')": "SELECT",
    "TABLE users": "SELECT",
    "WITH recent AS (SELECT * FROM orders WHERE day > now() - interval '1 day') TABLE recent": "SELECT",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5) TABLE n": "SELECT",
    "SELECT a FROM t UNION SELECT b FROM u EXCEPT SELECT c FROM v": "SELECT",
    "SELECT * FROM t WHERE id IN (SELECT id FROM u) AND EXISTS (SELECT FROM v WHERE v.id = t.id)": "SELECT",
    "SELECT rank() OVER (PARTITION BY g ORDER BY x), sum(x) FILTER (WHERE x > 0) FROM t GROUP BY g": "SELECT",
    "SELECT * FROM generate_series(1, 10) WITH ORDINALITY AS g(n, i), LATERAL (SELECT n * 2) AS d": "SELECT",
    "SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY['a'])) AS r": "SELECT",
    "SELECT to_jsonb(t), t.to_json, (t).row_to_json FROM t": "SELECT",  # attribute-notation calls
    "SHOW work_mem": "SHOW",
    "SHOW ALL": "SHOW",
    "EXPLAIN SELECT * FROM users": "EXPLAIN",
    "EXPLAIN ANALYZE SELECT * FROM users": "EXPLAIN",
    "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) WITH x AS (SELECT 1) SELECT * FROM x": "EXPLAIN",
}


@pytest.mark.parametrize(("sql", "command"), READS.items())
@BOTH_MODES
def test_reading_statements_pass_in_both_modes(rules: StatementRules, sql: str, command: str) -> None:
    assert rules.check(sql) == CheckedStatement(sql, command, read_only=True)


# Text that only looks like something hostile: strings, quoted names and comments are data.
LOOK_ALIKES = [
    "SELECT 'pg_read_file(x); DROP TABLE t'",
    "SELECT $$; DELETE FROM t; $$ AS text",
    "SELECT $body$COMMIT$body$",
    "SELECT E'\\'; DROP TABLE t; --'",
    "SELECT 1 /* ; DELETE FROM t */",
    "SELECT 1 -- ; DELETE FROM t",
    "SELECT 'set_config', 'dblink', 'nextval' FROM t WHERE name = 'pg_ls_dir'",
    'SELECT 1 AS "pg_read_file", 2 AS nextval',  # aliases, not calls
    "SELECT pg_read_file FROM files",  # a lone name is a column, never a call
    "SELECT dblink_log.id FROM dblink_log",  # a table with a denied-looking name
    "SELECT * FROM public.pg_ls_report",
    'SELECT "x;y" FROM "delete"',
]


@pytest.mark.parametrize("sql", LOOK_ALIKES)
def test_strings_names_and_comments_that_look_hostile_are_read(sql: str) -> None:
    checked = RESTRICTED.check(sql)
    assert checked.command == "SELECT"
    assert checked.read_only


# -- statements that are not reads --------------------------------------------------------------

WRITES = {
    "INSERT INTO t VALUES (1)": "INSERT",
    "INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING RETURNING *": "INSERT",
    "UPDATE t SET x = 1": "UPDATE",
    "DELETE FROM t": "DELETE",
    "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE": "MERGE",
    "CREATE TABLE t (x int)": "CREATE TABLE",
    "CREATE TABLE t AS SELECT 1": "CREATE TABLE AS",
    "CREATE MATERIALIZED VIEW v AS SELECT 1": "CREATE MATERIALIZED VIEW",
    "CREATE INDEX i ON t (x)": "CREATE INDEX",
    "CREATE VIEW v AS SELECT 1": "CREATE VIEW",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'": "CREATE FUNCTION",
    "CREATE EXTENSION dblink": "CREATE EXTENSION",
    "ALTER TABLE t ADD COLUMN y int": "ALTER TABLE",
    "DROP TABLE t": "DROP TABLE",
    "DROP MATERIALIZED VIEW v": "DROP MATERIALIZED VIEW",
    "TRUNCATE t": "TRUNCATE",
    "GRANT SELECT ON t TO public": "GRANT",
    "REVOKE SELECT ON t FROM public": "REVOKE",
    "COMMENT ON TABLE t IS 'x'": "COMMENT",
    "SET work_mem = '64MB'": "SET",
    "SET ROLE postgres": "SET",
    "RESET ALL": "RESET",
    "DO $$ BEGIN DELETE FROM t; END $$": "DO",
    "CALL p()": "CALL",
    "LISTEN c": "LISTEN",
    "NOTIFY c, 'x'": "NOTIFY",
    "UNLISTEN *": "UNLISTEN",
    "PREPARE p AS DELETE FROM t": "PREPARE",
    "EXECUTE p": "EXECUTE",
    "DEALLOCATE ALL": "DEALLOCATE",
    "DECLARE c CURSOR FOR SELECT 1": "DECLARE",
    "FETCH NEXT FROM c": "FETCH",
    "MOVE NEXT IN c": "MOVE",
    "CLOSE c": "CLOSE",
    "LOCK TABLE t IN ACCESS EXCLUSIVE MODE": "LOCK",
    "VACUUM t": "VACUUM",
    "ANALYZE t": "ANALYZE",
    "CHECKPOINT": "CHECKPOINT",
    "LOAD 'auto_explain'": "LOAD",
    "DISCARD ALL": "DISCARD",
    "REFRESH MATERIALIZED VIEW v": "REFRESH MATERIALIZED VIEW",
    "REINDEX TABLE t": "REINDEX",
    "CLUSTER t USING i": "CLUSTER",
    "ALTER SYSTEM SET work_mem = '1GB'": "ALTER SYSTEM",
    "COPY t TO '/tmp/out.csv'": "COPY",
    "COPY t FROM '/etc/passwd'": "COPY",
    "CREATE DATABASE d": "CREATE DATABASE",
    "CREATE ROLE r SUPERUSER": "CREATE ROLE",
}


@pytest.mark.parametrize(("sql", "command"), WRITES.items())
def test_restricted_mode_refuses_every_statement_that_is_not_a_read(sql: str, command: str) -> None:
    assert refusal(RESTRICTED, sql) == (
        f"{command} is not allowed in {READS_ONLY}. Restricted mode runs only statements that read: "
        f"{WHAT_READS}."
    )


@pytest.mark.parametrize(("sql", "command"), WRITES.items())
def test_unrestricted_mode_runs_them_and_says_they_write(sql: str, command: str) -> None:
    assert UNRESTRICTED.check(sql) == CheckedStatement(sql, command, read_only=False)


WRITING_SELECTS = {
    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d": "A WITH query that runs DELETE",
    "WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM i": "A WITH query that runs INSERT",
    "WITH u AS (UPDATE t SET x = 1 RETURNING x) TABLE u": "A WITH query that runs UPDATE",
    "WITH a AS (WITH b AS (DELETE FROM t RETURNING *) SELECT * FROM b) SELECT * FROM a": (
        "A WITH query that runs DELETE"
    ),
    "SELECT * FROM (WITH d AS (DELETE FROM t RETURNING *) TABLE d) AS s": "A WITH query that runs DELETE",
    "SELECT (WITH d AS (DELETE FROM t RETURNING 1) SELECT 1 FROM d)": "A WITH query that runs DELETE",
    "WITH d AS (DELETE FROM t RETURNING *), i AS (INSERT INTO u SELECT * FROM d RETURNING *) SELECT 1": (
        "A WITH query that runs DELETE and INSERT"
    ),
    "SELECT * FROM t FOR UPDATE": "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)",
    "SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED": "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)",
    "SELECT * FROM t FOR SHARE": "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)",
    "SELECT * FROM t FOR KEY SHARE OF t NOWAIT": "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)",
    "SELECT * FROM (SELECT * FROM t FOR UPDATE) AS s": "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)",
    "WITH l AS (SELECT * FROM t FOR UPDATE) TABLE l": "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)",
    "SELECT 1 INTO TEMP scratch": "SELECT ... INTO (it creates a table)",
    "EXPLAIN DELETE FROM t": "EXPLAIN of DELETE",
    "EXPLAIN ANALYZE DELETE FROM t": "EXPLAIN ANALYZE of DELETE",
    "EXPLAIN (ANALYZE) WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d": (
        "EXPLAIN ANALYZE of A WITH query that runs DELETE"
    ),
    "EXPLAIN ANALYZE SELECT * FROM t FOR UPDATE": (
        "EXPLAIN ANALYZE of SELECT ... FOR UPDATE or FOR SHARE (it locks rows)"
    ),
    "EXPLAIN CREATE TABLE t AS SELECT 1": "EXPLAIN of CREATE TABLE AS",
}


@pytest.mark.parametrize(("sql", "what"), WRITING_SELECTS.items())
def test_restricted_mode_refuses_selects_and_explains_that_write_at_any_depth(sql: str, what: str) -> None:
    assert refusal(RESTRICTED, sql).startswith(f"{what} is not allowed in {READS_ONLY}.")


@pytest.mark.parametrize("sql", WRITING_SELECTS)
def test_unrestricted_mode_runs_them(sql: str) -> None:
    assert UNRESTRICTED.check(sql).sql == sql


# -- in every mode ------------------------------------------------------------------------------

TRANSACTION_CONTROL = {
    "BEGIN": "BEGIN",
    "BEGIN ISOLATION LEVEL SERIALIZABLE": "BEGIN",
    "START TRANSACTION READ WRITE": "START TRANSACTION",
    "COMMIT": "COMMIT",
    "COMMIT AND CHAIN": "COMMIT",
    "END": "COMMIT",
    "ROLLBACK": "ROLLBACK",
    "ABORT": "ROLLBACK",
    "SAVEPOINT s": "SAVEPOINT",
    "RELEASE SAVEPOINT s": "RELEASE",
    "ROLLBACK TO SAVEPOINT s": "ROLLBACK TO SAVEPOINT",
    "PREPARE TRANSACTION 'x'": "PREPARE TRANSACTION",
    "COMMIT PREPARED 'x'": "COMMIT PREPARED",
    "ROLLBACK PREPARED 'x'": "ROLLBACK PREPARED",
    "SET TRANSACTION READ WRITE": "SET TRANSACTION",
    "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED": "SET TRANSACTION",
    "SET TRANSACTION SNAPSHOT '00000003-0000001B-1'": "SET TRANSACTION SNAPSHOT",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE": "SET SESSION CHARACTERISTICS",
    "SET transaction_read_only = off": "SET transaction_read_only",
    "SET LOCAL transaction_read_only TO false": "SET transaction_read_only",
    "set Transaction_Isolation = 'read committed'": "SET transaction_isolation",
    "RESET transaction_deferrable": "RESET transaction_deferrable",
}


@pytest.mark.parametrize(("sql", "command"), TRANSACTION_CONTROL.items())
@BOTH_MODES
def test_transaction_control_is_refused_in_both_modes(rules: StatementRules, sql: str, command: str) -> None:
    assert refusal(rules, sql) == (
        f"{command} is not allowed: each call runs in a transaction of its own, which the server begins "
        "and ends. Send the statement alone, without BEGIN, COMMIT, ROLLBACK, SAVEPOINT or SET TRANSACTION."
    )


def test_other_settings_are_not_transaction_control() -> None:
    assert UNRESTRICTED.check("SET default_transaction_isolation = 'serializable'").command == "SET"
    assert UNRESTRICTED.check("SET statement_timeout = 0").command == "SET"


MORE_THAN_ONE = [
    "COMMIT; DELETE FROM t",
    "ROLLBACK; DROP TABLE t",
    "END; DELETE FROM t",
    "SELECT 1; SELECT 2",
    "SELECT 1; COMMIT",
    "SELECT 'a;b'; DELETE FROM t",
    "SELECT $$;$$; DROP TABLE t",
    "SELECT $tag$ $$ ; $tag$ ; DROP TABLE t",
    "SELECT 1 /* ; */ ; DELETE FROM t -- ;",
    "SELECT 1 -- first\n;\n-- second\nDELETE FROM t",
    "SELECT 1;;;DELETE FROM t;;",
]


@pytest.mark.parametrize("sql", MORE_THAN_ONE)
@BOTH_MODES
def test_one_statement_per_call_in_both_modes(rules: StatementRules, sql: str) -> None:
    assert invalid(rules, sql) == (
        "The SQL holds 2 statements; send one statement per call. "
        "Each call runs one statement in a transaction of its own."
    )


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        ("SELECT 1;", "SELECT 1"),
        ("  SELECT 1 ;;  \n", "SELECT 1"),
        (";; SELECT 1", "SELECT 1"),
        ("SELECT 1; -- done\n", "SELECT 1"),
        ("SELECT 'é', 'ü' ; /* trailing */", "SELECT 'é', 'ü'"),  # libpg_query counts in bytes
        ("SELECT 'a;b';", "SELECT 'a;b'"),
        ("SELECT 1 -- kept: it is inside the statement", "SELECT 1 -- kept: it is inside the statement"),
    ],
)
def test_the_checked_text_is_the_statement_without_its_semicolon_and_surroundings(
    sql: str, text: str
) -> None:
    assert RESTRICTED.check(sql).sql == text


@BOTH_MODES
def test_copy_to_the_client_is_refused_in_both_modes_with_select_as_the_way(rules: StatementRules) -> None:
    expected = (
        "COPY ... TO STDOUT is not available: this server has no client side for COPY. "
        "Read the rows with SELECT: COPY (query) TO STDOUT is the query itself."
    )
    assert refusal(rules, "COPY t TO STDOUT") == expected
    assert refusal(rules, "COPY (SELECT * FROM t) TO STDOUT WITH (FORMAT csv)") == expected


def test_copy_from_the_client_is_refused_in_both_modes() -> None:
    assert "Add rows with INSERT" in refusal(UNRESTRICTED, "COPY t FROM STDIN")
    assert refusal(RESTRICTED, "COPY t FROM STDIN").startswith("COPY is not allowed in restricted")


COPY_PROGRAM = "COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'"


def test_copy_program_is_refused_without_the_operators_flag() -> None:
    assert refusal(UNRESTRICTED, COPY_PROGRAM) == (
        "COPY ... PROGRAM is not allowed: it runs a shell command on the database server. "
        "The operator can allow it with --allow-server-programs."
    )
    assert "--allow-server-programs" in refusal(UNRESTRICTED, "COPY t FROM PROGRAM 'curl http://x'")


def test_copy_program_is_refused_in_restricted_mode_even_with_the_flag() -> None:
    assert refusal(RESTRICTED, COPY_PROGRAM).startswith(f"COPY is not allowed in {READS_ONLY}")
    assert refusal(RESTRICTED_WITH_PROGRAMS, COPY_PROGRAM).startswith(f"COPY is not allowed in {READS_ONLY}")


def test_copy_program_runs_unrestricted_with_the_flag() -> None:
    assert WITH_PROGRAMS.check(COPY_PROGRAM) == CheckedStatement(COPY_PROGRAM, "COPY", read_only=False)


# -- denied functions ---------------------------------------------------------------------------

# Every place a call can be written, with {call} standing for it.
CALL_SITES = [
    "SELECT {call}",
    "SELECT * FROM {call} AS f",
    "SELECT * FROM {call} WITH ORDINALITY AS f(line, n)",
    "SELECT * FROM ROWS FROM (generate_series(1, 2), {call}) AS r",
    "SELECT * FROM t, LATERAL {call} AS f",
    "SELECT * FROM t CROSS JOIN LATERAL (SELECT {call}) AS f",
    "SELECT * FROM t WHERE x = {call}",
    "SELECT * FROM t WHERE x IN (SELECT {call})",
    "SELECT (SELECT {call})",
    "SELECT * FROM t JOIN u ON u.x = {call}",
    "SELECT * FROM (SELECT {call}) AS s",
    "WITH f AS (SELECT {call}) SELECT * FROM f",
    "WITH a AS (WITH b AS (SELECT {call}) SELECT * FROM b) SELECT * FROM a",
    "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT length({call}) FROM r) SELECT * FROM r",
    "SELECT length(upper({call}))",
    "SELECT format('%s', VARIADIC ARRAY[{call}])",
    "SELECT coalesce(NULL, {call})",
    "SELECT CASE WHEN true THEN {call} END",
    "SELECT ARRAY[{call}]",
    "SELECT ROW({call})",
    "SELECT * FROM t ORDER BY {call}",
    "SELECT x FROM t GROUP BY x HAVING max(x) > {call}",
    "SELECT count(*) FILTER (WHERE {call} IS NOT NULL) FROM t",
    "SELECT sum(x) OVER (ORDER BY {call}) FROM t",
    "SELECT string_agg(x, ',' ORDER BY {call}) FROM t",
    "VALUES ({call})",
    "SELECT * FROM t LIMIT length({call})",
    "SELECT {call} UNION SELECT 'x'",
    "EXPLAIN SELECT {call}",
    "EXPLAIN ANALYZE SELECT * FROM {call} AS f",
]
READ_FILE_CALLS = [
    "pg_read_file('/etc/hostname')",
    "pg_catalog.pg_read_file('/etc/hostname')",
    "PG_READ_FILE('/etc/hostname')",
    "Pg_Catalog.Pg_Read_File('/etc/hostname')",
    "\"pg_read_file\"('/etc/hostname')",  # quoted, lower case: the real function
    "pg_catalog.\"pg_read_file\"('/etc/hostname')",
    "\"PG_READ_FILE\"('/etc/hostname')",  # another function to PostgreSQL, but refused all the same
    "pg_read_file(filename => '/etc/hostname')",
    "('/etc/hostname'::text).pg_read_file",  # attribute notation: PostgreSQL calls pg_read_file
]


@pytest.mark.parametrize("site", CALL_SITES)
def test_a_denied_function_is_refused_wherever_it_is_called(site: str) -> None:
    sql = site.format(call="pg_read_file('/etc/hostname')")
    assert refusal(RESTRICTED, sql) == (
        "The function pg_read_file() is not allowed in restricted mode: it reads, lists or writes files of "
        "the database server. Leave it out; the rest of a statement that reads can run."
    )
    assert RESTRICTED.check(site.format(call="length('/etc/hostname')")).read_only  # the control
    assert UNRESTRICTED.check(sql).sql == sql  # unrestricted mode denies no function


@pytest.mark.parametrize("call", READ_FILE_CALLS)
def test_a_denied_function_is_refused_however_it_is_spelled(call: str) -> None:
    assert refusal(RESTRICTED, f"SELECT {call}").startswith("The function pg_read_file() is not allowed")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT (t.path).pg_read_file FROM t",
        "SELECT (path).pg_read_file FROM t",
        "SELECT t.pg_read_file FROM t",
        "SELECT public.t.pg_read_file FROM t",
        "SELECT ((x).a).pg_ls_dir FROM t",
    ],
)
def test_attribute_notation_counts_as_a_call(sql: str) -> None:
    # PostgreSQL 15 runs SELECT ('/etc/hostname'::text).pg_read_file as pg_read_file('/etc/hostname').
    assert refusal(RESTRICTED, sql).startswith("The function pg_")


def test_only_the_last_name_of_a_column_reference_can_be_a_call() -> None:
    # In t.f.g PostgreSQL reads t.f as table and column (never f(t)); only g can be a call.
    assert RESTRICTED.check("SELECT public.dblink_targets.id FROM public.dblink_targets").read_only


SAMPLE_DENIALS = {
    "set_config('default_transaction_read_only', 'off', false)": "it changes the state of the server",
    "set_config('transaction_read_only', 'off', true)": "it changes the state of the server",
    "query_to_xml('delete from t', true, true, '')": "it runs SQL that these rules cannot check",
    "query_to_xml_and_xmlschema('select 1', true, true, '')": "it runs SQL that these rules cannot check",
    "cursor_to_xml('c', 1, true, true, '')": "it runs SQL that these rules cannot check",
    "table_to_xml('t', true, true, '')": "it runs SQL that these rules cannot check",
    "database_to_xmlschema(true, true, '')": "it runs SQL that these rules cannot check",
    "ts_stat('select to_tsvector(x) from t')": "it runs SQL that these rules cannot check",
    "ts_rewrite('a'::tsquery, 'select q, r from rules')": "it runs SQL that these rules cannot check",
    "crosstab('select 1, 2, 3')": "it runs SQL that these rules cannot check",
    "dblink('host=elsewhere', 'delete from t')": "another database",
    "dblink_exec('delete from t')": "another database",
    "postgres_fdw_disconnect_all()": "another database",
    "pg_terminate_backend(42)": "other clients' sessions",
    "pg_cancel_backend(42)": "other clients' sessions",
    "pg_log_backend_memory_contexts(42)": "other clients' sessions",
    "pg_reload_conf()": "it changes the state of the server",
    "pg_rotate_logfile()": "it changes the state of the server",
    "pg_switch_wal()": "it changes the state of the server",
    "pg_promote()": "it changes the state of the server",
    "pg_backup_start('x')": "it changes the state of the server",
    "pg_create_restore_point('x')": "it changes the state of the server",
    "pg_wal_replay_pause()": "it changes the state of the server",
    "pg_create_logical_replication_slot('s', 'test_decoding')": "it changes the state of the server",
    "pg_logical_slot_get_changes('s', NULL, NULL)": "it changes the state of the server",
    "pg_replication_origin_create('o')": "it changes the state of the server",
    "pg_stat_reset()": "it changes the state of the server",
    "pg_stat_reset_shared('bgwriter')": "it changes the state of the server",
    "pg_stat_statements_reset()": "it changes the state of the server",
    "pg_import_system_collations('public')": "it changes the state of the server",
    "pg_notify('channel', 'x')": "it changes the state of the server",
    "pg_advisory_lock(1)": "an advisory lock can outlive the transaction",
    "pg_try_advisory_xact_lock(1)": "an advisory lock can outlive the transaction",
    "nextval('s')": "it writes",
    "setval('s', 1)": "it writes",
    "lo_unlink(1234)": "it writes",
    "lo_from_bytea(0, 'x')": "it writes",
    "lo_import('/etc/passwd')": "files of the database server",
    "lo_export(1234, '/tmp/x')": "files of the database server",
    "pg_ls_dir('.')": "files of the database server",
    "pg_ls_waldir()": "files of the database server",
    "pg_ls_logdir()": "files of the database server",
    "pg_stat_file('postgresql.conf')": "files of the database server",
    "pg_read_binary_file('global/pg_control')": "files of the database server",
    "pg_current_logfile()": "files of the database server",
    "pg_file_write('x', 'y', false)": "files of the database server",
    "pg_logdir_ls()": "files of the database server",
}


@pytest.mark.parametrize(("call", "reason"), SAMPLE_DENIALS.items())
def test_each_group_of_denied_functions_is_refused_with_its_reason(call: str, reason: str) -> None:
    name = call.split("(")[0]
    message = refusal(RESTRICTED, f"SELECT {call}")
    assert message.startswith(f"The function {name}() is not allowed in restricted mode: ")
    assert reason in message


@pytest.mark.parametrize("name", sorted(DENIED_FUNCTIONS))
def test_every_denied_name_is_refused(name: str) -> None:
    sql = f"SELECT * FROM {name}(1)"
    assert f"The function {name}() is not allowed" in refusal(RESTRICTED, sql)


@pytest.mark.parametrize("prefix", DENIED_FUNCTION_PREFIXES)
def test_every_name_with_a_denied_prefix_is_refused(prefix: str) -> None:
    assert "is not allowed in restricted mode" in refusal(RESTRICTED, f"SELECT {prefix}anything(1)")
    assert "is not allowed in restricted mode" in refusal(RESTRICTED, f'SELECT "{prefix.upper()}X"(1)')


def test_the_denied_names_are_lower_case_and_the_lists_do_not_overlap() -> None:
    assert all(name == name.lower() for name in [*DENIED_FUNCTIONS, *DENIED_FUNCTION_PREFIXES])
    assert not [name for name in DENIED_FUNCTIONS if name.startswith(DENIED_FUNCTION_PREFIXES)]


# -- the statement an explain call wraps ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "command"),
    [
        ("DELETE FROM t", "DELETE"),
        ("INSERT INTO t VALUES (1)", "INSERT"),
        ("UPDATE t SET x = 1", "UPDATE"),
        ("MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE", "MERGE"),
        ("WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d", "SELECT"),
    ],
)
def test_a_write_can_be_explained_without_analyze_in_restricted_mode(sql: str, command: str) -> None:
    expected = CheckedStatement(sql, command, read_only=True)  # planned, not run
    assert RESTRICTED.check_explained(f"{sql};", analyze=False) == expected


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("DELETE FROM t", "DELETE"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "A WITH query that runs DELETE"),
        ("SELECT * FROM t FOR UPDATE", "SELECT ... FOR UPDATE or FOR SHARE (it locks rows)"),
    ],
)
def test_analyze_of_a_write_is_refused_in_restricted_mode(sql: str, what: str) -> None:
    with pytest.raises(AccessDenied) as refused:
        RESTRICTED.check_explained(sql, analyze=True)
    assert str(refused.value) == (
        f"EXPLAIN ANALYZE runs the statement, and {what} is not allowed in {READS_ONLY}. "
        "Explain it without ANALYZE to see its plan; only statements that read "
        "(SELECT, also WITH ... SELECT, VALUES, TABLE) can be analyzed."
    )
    assert UNRESTRICTED.check_explained(sql, analyze=True).read_only is False


def test_a_read_can_be_analyzed_in_restricted_mode() -> None:
    sql = "SELECT * FROM t JOIN u USING (id)"
    assert RESTRICTED.check_explained(sql, analyze=True) == CheckedStatement(sql, "SELECT", read_only=True)


def test_statements_explain_takes_but_restricted_mode_does_not_are_refused() -> None:
    with pytest.raises(AccessDenied, match=r"^Explaining CREATE TABLE AS is not allowed in restricted"):
        RESTRICTED.check_explained("CREATE TABLE t AS SELECT 1", analyze=False)
    with pytest.raises(AccessDenied, match=r"^Explaining EXECUTE is not allowed"):
        RESTRICTED.check_explained("EXECUTE p", analyze=False)
    assert (
        UNRESTRICTED.check_explained("CREATE TABLE t AS SELECT 1", analyze=False).command == "CREATE TABLE AS"
    )


def test_denied_functions_are_refused_in_a_statement_to_explain() -> None:
    for analyze in (False, True):
        with pytest.raises(AccessDenied, match=r"^The function pg_ls_dir\(\) is not allowed"):
            RESTRICTED.check_explained("SELECT * FROM pg_ls_dir('.') AS f", analyze=analyze)
        with pytest.raises(AccessDenied, match=r"^The function nextval\(\) is not allowed"):
            RESTRICTED.check_explained("SELECT nextval('s')", analyze=analyze)
    with pytest.raises(AccessDenied, match=r"^The function nextval\(\) is not allowed"):
        RESTRICTED.check_explained("INSERT INTO t VALUES (nextval('s'))", analyze=False)


@BOTH_MODES
def test_the_statement_to_explain_is_not_itself_an_explain(rules: StatementRules) -> None:
    with pytest.raises(
        InvalidInput, match=r"^Give the statement without EXPLAIN: this call adds EXPLAIN itself"
    ):
        rules.check_explained("EXPLAIN ANALYZE DELETE FROM t", analyze=False)


@pytest.mark.parametrize(
    ("sql", "command"), [("SHOW work_mem", "SHOW"), ("BEGIN", "BEGIN"), ("DROP TABLE t", "DROP TABLE")]
)
@BOTH_MODES
def test_a_statement_without_a_plan_cannot_be_explained(
    rules: StatementRules, sql: str, command: str
) -> None:
    with pytest.raises(
        InvalidInput, match=rf"^{command} has no plan to explain\. EXPLAIN shows the plan of a query: SELECT"
    ):
        rules.check_explained(sql, analyze=False)


@BOTH_MODES
def test_the_statement_to_explain_is_one_statement(rules: StatementRules) -> None:
    with pytest.raises(InvalidInput, match="send one statement per call"):
        rules.check_explained("SELECT 1; DELETE FROM t", analyze=False)
    with pytest.raises(InvalidInput, match="The SQL is empty"):
        rules.check_explained("  -- nothing", analyze=True)


# -- what a statement is --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "read_only"),
    [
        ("SELECT 1", True),
        ("EXPLAIN DELETE FROM t", True),  # planned, not run
        ("EXPLAIN (ANALYZE false) DELETE FROM t", True),
        ("EXPLAIN (ANALYZE off) DELETE FROM t", True),
        ("EXPLAIN (ANALYZE 0) DELETE FROM t", True),
        ("EXPLAIN ANALYZE DELETE FROM t", False),
        ("EXPLAIN (ANALYZE) DELETE FROM t", False),
        ("EXPLAIN (ANALYZE true) DELETE FROM t", False),
        ("EXPLAIN (ANALYZE 1) DELETE FROM t", False),
        ("EXPLAIN (ANALYZE on, VERBOSE) DELETE FROM t", False),
        ("EXPLAIN (ANALYZE false, ANALYZE) DELETE FROM t", False),  # the last one counts
        ("EXPLAIN (ANALYZE, ANALYZE off) DELETE FROM t", True),
        ("SELECT * FROM t FOR SHARE", False),
        ("SHOW search_path", True),
        ("COPY t TO '/tmp/t.csv'", False),
    ],
)
def test_read_only_says_whether_running_it_only_reads(sql: str, read_only: bool) -> None:
    assert UNRESTRICTED.check(sql).read_only is read_only


@pytest.mark.parametrize(
    ("sql", "command"),
    [
        ("DROP INDEX i", "DROP INDEX"),
        ("DROP FOREIGN TABLE f", "DROP FOREIGN TABLE"),
        ("CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", "CREATE PROCEDURE"),
        ("CREATE TRIGGER tr AFTER INSERT ON t EXECUTE FUNCTION f()", "CREATE TRIGGER"),
        ("CREATE SEQUENCE s", "CREATE SEQUENCE"),
        ("ALTER TABLE t RENAME TO u", "RENAME"),
        ("SELECT * INTO copy FROM t", "SELECT INTO"),
        ("IMPORT FOREIGN SCHEMA s FROM SERVER x INTO y", "IMPORT FOREIGN SCHEMA"),
        ("CREATE SCHEMA s", "CREATE SCHEMA"),
        ("SECURITY LABEL ON TABLE t IS 'x'", "SECURITY LABEL"),
    ],
)
def test_the_command_names_the_statement_as_postgresql_does(sql: str, command: str) -> None:
    assert UNRESTRICTED.check(sql).command == command


# -- SQL that is not one statement ---------------------------------------------------------------


@pytest.mark.parametrize("sql", ["", "   \n\t", "-- nothing", "/* nothing */", ";", " ; ;; "])
@BOTH_MODES
def test_empty_sql_is_invalid(rules: StatementRules, sql: str) -> None:
    assert (
        invalid(rules, sql) == "The SQL is empty: there is no statement in it, only whitespace or comments."
    )


@BOTH_MODES
def test_a_syntax_error_gives_postgresqls_message_and_where(rules: StatementRules) -> None:
    assert invalid(rules, "SELECT id\n  FROM users\n WHERE WHERE id = 1") == (
        'The SQL does not parse: syntax error at or near "WHERE" (line 3, column 8).'
    )
    assert invalid(rules, "SELECT 'é' FROM WHERE") == (  # counted in characters, not bytes
        'The SQL does not parse: syntax error at or near "WHERE" (line 1, column 17).'
    )
    assert invalid(rules, "SELECT (1") == "The SQL does not parse: syntax error at end of input."
    assert invalid(rules, "SELECT 'open") == (
        'The SQL does not parse: unterminated quoted string at or near "\'open" (line 1, column 8).'
    )


def test_a_nul_character_is_invalid_since_the_parser_would_stop_there() -> None:
    assert invalid(RESTRICTED, "SELECT 1\0; DROP TABLE t") == (
        "The SQL contains a NUL character, which PostgreSQL does not accept."
    )


def test_a_lone_surrogate_is_invalid() -> None:
    assert invalid(RESTRICTED, "SELECT '\ud800'") == (
        "The SQL is not valid Unicode: surrogates not allowed at character 9."
    )


def test_a_statement_nested_too_deeply_to_check_is_invalid_not_a_crash() -> None:
    assert "nests too deeply" in invalid(RESTRICTED, "SELECT " + "abs(" * 2000 + "1" + ")" * 2000)
    assert "The SQL does not parse: " in invalid(RESTRICTED, "SELECT " + "(" * 100_000 + "1" + ")" * 100_000)


# -- properties ------------------------------------------------------------------------------------

EXAMPLES = settings(max_examples=200, database=None, derandomize=True, deadline=None)  # no timing here
NAMES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"), min_size=1, max_size=40)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@EXAMPLES
@given(NAMES)
def test_a_quoted_call_is_refused_exactly_when_its_name_is_denied(name: str) -> None:
    lowered = name.lower()
    denied = lowered in DENIED_FUNCTIONS or lowered.startswith(DENIED_FUNCTION_PREFIXES)
    sql = f"SELECT {_quoted(name)}(1) FROM t WHERE x = {_quoted(name)}"
    if denied:
        assert refusal(RESTRICTED, sql).startswith("The function ")
    else:
        assert RESTRICTED.check(sql).read_only
    assert RESTRICTED.check(f"SELECT '{name.replace(chr(39), chr(39) * 2)}'").read_only  # as a string


@EXAMPLES
@given(
    st.lists(
        st.one_of(NAMES, st.sampled_from(["SELECT", ";", "(", ")", "'", '"', "$$", "--", "\n"])), max_size=12
    )
)
def test_any_text_is_checked_or_refused_with_our_errors(parts: list[str]) -> None:
    sql = " ".join(parts)
    for rules in (RESTRICTED, UNRESTRICTED):
        try:
            checked = rules.check(sql)
        except MooringsError:
            continue
        assert checked.sql
        assert checked.command


def test_pglast_is_imported_on_the_first_check_only() -> None:
    probe = (
        "import sys, moorings_core; from moorings_core.sandbox.postgres import StatementRules; "
        "rules = StatementRules(restricted=True); before = 'pglast' in sys.modules; "
        "rules.check('SELECT 1'); print(before, 'pglast' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "True"]
