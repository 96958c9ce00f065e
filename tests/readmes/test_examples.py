"""Every example of output in the READMEs is real: each one is run and compared with what it shows.

A tool example is a ```` ```json ```` block that is a call, `{"name": ..., "arguments": {...}}`, in a
server's README, and the blocks right after it in the same section, which show its result:

- a ```` ```text ```` block is the text a model reads (the result's text blocks, joined);
- a ```` ```json ```` block is the structured content; marked `<!-- example: text and structured
  content -->`, it is both (the text, read as JSON, and the structured content).

The call runs on that server started over the data its README describes (`fixtures.SERVERS`), with
the server's default command line, or with more flags when the call is marked `<!-- example: run
with FLAGS -->`; its arguments name that data as the README does (`fixtures.unshown` makes them
real: the fetch README's web site has a port of its own in each test). A call whose result is not
shown must succeed. The comparison is exact apart from what an example elides with `…` and the keys
whose values vary (`elision` says how).

A console example is a `$ moorings-<server> ...` line in a ```` ```console ```` block and the lines
after it, its output (stdout and stderr). It runs the installed script with `HOME` set to the
fixtures' home, which the READMEs call `/home/me`.

An example that cannot be checked says so and why, `<!-- example: not checked: <reason> -->`; every
other ```` ```text ```` block and every `$` line must be part of an example that runs, so an unchecked
example is always a decision, never an oversight.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import anyio
import pytest

from moorings_core.testing import HANG_LIMIT, installed_script, text_of
from tests.readmes.elision import json_mismatches, parse_example_json, text_mismatch
from tests.readmes.fixtures import SERVERS, serving, shown, unshown
from tests.readmes.markdown import READMES, Block, blocks, server_of

NOT_CHECKED = "not checked: "
RUN_WITH = "run with "
BOTH = "text and structured content"


@dataclass(frozen=True)
class ToolExample:
    """A tool call of a README and the results shown after it, each as `(what it shows, block)`."""

    call: Block
    name: str
    arguments: dict[str, Any]
    flags: tuple[str, ...]
    results: tuple[tuple[str, Block], ...]
    unchecked: str | None  # why, when it is not run

    def showing(self, shows: str, block: Block) -> ToolExample:
        return replace(self, results=(*self.results, (shows, block)))


@dataclass(frozen=True)
class ConsoleExample:
    """A `$ moorings-...` line of a console block and the output shown after it."""

    block: Block
    command: tuple[str, ...]
    output: str
    unchecked: str | None

    @property
    def server(self) -> str:
        return self.command[0].removeprefix("moorings-")


@dataclass
class Examples:
    tools: list[ToolExample] = field(default_factory=list)
    consoles: list[ConsoleExample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # blocks no example accounts for, bad markers


def collect() -> Examples:
    found = Examples()
    for readme in READMES:
        _collect_from(readme, found)
    return found


def _collect_from(readme: str, found: Examples) -> None:
    current: ToolExample | None = None  # the call whose results may follow
    for block in blocks(readme):
        marker = block.marker or ""
        unchecked = marker.removeprefix(NOT_CHECKED) if marker.startswith(NOT_CHECKED) else None
        if current and (block.section != current.call.section or block.lang not in ("json", "text")):
            current = None
        call = _tool_call(block)
        if call is not None:
            current = _tool_example(block, call, unchecked, found.problems)
            if current is not None:
                found.tools.append(current)
        elif current is not None:
            current = found.tools[-1] = _with_result(current, block, found.problems)
        elif block.lang == "console":
            found.consoles += _console_examples(block, unchecked, found.problems)
        elif unchecked is None and block.lang == "text":
            found.problems.append(f"{block.where}: a text block that is no tool call's result")
        elif unchecked is None and block.lang == "json" and not _host_configuration(block):
            found.problems.append(
                f"{block.where}: a JSON block that is no tool call, result or host configuration"
            )
        if not _marker_fits(block, call, current):
            found.problems.append(f"{block.where}: the marker {block.marker!r} means nothing here")


def _marker_fits(block: Block, call: dict[str, Any] | None, current: ToolExample | None) -> bool:
    marker = block.marker
    if marker is None:
        return True
    if marker.startswith(NOT_CHECKED):  # on a call, a console block, or a text block
        return bool(marker.removeprefix(NOT_CHECKED).strip()) and not (current and call is None)
    if marker.startswith(RUN_WITH):
        return call is not None
    return marker == BOTH and current is not None and call is None and block.lang == "json"


def _tool_call(block: Block) -> dict[str, Any] | None:
    """The call a JSON block shows, or None if it is not one."""
    if block.lang != "json":
        return None
    try:
        value = json.loads(block.text)
    except json.JSONDecodeError:
        return None
    if isinstance(value, dict) and {"name", "arguments"} & value.keys():
        return value
    return None


def _host_configuration(block: Block) -> bool:
    """Whether a JSON block is what a host reads to start servers (`mcpServers`, VS Code's `servers`,
    with the `inputs` it prompts for)."""
    try:
        value = json.loads(block.text)
    except json.JSONDecodeError:
        return False
    return isinstance(value, dict) and value.keys() in ({"mcpServers"}, {"servers"}, {"inputs", "servers"})


def _tool_example(
    block: Block, call: dict[str, Any], unchecked: str | None, problems: list[str]
) -> ToolExample | None:
    if set(call) != {"name", "arguments"} or not isinstance(call["arguments"], dict):
        problems.append(f'{block.where}: a tool call is {{"name": ..., "arguments": {{...}}}}, nothing else')
        return None
    if server_of(block.readme) not in SERVERS:
        problems.append(f"{block.where}: a tool call outside a server's README: which server runs it?")
        return None
    marker = block.marker or ""
    flags = tuple(shlex.split(marker.removeprefix(RUN_WITH))) if marker.startswith(RUN_WITH) else ()
    return ToolExample(block, call["name"], call["arguments"], flags, (), unchecked)


def _with_result(example: ToolExample, block: Block, problems: list[str]) -> ToolExample:
    if block.lang == "json":
        try:
            parse_example_json(block.text)
        except json.JSONDecodeError as exc:
            problems.append(
                f"{block.where}: the result of the call at line {example.call.line} is not JSON: {exc}"
            )
            return example
    return example.showing(BOTH if block.marker == BOTH else _SHOWS[block.lang], block)


_SHOWS = {"text": "text", "json": "structured content"}


def _console_examples(block: Block, unchecked: str | None, problems: list[str]) -> list[ConsoleExample]:
    examples: list[ConsoleExample] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            command = tuple(shlex.split(line.removeprefix("$ ")))
            if unchecked is None and command[0].removeprefix("moorings-") not in SERVERS:
                problems.append(
                    f"{block.where}: `{line}` runs no Moorings server, so nothing checks its output"
                )
            examples.append(ConsoleExample(block, command, "", unchecked))
        elif examples:
            examples[-1] = replace(examples[-1], output=examples[-1].output + line + "\n")
    return [example for example in examples if example.unchecked or example.server in SERVERS]


def _param(example: ToolExample | ConsoleExample, label: str) -> Any:
    """A test parameter; skipped, with the README's reason, when the example is marked unchecked."""
    marks = [pytest.mark.skip(reason=f"the README says: {example.unchecked}")] if example.unchecked else []
    return pytest.param(example, id=label, marks=marks)


