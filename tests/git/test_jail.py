"""The jail: repo_path and every path must lead inside the allowed directories.

Each hostile case sits beside a legitimate control: a repository outside, `..`, a symlink out of
the jail, a subfolder of a repository whose top level is outside, paths outside the repository;
and where the jail comes from when no --repository is given (the client's roots, else the
current directory).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client

from moorings_core.testing import HANG_LIMIT, LEGACY, MODERN, connect, refusal, succeeded
from moorings_git.server import build_server
from moorings_git.settings import GitSettings
from tests.git.helpers import Repo, make_repo, ok, refused

pytestmark = pytest.mark.anyio


@pytest.fixture
def jail(tmp_path: Path) -> Path:
    (tmp_path / "jail").mkdir(exist_ok=True)
    return tmp_path / "jail"


@pytest.fixture
def outside(tmp_path: Path) -> Repo:
    """A repository beside the jail, never to be read."""
    return make_repo(tmp_path / "outside" / "repo", commits=1)


def denied(message: str) -> bool:
    return "is denied" in message and "outside the allowed directories" in message


async def test_a_repository_outside_the_jail_is_refused(jail: Path, repo: Repo, outside: Repo) -> None:
    assert denied(await refused(jail, "git_log", repo_path=str(outside.path)))
    assert denied(await refused(jail, "git_status", repo_path=str(outside.path / "..")))
    _, data = await ok(jail, "git_log", repo_path=str(repo.path))
    assert len(data["entries"]) == 3


@pytest.mark.parametrize(
    "sneaky",
    [
        "repo/../../outside/repo",
        "../outside/repo",
        "{jail}/repo/../../outside/repo",
        "{jail}/../outside/repo/.",
    ],
)
async def test_dot_dot_cannot_climb_out(jail: Path, repo: Repo, outside: Repo, sneaky: str) -> None:
    assert denied(await refused(jail, "git_status", repo_path=sneaky.format(jail=jail)))
    text, _ = await ok(jail, "git_status", repo_path="repo/../repo")  # stays inside: the control
    assert text.startswith("Repository status:\nOn branch main")


async def test_a_symlink_inside_the_jail_to_a_repository_outside_is_refused(
    jail: Path, repo: Repo, outside: Repo
) -> None:
    (jail / "link-out").symlink_to(outside.path, target_is_directory=True)
    (jail / "link-in").symlink_to(repo.path, target_is_directory=True)
    message = await refused(jail, "git_log", repo_path=str(jail / "link-out"))
    assert "leads outside the allowed directories through a symbolic link" in message
    _, data = await ok(jail, "git_log", repo_path=str(jail / "link-in"))
    assert len(data["entries"]) == 3


async def test_a_folder_of_a_repository_whose_top_level_is_outside_the_jail_is_refused(repo: Repo) -> None:
    sub = repo.path / "sub"
    repo.commit("sub", **{"sub/file.txt": "x\n"})
    message = await refused(sub, "git_log", repo_path=str(sub))
    assert f"{sub} is not inside a git repository within the allowed directories ({sub})" in message
    _, data = await ok(repo.path, "git_log", repo_path=str(sub), paths=["sub"])  # jail = the whole repo
    assert [entry["subject"] for entry in data["entries"]] == ["sub"]


@pytest.mark.parametrize("pointer", ["gitdir file", "symlink", "commondir"])
async def test_a_git_directory_outside_the_jail_is_refused(
    jail: Path, repo: Repo, outside: Repo, pointer: str
) -> None:
    outside.commit("secret", **{"secret.txt": "hunter2\n"})
    trap = jail / "trap"
    trap.mkdir()
    if pointer == "gitdir file":
        (trap / ".git").write_text(f"gitdir: {outside.path / '.git'}\n")
    elif pointer == "symlink":
        (trap / ".git").symlink_to(outside.path / ".git", target_is_directory=True)
    else:  # a git directory of its own whose refs and objects are another's
        make_repo(trap, commits=0)
        (trap / ".git" / "commondir").write_text(f"{outside.path / '.git'}\n")
        assert "secret" in Repo(trap).git("log", "--format=%s")  # git itself follows it
    for tool, arguments in (("git_log", {}), ("git_show_file", {"path": "secret.txt"})):
        message = await refused(jail, tool, repo_path=str(trap), **arguments)
        assert f"{trap} keeps its git data in {outside.path / '.git'}, outside the allowed" in message
        assert "hunter2" not in message


async def test_linked_worktrees_and_submodules_inside_the_jail_are_served(jail: Path, repo: Repo) -> None:
    repo.git("worktree", "add", "--quiet", "-b", "topic", str(jail / "linked"))
    library = make_repo(jail / "library", commits=1)
    repo.git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", str(library.path), "lib")
    _, data = await ok(jail, "git_log", repo_path=str(jail / "linked"), max_count=1)
    assert data["entries"][0]["subject"] == "commit 3"
    _, data = await ok(jail, "git_log", repo_path=str(repo.path / "lib"))
    assert [entry["subject"] for entry in data["entries"]] == ["commit 1"]


@pytest.mark.parametrize("escape", ["/etc/hostname", "../../outside/repo/README.md", "sub/../../x"])
@pytest.mark.parametrize(
    ("tool", "argument"),
    [
        ("git_diff_unstaged", "paths"),
        ("git_diff_staged", "paths"),
        ("git_log", "paths"),
        ("git_grep", "paths"),
        ("git_blame", "path"),
        ("git_show_file", "path"),
    ],
)
async def test_paths_outside_the_repository_are_refused(
    repo: Repo, outside: Repo, tool: str, argument: str, escape: str
) -> None:
    extra: dict[str, Any] = {"pattern": "line"} if tool == "git_grep" else {}
    value: Any = [escape] if argument == "paths" else escape
    message = await refused(repo.path, tool, **{argument: value}, **extra)
    assert "is outside the repository" in message
    inside: Any = [str(repo.path / "README.md")] if argument == "paths" else str(repo.path / "README.md")
    result = await ok(repo.path, tool, **{argument: inside}, **extra)  # absolute, but inside
    assert result[0]


# -- where the jail comes from ---------------------------------------------------------------------


@asynccontextmanager
async def unconfigured(roots: list[Path] | None) -> AsyncIterator[Client]:
    """A server started without --repository; a 2025 client offering `roots` (None: a 2026 client,
    which has none to offer)."""
    server = build_server(GitSettings())
    if roots is None:
        async with connect(server, era=MODERN) as client:
            yield client
        return

    async def list_roots(context: object) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri=root.as_uri()) for root in roots])

    async with connect(server, era=LEGACY, list_roots_callback=list_roots) as client:
        yield client


async def status_of(client: Client, repo_path: str) -> types.CallToolResult:
    with anyio.fail_after(HANG_LIMIT):
        return await client.call_tool("git_status", {"repo_path": repo_path})


async def test_without_repositories_the_clients_roots_are_the_jail(
    jail: Path, repo: Repo, outside: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(outside.path)  # the current directory is not used while roots are offered
    async with unconfigured([jail]) as client:
        text, _ = succeeded(await status_of(client, str(repo.path)))
        assert text.startswith("Repository status:\nOn branch main")
        succeeded(await status_of(client, "repo"))  # relative to the first root
        assert denied(refusal(await status_of(client, str(outside.path))))
    async with unconfigured([outside.path]) as client:  # a root is the client's to choose
        succeeded(await status_of(client, str(outside.path)))
        assert denied(refusal(await status_of(client, str(repo.path))))


async def test_roots_that_do_not_exist_leave_the_current_directory(
    jail: Path, repo: Repo, outside: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(jail)
    async with unconfigured([tmp_path / "missing"]) as client:
        succeeded(await status_of(client, "repo"))
        assert denied(refusal(await status_of(client, str(outside.path))))


async def test_without_repositories_or_roots_the_current_directory_is_the_jail(
    jail: Path, repo: Repo, outside: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(jail)
    async with unconfigured(None) as client:
        text, _ = succeeded(await status_of(client, "repo"))
        assert text.startswith("Repository status:\nOn branch main")
        succeeded(await status_of(client, str(repo.path)))
        assert denied(refusal(await status_of(client, str(outside.path))))
        assert denied(refusal(await status_of(client, "../outside/repo")))


async def test_configured_repositories_win_over_the_clients_roots(
    jail: Path, repo: Repo, outside: Repo
) -> None:
    server = build_server(GitSettings(repository=[jail]))

    async def list_roots(context: object) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri=outside.path.as_uri())])

    async with connect(server, era=LEGACY, list_roots_callback=list_roots) as client:
        assert denied(refusal(await status_of(client, str(outside.path))))
        succeeded(await status_of(client, str(repo.path)))
