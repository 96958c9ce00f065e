"""run_command: real programs, their output bounded, stdin fed, and nothing left running after a call.

Each program is a Python one-liner (`sys.executable -c`), so what it writes, reads and starts is
exact. Whether a process still runs is read from /proc (a killed process nobody reaps stays a
zombie there, which counts as stopped); where /proc is missing, `kill(pid, 0)` says.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from moorings_core.commands import CommandResult, run_command
from moorings_core.errors import OperationFailed
from tests.capabilities import STOPPINGS, stop_by

PYTHON = sys.executable
BUDGET = 1_000_000


def python(code: str) -> list[str]:
    return [PYTHON, "-c", textwrap.dedent(code)]


async def run_python(code: str, **options: object) -> CommandResult:
    options.setdefault("max_output", BUDGET)
    return await run_command(python(code), **options)  # type: ignore[arg-type]


# -- what a program wrote, and how it ended ---------------------------------------------------------


@pytest.mark.anyio
async def test_a_program_that_succeeds_gives_its_output_and_status() -> None:
    result = await run_python("import sys; sys.stdout.write('out'); sys.stderr.write('err')")
    assert (result.returncode, result.stdout, result.stderr, result.cut, result.skipped) == (
        0,
        b"out",
        b"err",
        False,
        0,
    )
    assert result.ok


@pytest.mark.anyio
async def test_a_program_that_fails_gives_its_status_and_error() -> None:
    result = await run_python("import sys; sys.stderr.write('  it broke\\n'); sys.exit(3)")
    assert result.returncode == 3
    assert not result.ok
    assert result.error_text == "it broke"


@pytest.mark.anyio
async def test_the_program_runs_in_the_given_folder_with_the_given_environment(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "MOORINGS_PROBE": "seen"}
    result = await run_python(
        "import os; print(os.getcwd()); print(os.environ.get('MOORINGS_PROBE'))", cwd=tmp_path, env=env
    )
    assert result.stdout.decode().splitlines() == [str(await anyio.Path(tmp_path).resolve()), "seen"]


@pytest.mark.anyio
async def test_argv_is_passed_as_it_is_never_through_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    hostile = f"$(touch {marker}); `touch {marker}`"
    result = await run_command([*python("import sys; print(sys.argv[1])"), hostile], max_output=BUDGET)
    assert result.stdout.decode().strip() == hostile
    assert not marker.exists()


@pytest.mark.anyio
async def test_a_missing_program_is_an_operation_failure(tmp_path: Path) -> None:
    with pytest.raises(OperationFailed, match="could not run no-such-program-here"):
        await run_command(["no-such-program-here", "--version"], max_output=BUDGET, cwd=tmp_path)


@pytest.mark.anyio
async def test_a_missing_folder_is_an_operation_failure_that_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    with pytest.raises(OperationFailed, match="gone"):
        await run_command([PYTHON, "-c", "pass"], max_output=BUDGET, cwd=missing)


# -- the output budget --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_output_within_the_budget_is_whole_and_not_cut() -> None:
    result = await run_python("import sys; sys.stdout.write('x' * 1000)", max_output=1000)
    assert result.stdout == b"x" * 1000
    assert not result.cut


@pytest.mark.anyio
async def test_a_program_that_never_stops_writing_is_stopped_at_the_budget() -> None:
    # Without the stop this program writes forever and the test runs into pytest's timeout.
    result = await run_python(
        """
        import sys
        while True:
            sys.stdout.write('y' * 65536)
        """,
        max_output=100_000,
    )
    assert result.cut
    assert result.ok  # cut on purpose: what was read is the answer
    assert result.stdout == b"y" * 100_000
    assert result.returncode != 0  # it was killed, it did not end


@pytest.mark.anyio
async def test_skip_output_starts_the_page_after_the_skipped_prefix() -> None:
    # Lines of a known pattern, long enough to arrive in several chunks.
    code = "import sys; sys.stdout.write(''.join(f'{i:08}\\n' for i in range(100_000)))"
    whole = "".join(f"{i:08}\n" for i in range(100_000)).encode()
    result = await run_python(code, skip_output=123_457, max_output=70_001)
    assert result.skipped == 123_457
    assert result.stdout == whole[123_457 : 123_457 + 70_001]
    assert result.cut


@pytest.mark.anyio
async def test_the_last_page_is_not_cut_and_a_skip_past_the_end_reads_nothing() -> None:
    code = "import sys; sys.stdout.write('z' * 5000)"
    last = await run_python(code, skip_output=4000, max_output=1000)
    assert (last.stdout, last.skipped, last.cut) == (b"z" * 1000, 4000, False)
    beyond = await run_python(code, skip_output=9000, max_output=1000)
    assert (beyond.stdout, beyond.skipped, beyond.cut) == (b"", 5000, False)


@pytest.mark.anyio
async def test_stderr_keeps_its_last_bytes_where_the_error_is() -> None:
    result = await run_python(
        """
        import sys
        for _ in range(2000):
            sys.stderr.write('noise ' * 20 + '\\n')
        sys.stderr.write('fatal: the error that matters\\n')
        sys.exit(1)
        """
    )
    assert result.error_text.endswith("fatal: the error that matters")
    assert 0 < len(result.stderr) <= 16 * 1024


# -- stdin --------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_stdin_is_fed_and_closed() -> None:
    data = b"fed through stdin\n" * 10_000  # more than a pipe holds
    result = await run_python(
        "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().upper())", stdin=data
    )
    assert result.stdout == data.upper()


@pytest.mark.anyio
async def test_a_program_that_exits_without_reading_its_stdin_is_fine() -> None:
    result = await run_python("import sys; sys.stdout.write('did not read')", stdin=b"unread" * 200_000)
    assert (result.returncode, result.stdout) == (0, b"did not read")


@pytest.mark.anyio
async def test_without_stdin_the_program_reads_an_empty_input() -> None:
    result = await run_python("import sys; print(repr(sys.stdin.read()))")
    assert result.stdout.strip() == b"''"


# -- nothing left running -----------------------------------------------------------------------------


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie has stopped: it only waits to be reaped)."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_bytes().rpartition(b")")[2].split()[0] != b"Z"
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def stopped(pid: int) -> bool:
    """Whether `pid` stops within a generous while (a kill takes effect when the process is next run)."""
    with anyio.move_on_after(20):
        while running(pid):  # noqa: ASYNC110 - polling an operating-system fact, no event to wait on
            await anyio.sleep(0.02)
    return not running(pid)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[int]]:
    """Pids the test's programs wrote down; whatever of them still runs at the end is killed."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def starts_a_grandchild(pid_files: Path, *, then: str) -> list[str]:
    """A program that starts a long sleeper, writes both pids down, then does `then`."""
    return python(
        f"""
        import os, subprocess, sys, time
        sleeper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])
        with open({str(pid_files)!r} + '.tmp', 'w') as out:
            out.write(f'{{os.getpid()}} {{sleeper.pid}}')
        os.rename({str(pid_files)!r} + '.tmp', {str(pid_files)!r})
        {then}
        """
    )


