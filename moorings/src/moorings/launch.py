"""How a host starts a server: the exact program, arguments and secrets, decided once for every host.

An entry that works the first time, whatever the host:
- the program is uvx by its absolute path: a GUI host does not inherit the shell's PATH
  (`spawn uvx ENOENT`);
- the server is pinned to the exact release this front door knows (`--from moorings-x==V`): uvx
  would otherwise run whatever copy its cache already holds;
- every path argument is absolute: hosts start servers in a directory of their own choosing, and
  some ignore `cwd`;
- a secret setting never travels as an argument, where the process list and the host's logs show
  it: it becomes the setting's environment variable, which each host fills its own way.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from moorings.catalog import Option, Server
from moorings.errors import UsageError
from moorings.places import Place
from moorings_core.config import PATH_STYLES

__all__ = ["Launch", "find_uvx", "plan_launch"]


@dataclass(frozen=True)
class Launch:
    """One server as a host runs it."""

    server: Server
    command: str  # the absolute path of uvx
    server_args: tuple[str, ...]  # what follows the server's own command, paths made absolute
    secrets: Mapping[str, str | None] = field(default_factory=dict)  # variable -> value (None: not given)
    find_links: tuple[str, ...] = ()  # folders of wheels uvx also looks in (a release not on PyPI)

    @property
    def uvx_args(self) -> list[str]:
        """uvx's own options: where to find the release, and which release."""
        links = [word for folder in self.find_links for word in ("--find-links", folder)]
        return [*links, "--from", self.server.requirement]

    @property
    def args(self) -> list[str]:
        return [*self.uvx_args, self.server.command, *self.server_args]

    @property
    def argv(self) -> list[str]:
        return [self.command, *self.args]


def plan_launch(
    server: Server,
    server_args: Sequence[str],
    *,
    uvx: str,
    cwd: PurePath,
    environ: Mapping[str, str],
    find_links: Sequence[str] = (),
) -> Launch:
    """Check `server_args` against the server's settings and write them as a host must run them.

    Secret settings given on the command line move to their variables; a secret variable already
    set in `environ` (`MOORINGS_OPENAPI_BEARER_TOKEN=... moorings install ...`, the way that keeps
    it out of the shell's history) is taken too.
    """
    kept: list[str] = []
    secrets: dict[str, str | None] = {}
    given: set[str] = set()
    for option, value, flag in _read(server, list(server_args)):
        given.add(option.name if option else "config")
        if option is not None and option.secret:
            _add_secret(secrets, option, value)
            continue
        if value is not None:
            value = _absolute(option, value, cwd)
        kept.extend(_spelt(flag, value))
    for option in server.options:
        if option.secret and option.env_var not in secrets and environ.get(option.env_var):
            secrets[option.env_var] = environ[option.env_var]
            given.add(option.name)
    _check_required(server, given, secrets)
    links = tuple(_absolute(None, folder, cwd) for folder in find_links)
    return Launch(server=server, command=uvx, server_args=tuple(kept), secrets=secrets, find_links=links)


def _read(server: Server, tokens: list[str]) -> Iterator[tuple[Option | None, str | None, str | None]]:
    """Each setting given: its option (None for --config), its value, and its flag (None: positional)."""
    flags = server.flags
    index = 0
    while index < len(tokens):
        argument = tokens[index]
        index += 1
        if argument == "--":
            for rest in tokens[index:]:
                yield _positional(server, rest)
            return
        if not argument.startswith("-") or argument == "-":
            yield _positional(server, argument)
            continue
        name, equals, inline = argument.partition("=")
        if name in ("--help", "-h", "--version"):
            raise UsageError(f"{name} is not a setting: a host entry needs the settings the server runs with")
        if name == "--config":
            value, index = _value_of(name, equals, inline, tokens, index)
            yield None, value, name
            continue
        option = flags.get(name) or _negated(flags, name)
        if option is None:
            raise UsageError(_unknown_flag(server, name))
        if option.takes_value:
            value, index = _value_of(name, equals, inline, tokens, index)
            _check_choice(server, option, value)
            yield option, value, name
        elif equals:
            raise UsageError(f"{name} takes no value: write {name} or --no-{option.flag[2:]}")
        else:
            yield option, None, name


def _spelt(flag: str | None, value: str | None) -> list[str]:
    """A setting written back as arguments: a positional value, a switch, or a flag and its value."""
    if flag is None:
        return [value or ""]
    return [flag] if value is None else [flag, value]


def _positional(server: Server, argument: str) -> tuple[Option | None, str | None, str | None]:
    option = server.positional
    if option is None:
        raise UsageError(f"{server.command} takes no positional arguments, but {argument!r} was given")
    return option, argument, None


def _negated(flags: Mapping[str, Option], name: str) -> Option | None:
    if not name.startswith("--no-"):
        return None
    option = flags.get("--" + name.removeprefix("--no-"))
    return option if option is not None and not option.takes_value else None


def _value_of(name: str, equals: str, inline: str, tokens: list[str], index: int) -> tuple[str, int]:
    if equals:
        return inline, index
    if index >= len(tokens):
        raise UsageError(f"{name} needs a value")
    return tokens[index], index + 1


def _check_choice(server: Server, option: Option, value: str) -> None:
    if option.choices and value.upper() not in {choice.upper() for choice in option.choices}:
        raise UsageError(f"{server.command} {option.flag}: must be {option.allowed}, got {value!r}")


def _unknown_flag(server: Server, name: str) -> str:
    known = ", ".join(["--config", *server.flags])
    return (
        f"{server.command} has no setting {name}; its flags are: {known} (see: moorings list {server.name})"
    )


def _absolute(option: Option | None, value: str, cwd: PurePath) -> str:
    """The value with its path, if it has one, made absolute against `cwd` (and `~` expanded)."""
    style = "whole" if option is None else option.path_style
    if style is None:
        return value
    parts = PATH_STYLES[style](value)
    if parts is None or not parts[1]:
        return value  # a URL, or a malformed value the server will explain
    head, text = parts
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path(os.path.normpath(cwd / path))
    return head + str(path)


def _add_secret(secrets: dict[str, str | None], option: Option, value: str | None) -> None:
    if not option.many:
        secrets[option.env_var] = value
        return
    # A list from a variable is a JSON array: a header's value may hold a comma.
    earlier = secrets.get(option.env_var)
    items = json.loads(earlier) if earlier else []
    secrets[option.env_var] = json.dumps([*items, value])


def _check_required(server: Server, given: set[str], secrets: Mapping[str, str | None]) -> None:
    if "config" in given:
        return  # the file may give what the arguments do not
    for option in server.options:
        if option.required and option.name not in given and option.env_var not in secrets:
            how = f"give {option.flag}" if option.positional else f"pass {option.flag}"
            raise UsageError(f"{server.command} needs {option.flag}: {how} after `--` ({option.description})")


def find_uvx(place: Place) -> str | None:
    """The absolute path of uvx: on PATH, beside the uv running us, or where uv's installers put it."""
    name = "uvx.exe" if place.system == "windows" else "uvx"
    found = shutil.which(name, path=place.environ.get("PATH"))
    if found:
        return str(Path(found).absolute())
    beside_uv = [Path(place.environ["UV"]).with_name(name)] if place.environ.get("UV") else []
    usual = [Path(place.home) / ".local" / "bin" / name, Path(place.home) / ".cargo" / "bin" / name]
    if place.system == "darwin":
        usual += [Path("/opt/homebrew/bin/uvx"), Path("/usr/local/bin/uvx")]
    return next((str(path) for path in [*beside_uv, *usual] if path.is_file()), None)
