"""Filling uv's cache with a server's exact release, so a host's first start is not a download.

A first `uvx` run resolves and downloads the server and its dependencies (tens of seconds on a slow
link), longer than some hosts wait for a server to start (Codex: 10 s by default). After this, the
host's start is a cache hit.
"""

from __future__ import annotations

import subprocess
import sys
import time

from moorings.errors import MooringsCliError
from moorings.launch import Launch

__all__ = ["warm"]

TIMEOUT = 900


def warm(launch: Launch, *, quiet: bool) -> float:
    """Run the pinned release's `--version` through uvx; return the seconds it took."""
    command = [launch.command, *launch.uvx_args, launch.server.command, "--version"]
    if not quiet:
        print(f"fetching {launch.server.requirement} into uv's cache …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MooringsCliError(f"uvx did not fetch {launch.server.requirement} within {TIMEOUT} s") from None
    except OSError as exc:
        raise MooringsCliError(f"cannot run {launch.command}: {exc.strerror or exc}") from None
    took = time.perf_counter() - started
    if done.returncode != 0:
        said = [line for line in done.stderr.strip().splitlines() if line.strip()][-3:]
        raise MooringsCliError(
            f"uvx could not fetch {launch.server.requirement} (exit status {done.returncode}): "
            + " / ".join(said)
        )
    if not quiet:
        print(f"{done.stdout.strip()} is in uv's cache ({took:.1f} s)", file=sys.stderr)
    return took
