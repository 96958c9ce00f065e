"""The sqlite tools through the SDK client, in both protocol eras: what a model sees, hostile input included.

The guard's own rules are tested action by action beside the engine (test_database.py); here every
tool is called as a host calls it, each hostile call beside a legitimate one, and the file is checked
to be untouched where nothing may be written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from moorings_core import blocking
from moorings_core.testing import ERAS, Era, refusal, succeeded, text_of
from tests.sqlite.helpers import NUMBERS, READ_TOOLS, WRITE_TOOLS, call, digest, make_sample, serving

pytestmark = pytest.mark.anyio


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample(tmp_path / "sample.db")


# -- what is offered ---------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_read_only_by_default_the_write_tools_are_not_listed(sample: Path, era: Era) -> None:
    async with serving(sample, era=era) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == READ_TOOLS
    for name in ("list_tables", "describe_table", "read_query", "explain_query"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is True
    assert "read-only" in (tools["read_query"].description or "")
    assert "params" in (tools["read_query"].description or "")


@pytest.mark.parametrize("era", ERAS)
async def test_with_allow_writes_the_write_tools_are_listed(sample: Path, era: Era) -> None:
    async with serving(sample, era=era, allow_writes=True) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == READ_TOOLS | WRITE_TOOLS
    write = tools["write_query"].annotations
    assert write is not None
    assert (write.read_only_hint, write.destructive_hint) == (False, True)
    # The reference's parameter names, kept exactly.
    assert tools["write_query"].input_schema["required"] == ["query"]
    assert tools["create_table"].input_schema["required"] == ["query"]
    assert tools["describe_table"].input_schema["required"] == ["table_name"]
    assert tools["append_insight"].input_schema["required"] == ["insight"]


async def test_a_write_tool_cannot_be_called_when_it_is_not_listed(sample: Path) -> None:
    before = digest(sample)
    for tool, query in (("write_query", "DELETE FROM users"), ("create_table", "CREATE TABLE t (x)")):
        message = refusal(await call(sample, tool, query=query))
        assert f"The tool {tool!r} is not enabled on this server" in message
        assert "read-only" in message
        assert "--allow-writes" in message  # the flag that enables it
    assert digest(sample) == before


# -- list_tables and describe_table -------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_list_tables_names_tables_and_views(sample: Path, era: Era) -> None:
    text, structured = succeeded(await call(sample, "list_tables", era=era))
    expected = [
        {"name": "big_spenders", "type": "view", "database": "main"},
        {"name": "numbers", "type": "table", "database": "main"},
        {"name": "orders", "type": "table", "database": "main"},
        {"name": "users", "type": "table", "database": "main"},
    ]
    assert structured == {"tables": expected, "total": 4}
    assert json.loads(text) == expected  # the text is JSON too, never a Python repr


async def test_list_tables_includes_attached_databases(sample: Path, tmp_path: Path) -> None:
    archive = make_sample(tmp_path / "archive.db")
    async with serving(sample, attach=[f"archive={archive}"]) as client:
        _, structured = succeeded(await client.call_tool("list_tables", {}))
        _, described = succeeded(
            await client.call_tool("describe_table", {"table_name": "orders", "database": "archive"})
        )
    assert {"name": "users", "type": "table", "database": "archive"} in structured["tables"]
    assert described["database"] == "archive"


@pytest.mark.parametrize("era", ERAS)
async def test_describe_table_gives_columns_keys_indexes_triggers_and_count(sample: Path, era: Era) -> None:
    text, structured = succeeded(await call(sample, "describe_table", era=era, table_name="orders"))
    assert json.loads(text) == structured
    assert structured["sql"].startswith("CREATE TABLE orders")
    columns = {column["name"]: column for column in structured["columns"]}
    assert list(columns) == ["id", "user_id", "total", "note", "receipt"]
    assert columns["user_id"]["notNull"] is True
    assert columns["id"]["primaryKey"] == 1
    assert structured["foreignKeys"] == [
        {"table": "users", "fromColumns": ["user_id"], "toColumns": ["id"], "onUpdate": "NO ACTION",
         "onDelete": "CASCADE"}
    ]  # fmt: skip
    assert [index["name"] for index in structured["indexes"]] == ["orders_by_user"]
    assert [trigger["name"] for trigger in structured["triggers"]] == ["orders_note"]
    assert (structured["rowCount"], structured["rowCountExact"]) == (3, True)


async def test_describe_table_describes_a_view(sample: Path) -> None:
    _, structured = succeeded(await call(sample, "describe_table", table_name="big_spenders"))
    assert structured["type"] == "view"
    assert [column["name"] for column in structured["columns"]] == ["user_id", "spent"]


@pytest.mark.parametrize(
    "name",
    [
        "users); --",
        "users; DROP TABLE users",
        'users" --',
        "users]",
        "sqlite_master WHERE 1=1 --",
        "main.users",
    ],
)
async def test_a_table_name_is_never_sql(sample: Path, name: str) -> None:
    before = digest(sample)
    async with serving(sample) as client:
        succeeded(await client.call_tool("describe_table", {"table_name": "users"}))  # the control
        message = refusal(await client.call_tool("describe_table", {"table_name": name}))
        assert "no table or view" in message
        _, structured = succeeded(
            await client.call_tool("read_query", {"query": "SELECT count(*) AS n FROM users"})
        )
    assert structured["rows"] == [[3]]
    assert digest(sample) == before


async def test_an_unknown_table_suggests_close_names(sample: Path) -> None:
    message = refusal(await call(sample, "describe_table", table_name="user"))
    assert "users" in message


async def test_an_unknown_database_is_named(sample: Path) -> None:
    message = refusal(await call(sample, "describe_table", table_name="users", database="main; --"))
    assert "main; --" in message


# -- read_query -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_read_query_returns_json_rows_and_structured_content(sample: Path, era: Era) -> None:
    text, structured = succeeded(
        await call(sample, "read_query", era=era, query="SELECT id, name, email FROM users ORDER BY id")
    )
    assert json.loads(text) == [
        {"id": 1, "name": "Ada", "email": "ada@example.org"},
        {"id": 2, "name": "Grace", "email": None},
        {"id": 3, "name": "Linus | Pipe", "email": "linus@example.org"},
    ]
    assert structured["columns"] == [
        {"name": "id", "type": "INTEGER"},
        {"name": "name", "type": "TEXT"},
        {"name": "email", "type": "TEXT"},
    ]
    assert structured["rows"] == [
        [1, "Ada", "ada@example.org"],
        [2, "Grace", None],
        [3, "Linus | Pipe", "linus@example.org"],
    ]
    assert (structured["rowCount"], structured["truncated"]) == (3, False)
    assert "nextCursor" not in structured


@pytest.mark.parametrize(
    "query",
    [
        "WITH spend AS (SELECT user_id, sum(total) AS s FROM orders GROUP BY user_id) SELECT * FROM spend",
        "VALUES (1, 'one'), (2, 'two')",
        "PRAGMA table_info(users)",
        "SELECT * FROM pragma_index_list('orders')",
        "EXPLAIN SELECT * FROM users",
        "SELECT name FROM sqlite_schema WHERE type = 'table'",
        "SELECT 1;",  # a trailing semicolon is still one statement
    ],
)
async def test_read_query_runs_any_statement_that_only_reads(sample: Path, query: str) -> None:
    _, structured = succeeded(await call(sample, "read_query", query=query))
    assert structured["rowCount"] >= 1


async def test_params_bind_values_by_position_and_by_name(sample: Path) -> None:
    async with serving(sample) as client:
        _, by_position = succeeded(
            await client.call_tool(
                "read_query", {"query": "SELECT name FROM users WHERE id = ?", "params": [2]}
            )
        )
        _, by_name = succeeded(
            await client.call_tool(
                "read_query",
                {
                    "query": "SELECT name FROM users WHERE email = :email",
                    "params": {"email": "ada@example.org"},
                },
            )
        )
        hostile = "x' OR '1'='1"
        _, injected = succeeded(
            await client.call_tool(
                "read_query", {"query": "SELECT name FROM users WHERE name = ?", "params": [hostile]}
            )
        )
    assert by_position["rows"] == [["Grace"]]
    assert by_name["rows"] == [["Ada"]]
    assert injected["rows"] == []  # a value, never SQL


async def test_wrong_params_are_refused_clearly(sample: Path) -> None:
    async with serving(sample) as client:
        succeeded(await client.call_tool("read_query", {"query": "SELECT ?, ?", "params": [1, 2]}))
        too_many = refusal(await client.call_tool("read_query", {"query": "SELECT ?", "params": [1, 2]}))
        too_few = refusal(await client.call_tool("read_query", {"query": "SELECT ?, ?", "params": [1]}))
        missing = refusal(await client.call_tool("read_query", {"query": "SELECT :a", "params": {"b": 1}}))
        nested = refusal(await client.call_tool("read_query", {"query": "SELECT ?", "params": [[1]]}))
    assert "1 parameter placeholder but 2 values" in too_many
    assert "2 parameter placeholders but 1 value" in too_few
    assert ":a" in missing
    assert "params" in nested


@pytest.mark.parametrize("era", ERAS)
async def test_a_long_result_comes_in_pages_that_cover_every_row_once(sample: Path, era: Era) -> None:
    query = "SELECT n, square FROM numbers ORDER BY n"
    seen: list[int] = []
    pages = 0
    async with serving(sample, era=era, max_rows=1000) as client:
        arguments: dict[str, Any] = {"query": query}
        while True:
            text, structured = succeeded(await client.call_tool("read_query", arguments))
            pages += 1
            seen.extend(row[0] for row in structured["rows"])
            if not structured["truncated"]:
                assert "nextCursor" not in structured
                break
            cursor = structured["nextCursor"]
            assert f'cursor "{cursor}"' in text  # the text says how to continue
            arguments = {"query": query, "cursor": cursor}
    assert seen == list(range(1, NUMBERS + 1))
    assert pages == 3


async def test_max_rows_asks_for_smaller_pages_and_is_capped_by_the_server(sample: Path) -> None:
    async with serving(sample, max_rows=50) as client:
        _, small = succeeded(
            await client.call_tool("read_query", {"query": "SELECT n FROM numbers", "maxRows": 7})
        )
        over = await client.call_tool("read_query", {"query": "SELECT n FROM numbers", "maxRows": 51})
    assert small["rowCount"] == 7
    assert over.is_error
    assert "50" in text_of(over)


async def test_a_page_is_cut_to_the_result_budget_at_a_row_boundary(sample: Path) -> None:
    query = "SELECT n, printf('%0200d', n) AS padding FROM numbers"
    async with serving(sample, max_result_chars=2_000) as client:
        text, first = succeeded(await client.call_tool("read_query", {"query": query}))
        _, second = succeeded(
            await client.call_tool("read_query", {"query": query, "cursor": first["nextCursor"]})
        )
    assert 1 <= first["rowCount"] < 20
    assert len(text) < 2_000 + 500  # the page, then the note on how to continue
    page, note = text.split("\n\n[")
    assert len(json.loads(page)) == first["rowCount"]  # whole rows only: the JSON still parses
    assert "cursor" in note
    assert second["rows"][0][0] == first["rows"][-1][0] + 1


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "", "bzoxMA", "cTE6MDAwMDAwMDAwMDAwMDAwMDotMQ"],  # garbage, empty, old kind, negative
)
async def test_a_bad_cursor_is_refused(sample: Path, cursor: str) -> None:
    result = await call(sample, "read_query", query="SELECT n FROM numbers", cursor=cursor)
    if cursor == "":  # an empty cursor is the first page
        assert succeeded(result)[1]["rows"][0] == [1]
        return
    assert "cursor" in refusal(result)


async def test_a_cursor_of_another_query_is_refused(sample: Path) -> None:
    async with serving(sample, max_rows=10) as client:
        _, first = succeeded(await client.call_tool("read_query", {"query": "SELECT n FROM numbers"}))
        cursor = first["nextCursor"]
        other_query = refusal(
            await client.call_tool("read_query", {"query": "SELECT square FROM numbers", "cursor": cursor})
        )
        other_params = refusal(
            await client.call_tool(
                "read_query", {"query": "SELECT n FROM numbers", "params": [], "cursor": cursor}
            )
        )
        _, second = succeeded(
            await client.call_tool("read_query", {"query": "SELECT n FROM numbers", "cursor": cursor})
        )
    assert "another request" in other_query
    assert "another request" in other_params
    assert second["rows"][0] == [11]


async def test_markdown_and_csv_formats(sample: Path) -> None:
    query = "SELECT id, name, email FROM users ORDER BY id"
    async with serving(sample) as client:
        markdown, _ = succeeded(await client.call_tool("read_query", {"query": query, "format": "markdown"}))
        csv_text, _ = succeeded(await client.call_tool("read_query", {"query": query, "format": "csv"}))
    assert markdown.splitlines() == [
        "| id | name | email |",
        "|---|---|---|",
        "| 1 | Ada | ada@example.org |",
        "| 2 | Grace | NULL |",
        "| 3 | Linus \\| Pipe | linus@example.org |",
    ]
    assert csv_text.splitlines() == [
        "id,name,email",
        "1,Ada,ada@example.org",
        "2,Grace,",
        "3,Linus | Pipe,linus@example.org",
    ]


async def test_blobs_come_back_as_base64_with_their_size(sample: Path) -> None:
    _, structured = succeeded(
        await call(sample, "read_query", query="SELECT receipt FROM orders WHERE id = 1")
    )
    [[cell]] = structured["rows"]
    assert cell["$blob"]["base64"] == "AP8Q"
    assert cell["$blob"]["size"] == 3


async def test_repeated_column_names_stay_apart_in_json(sample: Path) -> None:
    text, structured = succeeded(await call(sample, "read_query", query="SELECT 1 AS id, 2 AS id"))
    assert json.loads(text) == [{"id": 1, "id:2": 2}]
    assert structured["columns"] == [{"name": "id"}, {"name": "id"}]


async def test_an_empty_result_says_so(sample: Path) -> None:
    text, structured = succeeded(await call(sample, "read_query", query="SELECT * FROM users WHERE id < 0"))
    assert structured["rowCount"] == 0
    assert "(no rows)" in text


# -- read_query refuses what is not a read ------------------------------------------------------------

HOSTILE_READS = [
    pytest.param("DELETE FROM users", id="delete"),
    pytest.param("INSERT INTO users (name) VALUES ('eve')", id="insert"),
    pytest.param("WITH x AS (SELECT 1) DELETE FROM users", id="with-delete"),
    pytest.param("UPDATE users SET name = 'eve' RETURNING *", id="update-returning"),
    pytest.param("DROP TABLE orders", id="drop"),
    pytest.param("CREATE TABLE evil (x)", id="create"),
    pytest.param("PRAGMA writable_schema = 1", id="writable-schema"),
    pytest.param("PRAGMA query_only = 0", id="query-only-off"),
    pytest.param("PRAGMA journal_mode = OFF", id="journal-off"),
    pytest.param("SELECT load_extension('/tmp/evil')", id="load-extension"),
    pytest.param("BEGIN", id="begin"),
]


@pytest.mark.parametrize("query", HOSTILE_READS)
async def test_read_query_refuses_anything_that_writes(sample: Path, query: str) -> None:
    before = digest(sample)
    async with serving(sample) as client:
        succeeded(await client.call_tool("read_query", {"query": "SELECT name FROM users"}))  # the control
        refusal(await client.call_tool("read_query", {"query": query}))
        _, after = succeeded(await client.call_tool("read_query", {"query": "SELECT count(*) FROM users"}))
    assert after["rows"] == [[3]]  # still serving, nothing changed
    assert digest(sample) == before


@pytest.mark.parametrize("statement", ["ATTACH DATABASE '{target}' AS x", "VACUUM INTO '{target}'"])
async def test_no_file_is_created_through_read_query(sample: Path, tmp_path: Path, statement: str) -> None:
    target = tmp_path / "escape.db"
    message = refusal(await call(sample, "read_query", query=statement.format(target=target)))
    assert "not allowed" in message
    assert not target.exists()


async def test_several_statements_in_one_call_are_refused(sample: Path) -> None:
    before = digest(sample)
    async with serving(sample, allow_writes=True) as client:
        for tool in ("read_query", "write_query"):
            message = refusal(await client.call_tool(tool, {"query": "SELECT 1; DELETE FROM users"}))
            assert "one SQL statement" in message
    assert digest(sample) == before


async def test_a_runaway_statement_is_stopped_and_the_server_keeps_serving(sample: Path) -> None:
    endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
    async with serving(sample, timeout=0.3) as client:
        message = refusal(await client.call_tool("read_query", {"query": endless}))
        _, structured = succeeded(await client.call_tool("read_query", {"query": "SELECT 42"}))
    assert "--timeout" in message
    assert structured["rows"] == [[42]]


async def test_a_statement_never_outlives_the_call_it_serves(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keeping all of the call's time for its answer leaves none for the statement: it stops at once
    # (though its own --timeout is long), and the call still answers with what happened.
    monkeypatch.setattr(blocking, "_ANSWER_SHARE", 1.0)
    endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
    async with serving(sample, timeout=600) as client:
        message = refusal(await client.call_tool("read_query", {"query": endless}))
    assert "so that the call could answer within its time limit" in message
    assert "--call-timeout" in message


async def test_a_huge_generated_result_is_bounded(sample: Path) -> None:
    huge = (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000000) SELECT n FROM r"
    )
    text, structured = succeeded(await call(sample, "read_query", query=huge))
    assert structured["rowCount"] == 1000
    assert structured["truncated"] is True
    assert "cursor" in text


# -- explain_query ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_explain_query_draws_the_plan_as_a_tree(sample: Path, era: Era) -> None:
    query = (
        "SELECT name, total FROM users JOIN orders ON user_id = users.id WHERE users.id = ? ORDER BY total"
    )
    text, structured = succeeded(await call(sample, "explain_query", era=era, query=query, params=[1]))
    assert text.splitlines()[0] == "QUERY PLAN"
    assert any("orders_by_user" in line for line in text.splitlines())
    assert any(line.startswith("`--") for line in text.splitlines())
    details = [step["detail"] for step in structured["plan"]]
    assert any("users" in detail for detail in details)


async def test_explain_query_does_not_run_the_statement_or_allow_writes(sample: Path) -> None:
    before = digest(sample)
    message = refusal(await call(sample, "explain_query", query="DELETE FROM users"))
    assert "not allowed" in message
    assert digest(sample) == before


# -- write_query and create_table -------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_write_query_changes_rows_and_says_how_many(sample: Path, era: Era) -> None:
    async with serving(sample, era=era, allow_writes=True) as client:
        text, inserted = succeeded(
            await client.call_tool(
                "write_query",
                {"query": "INSERT INTO users (name, email) VALUES (?, ?)", "params": ["Hedy", None]},
            )
        )
        _, updated = succeeded(
            await client.call_tool(
                "write_query",
                {"query": "UPDATE orders SET total = total * 2 WHERE user_id = :u", "params": {"u": 1}},
            )
        )
        _, check = succeeded(
            await client.call_tool("read_query", {"query": "SELECT name FROM users WHERE id = 4"})
        )
    assert "Rows changed: 1" in text
    assert (inserted["rowsChanged"], inserted["lastInsertRowid"]) == (1, 4)
    assert updated["rowsChanged"] == 2
    assert check["rows"] == [["Hedy"]]


async def test_write_query_shows_returned_rows_once(sample: Path) -> None:
    async with serving(sample, allow_writes=True, max_rows=2) as client:
        text, structured = succeeded(
            await client.call_tool("write_query", {"query": "DELETE FROM numbers WHERE n <= 5 RETURNING n"})
        )
    assert structured["rowsChanged"] == 5
    assert structured["rows"] == [[1], [2]]
    assert structured["truncated"] is True
    assert "never run again" in text


async def test_write_query_cannot_reach_other_files(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.db"
    async with serving(sample, allow_writes=True) as client:
        succeeded(
            await client.call_tool("write_query", {"query": "CREATE INDEX users_by_name ON users(name)"})
        )
        for statement in (f"ATTACH DATABASE '{target}' AS x", f"VACUUM INTO '{target}'"):
            assert "not allowed" in refusal(await client.call_tool("write_query", {"query": statement}))
        refusal(await client.call_tool("write_query", {"query": "SELECT load_extension('/tmp/evil')"}))
    assert not target.exists()


async def test_a_constraint_violation_is_an_error_result(sample: Path) -> None:
    async with serving(sample, allow_writes=True) as client:
        message = refusal(
            await client.call_tool("write_query", {"query": "INSERT INTO users (id, name) VALUES (1, 'dup')"})
        )
    assert "constraint" in message


@pytest.mark.parametrize("era", ERAS)
async def test_create_table_creates_a_table_and_nothing_else(sample: Path, era: Era) -> None:
    async with serving(sample, era=era, allow_writes=True) as client:
        text, created = succeeded(
            await client.call_tool(
                "create_table", {"query": "CREATE TABLE boats (id INTEGER PRIMARY KEY, name TEXT)"}
            )
        )
        again, none = succeeded(
            await client.call_tool("create_table", {"query": "CREATE TABLE IF NOT EXISTS boats (id INTEGER)"})
        )
        for other in (
            "DROP TABLE users",
            "CREATE INDEX i ON users(name)",
            "INSERT INTO users (name) VALUES ('x')",
        ):
            refusal(await client.call_tool("create_table", {"query": other}))
        # A read gets past the guard (CREATE TABLE ... AS SELECT reads), but is no CREATE TABLE.
        not_one = refusal(await client.call_tool("create_table", {"query": "SELECT * FROM users"}))
        _, tables = succeeded(await client.call_tool("list_tables", {}))
    assert (text, created) == ("Created table boats.", {"created": ["boats"]})
    assert none == {"created": []}
    assert "already exists" in again
    assert "The statement creates no table. This call runs a single CREATE TABLE statement." in not_one
    assert {"name": "users", "type": "table", "database": "main"} in tables["tables"]


async def test_create_creates_a_missing_database(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    async with serving(fresh, allow_writes=True, create=True) as client:
        succeeded(await client.call_tool("create_table", {"query": "CREATE TABLE t (x)"}))
        _, tables = succeeded(await client.call_tool("list_tables", {}))
    assert fresh.exists()
    assert tables["tables"] == [{"name": "t", "type": "table", "database": "main"}]


async def test_attachments_are_read_only_without_allow_writes(sample: Path, tmp_path: Path) -> None:
    archive = make_sample(tmp_path / "archive.db")
    before = digest(archive)
    async with serving(sample, attach=[f"archive={archive}"]) as client:
        _, structured = succeeded(
            await client.call_tool("read_query", {"query": "SELECT count(*) FROM archive.users"})
        )
        refusal(await client.call_tool("read_query", {"query": "DELETE FROM archive.users"}))
        refusal(await client.call_tool("read_query", {"query": "DETACH DATABASE archive"}))
    assert structured["rows"] == [[3]]
    assert digest(archive) == before
