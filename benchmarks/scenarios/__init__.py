"""Scenarios by name: each module in this package defines one and registers it on import.

A scenario builds a fixture once per invocation (`prepare`), then measures one fresh server per
run (`measure`) and returns seconds per metric, timed from whatever point it chooses
(`server.started_at` for start-up, its own clock around a call for everything else). To add
one, drop a module here that calls `register(MyScenario())`; `load()` imports every module.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from benchmarks.harness import Server


class Scenario(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    metrics: ClassVar[tuple[str, ...]]

    def prepare(self, root: Path) -> None:  # noqa: B027 (most scenarios need a fixture; some do not)
        """Build the fixture that every server of this invocation works on, under `root`."""

    @abstractmethod
    def measure(self, server: Server, root: Path) -> dict[str, float]:
        """Drive one freshly spawned `server` and return seconds for each name in `metrics`."""


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
