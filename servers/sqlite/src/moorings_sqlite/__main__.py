"""The `moorings-sqlite` console script."""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moorings_sqlite.settings import SqliteSettings

PROG = "moorings-sqlite"


async def _serve(settings: SqliteSettings) -> None:
    """Open the databases (a bad file stops us with one line, exit 2), then serve until the end."""
    import anyio

    from moorings_core.errors import MooringsError
    from moorings_core.server import serve
    from moorings_sqlite.server import build_server, open_database

    try:
        database = await open_database(settings)
    except MooringsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        await serve(build_server(settings, database))
    finally:
        with anyio.CancelScope(shield=True):
            await database.close()


def main() -> None:
    # No garbage collection while the SDK is imported and the server built: it would walk the
    # same long-lived objects again and again. Serving freezes them and turns it back on
    # (moorings_core.server.run).
    gc.disable()
    import anyio

    from moorings_core.config import load_settings
    from moorings_core.server import package_version
    from moorings_sqlite.settings import SqliteSettings

    settings = load_settings(
        SqliteSettings,
        server="sqlite",
        version=package_version(PROG),
        description="Serve the SQLite database at --db-path to an MCP client over stdio; read-only "
        "unless --allow-writes.",
    )
    anyio.run(_serve, settings)


if __name__ == "__main__":
    main()
