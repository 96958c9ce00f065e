"""Turn raw samples into the markdown a person reads: one table per metric, ratios to a baseline.

Medians, because a noisy machine adds long outliers but rarely makes anything faster; min and
max beside them show the spread. The baseline is the first row that produced numbers (a
command-line tool when the scenario has one, else the first server), so the ratio column answers
"how many times the baseline's time" (below 1.00× is faster). A server without a tool for the
scenario gets a row of "n/a"; a batch metric gets a calls-per-second column; what each row got
back is listed under the tables, so a fast row that did less work is easy to spot. A metric with
a budget (a margin over the baseline: "at most 50 ms more than a bare SDK server") gets two more
columns: each row's difference to the baseline's median, and whether that is within the budget.
A scenario that names a `peer` (the reference server, when the first row is a command-line tool)
gets a second ratio column against that row, when it has numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.harness import Result
from benchmarks.memory import SAMPLE_INTERVAL
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
    """The markdown report: a heading, one table per metric, then what came back and notes."""
    shown = [
        result for result in results if result.unsupported or (result.failure is None and result.timings)
    ]
    lines = [f"## {scenario.name}: {scenario.description}", ""]
    lines.append(_how_measured(scenario, runs))
    for metric in scenario.metrics:
        calls, budget = scenario.calls_timed(metric), scenario.budget(metric)
        lines += ["", *_metric_table(metric, shown, calls, budget, scenario.peer)]
    returned = [f"{result.server} returned {result.returned}" for result in shown if result.returned]
    failures = [f"{result.server}: failed, {result.failure}" for result in results if result.failure]
    unsupported = [f"{result.server}: n/a, {result.unsupported}" for result in shown if result.unsupported]
    if returned or failures or unsupported or notes:
        lines += ["", *(f"- {note}" for note in [*returned, *notes, *unsupported, *failures])]
    return "\n".join(lines) + "\n"


def render_skipped(scenario: Scenario, reason: str) -> str:
    """The section of a scenario that could not run: its heading and why."""
    return f"## {scenario.name}: {scenario.description}\n\nNot run: {reason}.\n"


def _how_measured(scenario: Scenario, runs: int) -> str:
    unit = "round" if scenario.keeps_servers else "run"
    counted = f"{runs} {unit}{'' if runs == 1 else 's'}"
    where = " on one process each" if scenario.keeps_servers else ""
    whose = (
        f" of the server and its child processes together (sampled every {SAMPLE_INTERVAL * 1000:g} ms)"
        if scenario.rss_with_children
        else ""
    )
    return f"{counted} per server{where}, interleaved; peak RSS is the median of the per-{unit} peaks{whose}."


def _metric_table(
    metric: str, results: Sequence[Result], calls: int | None, budget: float | None, peer: str | None
) -> list[str]:
    measured = [result for result in results if metric in result.timings]
    if not measured:
        return [f"### {metric}", "", "No server produced numbers."]
    summaries = {result.server: Summary.of(result.timings[metric]) for result in measured}
    baseline = measured[0].server
    if peer == baseline or peer not in summaries:
        peer = None  # the first ratio column is already against it, or it has no numbers here
    headers = ["median", "min", "max", *(["calls/s"] if calls else []), "peak RSS", f"ratio vs {baseline}"]
    headers += [f"ratio vs {peer}"] if peer else []
    if budget is not None:
        headers += [f"Δ vs {baseline}", f"within +{budget * 1000:g} ms"]
    rows = [
        f"### {metric}",
        "",
        _row("server", headers),
        "|---|" + "---:|" * (len(headers) - (budget is not None)) + ("---|" if budget is not None else ""),
    ]
    for result in results:
        summary = summaries.get(result.server)
        if summary is None:
            if result.unsupported:
                rows.append(_row(result.server, ["n/a"] * len(headers)))
            continue
        baseline_median = summaries[baseline].median
        cells = [_duration(summary.median), _duration(summary.minimum), _duration(summary.maximum)]
        if calls:
            cells.append(f"{calls / summary.median:,.0f}")
        cells += [_memory(result.peak_rss), _ratio(summary.median / baseline_median)]
        cells += [_ratio(summary.median / summaries[peer].median)] if peer else []
        if budget is not None:
            over = summary.median - baseline_median
            cells += ["", ""] if result.server == baseline else [_signed(over), _verdict(over, budget)]
        rows.append(_row(result.server, cells))
    return rows


def _row(first: str, cells: Sequence[str]) -> str:
    return "| " + " | ".join([first, *cells]) + " |"


def _duration(seconds: float) -> str:
    # Past ten seconds (a slow server paging a big document), seconds read better than five digits of ms.
    if seconds >= 100:
        return f"{seconds:,.0f} s"
    if seconds >= 10:
        return f"{seconds:.1f} s"
    milliseconds = seconds * 1000
    if milliseconds >= 100:
        return f"{milliseconds:.0f} ms"
    if milliseconds >= 10:
        return f"{milliseconds:.1f} ms"
    # A cheap call's budget is a fraction of a millisecond: show it to the microsecond.
    return f"{milliseconds:.2f} ms" if milliseconds >= 1 else f"{milliseconds:.3f} ms"


def _signed(seconds: float) -> str:
    return ("-" if seconds < 0 else "+") + _duration(abs(seconds))


def _verdict(over: float, budget: float) -> str:
    return "yes" if over <= budget else f"no, {_duration(over - budget)} over"


def _ratio(ratio: float) -> str:
    # Two decimals, unless that would round a much faster row down to "0.00×".
    return f"{ratio:.2f}×" if ratio >= 0.1 else f"{ratio:.2g}×"


def _memory(peaks: Sequence[int]) -> str:
    return f"{statistics.median(peaks) / _MIB:.1f} MiB" if peaks else "n/a"
