"""Every git tool fuzzed from its input schema (see moorings_core.testing.fuzzing), writes and all, on a
repository inside the root; a repository outside the root, holding the sentinel, is the canary.

The strings worth trying are the repository's own names beside every road out of it: options where a
revision or a name goes, paths out of the jail, refs that look like options. The repository has a tag,
a stash entry and a branch literally named "-x", so the tools that change things (merge, rebase,
cherry-pick, revert, stash, tag, clean, init) meet real objects, not only the argument guard.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from moorings_core.server import MooringsServer
from moorings_core.testing import Sandbox, fuzz_test
from tests.git.helpers import make_repo, server_for


@asynccontextmanager
async def git(box: Sandbox) -> AsyncIterator[MooringsServer]:
    inside = make_repo(box.root / "repo", commits=2)
    inside.git("branch", "feature")
    inside.git("tag", "v1.0", "HEAD~1")
    inside.git("update-ref", "refs/heads/-x", "HEAD~1")
    inside.write("README.md", "set aside\n")
    inside.git("stash", "push", "--quiet", "-m", "aside")
    inside.write("README.md", "changed\n")
    outside = make_repo(box.outside / "secret-repo")
    outside.commit("the sentinel", **{"sentinel.txt": box.sentinel.read_text()})
    yield server_for(box.root, call_timeout=10)


def git_strings(box: Sandbox) -> Iterable[str]:
    repo, secret = box.root / "repo", box.outside / "secret-repo"
    return [
        str(repo), "repo", "repo/README.md", "README.md", ".", "main", "feature", "HEAD", "HEAD~1",
        "HEAD:README.md", "main..feature", "origin", "v1.0", str(secret), f"{secret}/.git",
        "../outside/secret-repo", "-x", "--output=" + str(box.outside / "written"), "--orphan=x",
        "--format=%H", "--delete", "--all", "-p", "--exec=touch " + str(box.outside / "ran"),
        "ext::sh -c touch% " + str(box.outside / "ran"), "--upload-pack=touch " + str(box.outside / "ran"),
        ":(top)", ":!README.md", "2 weeks ago", "2024-01-15T14:30:25", "refs/heads/-x", "feature..main",
        "--interactive", "--no-verify", "Name <name@example.com>", "new-repo", str(box.outside / "new-repo"),
    ]  # fmt: skip


test_tools_survive_fuzzing = fuzz_test(git, strings=git_strings)
