"""The read tools, called as a client calls them: what a user sees of a real repository.

The reference server's tools first, with exactly the reference's parameters (a prompt written for
it must read the same beginnings); then the log's filters, blame, grep, files at a revision,
worktrees, and the errors a model meets (an unknown revision, a folder that is no repository, a
repository without commits).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.git.helpers import Repo, make_repo, ok, refused

pytestmark = pytest.mark.anyio


def commit_as(repo: Repo, message: str, *, author: str, when: str, **files: str) -> str:
    """Commit `files` by `author` ("Name <email>") with both dates at `when` (ISO 8601)."""
    for name, text in files.items():
        repo.write(name, text)
    repo.git("add", "--all")
    environment = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(
        ["git", "commit", "--quiet", "--allow-empty", f"--author={author}", "-m", message],
        cwd=repo.path,
        env=environment,
        check=True,
        capture_output=True,
    )
    return repo.head()


# -- the reference's tools, with the reference's parameters ----------------------------------------


async def test_each_reference_tool_answers_the_reference_parameters_with_the_reference_beginning(
    repo: Repo,
) -> None:
    head = repo.head()
    repo.write("README.md", "unstaged\n")
    repo.write("staged.txt", "staged\n")
    repo.git("add", "staged.txt")

    text, _ = await ok(repo.path, "git_status", repo_path=str(repo.path))
    assert text.startswith("Repository status:\nOn branch main")
    text, _ = await ok(repo.path, "git_diff_unstaged", repo_path=str(repo.path), context_lines=3)
    assert text.startswith("Unstaged changes:\ndiff --git a/README.md b/README.md")
    text, _ = await ok(repo.path, "git_diff_staged", repo_path=str(repo.path), context_lines=3)
    assert text.startswith("Staged changes:\ndiff --git a/staged.txt b/staged.txt")
    text, _ = await ok(repo.path, "git_diff", repo_path=str(repo.path), target="HEAD~1", context_lines=3)
    assert text.startswith("Diff with HEAD~1:\ndiff --git a/README.md b/README.md")
    text, _ = await ok(
        repo.path,
        "git_log",
        repo_path=str(repo.path),
        max_count=3,
        start_timestamp="10 years ago",
        end_timestamp="2099-12-31",
    )
    entries = text.removeprefix("Commit history:\n").split("\n\n")
    assert text.startswith("Commit history:\nCommit: ")
    assert [entry.splitlines()[0] for entry in entries] == [
        f"Commit: {sha}" for sha in repo.git("rev-list", "HEAD").split()
    ]
    text, _ = await ok(repo.path, "git_show", repo_path=str(repo.path), revision=head)
    assert text.startswith(f"Commit: {head}\nAuthor: Test User <test@example.com>\n")
    text, _ = await ok(
        repo.path,
        "git_branch",
        repo_path=str(repo.path),
        branch_type="local",
        contains=None,
        not_contains=None,
    )
    assert text.startswith("* main ")


async def test_git_branch_filters_by_a_commit_contained_or_not(repo: Repo) -> None:
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    repo.git("branch", "old", first)
    _, data = await ok(repo.path, "git_branch", branch_type="local", contains="HEAD")
    assert [branch["name"] for branch in data["branches"]] == ["main"]
    _, data = await ok(repo.path, "git_branch", branch_type="all", not_contains="HEAD")
    assert [branch["name"] for branch in data["branches"]] == ["old"]


# -- the log's filters --------------------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path) -> Repo:
    """Four commits by two authors on known dates, and a branch with one more."""
    repo = make_repo(tmp_path / "jail" / "repo", commits=0)
    alice, bob = "Alice <alice@example.com>", "Bob <bob@example.com>"
    commit_as(repo, "add parser", author=alice, when="2024-01-10T10:00:00+00:00", **{"parser.py": "1\n"})
    commit_as(repo, "fix parser bug", author=bob, when="2024-02-10T10:00:00+00:00", **{"parser.py": "2\n"})
    repo.write("-rf", "not an option\n")
    commit_as(repo, "add docs", author=alice, when="2024-03-10T10:00:00+00:00", **{"docs.md": "d\n"})
    commit_as(repo, "tune parser", author=bob, when="2024-04-10T10:00:00+00:00", **{"parser.py": "3\n"})
    repo.git("switch", "--quiet", "-c", "feature")
    commit_as(repo, "feature work", author=alice, when="2024-05-10T10:00:00+00:00", **{"f.py": "f\n"})
    repo.git("switch", "--quiet", "main")
    return repo


async def subjects(repo: Repo, **arguments: object) -> list[str]:
    _, data = await ok(repo.path, "git_log", **arguments)
    return [entry["subject"] for entry in data["entries"]]


async def test_log_filters_by_author_message_path_and_skip(history: Repo) -> None:
    assert await subjects(history) == ["tune parser", "add docs", "fix parser bug", "add parser"]
    assert await subjects(history, author="Alice") == ["add docs", "add parser"]
    assert await subjects(history, author="bob@example") == ["tune parser", "fix parser bug"]
    assert await subjects(history, grep="parser") == ["tune parser", "fix parser bug", "add parser"]
    assert await subjects(history, grep="parser", author="Bob") == ["tune parser", "fix parser bug"]
    assert await subjects(history, paths=["docs.md"]) == ["add docs"]
    assert await subjects(history, paths=["-rf"]) == ["add docs"]  # a path, never an option
    assert await subjects(history, skip=1, max_count=2) == ["add docs", "fix parser bug"]


async def test_log_filters_by_commit_time(history: Repo) -> None:
    assert await subjects(history, start_timestamp="2024-02-01") == [
        "tune parser",
        "add docs",
        "fix parser bug",
    ]
    assert await subjects(history, end_timestamp="2024-02-01") == ["add parser"]
    assert await subjects(history, start_timestamp="2024-02-01T00:00:00", end_timestamp="Mar 31 2024") == [
        "add docs",
        "fix parser bug",
    ]
    assert await subjects(history, start_timestamp="2030-01-01") == []


async def test_log_follows_a_revision_or_a_range(history: Repo) -> None:
    assert await subjects(history, revision="feature", max_count=2) == ["feature work", "tune parser"]
    assert await subjects(history, revision="main..feature") == ["feature work"]
    assert await subjects(history, revision="feature..main") == []


async def test_log_with_stat_or_patch_shows_each_commits_changes(history: Repo) -> None:
    text, data = await ok(history.path, "git_log", max_count=1, stat=True)
    assert text.startswith(f"Commit history:\nCommit: {history.head()}\n")
    assert "parser.py | 2 +-" in text
    assert "diff --git" not in text
    assert data["entries"] == []
    text, _ = await ok(history.path, "git_log", max_count=2, patch=True, paths=["parser.py"])
    assert text.count("diff --git a/parser.py b/parser.py") == 2
    assert "-2\n+3" in text
    assert "docs.md" not in text


async def test_a_log_with_nothing_to_show_says_so(history: Repo) -> None:
    text, data = await ok(history.path, "git_log", author="nobody")
    assert text == "Commit history:\n(no commits)"
    assert data["entries"] == []


# -- blame -----------------------------------------------------------------------------------------


async def test_blame_names_the_commit_of_each_line(history: Repo) -> None:
    history.write("parser.py", "3\nnew line\n")
    text, data = await ok(history.path, "git_blame", path="parser.py")
    first, second = data["lines"]
    assert first["line"] == 1
    assert first["sha"] == history.head()
    assert (first["author"], first["authorEmail"]) == ("Bob", "bob@example.com")
    assert first["authoredAt"] == "2024-04-10T10:00:00+00:00"
    assert (first["summary"], first["content"]) == ("tune parser", "3")
    assert second["sha"] == "0" * 40  # the working tree's line, not committed
    assert second["author"] == "Not Committed Yet"
    assert text.splitlines()[0] == f"{history.head()[:8]} (Bob 2024-04-10     1) 3"


async def test_blame_of_a_line_range_at_a_revision(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commits=0)
    one = commit_as(repo, "one", author="A <a@x>", when="2024-01-01T00:00:00+02:00", **{"f.txt": "a\nb\nc\n"})
    two = commit_as(
        repo, "two", author="B <b@x>", when="2024-01-02T00:00:00-05:30", **{"f.txt": "a\nB\nc\nd\n"}
    )
    _, data = await ok(repo.path, "git_blame", path="f.txt", start_line=2, end_line=3)
    assert [(line["line"], line["sha"], line["content"]) for line in data["lines"]] == [
        (2, two, "B"),
        (3, one, "c"),
    ]
    assert data["lines"][0]["authoredAt"] == "2024-01-02T00:00:00-05:30"
    assert data["lines"][1]["authoredAt"] == "2024-01-01T00:00:00+02:00"
    _, data = await ok(repo.path, "git_blame", path="f.txt", revision="HEAD~1")
    assert [(line["sha"], line["content"]) for line in data["lines"]] == [(one, "a"), (one, "b"), (one, "c")]
    _, data = await ok(repo.path, "git_blame", path=str(repo.path / "f.txt"), start_line=4)
    assert [line["content"] for line in data["lines"]] == ["d"]  # an absolute path inside works too


async def test_blame_follows_a_renamed_file_to_its_old_name(repo: Repo) -> None:
    repo.git("mv", "README.md", "GUIDE.md")
    repo.commit("rename")
    _, data = await ok(repo.path, "git_blame", path="GUIDE.md", end_line=1)
    assert data["lines"][0]["originalPath"] == "README.md"
    assert data["lines"][0]["summary"] == "commit 3"


async def test_blame_refuses_a_start_past_the_end_and_says_so_for_an_empty_file(repo: Repo) -> None:
    message = await refused(repo.path, "git_blame", path="README.md", start_line=9)
    assert "README.md has only 3 lines; start_line 9 is past its end" in message
    message = await refused(repo.path, "git_blame", path="README.md", start_line=3, end_line=2)
    assert "end_line 2 is before start_line 3" in message
    repo.commit("empty", **{"empty.txt": ""})
    text, data = await ok(repo.path, "git_blame", path="empty.txt")
    assert (text, data["lines"]) == ("(empty file)", [])
    message = await refused(repo.path, "git_blame", path="missing.txt", revision="HEAD")
    assert "no such path missing.txt in HEAD" in message


# -- grep ------------------------------------------------------------------------------------------


async def test_grep_finds_lines_with_their_paths_and_numbers(history: Repo) -> None:
    history.write("parser.py", "3\nparse it\n")  # the working tree's tracked files are searched
    history.write("untracked.py", "parse me\n")
    text, data = await ok(history.path, "git_grep", pattern="pars")
    assert data["matches"] == [{"path": "parser.py", "line": 2, "text": "parse it"}]
    assert text == "parser.py:2: parse it"
    _, data = await ok(history.path, "git_grep", pattern="^[0-9]$", revision="HEAD~2")
    assert data["matches"] == [{"path": "parser.py", "line": 1, "text": "2"}]
    _, data = await ok(history.path, "git_grep", pattern="NOT AN", ignore_case=True)
    assert data["matches"] == [{"path": "-rf", "line": 1, "text": "not an option"}]


async def test_grep_takes_a_pattern_that_starts_with_a_dash_as_a_pattern(repo: Repo) -> None:
    repo.commit("dashes", **{"flags.txt": "use -v for more\n--output=x is a flag\n"})
    _, data = await ok(repo.path, "git_grep", pattern="--output=x")
    assert data["matches"] == [{"path": "flags.txt", "line": 2, "text": "--output=x is a flag"}]
    _, data = await ok(repo.path, "git_grep", pattern="-v", fixed_strings=True)
    assert [match["line"] for match in data["matches"]] == [1]


async def test_grep_fixed_strings_paths_and_max_per_file(repo: Repo) -> None:
    repo.commit("code", **{"a.py": "x = f(1)\nx = f(2)\nx = f(3)\n", "b.py": "f(1)\n"})
    _, data = await ok(repo.path, "git_grep", pattern="f(1)", fixed_strings=True)
    assert [(match["path"], match["line"]) for match in data["matches"]] == [("a.py", 1), ("b.py", 1)]
    _, data = await ok(repo.path, "git_grep", pattern=r"f\([0-9]\)", paths=["a.py"], max_per_file=2)
    assert [(match["path"], match["line"]) for match in data["matches"]] == [("a.py", 1), ("a.py", 2)]
    text, data = await ok(repo.path, "git_grep", pattern="nothing like this")
    assert (text, data["matches"]) == ("(no matches)", [])


async def test_grep_leaves_binary_files_out_and_refuses_a_broken_pattern(repo: Repo) -> None:
    (repo.path / "blob.bin").write_bytes(b"\0needle\0")
    repo.commit("binary", **{"text.txt": "needle\n"})
    _, data = await ok(repo.path, "git_grep", pattern="needle")
    assert [match["path"] for match in data["matches"]] == ["text.txt"]
    message = await refused(repo.path, "git_grep", pattern="(unclosed")
    assert "git grep failed" in message


# -- a file at a revision --------------------------------------------------------------------------


async def test_a_file_at_a_revision_even_after_it_was_deleted(repo: Repo) -> None:
    repo.git("rm", "--quiet", "README.md")
    repo.commit("remove it")
    text, data = await ok(repo.path, "git_show_file", path="README.md", revision="HEAD~1")
    assert text == "line 3\nline 3\nline 3\n"
    assert data["kind"] == "file"
    assert data["size"] == len(text)
    assert data["binary"] is False
    text, _ = await ok(repo.path, "git_show", revision="HEAD~2:README.md")
    assert text == "line 2\nline 2\n"  # git_show's REV:PATH is the same view


async def test_a_folder_at_a_revision_lists_its_entries(repo: Repo) -> None:
    repo.commit("tree", **{"src/app.py": "print(1)\n", "src/lib/util.py": "", "docs/x.md": "x\n"})
    (repo.path / "src" / "link").symlink_to("app.py")
    repo.commit("link")
    text, data = await ok(repo.path, "git_show_file", path="src")
    assert data["kind"] == "folder"
    assert data["entries"] == [
        {"name": "app.py", "kind": "file", "size": 9},
        {"name": "lib", "kind": "folder"},
        {"name": "link", "kind": "symlink", "size": 6},
    ]
    assert text == "app.py  9 bytes\nlib/\nlink (symlink)  6 bytes"
    _, data = await ok(repo.path, "git_show_file", path=".")
    assert [entry["name"] for entry in data["entries"]] == ["README.md", "docs", "src"]
    text, _ = await ok(repo.path, "git_show", revision="HEAD:src")
    assert text.splitlines() == ["app.py  9 bytes", "lib/", "link (symlink)  6 bytes"]


async def test_a_binary_file_is_described_not_poured_out(repo: Repo) -> None:
    (repo.path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4)
    repo.commit("image")
    text, data = await ok(repo.path, "git_show_file", path="image.png")
    assert text == "(binary file, 1,040 bytes: not shown)"
    assert (data["binary"], data["size"]) == (True, 1040)
    text, _ = await ok(repo.path, "git_show", revision="HEAD:image.png")
    assert text == "(binary file, 1,040 bytes: not shown)"


async def test_a_missing_path_or_revision_is_named_as_missing(repo: Repo) -> None:
    message = await refused(repo.path, "git_show_file", path="nope.txt")
    assert "'nope.txt' does not exist at HEAD" in message
    message = await refused(repo.path, "git_show_file", path="README.md", revision="v9")
    assert "unknown revision 'v9'" in message
    message = await refused(repo.path, "git_show", revision="HEAD:nope.txt")
    assert "'nope.txt' does not exist at HEAD" in message
    message = await refused(repo.path, "git_show", revision="v9:README.md")
    assert "unknown revision 'v9'" in message


async def test_a_submodule_at_a_revision_is_named_with_its_commit(repo: Repo, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other", commits=1)
    repo.git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", str(other.path), "lib")
    repo.commit("submodule")
    text, data = await ok(repo.path, "git_show_file", path="lib")
    assert (data["kind"], data["object"]) == ("submodule", other.head())
    assert text == f"HEAD:lib is a submodule at commit {other.head()}; its files are in its own repository."


# -- the repository's own programs -----------------------------------------------------------------


async def test_the_read_tools_run_none_of_the_repositorys_programs(repo: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    program = f"sh -c 'echo $0 >> {marker}; cat'"
    repo.commit("attributes", **{".gitattributes": "*.txt diff=evil filter=evil\n", "notes.txt": "needle\n"})
    repo.git("config", "diff.evil.textconv", program)
    repo.git("config", "filter.evil.smudge", program)
    repo.git("config", "filter.evil.clean", program)
    repo.git("config", "core.fsmonitor", program)
    repo.write("notes.txt", "needle\nmore\n")
    for tool, arguments in (
        ("git_blame", {"path": "notes.txt"}),
        ("git_grep", {"pattern": "needle"}),
        ("git_show_file", {"path": "notes.txt"}),
        ("git_show", {"revision": "HEAD:notes.txt"}),
        ("git_log", {"patch": True}),
        ("git_diff_unstaged", {}),
        ("git_status", {}),
        ("git_worktree", {}),
    ):
        await ok(repo.path, tool, **arguments)
        assert not marker.exists(), tool
    repo.git("blame", "notes.txt")  # the control: plain git runs the repository's textconv
    assert marker.exists()


# -- worktrees -------------------------------------------------------------------------------------


async def test_worktrees_are_listed_with_their_state(repo: Repo, tmp_path: Path) -> None:
    linked = tmp_path / "jail" / "linked"
    gone = tmp_path / "jail" / "gone"
    outside = tmp_path / "elsewhere"
    repo.git("worktree", "add", "--quiet", "-b", "topic", str(linked))
    repo.git("worktree", "add", "--quiet", "--detach", str(gone), "HEAD~1")
    repo.git("worktree", "add", "--quiet", "-b", "far", str(outside))
    repo.git("worktree", "lock", "--reason", "on a usb disk", str(linked))
    shutil.rmtree(gone)
    text, data = await ok(tmp_path / "jail", "git_worktree", repo_path=str(linked))
    main = data["worktrees"][0]  # the main one first; git lists the linked ones in no set order
    linked_ones = {Path(tree["path"]).name: tree for tree in data["worktrees"][1:]}
    topic, detached, far = linked_ones["linked"], linked_ones["gone"], linked_ones["elsewhere"]
    assert main == {
        "path": str(repo.path),
        "head": repo.head(),
        "branch": "main",
        "bare": False,
        "detached": False,
        "locked": False,
        "prunable": False,
        "current": False,
        "allowed": True,
    }
    assert (topic["branch"], topic["current"], topic["locked"]) == ("topic", True, True)
    assert topic["lockReason"] == "on a usb disk"
    assert (detached["detached"], detached["prunable"]) == (True, True)
    assert detached["head"] == repo.git("rev-parse", "HEAD~1").strip()
    assert (far["branch"], far["allowed"]) == ("far", False)
    assert f"{linked}  {repo.head()[:12]} topic  [current, locked: on a usb disk]" in text.splitlines()
    assert f"{outside}  {repo.head()[:12]} far  [outside the allowed directories]" in text.splitlines()


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("git_show", {"revision": "nope"}, "bad revision 'nope'"),
        ("git_log", {"revision": "nope"}, "bad revision 'nope'"),
        ("git_diff", {"target": "nope"}, "bad revision 'nope'"),
        ("git_blame", {"path": "README.md", "revision": "nope"}, "bad revision 'nope'"),
        ("git_grep", {"pattern": "x", "revision": "nope"}, "unable to resolve revision: nope"),
        ("git_branch", {"contains": "nope"}, "malformed object name nope"),
        ("git_show_file", {"path": "README.md", "revision": "nope"}, "unknown revision 'nope'"),
    ],
)
async def test_an_unknown_revision_is_named(
    repo: Repo, tool: str, arguments: dict[str, object], says: str
) -> None:
    message = await refused(repo.path, tool, **arguments)
    assert says in message
    assert "nope" in message


@pytest.mark.parametrize("tool", ["git_status", "git_log", "git_diff_unstaged", "git_blame", "git_worktree"])
async def test_a_folder_that_is_no_repository_is_refused_clearly(tmp_path: Path, tool: str) -> None:
    plain = tmp_path / "jail" / "plain"
    plain.mkdir(parents=True)
    arguments = {"path": "x"} if tool == "git_blame" else {}
    message = await refused(tmp_path / "jail", tool, repo_path=str(plain), **arguments)
    assert f"{plain} is not inside a git repository within the allowed directories" in message


async def test_a_repository_without_commits(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commits=0)
    repo.write("first.txt", "one\n")
    text, data = await ok(repo.path, "git_status")
    assert text.startswith("Repository status:\nOn branch main\n\nNo commits yet")
    assert "commit" not in data
    assert data["entries"] == [{"path": "first.txt", "unstaged": "untracked"}]
    text, data = await ok(repo.path, "git_log")
    assert (text, data["entries"]) == ("Commit history:\n(no commits yet)", [])
    text, _ = await ok(repo.path, "git_diff_unstaged")
    assert text == "Unstaged changes:\n(no changes)"
    repo.git("add", "first.txt")
    text, _ = await ok(repo.path, "git_diff_staged")
    assert text.startswith("Staged changes:\ndiff --git a/first.txt b/first.txt\nnew file mode 100644")
    message = await refused(repo.path, "git_diff", target="HEAD")
    assert "bad revision 'HEAD'" in message
    text, data = await ok(repo.path, "git_branch", branch_type="local")
    assert (text, data["branches"]) == ("(no branches)", [])
