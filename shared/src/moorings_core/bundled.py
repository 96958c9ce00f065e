"""A server started from an MCP Bundle (`.mcpb`), as Claude Desktop starts it from its install dialog.

The host fills each `${user_config.KEY}` of the bundle's manifest with what the user entered. An
option left unset arrives empty, or as its unfilled placeholder when it has no default; a server
would refuse either as a bad value, so both are dropped and the server's own default applies. And the
host can pass a list only as several arguments: a flag that takes one item at a time
(`--repository`) is put before each.
"""

from __future__ import annotations

import os
import sys

from moorings_core.program import run_program

__all__ = ["run_bundled"]


def run_bundled(reference: str, *, list_flag: str | None = None) -> None:
    """Run the `ServerProgram` at `reference` with the dialog's unset options left out."""
    for name in [
        name for name, value in os.environ.items() if name.startswith("MOORINGS_") and not _given(value)
    ]:
        del os.environ[name]
    items = [item for item in sys.argv[1:] if _given(item)]
    sys.argv[1:] = [part for item in items for part in (list_flag, item)] if list_flag else items
    run_program(reference)


def _given(value: str) -> bool:
    return value != "" and not value.startswith("${user_config.")
