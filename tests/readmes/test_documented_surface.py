"""What the READMEs say a server offers is what it lists: its tools, their parameters, when each is
listed, how many there are, its resource templates and its prompts.

Each server is started over its README data in its default configuration and with each flag that
changes its tools (`fixtures.ReadmeServer.tool_flags`), and what `tools/list`, `prompts/list` and
`resources/templates/list` return is held against:

- the top README's server table, whose status cell states the count of each configuration:
  `21 tools; 11 with `--read-only`` (the first number is the default's; `1 tool` for one);
- each server README's tool tables (`| tool | parameters | ... |`): every tool listed, none more;
  the parameters column names each parameter (`name`, `name?` when optional, `(`a`/`b`)` for its
  choices, `name[{field, other?}]` for the fields of a list's items, `—` for none, `as `tool``
  for another tool's); and a table's heading says when its tools are listed: `(listed only with
  `--flag`)`, `(not listed at all with `--flag`)` or `(not listed with `--flag` or `--other value`)`,
  else always;
- the URIs a server README names (`` `scheme://...` ``), which must be templates or resources the
  server lists, or a URI one of its templates makes (`{x}` one segment, `{+x}` any text), and the
  templates and prompts (`` `name(arguments)` ``) it must name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest

from tests.readmes.fixtures import SERVERS, serving, shown
from tests.readmes.markdown import REPO, Table, inline_code, server_of, tables

Configuration = tuple[str, ...]  # the flags added to a server's default command line


@dataclass(frozen=True)
class Listing:
    """What a server lists in one configuration."""

    tools: dict[str, types.Tool]
    templates: frozenset[str]
    resources: frozenset[str]
    prompts: frozenset[str]  # as the READMEs write them: `name(argument, ...)`


def configurations(server: str) -> list[Configuration]:
    return [(), *(tuple(flag.split()) for flag in SERVERS[server].tool_flags)]


async def _list(server: str, home: Path, flags: Configuration) -> Listing:
    async with serving(server, home, flags) as client:
        tools = (await client.list_tools()).tools
        templates = (await client.list_resource_templates()).resource_templates
        resources = (await client.list_resources()).resources
        prompts = (await client.list_prompts()).prompts
    return Listing(
        tools={tool.name: tool for tool in tools},
        templates=frozenset(shown(template.uri_template, home) for template in templates),
        resources=frozenset(shown(str(resource.uri), home) for resource in resources),
        prompts=frozenset(
            f"{prompt.name}({', '.join(argument.name for argument in prompt.arguments or [])})"
            for prompt in prompts
        ),
    )


class Listings:
    """Each server's listing in each of its configurations, listed when a test first asks for it:
    a server whose data cannot be laid out (PostgreSQL unreachable) skips only the tests of it."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._listed: dict[str, dict[Configuration, Listing]] = {}

    def __getitem__(self, server: str) -> dict[Configuration, Listing]:
        if server not in self._listed:
            self._listed[server] = anyio.run(self._list_each_configuration, server)
        return self._listed[server]

    async def _list_each_configuration(self, server: str) -> dict[Configuration, Listing]:
        return {
            flags: await _list(server, self._tmp_path_factory.mktemp(server) / "home", flags)
            for flags in configurations(server)
        }


@pytest.fixture(scope="module")
def listings(tmp_path_factory: pytest.TempPathFactory) -> Listings:
    return Listings(tmp_path_factory)


def _named(values: dict[Configuration, Any]) -> str:
    """`{(): 5, ("--allow-writes",): 7}` as `5 by default, 7 with --allow-writes` (True as `listed`)."""
    return ", ".join(
        f"{_word(value)} {'with ' + ' '.join(flags) if flags else 'by default'}"
        for flags, value in values.items()
    )


def _word(value: Any) -> str:
    return ("listed" if value else "not listed") if isinstance(value, bool) else str(value)


# -- the top README's counts ------------------------------------------------------------------------------


def _server_rows() -> Iterator[tuple[str, str]]:
    """Each server the top README's table links to, with its status cell."""
    table = next(table for table in tables("README.md") if table.header[:1] == ("server",))
    for row in table.rows:
        if link := re.search(r"\]\((servers/\w+/README\.md)\)", row[0]):
            yield str(server_of(link.group(1))), row[table.column("status")]


def test_the_top_readme_links_every_server_and_the_readme_tests_run_each() -> None:
    servers = {path.parent.name for path in REPO.glob("servers/*/pyproject.toml")}
    assert {server for server, _ in _server_rows()} == servers, "the top README's server table"
    assert set(SERVERS) == servers, "tests/readmes/fixtures.py: SERVERS"


