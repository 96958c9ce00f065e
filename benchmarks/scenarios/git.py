"""Git scenarios: ours beside the reference server (mcp-server-git), with the git CLI as the floor.

Every scenario works on the cached repository of `benchmarks.git_fixture` (20,000 commits, 5,000
files, a large commit near HEAD, a dirty working tree), which every git server spec serves as its
``--repository``. Each run spawns a fresh server, then, untimed, finishes the handshake and makes
one call of the same tool (a small one where the measured call is big), so neither start-up
(`cold-start`'s number) nor a first call's one-time costs blur what a call costs. The clock runs
around the measured calls only.

Both servers are called with the reference's tool and parameter names (``repo_path`` and the
rest), so a row is the same request a prompt would make. A server that pages a long answer (ours
does, at 50,000 characters) is followed to the last page, its cursor read from the structured
result or else from the closing note of the text; the log, diff and show scenarios time the first
page and every page together, the reference's one answer being both.

The git CLI doing the same work is the first row of each table: one whole process per run (spawn
included, its output written to a file), as a person would type it, so the ratio column reads as
"times the CLI". For status, a second row times a git process that does next to nothing (``git
rev-parse HEAD``): what any call that runs git pays at least, as both servers' calls do.

Every answer is checked and a server whose answer falls short fails instead of giving a flattering
time: `git_log`'s pages together must list exactly the commits ``git rev-list -n 1000 HEAD`` lists
(one ``Commit: <sha>`` line per entry, in the reference's text and ours); `git_status`,
`git_diff_unstaged` and `git_show` must name every file they are about (found by the fixture's file
serials, whatever the format), and a first page at least one of them. Every row says how much its
first page and all its pages held.
"""

from __future__ import annotations

import re
import statistics
from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from benchmarks.baselines import Baseline
from benchmarks.calls import next_cursor, start, text_of, text_size, timed_call
from benchmarks.git_fixture import GitSpec, Manifest, ensure_repository, git, serials_in
from benchmarks.scenarios import Scenario, register

if TYPE_CHECKING:
    from benchmarks.harness import Server

LOG_COUNT = 1_000
CONTEXT_LINES = 3
# One match per log entry: the reference's text has one such line per commit, and so has ours.
COMMIT_LINE = re.compile(r"^Commit: ([0-9a-f]{40})\b", re.MULTILINE)
# The reference's log entry, as the CLI prints it: the floor for `git_log`.
LOG_FORMAT = "--format=Commit: %H%nAuthor: %an%nDate: %ad%nMessage: %B"
_QUICK_SPEC = GitSpec(
    commits=300, files=200, large_commit_files=40, merges=2, modified=10, deleted=3, untracked=4
)
_GIT_HINT = "install git"
# A git process that does next to nothing: what any call that runs git costs at least.
_START_UP = ("git", "rev-parse", "HEAD")
_START_UP_ROW = "git rev-parse (start-up only)"
# How a text-only answer (a diff, a patch) says where its next page starts, in its closing note.
_CURSOR_IN_NOTE = re.compile(r'cursor "([^"]+)" for the next page')
_NOTE_ROOM = 1_000
_MAX_PAGES = 1_000  # a cursor that never ends is a bug to report, not a loop to wait out


def commits_in(text: str) -> list[str]:
    """The sha of every log entry in `text`, in order."""
    return COMMIT_LINE.findall(text)


def check_log(text: str, expected: Sequence[str], *, complete: bool) -> str:
    """`text` of a `git_log` answer; raise `ValueError` unless it lists the `expected` commits.

    All of them when `complete` (every page of the answer), else at least one and no others.
    """
    found = commits_in(text)
    wanted = set(expected)
    if sorted(found) == sorted(expected) or (not complete and found and set(found) <= wanted):
        return text
    missing, others = len(wanted - set(found)), len(set(found) - wanted)
    raise ValueError(
        f"git_log listed {len(found):,} commits, not the {len(expected):,} asked "
        f"({missing:,} missing, {others:,} others): {text[:300]}"
    )


def check_files(tool: str, text: str, expected: frozenset[int], *, complete: bool) -> str:
    """`text` of an answer; raise `ValueError` unless it names the `expected` files.

    All of them when `complete` (every page of the answer), else at least one.
    """
    named = serials_in(text) & expected
    if named == expected or (named and not complete):
        return text
    raise ValueError(f"{tool} named {len(named):,} of the {len(expected):,} files it is about: {text[:300]}")


def page_cursor(result: dict[str, Any]) -> str | None:
    """The cursor for the page after `result`: in its structured content, else in its closing note."""
    cursor = next_cursor(result)
    if cursor is not None:
        return cursor
    match = _CURSOR_IN_NOTE.search(text_of(result)[-_NOTE_ROOM:])
    return match.group(1) if match else None


