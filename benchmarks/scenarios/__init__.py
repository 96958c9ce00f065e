"""Scenarios by name: each module in this package defines one and registers it on import.

A scenario builds a fixture once per invocation (`prepare`), then measures one fresh server per
run (`measure`) and returns seconds per metric, timed from whatever point it chooses
(`server.started_at` for start-up, its own clock around a call for everything else). To add
one, drop a module here that calls `register(MyScenario())`; `load()` imports every module.

Optional hooks, all with do-nothing defaults: `prepare` may return another directory to serve (a
fixture cached across invocations), and raise `FixtureUnavailable` when a service it needs is not
there (the scenario is then skipped with that reason); `placeholders` fills in server commands what
only `prepare` knows (the port of a local API); `finish` undoes what `prepare` made outside
the directory (a database on a server) once every server is shut down; `baselines` names
command-line tools timed on the same fixture (`find`, `rg`), or floors timed in this process (a
plain HTTP client doing what the servers do over MCP); `quick` gives a smaller variant
that only checks that everything works; `calls_timed` turns a batch metric into calls per second;
`summarize` says in a few words what came back, so a reader can check that every row did the
same work; `budget` gives a metric a margin over the baseline, and the table then says how far
each row is from it. A server that has no tool for what the scenario measures raises
`Unsupported` and shows as "n/a".

A scenario that sets `keeps_servers` runs one process per server for the whole invocation
instead of one per run: each is spawned and readied once (`start`, untimed), then measured once
per round, the servers taking turns, so every server's numbers come from the same moments of a
noisy machine. For what a call costs once a server is warm, not for anything about start-up.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from benchmarks.baselines import Baseline, InProcessFloor
    from benchmarks.harness import Server


class Unsupported(Exception):
    """The server has nothing that does what the scenario measures; its row reads "n/a"."""


class FixtureUnavailable(Exception):
    """The scenario's fixture cannot be made here (a service not running, a client not installed)."""


class Scenario(ABC):
    name: ClassVar[str]
    description: str
    metrics: ClassVar[tuple[str, ...]]
    default_runs: ClassVar[int] = 10
    default_timeout: ClassVar[float] = 30.0  # seconds to wait for one response
    keeps_servers: ClassVar[bool] = False  # one process per server for every round (see above)
    # Peak RSS of the server and its child processes together, sampled while it measures, rather
    # than the server's own high-water mark: for servers that work in child processes.
    rss_with_children: ClassVar[bool] = False
    # A row to show a second ratio column against (the reference server beside a command-line floor).
    peer: ClassVar[str | None] = None

    def prepare(self, root: Path) -> Path | None:
        """Build the fixture that every server of this invocation works on, under `root`.

        Return another directory to serve instead of `root` (a fixture cached across
        invocations), or None to serve `root`.
        """
        return None

    def placeholders(self) -> Mapping[str, str]:
        """Values for placeholders in server commands beyond `{root}`, once `prepare` has run."""
        return {}

    def finish(self, root: Path) -> None:  # noqa: B027 - optional, like the hooks below
        """Remove what `prepare` made outside `root`; called once every server is shut down."""

    def start(self, server: Server, root: Path) -> None:  # noqa: B027 - optional, like the hooks below
        """Untimed: ready a server kept for every round, once, before its first `measure`."""

    @abstractmethod
    def measure(self, server: Server, root: Path) -> dict[str, float]:
        """Drive `server` and return seconds for each name in `metrics`.

        The server is freshly spawned, or, with `keeps_servers`, the one `start` readied and
        earlier rounds measured.
        """

    def baselines(self) -> Sequence[Baseline | InProcessFloor]:
        """Command-line tools (or in-process floors) doing the same work on the same fixture, shown first."""
        return ()

    def quick(self) -> Scenario:
        """A smaller variant, to check that everything runs; most scenarios are small already."""
        return self

    def budget(self, metric: str) -> float | None:
        """Seconds a server may take over the baseline's median for `metric`; None for no budget."""
        return None

    def calls_timed(self, metric: str) -> int | None:
        """How many calls one sample of `metric` covers, when it times a batch; None otherwise."""
        return None

    def summarize(self, output: str) -> str | None:
        """What a tool result's text or a baseline's output holds, in a few words, or None."""
        return None


_REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in _REGISTRY:
        raise ValueError(f"scenario {scenario.name!r} is registered twice")
    _REGISTRY[scenario.name] = scenario
    return scenario


def load() -> dict[str, Scenario]:
    """Import every scenario module in this package and return the registry, by name."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))
