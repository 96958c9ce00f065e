"""The `moorings-filesystem` console script."""

from __future__ import annotations

import gc


def main() -> None:
    # Importing the SDK and building the server make a few hundred thousand objects that live as
    # long as the process; collecting while they are made walks them again and again (~70 ms of
    # start-up). Serving freezes them and turns collection back on (moorings_core.server.run).
    gc.disable()
    from moorings_core.config import load_settings
    from moorings_core.server import package_version, run_stdio
    from moorings_filesystem.server import build_server
    from moorings_filesystem.settings import FilesystemSettings

    settings = load_settings(
        FilesystemSettings,
        server="filesystem",
        version=package_version("moorings-filesystem"),
        description="Serve the files in DIR... to an MCP client over stdio.",
    )
    run_stdio(build_server(settings))


if __name__ == "__main__":
    main()
