"""Progress notifications from the long filesystem tools, one test per tool family, in both eras.

The tools' own reporter is made to pause every PACE entries until the client has received that
value, so each call reports several values however fast the machine is; what is checked does not
depend on timing: values only increase, and the last one is the exact count.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anyio
import pytest

from moorings_core.server import progress as progress_module
from moorings_core.testing import HANG_LIMIT, Era, Sandbox, connect, connect_stdio, succeeded
from tests.filesystem.helpers import full_server
from tests.progress_log import ProgressLog

pytestmark = pytest.mark.anyio
DIRECTORIES = 20
FILES_EACH = 60
FILES = DIRECTORIES * FILES_EACH
ENTRIES = FILES + DIRECTORIES  # below the root: each directory and its files
PACE = 300  # entries between pauses: several per call on the tree below


class PacedLog(ProgressLog):
    """A progress log that the worker thread can wait on."""

    def __init__(self) -> None:
        super().__init__()
        self._seen = threading.Condition()
        self._highest = 0.0

    async def callback(self, progress: float, total: float | None, message: str | None) -> None:
        await super().callback(progress, total, message)
        with self._seen:
            self._highest = progress
            self._seen.notify_all()

    def wait_until_seen(self, value: float) -> None:
        with self._seen:
            assert self._seen.wait_for(lambda: self._highest >= value, timeout=HANG_LIMIT), value


class Pacer:
    """Which log the paced reporter waits on: the one made last."""

    def __init__(self) -> None:
        self.log = PacedLog()

    def new_log(self) -> PacedLog:
        self.log = PacedLog()
        return self.log


@pytest.fixture
def pacer(monkeypatch: pytest.MonkeyPatch) -> Pacer:
    """The real reporter of `reporting_progress`, made to wait at every PACE-th entry until the
    client has received it (only calls that asked for progress get one)."""
    pacer = Pacer()

    class Paced(progress_module._Latest):
        __slots__ = ("_pause_at",)

        def __init__(self) -> None:
            super().__init__()
            self._pause_at: float = PACE

        def update(self, done: float, total: float | None = None, message: str | None = None) -> None:
            super().update(done, total, message)
            if done >= self._pause_at:
                pacer.log.wait_until_seen(done)
                self._pause_at = done + PACE

    monkeypatch.setattr(progress_module, "_Latest", Paced)
    monkeypatch.setattr(progress_module, "SEND_INTERVAL", 0.001)
    return pacer


@pytest.fixture
def big(box: Sandbox) -> Path:
    """A tree of DIRECTORIES directories of FILES_EACH small files, inside the allowed root."""
    top = box.root / "big"
    top.mkdir()
    for directory in range(DIRECTORIES):
        inside = top / f"d{directory:02}"
        inside.mkdir()
        for file in range(FILES_EACH):
            (inside / f"f{file:03}.txt").write_text(f"line one\nneedle {directory}-{file}\n")
    return top


def entries_below(directory: Path) -> int:
    return sum(1 for _ in directory.rglob("*"))


async def call(
    box: Sandbox, era: Era, tool: str, received: PacedLog | None, final: float = 0, **arguments: Any
) -> dict[str, Any]:
    """Call `tool` and, with `received`, wait for the `final` progress value too."""
    async with connect(full_server(box.root), era=era) as client:
        with anyio.fail_after(HANG_LIMIT):
            callback = None if received is None else received.callback
            result = await client.call_tool(tool, arguments, progress_callback=callback)
        if received is not None:
            await received.wait_for(final)
    return succeeded(result)[1]


async def test_search_files_reports_entries_scanned(box: Sandbox, big: Path, era: Era, pacer: Pacer) -> None:
    received = pacer.new_log()
    found = await call(box, era, "search_files", received, ENTRIES, path=str(big), pattern="**/f001.txt")
    received.assert_increasing(at_least=ENTRIES // PACE)
    received.assert_last(ENTRIES, None, f"{ENTRIES:,} entries scanned")
    assert found == await call(box, era, "search_files", None, path=str(big), pattern="**/f001.txt")
    assert found["total"] == DIRECTORIES


async def test_search_file_contents_reports_files_searched(
    box: Sandbox, big: Path, era: Era, pacer: Pacer
) -> None:
    received = pacer.new_log()
    found = await call(box, era, "search_file_contents", received, FILES, path=str(big), pattern="needle 3-")
    received.assert_increasing(at_least=ENTRIES // PACE)
    received.assert_last(FILES, None, f"{FILES:,} files searched")
    assert found["filesSearched"] == FILES
    assert found["total"] == FILES_EACH


async def test_directory_tree_reports_entries_listed(box: Sandbox, big: Path, era: Era, pacer: Pacer) -> None:
    received = pacer.new_log()
    tree = await call(box, era, "directory_tree", received, ENTRIES, path=str(big))
    received.assert_increasing(at_least=ENTRIES // PACE)
    received.assert_last(ENTRIES, None, f"{ENTRIES:,} entries listed")
    assert tree["total"] == ENTRIES


async def test_copy_and_delete_directory_report_entries_handled(
    box: Sandbox, big: Path, era: Era, pacer: Pacer
) -> None:
    copied = pacer.new_log()
    copy = box.root / "copy"
    # The copy's own top directory counts as one entry copied.
    result = await call(
        box, era, "copy_directory", copied, ENTRIES + 1, source=str(big), destination=str(copy)
    )
    copied.assert_increasing(at_least=ENTRIES // PACE)
    copied.assert_last(ENTRIES + 1, None, f"{ENTRIES + 1:,} entries copied")
    assert (result["files"], result["directories"]) == (FILES, DIRECTORIES + 1)

    deleted = pacer.new_log()
    result = await call(
        box, era, "delete_directory", deleted, 2 * ENTRIES + 1, path=str(copy), recursive=True
    )
    deleted.assert_increasing(at_least=ENTRIES // PACE)
    # Counting, then removing every entry and the directory itself: the values run to twice the count.
    counting = [update for update in deleted.updates if update[1] is None]
    assert all(message == f"{value:,.0f} entries counted" for value, _, message in counting)
    deleted.assert_last(
        2 * ENTRIES + 1, 2 * ENTRIES + 1, f"{ENTRIES + 1:,} of {ENTRIES + 1:,} entries deleted"
    )
    assert (result["files"], result["directories"]) == (FILES, DIRECTORIES + 1)
    assert not copy.exists()
    assert entries_below(big) == ENTRIES  # the source is untouched


@pytest.mark.stdio
async def test_progress_over_real_stdio(box: Sandbox, big: Path, era: Era) -> None:
    """Over the wire the request carries a progress token, which is what the server looks for."""
    received = ProgressLog()
    async with connect_stdio("moorings-filesystem", str(box.root), era=era) as client:
        with anyio.fail_after(HANG_LIMIT):
            result = await client.call_tool(
                "search_files", {"path": str(big), "pattern": "**/*.txt"}, progress_callback=received.callback
            )
            await received.wait_for(ENTRIES)
    assert succeeded(result)[1]["total"] == FILES
    received.assert_last(ENTRIES, None, f"{ENTRIES:,} entries scanned")
