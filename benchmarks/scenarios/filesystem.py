"""Filesystem scenarios: the issue's performance section, ours beside the reference server.

Every scenario works on the cached fixture of `benchmarks.fixtures` (a 50,000-file tree, a
10,000-entry directory, a 50 MB log), which the servers serve as their one allowed directory.
Each run spawns a fresh server, then, untimed, finishes the handshake and makes one call of the
same tool on a tiny directory, so neither start-up (that is `cold-start`'s number) nor a first
call's one-time costs (lazy imports, JIT warm-up) blur what the tool costs per call. The clock
runs around the measured calls only. Where the issue compares with a command-line tool, that tool
runs on the same tree as the first row and the ratio column is relative to it.

Both servers are called with the reference's tool and parameter names, so a row is the same
request a prompt would make. A result flagged `isError` fails the server rather than giving a
flattering time, and every row reports what it got back (matches found out of those in the tree)
so a fast row that did less work shows. A server without the tool gets "n/a".
"""

from __future__ import annotations

import re
import statistics
from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from benchmarks.baselines import Baseline
from benchmarks.calls import start, text_of, text_size, timed_call
from benchmarks.fixtures import NEEDLE, Fixture, TreeSpec, ensure_fixture
from benchmarks.scenarios import Scenario, register

if TYPE_CHECKING:
    from benchmarks.harness import Server

# The content-search tool is ours alone; the reference has none.
CONTENT_SEARCH_TOOL = "search_file_contents"
GLOB = "**/test_*.py"
_QUICK_SPEC = TreeSpec(
    files=1_500, subtree_files=200, wide_entries=300, big_file_bytes=2**20, test_files=20, needle_files=5
)
_MAX_PAGES = 1_000  # a cursor that never ends is a bug to report, not a loop to wait out
_RG_HINT = "run `make install` (the dev dependencies bring ripgrep) or put ripgrep on PATH"


class _TreeScenario(Scenario):
    """A scenario on the shared fixture; `quick=True` uses a small tree and few calls."""

    default_runs = 5

    def __init__(self, *, quick: bool = False) -> None:
        self.spec = _QUICK_SPEC if quick else TreeSpec()
        self.description = self._describe()

    @abstractmethod
    def _describe(self) -> str:
        """The description, with this variant's sizes."""

    def prepare(self, root: Path) -> Path:
        return ensure_fixture(self.spec).root

    def quick(self) -> Scenario:
        return type(self)(quick=True)

    def fixture(self, root: Path) -> Fixture:
        return Fixture(root, self.spec)


class _OneCallScenario(_TreeScenario):
    """One timed call per run of a tool that does real work over many files.

    With a second metric, the scenario also follows the result's `nextCursor` until the last
    page and times every page together: the cost of getting everything from a server that pages.
    """

    tool: ClassVar[str]
    marker: ClassVar[re.Pattern[str]]  # one match per item found, in a tool's text or a command's output
    unit: ClassVar[str]

    @abstractmethod
    def target(self, fixture: Fixture) -> Path:
        """The directory the measured call works on."""

    @abstractmethod
    def arguments(self, directory: Path) -> dict[str, Any]:
        """The tool's arguments for `directory`, with the reference server's parameter names."""

    @abstractmethod
    def expected(self) -> int:
        """How many items the fixture holds for this call to find."""

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        fixture = self.fixture(root)
        start(server, self.tool, self.arguments(fixture.small))
        arguments = self.arguments(self.target(fixture))
        first, result = timed_call(server, self.tool, arguments)
        server.returned = self.summarize(text_of(result))
        if len(self.metrics) == 1:
            return {self.metrics[0]: first}
        pages, total = [text_of(result)], first
        while (cursor := (result.get("structuredContent") or {}).get("nextCursor")) is not None:
            if len(pages) == _MAX_PAGES:
                raise ValueError(f"{self.tool} still had more after {_MAX_PAGES} pages")
            seconds, result = timed_call(server, self.tool, {**arguments, "cursor": cursor})
            pages.append(text_of(result))
            total += seconds
        if len(pages) > 1:
            server.returned += f" on the first page, {self.summarize(''.join(pages))} on all {len(pages)}"
        return {self.metrics[0]: first, self.metrics[1]: total}

    def summarize(self, output: str) -> str:
        found = len(self.marker.findall(output))
        return f"{found:,} of {self.expected():,} {self.unit} in {text_size(output)} of text"


class SearchFiles(_OneCallScenario):
    name = "search-files"
    metrics = ("glob search",)
    default_runs = 3  # the reference takes seconds per call here
    default_timeout = 120.0
    tool = "search_files"
    marker = re.compile(r"test_[a-z]+_\d{5}\.py")
    unit = "files"

    def _describe(self) -> str:
        return f"search_files {GLOB!r} over a {self.spec.files:,}-file tree, beside `find -name`"

    def target(self, fixture: Fixture) -> Path:
        return fixture.tree

    def arguments(self, directory: Path) -> dict[str, Any]:
        return {"path": str(directory), "pattern": GLOB}

    def expected(self) -> int:
        return self.spec.test_files

    def baselines(self) -> Sequence[Baseline]:
        return (Baseline("find", ("find", "{root}/tree", "-name", "test_*.py"), self.metrics[0]),)