class _RepositoryScenario(Scenario):
    """A scenario on the cached repository; `quick=True` uses a small one and few calls."""

    default_runs = 5
    default_timeout = 60.0
    calls_per_run: ClassVar[int] = 10
    quick_calls: ClassVar[int] = 2

    def __init__(self, *, quick: bool = False) -> None:
        self.spec = _QUICK_SPEC if quick else GitSpec()
        self.calls = self.quick_calls if quick else self.calls_per_run
        self.description = self._describe()
        self._manifest: Manifest | None = None

    @abstractmethod
    def _describe(self) -> str:
        """The description, with this variant's sizes."""

    def prepare(self, root: Path) -> Path:
        fixture = ensure_repository(self.spec)
        self._manifest = fixture.manifest
        return fixture.repository

    def quick(self) -> Scenario:
        return type(self)(quick=True)

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            raise RuntimeError(f"{self.name} was measured before its fixture was prepared")
        return self._manifest


class _OneToolScenario(_RepositoryScenario):
    """`calls` answers of one tool per run, each followed page by page to its end and checked.

    The first metric times the first page (the one call a server makes for the whole answer where
    it does not page); a second one, if any, times every page together.
    """

    tool: ClassVar[str]

    @abstractmethod
    def arguments(self, repository: Path) -> dict[str, Any]:
        """The measured call's arguments, with the reference's parameter names."""

    def warm_up(self, repository: Path) -> dict[str, Any]:
        """The untimed first call's arguments: by default, the measured call's."""
        return self.arguments(repository)

    @abstractmethod
    def check(self, text: str, *, complete: bool) -> str:
        """`text`, or `ValueError` when it lacks what a first page or (`complete`) every page must hold."""

    @abstractmethod
    def summarize(self, output: str) -> str:
        """How much of what the answer is about `output` holds, in a few words."""

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        start(server, self.tool, {"repo_path": str(root), **self.warm_up(root)})
        arguments = {"repo_path": str(root), **self.arguments(root)}
        firsts, totals, pages = [], [], [""]
        for _ in range(self.calls):
            first, total, pages = self._every_page(server, arguments)
            self.check(pages[0], complete=False)
            self.check("\n".join(pages), complete=True)
            firsts.append(first)
            totals.append(total)
        server.returned = self.summarize(pages[0])
        if len(pages) > 1:
            server.returned += (
                f" on the first page, {self.summarize(chr(10).join(pages))} on all {len(pages)}"
            )
        timings = {self.metrics[0]: statistics.median(firsts)}
        return timings | ({self.metrics[1]: statistics.median(totals)} if len(self.metrics) > 1 else {})

    def _every_page(self, server: Server, arguments: dict[str, Any]) -> tuple[float, float, list[str]]:
        """One answer, following its cursor to the end: the first page's seconds, all pages', their texts."""
        first, result = timed_call(server, self.tool, arguments)
        total, pages = first, [text_of(result)]
        while (cursor := page_cursor(result)) is not None:
            if len(pages) == _MAX_PAGES:
                raise ValueError(f"{self.tool} still had more after {_MAX_PAGES} pages")
            seconds, result = timed_call(server, self.tool, {**arguments, "cursor": cursor})
            pages.append(text_of(result))
            total += seconds
        return first, total, pages

    def cli(self, name: str, command: tuple[str, ...]) -> Baseline:
        """The CLI printing the whole answer, in every table (its one run is both the first page and all)."""
        return Baseline(name, command, self.metrics[0], _GIT_HINT, also=self.metrics[1:])


class GitLog(_OneToolScenario):
    name = "git-log"
    metrics = (f"max_count={LOG_COUNT}, first page", f"max_count={LOG_COUNT}, every page")
    tool = "git_log"

    def __init__(self, *, quick: bool = False) -> None:
        super().__init__(quick=quick)
        self._expected: list[str] = []  # the newest commits, as `git rev-list` lists them

    def _describe(self) -> str:
        return (
            f"git_log max_count={LOG_COUNT} on a {self.spec.commits:,}-commit history with merges, the first "
            f"page and every page: median of {self.calls} answers per run, beside `git log -n {LOG_COUNT}` "
            "in the reference's format"
        )

    def prepare(self, root: Path) -> Path:
        repository = super().prepare(root)
        self._expected = git(repository, "rev-list", "-n", str(LOG_COUNT), "HEAD").split()
        return repository

    def arguments(self, repository: Path) -> dict[str, Any]:
        return {"max_count": LOG_COUNT}

    def warm_up(self, repository: Path) -> dict[str, Any]:
        return {"max_count": 1}

    def check(self, text: str, *, complete: bool) -> str:
        return check_log(text, self._expected, complete=complete)

    def baselines(self) -> Sequence[Baseline]:
        command = ("git", "log", "-n", str(LOG_COUNT), "--date=iso", LOG_FORMAT)
        return (self.cli(f"git log -n {LOG_COUNT}", command),)

    def summarize(self, output: str) -> str:
        return (
            f"{len(commits_in(output)):,} of {len(self._expected):,} commits in {text_size(output)} of text"
        )


