"""`moorings doctor`: find each host's config, check every Moorings entry in it, and start each server.

Each failure line says what to run to fix it. The checks, in the order a host meets them:
the command exists and is absolute (a GUI host does not search the shell's PATH), the release is
pinned and already in uv's cache (else the host's first start is a download), paths are absolute,
secrets the entry refers to can be found, and the server starts (its own check of its arguments:
a bad one stops it with one line) within the host's start-up limit and lists its tools.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from moorings.catalog import Server
from moorings.entries import entry_argv, server_of
from moorings.errors import MooringsCliError
from moorings.files import read_text
from moorings.formats import FormatError, open_document
from moorings.hosts import HOSTS, Host
from moorings.places import Place

__all__ = ["Finding", "check_entry", "diagnose", "moorings_entries"]

START_TIMEOUT = 120.0
_REFERENCE = re.compile(
    r"^\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}$|^\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}$"
)


@dataclass
class Finding:
    """The checks of one entry: each a passed (True) or failed (False) line, and what to run to fix."""

    lines: list[tuple[bool, str]] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)

    def passed(self, text: str) -> None:
        self.lines.append((True, text))

    def failed(self, text: str, fix: str) -> None:
        self.lines.append((False, text))
        self.fixes.append(fix)

    @property
    def ok(self) -> bool:
        return all(good for good, _ in self.lines)


def diagnose(only: Host | None, place: Place) -> int:
    """Print what each host's Moorings entries need; exit status 1 when anything must be fixed."""
    healthy = True
    found_any = False
    for host in [only] if only else HOSTS.values():
        for scope in host.scopes:
            path = Path(host.config_path(place, scope))
            entries = _entries_of(host, path)
            if entries is None:
                continue
            found_any = True
            print(f"{host.title} ({scope}): {path}")
            if isinstance(entries, str):
                print(f"  FAIL  {entries}")
                healthy = False
                continue
            if not entries:
                print("  no Moorings servers here")
            for name, server, entry in entries:
                finding = check_entry(host, name, server, entry, place)
                healthy = healthy and finding.ok
                _show(name, server, finding)
    if not found_any:
        where = only.title if only else "any host moorings knows"
        print(f"no config file of {where} was found; see: moorings install --help")
    return 0 if healthy else 1


def _entries_of(host: Host, path: Path) -> list[tuple[str, Server, dict[str, Any]]] | str | None:
    """The Moorings entries in the file, a reason it cannot be read, or None when there is no file."""
    try:
        text = read_text(path)
    except MooringsCliError as exc:
        return str(exc)
    if text is None:
        return None
    try:
        document = open_document(host.format, text)
    except FormatError as exc:
        return f"{path} cannot be read as {host.format.upper()}: {exc}"
    return list(moorings_entries(host, document.get(list(host.container))))


def moorings_entries(host: Host, container: object) -> Iterator[tuple[str, Server, dict[str, Any]]]:
    """Each entry of a host's servers table (or list) that runs a Moorings server."""
    if host.named_list:
        listed = container if isinstance(container, list) else []
        items = [(item.get("name"), item) for item in listed if isinstance(item, dict)]
    else:
        items = list(container.items()) if isinstance(container, dict) else []
    for name, entry in items:
        if not isinstance(entry, dict) or not isinstance(name, str):
            continue
        server = server_of(entry)
        if server is not None:
            yield name, server, entry


def check_entry(host: Host, name: str, server: Server, entry: Mapping[str, Any], place: Place) -> Finding:
    finding = Finding()
    argv = entry_argv(entry)
    given = argv[argv.index(server.command) + 1 :] if server.command in argv else []
    reinstall = shlex.join(
        [
            "moorings",
            "install",
            host.key,
            server.name,
            "--name",
            name,
            "--force",
            *(["--", *given] if given else []),
        ]
    )
    if not _check_command(finding, argv, reinstall):
        return finding
    _check_pin(finding, server, argv, reinstall)
    _check_paths(finding, server, argv, reinstall)
    env, missing = _environment(entry, place.environ)
    for variable in missing:
        finding.failed(
            f"{variable} is not set here, so the server cannot be started to check it",
            f"set {variable} in the environment {host.title} starts from (and here, to check it)",
        )
    if not missing:
        _check_start(finding, host, entry, argv, env, reinstall)
    return finding


def _check_command(finding: Finding, argv: list[str], reinstall: str) -> bool:
    if not argv:
        finding.failed("the entry has no command", reinstall)
        return False
    command = argv[0]
    if not PurePath(command).is_absolute():
        finding.failed(
            f"the command {command!r} is not an absolute path: a host started from the desktop does not "
            "search the shell's PATH (`spawn uvx ENOENT`)",
            reinstall,
        )
        return False
    if not Path(command).is_file():
        finding.failed(f"the command {command} does not exist", f"install uv, then: {reinstall}")
        return False
    finding.passed(f"command {command}")
    return True


