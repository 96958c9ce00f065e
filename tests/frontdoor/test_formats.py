"""Host config files edited in place: the whole resulting text, and that it reads back as intended."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from moorings.formats import FormatError, Kind, open_document
from moorings.formats.jsonc_syntax import strip_comments

if sys.version_info >= (3, 11):
    import tomllib
else:
    tomllib = pytest.importorskip("tomli")

SERVER = {"command": "uvx", "args": ["moorings-filesystem", "/home/me/projects"], "env": {"TOKEN": "x"}}


def read_back(kind: Kind, text: str) -> Any:
    """The data another parser sees in `text`."""
    if kind == "json":
        return json.loads(strip_comments(text.lstrip("\ufeff")))
    if kind == "toml":
        return tomllib.loads(text)
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def edited(kind: Kind, text: str, path: list[str], value: object) -> str:
    document = open_document(kind, text)
    document.set(path, value)
    once = document.text()
    document.set(path, value)
    assert document.text() == once  # setting what is there changes nothing
    assert open_document(kind, once).get(path) == value
    return once


# JSON with comments

VSCODE = """\
{
  // Inputs are prompted on first server start
  "inputs": [
    {
      "type": "promptString",
      "id": "api-key", // used by github
      "description": "GitHub token",
      "password": true
    }
  ],
  "servers": {
    /* the remote one */
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/" // keep in sync
    }
  }
}
"""


def test_vscode_mcp_json_gains_a_server_and_keeps_the_rest() -> None:
    result = edited("json", VSCODE, ["servers", "files"], SERVER)
    assert (
        result
        == """\
{
  // Inputs are prompted on first server start
  "inputs": [
    {
      "type": "promptString",
      "id": "api-key", // used by github
      "description": "GitHub token",
      "password": true
    }
  ],
  "servers": {
    /* the remote one */
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/" // keep in sync
    },
    "files": {
      "command": "uvx",
      "args": ["moorings-filesystem", "/home/me/projects"],
      "env": {
        "TOKEN": "x"
      }
    }
  }
}
"""
    )
    assert read_back("json", result)["servers"]["github"]["type"] == "http"


ZED = """\
// Zed settings
//
// For information on how to configure Zed, see the Zed
// documentation: https://zed.dev/docs/configuring-zed
{
\t"theme": {
\t\t"mode": "system",
\t\t"light": "One Light",
\t\t"dark": "One Dark",
\t},
\t"ui_font_size": 16,
\t"buffer_font_family": "Zed Plex Mono", // "Fira Code" is nice too
\t"vim_mode": false,
\t/* language servers */
\t"lsp": {"rust-analyzer": {"initialization_options": {"check": {"command": "clippy"}}}},
\t"context_servers": {},
\t"telemetry": {"diagnostics": false, "metrics": false,},
}
"""


def test_zed_settings_gain_a_context_server_with_tabs_and_trailing_commas() -> None:
    result = edited("json", ZED, ["context_servers", "files"], {"command": "uvx", "args": ["moorings-fs"]})
    assert result == ZED.replace(
        '\t"context_servers": {},',
        '\t"context_servers": {\n'
        '\t\t"files": {\n\t\t\t"command": "uvx",\n\t\t\t"args": ["moorings-fs"]\n\t\t}\n'
        "\t},",
    )
    assert read_back("json", result)["lsp"]["rust-analyzer"]["initialization_options"]["check"] == {
        "command": "clippy"
    }


def test_zed_one_line_object_stays_on_one_line_and_keeps_its_trailing_comma() -> None:
    result = edited("json", ZED, ["telemetry", "metrics"], True)
    assert '\t"telemetry": {"diagnostics": false, "metrics": true,},\n' in result
    result = edited("json", ZED, ["telemetry", "crashes"], {"send": False})
    assert '\t"telemetry": {"diagnostics": false, "metrics": false, "crashes": {"send": false},},\n' in result


def test_a_line_comment_on_the_last_member_does_not_swallow_the_added_comma() -> None:
    text = '{\n  "a": 1, // one\n  "b": 2 // two\n}\n'
    assert edited("json", text, ["c"], 3) == '{\n  "a": 1, // one\n  "b": 2, // two\n  "c": 3\n}\n'
    trailing = '{\n  "a": 1, // one\n}\n'
    assert edited("json", trailing, ["c"], 3) == '{\n  "a": 1, // one\n  "c": 3,\n}\n'


def test_replacing_a_value_keeps_its_place_and_the_comments_around_it() -> None:
    result = edited("json", VSCODE, ["servers", "github", "url"], "https://example.com/mcp")
    assert result == VSCODE.replace("https://api.githubcopilot.com/mcp/", "https://example.com/mcp")


def test_missing_parents_are_created_with_the_files_indentation() -> None:
    text = '{\n    "a": 1\n}\n'
    assert edited("json", text, ["mcpServers", "x"], {"command": "c"}) == (
        '{\n    "a": 1,\n    "mcpServers": {\n        "x": {\n'
        '            "command": "c"\n        }\n    }\n}\n'
    )


def test_comment_markers_inside_strings_are_text() -> None:
    text = '{\n  "url": "http://x/*not a comment*/", // a real one with */ in it\n  "b": "//"\n}\n'
    result = edited("json", text, ["c"], "/* nor this */")
    assert result == (
        '{\n  "url": "http://x/*not a comment*/", // a real one with */ in it\n  "b": "//",\n'
        '  "c": "/* nor this */"\n}\n'
    )
    assert read_back("json", result) == {"url": "http://x/*not a comment*/", "b": "//", "c": "/* nor this */"}


def test_keys_with_quotes_and_backslashes() -> None:
    key = 'we"ird\\key'
    result = edited("json", "{}", [key, "ü"], "naïve")
    assert result == '{\n  "we\\"ird\\\\key": {\n    "ü": "naïve"\n  }\n}'
    assert read_back("json", result) == {key: {"ü": "naïve"}}


def test_crlf_and_byte_order_mark_are_kept() -> None:
    text = '\ufeff{\r\n  "servers": {\r\n    "a": {"command": "x"}\r\n  }\r\n}\r\n'
    result = edited("json", text, ["servers", "b"], {"command": "y"})
    assert result == (
        '\ufeff{\r\n  "servers": {\r\n    "a": {"command": "x"},\r\n'
        '    "b": {\r\n      "command": "y"\r\n    }\r\n  }\r\n}\r\n'
    )


@pytest.mark.parametrize(
    ("text", "document"),
    [("", '{\n  "s": {\n    "x": 1\n  }\n}\n'), ("  \n", '{\n  "s": {\n    "x": 1\n  }\n}\n')],
)
def test_an_empty_file_becomes_an_object(text: str, document: str) -> None:
    assert edited("json", text, ["s", "x"], 1) == document


def test_a_file_of_only_comments_keeps_them_above_the_new_object() -> None:
    text = "// managed by hand\n/* servers go below */\n"
    assert edited("json", text, ["s"], {}) == '// managed by hand\n/* servers go below */\n{\n  "s": {}\n}\n'


def test_an_empty_object_with_a_comment_inside_keeps_it() -> None:
    text = '{\n  "servers": {\n    // none yet\n  }\n}\n'
    assert (
        edited("json", text, ["servers", "a"], 1)
        == '{\n  "servers": {\n    // none yet\n    "a": 1\n  }\n}\n'
    )


def test_duplicate_keys_act_on_the_last_as_parsers_read() -> None:
    document = open_document("json", '{"a": 1, "a": 2}')
    assert document.get(["a"]) == 2
    document.set(["a"], 3)
    assert document.text() == '{"a": 1, "a": 3}'
    assert document.remove(["a"]) is True
    assert document.text() == "{}"
    assert document.get(["a"]) is None


def test_remove_takes_whole_lines_and_the_dangling_comma() -> None:
    text = '{\n  "a": 1, // one\n  "b": {\n    "c": 2\n  } // two\n}\n'
    document = open_document("json", text)
    assert document.remove(["b"]) is True
    assert document.text() == '{\n  "a": 1 // one\n}\n'
    assert document.remove(["b"]) is False
    assert document.remove(["a"]) is True
    assert document.text() == "{}\n"


def test_named_items_in_a_json_list() -> None:
    document = open_document("json", '{\n  "list": [\n    {"name": "a", "v": 1}\n  ]\n}\n')
    document.set_named(["list"], "b", {"v": 2})
    document.set_named(["list"], "a", {"v": 3})
    assert document.text() == (
        '{\n  "list": [\n    {\n      "name": "a",\n      "v": 3\n    },\n'
        '    {\n      "name": "b",\n      "v": 2\n    }\n  ]\n}\n'
    )
    assert document.get_named(["list"], "b") == {"name": "b", "v": 2}
    assert document.get_named(["list"], "c") is None


def test_nesting_deep_but_sane_is_read_and_hostile_depth_is_refused() -> None:
    deep = '{"a": ' + "[" * 150 + "]" * 150 + "}"
    assert open_document("json", deep).get(["a"]) is not None
    with pytest.raises(FormatError, match="line 1, column 206: nested deeper than 200 levels"):
        open_document("json", '{"a": ' + "[" * 100_000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{\n  "a": "open\n}',
            'line 2, column 8: unterminated string: expected " before the end of the line',
        ),
        ('{\n  "a": 1 /* never closed\n}', "line 2, column 10: unterminated comment: expected \\*/"),
        ('{"a": 1 "b": 2}', 'line 1, column 9: expected , or }, found "b"'),
        ('{"a": tru}', "line 1, column 7: expected a value, found tru"),
        ('{"a": 1}}', "line 1, column 9: expected the end of the file, found }"),
        ('{"a": 1', "line 1, column 8: expected , or }, found the end of the file"),
        ('{"a": "\\x"}', "line 1, column 8: invalid escape in string"),
        ("[1, 2]", "line 1, column 1: expected an object at the top level, found a list"),
        ('"text"', "line 1, column 1: expected an object at the top level, found a single value"),
    ],
)
def test_unreadable_json_names_line_column_and_expectation(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        open_document("json", text)


def test_a_parent_that_is_not_an_object_is_refused_where_it_is() -> None:
    document = open_document("json", '{\n  "servers": []\n}')
    with pytest.raises(FormatError, match="line 2, column 14: expected an object at servers, found a list"):
        document.set(["servers", "x"], 1)


# JSON property: comments anywhere, set then get


def _layout() -> st.SearchStrategy[str]:
    pieces = st.sampled_from(
        ["", " ", "\n", "\t", "\r\n", "// c /* x\n", "/* // */", "/*\n*/ ", '  // "q"\n']
    )
    return st.lists(pieces, max_size=3).map("".join)


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    json_scalars | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(["a", "b", "//", "/*", 'q"', "é"])


@st.composite
def jsonc_documents(draw: st.DrawFn) -> tuple[str, object]:
    """Text with comments and blanks between tokens (trailing commas too), and the data it holds."""

    def write(value: object) -> str:
        gap = draw(_layout())
        if isinstance(value, dict):
            members = [
                f"{gap}{json.dumps(k)}{draw(_layout())}:{draw(_layout())}{write(v)}" for k, v in value.items()
            ]
            return (
                "{"
                + ",".join(members)
                + (draw(st.sampled_from(["", ","])) if members else "")
                + draw(_layout())
                + "}"
            )
        if isinstance(value, list):
            items = [draw(_layout()) + write(item) for item in value]
            return "[" + ",".join(items) + draw(_layout()) + "]"
        return json.dumps(value)

    data = draw(
        st.dictionaries(keys, json_values | st.dictionaries(keys, json_values, max_size=3), max_size=4)
    )
    return draw(_layout()) + write(data) + draw(_layout()), data


@settings(max_examples=200, deadline=None)
@given(jsonc_documents(), st.lists(keys, min_size=1, max_size=3), json_values)
def test_set_then_get_with_comments_anywhere(
    document: tuple[str, object], path: list[str], value: object
) -> None:
    text, data = document
    assert open_document("json", text).get([]) == data
    expected: Any = json.loads(json.dumps(data))
    node = expected
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            with pytest.raises(FormatError, match="expected an object at"):
                open_document("json", text).set(path, value)
            return
    node[path[-1]] = value
    result = edited("json", text, path, value)
    assert read_back("json", result) == expected


# TOML (Codex)

CODEX = """\
# Codex configuration
model = "o3"  # the default model
approval_policy = "on-request"

