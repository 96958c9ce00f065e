"""Edit MCP hosts' config files in place: one entry changes, every other entry, comment and blank stays.

`open_document(kind, text)` reads a host's file; the document's `set`, `remove` and `set_named` edit it,
and `text()` gives the file to write back. Each format's library is imported only when it is needed.
"""

from __future__ import annotations

from typing import Literal

from moorings.formats.base import ConfigDocument, FormatError

__all__ = ["ConfigDocument", "FormatError", "Kind", "open_document"]

Kind = Literal["json", "toml", "yaml"]


def open_document(kind: Kind, text: str) -> ConfigDocument:
    """The document in `text` (empty or blank text is an empty document); FormatError when unreadable."""
    if kind == "json":
        from moorings.formats.jsonc import JsoncDocument

        return JsoncDocument(text)
    if kind == "toml":
        from moorings.formats.toml import TomlDocument

        return TomlDocument(text)
    if kind == "yaml":
        from moorings.formats.yaml import YamlDocument

        return YamlDocument(text)
    raise ValueError(f"unknown format {kind!r}: expected json, toml or yaml")
