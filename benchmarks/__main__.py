"""Command line: ``python -m benchmarks SCENARIO [--runs N] [--servers a,b,c]``.

Prints a markdown report on stdout and progress on stderr. Servers that are not installed are
skipped with a note, so the same command works before every server or peer exists. Examples::

    python -m benchmarks cold-start --runs 10 --servers sdk-hello,filesystem,ref-filesystem
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
    arguments = _parser(sorted(registry)).parse_args(argv)
    if arguments.list:
        print(_listing(registry))
        return 0
    if arguments.scenario is None:
        return _usage_error("name a scenario, or pass --list to see them")
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
    results = harness.run_scenario(
        registry[arguments.scenario],
        runnable,
        runs=arguments.runs,
        warmup=arguments.warmup,
        timeout=arguments.timeout,
        progress=_progress,
    )
    print(report.render(registry[arguments.scenario], results, runs=arguments.runs, notes=notes), end="")
    return 0 if any(result.failure is None for result in results) else 1


def _parser(scenario_names: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Benchmark stdio MCP servers.")
    parser.add_argument("scenario", nargs="?", choices=scenario_names, help="what to measure")
    parser.add_argument("--list", action="store_true", help="list scenarios and servers, then exit")
    parser.add_argument("--runs", type=_positive_int, default=10, help="measured runs per server")
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
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one response")
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
