"""The `moorings` command line: list the servers, print or install a host's entry, check, warm."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from moorings.errors import MooringsCliError, UsageError

__all__ = ["main"]

DESCRIPTION = """\
Put a Moorings MCP server into an MCP host, correctly: the exact release pinned, uvx by its
absolute path, every path argument absolute and secrets out of the arguments.

  moorings list                                   every server, what it is for, its version
  moorings list sqlite                            one server's settings
  moorings config vscode filesystem -- ~/code     print the entry the host needs
  moorings install claude-desktop sqlite -- --db-path ~/data.db
  moorings doctor                                 check every host's Moorings entries
  moorings warm sqlite                            fill uv's cache before a host first starts it
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: moorings --help)")


def _parser() -> _Parser:
    from moorings.hosts import HOSTS

    parser = _Parser(
        prog="moorings", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"moorings {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    listing = commands.add_parser("list", help="the servers, or one server's settings")
    listing.add_argument("server", nargs="?", help="a server's name, for its settings")
    listing.add_argument("--json", action="store_true", help="as JSON, for programs")

    hosts = ", ".join(HOSTS)
    for name, text in (
        ("config", "print the entry a host needs for a server"),
        ("install", "add a server to a host's config (the host's own CLI where it has one)"),
    ):
        sub = commands.add_parser(name, help=text, description=f"{text}. Server arguments follow `--`.")
        sub.add_argument("host", help=f"one of: {hosts}")
        sub.add_argument("server", help="a server's name (see: moorings list)")
        sub.add_argument("--name", help="the entry's name in the host (default: the server's name)")
        sub.add_argument("--scope", choices=("user", "project"), default="user", help="default: user")
        sub.add_argument(
            "--uvx", metavar="PATH", help="the uvx to run (default: found on PATH or where uv puts it)"
        )
        sub.add_argument(
            "--find-links",
            metavar="DIR",
            action="append",
            default=[],
            help="a folder of wheels uvx also looks in",
        )
        if name == "install":
            sub.add_argument(
                "--force", action="store_true", help="replace an entry of that name that runs something else"
            )
            sub.add_argument(
                "--no-host-cli", action="store_true", help="edit the host's file even where it has a CLI"
            )
            sub.add_argument(
                "--no-warm", action="store_true", help="do not fill uv's cache for the server now"
            )

    doctor = commands.add_parser("doctor", help="check each host's Moorings entries and start each server")
    doctor.add_argument("host", nargs="?", help=f"only this host (one of: {hosts})")

    warm = commands.add_parser("warm", help="download a server into uv's cache so a host starts it quickly")
    warm.add_argument("server")
    warm.add_argument("--uvx", metavar="PATH")
    warm.add_argument("--find-links", metavar="DIR", action="append", default=[])
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("moorings")
    except PackageNotFoundError:
        return "0+unknown"


def split_server_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """`moorings install HOST SERVER [options] -- SERVER ARGS`: what is ours, and what is the server's."""
    if "--" not in argv:
        return list(argv), []
    cut = list(argv).index("--")
    return list(argv[:cut]), list(argv[cut + 1 :])


def run(argv: Sequence[str]) -> int:
    ours, server_args = split_server_args(argv)
    options = _parser().parse_args(ours)
    if server_args and options.command not in ("config", "install"):
        raise UsageError(f"`moorings {options.command}` takes no server arguments after --")
    from moorings import commands

    handlers = {
        "list": commands.list_servers,
        "config": commands.config,
        "install": commands.install,
        "doctor": commands.doctor,
        "warm": commands.warm,
    }
    return handlers[options.command](options, server_args)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        status = run(sys.argv[1:] if argv is None else argv)
    except MooringsCliError as exc:
        print(f"moorings: error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_status) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    raise SystemExit(status)


if __name__ == "__main__":
    main()