EXAMPLES = collect()


def test_every_example_in_the_readmes_is_checked_or_says_why_not() -> None:
    assert not EXAMPLES.problems, "\n".join(EXAMPLES.problems)
    assert EXAMPLES.tools, "no tool example found: has the README format changed?"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "example", [_param(example, f"{example.call.where} {example.name}") for example in EXAMPLES.tools]
)
async def test_a_tool_example_shows_the_real_result(example: ToolExample, tmp_path: Path) -> None:
    server = server_of(example.call.readme)
    assert server is not None
    home = tmp_path / "home"
    async with serving(server, home, example.flags) as client:
        with anyio.fail_after(HANG_LIMIT):
            result = await client.call_tool(example.name, unshown(example.arguments, home))
    text, structured = shown(text_of(result), home), shown(result.structured_content, home)
    if not example.results:
        assert not result.is_error, f"{example.call.where}: the call failed: {text}"
    problems: list[str] = []
    for shows, block in example.results:
        if shows in ("text", BOTH):
            actual_text = _as_json(text) if shows == BOTH else text
            problems += _differences(block, actual_text)
        if shows in ("structured content", BOTH):
            problems += _differences(block, structured, "structured content")
    if problems:
        pytest.fail(f"{example.call.where} ({example.name}), real text:\n{text}\n\n" + "\n\n".join(problems))


def _as_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # compared as JSON, a text that is none cannot match


