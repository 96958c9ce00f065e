"""The `moorings-filesystem` console script."""

from __future__ import annotations

from moorings_core.config import load_settings
from moorings_core.server import package_version, run_stdio
from moorings_filesystem.server import build_server
from moorings_filesystem.settings import FilesystemSettings


def main() -> None:
    settings = load_settings(
        FilesystemSettings,
        server="filesystem",
        version=package_version("moorings-filesystem"),
        description="Serve the files in DIR... to an MCP client over stdio.",
    )
    run_stdio(build_server(settings))


if __name__ == "__main__":
    main()