def test_the_top_readme_gives_the_tool_count_of_each_configuration(
    listings: Listings,
) -> None:
    problems = []
    for server, status in _server_rows():
        real = {flags: len(listing.tools) for flags, listing in listings[server].items()}
        if _documented_counts(status) != real:
            problems.append(f"moorings-{server} lists {_named(real)}; the README says {status!r}")
    assert not problems, "README.md, the server table:\n" + "\n".join(problems)


def _documented_counts(status: str) -> dict[Configuration, int]:
    counts: dict[Configuration, int] = {}
    if default := re.search(r"(\d+) tools?\b", status):
        counts[()] = int(default.group(1))
    for count, flag in re.findall(r"(\d+) with `(--[\w-]+(?: [\w-]+)?)`", status):
        counts[tuple(flag.split())] = int(count)
    return counts


# -- each server README's tool tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A tool parameter as far as a README shows it: its choices and its items' fields only if shown."""

    optional: bool
    choices: tuple[str, ...] | None = None
    fields: dict[str, Parameter] | None = None

    def as_shown_by(self, documented: Parameter) -> Parameter:
        """This parameter with the detail `documented` leaves out left out."""
        fields = None
        if self.fields is not None and documented.fields is not None:
            fields = _as_shown_by(self.fields, documented.fields)
        return replace(self, choices=self.choices if documented.choices else None, fields=fields)


def _as_shown_by(real: dict[str, Parameter], documented: dict[str, Parameter]) -> dict[str, Parameter]:
    return {
        name: parameter.as_shown_by(documented[name]) if name in documented else parameter
        for name, parameter in real.items()
    }


_ITEM = re.compile(r"`(?P<token>[^`]+)`(?: \((?P<choices>`[^`]+`(?:/`[^`]+`)+)\)| \([^)`]*\))?")
_TOKEN = re.compile(r"(?P<name>[\w.-]+)(?P<optional>\??)(?:\[\{(?P<fields>.*)\}\])?")


def _documented_parameters(cell: str) -> dict[str, Parameter] | None:
    """The parameters a table cell names (`a`, `b?` (`x`/`y`), `c[{d, e?}]` (1–100), or —),
    or None when the cell is not written that way."""
    if cell == "—":
        return {}
    parameters: dict[str, Parameter] = {}
    for item in _items(cell):
        match = _ITEM.fullmatch(item)
        token = _TOKEN.fullmatch(match.group("token")) if match else None
        if match is None or token is None:
            return None
        fields = token.group("fields")
        choices = match.group("choices")
        parameters[token.group("name")] = Parameter(
            optional=bool(token.group("optional")),
            choices=tuple(choice.strip("`") for choice in choices.split("/")) if choices else None,
            fields=_documented_parameters(", ".join(f"`{field}`" for field in fields.split(", ")))
            if fields
            else None,
        )
    return parameters


def _items(cell: str) -> list[str]:
    """A cell cut at each `, ` outside backticks."""
    items, in_code, start = [], False, 0
    for index, char in enumerate(cell):
        in_code ^= char == "`"
        if not in_code and cell.startswith(", ", index):
            items.append(cell[start:index])
            start = index + 2
    return [*items, cell[start:]]


def _notation(parameters: dict[str, Parameter]) -> str:
    """Parameters written as the tables write them."""
    written = []
    for name, parameter in parameters.items():
        fields = f"[{{{_notation(parameter.fields).replace('`', '')}}}]" if parameter.fields else ""
        choices = f" ({'/'.join(f'`{choice}`' for choice in parameter.choices)})" if parameter.choices else ""
        written.append(f"`{name}{'?' if parameter.optional else ''}{fields}`{choices}")
    return ", ".join(written) or "—"


