"""read_query reports the rows a continuation steps over: through `Database.query`'s progress
argument (every value, checked directly) and to a client over both protocol eras."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from moorings_core.paging import PageRequest
from moorings_core.server import Progress
from moorings_core.server import progress as progress_module
from moorings_core.testing import ERAS, HANG_LIMIT, Era, succeeded
from moorings_sqlite.database import Access, Database
from tests.progress_log import ProgressLog
from tests.sqlite.helpers import make_sample, serving

pytestmark = pytest.mark.anyio
ROWS = 60_000  # what QUERY generates
OFFSET = 50_000
QUERY = (
    "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 60000) SELECT n FROM seq"
)


class Recorded(Progress):
    """Every update, as the worker made it."""

    def __init__(self) -> None:
        self.updates: list[tuple[float, float | None]] = []

    def update(self, done: float, total: float | None = None, message: str | None = None) -> None:
        self.updates.append((done, total))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample(tmp_path / "sample.db")


@pytest.mark.parametrize(("offset", "stepped"), [(OFFSET, OFFSET), (ROWS + 100, ROWS), (0, 0)])
async def test_stepping_over_rows_reports_each_batch(sample: Path, offset: int, stepped: int) -> None:
    recorded = Recorded()
    database = await Database.open(sample)
    try:
        page = await database.query(
            QUERY, access=Access.READ, max_rows=5, max_chars=10_000, offset=offset, progress=recorded
        )
    finally:
        await database.close()
    assert page.rows == [[n] for n in range(offset + 1, min(offset + 6, ROWS + 1))]
    done = [value for value, _ in recorded.updates]
    assert done == sorted(set(done))  # strictly increasing
    assert all(later - earlier <= 256 for earlier, later in zip([0.0, *done], done, strict=False))
    assert all(total == offset for _, total in recorded.updates)
    assert recorded.updates[-1:] == ([(stepped, offset)] if offset else [])


@pytest.mark.parametrize("era", ERAS)
async def test_a_continuation_tells_the_client_the_rows_skipped(
    sample: Path, era: Era, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_module, "SEND_INTERVAL", 0.001)
    cursor = PageRequest("read_query", None, query=QUERY, params=None).cursor_at(OFFSET)
    continuation = {"query": QUERY, "maxRows": 5, "cursor": cursor}
    first_page, skipped = ProgressLog(), ProgressLog()
    async with serving(sample, era=era) as client:
        with anyio.fail_after(HANG_LIMIT):
            first = await client.call_tool(
                "read_query", {"query": QUERY, "maxRows": 5}, progress_callback=first_page.callback
            )
            watched = await client.call_tool("read_query", continuation, progress_callback=skipped.callback)
            await skipped.wait_for(OFFSET)
            unwatched = await client.call_tool("read_query", continuation)
    assert succeeded(first)[1]["rows"] == [[n] for n in range(1, 6)]
    assert first_page.updates == []  # nothing stepped over: nothing to report
    skipped.assert_increasing()
    skipped.assert_last(OFFSET, OFFSET, f"{OFFSET:,} of {OFFSET:,} rows skipped")
    shown, same = succeeded(watched)[1], succeeded(unwatched)[1]
    assert shown["rows"] == [[n] for n in range(OFFSET + 1, OFFSET + 6)]
    assert shown | {"elapsedMs": 0} == same | {"elapsedMs": 0}