[profiles.fast]
model = "o4-mini"

# MCP servers
[mcp_servers.docs]
command = "npx"
args = ["-y", "mcp-docs"]

[mcp_servers.docs.env]
DOCS_TOKEN = "t"  # rotated monthly

# Settings for the terminal UI
[tui]
notifications = true
"""


def test_codex_config_gains_a_server_table_before_the_comment_of_the_next_table() -> None:
    result = edited("toml", CODEX, ["mcp_servers", "files"], SERVER)
    assert result == CODEX.replace(
        "# Settings for the terminal UI",
        '[mcp_servers.files]\ncommand = "uvx"\nargs = ["moorings-filesystem", "/home/me/projects"]\n'
        'env = {TOKEN = "x"}\n\n# Settings for the terminal UI',
    )
    assert read_back("toml", result)["mcp_servers"]["docs"]["env"] == {"DOCS_TOKEN": "t"}


def test_codex_server_replaced_where_it_stands() -> None:
    result = edited("toml", CODEX, ["mcp_servers", "docs"], {"command": "uvx", "args": ["docs"]})
    assert result == (
        "# Codex configuration\n"
        'model = "o3"  # the default model\n'
        'approval_policy = "on-request"\n\n'
        '[profiles.fast]\nmodel = "o4-mini"\n\n'
        "# MCP servers\n"
        '[mcp_servers.docs]\ncommand = "uvx"\nargs = ["docs"]\n\n'
        "# Settings for the terminal UI\n[tui]\nnotifications = true\n"
    )


def test_codex_server_removed_keeps_the_comment_above_the_next_table() -> None:
    document = open_document("toml", edited("toml", CODEX, ["mcp_servers", "files"], SERVER))
    assert document.remove(["mcp_servers", "files"]) is True
    assert document.text() == CODEX
    assert document.remove(["mcp_servers", "files"]) is False


def test_toml_new_file_and_new_top_level_table() -> None:
    assert (
        edited("toml", "", ["mcp_servers", "files"], {"command": "uvx"})
        == '[mcp_servers.files]\ncommand = "uvx"\n'
    )
    assert edited("toml", "# only a comment\n", ["mcp_servers", "f"], {"command": "u"}) == (
        '# only a comment\n\n[mcp_servers.f]\ncommand = "u"\n'
    )
    assert edited("toml", 'model = "o3"\n', ["tui", "notifications"], False) == (
        'model = "o3"\n\n[tui]\nnotifications = false\n'
    )


def test_toml_keeps_crlf_and_bom() -> None:
    text = '\ufeffmodel = "o3"\r\n\r\n[mcp_servers.a]\r\ncommand = "x"\r\n'
    assert edited("toml", text, ["mcp_servers", "b"], {"command": "y"}) == (
        '\ufeffmodel = "o3"\r\n\r\n[mcp_servers.a]\r\ncommand = "x"\r\n'
        '\r\n[mcp_servers.b]\r\ncommand = "y"\r\n'
    )


def test_toml_named_items_are_tables_in_an_array() -> None:
    document = open_document("toml", 'a = 1\n\n[[servers]]\nname = "x"\ncommand = "c"\n')
    document.set_named(["servers"], "y", {"command": "d"})
    document.set_named(["servers"], "x", {"command": "e"})
    assert document.text() == (
        'a = 1\n\n[[servers]]\nname = "x"\ncommand = "e"\n\n[[servers]]\nname = "y"\ncommand = "d"\n'
    )
    assert document.get_named(["servers"], "y") == {"name": "y", "command": "d"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('model = "o3\n', "line 1, column 12: "),
        ("[a]\nx = 1\n[a]\n", 'line 3, column 1: Key "a" already exists'),
        ("x = \n", "line 1, column 5: "),
    ],
)
def test_unreadable_toml_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        open_document("toml", text)


def test_toml_refuses_a_parent_that_is_a_value_and_null_values() -> None:
    document = open_document("toml", 'mcp_servers = "none"\n')
    with pytest.raises(FormatError, match="expected a table at mcp_servers"):
        document.set(["mcp_servers", "x"], {"command": "c"})
    with pytest.raises(ValueError, match="TOML has no null"):
        document.set(["x"], {"command": None})
    assert document.text() == 'mcp_servers = "none"\n'


# YAML (Goose, Continue)

GOOSE = """\
# Goose configuration
GOOSE_PROVIDER: openai   # or anthropic
GOOSE_MODEL: 'gpt-4o'
extensions:
  developer:
    bundled: true
    enabled: true
    name: developer
    timeout: 300
    type: builtin
  fetch:
    args:
    - mcp-server-fetch
    cmd: uvx
    description: "Fetch web pages; a description long enough that a folding YAML writer would wrap it"
    enabled: true
    envs: {}
    type: stdio
