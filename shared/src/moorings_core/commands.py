"""Another program run for a tool call: its output bounded, the call's deadline kept, nothing left running.

A tool that wraps a command-line program (git, say) runs it through `run_command` rather than
`subprocess`, for what every such tool needs:

- the program never touches the protocol: its stdin is the given bytes or nothing, its stdout and
  stderr are pipes;
- stdout is read as it comes, within a byte budget (optionally after skipping a prefix, for the
  next page of a long output); once the budget is full the program is stopped, so a 200 MB diff
  costs what its first page costs, and the result says it was cut;
- stderr keeps only its last bytes, where programs put the error that matters;
- when the call is cancelled (its deadline, the client's cancel) the program and what it started
  are stopped (`platform.processes.stop_process_tree`), so no orphan works on after the answer;
- when the program ends, what it started and left running is stopped too, so a background child
  that kept the program's stdout or stderr open cannot hold the call until its deadline.

Without process groups (Windows, `MOORINGS_PORTABLE=1`) only the program itself can be stopped: a
child it leaves running with its pipes open keeps the call waiting until that child ends or the
call's deadline comes, and then runs on.

The program runs without a shell: `argv` is passed as it is, never parsed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream, Process

from moorings_core.errors import OperationFailed
from moorings_core.platform.processes import child_process_options, stop_process_tree

__all__ = ["CommandResult", "run_command"]

_CHUNK = 64 * 1024
_ERROR_TAIL = 16 * 1024  # bytes of stderr kept; its end says what went wrong


@dataclass(frozen=True)
class CommandResult:
    """How a program ended and what it wrote."""

    returncode: int
    """Its exit status; meaningless when `cut` (the program was stopped on purpose)."""
    stdout: bytes
    """What it wrote, after the skipped prefix, at most the budget."""
    stderr: bytes
    """The last bytes it wrote to stderr."""
    cut: bool
    """stdout went on past the budget, and the program was stopped there."""
    skipped: int
    """Bytes of stdout skipped before `stdout` began (fewer than asked when the output was shorter)."""

    @property
    def ok(self) -> bool:
        return self.cut or self.returncode == 0

    @property
    def error_text(self) -> str:
        return self.stderr.decode("utf-8", "replace").strip()


async def run_command(
    argv: Sequence[str],
    *,
    max_output: int,
    skip_output: int = 0,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> CommandResult:
    """Run `argv` to its end, or until `max_output` bytes of stdout (after `skip_output`) are read.

    Raises OperationFailed when the program cannot be started (not installed, say).
    """
    try:
        process = await anyio.open_process(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            **child_process_options(),
        )
    except OSError as exc:
        raise OperationFailed(f"could not run {argv[0]}: {_reason(exc)}") from exc
    try:
        return await _collect(process, stdin, max_output, skip_output)
    finally:
        stop_process_tree(process)  # a cancelled call: whatever still runs stops now
        with anyio.CancelScope(shield=True):
            await process.aclose()


def _reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename is not None else reason


@dataclass
class _Output:
    """What the reader of stdout found, once it is done."""

    data: bytearray = field(default_factory=bytearray)
    skipped: int = 0
    cut: bool = False


async def _collect(process: Process, stdin: bytes | None, max_output: int, skip_output: int) -> CommandResult:
    assert process.stdout is not None  # both are pipes
    assert process.stderr is not None
    output = _Output()
    errors = bytearray()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_keep_tail, process.stderr, errors)
        if stdin is not None:
            assert process.stdin is not None
            tasks.start_soon(_feed, process.stdin, stdin)
        tasks.start_soon(_read_stdout, process, skip_output, max_output, output)
        returncode = await process.wait()
        # What it started and left running would keep the pipes open: stop it, then read to their end.
        stop_process_tree(process)
    return CommandResult(returncode, bytes(output.data), bytes(errors), output.cut, output.skipped)


async def _read_stdout(process: Process, skip: int, budget: int, output: _Output) -> None:
    assert process.stdout is not None
    output.skipped, output.data, output.cut = await _read_within(process.stdout, skip, budget)
    if output.cut:
        stop_process_tree(process)  # the rest is not wanted: the program stops where it is


async def _read_within(stream: ByteReceiveStream, skip: int, budget: int) -> tuple[int, bytearray, bool]:
    """Skip `skip` bytes, then read up to `budget`; whether more followed (one byte past tells)."""
    skipped = 0
    output = bytearray()
    while chunk := await _receive(stream):
        if skipped < skip:
            take = min(skip - skipped, len(chunk))
            skipped += take
            chunk = chunk[take:]
        output += chunk
        if len(output) > budget:
            del output[budget:]
            return skipped, output, True
    return skipped, output, False


async def _receive(stream: ByteReceiveStream) -> bytes:
    """The next bytes the program wrote, or b"" once the pipe is closed."""
    try:
        return await stream.receive(_CHUNK)
    except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
        return b""


async def _keep_tail(stream: ByteReceiveStream, kept: bytearray) -> None:
    while chunk := await _receive(stream):
        kept += chunk
        if len(kept) > 2 * _ERROR_TAIL:
            del kept[:-_ERROR_TAIL]
    del kept[:-_ERROR_TAIL]


async def _feed(stream: ByteSendStream, data: bytes) -> None:
    """Write `data` to the program's stdin and close it; a program that stops reading early is fine."""
    try:
        await stream.send(data)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, BrokenPipeError, ConnectionResetError):
        pass
    finally:
        await stream.aclose()
