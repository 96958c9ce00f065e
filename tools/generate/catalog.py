"""`moorings/src/moorings/catalog.json`: what the `moorings` command knows of each server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from moorings_core.config import Setting

from .sources import REPO, ServerSource

CATALOG = REPO / "moorings" / "src" / "moorings" / "catalog.json"


def outputs(sources: list[ServerSource]) -> dict[Path, str]:
    servers = [server_entry(source) for source in sources]
    return {CATALOG: json.dumps({"servers": servers}, indent=1, ensure_ascii=False) + "\n"}


def server_entry(source: ServerSource) -> dict[str, Any]:
    return {
        "name": source.name,
        "version": source.version,
        "summary": source.summary,
        "description": source.program.description,
        "options": [_option(setting) for setting in source.settings],
    }


def _option(setting: Setting) -> dict[str, Any]:
    if setting.path_style == "custom":
        raise SystemExit(
            f"{setting.flag}: its PathPart is not one of moorings_core.config.PATH_STYLES, so `moorings` "
            "cannot make its paths absolute; use one of them or add a style there"
        )
    option: dict[str, Any] = {
        "name": setting.name,
        "flag": setting.flag,
        "env_var": setting.env_var,
        "kind": setting.kind,
        "many": setting.many,
        "positional": setting.positional,
        "metavar": setting.metavar,
        "allowed": setting.allowed,
        "default": setting.default,
        "description": setting.description,
        "choices": list(setting.choices),
        "required": setting.required,
        "secret": setting.secret,
        "path_style": setting.path_style,
        "env_aliases": list(setting.env_aliases),
    }
    return option
