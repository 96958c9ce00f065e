"""Only the core's SDK adapter may reach past the public API of `mcp` or `httpx`.

Every `.py` file of the repository is read (not imported) and these are refused anywhere but in
`moorings_core/server/sdk_adapter.py`:

- importing a private module of `mcp`, `mcp_types`, `httpx` or `httpcore` (`mcp.server._otel`);
- an attribute with a leading underscore that one of those packages defines (`mcp._lowlevel_server`,
  `session._connection`), read on anything but `self`/`cls`, or named to `getattr`/`hasattr`;
- `fn_metadata`, the SDK's per-tool internals, by any route.

A new reach goes into the adapter, with a contract test (tests/core/test_sdk_adapter.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import mcp
import mcp_types

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = ROOT / "shared/src/moorings_core/server/sdk_adapter.py"
SCANNED = ("shared/src", "servers", "tests", "benchmarks", "demo")
GUARDED_PACKAGES = ("mcp", "mcp_types", "httpx", "httpcore")
INTERNAL_NAMES = frozenset({"fn_metadata"})


def _package_dirs() -> list[Path]:
    import httpcore
    import httpx

    return [Path(module.__file__).parent for module in (mcp, mcp_types, httpx, httpcore) if module.__file__]


@cache
def private_names() -> frozenset[str]:
    """Every `_name` the guarded packages define: functions, classes, attributes, module globals."""
    names: set[str] = set()
    for directory in _package_dirs():
        for source in directory.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_bytes())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(node.name)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    names.add(node.attr)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
    return frozenset(name for name in names if name.startswith("_") and not name.startswith("__"))


def _reaches(tree: ast.Module) -> Iterator[tuple[int, str]]:
    private = private_names()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            modules = (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            )
            for module in modules:
                parts = module.split(".")
                if parts[0] in GUARDED_PACKAGES and any(part.startswith("_") for part in parts[1:]):
                    yield node.lineno, f"imports the private module {module}"
        if isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if node.attr in INTERNAL_NAMES or (node.attr in private and owner not in ("self", "cls")):
                yield node.lineno, f"reads .{node.attr}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in private | INTERNAL_NAMES
        ):
            yield node.lineno, f"names {node.args[1].value!r} to {node.func.id}"


def _sources() -> Iterator[Path]:
    for top in SCANNED:
        for source in sorted((ROOT / top).rglob("*.py")):
            if ".venv" not in source.parts and source not in (ADAPTER, Path(__file__).resolve()):
                yield source


def test_only_the_adapter_reaches_into_the_sdk() -> None:
    found = [
        f"{source.relative_to(ROOT)}:{line}: {what}"
        for source in _sources()
        for line, what in _reaches(ast.parse(source.read_bytes()))
    ]
    assert not found, "Reaches past the SDK's public API outside sdk_adapter.py:\n" + "\n".join(found)


def test_the_scan_finds_each_kind_of_reach() -> None:
    # The check itself must be able to fail: each of these is one reach.
    hostile = """
from mcp.server._otel import OpenTelemetryMiddleware
server = mcp._lowlevel_server
connection = getattr(ctx.session, "_connection", None)
tool.fn_metadata.output_model = None
"""
    assert [line for line, _ in _reaches(ast.parse(hostile))] == [2, 3, 4, 5]
    assert list(_reaches(ast.parse("self._connection = x\nvalue = obj.public"))) == []