def _check_pin(finding: Finding, server: Server, argv: list[str], reinstall: str) -> None:
    pinned = next((word for word in argv if word.startswith(server.distribution + "==")), None)
    if pinned is None:
        finding.failed(
            f"{server.distribution} is not pinned to a release: uvx runs whatever copy its cache holds",
            reinstall,
        )
        return
    in_cache = _cached(argv, server)
    if not in_cache:
        finding.failed(
            f"{pinned} is not in uv's cache: the host's first start will download it",
            f"moorings warm {server.name}",
        )
    else:
        finding.passed(f"{pinned} is in uv's cache")
    if pinned != server.requirement:
        finding.passed(f"(moorings knows {server.requirement}: `{reinstall}` moves to it)")


def _cached(argv: list[str], server: Server) -> bool:
    """Whether uvx can start the entry's release without the network: its own options, `--offline`."""
    uvx_options = argv[1 : argv.index(server.command)] if server.command in argv else []
    try:
        done = subprocess.run(
            [argv[0], "--offline", *uvx_options, server.command, "--version"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _check_paths(finding: Finding, server: Server, argv: list[str], reinstall: str) -> None:
    from moorings.launch import plan_launch

    given = argv[argv.index(server.command) + 1 :] if server.command in argv else []
    try:
        # Read from two different folders, relative paths would come out different.
        here, there = (
            plan_launch(server, given, uvx=argv[0], cwd=PurePath(folder), environ={})
            for folder in ("/a", "/b")
        )
    except MooringsCliError as exc:
        finding.failed(f"the arguments are not {server.command}'s: {exc}", reinstall)
        return
    if here.secrets:
        finding.failed(
            f"{', '.join(here.secrets)} is in the arguments, where the process list shows it", reinstall
        )
    if here.server_args != there.server_args:
        finding.failed("a path argument is relative: hosts start servers in a folder of their own", reinstall)


def _environment(entry: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The variables to start the entry with, its references resolved here, and those that are missing."""
    declared = entry.get("env", entry.get("envs"))
    env: dict[str, str] = {}
    missing: list[str] = []
    for variable, value in declared.items() if isinstance(declared, dict) else []:
        referenced = _referenced(str(variable), str(value))
        if referenced is None:
            env[str(variable)] = str(value)
        elif environ.get(referenced):
            env[str(variable)] = environ[referenced]
        else:
            missing.append(referenced)
    for key in ("env_vars", "env_keys"):  # Codex and Goose pass these through from their environment
        for variable in entry.get(key) or []:
            if environ.get(variable):
                env[variable] = environ[variable]
            else:
                missing.append(variable)
    return env, missing


def _referenced(variable: str, value: str) -> str | None:
    """The variable a value refers to (`${VAR}`, `${env:VAR}`, `${{ secrets.VAR }}`), or None for a value."""
    if value.startswith("${input:"):
        return variable  # VS Code's prompt: the value lives in VS Code; here, only the variable can give it
    reference = _REFERENCE.match(value)
    return None if reference is None else reference.group(1) or reference.group(2)


def _check_start(
    finding: Finding,
    host: Host,
    entry: Mapping[str, Any],
    argv: list[str],
    env: dict[str, str],
    reinstall: str,
) -> None:
    import anyio

    limit = host.startup_limit_of(entry)
    try:
        took, tools = anyio.run(_start, argv, env)
    except _StartFailed as exc:
        finding.failed(f"the server did not start: {exc}", reinstall)
        return
    within = "" if limit is None else f" (the limit of {host.title} is {limit:g} s)"
    if limit is not None and took > limit:
        finding.failed(
            f"started in {took:.1f} s, longer than {host.title} waits{within}",
            f"moorings warm {_name_of(argv)}; {host.startup_note}",
        )
    else:
        finding.passed(f"started in {took:.1f} s{within} and lists {tools} tool{'s' if tools != 1 else ''}")


def _name_of(argv: list[str]) -> str:
    return next((word for word in argv if word.startswith("moorings-") and "==" not in word), "SERVER")


class _StartFailed(Exception):
    pass


async def _start(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Spawn the entry as the host would, handshake, list its tools; the seconds to the handshake."""
    import os

    import anyio
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=argv[0], args=argv[1:], env={**os.environ, **env})
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as errors:
        started = time.perf_counter()
        try:
            with anyio.fail_after(START_TIMEOUT):
                async with Client(stdio_client(params, errlog=errors), mode="legacy") as client:
                    took = time.perf_counter() - started
                    tools = await client.list_tools()
                    return took, len(tools.tools)
        except Exception as exc:
            errors.seek(0)
            said = [line for line in errors.read().splitlines() if line.strip()]
            raise _StartFailed(said[-1] if said else f"{type(exc).__name__}: {exc}") from None


def _show(name: str, server: Server, finding: Finding) -> None:
    print(f"  {name}: {server.distribution}")
    for good, text in finding.lines:
        print(f"    {'ok  ' if good else 'FAIL'}  {text}")
    for fix in dict.fromkeys(finding.fixes):
        print(f"    fix:  {fix}")