async def pids_from(pid_files: Path) -> tuple[int, int]:
    """The pids the program wrote down (it renames the file into place once they are all in)."""
    while not await anyio.Path(pid_files).exists():  # noqa: ASYNC110 - polling an operating-system fact
        await anyio.sleep(0.02)
    child, grandchild = (await anyio.Path(pid_files).read_text()).split()
    return int(child), int(grandchild)


async def cancel_once_started(argv: list[str], pid_files: Path, started: list[int]) -> tuple[int, int]:
    """Run `argv` under a deadline that passes once its pids are written down; the pids."""
    pids: list[int] = []
    with anyio.move_on_after(30) as scope:

        async def deadline_passes_once_started() -> None:
            pids.extend(await pids_from(pid_files))
            started.extend(pids)
            scope.deadline = anyio.current_time()  # the call's deadline comes now

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(deadline_passes_once_started)
            await run_command(argv, max_output=BUDGET)
            pytest.fail("the program ended by itself; it was to be cancelled")
    assert scope.cancelled_caught
    child, grandchild = pids
    return child, grandchild


@pytest.mark.anyio
@pytest.mark.parametrize("stopping", STOPPINGS)
async def test_a_cancelled_call_stops_its_program(
    stopping: str, tmp_path: Path, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_by(stopping, monkeypatch)
    argv = starts_a_grandchild(tmp_path / "pids", then="time.sleep(600)")
    child, _ = await cancel_once_started(argv, tmp_path / "pids", started)
    assert await stopped(child)


@pytest.mark.anyio
async def test_a_cancelled_call_stops_what_its_program_started_too(
    tmp_path: Path, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_by("groups", monkeypatch)
    argv = starts_a_grandchild(tmp_path / "pids", then="time.sleep(600)")
    child, grandchild = await cancel_once_started(argv, tmp_path / "pids", started)
    assert await stopped(child)
    assert await stopped(grandchild)


@pytest.mark.anyio
async def test_without_process_groups_only_the_program_itself_is_stopped(
    tmp_path: Path, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What Windows can do: the grandchild is out of reach (and the fixture kills it after the test).
    stop_by("child", monkeypatch)
    argv = starts_a_grandchild(tmp_path / "pids", then="time.sleep(600)")
    child, grandchild = await cancel_once_started(argv, tmp_path / "pids", started)
    assert await stopped(child)
    assert running(grandchild)


@pytest.mark.anyio
async def test_what_a_program_leaves_running_holding_its_output_is_stopped_when_it_ends(
    tmp_path: Path, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sleeper inherited stdout and stderr; unless it is stopped, the call waits for it to end.
    stop_by("groups", monkeypatch)
    argv = starts_a_grandchild(tmp_path / "pids", then="print('done')")
    with anyio.move_on_after(30) as scope:
        result = await run_command(argv, max_output=BUDGET)
    started.extend(await pids_from(tmp_path / "pids"))
    assert not scope.cancelled_caught
    assert (result.returncode, result.stdout) == (0, b"done\n")
    assert await stopped(started[1])


@pytest.mark.anyio
@pytest.mark.parametrize("stopping", STOPPINGS)
async def test_a_cut_stops_the_program(
    stopping: str, tmp_path: Path, started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_by(stopping, monkeypatch)
    argv = python(
        f"""
        import os, sys
        open({str(tmp_path / "pid")!r}, 'w').write(str(os.getpid()))
        while True:
            sys.stdout.write('w' * 65536)
        """
    )
    result = await run_command(argv, max_output=10)
    started.append(int((tmp_path / "pid").read_text()))
    assert (result.stdout, result.cut) == (b"w" * 10, True)
    assert await stopped(started[0])
