"""What `moorings config` and `install` put on a host's command line, whatever the host."""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest

from moorings.catalog import all_servers, server_named
from moorings.errors import UsageError
from moorings.launch import plan_launch

HOME = Path.home()


def plan(server: str, *args: str, environ: dict[str, str] | None = None, cwd: str = "/work"):  # type: ignore[no-untyped-def]
    return plan_launch(
        server_named(server), args, uvx="/opt/uv/uvx", cwd=PurePath(cwd), environ=environ or {}
    )


def test_the_release_is_pinned_and_uvx_named_by_its_path() -> None:
    launch = plan("fetch")
    assert launch.argv == ["/opt/uv/uvx", "--from", "moorings-fetch==0.1.0", "moorings-fetch"]


def test_every_kind_of_path_argument_becomes_absolute() -> None:
    launch = plan(
        "sqlite", "--db-path", "data/harbour.db", "--attach=tides=../tides.db", "--config", "~/m.toml"
    )
    assert launch.server_args == (
        "--db-path", "/work/data/harbour.db",
        "--attach", "tides=/tides.db",
        "--config", f"{HOME}/m.toml",
    )  # fmt: skip


def test_positional_directories_become_absolute_and_keep_their_order() -> None:
    assert plan("filesystem", "b", "/srv/a", "--read-only", "c").server_args == (
        "/work/b", "/srv/a", "--read-only", "/work/c",
    )  # fmt: skip


def test_a_url_where_a_path_may_be_is_left_alone() -> None:
    assert plan("openapi", "--spec", "https://api.example.com/openapi.json").server_args == (
        "--spec",
        "https://api.example.com/openapi.json",
    )


def test_secrets_leave_the_arguments_for_their_variables() -> None:
    launch = plan(
        "openapi", "--spec", "/a.yaml", "--bearer-token", "s3cret", "--header", "X-A: 1", "--header=X-B: 2,3"
    )
    assert launch.server_args == ("--spec", "/a.yaml")
    assert launch.secrets == {
        "MOORINGS_OPENAPI_BEARER_TOKEN": "s3cret",
        "MOORINGS_OPENAPI_HEADER": '["X-A: 1", "X-B: 2,3"]',
    }


def test_a_positional_secret_too() -> None:
    launch = plan("postgres", "postgresql://app:pw@db/harbour", "--access-mode", "restricted")
    assert launch.server_args == ("--access-mode", "restricted")
    assert launch.secrets == {"MOORINGS_POSTGRES_DSN": "postgresql://app:pw@db/harbour"}


def test_a_secret_from_the_environment_is_taken_but_not_other_settings() -> None:
    environ = {"MOORINGS_OPENAPI_API_KEY": "k", "MOORINGS_OPENAPI_READ_ONLY": "true"}
    launch = plan("openapi", "--spec", "/a.yaml", environ=environ)
    assert launch.secrets == {"MOORINGS_OPENAPI_API_KEY": "k"}
    assert launch.server_args == ("--spec", "/a.yaml")


@pytest.mark.parametrize(
    ("server", "args", "message"),
    [
        (
            "sqlite",
            ["--db-path", "x.db", "--nope"],
            "moorings-sqlite has no setting --nope; its flags are: --config,",
        ),
        ("sqlite", [], "moorings-sqlite needs --db-path"),
        ("filesystem", [], "moorings-filesystem needs DIR"),
        ("sqlite", ["--db-path"], "--db-path needs a value"),
        (
            "sqlite",
            ["--db-path", "x", "--log-level", "LOUD"],
            "must be one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'",
        ),
        ("sqlite", ["--db-path", "x", "--create=yes"], "--create takes no value"),
        ("fetch", ["stray"], "moorings-fetch takes no positional arguments, but 'stray' was given"),
        ("fetch", ["--help"], "--help is not a setting"),
        ("git", ["--repo", "/r"], "moorings-git has no setting --repo"),  # no abbreviations, as the server
    ],
)
def test_arguments_the_server_would_refuse_are_refused_here(
    server: str, args: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=None) as raised:
        plan(server, *args)
    assert message in str(raised.value)


def test_a_config_file_may_give_what_is_required() -> None:
    assert plan("sqlite", "--config", "m.toml").server_args == ("--config", "/work/m.toml")


def test_negated_switches_are_kept() -> None:
    assert plan("filesystem", "/d", "--no-follow-gitignore").server_args == ("/d", "--no-follow-gitignore")


def test_the_catalog_has_every_server_with_its_flags() -> None:
    servers = all_servers()
    assert list(servers) == ["filesystem", "sqlite", "postgres", "git", "fetch", "openapi"]
    assert "--read-only" in servers["filesystem"].flags
    assert servers["postgres"].positional is not None
    assert servers["postgres"].positional.secret


def test_a_folder_of_wheels_goes_before_the_release_and_is_made_absolute() -> None:
    launch = plan_launch(
        server_named("fetch"), [], uvx="/u/uvx", cwd=PurePath("/work"), environ={}, find_links=["dist"]
    )
    assert launch.args == ["--find-links", "/work/dist", "--from", "moorings-fetch==0.1.0", "moorings-fetch"]


def test_uvx_is_found_where_uv_installs_it_when_not_on_path(tmp_path: Path) -> None:
    from moorings.launch import find_uvx
    from moorings.places import Place

    linux = Place(system="linux", home=tmp_path, environ={"PATH": ""})
    assert find_uvx(linux) is None
    (tmp_path / ".local" / "bin").mkdir(parents=True)
    (tmp_path / ".local" / "bin" / "uvx").write_text("")
    assert find_uvx(linux) == str(tmp_path / ".local" / "bin" / "uvx")
    # Windows' installer puts uvx.exe in the same place; a plain `uvx` there is not it.
    windows = Place(system="windows", home=tmp_path, environ={"PATH": ""})
    assert find_uvx(windows) is None
    (tmp_path / ".local" / "bin" / "uvx.exe").write_text("")
    assert find_uvx(windows) == str(tmp_path / ".local" / "bin" / "uvx.exe")


def test_uvx_beside_the_uv_that_runs_moorings_is_found(tmp_path: Path) -> None:
    from moorings.launch import find_uvx
    from moorings.places import Place

    (tmp_path / "uvx").write_text("")
    place = Place(system="linux", home=tmp_path / "home", environ={"PATH": "", "UV": str(tmp_path / "uv")})
    assert find_uvx(place) == str(tmp_path / "uvx")
