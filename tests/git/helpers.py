"""What the git test modules share: real repositories made with real git, and calls to the server.

`Repo` makes and inspects a repository with the git command line, under a private global config
(`GIT_CONFIG_GLOBAL`, identity set, nothing of the machine's own `~/.gitconfig`), so every test sees
the same git whoever runs it. `call` opens a fresh server and connection per call, so no test sees
another's server state; the repository on disk is what carries over between calls.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types

from moorings_core.testing import HANG_LIMIT, MODERN, Era, connect, refusal, succeeded
from moorings_git.server import build_server
from moorings_git.settings import GitSettings

__all__ = ["Repo", "call", "diverge", "git_environment", "hook", "listed", "make_repo", "ok", "refused"]


@dataclass
class Repo:
    """A repository on disk, driven with plain git (never through the server under test)."""

    path: Path

    def git(self, *args: str, input: str | None = None, check: bool = True) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, input=input, check=False
        )
        if check and done.returncode:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def write(self, name: str, text: str) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def commit(self, message: str, **files: str) -> str:
        """Write `files` (name=text; use `write` for names that are not identifiers), stage all, commit."""
        for name, text in files.items():
            self.write(name, text)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def branch(self) -> str:
        return self.git("symbolic-ref", "--short", "HEAD").strip()

    def sha(self, revision: str) -> str:
        return self.git("rev-parse", "--verify", "--end-of-options", revision).strip()

    def status(self) -> str:
        """`git status --porcelain`: what a user would see changed, staged, untracked."""
        return self.git("status", "--porcelain")

    def subjects(self, revision: str = "HEAD", count: int = 10) -> list[str]:
        return self.git("log", "--format=%s", f"--max-count={count}", revision, "--").splitlines()


def make_repo(path: Path, *, commits: int = 1) -> Repo:
    """A repository on branch main at `path` with `commits` commits of README.md."""
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path)
    repo.git("init", "--quiet", "--initial-branch=main")
    for number in range(1, commits + 1):
        repo.commit(f"commit {number}", **{"README.md": f"line {number}\n" * number})
    return repo


def diverge(repo: Repo, *, conflict: bool) -> str:
    """A branch `side` off main with a commit of its own, and a commit on main after it.

    With `conflict` both change README.md's one line differently; else they change different files.
    main is checked out afterwards; returns side's commit.
    """
    repo.git("checkout", "--quiet", "-b", "side")
    side = repo.commit("side change", **({"README.md": "side\n"} if conflict else {"side.txt": "side\n"}))
    repo.git("checkout", "--quiet", "main")
    repo.commit("main change", **({"README.md": "main\n"} if conflict else {"main.txt": "main\n"}))
    return side


def hook(repo: Repo, name: str, marker: Path) -> None:
    """A hook `name` in the repository that leaves `marker` behind when it runs."""
    script = repo.path / ".git" / "hooks" / name
    script.write_text(f"#!/bin/sh\necho {name} >> '{marker}'\n", encoding="utf-8")
    script.chmod(0o755)


def git_environment(home: Path) -> Iterator[None]:
    """Point git (the tests' and the server's) at a private global config under `home`."""
    config = home / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    saved = {name: os.environ.get(name) for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM")}
    os.environ["GIT_CONFIG_GLOBAL"] = str(config)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def server_for(*repositories: Path, **settings: Any) -> Any:
    return build_server(GitSettings.model_validate({"repository": list(repositories), **settings}))


async def call(
    root: Path, tool: str, *, era: Era = MODERN, settings: dict[str, Any] | None = None, **arguments: Any
) -> types.CallToolResult:
    """Call `tool` on a git server jailed to `root` (`repo_path` defaults to `root`; None leaves it out)."""
    arguments.setdefault("repo_path", str(root))
    if arguments["repo_path"] is None:
        del arguments["repo_path"]
    async with connect(server_for(root, **(settings or {})), era=era) as client:
        with anyio.fail_after(HANG_LIMIT):
            return await client.call_tool(tool, arguments)


async def ok(root: Path, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    return succeeded(await call(root, tool, **arguments))


async def refused(root: Path, tool: str, **arguments: Any) -> str:
    return refusal(await call(root, tool, **arguments))


async def listed(
    root: Path, *, era: Era = MODERN, settings: dict[str, Any] | None = None
) -> dict[str, types.Tool]:
    """The tools a git server jailed to `root` lists, by name."""
    async with connect(server_for(root, **(settings or {})), era=era) as client:
        with anyio.fail_after(HANG_LIMIT):
            tools = (await client.list_tools()).tools
    return {tool.name: tool for tool in tools}