class _FilesScenario(_OneToolScenario):
    """A tool whose answer is about some of the fixture's files: those must be in it."""

    unit: ClassVar[str]

    @abstractmethod
    def expected(self) -> frozenset[int]:
        """The serials of the files the answer is about."""

    def check(self, text: str, *, complete: bool) -> str:
        return check_files(self.tool, text, self.expected(), complete=complete)

    def summarize(self, output: str) -> str:
        named = len(serials_in(output) & self.expected())
        return f"{named:,} of {len(self.expected()):,} {self.unit} named in {text_size(output)} of text"


class GitStatus(_FilesScenario):
    name = "git-status"
    metrics = ("git_status, per call",)  # one page: no "every page" table
    tool = "git_status"
    unit = "changed or untracked files"

    def _describe(self) -> str:
        spec = self.spec
        return (
            f"git_status of a {spec.files:,}-file working tree with {spec.modified} files modified, "
            f"{spec.deleted} deleted and {spec.untracked} untracked: median of {self.calls} calls per run, "
            "beside `git status`"
        )

    def arguments(self, repository: Path) -> dict[str, Any]:
        return {}

    def expected(self) -> frozenset[int]:
        return self.manifest.dirty_serials

    def baselines(self) -> Sequence[Baseline]:
        return (
            self.cli("git status", ("git", "status")),
            Baseline(_START_UP_ROW, _START_UP, self.metrics[0], _GIT_HINT),
        )


class GitDiffUnstaged(_FilesScenario):
    name = "git-diff-unstaged"
    metrics = ("git_diff_unstaged, first page", "git_diff_unstaged, every page")
    tool = "git_diff_unstaged"
    unit = "changed files"

    def _describe(self) -> str:
        spec = self.spec
        return (
            f"git_diff_unstaged context_lines={CONTEXT_LINES} of {spec.modified} modified and {spec.deleted} "
            f"deleted files, the first page and every page: median of {self.calls} answers per run, "
            "beside `git diff`"
        )

    def arguments(self, repository: Path) -> dict[str, Any]:
        return {"context_lines": CONTEXT_LINES}

    def expected(self) -> frozenset[int]:
        return self.manifest.changed_serials

    def baselines(self) -> Sequence[Baseline]:
        command = ("git", "diff", f"--unified={CONTEXT_LINES}")
        return (self.cli("git diff", command),)


class GitShow(_FilesScenario):
    name = "git-show"
    metrics = ("git_show, first page", "git_show, every page")
    default_timeout = 120.0
    calls_per_run = 3
    tool = "git_show"
    unit = "files of the commit"

    def _describe(self) -> str:
        return (
            f"git_show of the large commit ({self.spec.large_commit_files} files, most of them new) by its "
            f"sha, the first page and every page: median of {self.calls} answers per run, beside `git show` "
            "of it"
        )

    def arguments(self, repository: Path) -> dict[str, Any]:
        return {"revision": self.manifest.large_commit}

    def warm_up(self, repository: Path) -> dict[str, Any]:
        return {"revision": self.manifest.head}  # an ordinary commit of a few files

    def expected(self) -> frozenset[int]:
        return self.manifest.large_commit_serials

    def baselines(self) -> Sequence[Baseline]:
        # HEAD~N is the large commit's sha, which is known only once the fixture is built.
        command = ("git", "show", f"HEAD~{self.spec.large_commit_offset}")
        return (self.cli("git show", command),)


class GitStatusCalls(_RepositoryScenario):
    name = "git-status-calls"
    metrics = ("all calls", "p50 per call", "p99 per call")
    default_runs = 3
    calls_per_run = 500
    quick_calls = 20

    def _describe(self) -> str:
        return (
            f"{self.calls} sequential git_status calls of the dirty tree on one server, "
            "beside one `git status` (its time is per call)"
        )

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        arguments = {"repo_path": str(root)}
        start(server, "git_status", arguments)
        samples, text = [], ""
        for _ in range(self.calls):
            seconds, result = timed_call(server, "git_status", arguments)
            text = check_files("git_status", text_of(result), self.manifest.dirty_serials, complete=False)
            samples.append(seconds)
        server.returned = self.summarize(text)
        percentiles = statistics.quantiles(samples, n=100, method="inclusive")
        return {"all calls": sum(samples), "p50 per call": percentiles[49], "p99 per call": percentiles[98]}

    def calls_timed(self, metric: str) -> int | None:
        return self.calls if metric == "all calls" else None

    def baselines(self) -> Sequence[Baseline]:
        return (
            Baseline("git status", ("git", "status"), "p50 per call", _GIT_HINT),
            Baseline(_START_UP_ROW, _START_UP, "p50 per call", _GIT_HINT),
        )

    def summarize(self, output: str) -> str:
        named = len(serials_in(output) & self.manifest.dirty_serials)
        return f"{named:,} of {len(self.manifest.dirty_serials):,} changed or untracked files named each time"


for _scenario in (GitLog, GitStatus, GitDiffUnstaged, GitShow, GitStatusCalls):
    register(_scenario())
