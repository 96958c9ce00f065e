"""Pack each server's Claude Desktop bundle (servers/<name>/bundle) into OUT/<name>-<version>.mcpb.

Usage: python -m tools.pack_bundles MCPB_VERSION OUT

The packing is the `mcpb` CLI's own (npm `@anthropic-ai/mcpb`, at the version the Makefile pins),
which also validates each manifest against its schema first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    version, out = argv
    for bundle in sorted(REPO.glob("servers/*/bundle")):
        manifest = json.loads((bundle / "manifest.json").read_text("utf-8"))
        target = Path(out) / f"{manifest['name']}-{manifest['version']}.mcpb"
        mcpb = ["npx", "--yes", f"@anthropic-ai/mcpb@{version}"]
        done = subprocess.run([*mcpb, "pack", str(bundle), str(target)], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
