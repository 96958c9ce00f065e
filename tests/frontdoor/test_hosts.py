"""Where each host keeps its config on each system, computed here for all three."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from moorings.errors import UsageError
from moorings.hosts import HOSTS, host_named
from moorings.places import Place

LINUX = Place(system="linux", home=PurePosixPath("/home/ann"), cwd=PurePosixPath("/home/ann/harbour"))
MAC = Place(system="darwin", home=PurePosixPath("/Users/ann"), cwd=PurePosixPath("/Users/ann/harbour"))
WINDOWS = Place(
    system="windows",
    home=PureWindowsPath(r"C:\Users\ann"),
    environ={"APPDATA": r"C:\Users\ann\AppData\Roaming", "LOCALAPPDATA": r"C:\Users\ann\AppData\Local"},
    cwd=PureWindowsPath(r"C:\Users\ann\harbour"),
)

USER_FILES = {
    "claude-desktop": (
        "/home/ann/.config/Claude/claude_desktop_config.json",
        "/Users/ann/Library/Application Support/Claude/claude_desktop_config.json",
        r"C:\Users\ann\AppData\Roaming\Claude\claude_desktop_config.json",
    ),
    "claude-code": ("/home/ann/.claude.json", "/Users/ann/.claude.json", r"C:\Users\ann\.claude.json"),
    "vscode": (
        "/home/ann/.config/Code/User/mcp.json",
        "/Users/ann/Library/Application Support/Code/User/mcp.json",
        r"C:\Users\ann\AppData\Roaming\Code\User\mcp.json",
    ),
    "cursor": ("/home/ann/.cursor/mcp.json", "/Users/ann/.cursor/mcp.json", r"C:\Users\ann\.cursor\mcp.json"),
    "windsurf": (
        "/home/ann/.codeium/windsurf/mcp_config.json",
        "/Users/ann/.codeium/windsurf/mcp_config.json",
        r"C:\Users\ann\.codeium\windsurf\mcp_config.json",
    ),
    "zed": (
        "/home/ann/.config/zed/settings.json",
        "/Users/ann/.config/zed/settings.json",
        r"C:\Users\ann\AppData\Roaming\Zed\settings.json",
    ),
    "codex": (
        "/home/ann/.codex/config.toml",
        "/Users/ann/.codex/config.toml",
        r"C:\Users\ann\.codex\config.toml",
    ),
    "gemini": (
        "/home/ann/.gemini/settings.json",
        "/Users/ann/.gemini/settings.json",
        r"C:\Users\ann\.gemini\settings.json",
    ),
    "goose": (
        "/home/ann/.config/goose/config.yaml",
        "/Users/ann/.config/goose/config.yaml",
        r"C:\Users\ann\AppData\Roaming\Block\goose\config\config.yaml",
    ),
    "continue": (
        "/home/ann/.continue/config.yaml",
        "/Users/ann/.continue/config.yaml",
        r"C:\Users\ann\.continue\config.yaml",
    ),
    "cline": (
        "/home/ann/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
        "/Users/ann/Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/"
        "cline_mcp_settings.json",
        r"C:\Users\ann\AppData\Roaming\Code\User\globalStorage\saoudrizwan.claude-dev\settings"
        r"\cline_mcp_settings.json",
    ),
    "lm-studio": (
        "/home/ann/.lmstudio/mcp.json",
        "/Users/ann/.lmstudio/mcp.json",
        r"C:\Users\ann\.lmstudio\mcp.json",
    ),
}


def test_every_host_is_known() -> None:
    assert set(HOSTS) == set(USER_FILES)


@pytest.mark.parametrize("key", sorted(USER_FILES))
def test_user_config_files_on_each_system(key: str) -> None:
    host = host_named(key)
    linux, mac, windows = USER_FILES[key]
    assert str(host.config_path(LINUX, "user")) == linux
    assert str(host.config_path(MAC, "user")) == mac
    assert str(host.config_path(WINDOWS, "user")) == windows


def test_xdg_config_home_moves_the_linux_files_that_follow_it() -> None:
    place = Place(system="linux", home=PurePosixPath("/home/ann"), environ={"XDG_CONFIG_HOME": "/cfg"})
    assert str(host_named("zed").config_path(place, "user")) == "/cfg/zed/settings.json"
    assert (
        str(host_named("claude-desktop").config_path(place, "user"))
        == "/cfg/Claude/claude_desktop_config.json"
    )


def test_codex_home_moves_codex() -> None:
    place = Place(system="linux", home=PurePosixPath("/home/ann"), environ={"CODEX_HOME": "/srv/codex"})
    assert str(host_named("codex").config_path(place, "user")) == "/srv/codex/config.toml"


def test_claude_config_dir_and_gemini_cli_home_move_their_hosts_user_files() -> None:
    # Each host's own `mcp add` writes there (Claude Code 2.1.337, Gemini CLI 0.61.0).
    environ = {"CLAUDE_CONFIG_DIR": "/srv/claude", "GEMINI_CLI_HOME": "/srv/gemini"}
    place = Place(system="linux", home=PurePosixPath("/home/ann"), environ=environ)
    assert str(host_named("claude-code").config_path(place, "user")) == "/srv/claude/.claude.json"
    assert str(host_named("gemini").config_path(place, "user")) == "/srv/gemini/.gemini/settings.json"


@pytest.mark.parametrize(
    ("key", "project_file"),
    [
        ("claude-code", ".mcp.json"),
        ("vscode", ".vscode/mcp.json"),
        ("cursor", ".cursor/mcp.json"),
        ("zed", ".zed/settings.json"),
        ("codex", ".codex/config.toml"),
        ("gemini", ".gemini/settings.json"),
    ],
)
def test_project_scope_files_are_in_the_project(key: str, project_file: str) -> None:
    assert str(host_named(key).config_path(LINUX, "project")) == f"/home/ann/harbour/{project_file}"


def test_hosts_are_named_case_blind_and_an_unknown_one_lists_them() -> None:
    assert host_named("VSCode").key == "vscode"
    with pytest.raises(UsageError, match="the hosts are: claude-desktop, claude-code, vscode"):
        host_named("emacs")


def test_windows_packaged_claude_desktop_gets_the_file_it_really_reads(tmp_path: Path) -> None:
    place = Place(system="windows", home=tmp_path)  # a real folder standing in for C:\Users\ann
    host = host_named("claude-desktop")
    roaming = tmp_path / "AppData" / "Roaming" / "Claude" / "claude_desktop_config.json"
    assert host.config_path(place, "user") == roaming
    package = tmp_path / "AppData" / "Local" / "Packages" / "Claude_pzs8sxrjxfjjc"
    package.mkdir(parents=True)  # the Store (MSIX) app is installed: Windows redirects its AppData
    assert host.config_path(place, "user") == package / "LocalCache" / "Roaming" / "Claude" / roaming.name