def _real_parameters(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> dict[str, Parameter]:
    """The parameters an input schema declares, with their choices and the fields of list items."""
    defs = {**(defs or {}), **schema.get("$defs", {})}
    required = set(schema.get("required", []))
    parameters = {}
    for name, declared in schema.get("properties", {}).items():
        branches = [_resolved(branch, defs) for branch in declared.get("anyOf", [declared])]
        choices = tuple(choice for branch in branches for choice in branch.get("enum", ()))
        items = [_resolved(branch["items"], defs) for branch in branches if "items" in branch]
        fields = _real_parameters(items[0], defs) if items and "properties" in items[0] else None
        parameters[name] = Parameter(optional=name not in required, choices=choices or None, fields=fields)
    return parameters


def _resolved(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref", "")
    return defs[reference.removeprefix("#/$defs/")] if reference.startswith("#/$defs/") else schema


def _tool_rows(server: str) -> Iterator[tuple[Table, str, str]]:
    """Each row of the server README's tool tables: its table, the tool, the parameters cell."""
    for table in tables(f"servers/{server}/README.md"):
        if table.header[:2] == ("tool", "parameters"):
            for row in table.rows:
                yield table, row[0].strip("`"), row[1]


def _listed_when(heading: str, server: str, where: str) -> dict[Configuration, bool]:
    """Whether the tools under `heading` are listed in each configuration, as the heading says."""
    every = dict.fromkeys(configurations(server), True)
    if only := re.search(r"\(listed only with `(--[\w-]+(?: [\w-]+)?)`\)", heading):
        return {**dict.fromkeys(every, False), tuple(only.group(1).split()): True}
    if not_with := re.search(r"\(not listed(?: at all)? with (`--[^)]+`)\)", heading):
        flags = [tuple(flag.split()) for flag in re.findall(r"`([^`]+)`", not_with.group(1))]
        return {**every, **dict.fromkeys(flags, False)}
    assert "listed" not in heading or "(always listed)" in heading, f"{where}: cannot read {heading!r}"
    return every


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_the_tool_tables_name_every_tool_and_when_it_is_listed(server: str, listings: Listings) -> None:
    problems = []
    real = {name for listing in listings[server].values() for name in listing.tools}
    documented = {tool for _, tool, _ in _tool_rows(server)}
    if documented != real:
        problems.append(
            f"not in the README: {sorted(real - documented)}; not served: {sorted(documented - real)}"
        )
    for table, tool, _ in _tool_rows(server):
        where = f"servers/{server}/README.md:{table.line}"
        stated = _listed_when(table.heading, server, where)
        if stated.keys() != listings[server].keys():
            problems.append(f"{where}: {table.heading!r} names a flag that changes no tools")
            continue
        listed = {flags: tool in listing.tools for flags, listing in listings[server].items()}
        if tool in real and listed != stated:
            problems.append(
                f"{where}: {tool} is {_named(listed)}; the heading {table.heading!r} says {_named(stated)}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_the_tool_tables_name_every_parameter(server: str, listings: Listings) -> None:
    tools = {name: tool for listing in listings[server].values() for name, tool in listing.tools.items()}
    cells = {tool: (table, cell) for table, tool, cell in _tool_rows(server)}
    problems = []
    for name, (table, cell) in cells.items():
        where = f"servers/{server}/README.md:{table.line} {name}"
        if alias := re.fullmatch(r"as `(\w+)`", cell):
            cell = cells[alias.group(1)][1]
        documented = _documented_parameters(cell)
        if documented is None:
            problems.append(f"{where}: cannot read the parameters {cell!r}")
        elif name in tools:
            real = _as_shown_by(_real_parameters(tools[name].input_schema), documented)
            if documented != real:
                problems.append(
                    f"{where}: the README shows {_notation(documented)}, the tool takes {_notation(real)}"
                )
    assert not problems, "\n".join(problems)


# -- resources and prompts ----------------------------------------------------------------------------------


def _made_by(template: str) -> re.Pattern[str]:
    """The URIs an RFC 6570 template makes by simple (`{x}`) and reserved (`{+x}`) expansion."""
    parts = re.split(r"(\{\+?\w+\})", template)
    return re.compile(
        "".join(
            (".+" if part.startswith("{+") else "[^/?#]+") if part.startswith("{") else re.escape(part)
            for part in parts
        )
    )


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_the_readme_names_the_resource_templates_and_prompts_the_server_offers(
    server: str, listings: Listings
) -> None:
    spans = set(inline_code(f"servers/{server}/README.md"))
    named_uris = {
        span for span in spans if re.fullmatch(r"\w+://\S+", span)
    }  # `postgres://` alone names none
    templates = {template for listing in listings[server].values() for template in listing.templates}
    resources = {resource for listing in listings[server].values() for resource in listing.resources}
    prompts = {prompt for listing in listings[server].values() for prompt in listing.prompts}
    made = [_made_by(template) for template in templates]
    unknown = {uri for uri in named_uris - templates - resources if not any(m.fullmatch(uri) for m in made)}
    assert unknown == set(), "URIs the README names that the server does not offer"
    assert templates - named_uris == set(), "resource templates the README does not name"
    assert prompts - spans == set(), "prompts the README does not name"