def _differences(block: Block, actual: Any, what: str = "text") -> list[str]:
    if block.lang == "text":
        diff = text_mismatch(block.text, actual)
        return [f"{block.where}, the {what}:\n{diff}"] if diff else []
    return [
        f"{block.where}, the {what}: {line}"
        for line in json_mismatches(parse_example_json(block.text), actual)
    ]


@pytest.mark.stdio
@pytest.mark.parametrize(
    "example",
    [_param(example, f"{example.block.where} {example.command[0]}") for example in EXAMPLES.consoles],
)
def test_a_console_example_shows_the_real_output(example: ConsoleExample, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # The shell expands ~ before the server sees it; the server's own messages name the result.
    arguments = [
        str(home) + arg[1:] if arg == "~" or arg.startswith("~/") else arg for arg in example.command[1:]
    ]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MOORINGS_")}
    with SERVERS[example.server].lay_out(home):
        done = subprocess.run(
            [installed_script(example.command[0]), *arguments],
            capture_output=True,
            text=True,
            cwd=home,
            env={**environment, "HOME": str(home)},
            stdin=subprocess.DEVNULL,
            timeout=HANG_LIMIT,
        )
    diff = text_mismatch(example.output, shown(done.stdout + done.stderr, home))
    assert diff is None, f"{example.block.where}: `$ {shlex.join(example.command)}`\n{diff}"


# -- how examples are found: what a README writer gets told ---------------------------------------------

CALL = '```json\n{"name": "read_query", "arguments": {"query": "SELECT 1"}}\n```\n'


def collected(tmp_path: Path, markdown: str, readme: str = "servers/sqlite/README.md") -> Examples:
    path = tmp_path / readme
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
    found = Examples()
    _collect_from(str(path), found)
    return found


def test_the_blocks_after_a_call_in_its_section_are_its_results(tmp_path: Path) -> None:
    results = "returns\n\n```text\n1\n```\n\n```json\n{}\n```\n"
    found = collected(tmp_path, f"## Tools\n\n{CALL}\n{results}\n## Flags\n\n```text\n2\n```\n")
    assert [(example.name, [shows for shows, _ in example.results]) for example in found.tools] == [
        ("read_query", ["text", "structured content"])
    ]
    assert len(found.problems) == 1
    assert "a text block that is no tool call's result" in found.problems[0]


def test_an_unchecked_example_says_why(tmp_path: Path) -> None:
    found = collected(
        tmp_path, f"<!-- example: not checked: it needs a network -->\n{CALL}\n```text\n1\n```\n"
    )
    assert [example.unchecked for example in found.tools] == ["it needs a network"]
    assert found.problems == []
    assert collected(tmp_path / "bare", f"<!-- example: not checked: -->\n{CALL}").problems != []


@pytest.mark.parametrize(
    "markdown",
    [
        pytest.param(f"<!-- example: text and structured content -->\n{CALL}", id="both-on-a-call"),
        pytest.param(
            f"{CALL}\n<!-- example: run with --allow-writes -->\n```text\n1\n```\n", id="flags-on-a-result"
        ),
        pytest.param(f"<!-- example: skip -->\n{CALL}", id="unknown"),
        pytest.param(f"{CALL}\n<!-- example: not checked: why -->\n```text\n1\n```\n", id="unchecked-result"),
    ],
)
def test_a_marker_out_of_place_is_reported(tmp_path: Path, markdown: str) -> None:
    problems = collected(tmp_path, markdown).problems
    assert any("means nothing here" in problem for problem in problems), problems


def test_json_that_is_no_call_result_or_host_configuration_is_reported(tmp_path: Path) -> None:
    assert collected(tmp_path, '```json\n{"mcpServers": {}}\n```\n').problems == []
    assert collected(tmp_path / "b", '```json\n{"rows": [1, …]}\n```\n').problems != []
    assert collected(tmp_path / "c", '```json\n{"name": "read_query", "args": {}}\n```\n').problems != []


def test_a_tool_call_outside_a_server_readme_is_reported(tmp_path: Path) -> None:
    problems = collected(tmp_path, CALL, readme="README.md").problems
    assert any("outside a server's README" in problem for problem in problems), problems


def test_a_console_line_of_another_program_is_reported(tmp_path: Path) -> None:
    found = collected(tmp_path, "```console\n$ moorings-sqlite --help\nusage\n$ rm -rf /\n```\n")
    assert [(example.command[0], example.output) for example in found.consoles] == [
        ("moorings-sqlite", "usage\n")
    ]
    assert len(found.problems) == 1
    assert "`$ rm -rf /` runs no Moorings server" in found.problems[0]
