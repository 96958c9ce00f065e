"""The git scenarios: how answers are checked, and a run through the command line on the small repository.

The server is `minimal_git_server.py`, a plain MCP server with the reference's tool names over the
real git CLI, so these tests need neither the reference (in .bench/) nor our own server. The git
CLI rows are the real git.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scenarios.git import check_files, check_log, commits_in, page_cursor
from tests.benchmarks.reports import milliseconds, run_benchmarks, section, table_rows

MINIMAL_SERVER = Path(__file__).with_name("minimal_git_server.py")
SCENARIOS = ("git-log", "git-status", "git-diff-unstaged", "git-show", "git-status-calls")
SHAS = [f"{number:040x}" for number in range(1, 4)]


def minimal(name: str, *options: str) -> str:
    return f"--command={name}={sys.executable} {MINIMAL_SERVER} {' '.join(options)}"


def text_result(text: str, structured: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "structuredContent": structured, "isError": False}


def log_text(shas: list[str]) -> str:
    return "Commit history:\n" + "\n".join(f"Commit: {sha}\nAuthor: A\nMessage: Fix it\n" for sha in shas)


# --- reading answers -------------------------------------------------------------------------------


def test_log_entries_are_counted_by_their_commit_lines_only() -> None:
    text = log_text(SHAS) + f"\nMessage: see Commit: {SHAS[0]} above\nCommit: {SHAS[0][:7]}\n"

    assert commits_in(text) == SHAS


def test_a_whole_log_must_list_exactly_the_commits_asked_and_a_page_some_of_them() -> None:
    assert check_log(log_text(SHAS[::-1]), SHAS, complete=True)
    assert check_log(log_text(SHAS[:1]), SHAS, complete=False)
    with pytest.raises(ValueError, match="listed 2 commits, not the 3 asked \\(1 missing, 0 others\\)"):
        check_log(log_text(SHAS[:2]), SHAS, complete=True)
    with pytest.raises(ValueError, match="listed 4 commits, not the 3 asked \\(0 missing, 0 others\\)"):
        check_log(log_text([*SHAS, SHAS[0]]), SHAS, complete=True)
    with pytest.raises(ValueError, match="listed 1 commits, not the 3 asked \\(3 missing, 1 others\\)"):
        check_log(log_text(["f" * 40]), SHAS, complete=False)
    with pytest.raises(ValueError, match="listed 0 commits"):
        check_log("fatal: not a git repository", SHAS, complete=False)


def test_an_answer_must_name_every_file_it_is_about_and_a_page_one_of_them() -> None:
    status = "\tmodified:   src/deck/helm_00042.py\n\tdeleted:    lib/pier_00007.md\n"
    expected = frozenset({42, 7, 99})

    assert check_files("git_status", status, expected, complete=False) == status
    with pytest.raises(ValueError, match="git_status named 2 of the 3 files it is about"):
        check_files("git_status", status, expected, complete=True)
    with pytest.raises(ValueError, match="git_show named 0 of the 3 files it is about: Error: bad revision"):
        check_files("git_show", "Error: bad revision", expected, complete=False)


def test_the_next_pages_cursor_is_read_from_the_structure_or_else_from_the_closing_note() -> None:
    note = '[showed bytes 0-49,488 of the output: call git_show again with cursor "bzo0OT" for the next page]'

    assert page_cursor(text_result("entries", {"nextCursor": "b2Zm", "entries": []})) == "b2Zm"
    assert page_cursor(text_result(f"diff --git a/x b/x\n\n{note}", {"result": "..."})) == "bzo0OT"
    assert page_cursor(text_result("[showed bytes 49,488-50,000, the end of the output]")) is None
    assert page_cursor(text_result(log_text(SHAS), {"nextCursor": None})) is None


# --- through the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    completed = run_benchmarks(
        tmp_path_factory.mktemp("fixtures"), *SCENARIOS, minimal("minimal"), minimal("paged", "--pages", "3")
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_the_log_is_checked_whole_and_the_cli_is_the_first_row_of_both_tables(report: str) -> None:
    log = section(report, "git-log")

    for metric in ("max_count=1000, first page", "max_count=1000, every page"):
        rows = table_rows(log, metric)
        assert list(rows) == ["git log -n 1000", "minimal", "paged", "header"]
        assert rows["header"][-1] == "ratio vs git log -n 1000"
        assert milliseconds(rows["paged"][0]) > 0
    first = milliseconds(table_rows(log, "max_count=1000, first page")["paged"][0])
    assert milliseconds(table_rows(log, "max_count=1000, every page")["paged"][0]) > first
    assert "- git log -n 1000 returned 300 of 300 commits in " in log
    assert "- minimal returned 300 of 300 commits in " in log
    assert re.search(
        r"- paged returned 100 of 300 commits in .* on the first page, 300 of 300 commits in .* on all 3", log
    )


def test_status_diff_and_show_name_every_file_they_are_about(report: str) -> None:
    status, diff, show = (section(report, name) for name in ("git-status", "git-diff-unstaged", "git-show"))

    assert list(table_rows(status, "git_status, per call")) == [
        "git status",
        "git rev-parse (start-up only)",
        "minimal",
        "paged",
        "header",
    ]
    assert "- git status returned 17 of 17 changed or untracked files named in " in status
    assert "- minimal returned 17 of 17 changed or untracked files named in " in status
    assert "- minimal returned 13 of 13 changed files named in " in diff
    assert re.search(
        r"- paged returned .* on the first page, 13 of 13 changed files named in .* on all 3", diff
    )
    assert "- git show returned 40 of 40 files of the commit named in " in show
    assert re.search(
        r"- paged returned .* on the first page, 40 of 40 files of the commit named .* on all 3", show
    )
    assert next(iter(table_rows(show, "git_show, every page"))) == "git show"


def test_status_calls_give_calls_per_second_beside_one_git_status(report: str) -> None:
    calls = section(report, "git-status-calls")
    batch = table_rows(calls, "all calls")

    assert list(batch) == ["minimal", "paged", "header"]
    assert batch["header"][3] == "calls/s"
    assert list(table_rows(calls, "p50 per call"))[:2] == ["git status", "git rev-parse (start-up only)"]
    assert "- minimal returned 17 of 17 changed or untracked files named each time" in calls


def test_a_server_leaving_out_a_commit_fails_instead_of_being_timed(tmp_path: Path) -> None:
    completed = run_benchmarks(tmp_path, "git-log", minimal("short", "--short-log"))

    assert "| short |" not in completed.stdout
    assert "- short: failed, git_log listed 299 commits, not the 300 asked (1 missing, 0 others)" in (
        completed.stdout
    )
