"""What the READMEs say about the repository itself is so: the folders and files they name exist,
the `make` targets they name are the Makefile's, and the core README's modules and names import.

A path is checked when a word of an inline code span starts with one of the folders of the top
README's layout block and names a folder (`tests/readmes/`) or a file with an extension
(`tools/bootstrap_uv.py`, `pytest tests/test_sdk_boundary.py`); `<name>` stands for each server.
Other words (`tools/list` is an MCP method, `.vscode/mcp.json` a host's file) are not paths here.
"""

from __future__ import annotations

import importlib
import re

import moorings_core
from tests.readmes.markdown import READMES, REPO, blocks, inline_code, tables

SERVER_NAMES = sorted(path.parent.name for path in REPO.glob("servers/*/pyproject.toml"))


def _layout() -> list[str]:
    """The first column of the top README's layout block: `shared/`, `servers/<name>/`, ...

    An indented line goes on with the description above it."""
    block = next(block for block in blocks("README.md") if block.heading == "Layout")
    return [line.split()[0] for line in block.text.splitlines() if line.strip() and not line[0].isspace()]


def _each_server(path: str) -> list[str]:
    return [path.replace("<name>", server) for server in SERVER_NAMES] if "<name>" in path else [path]


def test_the_layout_names_folders_that_exist() -> None:
    missing = [path for entry in _layout() for path in _each_server(entry) if not (REPO / path).is_dir()]
    assert missing == [], "README.md, Layout"


def test_every_repository_path_a_readme_names_exists() -> None:
    tops = {entry.split("/")[0] for entry in _layout()}
    missing = []
    for readme in READMES:
        for word in (word for span in inline_code(readme) for word in span.split()):
            is_path = re.fullmatch(r"[\w.<>-]+(/[\w.<>-]+)*/|[\w.<>-]+(/[\w.<>-]+)+\.\w+", word)
            if is_path and word.split("/")[0] in tops:
                missing += [f"{readme}: {path}" for path in _each_server(word) if not (REPO / path).exists()]
    assert missing == []


def test_every_make_target_a_readme_names_is_the_makefiles() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, flags=re.MULTILINE))
    named = set()
    for readme in READMES:
        commands = [*inline_code(readme)]
        commands += [
            line for block in blocks(readme) if block.lang == "console" for line in block.text.splitlines()
        ]
        for command in commands:
            if words := re.match(r"make((?: [a-z]+)+)", command):
                named |= {(readme, target) for target in words.group(1).split()}
    assert named, "no `make` command found: has the README changed its form?"
    assert {(readme, target) for readme, target in named if target not in targets} == set()


def test_the_core_readmes_modules_import_and_its_import_line_works() -> None:
    table = next(table for table in tables("shared/README.md") if table.header[0] == "module")
    for row in table.rows:
        importlib.import_module(row[0].strip("`"))
    line = next(
        span for span in inline_code("shared/README.md") if span.startswith("from moorings_core import")
    )
    names = line.removeprefix("from moorings_core import ").split(", ")
    assert set(names) <= set(moorings_core.__all__), line