# How much Goose may do alone
GOOSE_MODE: smart_approve
"""

GOOSE_ENTRY = {
    "cmd": "uvx",
    "args": ["moorings-filesystem", "/srv"],
    "enabled": True,
    "envs": {},
    "type": "stdio",
}


def test_goose_extension_added_before_the_comment_of_the_next_key() -> None:
    result = edited("yaml", GOOSE, ["extensions", "files"], GOOSE_ENTRY)
    assert result == GOOSE.replace(
        "# How much",
        "  files:\n    cmd: uvx\n    args:\n    - moorings-filesystem\n    - /srv\n"
        "    enabled: true\n    envs: {}\n    type: stdio\n# How much",
    )
    assert read_back("yaml", result)["extensions"]["fetch"]["args"] == ["mcp-server-fetch"]


def test_goose_extension_replaced_in_place_keeps_the_comment_below() -> None:
    result = edited("yaml", GOOSE, ["extensions", "fetch"], {"cmd": "uvx", "enabled": False})
    start, end = GOOSE.index("  fetch:\n"), GOOSE.index("# How much")
    assert result == GOOSE[:start] + "  fetch:\n    cmd: uvx\n    enabled: false\n" + GOOSE[end:]


def test_goose_extension_removed() -> None:
    document = open_document("yaml", edited("yaml", GOOSE, ["extensions", "files"], GOOSE_ENTRY))
    assert document.remove(["extensions", "files"]) is True
    assert document.text() == GOOSE


CONTINUE = """\
name: My Assistant
version: 1.0.0
schema: v1
models:
  - name: GPT-4o   # main
    provider: openai
    model: gpt-4o
