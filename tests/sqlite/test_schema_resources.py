"""Schema resources, the insights memo and the mcp-demo prompt; subscriptions in both protocol eras.

A schema change made by another program (another connection to the file) must reach a subscriber
as `notifications/resources/updated`, and a new or dropped table as `list_changed`; a change of
data alone must say nothing.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from moorings_core.testing import ERAS, LEGACY, LEGACY_API, MODERN, Era, ResourceNotices, succeeded, text_of
from tests.sqlite.helpers import execute, make_sample, serving

pytestmark = pytest.mark.anyio

USERS = "sqlite://main/users"
NUMBERS_TABLE = "sqlite://main/numbers"
BOATS = "sqlite://main/boats"
MEMO = "memo://insights"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample(tmp_path / "sample.db")


# -- listing and reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_every_table_and_view_is_a_listed_resource_with_a_template(sample: Path, era: Era) -> None:
    async with serving(sample, era=era) as client:
        listed = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        capabilities = client.server_capabilities.resources
    assert [item.uri for item in listed] == [
        MEMO,
        "sqlite://main/big_spenders",
        "sqlite://main/numbers",
        "sqlite://main/orders",
        USERS,
    ]
    assert {item.mime_type for item in listed[1:]} == {"application/json"}
    assert [template.uri_template for template in templates] == ["sqlite://{database}/{table}"]
    assert capabilities is not None
    assert (capabilities.subscribe, capabilities.list_changed) == (True, True)


@pytest.mark.parametrize("era", ERAS)
async def test_a_schema_resource_reads_as_describe_table_does(sample: Path, era: Era) -> None:
    async with serving(sample, era=era) as client:
        [contents] = (await client.read_resource(USERS)).contents
        _, described = succeeded(await client.call_tool("describe_table", {"table_name": "users"}))
    assert isinstance(contents, types.TextResourceContents)
    assert json.loads(contents.text) == described


async def test_odd_table_names_are_percent_encoded(sample: Path) -> None:
    execute(sample, 'CREATE TABLE "odd/name ü%" (x)')
    async with serving(sample) as client:
        uris = [item.uri for item in (await client.list_resources()).resources]
        [uri] = [uri for uri in uris if "odd" in uri]
        [contents] = (await client.read_resource(uri)).contents
    assert uri == "sqlite://main/odd%2Fname%20%C3%BC%25"
    assert isinstance(contents, types.TextResourceContents)
    assert json.loads(contents.text)["name"] == "odd/name ü%"


async def test_attached_tables_have_their_own_uris(sample: Path, tmp_path: Path) -> None:
    archive = make_sample(tmp_path / "archive.db")
    async with serving(sample, attach=[f"archive={archive}"]) as client:
        uris = [item.uri for item in (await client.list_resources()).resources]
        [contents] = (await client.read_resource("sqlite://archive/users")).contents
    assert "sqlite://archive/users" in uris
    assert isinstance(contents, types.TextResourceContents)
    assert json.loads(contents.text)["database"] == "archive"


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        pytest.param("sqlite://main/nope", "no table or view", id="unknown-table"),
        pytest.param("sqlite://main/users%29%3B%20--", "no table or view", id="injection"),
        pytest.param("sqlite://elsewhere/users", "no database", id="unknown-database"),
        pytest.param("sqlite://main", "not a schema resource", id="no-table"),
        pytest.param("sqlite://main/a/b", "not a schema resource", id="too-deep"),
        pytest.param("file:///etc/passwd", "not a schema resource", id="other-scheme"),
    ],
)
async def test_bad_resource_uris_are_invalid_params(sample: Path, uri: str, says: str) -> None:
    async with serving(sample) as client:
        assert (await client.read_resource(USERS)).contents  # the control
        with pytest.raises(MCPError) as caught:
            await client.read_resource(uri)
    assert caught.value.code == types.INVALID_PARAMS
    assert says in caught.value.message


# -- subscriptions ------------------------------------------------------------------------------------------


@LEGACY_API
async def test_a_schema_change_by_another_program_reaches_a_legacy_subscriber(sample: Path) -> None:
    async with (
        ResourceNotices().open() as notices,
        serving(sample, era=LEGACY, client_options={"message_handler": notices.handler}) as client,
    ):
        await client.subscribe_resource(USERS)
        execute(sample, "ALTER TABLE users ADD COLUMN nickname TEXT")
        await notices.wait_for(USERS)
        [contents] = (await client.read_resource(USERS)).contents
        assert isinstance(contents, types.TextResourceContents)
        assert "nickname" in [column["name"] for column in json.loads(contents.text)["columns"]]


@LEGACY_API
async def test_a_change_of_data_alone_says_nothing(sample: Path) -> None:
    async with (
        ResourceNotices().open() as notices,
        serving(sample, era=LEGACY, client_options={"message_handler": notices.handler}) as client,
    ):
        await client.subscribe_resource(USERS)
        await client.subscribe_resource(NUMBERS_TABLE)
        # The data of users changes, then the schema of numbers. Whether the watcher reports the two
        # apart or together, only numbers may be told; notices arrive in order, and the last step's
        # list change comes after anything the earlier steps could have sent.
        execute(sample, "INSERT INTO users (name) VALUES ('Hedy')", "UPDATE users SET email = NULL")
        execute(sample, "CREATE INDEX numbers_by_square ON numbers(square)")
        await notices.wait_for(NUMBERS_TABLE)
        execute(sample, "ALTER TABLE users ADD COLUMN nickname TEXT")  # the control: a schema change
        await notices.wait_for(USERS)
        execute(sample, "CREATE TABLE boats (id INTEGER)")
        await notices.wait_for("list_changed")
    assert notices.seen == [NUMBERS_TABLE, USERS, "list_changed"]


@LEGACY_API
async def test_only_the_subscribers_of_a_changed_table_hear_of_it(sample: Path) -> None:
    async with (
        ResourceNotices().open() as notices,
        serving(sample, era=LEGACY, client_options={"message_handler": notices.handler}) as client,
    ):
        await client.subscribe_resource(NUMBERS_TABLE)  # its URI sorts first: it would be told first
        await client.subscribe_resource(USERS)
        execute(sample, "CREATE INDEX users_by_name ON users(name)")
        await notices.wait_for(USERS)
        execute(sample, "CREATE TABLE boats (id INTEGER)")  # a new table: the list changes, no table did
        await notices.wait_for("list_changed")
    assert notices.seen == [USERS, "list_changed"]


async def test_a_schema_change_reaches_a_modern_listener(sample: Path) -> None:
    async with (
        serving(sample, era=MODERN) as client,
        client.listen(resource_subscriptions=[USERS]) as subscription,
    ):
        execute(sample, "CREATE INDEX users_by_name ON users(name)")
        with anyio.fail_after(10):
            assert await subscription.__anext__() == ResourceUpdated(uri=USERS)


@LEGACY_API
async def test_tables_appearing_and_going_change_the_list(sample: Path) -> None:
    async with (
        ResourceNotices().open() as notices,
        serving(sample, era=LEGACY, client_options={"message_handler": notices.handler}) as client,
    ):
        execute(sample, "CREATE TABLE boats (id INTEGER)")
        await notices.wait_for("list_changed")
        assert "sqlite://main/boats" in [item.uri for item in (await client.list_resources()).resources]
        execute(sample, "DROP TABLE boats")
        await notices.wait_for("list_changed")
        assert "sqlite://main/boats" not in [item.uri for item in (await client.list_resources()).resources]


@LEGACY_API
async def test_a_schema_change_in_wal_mode_is_seen(sample: Path) -> None:
    """In WAL mode a commit touches only the -wal file until a checkpoint."""
    execute(sample, "PRAGMA journal_mode = WAL")
    with closing(sqlite3.connect(sample, isolation_level=None)) as writer:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("SELECT 1 FROM users").fetchall()  # keeps the -wal and -shm files alive
        async with (
            ResourceNotices().open() as notices,
            serving(sample, era=LEGACY, client_options={"message_handler": notices.handler}) as client,
        ):
            await client.subscribe_resource(USERS)
            writer.execute("ALTER TABLE users ADD COLUMN nickname TEXT")
            await notices.wait_for(USERS)
            [contents] = (await client.read_resource(USERS)).contents
            assert isinstance(contents, types.TextResourceContents)
            assert "nickname" in contents.text


@LEGACY_API
async def test_our_own_create_table_reaches_subscribers_too(sample: Path) -> None:
    async with (
        ResourceNotices().open() as notices,
        serving(
            sample, era=LEGACY, allow_writes=True, client_options={"message_handler": notices.handler}
        ) as client,
    ):
        await client.subscribe_resource(BOATS)  # not there yet: its schema appears
        succeeded(await client.call_tool("create_table", {"query": "CREATE TABLE boats (id INTEGER)"}))
        await notices.wait_for(BOATS)
        await notices.wait_for("list_changed")


# -- the memo and the prompt ------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_append_insight_adds_to_the_memo_resource(sample: Path, era: Era) -> None:
    async with serving(sample, era=era) as client:  # read-only: the memo is not in the database
        [empty] = (await client.read_resource(MEMO)).contents
        first = await client.call_tool("append_insight", {"insight": "Ada spends the most."})
        _, second = succeeded(await client.call_tool("append_insight", {"insight": "Grace\nhas one order."}))
        [memo] = (await client.read_resource(MEMO)).contents
    assert isinstance(empty, types.TextResourceContents)
    assert "No insights yet" in empty.text
    assert "Insight added" in text_of(first)
    assert second == {"insights": 2}
    assert isinstance(memo, types.TextResourceContents)
    assert "- Ada spends the most.\n- Grace has one order." in memo.text


@LEGACY_API
async def test_a_memo_subscriber_hears_of_each_insight(sample: Path) -> None:
    async with (
        ResourceNotices().open() as notices,
        serving(sample, era=LEGACY, client_options={"message_handler": notices.handler}) as client,
    ):
        await client.subscribe_resource(MEMO)
        succeeded(await client.call_tool("append_insight", {"insight": "Numbers are squares."}))
        await notices.wait_for(MEMO)


async def test_the_memo_is_bounded(sample: Path) -> None:
    async with serving(sample, max_output_chars=1_000) as client:
        results = [await client.call_tool("append_insight", {"insight": "x" * 400}) for _ in range(4)]
        [memo] = (await client.read_resource(MEMO)).contents
    assert [result.is_error for result in results] == [False, False, True, True]
    assert "memo is full" in text_of(results[-1])
    assert isinstance(memo, types.TextResourceContents)
    assert len(memo.text) <= 1_000


@pytest.mark.parametrize("era", ERAS)
async def test_the_demo_prompt_takes_a_topic(sample: Path, era: Era) -> None:
    async with serving(sample, era=era) as client:
        [prompt] = (await client.list_prompts()).prompts
        got = await client.get_prompt("mcp-demo", {"topic": "harbour   fees"})
    assert prompt.name == "mcp-demo"
    assert [(argument.name, argument.required) for argument in prompt.arguments or []] == [("topic", True)]
    [message] = got.messages
    assert message.role == "user"
    assert isinstance(message.content, types.TextContent)
    assert '"harbour fees"' in message.content.text
    assert "read-only" in message.content.text  # it does not ask for tables it cannot create
    assert "append_insight" in message.content.text


async def test_with_writes_the_demo_prompt_may_create_tables(sample: Path) -> None:
    async with serving(sample, allow_writes=True) as client:
        got = await client.get_prompt("mcp-demo", {"topic": "ferries"})
    [message] = got.messages
    assert isinstance(message.content, types.TextContent)
    assert "create_table" in message.content.text
