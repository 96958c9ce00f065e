"""The openapi server's settings: one API from flags or the environment, more from [apis.NAME] tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from moorings_core.config import load_settings
from moorings_openapi.settings import OpenApiSettings


def settings(*argv: str, environ: dict[str, str] | None = None) -> OpenApiSettings:
    return load_settings(OpenApiSettings, server="openapi", version="0", argv=argv, environ=environ or {})


def error_line(capsys: pytest.CaptureFixture[str], *argv: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(SystemExit) as stop:
        settings(*argv, environ=environ)
    assert stop.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    return line


def test_one_api_from_flags_and_the_environment() -> None:
    config = settings(
        "--spec", "harbour.yaml", "--base-url", "https://api.harbour.example/v1/",
        "--include-tag", "boats", "--exclude-operation", "delete*", "--read-only",
        environ={"MOORINGS_OPENAPI_BEARER_TOKEN": "s3cret-token", "MOORINGS_OPENAPI_TOOL_MODE": "compact"},
    )  # fmt: skip
    [(prefix, source)] = config.sources.items()
    assert prefix == ""
    assert (source.spec, source.base_url) == ("harbour.yaml", "https://api.harbour.example/v1")
    assert (source.include_tag, source.exclude_operation, source.read_only) == (["boats"], ["delete*"], True)
    assert source.bearer_token == "s3cret-token"
    assert config.tool_mode == "compact"


def test_more_apis_come_from_tables_with_paths_read_from_the_files_directory(tmp_path: Path) -> None:
    config_file = tmp_path / "moorings.toml"
    config_file.write_text(
        "read_only = true\n"
        "[apis.harbour]\n"
        'spec = "specs/harbour.yaml"\n'
        'base_url = "http://127.0.0.1:8000/v1"\n'
        'api_key = "harbour-key-123"\n'
        'headers = ["X-Team: docks"]\n'
        "[apis.weather]\n"
        'spec = "https://weather.example/openapi.json"\n'
        'username = "ann"\n'
        'password = "hunter22"\n',
        encoding="utf-8",
    )
    config = settings("--config", str(config_file))
    sources = config.sources
    assert list(sources) == ["harbour_", "weather_"]
    assert sources["harbour_"].spec == str(tmp_path / "specs" / "harbour.yaml")
    assert sources["harbour_"].extra_headers == (("X-Team", "docks"),)
    assert sources["weather_"].spec == "https://weather.example/openapi.json"  # a URL is not a path
    # --read-only holds for every API, whatever its table says.
    assert all(source.read_only for source in sources.values())


def test_the_spec_api_comes_first_beside_tables(tmp_path: Path) -> None:
    config_file = tmp_path / "moorings.toml"
    config_file.write_text('[apis.extra]\nspec = "extra.json"\n', encoding="utf-8")
    assert list(settings("--spec", "main.json", "--config", str(config_file)).sources) == ["", "extra_"]


@pytest.mark.parametrize(
    ("argv", "environ", "words"),
    [
        ([], {}, "no OpenAPI document given: pass --spec PATH_OR_URL"),
        (["--spec", " "], {}, "must be a file path or an http(s):// URL"),
        (
            ["--spec", "a.yaml", "--base-url", "api.example.com"],
            {},
            "must be an absolute http:// or https:// URL",
        ),
        (["--spec", "a.yaml", "--base-url", "https://a.example/?k=1"], {}, "must not have a query"),
        (["--spec", "a.yaml", "--username", "ann"], {}, "basic auth needs both --username and --password"),
        (["--spec", "a.yaml", "--tool-mode", "lazy"], {}, "--tool-mode"),
        (["--spec", "a.yaml", "--max-result-chars", "10"], {}, "--max-result-chars"),
        (["--base-url", "https://a.example"], {}, "no OpenAPI document given"),
    ],
)
def test_bad_settings_give_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str], words: str
) -> None:
    assert words in error_line(capsys, *argv, environ=environ)


def test_options_of_the_spec_api_need_a_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config_file = tmp_path / "moorings.toml"
    config_file.write_text('[apis.extra]\nspec = "extra.json"\n', encoding="utf-8")
    line = error_line(capsys, "--config", str(config_file), "--base-url", "https://a.example")
    assert "--base-url applies to the --spec API, and no --spec is given" in line


@pytest.mark.parametrize("name", ["1st", "with_underscore", "a" * 25, "dots.no"])
def test_api_names_must_fit_tool_names(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> None:
    config_file = tmp_path / "moorings.toml"
    config_file.write_text(f'[apis."{name}"]\nspec = "extra.json"\n', encoding="utf-8")
    assert f"[apis.{name}]: an API name is a letter" in error_line(capsys, "--config", str(config_file))


def test_credentials_never_appear_in_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config_file = tmp_path / "moorings.toml"
    config_file.write_text(
        '[apis.harbour]\nspec = "h.yaml"\napi_key = 12345678\nheaders = ["X-Key hunter2-secret"]\n',
        encoding="utf-8",
    )
    line = error_line(capsys, "--config", str(config_file))
    assert "12345678" not in line
    assert "hunter2-secret" not in line
