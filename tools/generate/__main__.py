"""Write (or, with --check, verify) every file generated from the servers' own models.

    python -m tools.generate          # rewrite them
    python -m tools.generate --check  # exit 1 naming each stale file (the tests run this)

Each module here turns the servers' sources into `{path: text}`; nothing else writes these files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import bundles, catalog, readmes, server_json
from .sources import REPO, server_sources


def generated() -> dict[Path, str]:
    sources = server_sources()
    files: dict[Path, str] = {}
    for module in (catalog, server_json, bundles, readmes):
        files.update(module.outputs(sources))
    return files


def stale(files: dict[Path, str]) -> list[Path]:
    return [path for path, text in files.items() if not path.is_file() or path.read_text("utf-8") != text]


def main(argv: list[str]) -> int:
    files = generated()
    outdated = stale(files)
    if "--check" in argv:
        for path in outdated:
            print(f"stale: {path.relative_to(REPO)} (run: python -m tools.generate)", file=sys.stderr)
        return 1 if outdated else 0
    for path in outdated:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8", newline="\n")
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
