"""Settings from defaults, a TOML file, the environment and flags, as a user of a server sees them."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from moorings_core.config import EnvAliases, PathPart, Positional, Secret, ServerSettings, load_settings

PREFIX = "moorings-example: error: "


class ExampleSettings(ServerSettings):
    read_only: bool = Field(default=False, description="Refuse every write.")
    retries: int = Field(default=3, ge=0, le=10, description="How often to retry.")
    ratio: float = Field(default=0.5, gt=0, lt=1, description="Share of the budget, 100% is all.")
    greeting: str = Field(default="hello", min_length=1, max_length=20, description="What to say first.")
    mode: Literal["fast", "safe"] = Field(default="safe", description="How careful to be.")
    cache_dir: Path = Field(default=Path("/var/cache/example"), description="Where to keep things.")
    allow_host: list[str] = Field(default_factory=list, description="A host that may be reached.")
    extra_dir: list[Path] = Field(default_factory=list, description="Another directory to read.")
    roots: Annotated[list[Path], Positional("DIR")] = Field(
        default_factory=list, description="Directories to serve."
    )


class NeedsRoots(ServerSettings):
    roots: Annotated[list[Path], Positional("DIR")] = Field(default_factory=list, min_length=1)


class NeedsDsn(ServerSettings):
    dsn: str = Field(description="Where the database is.")


class ChecksItself(ServerSettings):
    base: Path = Path("/")
    low: int = 0
    high: int = 10
    users: list[str] = Field(default_factory=list)

    @field_validator("base")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError("must be an absolute path")
        return value

    @field_validator("users")
    @classmethod
    def _not_root(cls, users: list[str]) -> list[str]:
        if "root" in users:
            raise ValueError(f"user {users.index('root') + 1}, root, may not be served")
        return users

    @model_validator(mode="after")
    def _ordered(self) -> ChecksItself:
        if self.low > self.high:
            raise ValueError("--low must not be above --high")
        return self


def split_at_equals(text: str) -> tuple[str, str] | None:
    name, equals, path = text.partition("=")
    return (name + equals, path) if equals else None


class NamedPaths(ServerSettings):
    mount: list[Annotated[str, PathPart(split_at_equals)]] = Field(default_factory=list)
    store: Annotated[str, PathPart(split_at_equals)] = "main=/var/store"


def load(
    argv: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    model: type[ServerSettings] = ExampleSettings,
) -> Any:
    return load_settings(model, server="example", version="1.2.3", argv=list(argv), environ=env or {})


def error_line(
    capsys: pytest.CaptureFixture[str],
    argv: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    model: type[ServerSettings] = ExampleSettings,
) -> str:
    """Load, expecting exit status 2 and exactly one line on stderr; return that line without its prefix."""
    with pytest.raises(SystemExit) as exit_info:
        load(argv, env, model)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(PREFIX)
    return lines[0][len(PREFIX) :]


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "moorings.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- Defaults and precedence ---------------------------------------------------------------------------------


def test_defaults_when_nothing_is_given() -> None:
    settings = load()
    assert settings == ExampleSettings()
    assert settings.max_output_chars == 100_000
    assert settings.call_timeout == 60.0
    assert settings.log_level == "WARNING"
    assert settings.roots == []


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    config = write_config(tmp_path, "retries = 5\n")
    file_argv = ["--config", str(config)]
    env = {"MOORINGS_EXAMPLE_RETRIES": "6"}
    assert load().retries == 3
    assert load(file_argv).retries == 5
    assert load(file_argv, env).retries == 6
    assert load([*file_argv, "--retries", "7"], env).retries == 7


def test_layers_mix_field_by_field(tmp_path: Path) -> None:
    config = write_config(tmp_path, "retries = 5\ngreeting = 'from file'\nmode = 'fast'\n")
    settings = load(["--config", str(config), "--greeting", "from flag"], {"MOORINGS_EXAMPLE_MODE": "safe"})
    assert (settings.retries, settings.greeting, settings.mode) == (5, "from flag", "safe")


def test_a_list_from_a_flag_replaces_the_lower_layers_list() -> None:
    settings = load(["--allow-host", "c"], {"MOORINGS_EXAMPLE_ALLOW_HOST": "a,b"})
    assert settings.allow_host == ["c"]


def test_the_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOORINGS_EXAMPLE_RETRIES", "9")
    settings = load_settings(ExampleSettings, server="example", version="1.2.3", argv=[])
    assert settings.retries == 9


def test_settings_are_frozen() -> None:
    settings = load()
    with pytest.raises(ValidationError):
        settings.retries = 4


# -- Every kind of field from every layer --------------------------------------------------------------------

KINDS = [
    pytest.param("read_only", "true", "1", ["--read-only"], True, id="bool"),
    pytest.param("retries", "4", "4", ["--retries", "4"], 4, id="int"),
    pytest.param("ratio", "0.25", "0.25", ["--ratio", "0.25"], 0.25, id="float"),
    pytest.param("greeting", '"hi there"', "hi there", ["--greeting", "hi there"], "hi there", id="str"),
    pytest.param("mode", '"fast"', "fast", ["--mode", "fast"], "fast", id="choice"),
    pytest.param("cache_dir", '"/srv/c"', "/srv/c", ["--cache-dir", "/srv/c"], Path("/srv/c"), id="path"),
    pytest.param(
        "allow_host",
        '["a.test", "b.test"]',
        "a.test,b.test",
        ["--allow-host", "a.test", "--allow-host", "b.test"],
        ["a.test", "b.test"],
        id="list-of-str",
    ),
    pytest.param(
        "extra_dir",
        '["/x", "/y"]',
        '["/x", "/y"]',
        ["--extra-dir", "/x", "--extra-dir", "/y"],
        [Path("/x"), Path("/y")],
        id="list-of-path",
    ),
    pytest.param(
        "roots", '["/r1", "/r2"]', "/r1,/r2", ["/r1", "/r2"], [Path("/r1"), Path("/r2")], id="positional"
    ),
    pytest.param("log_level", '"ERROR"', "ERROR", ["--log-level", "ERROR"], "ERROR", id="base-choice"),
]


@pytest.mark.parametrize(("name", "toml_value", "env_text", "argv", "expected"), KINDS)
@pytest.mark.parametrize("layer", ["file", "env", "flag"])
def test_every_kind_from_every_layer(
    tmp_path: Path, layer: str, name: str, toml_value: str, env_text: str, argv: list[str], expected: object
) -> None:
    if layer == "file":
        settings = load(["--config", str(write_config(tmp_path, f"{name} = {toml_value}\n"))])
    elif layer == "env":
        settings = load(env={f"MOORINGS_EXAMPLE_{name.upper()}": env_text})
    else:
        settings = load(argv)
    assert getattr(settings, name) == expected


@pytest.mark.parametrize("text", ["1", "true", "TRUE", "True", "yes", "Y", "on", "ON", " true "])
def test_true_in_the_environment(text: str) -> None:
    assert load(env={"MOORINGS_EXAMPLE_READ_ONLY": text}).read_only is True


@pytest.mark.parametrize("text", ["0", "false", "False", "no", "N", "off", "OFF"])
def test_false_in_the_environment(text: str) -> None:
    assert load(env={"MOORINGS_EXAMPLE_READ_ONLY": text}, argv=["--read-only"]).read_only is True
    assert load(env={"MOORINGS_EXAMPLE_READ_ONLY": text}).read_only is False


def test_the_no_flag_turns_off_what_a_lower_layer_turned_on(tmp_path: Path) -> None:
    config = write_config(tmp_path, "read_only = true\n")
    assert load(["--config", str(config), "--no-read-only"]).read_only is False
    assert load(["--no-read-only"], {"MOORINGS_EXAMPLE_READ_ONLY": "yes"}).read_only is False


def test_a_lower_case_log_level_is_accepted() -> None:
    assert load(["--log-level", "debug"]).log_level == "DEBUG"


def test_positional_arguments_may_be_mixed_with_flags() -> None:
    settings = load(["/a", "--read-only", "/b", "--retries", "2", "/c"])
    assert settings.roots == [Path("/a"), Path("/b"), Path("/c")]
    assert settings.read_only is True
    assert settings.retries == 2


def test_positional_arguments_override_the_environment() -> None:
    env = {"MOORINGS_EXAMPLE_ROOTS": "/from-env"}
    assert load(["/from-flag"], env).roots == [Path("/from-flag")]
    assert load([], env).roots == [Path("/from-env")]


def test_a_required_positional_list_may_come_from_any_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(["/a"], model=NeedsRoots).roots == [Path("/a")]
    assert load(env={"MOORINGS_EXAMPLE_ROOTS": "/b"}, model=NeedsRoots).roots == [Path("/b")]
    config = write_config(tmp_path, "roots = ['/c']\n")
    assert load(["--config", str(config)], model=NeedsRoots).roots == [Path("/c")]
    assert error_line(capsys, model=NeedsRoots) == (
        "DIR: must be a list of paths with at least 1 item, but none was given; "
        "give DIR arguments, set MOORINGS_EXAMPLE_ROOTS, or set roots in the config file"
    )


def test_a_required_field_that_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert load(["--dsn", "postgres://db"], model=NeedsDsn).dsn == "postgres://db"
    assert error_line(capsys, model=NeedsDsn) == (
        "--dsn is required; pass --dsn, set MOORINGS_EXAMPLE_DSN, or set dsn in the config file"
    )


# -- Lists and paths in the environment and the file ---------------------------------------------------------


def test_an_environment_list_is_comma_separated_with_blanks_dropped() -> None:
    assert load(env={"MOORINGS_EXAMPLE_ALLOW_HOST": " a , b,,c, "}).allow_host == ["a", "b", "c"]
    assert load(env={"MOORINGS_EXAMPLE_ALLOW_HOST": ""}).allow_host == []


def test_an_environment_list_in_json_may_hold_commas() -> None:
    env = {"MOORINGS_EXAMPLE_EXTRA_DIR": '["/data/a,b", "/data/c"]'}
    assert load(env=env).extra_dir == [Path("/data/a,b"), Path("/data/c")]


def test_a_home_directory_is_expanded_in_every_layer(tmp_path: Path) -> None:
    home = Path("~").expanduser()
    config = write_config(tmp_path, "extra_dir = ['~/in-file']\n")
    assert load(["--cache-dir", "~/flag"]).cache_dir == home / "flag"
    assert load(env={"MOORINGS_EXAMPLE_CACHE_DIR": "~/env"}).cache_dir == home / "env"
    assert load(["--config", str(config)]).extra_dir == [home / "in-file"]


def test_relative_paths_in_a_file_are_relative_to_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, "cache_dir = 'cache'\nroots = ['a', '/abs']\n")
    settings = load(["--config", str(config)])
    assert settings.cache_dir == tmp_path / "cache"
    assert settings.roots == [tmp_path / "a", Path("/abs")]
    assert load(["--cache-dir", "cache"]).cache_dir == Path("cache")


def test_a_path_inside_text_is_anchored_at_the_file_too(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, "mount = ['a=data/a.db', 'b=/srv/b.db', 'c=~/c.db', 'no path']\nstore = 'x=s'\n"
    )
    settings = load(["--config", str(config)], model=NamedPaths)
    home = Path("~").expanduser()
    assert settings.mount == [f"a={tmp_path / 'data/a.db'}", "b=/srv/b.db", f"c={home / 'c.db'}", "no path"]
    assert settings.store == f"x={tmp_path / 's'}"


def test_a_path_inside_text_from_a_flag_or_variable_is_left_relative() -> None:
    home = Path("~").expanduser()
    settings = load(["--mount", "a=data/a.db", "--store", "x=~/s"], model=NamedPaths)
    assert (settings.mount, settings.store) == (["a=data/a.db"], f"x={home / 's'}")
    settings = load(env={"MOORINGS_EXAMPLE_MOUNT": "a=data/a.db,b=~/b.db"}, model=NamedPaths)
    assert settings.mount == ["a=data/a.db", f"b={home / 'b.db'}"]


# -- The TOML file -------------------------------------------------------------------------------------------


def test_a_file_may_name_the_server_in_a_table(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        "log_level = 'INFO'\nretries = 1\n\n[example]\nretries = 2\n\n[other]\nsomething_else = true\n",
    )
    settings = load(["--config", str(config)])
    assert settings.retries == 2  # the server's table beats the shared top level
    assert settings.log_level == "INFO"  # the top level applies to every server


def test_a_file_accepts_dashes_or_underscores(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, "max-output-chars = 2000\n[example]\nread-only = true\ncall_timeout = 5\n"
    )
    settings = load(["--config", str(config)])
    assert (settings.max_output_chars, settings.read_only, settings.call_timeout) == (2000, True, 5.0)


def test_the_file_may_be_named_in_the_environment(tmp_path: Path) -> None:
    config = write_config(tmp_path, "retries = 8\n")
    assert load(env={"MOORINGS_EXAMPLE_CONFIG": str(config)}).retries == 8
    other = tmp_path / "other.toml"
    other.write_text("retries = 9\n", encoding="utf-8")
    assert load(["--config", str(other)], {"MOORINGS_EXAMPLE_CONFIG": str(config)}).retries == 9


def test_an_unknown_key_in_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "retires = 2\n")
    line = error_line(capsys, ["--config", str(config)])
    assert line.startswith(f"unknown setting 'retires' in config file {config}; the settings are: ")
    assert "retries" in line


def test_an_unknown_key_in_the_servers_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "[example]\nverbose = true\n")
    line = error_line(capsys, ["--config", str(config)])
    assert line.startswith(f"unknown setting 'verbose' in [example] of config file {config}; ")


def test_a_key_spelt_both_ways(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "read-only = true\nread_only = false\n")
    line = error_line(capsys, ["--config", str(config)])
    assert line == f"config file {config} sets read_only twice, as 'read-only' and 'read_only'"


def test_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.toml"
    assert error_line(capsys, ["--config", str(missing)]) == (
        f"cannot read config file {missing}: No such file or directory"
    )


def test_a_file_that_is_not_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "retries = = 3\n")
    line = error_line(capsys, ["--config", str(config)])
    assert line.startswith(f"config file {config} is not valid TOML: ")
    assert "line 1" in line


def test_a_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "latin1.toml"
    config.write_bytes("greeting = 'café'\n".encode("latin-1"))
    assert error_line(capsys, ["--config", str(config)]).startswith(
        f"config file {config} is not valid TOML: "
    )


# -- Bad values: one line naming the flag and where the value came from --------------------------------------


@pytest.mark.parametrize("layer", ["file", "env", "flag"])
def test_a_bad_value_names_its_source(tmp_path: Path, capsys: pytest.CaptureFixture[str], layer: str) -> None:
    config = write_config(tmp_path, "[example]\nmax-output-chars = 'abc'\n")
    argv, env, source = {
        "file": (
            ["--config", str(config)],
            {},
            f" (from 'max-output-chars' in [example] of config file {config})",
        ),
        "env": (
            [],
            {"MOORINGS_EXAMPLE_MAX_OUTPUT_CHARS": "abc"},
            " (from MOORINGS_EXAMPLE_MAX_OUTPUT_CHARS)",
        ),
        "flag": (["--max-output-chars", "abc"], {}, ""),
    }[layer]
    assert (
        error_line(capsys, argv, env) == f"--max-output-chars{source}: must be an integer >= 1000, got 'abc'"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--retries", "11"], "--retries: must be an integer >= 0 and <= 10, got '11'"),
        (["--ratio", "1"], "--ratio: must be a number > 0 and < 1, got '1'"),
        (["--ratio", "nan"], "--ratio: must be a number > 0 and < 1, got 'nan'"),
        (["--call-timeout", "0"], "--call-timeout: must be a number > 0 and <= 3600, got '0'"),
        (["--greeting", ""], "--greeting: must be a string of 1 to 20 characters, got ''"),
        (["--mode", "slow"], "--mode: must be one of fast, safe, got 'slow'"),
        (["--log-level", "loud"], "--log-level: must be one of DEBUG, INFO, WARNING, ERROR, got 'loud'"),
    ],
)
def test_what_is_allowed_comes_from_the_constraints(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert error_line(capsys, argv) == expected


def test_a_bad_boolean_in_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line(capsys, env={"MOORINGS_EXAMPLE_READ_ONLY": "maybe"}) == (
        "--read-only (from MOORINGS_EXAMPLE_READ_ONLY): "
        "must be true or false (or 1/0, yes/no, on/off), got 'maybe'"
    )


def test_a_bad_list_item_is_named_by_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "allow_host = ['a.test', 5]\n")
    assert error_line(capsys, ["--config", str(config)]) == (
        f"--allow-host item 2 (from 'allow_host' in config file {config}): must be a string, got 5"
    )


def test_a_scalar_where_a_list_belongs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "allow_host = 'a.test'\n")
    assert error_line(capsys, ["--config", str(config)]) == (
        f"--allow-host (from 'allow_host' in config file {config}): must be a list of strings, got 'a.test'"
    )


def test_a_wrong_toml_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "greeting = 12\n")
    assert error_line(capsys, ["--config", str(config)]) == (
        f"--greeting (from 'greeting' in config file {config}): "
        "must be a string of 1 to 20 characters, got 12"
    )


def test_bad_json_in_an_environment_list(capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(capsys, env={"MOORINGS_EXAMPLE_ALLOW_HOST": '["a", '})
    assert line.startswith("--allow-host (from MOORINGS_EXAMPLE_ALLOW_HOST): not a valid JSON array")
    line = error_line(capsys, env={"MOORINGS_EXAMPLE_ALLOW_HOST": '[{"a": 1}]'})
    assert line == "--allow-host item 1 (from MOORINGS_EXAMPLE_ALLOW_HOST): must be a string, got {'a': 1}"


def test_a_validators_own_message_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line(capsys, env={"MOORINGS_EXAMPLE_BASE": "relative"}, model=ChecksItself) == (
        "--base (from MOORINGS_EXAMPLE_BASE): must be an absolute path, got 'relative'"
    )
    assert error_line(capsys, ["--low", "5", "--high", "4"], model=ChecksItself) == (
        "--low must not be above --high"
    )


def test_a_list_validators_message_is_not_followed_by_the_whole_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert error_line(capsys, ["--users", "ada", "--users", "root"], model=ChecksItself) == (
        "--users: user 2, root, may not be served"
    )
    assert error_line(capsys, env={"MOORINGS_EXAMPLE_USERS": "root"}, model=ChecksItself) == (
        "--users (from MOORINGS_EXAMPLE_USERS): user 1, root, may not be served"
    )


def test_an_unknown_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line(capsys, ["--retires=2"]) == "unrecognized arguments: --retires=2 (see --help)"


def test_a_flag_without_its_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line(capsys, ["--retries"]) == "argument --retries: expected one argument (see --help)"


def test_flags_are_not_abbreviated(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line(capsys, ["--retr", "2"]).startswith("unrecognized arguments: --retr")


def test_an_unknown_variable_for_this_server(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_line(capsys, env={"MOORINGS_EXAMPLE_READONLY": "1"}) == (
        "MOORINGS_EXAMPLE_READONLY is not a setting of moorings-example; "
        "see --help for the MOORINGS_EXAMPLE_* variables"
    )


def test_variables_of_other_servers_are_not_ours() -> None:
    env = {"MOORINGS_OTHER_READONLY": "1", "MOORINGS_EXAMPLE": "x", "HOME": "/root"}
    assert load(env=env) == ExampleSettings()


# -- --help and --version ------------------------------------------------------------------------------------


def test_help_lists_every_flag_with_its_variable_default_and_description(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # wrapped, as in a terminal
    with pytest.raises(SystemExit) as exit_info:
        load(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    entries = help_entries(out)
    expected = [
        ("--read-only, --no-read-only", "MOORINGS_EXAMPLE_READ_ONLY", "false", "Refuse every write."),
        (
            "--retries INT",
            "MOORINGS_EXAMPLE_RETRIES",
            "3",
            "How often to retry. Must be an integer >= 0 and <= 10.",
        ),
        ("--ratio NUMBER", "MOORINGS_EXAMPLE_RATIO", "0.5", "Share of the budget, 100% is all."),
        ("--greeting TEXT", "MOORINGS_EXAMPLE_GREETING", "hello", "What to say first."),
        ("--mode {fast,safe}", "MOORINGS_EXAMPLE_MODE", "safe", "How careful to be."),
        ("--cache-dir PATH", "MOORINGS_EXAMPLE_CACHE_DIR", "/var/cache/example", "Where to keep things."),
        ("--allow-host TEXT", "MOORINGS_EXAMPLE_ALLOW_HOST", "none", "A host that may be reached."),
        ("--extra-dir PATH", "MOORINGS_EXAMPLE_EXTRA_DIR", "none", "Another directory to read."),
        ("DIR", "MOORINGS_EXAMPLE_ROOTS", "none", "Directories to serve."),
        ("--max-output-chars INT", "MOORINGS_EXAMPLE_MAX_OUTPUT_CHARS", "100000", "Largest tool result"),
        ("--call-timeout NUMBER", "MOORINGS_EXAMPLE_CALL_TIMEOUT", "60.0", "Seconds a single tool call"),
        (
            "--max-message-bytes INT",
            "MOORINGS_EXAMPLE_MAX_MESSAGE_BYTES",
            "8388608",
            "Largest JSON-RPC message",
        ),
        (
            "--log-level {DEBUG,INFO,WARNING,ERROR}",
            "MOORINGS_EXAMPLE_LOG_LEVEL",
            "WARNING",
            "Logging to stderr.",
        ),
        ("--config FILE", "MOORINGS_EXAMPLE_CONFIG", None, "TOML file of settings."),
    ]
    for flag, env_var, default, description in expected:
        entry = entries[flag]
        assert description in entry, flag
        assert f"[env: {env_var}]" in entry, flag
        if default is not None:
            assert f"[default: {default}]" in entry, flag
    assert "[DIR ...]" in out
    assert "MOORINGS_EXAMPLE_* environment variables" in out


def test_help_calls_a_list_that_must_have_items_required(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        load(["--help"], model=NeedsRoots)
    entry = help_entries(capsys.readouterr().out)["DIR"]
    assert "[default: required]" in entry  # an empty default that validation refuses is no default


def help_entries(out: str) -> dict[str, str]:
    """Each flag's help as one line: argparse puts a long flag's help on the lines below it."""
    entries: dict[str, str] = {}
    flag = ""
    for line in out.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            flag, _, text = line.strip().partition("  ")
            entries[flag] = text.strip()
        elif line.startswith("   ") and flag:
            entries[flag] += " " + line.strip()
        else:
            flag = ""
    return entries


def test_help_shows_the_servers_description_and_epilog(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load_settings(
            ExampleSettings,
            server="example",
            version="1.2.3",
            argv=["-h"],
            environ={},
            description="Serves examples.",
            epilog="Example: moorings-example ~/src",
        )
    out = capsys.readouterr().out
    assert out.startswith("usage: moorings-example ")
    assert "Serves examples." in out
    assert "Example: moorings-example ~/src" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        load(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == "moorings-example 1.2.3\n"


def test_argv_defaults_to_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["moorings-example", "--retries", "1", "/srv"])
    settings = load_settings(ExampleSettings, server="example", version="1.2.3", environ={})
    assert (settings.retries, settings.roots) == (1, [Path("/srv")])


# -- Mistakes in a settings model are the server author's, and loud ------------------------------------------


class NamedConfig(ServerSettings):
    config: str = "x"


class UnsupportedType(ServerSettings):
    limits: dict[str, int] = Field(default_factory=dict)


class TwoPositionals(ServerSettings):
    first: Annotated[list[str], Positional()] = Field(default_factory=list)
    second: Annotated[list[str], Positional()] = Field(default_factory=list)


class PathPartOfANumber(ServerSettings):
    port: Annotated[int, PathPart(split_at_equals)] = 1


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (NamedConfig, "cannot be named 'config'"),
        (UnsupportedType, "has unsupported type"),
        (TwoPositionals, "at most one field can be Positional"),
        (PathPartOfANumber, "only text"),
    ],
)
def test_a_model_the_loader_cannot_serve(model: type[ServerSettings], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        load(model=model)


# -- A single positional, other variables, secrets and tables of named entries -------------------------------


class Connection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dsn: str = Field(pattern=r"^postgres(ql)?://")


class DatabaseSettings(ServerSettings):
    dsn: Annotated[str | None, Positional("DSN"), EnvAliases("DATABASE_URI", "DATABASE_URL"), Secret()] = (
        Field(default=None, pattern=r"^postgres(ql)?://", description="Where the database is.")
    )
    connections: dict[str, Connection] = Field(default_factory=dict, description="Other databases.")


def test_a_single_positional_takes_one_argument_and_the_flag_layer_wins() -> None:
    settings = load(
        ["postgresql://localhost/flag"], {"DATABASE_URL": "postgresql://localhost/env"}, DatabaseSettings
    )
    assert settings.dsn == "postgresql://localhost/flag"


def test_a_single_positional_refuses_a_second_argument(capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(capsys, ["postgresql://a/b", "postgresql://c/d"], model=DatabaseSettings)
    assert "unrecognized arguments: postgresql://c/d" in line


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "postgresql://h/url"}, "url"),
        ({"DATABASE_URL": "postgresql://h/url", "DATABASE_URI": "postgresql://h/uri"}, "uri"),
        ({"DATABASE_URI": "postgresql://h/uri", "MOORINGS_EXAMPLE_DSN": "postgresql://h/own"}, "own"),
    ],
)
def test_aliases_are_read_below_the_fields_own_variable(env: dict[str, str], expected: str) -> None:
    assert load([], env, DatabaseSettings).dsn == f"postgresql://h/{expected}"


def test_a_secret_is_never_echoed_in_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(capsys, [], {"DATABASE_URL": "mysql://me:hunter2@h/db"}, DatabaseSettings)
    assert line.startswith("DSN (from DATABASE_URL): must be a string matching")
    assert "hunter2" not in line


def test_a_secret_is_not_shown_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load(["--help"], {"DATABASE_URL": "postgresql://me:hunter2@h/db"}, DatabaseSettings)
    shown = capsys.readouterr().out
    assert "[env: MOORINGS_EXAMPLE_DSN, DATABASE_URI, DATABASE_URL]" in " ".join(shown.split())
    assert "hunter2" not in shown


def test_a_table_of_named_entries_comes_from_the_file(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[connections.reports]\ndsn = "postgresql://h/reports"\n'
        '[example.connections.staging]\ndsn = "postgresql://h/staging"\n',
    )
    # The server's own table overrides the flat one as a whole, as for any other key.
    settings = load(["--config", str(config)], model=DatabaseSettings)
    assert settings.connections == {"staging": Connection(dsn="postgresql://h/staging")}
    flat = write_config(tmp_path, '[connections.reports]\ndsn = "postgresql://h/reports"\n')
    assert load(["--config", str(flat)], model=DatabaseSettings).connections == {
        "reports": Connection(dsn="postgresql://h/reports")
    }


class Site(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Path
    attach: list[Annotated[str, PathPart(lambda text: ("", text) if "://" not in text else None)]] = []
    title: str = ""


class SitesSettings(ServerSettings):
    sites: dict[str, Site] = Field(default_factory=dict, description="Sites.")


def test_paths_in_a_tables_entries_are_read_from_the_files_directory(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[sites.harbour]\ndocument = "docs/harbour.yaml"\ntitle = "docs/x"\n'
        'attach = ["extra.yaml", "https://example.com/a.yaml", "/abs.yaml"]\n'
        '[sites.home]\ndocument = "~/home.yaml"\n',
    )
    sites = load(["--config", str(config)], model=SitesSettings).sites
    assert sites["harbour"] == Site(
        document=tmp_path / "docs" / "harbour.yaml",
        attach=[str(tmp_path / "extra.yaml"), "https://example.com/a.yaml", "/abs.yaml"],
        title="docs/x",  # not a path: left as written
    )
    assert sites["home"].document == Path("~/home.yaml").expanduser()


def test_a_table_is_not_a_flag_nor_a_variable(capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(capsys, [], {"MOORINGS_EXAMPLE_CONNECTIONS": "x"}, DatabaseSettings)
    assert line == (
        "MOORINGS_EXAMPLE_CONNECTIONS: connections can only be set in the config file, as [connections.NAME]"
    )
    assert "unrecognized arguments" in error_line(capsys, ["--connections", "x"], model=DatabaseSettings)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[connections.prod]\ndsn = "mysql://me:hunter2@h/db"\n',
            "[connections.prod] dsn (in 'connections' in config file",
        ),
        ("[connections.prod]\nport = 5\n", "[connections.prod] dsn (in 'connections' in config file"),
        ('[connections.prod]\ndsn = "postgresql://h/d"\nport = 5\n', "port (in"),
        ('connections = "x"\n', "[connections.NAME] (in 'connections' in config file"),
    ],
)
def test_an_entry_at_fault_is_named_and_its_value_kept_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, expected: str
) -> None:
    config = write_config(tmp_path, toml)
    line = error_line(capsys, ["--config", str(config)], model=DatabaseSettings)
    assert expected in line
    assert "hunter2" not in line
