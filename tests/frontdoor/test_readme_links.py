"""What the top README promises about the front door holds: its one-click links install a pinned,
complete entry, and each `moorings doctor` line it quotes is one doctor really prints."""

from __future__ import annotations

import ast
import base64
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from moorings.catalog import all_servers

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text("utf-8")

VSCODE = re.findall(r"\]\((https://vscode\.dev/redirect/mcp/install\?[^)]+)\)", README)
CURSOR = re.findall(r"\]\((https://cursor\.com/en/install-mcp\?[^)]+)\)", README)


def test_every_server_has_a_vscode_link() -> None:
    names = [parse_qs(urlsplit(link).query)["name"][0] for link in VSCODE]
    assert names == list(all_servers())


@pytest.mark.parametrize("link", VSCODE)
def test_a_vscode_link_installs_a_pinned_entry_with_a_prompt_for_each_input(link: str) -> None:
    query = parse_qs(urlsplit(link).query)
    server = all_servers()[query["name"][0]]
    config = json.loads(query["config"][0])
    assert config["type"] == "stdio"
    assert config["args"][:3] == ["--from", server.requirement, server.command]
    asked = set(re.findall(r"\$\{input:([a-z-]+)\}", json.dumps(config)))
    inputs = json.loads(query["inputs"][0]) if "inputs" in query else []
    assert {item["id"] for item in inputs} == asked
    assert all(item["type"] == "promptString" and item["description"] for item in inputs)


@pytest.mark.parametrize("link", CURSOR)
def test_a_cursor_link_installs_a_pinned_entry_that_needs_nothing_more(link: str) -> None:
    query = parse_qs(urlsplit(link).query)
    server = all_servers()[query["name"][0]]
    config = json.loads(base64.b64decode(query["config"][0]))
    assert config["args"][:3] == ["--from", server.requirement, server.command]
    assert "${input:" not in json.dumps(config)  # Cursor has no prompts


QUOTED = re.findall(r"`FAIL  ([^`]+)`", README)
PLACEHOLDER = re.compile(r"moorings-NAME(?:==V)?|'[^']*'|\b(?:NAME|V|N|HOST|VAR)\b|…")


def _doctor_texts() -> list[str]:
    """The literal text of each message in doctoring.py: its strings, and the fixed parts of its f-strings."""
    tree = ast.parse((REPO / "moorings" / "src" / "moorings" / "doctoring.py").read_text("utf-8"))
    texts: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            texts += [str(part.value) for part in node.values if isinstance(part, ast.Constant)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append(node.value)
    return texts


@pytest.mark.parametrize("line", QUOTED)
def test_each_doctor_line_the_readme_quotes_is_one_doctor_prints(line: str) -> None:
    fixed = [part.strip() for part in PLACEHOLDER.split(line) if part.strip()]
    texts = _doctor_texts()
    missing = [part for part in fixed if not any(part in text for text in texts)]
    assert missing == [], f"README.md quotes doctor saying {line!r}; doctoring.py has no {missing}"


def test_the_readme_quotes_doctor_lines() -> None:
    assert len(QUOTED) >= 6