class ContentSearch(_OneCallScenario):
    name = "grep"
    metrics = ("content search",)
    tool = CONTENT_SEARCH_TOOL
    marker = re.compile(re.escape(f"marker = '{NEEDLE}'"))
    unit = "matches"

    def _describe(self) -> str:
        return f"{self.tool} for a literal over a {self.spec.files:,}-file tree, beside ripgrep"

    def target(self, fixture: Fixture) -> Path:
        return fixture.tree

    def arguments(self, directory: Path) -> dict[str, Any]:
        return {"path": str(directory), "pattern": NEEDLE, "literal": True}

    def expected(self) -> int:
        return self.spec.needle_files

    def baselines(self) -> Sequence[Baseline]:
        # .gitignore honoured outside a git repository too, as our search does by default.
        rg = ("rg", "--fixed-strings", "--no-require-git", "--line-number", NEEDLE, "{root}/tree")
        return (
            Baseline("rg", rg, self.metrics[0], _RG_HINT),
            Baseline("rg -j1", (*rg[:1], "--threads=1", *rg[1:]), self.metrics[0], _RG_HINT),
        )


class DirectoryTree(_OneCallScenario):
    name = "directory-tree"
    metrics = ("directory_tree",)
    tool = "directory_tree"
    marker = re.compile(r"_\d{5}\.[a-z0-9]+\b")
    unit = "files"

    def _describe(self) -> str:
        return f"directory_tree of a {self.spec.subtree_files:,}-file subtree"

    def target(self, fixture: Fixture) -> Path:
        return fixture.subtree

    def arguments(self, directory: Path) -> dict[str, Any]:
        return {"path": str(directory)}

    def expected(self) -> int:
        return self.spec.subtree_files


class ListDirectory(_OneCallScenario):
    name = "list-directory"
    metrics = ("list_directory", "list_directory, every page")
    tool = "list_directory"
    marker = re.compile(r"item-\d{5}")
    unit = "entries"

    def _describe(self) -> str:
        return (
            f"list_directory of a directory with {self.spec.wide_entries:,} entries: "
            "the first page, and every page following `nextCursor`"
        )

    def target(self, fixture: Fixture) -> Path:
        return fixture.wide

    def arguments(self, directory: Path) -> dict[str, Any]:
        return {"path": str(directory)}

    def expected(self) -> int:
        return self.spec.wide_entries


class ReadHeadTail(_TreeScenario):
    name = "read-head-tail"
    metrics = ("head=10, per call", "tail=10, per call")

    def __init__(self, *, quick: bool = False) -> None:
        self.calls = 5 if quick else 50
        super().__init__(quick=quick)

    def _describe(self) -> str:
        megabytes = self.spec.big_file_bytes / 2**20
        return (
            f"read_text_file head=10 and tail=10 of a {megabytes:g} MiB file: "
            f"median of {self.calls} calls each per run"
        )

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        fixture = self.fixture(root)
        start(server, "read_text_file", {"path": str(fixture.small_file), "head": 1})
        path = str(fixture.big_file)
        timings: dict[str, float] = {}
        for metric, cut in zip(self.metrics, ("head", "tail"), strict=True):
            samples = [
                timed_call(server, "read_text_file", {"path": path, cut: 10})[0] for _ in range(self.calls)
            ]
            timings[metric] = statistics.median(samples)
        return timings


class CheapCalls(_TreeScenario):
    name = "cheap-calls"
    metrics = ("all calls", "p50 per call", "p99 per call")

    def __init__(self, *, quick: bool = False) -> None:
        self.calls = 20 if quick else 500
        super().__init__(quick=quick)

    def _describe(self) -> str:
        return f"{self.calls} sequential get_file_info calls on one server"

    def measure(self, server: Server, root: Path) -> dict[str, float]:
        arguments = {"path": str(self.fixture(root).small_file)}
        start(server, "get_file_info", arguments)
        samples = [timed_call(server, "get_file_info", arguments)[0] for _ in range(self.calls)]
        percentiles = statistics.quantiles(samples, n=100, method="inclusive")
        return {"all calls": sum(samples), "p50 per call": percentiles[49], "p99 per call": percentiles[98]}

    def calls_timed(self, metric: str) -> int | None:
        return self.calls if metric == "all calls" else None


for _scenario in (SearchFiles, ContentSearch, DirectoryTree, ListDirectory, ReadHeadTail, CheapCalls):
    register(_scenario())
