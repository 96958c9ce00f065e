"""`moorings install` and `moorings config`, in-process, in an empty HOME: what ends up in the file."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from moorings.cli import main
from moorings.hosts import HOSTS

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

UVX = "/opt/uv/bin/uvx"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    moved = (
        "XDG_CONFIG_HOME",
        "CODEX_HOME",
        "CLAUDE_CONFIG_DIR",
        "GEMINI_CLI_HOME",
        "APPDATA",
        "LOCALAPPDATA",
    )
    for variable in moved:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(project)
    uvx = tmp_path / "uv" / "uvx"
    uvx.parent.mkdir()
    uvx.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys.modules[__name__], "UVX", str(uvx))
    return home


def moorings(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    out, err = capsys.readouterr()
    return int(stopped.value.code or 0), out, err


def install(capsys: pytest.CaptureFixture[str], host: str, server: str, *args: str) -> tuple[int, str, str]:
    ours, _, theirs = list(args), None, []
    if "--" in ours:
        cut = ours.index("--")
        ours, theirs = ours[:cut], ours[cut + 1 :]
    return moorings(capsys, "install", host, server, "--uvx", UVX, "--no-warm", *ours, "--", *theirs)


CLAUDE = ".config/Claude/claude_desktop_config.json"


def test_install_adds_the_entry_and_keeps_everything_else(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = home / CLAUDE
    config.parent.mkdir(parents=True)
    config.write_text(
        '{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {"notes": {"command": "notes-mcp"}}\n}\n'
    )
    status, out, _ = install(capsys, "claude-desktop", "sqlite", "--", "--db-path", "shop.db")
    assert status == 0
    assert out.startswith(f"added 'sqlite' in {config}\nthe file as it was is in ")
    written = json.loads(config.read_text())
    assert written["globalShortcut"] == "Ctrl+Space"
    assert written["mcpServers"]["notes"] == {"command": "notes-mcp"}
    assert written["mcpServers"]["sqlite"] == {
        "command": UVX,
        "args": [
            "--from",
            "moorings-sqlite==0.1.0",
            "moorings-sqlite",
            "--db-path",
            str(Path.cwd() / "shop.db"),
        ],
    }
    backups = list(config.parent.glob("claude_desktop_config.json.moorings-*.bak"))
    assert len(backups) == 1
    assert json.loads(backups[0].read_text())["mcpServers"] == {"notes": {"command": "notes-mcp"}}


def test_installing_twice_changes_nothing_the_second_time(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(capsys, "cursor", "fetch")
    config = home / ".cursor" / "mcp.json"
    before = config.read_bytes()
    status, out, _ = install(capsys, "cursor", "fetch")
    assert (status, out) == (0, f"unchanged 'fetch' in {config}\n")
    assert config.read_bytes() == before
    assert list(config.parent.glob("*.bak")) == []  # nothing changed, so nothing was backed up


def test_an_entry_of_that_name_running_something_else_is_kept_unless_forced(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = home / ".cursor" / "mcp.json"
    config.parent.mkdir()
    theirs = '{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}'
    config.write_text(theirs)
    status, _, err = install(capsys, "cursor", "fetch")
    assert status == 1
    assert err == (
        f"moorings: error: {config} already has an entry 'fetch' that runs something else; keep it and "
        "choose another name with --name, or replace it with --force\n"
    )
    assert config.read_text() == theirs
    assert install(capsys, "cursor", "fetch", "--name", "web")[0] == 0
    assert set(json.loads(config.read_text())["mcpServers"]) == {"fetch", "web"}
    assert install(capsys, "cursor", "fetch", "--force")[1].startswith(f"updated 'fetch' in {config}")
    assert json.loads(config.read_text())["mcpServers"]["fetch"]["args"][1] == "moorings-fetch==0.1.0"


def test_a_moorings_entry_of_the_same_server_is_updated_in_place(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(capsys, "cursor", "filesystem", "--", "/srv/a")
    status, out, _ = install(capsys, "cursor", "filesystem", "--", "/srv/a", "/srv/b")
    assert status == 0
    assert out.startswith("updated 'filesystem' in ")
    entry = json.loads((home / ".cursor" / "mcp.json").read_text())["mcpServers"]["filesystem"]
    assert entry["args"][3:] == ["/srv/a", "/srv/b"]


def test_comments_survive_in_vscode_and_zed_files(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zed = home / ".config" / "zed" / "settings.json"
    zed.parent.mkdir(parents=True)
    zed.write_text('// Zed settings\n{\n  "theme": "One Dark", // my favourite\n  "vim_mode": true,\n}\n')
    assert install(capsys, "zed", "fetch")[0] == 0
    text = zed.read_text()
    assert text.startswith('// Zed settings\n{\n  "theme": "One Dark", // my favourite\n  "vim_mode": true,')
    assert '"context_servers": {' in text


def test_codex_gets_a_longer_start_up_timeout_and_its_other_tables_stay(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = home / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text('model = "o4-mini"  # fast\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n')
    assert install(capsys, "codex", "git", "--", "--repository", "/srv/repo")[0] == 0
    text = config.read_text()
    assert text.startswith('model = "o4-mini"  # fast\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n')
    entry = tomllib.loads(text)["mcp_servers"]["git"]
    assert entry["startup_timeout_sec"] == 60
    assert entry["args"] == ["--from", "moorings-git==0.1.0", "moorings-git", "--repository", "/srv/repo"]


SECRET = "s3cret-token"


@pytest.mark.parametrize(
    ("host", "file", "value"),
    [
        ("claude-desktop", CLAUDE, SECRET),
        ("claude-code", ".claude.json", "${MOORINGS_OPENAPI_BEARER_TOKEN}"),
        ("cursor", ".cursor/mcp.json", "${env:MOORINGS_OPENAPI_BEARER_TOKEN}"),
        ("vscode", ".config/Code/User/mcp.json", "${input:moorings-openapi-bearer-token}"),
    ],
)
def test_a_secret_goes_the_hosts_way_and_never_into_the_arguments(
    home: Path, capsys: pytest.CaptureFixture[str], host: str, file: str, value: str
) -> None:
    status, out, _ = install(capsys, host, "openapi", "--", "--spec", "/a.yaml", "--bearer-token", SECRET)
    assert status == 0
    document = json.loads((home / file).read_text())
    entry = document[HOSTS[host].container[0]]["openapi"]
    assert SECRET not in entry["args"]
    assert entry["env"] == {"MOORINGS_OPENAPI_BEARER_TOKEN": value}
    if host == "vscode":
        assert document["inputs"] == [
            {
                "type": "promptString",
                "id": "moorings-openapi-bearer-token",
                "description": "moorings-openapi --bearer-token: "
                + document["inputs"][0]["description"].split(": ", 1)[1],
                "password": True,
            }
        ]
    assert SECRET not in out


@pytest.mark.parametrize("key", list(HOSTS))
def test_config_prints_what_install_writes(home: Path, capsys: pytest.CaptureFixture[str], key: str) -> None:
    status, printed, said = moorings(
        capsys, "config", key, "fetch", "--uvx", UVX, "--", "--max-bytes", "2000000"
    )
    assert status == 0
    assert said.startswith(f"# {HOSTS[key].title}: add this to ")
    install(capsys, key, "fetch", "--no-host-cli", "--", "--max-bytes", "2000000")
    written = Path(said.split("add this to ", 1)[1].splitlines()[0]).read_text()
    assert printed == written  # into an empty file, the install is exactly the printed snippet


def test_config_never_shows_a_secret(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, printed, said = moorings(
        capsys, "config", "claude-desktop", "postgres", "--uvx", UVX, "--", "postgresql://app:pw@db/harbour"
    )
    assert status == 0
    assert "pw@db" not in printed + said
    entry = json.loads(printed)["mcpServers"]["postgres"]
    assert entry["env"] == {"MOORINGS_POSTGRES_DSN": "<MOORINGS_POSTGRES_DSN>"}
    assert "Secrets are not shown" in said


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["install", "emacs", "fetch"],
            "there is no host 'emacs' that moorings knows; the hosts are: claude-desktop,",
        ),
        (
            ["install", "cursor", "ftp"],
            "there is no Moorings server named 'ftp'; the servers are: filesystem,",
        ),
        (
            ["install", "windsurf", "fetch", "--scope", "project"],
            "Windsurf has no project scope; it has: user",
        ),
        (["config", "cursor", "sqlite"], "moorings-sqlite needs --db-path"),
        (["list", "--", "x"], "`moorings list` takes no server arguments after --"),
    ],
)
def test_mistakes_get_one_line_and_status_2(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    if args[0] != "list":
        args = [*args[:3], "--uvx", UVX, *args[3:]]
    status, _, err = moorings(capsys, *args)
    assert status == 2
    assert err.startswith(f"moorings: error: {message}")
    assert err.count("\n") == 1


def test_list_names_every_server_with_its_version_and_flags(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = moorings(capsys, "list")
    assert status == 0
    lines = out.splitlines()
    assert lines[:4] == [
        "moorings-filesystem  0.1.0     An MCP server for local files",
        "    DIR... --read-only --roots-mode --follow-gitignore --max-read-bytes",
        "moorings-sqlite      0.1.0     An MCP server for SQLite databases",
        "    --db-path --allow-writes --create --max-rows --max-result-chars --timeout --attach",
    ]
    assert (
        "moorings-openapi     0.1.0     An MCP server that turns a web API's OpenAPI document into tools, "
        in out
    )
    assert lines[-2] == (
        "Every server also takes --max-output-chars, --call-timeout, --max-message-bytes, --log-level and "
        "--config FILE."
    )


def test_list_of_one_server_gives_its_flags_and_variables(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = moorings(capsys, "list", "sqlite")
    assert status == 0
    assert "  --db-path PATH\n      The SQLite database file to serve." in out
    assert "[required; env: MOORINGS_SQLITE_DB_PATH]" in out
    data = json.loads(moorings(capsys, "list", "sqlite", "--json")[1])
    assert data["name"] == "sqlite"
    assert "--allow-writes" in [option["flag"] for option in data["options"]]


def test_find_links_goes_into_the_entry(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, printed, _ = moorings(capsys, "config", "cursor", "fetch", "--uvx", UVX, "--find-links", "dist")
    assert status == 0
    args = json.loads(printed)["mcpServers"]["fetch"]["args"]
    assert args[:2] == ["--find-links", str(Path.cwd() / "dist")]


def test_a_file_that_cannot_be_read_is_left_alone(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = home / ".cursor" / "mcp.json"
    config.parent.mkdir()
    config.write_text('{"mcpServers": {"notes": {"command": "notes-mcp",}\n')  # the closing brace is missing
    status, _, err = install(capsys, "cursor", "fetch")
    assert status == 1
    assert err.startswith(f"moorings: error: {config} cannot be read as JSON (")
    assert "line 2" in err
    assert err.endswith(
        "moorings changes nothing in a file it cannot read: fix it, or move it aside and install again\n"
    )
    assert config.read_text() == '{"mcpServers": {"notes": {"command": "notes-mcp",}\n'
    assert list(config.parent.glob("*.bak")) == []


def test_every_flag_the_readme_names_is_one_moorings_takes() -> None:
    from moorings.cli import _parser

    parser = _parser()
    flags = {flag for action in parser._actions for flag in action.option_strings}  # the top-level ones
    for sub in parser._subparsers._group_actions[0].choices.values():  # type: ignore[union-attr]
        flags |= {flag for action in sub._actions for flag in action.option_strings}
    readme = (Path(__file__).resolve().parents[2] / "moorings" / "README.md").read_text()
    readme = re.sub(r"```.*?```", "", readme, flags=re.DOTALL)  # inline code only
    spans = [span for span in re.findall(r"`([^`]+)`", readme) if span.startswith(("--", "moorings "))]
    named = {flag for span in spans for flag in re.findall(r"--[a-z][a-z-]+", span)}
    assert {"--force", "--find-links", "--json"} <= named  # the pattern finds the flags the README names
    assert named - flags == {"--from", "--header"}  # uvx's, in the pinned entry; a server's secret setting