mcpServers:
  - name: SQLite
    command: npx
    args:
      - "-y"
      - mcp-sqlite
      - /path/to/db.sqlite
# Rules for the assistant
rules:
  - Be concise
"""


def test_continue_list_of_servers_gains_and_replaces_named_items() -> None:
    document = open_document("yaml", CONTINUE)
    document.set_named(["mcpServers"], "files", {"command": "uvx", "args": ["moorings-filesystem"]})
    added = document.text()
    assert added == CONTINUE.replace(
        "# Rules",
        "  - name: files\n    command: uvx\n    args:\n      - moorings-filesystem\n# Rules",
    )
    document.set_named(["mcpServers"], "files", {"command": "uvx", "args": ["moorings-filesystem"]})
    assert document.text() == added
    document.set_named(["mcpServers"], "SQLite", {"command": "uvx", "args": ["moorings-sqlite"]})
    assert read_back("yaml", document.text())["mcpServers"] == [
        {"name": "SQLite", "command": "uvx", "args": ["moorings-sqlite"]},
        {"name": "files", "command": "uvx", "args": ["moorings-filesystem"]},
    ]
    assert document.get_named(["mcpServers"], "SQLite") == {
        "name": "SQLite",
        "command": "uvx",
        "args": ["moorings-sqlite"],
    }


def test_continue_file_without_servers_gets_a_list() -> None:
    result = open_document("yaml", "name: a\nmodels:\n  - name: m\n")
    result.set_named(["mcpServers"], "files", {"command": "uvx"})
    assert result.text() == "name: a\nmodels:\n  - name: m\nmcpServers:\n  - name: files\n    command: uvx\n"


def test_yaml_empty_comment_only_crlf_bom_and_document_start() -> None:
    assert edited("yaml", "", ["extensions", "x"], {"cmd": "u"}) == "extensions:\n  x:\n    cmd: u\n"
    assert edited("yaml", "# mine\n", ["a"], 1) == "# mine\na: 1\n"
    assert edited("yaml", "# head\n---\na: 1\n", ["b"], [1]) == "# head\n---\na: 1\nb:\n- 1\n"
    assert edited("yaml", "\ufeffa: 1\r\nb: x\r\n", ["c"], "y") == "\ufeffa: 1\r\nb: x\r\nc: y\r\n"
    assert edited("yaml", "extensions:\n", ["extensions", "x"], 1) == "extensions:\n  x: 1\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n---\nb: 2\n", "line 2, column 1: expected one document"),
        ("- a\n- b\n", "line 1, column 1: expected a mapping at the top level, found a list"),
        ("a: [1\n", "line 2, column 1: expected ',' or ']'"),
        ("a: 1\na: 2\n", 'line 2, column 1: found duplicate key "a"'),
        ("a: 'open\n", "line 2, column 1: "),
    ],
)
def test_unreadable_yaml_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        open_document("yaml", text)


def test_yaml_refuses_a_parent_of_the_wrong_shape() -> None:
    document = open_document("yaml", "a: 1\nextensions:\n  - x\n")
    with pytest.raises(FormatError, match="line 3, column 3: expected a mapping at extensions, found a list"):
        document.set(["extensions", "x"], {})


def test_nothing_set_means_the_text_is_returned_byte_for_byte() -> None:
    cases: list[tuple[Kind, str]] = [("json", VSCODE), ("toml", CODEX), ("yaml", GOOSE)]
    for kind, text in cases:
        document = open_document(kind, text)
        document.set(["zz"], 1)
        document.remove(["zz"])
        assert open_document(kind, text).text() == text
