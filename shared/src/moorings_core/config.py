"""Settings: one typed pydantic model per server, filled from four layers.

A server declares its settings as a subclass of `ServerSettings`; `load_settings`
fills it from, lowest to highest: the field defaults, a TOML file (`--config FILE`
or `MOORINGS_<SERVER>_CONFIG`), `MOORINGS_<SERVER>_<FIELD>` environment variables,
then command-line flags. The model is the single source of truth: flags, their
help, the environment variable names and the "what is allowed" wording of errors
are all derived from its fields and their pydantic constraints.

Every layer only gathers raw values (strings from flags and the environment,
typed values from TOML) and remembers where each came from; pydantic validates
the merged result once. A failure becomes one line on stderr naming the flag and
the source of the bad value, then exit status 2 -- a host showing a server's log
should see the reason, never a traceback or a usage dump. A model's own validator
gives the reason in its words; the loader adds the value it refused, except after a
validator of a whole list, whose message must name the item at fault.

Decisions worth knowing:
- Unknown flags, unknown keys in the file and unknown `MOORINGS_<SERVER>_*`
  variables are all errors: a misspelt `..._READ_ONLY` silently ignored would
  leave a server writable.
- A list from the environment is a JSON array (`["a", "b,c"]`) or, when the value
  does not start with `[`, comma-separated values with blanks dropped.
- A list from a flag (repeated, or the positional arguments) replaces the lists of
  lower layers rather than extending them.
- In the TOML file, top-level keys apply to every server reading it, and the
  `[<server>]` table overrides them; other tables belong to other servers and are
  ignored. Keys may use dashes or underscores.
- A field may also be read from other environment variables (`EnvAliases`: `DATABASE_URL`, the
  name other tools use), below its own `MOORINGS_<SERVER>_<FIELD>`; a `Secret` field's value is
  never echoed in an error or in `--help` (a DSN carries a password).
- A field typed `dict[str, Model]` is a table of named entries that only the file can give, as
  `[connections.NAME]` tables (flat, or inside the server's table); each entry is validated by
  its model, and an error names the entry and its key; paths in its fields are read as in the
  file's own keys.
- Paths expand `~` in every layer. A relative path in the file is taken relative
  to the file's directory, so a file means the same wherever the host starts us; one
  from a flag or a variable is left relative, to the current directory, as the user
  typing it means. A path is a field typed `Path` (or a list of them), or the part of
  a text that a `PathPart` marker splits out, as the PATH of sqlite's `NAME=PATH`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import textwrap
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, TypeVar, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

__all__ = [
    "PATH_AFTER_EQUALS",
    "PATH_STYLES",
    "PATH_UNLESS_URL",
    "ConfigError",
    "EnvAliases",
    "LogLevel",
    "PathPart",
    "Positional",
    "Secret",
    "ServerSettings",
    "Setting",
    "describe_settings",
    "load_settings",
]


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

_PathSplit = Callable[[str], tuple[str, str] | None]
"""Cuts a text into what comes before its path and the path, or finds no path in it (None)."""


class ServerSettings(BaseModel):
    """The settings every Moorings server has; each server subclasses it with its own fields."""

    # validate_default: a required list declared as `default_factory=list, min_length=1`
    # must fail when no layer gives it. allow_inf_nan: no setting wants `nan`.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    max_output_chars: int = Field(
        default=100_000,
        ge=1_000,
        description="Largest tool result in characters; longer results are truncated "
        "with a note on how to get the rest.",
    )
    call_timeout: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds a single tool call may run before it is cancelled with an error.",
    )
    max_message_bytes: int = Field(
        default=8 * 2**20,
        ge=64 * 1024,
        description="Largest JSON-RPC message accepted on stdin; longer lines are refused "
        "without being buffered.",
    )
    log_level: LogLevel = Field(default="WARNING", description="Logging to stderr.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        # `--log-level debug` is what people type; anything else keeps its spelling for the error.
        if isinstance(value, str) and value.upper() in get_args(LogLevel):
            return value.upper()
        return value


@dataclass(frozen=True)
class Positional:
    """Marks the field the positional arguments fill: `dirs: Annotated[list[Path], Positional("DIR")]`.

    A list takes any number of them; a single value (`dsn: Annotated[str | None, Positional("DSN")]`)
    takes at most one.
    """

    metavar: str | None = None


@dataclass(frozen=True)
class EnvAliases:
    """Other environment variables that set a field, highest first, below its own `MOORINGS_*` one.

    For the names a user already has set for other tools: `EnvAliases("DATABASE_URI", "DATABASE_URL")`.
    """

    names: tuple[str, ...]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", names)


@dataclass(frozen=True)
class Secret:
    """Marks a field whose value must never be shown: errors and `--help` leave it out."""


@dataclass(frozen=True)
class PathPart:
    """Marks text that ends in a path, which the loader then treats as it treats a `Path` field.

    `split` returns what comes before the path and the path, or None when the text holds no path
    (validation reports it then); it must not raise. For `NAME=PATH` items:
    `attach: list[Annotated[str, PathPart(split_at_equals)]]`.
    """

    split: _PathSplit


def _whole_path(text: str) -> tuple[str, str]:
    return "", text


def _path_after_equals(text: str) -> tuple[str, str] | None:
    name, equals, path = text.partition("=")
    return (name + equals, path) if equals else None


def _path_unless_url(text: str) -> tuple[str, str] | None:
    return None if re.match(r"https?://", text, re.IGNORECASE) else ("", text)


PATH_AFTER_EQUALS = PathPart(_path_after_equals)
"""`NAME=PATH`: the text after the first `=` is a path (sqlite's `--attach`)."""
PATH_UNLESS_URL = PathPart(_path_unless_url)
"""A path, or a URL left as it is (openapi's `--spec`)."""


PATH_STYLES: Mapping[str, _PathSplit] = {
    "whole": _whole_path,
    "after-equals": _path_after_equals,
    "unless-url": _path_unless_url,
}
"""Where the path is in a value, by name: what `Setting.path_style` gives, for tools outside the process."""


class ConfigError(Exception):
    """A setting could not be accepted; the message is the one line the user sees after `error:`."""


S = TypeVar("S", bound=ServerSettings)

_RESERVED = frozenset({"config", "help", "version"})
_KIND_NAMES = {bool: "bool", int: "int", float: "float", str: "str", Path: "path"}
_TABLE = "table"  # a dict of named entries, each a model: from the file only
_METAVARS = {"int": "INT", "float": "NUMBER", "str": "TEXT", "path": "PATH"}
_PLURALS = {"bool": "booleans", "int": "integers", "float": "numbers", "str": "strings", "path": "paths"}


@dataclass(frozen=True)
class Setting:
    """One field of the model as the command line, the environment and the file see it.

    Public through `describe_settings`, for tools that write a server's command line for it (the
    `moorings` front door, the MCP Registry's `server.json`) without repeating its flags.
    """

    name: str
    flag: str  # "--max-output-chars", or the metavar of the positional field
    env_var: str
    kind: str  # bool | int | float | str | path | choice | table
    split_path: _PathSplit | None  # where a value's path is, if it has one
    many: bool
    positional: bool
    metavar: str
    allowed: str  # "an integer >= 1000"
    item_allowed: str  # for a list, what each item must be
    constrained: bool  # whether the field's constraints add to what its type says
    default: str  # as shown in --help
    description: str
    env_aliases: tuple[str, ...] = ()
    secret: bool = False
    entry_paths: Mapping[str, _PathSplit] | None = None  # for a table: where its entries' fields hold paths
    choices: tuple[str, ...] = ()  # for a choice (or a list of choices): the values allowed
    required: bool = False  # no default will do: some layer must give a value

    @property
    def holds_path(self) -> bool:
        """Whether a value is, or ends in, a path (made absolute by anyone writing it for a host)."""
        return self.split_path is not None

    def path_of(self, value: str) -> tuple[str, str] | None:
        """What comes before the path in `value` and the path, or None when it holds none (a URL)."""
        return None if self.split_path is None else self.split_path(value)

    @property
    def path_style(self) -> str | None:
        """The name in `PATH_STYLES` of where a value's path is, "custom" for another, None without one."""
        if self.split_path is None:
            return None
        return next((name for name, split in PATH_STYLES.items() if split is self.split_path), "custom")

    @property
    def from_file_only(self) -> bool:
        """A table of named entries: only the config file can give it."""
        return self.kind == _TABLE


@dataclass(frozen=True)
class _Value:
    """A raw value and where it came from: None for a flag or a default, else the env var or file key."""

    raw: object
    origin: str | None = None


# -- Reading the model ---------------------------------------------------------------------------------------


def describe_settings(model: type[ServerSettings], *, server: str) -> tuple[Setting, ...]:
    """Each field of `model` as `moorings-<server>` takes it: its flag, variable, kind and wording."""
    return tuple(_options_of(model, "MOORINGS_" + _normal(server).upper() + "_"))


def _options_of(model: type[ServerSettings], env_prefix: str) -> list[Setting]:
    options = [_option_of(name, field, env_prefix) for name, field in model.model_fields.items()]
    if sum(option.positional for option in options) > 1:
        raise TypeError(f"{model.__name__}: at most one field can be Positional")
    return options


def _option_of(name: str, field: FieldInfo, env_prefix: str) -> Setting:
    if name in _RESERVED:
        raise TypeError(f"a settings field cannot be named {name!r}: --{name} is reserved")
    bare, inner_metadata = _unwrap(field.annotation)
    metadata = [*field.metadata, *inner_metadata]
    marker = next((item for item in metadata if isinstance(item, Positional)), None)
    aliases = next((item.names for item in metadata if isinstance(item, EnvAliases)), ())
    if _is_table(bare):
        return _table_option(name, field, get_args(bare)[1], env_prefix)
    item_type, many = _item_type(bare)
    item_type, item_metadata = _unwrap(item_type)
    kind, choices = _kind_of(item_type, name)
    allowed, item_allowed, constrained = _wording(kind, choices, many, metadata, item_metadata)
    metavar = "{" + ",".join(choices) + "}" if choices else _METAVARS.get(kind, "")
    if marker is not None:
        metavar = marker.metavar or name.upper()
    return Setting(
        name=name,
        flag=metavar if marker is not None else "--" + name.replace("_", "-"),
        env_var=env_prefix + name.upper(),
        kind=kind,
        split_path=_path_splitter(name, kind, [*metadata, *item_metadata]),
        many=many,
        positional=marker is not None,
        metavar=metavar,
        allowed=allowed,
        item_allowed=item_allowed,
        constrained=constrained,
        default=_shown_default(field, metadata),
        description=field.description or "",
        env_aliases=aliases,
        secret=any(isinstance(item, Secret) for item in metadata),
        choices=choices,
        required=_shown_default(field, metadata) == "required",
    )


def _is_table(annotation: Any) -> bool:
    args = get_args(annotation)
    return (
        get_origin(annotation) is dict
        and len(args) == 2
        and args[0] is str
        and isinstance(args[1], type)
        and issubclass(args[1], BaseModel)
    )


def _table_option(name: str, field: FieldInfo, entry: type[BaseModel], env_prefix: str) -> Setting:
    return Setting(
        name=name,
        flag=f"[{name}.NAME]",
        env_var=env_prefix + name.upper(),
        kind=_TABLE,
        split_path=None,
        many=False,
        positional=False,
        metavar="",
        allowed=f"a table of [{name}.NAME] tables",
        item_allowed="",
        constrained=False,
        default="none",
        description=field.description or "",
        entry_paths=_entry_paths(entry),
    )


def _entry_paths(entry: type[BaseModel]) -> dict[str, _PathSplit]:
    """The fields of a table's entries that hold paths, and where in their values."""
    paths: dict[str, _PathSplit] = {}
    for name, field in entry.model_fields.items():
        bare, metadata = _unwrap(field.annotation)
        item_type, _ = _item_type(bare)
        item_type, item_metadata = _unwrap(item_type)
        if get_origin(item_type) is Literal or not isinstance(item_type, type):
            continue
        kind = _KIND_NAMES.get(item_type, "")
        split = _path_splitter(name, kind, [*field.metadata, *metadata, *item_metadata])
        if split is not None:
            paths[name] = split
    return paths


def _path_splitter(name: str, kind: str, metadata: list[Any]) -> _PathSplit | None:
    """How to find the path in a value: all of a `Path`, the part its `PathPart` names, or there is none."""
    part = next((item for item in metadata if isinstance(item, PathPart)), None)
    if part is None:
        return _whole_path if kind == "path" else None
    if kind != "str":
        raise TypeError(f"settings field {name!r}: only text (str) can carry a PathPart")
    return part.split


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip `Annotated[...]` and `X | None`, returning the bare type and the metadata met on the way."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extras = get_args(annotation)
            for extra in extras:
                metadata.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
        elif origin is Union or origin is types.UnionType:
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                raise TypeError(f"unsupported settings type {annotation!r}: only `X | None` unions")
            annotation = members[0]
        else:
            return annotation, metadata


def _item_type(annotation: Any) -> tuple[Any, bool]:
    """`list[X]` and `tuple[X, ...]` give (X, True); anything else is a single value."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and len(args) == 1:
        return args[0], True
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0], True
    return annotation, False


def _kind_of(annotation: Any, name: str) -> tuple[str, tuple[str, ...]]:
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        if not all(isinstance(choice, str) for choice in choices):
            raise TypeError(f"settings field {name!r}: Literal choices must be strings")
        return "choice", choices
    kind = _KIND_NAMES.get(annotation) if isinstance(annotation, type) else None
    if kind is None:
        raise TypeError(
            f"settings field {name!r} has unsupported type {annotation!r}: use bool, int, float, str, "
            "Path, a Literal of strings, or a list of these"
        )
    return kind, ()


def _wording(
    kind: str, choices: tuple[str, ...], many: bool, metadata: list[Any], item_metadata: list[Any]
) -> tuple[str, str, bool]:
    """What a value and each of its items must be, and whether constraints add to what the type says."""
    item_allowed = _describe(kind, choices, item_metadata if many else metadata)
    allowed = _describe_list(kind, choices, metadata) if many else item_allowed
    plain_item = _describe(kind, choices, [])
    plain = _describe_list(kind, choices, []) if many else plain_item
    return allowed, item_allowed, (allowed, item_allowed) != (plain, plain_item)


def _describe(kind: str, choices: tuple[str, ...], metadata: list[Any]) -> str:
    """What a single value must be, in words: "an integer >= 1000"."""
    if kind == "choice":
        return "one of " + ", ".join(choices)
    if kind == "bool":
        return "true or false (or 1/0, yes/no, on/off)"
    if kind == "path":
        return "a path"
    if kind == "str":
        length = _count_phrase(metadata, "character")
        pattern = next((item.pattern for item in metadata if getattr(item, "pattern", None)), None)
        return "a string" + (f" of {length}" if length else "") + (f" matching {pattern}" if pattern else "")
    bounds = " and ".join(_bounds(metadata))
    return ("an integer" if kind == "int" else "a number") + (f" {bounds}" if bounds else "")


def _describe_list(kind: str, choices: tuple[str, ...], metadata: list[Any]) -> str:
    items = "values from " + ", ".join(choices) if choices else _PLURALS[kind]
    count = _count_phrase(metadata, "item")
    return f"a list of {items}" + (f" with {count}" if count else "")


def _bounds(metadata: list[Any]) -> list[str]:
    words = []
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            words.append(f">= {item.ge}")
        elif isinstance(item, annotated_types.Gt):
            words.append(f"> {item.gt}")
        elif isinstance(item, annotated_types.Le):
            words.append(f"<= {item.le}")
        elif isinstance(item, annotated_types.Lt):
            words.append(f"< {item.lt}")
        elif isinstance(item, annotated_types.MultipleOf):
            words.append(f"a multiple of {item.multiple_of}")
    return words


def _count_phrase(metadata: list[Any], noun: str) -> str:
    low = next((item.min_length for item in metadata if isinstance(item, annotated_types.MinLen)), None)
    high = next((item.max_length for item in metadata if isinstance(item, annotated_types.MaxLen)), None)
    if low and high is not None:
        return f"{low} to {high} {noun}s"
    if low:
        return f"at least {low} {noun}" + ("s" if low != 1 else "")
    if high is not None:
        return f"at most {high} {noun}" + ("s" if high != 1 else "")
    return ""


def _shown_default(field: FieldInfo, metadata: list[Any]) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True, validated_data={})
    at_least = next((item.min_length for item in metadata if isinstance(item, annotated_types.MinLen)), 0)
    if value in ([], ()) and at_least > 0:
        return "required"  # an empty default that validation refuses: some layer must give items
    if value is None or value == [] or value == ():
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value) if value != "" else '""'


# -- The command line ----------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print the usage and exit; we want our one line.
        raise ConfigError(f"{message} (see --help)")


def _build_parser(
    options: list[Setting],
    *,
    prog: str,
    version: str,
    env_prefix: str,
    server: str,
    description: str,
    epilog: str,
) -> _Parser:
    layers = (
        f"Settings come from, lowest to highest: defaults, a TOML file (--config; flat keys, or a [{server}] "
        f"table), {env_prefix}* environment variables, then flags. A list from the environment is a JSON "
        "array or comma-separated values."
    )
    layers = textwrap.fill(layers, width=min(shutil.get_terminal_size().columns, 100) - 2)
    parser = _Parser(
        prog=prog,
        description=description or None,
        epilog=f"{epilog}\n\n{layers}" if epilog else layers,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{prog} {version}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help=f"TOML file of settings. [env: {env_prefix}CONFIG]",
    )
    for option in options:
        if option.kind != _TABLE:  # a table comes from the file only
            _add_option(parser, option)
    return parser


def _add_option(parser: _Parser, option: Setting) -> None:
    allowed = f" Must be {option.allowed}." if option.constrained else ""
    env = ", ".join((option.env_var, *option.env_aliases))
    default = "none" if option.secret else option.default
    text = f"{option.description}{allowed} [env: {env}] [default: {default}]"
    help_text = text.strip().replace("%", "%%")  # argparse %-formats help strings
    if option.positional:
        parser.add_argument(
            option.name,
            nargs="*" if option.many else "?",
            metavar=option.metavar,
            default=argparse.SUPPRESS,
            help=help_text,
        )
    elif option.kind == "bool" and not option.many:
        parser.add_argument(
            option.flag,
            dest=option.name,
            action=argparse.BooleanOptionalAction,
            default=argparse.SUPPRESS,
            help=help_text,
        )
    else:
        parser.add_argument(
            option.flag,
            dest=option.name,
            action="append" if option.many else "store",
            metavar=option.metavar,
            default=argparse.SUPPRESS,
            help=help_text,
        )


def _from_flags(parsed: dict[str, Any], options: list[Setting]) -> dict[str, _Value]:
    values = {}
    for option in options:
        raw = parsed.get(option.name)
        if raw is None or (option.positional and raw == []):  # no DIR given: lower layers decide
            continue
        values[option.name] = _Value(_expand_paths(raw, option, base=None))
    return values


# -- The environment -----------------------------------------------------------------------------------------


def _from_environment(
    environ: Mapping[str, str], options: list[Setting], env_prefix: str, prog: str
) -> dict[str, _Value]:
    by_var = {option.env_var: option for option in options}
    values = {}
    for aliased in options:  # aliases first, lowest last, so the field's own variable wins below
        for var in reversed(aliased.env_aliases):
            if var in environ:
                values[aliased.name] = _environment_value(environ[var], aliased, var)
    for var, text in environ.items():
        if not var.startswith(env_prefix) or var == env_prefix + "CONFIG":
            continue
        option = by_var.get(var)
        if option is None:
            raise ConfigError(f"{var} is not a setting of {prog}; see --help for the {env_prefix}* variables")
        if option.kind == _TABLE:
            raise ConfigError(f"{var}: {option.name} can only be set in the config file, as {option.flag}")
        values[option.name] = _environment_value(text, option, var)
    return values


def _environment_value(text: str, option: Setting, var: str) -> _Value:
    raw = _split_list(text, option, var) if option.many else _strip_unless_text(text, option)
    return _Value(_expand_paths(raw, option, base=None), origin=var)


def _split_list(text: str, option: Setting, var: str) -> list[Any]:
    if not text.lstrip().startswith("["):
        return [item.strip() for item in text.split(",") if item.strip()]
    import json  # only lists spelt as JSON need it

    try:
        items = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{option.flag} (from {var}): not a valid JSON array ({exc})") from None
    if not isinstance(items, list):
        raise ConfigError(f"{option.flag} (from {var}): must be a JSON array or comma-separated values")
    return items


def _strip_unless_text(text: str, option: Setting) -> str:
    return text if option.kind in ("str", "path") else text.strip()


# -- The TOML file -------------------------------------------------------------------------------------------


def _from_file(path: Path, options: list[Setting], server: str) -> dict[str, _Value]:
    document = _read_toml(path)
    by_name = {option.name: option for option in options}
    flat: dict[str, Any] = {}
    section: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict) and _normal(key) not in by_name:
            if _normal(key) == _normal(server):
                section = value
            continue  # a table named after another server is that server's business
        flat[key] = value
    base = path.absolute().parent
    values = _keyed_values(flat, by_name, place=f"config file {path}", base=base)
    values.update(_keyed_values(section, by_name, place=f"[{server}] of config file {path}", base=base))
    return values


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        with path.open("rb") as file:
            document: dict[str, Any] = tomllib.load(file)
            return document
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # TOMLDecodeError, or bytes that are not UTF-8
        reason = " ".join(str(exc).split())
        raise ConfigError(f"config file {path} is not valid TOML: {reason}") from None


def _keyed_values(
    table: Mapping[str, Any], by_name: Mapping[str, Setting], *, place: str, base: Path
) -> dict[str, _Value]:
    values: dict[str, _Value] = {}
    spelt: dict[str, str] = {}
    for key, raw in table.items():
        option = by_name.get(_normal(key))
        if option is None:
            raise ConfigError(f"unknown setting {key!r} in {place}; the settings are: {', '.join(by_name)}")
        if option.name in spelt:
            raise ConfigError(f"{place} sets {option.name} twice, as {spelt[option.name]!r} and {key!r}")
        spelt[option.name] = key
        values[option.name] = _Value(_expand_paths(raw, option, base), origin=f"{key!r} in {place}")
    return values


def _normal(key: str) -> str:
    return key.replace("-", "_")


def _expand_paths(raw: Any, option: Setting, base: Path | None) -> Any:
    """Expand `~` in the paths of a value; anchor relative ones from a file at the file's directory."""
    if option.entry_paths is not None:
        return _expand_entry_paths(raw, option.entry_paths, base)
    return _expand_any(raw, option.split_path, base)


def _expand_entry_paths(raw: Any, paths: Mapping[str, _PathSplit], base: Path | None) -> Any:
    """The path fields of each entry of a table, expanded; anything malformed is left for validation."""
    if not isinstance(raw, dict):
        return raw
    expanded: dict[str, Any] = {}
    for name, entry in raw.items():
        if isinstance(entry, dict):
            entry = {key: _expand_any(value, paths.get(_normal(key)), base) for key, value in entry.items()}
        expanded[name] = entry
    return expanded


def _expand_any(raw: Any, split: _PathSplit | None, base: Path | None) -> Any:
    if split is None:
        return raw
    if isinstance(raw, list):
        return [_expand_path(item, split, base) for item in raw]
    return _expand_path(raw, split, base)


def _expand_path(raw: object, split: _PathSplit, base: Path | None) -> object:
    parts = split(raw) if isinstance(raw, str) else None
    if parts is None or not parts[1]:
        return raw  # a wrong type or a malformed value is left for validation to report
    head, text = parts
    path = Path(text)
    with contextlib.suppress(RuntimeError):  # "~nobody": keep the text; the server reports the path
        path = path.expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return head + str(path)


# -- Putting it together -------------------------------------------------------------------------------------


def load_settings(
    model: type[S],
    *,
    server: str,
    version: str,
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    description: str = "",
    epilog: str = "",
) -> S:
    """Fill `model` from its defaults, the TOML file, the environment and `argv` (default: `sys.argv[1:]`).

    `--help` and `--version` print and exit 0. Any bad or unknown setting prints one line,
    `moorings-<server>: error: ...`, to stderr and exits with status 2.
    """
    prog = f"moorings-{server}"
    try:
        return _load(
            model,
            server=server,
            prog=prog,
            version=version,
            argv=argv,
            environ=os.environ if environ is None else environ,
            description=description,
            epilog=epilog,
        )
    except ConfigError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _load(
    model: type[S],
    *,
    server: str,
    prog: str,
    version: str,
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    description: str,
    epilog: str,
) -> S:
    env_prefix = "MOORINGS_" + _normal(server).upper() + "_"
    options = _options_of(model, env_prefix)
    parser = _build_parser(
        options,
        prog=prog,
        version=version,
        env_prefix=env_prefix,
        server=server,
        description=description,
        epilog=epilog,
    )
    parsed = vars(parser.parse_intermixed_args(argv))
    config_file = parsed.get("config") or environ.get(env_prefix + "CONFIG")
    values: dict[str, _Value] = {}
    if config_file:
        values.update(_from_file(Path(config_file).expanduser(), options, server))
    values.update(_from_environment(environ, options, env_prefix, prog))
    values.update(_from_flags(parsed, options))
    try:
        return model.model_validate({name: value.raw for name, value in values.items()})
    except ValidationError as exc:
        by_name = {option.name: option for option in options}
        raise ConfigError(_explain(exc.errors()[0], by_name, values)) from None


def _explain(error: ErrorDetails, by_name: Mapping[str, Setting], values: Mapping[str, _Value]) -> str:
    """Turn pydantic's first error into our line: the flag, the source, what is allowed, what was given."""
    loc = error["loc"]
    option = by_name.get(str(loc[0])) if loc else None
    if option is None:  # a model validator looking at several fields
        return _custom_reason(error) or error["msg"]
    if option.kind == _TABLE:
        return _explain_entry(error, option, values)
    if error["type"] == "missing":
        return f"{option.flag} is required; {_how_to_set(option)}"
    item = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    custom = _custom_reason(error)
    reason = custom or "must be " + (option.allowed if item is None else option.item_allowed)
    subject = option.flag if item is None else f"{option.flag} item {item + 1}"
    given = error["input"]
    value = values.get(option.name)
    if value is None:  # nothing was given and the default does not do
        shown = "none was given" if given in (None, "", [], ()) or option.secret else f"got {_shown(given)}"
        return f"{subject}: {reason}, but {shown}; {_how_to_set(option)}"
    source = f" (from {value.origin})" if value.origin else ""
    if option.secret:
        return f"{subject}{source}: {reason}"
    if custom and isinstance(given, (list, tuple)):
        # A validator of a whole list names the item it refuses; the whole list again is noise.
        return f"{subject}{source}: {reason}"
    return f"{subject}{source}: {reason}, got {_shown(given)}"


def _explain_entry(error: ErrorDetails, option: Setting, values: Mapping[str, _Value]) -> str:
    """An error in a table's entry, named as the file spells it; its value is never shown (a DSN)."""
    entry, *keys = [str(part) for part in error["loc"][1:]] or [""]
    where = f"[{option.name}.{entry}]" if entry else option.flag
    key = ".".join(keys)
    value = values.get(option.name)
    source = f" (in {value.origin})" if value and value.origin else ""
    reason = _custom_reason(error) or error["msg"].lower()
    if error["type"] == "missing":
        reason = "is required"
    if error["type"] == "extra_forbidden":
        reason = "is not a known key"
    return f"{where} {key}{source}: {reason}" if key else f"{where}{source}: {reason}"


def _custom_reason(error: ErrorDetails) -> str | None:
    """The message of a ValueError or assertion raised by the model's own validators."""
    if error["type"] not in ("value_error", "assertion_error"):
        return None
    cause = error.get("ctx", {}).get("error")
    return str(cause) if cause else None


def _how_to_set(option: Setting) -> str:
    if option.positional:
        flag = f"give {option.flag} arguments" if option.many else f"give {option.flag}"
    else:
        flag = f"pass {option.flag}"
    env = " or ".join((option.env_var, *option.env_aliases))
    return f"{flag}, set {env}, or set {option.name} in the config file"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
