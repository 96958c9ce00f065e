"""Command line: ``python -m benchmarks SCENARIO... [--runs N] [--servers a,b,c] [--quick]``.

Prints a markdown report on stdout, one section per scenario, and progress on stderr. Servers
and baseline tools that are not installed are skipped with a note, and so is a scenario whose
fixture needs a service that is not there (PostgreSQL), so the same command works before every
server or peer exists. Without ``--runs``, each scenario runs its own default count
(heavy ones fewer). Examples::

    python -m benchmarks cold-start --runs 10 --servers sdk-hello,filesystem,ref-filesystem
    python -m benchmarks search-files grep --servers filesystem,ref-filesystem
    python -m benchmarks cold-start --servers sdk-hello --command 'mine=python my_server.py {root}'
    python -m benchmarks --list
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from benchmarks import harness, report, scenarios, servers


def main(argv: Sequence[str] | None = None) -> int:
    registry = scenarios.load()
    arguments = _parser().parse_args(argv)
    if arguments.list:
        print(_listing(registry))
        return 0
    if not arguments.scenarios:
        return _usage_error("name a scenario, or pass --list to see them")
    unknown = [name for name in arguments.scenarios if name not in registry]
    if unknown:
        return _usage_error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(registry)}")
    try:
        specs = _selected_servers(arguments.servers, arguments.command)
    except (KeyError, ValueError) as error:
        return _usage_error(str(error).strip("'\""))

    notes = [f"{spec.name}: skipped, {reason}" for spec in specs if (reason := spec.missing())]
    runnable = [spec for spec in specs if spec.missing() is None]
    notes += [
        f"{spec.name}: its venv has no .pyc for `mcp`, so its start-up includes compiling"
        for spec in runnable
        if spec.bytecode_missing()
    ]
    if not runnable:
        print("\n".join(notes), file=sys.stderr)
        return 1
    all_measured = True
    for name in arguments.scenarios:
        scenario = registry[name].quick() if arguments.quick else registry[name]
        all_measured &= _run(scenario, runnable, notes, arguments)
    return 0 if all_measured else 1


def _run(
    scenario: scenarios.Scenario,
    specs: Sequence[servers.ServerSpec],
    notes: Sequence[str],
    arguments: argparse.Namespace,
) -> bool:
    """Run one scenario, print its report, and say whether any row produced numbers."""
    baselines = scenario.baselines()
    notes = [*notes, *(f"{tool.name}: skipped, {reason}" for tool in baselines if (reason := tool.missing()))]
    runs = arguments.runs or scenario.default_runs
    try:
        results = harness.run_scenario(
            scenario,
            specs,
            runs=runs,
            warmup=arguments.warmup,
            timeout=arguments.timeout or scenario.default_timeout,
            progress=_progress,
            baselines=[tool for tool in baselines if tool.missing() is None],
        )
    except scenarios.FixtureUnavailable as reason:
        print(report.render_skipped(scenario, str(reason)), flush=True)
        return False
    print(report.render(scenario, results, runs=runs, notes=notes), flush=True)
    return any(result.timings for result in results)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Benchmark stdio MCP servers.")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="what to measure, in this order")
    parser.add_argument("--list", action="store_true", help="list scenarios and servers, then exit")
    parser.add_argument(
        "--runs", type=_positive_int, help="measured runs per server (default: the scenario's own)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small fixtures and few calls: checks that everything runs"
    )
    parser.add_argument("--warmup", type=_non_negative_int, default=1, help="unmeasured runs first")
    parser.add_argument(
        "--servers",
        default=",".join(servers.SERVERS),
        help=f"comma-separated names, baseline first (default: all, starting with {servers.BASELINE})",
    )
    parser.add_argument(
        "--command",
        action="append",
        default=[],
        metavar="NAME=COMMAND",
        help="also run any stdio MCP server; {root} in COMMAND is the scenario's directory",
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds to wait for one response (default: the scenario's own)"
    )
    return parser


def _selected_servers(names: str, commands: Sequence[str]) -> list[servers.ServerSpec]:
    specs = servers.resolve([name.strip() for name in names.split(",") if name.strip()])
    specs += [servers.custom(command) for command in commands]
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ValueError(f"server {spec.name!r} is listed twice; give each server one name")
        seen.add(spec.name)
    return specs


def _listing(registry: dict[str, scenarios.Scenario]) -> str:
    lines = ["scenarios:"]
    lines += [f"  {name:16} {scenario.description}" for name, scenario in registry.items()]
    lines.append("servers:")
    for spec in servers.SERVERS.values():
        lines.append(f"  {spec.name:16} {spec.missing() or ' '.join(spec.command)}")
    return "\n".join(lines)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _usage_error(message: str) -> int:
    print(f"python -m benchmarks: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
