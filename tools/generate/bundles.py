"""`servers/<name>/bundle/`: each server as an MCP Bundle, the one-click install of Claude Desktop.

`make dist` packs each directory into `dist/moorings-<name>-<version>.mcpb` with the `mcpb` CLI. A
bundle holds three files:

- `manifest.json` (manifest_version 0.4, the first with the `uv` server type): what the install
  dialog asks (`user_config`) and the command Claude Desktop runs (`mcp_config`), with `uv` run by
  its own copy of uv.
- `pyproject.toml`: a virtual project depending on the server's release on PyPI, pinned exactly (it
  pins the core it was released with), so `uv run` installs that release and nothing else: the
  bundle carries no code of ours to drift from what is published.
- `launch_<name>.py`, the entry point: starts the server from that install through
  `moorings_core.bundled`, which drops what the dialog left unset; each has its own name so that
  mypy, which checks them here, sees six modules and not one.

and a `.mcpbignore` for what running it in place leaves beside them.

What the dialog asks is chosen in `sources.SERVERS`, not derived: only what a user decides when installing
— what the server may touch (the directories, the database), the credentials it needs, and its
main switches (read-only, writes, network). Tuning (limits, timeouts, logging) keeps the server's
defaults, which suit a desktop; what a dialog cannot express (tables of named databases or APIs,
secret lists such as `--header`, a second list) and the rarer needs (basic auth, a proxy) are for the
command-line install (`moorings`, or uvx). Everything else about an option (its type, wording,
default, secrecy) comes from the server's own setting.

How values travel follows what the host's substitution can do (the `mcpb` library's
`getMcpConfigForManifest`): a list (`multiple: true`) expands into several arguments only where
`${user_config.KEY}` is a whole argument, so the one list a bundle asks for is the launcher's
arguments; every other value goes in the server's `MOORINGS_<SERVER>_<SETTING>` variable, which
keeps secrets out of the process list.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from moorings_core.config import Setting

from .sources import Ask, ServerSource

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

MANIFEST_VERSION = "0.4"


def bundle_directory(source: ServerSource) -> Path:
    return source.directory / "bundle"


def launcher(source: ServerSource) -> str:
    return f"launch_{source.name}.py"


def outputs(sources: list[ServerSource]) -> dict[Path, str]:
    files: dict[Path, str] = {}
    for source in sources:
        project = _project(source.directory)
        directory = bundle_directory(source)
        files[directory / "manifest.json"] = json.dumps(_manifest(source, project), indent=2) + "\n"
        files[directory / "pyproject.toml"] = _pyproject(source, project)
        files[directory / launcher(source)] = _LAUNCHER.format(name=source.name, flag=_list_flag(source))
        files[directory / ".mcpbignore"] = _IGNORED
    return files


def asked_settings(source: ServerSource) -> list[tuple[Setting, Ask]]:
    """The settings the dialog asks for, in the server's own order."""
    asked = source.showing.dialog
    unknown = set(asked) - {setting.flag for setting in source.settings}
    if unknown:
        raise SystemExit(
            f"tools/generate/sources.py SERVERS[{source.name!r}].dialog: no setting {sorted(unknown)}"
        )
    pairs = [(setting, asked[setting.flag]) for setting in source.settings if setting.flag in asked]
    for setting in source.settings:
        if setting.required and setting.flag not in asked:
            raise SystemExit(f"{source.name}: {setting.flag} is required, so its bundle must ask for it")
    lists = [setting.flag for setting, _ in pairs if setting.many]
    if len(lists) > 1:
        raise SystemExit(f"{source.name}: a bundle passes one list, as its arguments; it asks for {lists}")
    for setting, _ in pairs:
        if setting.many and setting.secret:
            raise SystemExit(f"{source.name}: {setting.flag} is a secret list; arguments would show it")
    return pairs


def _manifest(source: ServerSource, project: dict[str, Any]) -> dict[str, Any]:
    asked = asked_settings(source)
    args = ["run", "--directory", "${__dirname}", launcher(source)]
    args += [f"${{user_config.{setting.name}}}" for setting, _ in asked if setting.many]
    env = {setting.env_var: f"${{user_config.{setting.name}}}" for setting, _ in asked if not setting.many}
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": f"moorings-{source.name}",
        "display_name": f"Moorings {source.name}",
        "version": source.version,
        "description": source.summary,
        "long_description": source.description,
        "author": {"name": project["authors"][0]["name"]},
        "license": project["license"],
        "keywords": ["mcp", "moorings", source.name],
        "server": {
            "type": "uv",
            "entry_point": launcher(source),
            "mcp_config": {"command": "uv", "args": args, "env": env},
        },
        "user_config": {setting.name: _option(setting, ask) for setting, ask in asked},
        "compatibility": {
            "platforms": ["darwin", "linux", "win32"],
            "runtimes": {"python": project["requires-python"]},
        },
    }


def _option(setting: Setting, ask: Ask) -> dict[str, Any]:
    option: dict[str, Any] = {"type": _type(setting), "title": ask.title, "description": setting.description}
    if setting.required or ask.required:
        option["required"] = True
    if setting.many:
        option["multiple"] = True
    if setting.secret:
        option["sensitive"] = True
    if setting.kind == "bool":
        option["default"] = setting.default == "true"
    elif setting.kind == "choice":
        option["default"] = setting.default
    return option


def _type(setting: Setting) -> str:
    """A list of paths is places to work in (directories); a single one is a file to open (a database)."""
    if setting.kind == "bool":
        return "boolean"
    if setting.kind in ("int", "float"):
        return "number"
    if setting.kind == "path":
        return "directory" if setting.many else "file"
    return "string"


def _list_flag(source: ServerSource) -> str:
    """The flag the bundle's list goes after, item by item, as Python: None for positional arguments."""
    lists = [setting for setting, _ in asked_settings(source) if setting.many]
    return next((json.dumps(setting.flag) for setting in lists if not setting.positional), "None")


def _pyproject(source: ServerSource, project: dict[str, Any]) -> str:
    return _PYPROJECT.format(name=source.name, version=source.version, python=project["requires-python"])


def _project(directory: Path) -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((directory / "pyproject.toml").read_text("utf-8"))["project"]
    return project


_IGNORED = """\
# Generated by tools/generate/bundles.py: what `uv run` and `make install` (compileall) leave here.
.venv/
uv.lock
__pycache__/
"""

_PYPROJECT = """\
# Generated by tools/generate/bundles.py: what `uv run` installs when Claude Desktop starts the bundle.
[project]
name = "moorings-{name}-bundle"
version = "{version}"
description = "The Claude Desktop bundle of moorings-{name}: its release, as published"
requires-python = "{python}"
dependencies = ["moorings-{name}=={version}"]

[tool.uv]
package = false
"""

# What the host passes needs cleaning before the server reads it: moorings_core.bundled says why.
_LAUNCHER = '''\
"""Start moorings-{name} as Claude Desktop starts its bundle (generated by tools/generate/bundles.py)."""

from moorings_core.bundled import run_bundled

run_bundled("moorings_{name}.server:PROGRAM", list_flag={flag})
'''
