"""Command-line tools timed on a scenario's fixture beside the servers: the speed to aim for.

A baseline is what a person would type instead of asking a server (`find`, `rg`), so one run
is the whole process: spawn, work, exit, timed from just before the spawn until a pidfd says it
has exited. Its output goes to a file rather than a pipe, so nothing has to drain it meanwhile.

A tool is looked for beside the running interpreter first, then on PATH: the dev dependencies
put `rg` in the project venv's bin (the `ripgrep` wheel), which need not be on PATH.

Peak RSS comes from GNU time (`time -f %M`) when it is installed, and is "n/a" otherwise: the
kernel charges a child forked from this Python process with our memory as its own peak, so only
a small launcher gives a true number. The launcher adds well under a millisecond.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.servers import ROOT_PLACEHOLDER


@dataclass(frozen=True)
class Baseline:
    """A command that does one metric's work; `{root}` in it is the directory the servers serve.

    `also` names other metrics its one run stands for: the whole answer that servers give as a
    first page and as every page, which the command prints in one go.
    """

    name: str
    command: tuple[str, ...]
    metric: str
    install_hint: str = ""
    also: tuple[str, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric, *self.also)

    def argv(self, root: Path) -> list[str]:
        """The command for `root`, its program as found by `locate` (or as written, if not found)."""
        program, *arguments = (part.replace(ROOT_PLACEHOLDER, str(root)) for part in self.command)
        return [locate(program) or program, *arguments]

    def missing(self) -> str | None:
        """Why this tool cannot run here, or None when `locate` finds it."""
        if locate(self.command[0]) is not None:
            return None
        hint = f"; {self.install_hint}" if self.install_hint else ""
        return f"{self.command[0]} is not installed{hint}"


def locate(program: str) -> str | None:
    """The path of `program` beside the running interpreter (a venv's bin), else on PATH, else None."""
    return shutil.which(program, path=str(Path(sys.executable).parent)) or shutil.which(program)


@dataclass(frozen=True)
class InProcessFloor:
    """A floor timed in this process rather than run as a command: a plain client doing the servers' work.

    For work that has no command-line tool but a library: httpx calling the API that the openapi
    servers call. `measure(root)` does one run and returns seconds per metric and, in a few words,
    what it got back; a `ValueError` (a wrong answer) fails its row. It has no peak RSS of its own.
    """

    name: str
    measure: Callable[[Path], tuple[dict[str, float], str | None]]

    def missing(self) -> str | None:
        return None


@dataclass(frozen=True)
class CommandRun:
    seconds: float
    peak_rss: int | None
    output: str


class CommandFailed(Exception):
    """The tool exited with an error or ran past its timeout."""


def run_command(argv: Sequence[str], *, cwd: Path, timeout: float) -> CommandRun:
    """Run `argv` to completion and return its time, peak RSS and standard output."""
    with tempfile.TemporaryDirectory(prefix="moorings-baseline-") as scratch:
        stdout, stderr, rss = (Path(scratch) / name for name in ("stdout", "stderr", "rss"))
        gnu_time = shutil.which("time")
        launcher = [gnu_time, "-f", "%M", "-o", str(rss)] if gnu_time else []
        with stdout.open("wb") as out, stderr.open("wb") as err:
            started_at = time.perf_counter()
            try:
                process = subprocess.Popen(
                    [*launcher, *argv],
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,  # its own process group, so a timeout kills the tool too
                )
            except OSError as error:
                raise CommandFailed(f"could not start {argv[0]}: {error}") from None
            status = _wait(process, timeout)
            seconds = time.perf_counter() - started_at
        if status != 0:
            raise CommandFailed(f"{argv[0]} exited with status {status}{_last_line(stderr)}")
        return CommandRun(seconds, _kibibytes(rss), stdout.read_text(errors="replace"))


def _wait(process: subprocess.Popen[bytes], timeout: float) -> int:
    # Popen.wait(timeout) polls with sleeps of up to 50 ms; a pidfd wakes us the moment it exits.
    pidfd = os.pidfd_open(process.pid)
    try:
        exited, _, _ = select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    if not exited:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise CommandFailed(f"it did not finish within {timeout:g} s")
    return process.wait()


def _kibibytes(report: Path) -> int | None:
    """GNU time's `%M` (KiB) as bytes; its last line, since a failing command adds one before it."""
    try:
        return int(report.read_text().split()[-1]) * 1024
    except (OSError, ValueError, IndexError):
        return None


def _last_line(stderr: Path) -> str:
    lines = stderr.read_text(errors="replace").strip().splitlines()
    return f"; its stderr ends with: {lines[-1].strip()}" if lines else ""
