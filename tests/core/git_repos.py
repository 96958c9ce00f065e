"""Real git repositories for the git sandbox's tests, and programs that write down that they ran.

A `GitWorld` is one test's machine: a home, a global git config of its own (`GIT_CONFIG_GLOBAL`, so
the machine's `~/.gitconfig` never matters), a `bin/` first on PATH for programs the user has, and a
folder of markers. `program(name)` writes a shell script that appends to the marker `name` when
run; `ran(name)` says whether it did. Repositories are set up with `plain_git`, git as a user runs
it, without the sandbox; the same call is each hostile test's control, showing the vector is real.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from moorings_core.sandbox.git import GitSandbox

__all__ = ["GitWorld"]

# A stand-in for gpg that signs: git wants "SIG_CREATED" on the status descriptor, after a newline.
FAKE_SIGNATURE = """
cat > /dev/null
printf '\\n[GNUPG:] SIG_CREATED D 1 8 00 1 FAKE\\n' >&2
printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nfake\\n-----END PGP SIGNATURE-----\\n'
"""


@dataclass
class GitWorld:
    root: Path

    def __post_init__(self) -> None:
        for folder in (self.home, self.bin, self.markers):
            folder.mkdir(parents=True, exist_ok=True)
        self.global_config.write_text(
            "[user]\n\tname = Test User\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n"
        )

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def markers(self) -> Path:
        return self.root / "markers"

    @property
    def global_config(self) -> Path:
        return self.home / "user.gitconfig"

    def environment(self) -> dict[str, str]:
        """The user's environment: nothing of this machine's git setup, no proxy, no editor."""
        return {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.home),
            "GIT_CONFIG_GLOBAL": str(self.global_config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C",
        }

    def sandbox(self, *, allow_hooks: bool = False, allow_network: bool = False) -> GitSandbox:
        return GitSandbox(
            allow_hooks=allow_hooks, allow_network=allow_network, base_environment=self.environment()
        )

    # -- programs and markers ---------------------------------------------------------------------

    def program(self, name: str, then: str = "exit 0", *, folder: Path | None = None) -> str:
        """A script that writes down it ran as `name` (and with what arguments), then runs `then`;
        its path, ready to be a config value."""
        script = (folder or self.root / "programs") / name
        script.parent.mkdir(parents=True, exist_ok=True)
        marker = shlex.quote(str(self.markers / name))
        script.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\n{then}\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return str(script)

    def ran(self, name: str) -> bool:
        return (self.markers / name).exists()

    def any_ran(self) -> list[str]:
        return sorted(marker.name for marker in self.markers.iterdir())

    def forget(self) -> None:
        """Clear the markers, after a control or a setup step that was meant to run programs."""
        for marker in self.markers.iterdir():
            marker.unlink()

    # -- git as the user runs it ------------------------------------------------------------------

    def plain_git(
        self, cwd: Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Git without the sandbox: to set repositories up, and as each test's control."""
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**self.environment(), **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )

    def user_config(self, key: str, value: str) -> None:
        self.plain_git(self.root, "config", "--global", "--add", key, value)

    def repository(self, name: str, files: Mapping[str, str] | None = None) -> Path:
        """A new repository at `root/name` with one commit of `files` on main."""
        work_tree = self.root / name
        work_tree.mkdir(parents=True)
        self.plain_git(work_tree, "init", "-q")
        self.commit(work_tree, files or {"a.txt": "first\n"}, "first")
        return work_tree

    def commit(self, work_tree: Path, files: Mapping[str, str], message: str) -> None:
        for path, content in files.items():
            (work_tree / path).parent.mkdir(parents=True, exist_ok=True)
            (work_tree / path).write_text(content)
        self.plain_git(work_tree, "add", "--", *files)
        self.plain_git(work_tree, "commit", "-q", "-m", message)

    def config(self, work_tree: Path, key: str, value: str) -> None:
        """Set `key` in the repository's own config, as whoever made the repository did."""
        self.plain_git(work_tree, "config", "--add", key, value)
