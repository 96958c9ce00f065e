"""Claude Desktop: `claude_desktop_config.json`, read at launch; no way to refer to a secret."""

from __future__ import annotations

from pathlib import Path, PurePath

from moorings.hosts.host import Entry, Host, Scope, plain_entry
from moorings.launch import Launch
from moorings.places import Place

FILE = "claude_desktop_config.json"
MSIX_PACKAGE = "Claude_pzs8sxrjxfjjc"
"""The Microsoft Store (MSIX) package's folder: Windows redirects the app's AppData\\Roaming there."""


def _paths(place: Place, scope: Scope) -> list[PurePath]:
    if place.system != "windows":
        return [place.app_data / "Claude" / FILE]
    roaming = place.app_data / "Claude" / FILE
    packaged = place.local_app_data / "Packages" / MSIX_PACKAGE / "LocalCache" / "Roaming" / "Claude" / FILE
    # The packaged app never sees the plain AppData file: when it is installed, its copy is the one.
    return (
        [packaged, roaming]
        if _is_dir(place.local_app_data / "Packages" / MSIX_PACKAGE)
        else [roaming, packaged]
    )


def _is_dir(path: PurePath) -> bool:
    try:
        return Path(path).is_dir()
    except (OSError, ValueError):
        return False


def _entry(launch: Launch, name: str) -> Entry:
    return Entry(plain_entry(launch))


HOST = Host(
    key="claude-desktop",
    title="Claude Desktop",
    format="json",
    container=("mcpServers",),
    paths=_paths,
    entry=_entry,
    secrets="literal",
    notes=("Quit Claude Desktop completely (not just its window) and start it again to load the change.",),
)
