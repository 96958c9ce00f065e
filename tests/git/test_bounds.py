"""Output bounds and paging: a 200 MB diff, a 1,000,000-line log, and every paged read tool.

Each first page stays within max_result_chars and says how to go on; following the cursors covers
the whole sequence exactly once (nothing repeated, nothing lost), and the pages of a text put back
together are the text git itself prints. A cursor only continues the request that made it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.git.helpers import Repo, call, make_repo, ok, refused

pytestmark = pytest.mark.anyio

SMALL = 2_000  # a max_result_chars that makes a few dozen entries take several pages
_CURSOR = re.compile(r'cursor "([^"]+)"')


def fast_import(repo: Repo, commits: Iterable[tuple[str, dict[str, bytes]]]) -> None:
    """Commit each (message, {path: content}) on main with `git fast-import`, far faster than
    `git commit`; the work tree is then checked out to match."""
    stream = bytearray()
    for number, (message, files) in enumerate(commits, start=1):
        data = message.encode()
        stream += b"commit refs/heads/main\ncommitter Bulk <bulk@example.com> %d +0000\n" % (
            1_700_000_000 + number
        )
        stream += b"data %d\n%s\n" % (len(data), data)
        for path, content in files.items():
            stream += b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(content), content)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo.path, input=bytes(stream), check=True)
    repo.git("reset", "--quiet", "--hard")


def output_prefix(repo: Repo, args: list[str], size: int) -> bytes:
    """The first `size` bytes `git args` prints, git stopped there (its whole output may be huge)."""
    with subprocess.Popen(["git", *args], cwd=repo.path, stdout=subprocess.PIPE) as plain:
        assert plain.stdout is not None
        prefix = plain.stdout.read(size)
        plain.kill()
    return prefix


def cursor_in(text: str) -> str | None:
    found = _CURSOR.search(text)
    return found.group(1) if found else None


async def pages_of(
    root: Path, tool: str, *, limit: int = 200, **arguments: Any
) -> list[tuple[str, dict[str, Any]]]:
    """Every page of `tool`, following the cursor each page names, in order."""
    pages = []
    cursor: str | None = None
    for _ in range(limit):
        result = await call(root, tool, cursor=cursor, **arguments)
        assert not result.is_error, result
        text = "\n".join(block.text for block in result.content if hasattr(block, "text"))
        structured = result.structured_content or {}
        pages.append((text, structured))
        cursor = structured.get("nextCursor") or cursor_in(text)
        if cursor is None:
            return pages
    raise AssertionError(f"{tool} still had pages after {limit}")


def within(text: str, structured: dict[str, Any], limit: int) -> bool:
    return len(text) <= limit and len(json.dumps(structured)) <= limit


# -- a 200 MB diff ---------------------------------------------------------------------------------


async def test_a_200_mb_diff_comes_in_bounded_pages_that_continue_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commits=1)
    block = b"".join(b"%07d %s\n" % (number, b"x" * 91) for number in range(10_000))
    (repo.path / "big.txt").write_bytes(block * 200)  # 200,000,000 bytes, 2,000,000 lines
    repo.git("add", "--intent-to-add", "big.txt")  # nothing stored: the diff is the whole file, as new
    limit = 50_000
    bodies = []
    cursor = None
    for _ in range(2):
        result = await call(
            repo.path, "git_diff_unstaged", cursor=cursor, settings={"max_result_chars": limit}
        )
        text = result.content[0].text  # type: ignore[union-attr]
        assert len(text) <= limit
        body, _, note = text.removeprefix("Unstaged changes:\n").rpartition("\n\n[")
        assert "and more follows: call git_diff_unstaged again with the same arguments" in note
        bodies.append(body + "\n")  # a page ends at a line break, which the result leaves off
        cursor = cursor_in(note)
    shown = "".join(bodies).encode()
    assert shown == output_prefix(repo, ["diff"], len(shown))
    assert shown.startswith(b"diff --git a/big.txt b/big.txt\nnew file mode 100644\n")
    assert len(shown) > 1.5 * limit  # two pages, each nearly full


# -- a 1,000,000-line log --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_history(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """1,000 commits whose messages have 1,000 lines each: a log of over 1,000,000 lines."""
    repo = make_repo(tmp_path_factory.mktemp("history") / "repo", commits=0)
    fast_import(
        repo,
        (
            (f"commit {number}\n\n" + "".join(f"line {line} of {number}\n" for line in range(1, 1_000)), {})
            for number in range(1, 1_001)
        ),
    )
    return repo


async def test_a_million_line_log_comes_in_bounded_pages(long_history: Repo) -> None:
    everything = long_history.git("rev-list", "HEAD").split()
    assert int(long_history.git("log", "--format=%B").count("\n")) > 1_000_000
    limit = 50_000
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        result = await call(
            long_history.path, "git_log", max_count=1_000, cursor=cursor, settings={"max_result_chars": limit}
        )
        text, data = result.content[0].text, result.structured_content  # type: ignore[union-attr]
        assert data is not None
        assert within(text, data, limit)
        assert "[message cut after" in text  # each 20 kB message is cut to fit several on a page
        seen += [entry["sha"] for entry in data["entries"]]
        cursor = data["nextCursor"]
        assert f'cursor "{cursor}"' in text
    assert seen == everything[: len(seen)]


async def test_a_million_line_log_with_stats_comes_in_bounded_pages(long_history: Repo) -> None:
    pages = []
    cursor = None
    for _ in range(2):
        text, data = await ok(long_history.path, "git_log", max_count=1_000, stat=True, cursor=cursor)
        assert len(text) <= 50_000
        pages.append(text)
        cursor = data["nextCursor"]
    assert pages[0].startswith(f"Commit history:\nCommit: {long_history.head()}\n")
    assert "line 999 of 1000" in pages[0]
    assert pages[1].startswith("Commit history:\n    line ")  # the second page picks up mid-message


async def test_a_commit_message_longer_than_a_page_is_cut_and_the_next_page_moves_on(repo: Repo) -> None:
    repo.git("commit", "--quiet", "--allow-empty", "--file=-", input="huge\n\n" + "word " * 100_000)
    limit = 5_000
    first = await call(repo.path, "git_log", max_count=3, settings={"max_result_chars": limit})
    text, data = first.content[0].text, first.structured_content  # type: ignore[union-attr]
    assert data is not None
    assert within(text, data, limit)
    assert [entry["subject"] for entry in data["entries"]] == ["huge"]
    assert data["entries"][0]["body"].endswith("characters: git_show shows it whole]")
    second = await call(
        repo.path, "git_log", max_count=3, cursor=data["nextCursor"], settings={"max_result_chars": limit}
    )
    assert second.structured_content is not None
    assert [entry["subject"] for entry in second.structured_content["entries"]] == ["commit 3", "commit 2"]


# -- paging each read tool -------------------------------------------------------------------------


async def test_status_pages_cover_every_entry_once(repo: Repo) -> None:
    names = [f"file-{number:03d}.txt" for number in range(120)]
    for name in names:
        repo.write(name, "x\n")
    repo.write("README.md", "changed\n")
    pages = await pages_of(repo.path, "git_status", settings={"max_result_chars": SMALL})
    assert len(pages) > 3
    listed = [entry["path"] for _, data in pages for entry in data["entries"]]
    assert listed == ["README.md", *names]
    assert all(data["totalEntries"] == 121 for _, data in pages)
    assert all(within(text, data, SMALL) for text, data in pages)
    assert all(text.startswith("Repository status:\nOn branch main") for text, _ in pages)


async def test_a_status_longer_than_git_is_read_for_shows_whole_entries(repo: Repo) -> None:
    names = [f"{number:05d}-{'n' * 200}" for number in range(21_000)]  # 4.3 MB of status
    for name in names:
        (repo.path / name).touch()
    text, data = await ok(repo.path, "git_status")
    assert [entry["path"] for entry in data["entries"]] == names[: len(data["entries"])]
    assert 20_000 < data["totalEntries"] < 21_000  # as many as 4 MB holds, the last one whole
    assert "of at least" in text
    assert len(text) <= 50_000


async def test_log_pages_cover_exactly_max_count_commits(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commits=0)
    fast_import(repo, ((f"commit {number}", {"n.txt": b"%d\n" % number}) for number in range(1, 101)))
    pages = await pages_of(repo.path, "git_log", max_count=45, skip=3, settings={"max_result_chars": SMALL})
    assert len(pages) > 3
    shas = [entry["sha"] for _, data in pages for entry in data["entries"]]
    assert shas == repo.git("rev-list", "--skip=3", "--max-count=45", "HEAD").split()
    assert all(within(text, data, SMALL) for text, data in pages)
    assert "the last" in pages[-1][0]


async def test_blame_pages_cover_every_line_once(repo: Repo) -> None:
    repo.commit("long file", **{"long.txt": "".join(f"line {number}\n" for number in range(1, 41))})
    pages = await pages_of(repo.path, "git_blame", path="long.txt", settings={"max_result_chars": SMALL})
    assert len(pages) > 3
    lines = [(line["line"], line["content"]) for _, data in pages for line in data["lines"]]
    assert lines == [(number, f"line {number}") for number in range(1, 41)]
    assert all(within(text, data, SMALL) for text, data in pages)
    ranged = await pages_of(
        repo.path,
        "git_blame",
        path="long.txt",
        start_line=20,
        end_line=33,
        settings={"max_result_chars": SMALL},
    )
    assert [line["line"] for _, data in ranged for line in data["lines"]] == list(range(20, 34))


async def test_blame_of_a_large_file_answers_one_window(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commits=0)
    fast_import(repo, [("big", {"big.txt": b"".join(b"row %d\n" % n for n in range(1, 200_001))})])
    text, data = await ok(repo.path, "git_blame", path="big.txt", start_line=150_000)
    assert data["lines"][0]["content"] == "row 150000"
    assert len(text) <= 50_000
    assert data["nextCursor"]
    _, after = await ok(repo.path, "git_blame", path="big.txt", start_line=150_000, cursor=data["nextCursor"])
    assert after["lines"][0]["line"] == data["lines"][-1]["line"] + 1


async def test_grep_pages_cover_every_match_once(repo: Repo) -> None:
    repo.commit(
        "many", **{f"f{n}.txt": "".join(f"match {n}.{line}\n" for line in range(30)) for n in range(10)}
    )
    pages = await pages_of(repo.path, "git_grep", pattern="match", settings={"max_result_chars": SMALL})
    assert len(pages) > 3
    found = [
        f"{match['path']}:{match['line']}:{match['text']}" for _, data in pages for match in data["matches"]
    ]
    assert found == repo.git("grep", "-n", "match").splitlines()
    assert all(within(text, data, SMALL) for text, data in pages)
    assert pages[-1][0].endswith("[Those were the last matches.]")


async def test_a_long_file_at_a_revision_comes_in_pages_that_put_it_back_together(repo: Repo) -> None:
    content = "".join(f"{number:05d} {'y' * 60}\n" for number in range(2_000))
    repo.commit("long", **{"long.txt": content})
    repo.commit("gone", **{"long.txt": ""})
    pages = await pages_of(repo.path, "git_show_file", path="long.txt", revision="HEAD~1")
    assert len(pages) == 3  # 132 kB in pages of under 50,000 characters
    assert all(len(text) <= 50_000 for text, _ in pages)
    assert "".join(text.rpartition("\n\n[")[0] for text, _ in pages) == content  # each ends with a note


async def test_a_cursor_is_only_taken_by_the_request_that_made_it(repo: Repo) -> None:
    for number in range(40):
        repo.write(f"new-{number}.txt", "x\n")
    _, data = await ok(repo.path, "git_log", max_count=3, settings={"max_result_chars": 1_000})
    cursor = data["nextCursor"]
    assert cursor
    for tool, arguments in (
        ("git_status", {}),
        ("git_log", {"max_count": 4}),
        ("git_log", {"max_count": 3, "author": "Test"}),
        ("git_diff_unstaged", {}),
        ("git_grep", {"pattern": "line"}),
    ):
        message = await refused(
            repo.path, tool, cursor=cursor, settings={"max_result_chars": 1_000}, **arguments
        )
        assert "This cursor belongs to another request" in message, tool
    assert "Invalid cursor" in await refused(repo.path, "git_log", cursor="not-a-cursor")
    _, more = await ok(repo.path, "git_log", max_count=3, cursor=cursor, settings={"max_result_chars": 1_000})
    assert more["entries"][0]["subject"] != data["entries"][0]["subject"]
