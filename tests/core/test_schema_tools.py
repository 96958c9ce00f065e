"""Tools declared by a JSON Schema given as data (`MooringsServer.schema_tool`), over the protocol."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import mcp_types as types
import pytest

from moorings_core.config import ServerSettings
from moorings_core.errors import InvalidInput, NotFound
from moorings_core.server import MooringsServer, ToolContext, ToolRegistry
from moorings_core.testing import ERAS, Era, connect, text_of

pytestmark = pytest.mark.anyio

PETS_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "species": {"type": "string", "enum": ["cat", "dog"]},
        "limit": {"type": "integer", "minimum": 1},
        "filter": {
            "type": "object",
            "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
            "required": ["tags"],
            "additionalProperties": False,
        },
    },
    "required": ["species"],
    "additionalProperties": False,
}
PETS_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {"pets": {"type": "array", "items": {"type": "string"}}},
    "required": ["pets"],
}
TREE_INPUT: dict[str, Any] = {
    "type": "object",
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
            "required": ["label"],
            "additionalProperties": False,
        }
    },
    "properties": {"root": {"$ref": "#/$defs/node"}},
    "required": ["root"],
}


def make_server(received: list[dict[str, Any]], *, call_timeout: float = 5) -> MooringsServer:
    server = MooringsServer(
        "probe",
        settings=ServerSettings.model_validate({"call_timeout": call_timeout, "max_output_chars": 1000}),
        instructions="",
        distribution="moorings-core",
    )

    async def list_pets(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        received.append(arguments)
        pets = [f"{arguments['species']}-{n}" for n in range(arguments.get("limit", 2))]
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=", ".join(pets))], structured_content={"pets": pets}
        )

    async def get_pet(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        raise NotFound(f"No pet has the id {arguments['id']!r}.", hint="List the pets with listPets.")

    async def slow(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        await anyio.sleep(30)
        raise AssertionError("the deadline should have stopped this call")

    async def tree(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        received.append(arguments)
        return types.CallToolResult(content=[types.TextContent(type="text", text="counted")])

    async def loud(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type="text", text="x" * 5000)])

    server.schema_tool(
        name="listPets",
        title="List pets",
        description="The pets of one species.",
        input_schema=PETS_INPUT,
        output_schema=PETS_OUTPUT,
        read_only=True,
        open_world=True,
        handler=list_pets,
    )
    server.schema_tool(
        name="pets.get",
        title="Get a pet",
        description="One pet.",
        input_schema={"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
        output_schema=None,
        read_only=False,
        destructive=True,
        handler=get_pet,
    )
    empty: dict[str, Any] = {"type": "object"}
    server.schema_tool(
        name="slow", title="Slow", description="", input_schema=empty, output_schema=None, read_only=True,
        handler=slow,
    )  # fmt: skip
    server.schema_tool(
        name="tree", title="Tree", description="", input_schema=TREE_INPUT, output_schema=None,
        read_only=True, handler=tree,
    )  # fmt: skip
    server.schema_tool(
        name="loud", title="Loud", description="", input_schema=empty, output_schema=None, read_only=True,
        handler=loud,
    )  # fmt: skip
    return server


@pytest.mark.parametrize("era", ERAS)
async def test_a_schema_tool_is_listed_with_its_schemas_and_stated_hints(era: Era) -> None:
    async with connect(make_server([]), era=era) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    pets, get = tools["listPets"], tools["pets.get"]
    assert pets.input_schema == PETS_INPUT
    assert pets.output_schema == PETS_OUTPUT
    assert pets.description == "The pets of one species."
    assert pets.title == "List pets"
    assert pets.annotations == types.ToolAnnotations(
        title="List pets",
        read_only_hint=True,
        destructive_hint=False,
        idempotent_hint=True,
        open_world_hint=True,
    )
    assert get.output_schema is None
    assert get.annotations == types.ToolAnnotations(
        title="Get a pet",
        read_only_hint=False,
        destructive_hint=True,
        idempotent_hint=False,
        open_world_hint=False,
    )


@pytest.mark.parametrize("era", ERAS)
async def test_valid_arguments_reach_the_handler_as_sent_with_structured_output(era: Era) -> None:
    received: list[dict[str, Any]] = []
    sent = {"species": "cat", "limit": 3, "filter": {"tags": ["[]", "null"]}}
    async with connect(make_server(received), era=era) as client:
        result = await client.call_tool("listPets", sent)
    assert not result.is_error, text_of(result)
    assert received == [sent]  # strings that look like JSON stay strings
    assert result.structured_content == {"pets": ["cat-0", "cat-1", "cat-2"]}
    assert text_of(result) == "cat-0, cat-1, cat-2"


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"limit": 2}, "- argument 'species' is required"),
        ({"species": "cat", "limit": "5"}, "- argument 'limit': expected integer, got \"5\""),
        ({"species": "cat", "limit": True}, "- argument 'limit': expected integer, got true"),
        ({"species": "cat", "colour": "red"}, "- argument 'colour' is not a parameter of this tool"),
        ({"species": "cow"}, '- argument \'species\': must be one of "cat", "dog", got "cow"'),
        ({"species": "cat", "limit": 0}, "- argument 'limit': 0 is less than the minimum of 1"),
        ({"species": "cat", "filter": {}}, "- argument 'filter.tags' is required"),
        (
            {"species": "cat", "filter": {"tags": ["a", 7]}},
            "- argument 'filter.tags.1': expected string, got 7",
        ),
        (
            {"species": "cat", "filter": {"tags": [], "sort": "up"}},
            "- argument 'filter.sort' is not allowed here (allowed: tags)",
        ),
    ],
)
async def test_invalid_arguments_are_answered_naming_the_argument(
    era: Era, arguments: dict[str, Any], expected: str
) -> None:
    received: list[dict[str, Any]] = []
    async with connect(make_server(received), era=era) as client:
        result = await client.call_tool("listPets", arguments)
    assert result.is_error
    text = text_of(result)
    assert text.startswith("Invalid arguments for tool 'listPets':\n"), text
    assert expected in text.splitlines(), text
    assert text.endswith(
        "Expected parameters: species: string, limit: integer (optional), filter: object (optional)."
    )
    assert received == []  # the handler never ran


async def test_every_problem_of_a_call_is_named() -> None:
    async with connect(make_server([])) as client:
        result = await client.call_tool("listPets", {"limit": "x", "extra": 1})
    lines = text_of(result).splitlines()
    assert "- argument 'species' is required" in lines
    assert "- argument 'limit': expected integer, got \"x\"" in lines
    assert "- argument 'extra' is not a parameter of this tool" in lines


@pytest.mark.parametrize("era", ERAS)
async def test_a_recursive_schema_is_accepted_and_validated_at_depth(era: Era) -> None:
    received: list[dict[str, Any]] = []
    good = {"root": {"label": "a", "children": [{"label": "b", "children": [{"label": "c"}]}]}}
    bad = {"root": {"label": "a", "children": [{"label": "b", "children": [{"label": 3}]}]}}
    async with connect(make_server(received), era=era) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}["tree"]
        ok = await client.call_tool("tree", good)
        refused = await client.call_tool("tree", bad)
    assert listed.input_schema == TREE_INPUT
    assert not ok.is_error, text_of(ok)
    assert received == [good]
    assert refused.is_error
    assert "- argument 'root.children.0.children.0.label': expected string, got 3" in text_of(refused)


@pytest.mark.parametrize("era", ERAS)
async def test_a_handlers_moorings_error_is_an_error_result_with_its_message(era: Era) -> None:
    async with connect(make_server([]), era=era) as client:
        result = await client.call_tool("pets.get", {"id": "p1"})
    assert result.is_error
    assert "No pet has the id 'p1'. List the pets with listPets." in text_of(result)


@pytest.mark.parametrize("era", ERAS)
async def test_the_deadline_stops_a_schema_tool(era: Era) -> None:
    async with connect(make_server([], call_timeout=0.2), era=era) as client:
        result = await client.call_tool("slow", {})
    assert result.is_error
    assert "did not finish within 0.2 seconds" in text_of(result)


async def test_a_schema_tools_output_is_bounded() -> None:
    async with connect(make_server([])) as client:
        result = await client.call_tool("loud", {})
    assert text_of(result).startswith("x" * 1000 + "\n\n[truncated by the server at 1,000 characters")


def _register(server: ToolRegistry, name: str, schema: Mapping[str, Any], output: Any = None) -> None:
    async def handler(arguments: dict[str, Any], ctx: ToolContext) -> types.CallToolResult:
        return types.CallToolResult(content=[])

    server.schema_tool(
        name=name, title=name, description="", input_schema=dict(schema), output_schema=output,
        read_only=True, handler=handler,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["", "a b", "x" * 129, "pets/get", "caf\u00e9", "ok\n"])
def test_a_name_mcp_does_not_allow_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="is not one MCP allows"):
        _register(make_server([]), name, {"type": "object"})
    with pytest.raises(InvalidInput, match="is not one MCP allows"):
        _register(
            make_server([]).optional_tools(enabled=False, disabled_because="off"), name, {"type": "object"}
        )


def test_a_taken_name_or_a_malformed_schema_is_refused() -> None:
    server = make_server([])
    with pytest.raises(InvalidInput, match="already registered"):
        _register(server, "listPets", {"type": "object"})
    with pytest.raises(
        InvalidInput, match=r"input schema of tool 'bad' is not a valid JSON Schema at properties/n"
    ):
        _register(server, "bad", {"type": "object", "properties": {"n": {"type": "integr"}}})
    with pytest.raises(InvalidInput, match="input schema of tool 'bad' has type 'array'"):
        _register(server, "bad", {"type": "array"})
    with pytest.raises(InvalidInput, match="output schema of tool 'bad' has type 'string'"):
        _register(server, "bad", {"type": "object"}, output={"type": "string"})


async def test_a_withheld_schema_tool_is_not_listed_and_says_why() -> None:
    server = make_server([])
    _register(
        server.optional_tools(enabled=False, disabled_because="start it with --allow-writes"),
        "pets.delete",
        {"type": "object"},
    )
    async with connect(server) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("pets.delete", {})
    assert "pets.delete" not in names
    assert result.is_error
    assert (
        text_of(result)
        == "The tool 'pets.delete' is not enabled on this server: start it with --allow-writes."
    )
