"""An entry as text in the host's own format, ready to paste: what `moorings config` prints.

The READMEs' per-host snippets are made by the same function, so they cannot drift from it.
"""

from __future__ import annotations

import dataclasses

from moorings.formats import open_document
from moorings.hosts import Host
from moorings.installing import write_entry
from moorings.launch import Launch

__all__ = ["hidden", "host_snippet"]


def host_snippet(host: Host, launch: Launch, name: str) -> str:
    """The host's file holding only this entry (and, for VS Code, the prompts for its secrets)."""
    document = open_document(host.format, "")
    write_entry(host, document, name, host.entry(launch, name))
    return document.text()


def hidden(launch: Launch) -> Launch:
    """The launch with each secret's value replaced by `<ITS_VARIABLE>`, for printing."""
    if not launch.secrets:
        return launch
    return dataclasses.replace(launch, secrets={variable: f"<{variable}>" for variable in launch.secrets})
