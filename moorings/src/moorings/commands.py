"""What each `moorings` subcommand does, given its parsed options; each returns the exit status."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
from pathlib import Path

from moorings.catalog import Server, all_servers, server_named
from moorings.errors import MooringsCliError, UsageError
from moorings.hosts import Host, host_named
from moorings.launch import Launch, find_uvx, plan_launch
from moorings.places import Place
from moorings.snippets import hidden, host_snippet

__all__ = ["config", "doctor", "install", "list_servers", "warm"]


def list_servers(options: argparse.Namespace, server_args: object) -> int:
    if options.server:
        server = _server(options.server)
        print(json.dumps(dataclasses.asdict(server), indent=2) if options.json else _describe(server))
        return 0
    servers = all_servers().values()
    if options.json:
        print(json.dumps([dataclasses.asdict(server) for server in servers], indent=2))
        return 0
    shared = set.intersection(*({option.flag for option in server.options} for server in servers))
    width = max(len(server.distribution) for server in servers)
    for server in servers:
        print(f"{server.distribution:<{width}}  {server.version:<8}  {server.summary}")
        flags = " ".join(_flags(server, shared))
        print(
            textwrap.fill(
                flags, width=100, initial_indent="    ", subsequent_indent="    ", break_on_hyphens=False
            )
        )
    common = ", ".join(option.flag for option in next(iter(servers)).options if option.flag in shared)
    print(f"\nEvery server also takes {common} and --config FILE.")
    print("moorings list NAME shows a server's settings; moorings config HOST NAME -- ARGS, its entry.")
    return 0


def _flags(server: Server, shared: set[str]) -> list[str]:
    """The server's own settings as its command line spells them (`DIR...`, `[apis.NAME]`, `--read-only`)."""
    return [option.flag + ("..." if option.positional and option.many else "")
            for option in server.options if option.flag not in shared]  # fmt: skip


def _describe(server: Server) -> str:
    lines = [f"{server.distribution} {server.version}: {server.summary}", "", server.description, ""]
    for option in server.options:
        if option.from_file_only:
            shown = f"{option.flag} (config file only)"
        elif option.positional:
            shown = f"{option.flag}{'...' if option.many else ''}"
        else:
            shown = option.flag if not option.takes_value else f"{option.flag} {option.metavar}"
        default = "required" if option.required else f"default: {option.default}"
        secret = "; secret: kept out of the arguments" if option.secret else ""
        lines.append(f"  {shown}")
        lines.append(f"      {option.description} [{default}; env: {option.env_var}{secret}]")
    return "\n".join(lines)


def config(options: argparse.Namespace, server_args: list[str]) -> int:
    host, launch, name = _plan(options, server_args)
    place = Place.current()
    path = host.config_path(place, options.scope)
    masked = hidden(launch)
    print(host_snippet(host, masked, name), end="")
    print(f"# {host.title}: add this to {path}", file=sys.stderr)
    if masked != launch and host.secrets == "literal":
        print(
            f"# Secrets are not shown: replace each <MOORINGS_...> value with the secret, or let "
            f"`moorings install {host.key} {launch.server.name} ...` write it for you.",
            file=sys.stderr,
        )
    return 0


def install(options: argparse.Namespace, server_args: list[str]) -> int:
    from moorings.installing import install as put
    from moorings.warming import warm as fill_cache

    host, launch, name = _plan(options, server_args)
    if not options.no_warm:
        fill_cache(launch, quiet=False)
    done = put(
        host,
        launch,
        name=name,
        scope=options.scope,
        place=Place.current(),
        force=options.force,
        use_host_cli=not options.no_host_cli,
    )
    via = f" with `{' '.join(done.command[:3])}`" if done.command else ""
    print(f"{done.action} {name!r} in {done.path}{via}")
    if done.backup:
        print(f"the file as it was is in {done.backup}")
    for note in _secret_notes(host, launch):
        print(note)
    for note in host.notes:
        print(note)
    return 0


def doctor(options: argparse.Namespace, server_args: object) -> int:
    from moorings.doctoring import diagnose

    return diagnose(host_named(options.host) if options.host else None, Place.current())


def warm(options: argparse.Namespace, server_args: object) -> int:
    from moorings.warming import warm as fill_cache

    links = tuple(str(Path(folder).expanduser().absolute()) for folder in options.find_links)
    launch = Launch(server=_server(options.server), command=_uvx(options), server_args=(), find_links=links)
    fill_cache(launch, quiet=False)
    return 0


def _plan(options: argparse.Namespace, server_args: list[str]) -> tuple[Host, Launch, str]:
    host = host_named(options.host)
    if options.scope not in host.scopes:
        raise UsageError(f"{host.title} has no {options.scope} scope; it has: {', '.join(host.scopes)}")
    server = _server(options.server)
    place = Place.current()
    launch = plan_launch(
        server,
        server_args,
        uvx=_uvx(options),
        cwd=place.project,
        environ=place.environ,
        find_links=options.find_links,
    )
    return host, launch, options.name or server.name


def _server(name: str) -> Server:
    try:
        return server_named(name)
    except LookupError as exc:
        raise UsageError(str(exc)) from None


def _uvx(options: argparse.Namespace) -> str:
    if options.uvx:
        path = Path(options.uvx).expanduser().absolute()
        if not path.is_file():
            raise UsageError(f"--uvx {options.uvx}: there is no such file")
        return str(path)
    place = Place.current()
    found = find_uvx(place)
    if found is None:
        raise MooringsCliError(
            "uvx is not installed (or not where moorings looks: PATH, ~/.local/bin, ~/.cargo/bin); "
            "install uv (https://docs.astral.sh/uv/getting-started/installation/), or name it with --uvx PATH"
        )
    return found


def _secret_notes(host: Host, launch: Launch) -> list[str]:
    if not launch.secrets or host.secrets == "literal":
        return []
    names = ", ".join(launch.secrets)
    if host.secrets == "input":
        return [f"{host.title} asks for {names} the first time it starts the server, and keeps it."]
    return [
        f"{host.title} reads {names} from its own environment: set it where {host.title} starts "
        "(the value given here is not written to the file)."
    ]
