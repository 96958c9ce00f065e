"""The settings the READMEs document are the ones each server's `--help` lists, with the same
environment variables and defaults.

- A server README's flag table (`| flag | environment variable | default | meaning |`) has a row for
  every option of `--help` but `--help` and `--version`, and every flag it names exists; each row's
  variables (the setting's own, then any alias it also reads, in the help's order) and default are
  the help's. A default is written as a person would: `off`/`on` for false/true, `—` for none, `60`
  for 60.0, `8 MiB`; `(required)` means the server will not start without it.
- The top README's table of the settings every server has gives each one's default for every server.
- Every flag a server README names in its prose (`` `--roots-mode replace` ``) is one of its flags;
  a span that is a git command line (`` `git diff --cached` ``) names git's options, not the server's.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from functools import cache

import pytest

from moorings_core.config import load_settings
from tests.readmes.fixtures import SERVERS
from tests.readmes.markdown import Table, inline_code, tables

_FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")


@dataclass(frozen=True)
class HelpEntry:
    """One option of `--help`: its names (`--create`, `--no-create`, or a positional's `DIR`)."""

    names: tuple[str, ...]
    env: str | None  # the variables, as the help lists them: "MOORINGS_X_DSN, DATABASE_URL"
    default: str  # "none" when the help shows none


def _run_with(server: str, argv: list[str]) -> tuple[int, str]:
    """Load `server`'s settings from `argv` as its script would: the exit status and what it printed."""
    program = SERVERS[server].program
    out = io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(out),
    ):
        patch.setenv("COLUMNS", "200")  # argparse wraps the help to the terminal's width
        try:
            load_settings(
                program.settings, server=program.name, version="0", argv=argv, environ={}, description="x"
            )
        except SystemExit as stop:
            return int(stop.code or 0), out.getvalue()
    return 0, out.getvalue()


@cache
def help_entries(server: str) -> dict[str, HelpEntry]:
    """The options `moorings-<server> --help` lists, by each of their names."""
    status, text = _run_with(server, ["--help"])
    assert status == 0, text
    entries: dict[str, HelpEntry] = {}
    for option in re.findall(r"^  \S.*(?:\n   +\S.*)*", text, flags=re.MULTILINE):  # indented 2, then more
        invocation, _, description = option.strip().partition("  ")
        flags = _FLAG.findall(invocation)
        names = tuple(flags) if flags else (invocation.split(" ")[0],)
        described = " ".join(description.split())
        env = re.search(r"\[env: ([^\]]+)\]", described)
        default = re.search(r"\[default: ([^\]]*)\]", described)
        entry = HelpEntry(names, env.group(1) if env else None, default.group(1) if default else "none")
        entries.update(dict.fromkeys(names, entry))
    return entries


def _flags_of(cell: str) -> list[str]:
    """The flags and positionals a table cell names: `--a N` / `--no-a`, `DIR...`."""
    return [span.split(" ")[0].removesuffix("...") for span in re.findall(r"`([^`]+)`", cell)]


def _value(written: str) -> str:
    """A default as the help writes it, from the way a README writes it."""
    written = written.strip("`")
    written = {"off": "false", "on": "true", "—": "none"}.get(written, written)
    if mebibytes := re.fullmatch(r"(\d+) MiB", written):
        return str(int(mebibytes.group(1)) * 2**20)
    return written


def _same_default(readme: str, help_default: str) -> bool:
    readme = _value(readme)
    with contextlib.suppress(ValueError):
        return float(readme) == float(help_default)
    return readme == help_default


def _required(server: str, name: str) -> bool:
    """Whether the server refuses to start without `name` (nothing else given either)."""
    status, said = _run_with(server, [])
    return status == 2 and name in said


def _flag_table(server: str) -> Table:
    return next(
        table
        for table in tables(f"servers/{server}/README.md")
        if table.header[:3] == ("flag", "environment variable", "default")
    )


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_the_flag_table_is_what_help_lists(server: str) -> None:
    entries = help_entries(server)
    table = _flag_table(server)
    problems, documented = [], set()
    for row in table.rows:
        names = _flags_of(row[0])
        documented.update(names)
        unknown = [name for name in names if name not in entries]
        if unknown:
            problems.append(f"{row[0]}: --help has no {', '.join(unknown)}")
            continue
        entry = entries[names[0]]
        env = ", ".join(re.findall(r"`([^`]+)`", row[table.column("environment variable")]))
        default = row[table.column("default")]
        if env != entry.env:
            problems.append(f"{row[0]}: the variables are {entry.env}, not {env}")
        if default == "(required)":
            if not _required(server, names[0]):
                problems.append(f"{row[0]}: the server starts without it, so it is not required")
        elif not _same_default(default, entry.default):
            problems.append(f"{row[0]}: the default is {entry.default}, not {default}")
    undocumented = {entry.names[0] for entry in entries.values()} - documented - {"--help", "--version"}
    if undocumented:
        problems.append(f"--help lists {', '.join(sorted(undocumented))}, the table does not")
    assert not problems, f"servers/{server}/README.md:{table.line}, the flags:\n" + "\n".join(problems)


def test_the_settings_every_server_has_have_the_top_readmes_defaults() -> None:
    table = next(table for table in tables("README.md") if table.header == ("flag", "default", "meaning"))
    problems = []
    for server in sorted(SERVERS):
        entries = help_entries(server)
        for row in table.rows:
            [flag] = _flags_of(row[0])
            if flag not in entries:
                problems.append(f"moorings-{server} has no {flag}")
            elif not _same_default(row[1], entries[flag].default):
                problems.append(
                    f"moorings-{server}'s {flag} defaults to {entries[flag].default}, not {row[1]}"
                )
    assert not problems, f"README.md:{table.line}:\n" + "\n".join(problems)


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_every_flag_a_server_readme_names_is_one_of_its_flags(server: str) -> None:
    # Spans of git's own command line, and of `moorings` (the front door has flags of its own), aside.
    others = ("git ", "moorings ", "uvx moorings ")
    spans = [span for span in inline_code(f"servers/{server}/README.md") if not span.startswith(others)]
    named = {flag for span in spans for flag in _FLAG.findall(span)}
    assert named - help_entries(server).keys() == set()
