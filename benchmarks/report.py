"""Turn raw samples into the markdown a person reads: one table per metric, ratios to a baseline.

Medians, because a noisy machine adds long outliers but rarely makes anything faster; min and
max beside them show the spread. The baseline is the first server that produced numbers, so the
ratio column answers "how many times the baseline's time" (below 1.00× is faster).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.harness import Result
from benchmarks.scenarios import Scenario

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Summary:
    median: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(statistics.median(samples), min(samples), max(samples))


def render(scenario: Scenario, results: Sequence[Result], *, runs: int, notes: Sequence[str] = ()) -> str:
    """The markdown report: a heading, one table per metric, then notes on skipped servers."""
    measured = [result for result in results if result.failure is None and result.timings]
    lines = [f"## {scenario.name}: {scenario.description}", ""]
    lines.append(f"{runs} runs per server, interleaved; peak RSS is the median of the per-run peaks.")
    for metric in scenario.metrics:
        lines += ["", *_metric_table(metric, measured)]
    failures = [f"{result.server}: failed, {result.failure}" for result in results if result.failure]
    if failures or notes:
        lines += ["", *(f"- {note}" for note in [*notes, *failures])]
    return "\n".join(lines) + "\n"


def _metric_table(metric: str, results: Sequence[Result]) -> list[str]:
    if not results:
        return [f"### {metric}", "", "No server produced numbers."]
    summaries = [Summary.of(result.timings[metric]) for result in results]
    baseline = results[0].server
    rows = [
        f"### {metric}",
        "",
        f"| server | median | min | max | peak RSS | ratio vs {baseline} |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result, summary in zip(results, summaries, strict=True):
        ratio = summary.median / summaries[0].median
        rows.append(
            f"| {result.server} | {_duration(summary.median)} | {_duration(summary.minimum)}"
            f" | {_duration(summary.maximum)} | {_memory(result.peak_rss)} | {ratio:.2f}× |"
        )
    return rows


def _duration(seconds: float) -> str:
    milliseconds = seconds * 1000
    if milliseconds >= 100:
        return f"{milliseconds:.0f} ms"
    if milliseconds >= 10:
        return f"{milliseconds:.1f} ms"
    return f"{milliseconds:.2f} ms"


def _memory(peaks: Sequence[int]) -> str:
    return f"{statistics.median(peaks) / _MIB:.1f} MiB" if peaks else "n/a"
