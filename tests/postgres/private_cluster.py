"""A throwaway PostgreSQL server of the tests' own, for what the shared one cannot be made to do
without a restart: a library in shared_preload_libraries.

It is initialised in a temporary directory with trust authentication, listens on a free loopback
port (and a socket in that directory), and is stopped and deleted at the end; the shared server is
never touched. Where PostgreSQL's server programs are not installed, or the tests run as root with
no `postgres` user to run them as (initdb refuses root), the test that wants it is skipped with
the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["private_cluster"]

_TIMEOUT = 60  # seconds for initdb, and for the server to start or stop


@contextmanager
def private_cluster(*settings: str) -> Iterator[str]:
    """The DSN of a new server started with `settings` ("name=value"), stopped and deleted after."""
    bin_dir = _bin_dir()
    as_user = _unprivileged_prefix()
    with tempfile.TemporaryDirectory(prefix="moorings-pg-") as directory:
        root = Path(directory)
        if as_user:
            shutil.chown(root, user="postgres")
        data = root / "data"
        _run(
            as_user,
            bin_dir / "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        port = _free_port()
        options = [
            f"-p {port}",
            f"-k {root}",
            "-c listen_addresses=127.0.0.1",
            *(f"-c {item}" for item in settings),
        ]
        pg_ctl = bin_dir / "pg_ctl"
        _run(
            as_user,
            pg_ctl,
            "-D",
            data,
            "-l",
            root / "log",
            "-w",
            "-t",
            str(_TIMEOUT),
            "-o",
            " ".join(options),
            "start",
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run(as_user, pg_ctl, "-D", data, "-m", "immediate", "-w", "-t", str(_TIMEOUT), "stop")


def _bin_dir() -> Path:
    """Where initdb and pg_ctl are: pg_config's bindir (Debian keeps them off the PATH)."""
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False, timeout=10
        )
        bin_dir = Path(found.stdout.strip())
        if found.returncode == 0 and (bin_dir / "initdb").exists():
            return bin_dir
    initdb = shutil.which("initdb")
    if initdb is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed: no private server")
    return Path(initdb).parent


def _unprivileged_prefix() -> list[str]:
    """How to run the server programs: as we are, or, as root, as the `postgres` user."""
    if getattr(os, "geteuid", lambda: -1)() != 0:
        return []
    import pwd  # POSIX only, as is being root

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root with no postgres user: initdb refuses root, so no private server")
    # runuser lives in sbin, which a plain user's PATH (as CI's /usr/bin:/bin) leaves out.
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if runuser is None:
        pytest.skip("running as root without runuser to become postgres: no private server")
    return [runuser, "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(prefix: list[str], *command: object) -> None:
    done = subprocess.run(
        [*prefix, *map(str, command)], capture_output=True, text=True, check=False, timeout=_TIMEOUT
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(str(command[0])).name} failed ({done.returncode}): {done.stderr.strip()}")
