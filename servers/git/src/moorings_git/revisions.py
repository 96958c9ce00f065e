"""Revisions a model names, turned into the commits they mean before a command that changes anything runs.

A command then gets a full hexadecimal sha, which git can only read as a commit: not an option, not
a path, not another revision. That matters because `--end-of-options`, the other guard, is not
understood by every command that takes a revision (`git reset` takes it for a revision, and
`git cherry-pick` and `git revert` refuse it, in git 2.39 at least), and because the name of a
missing revision is then told as such, not as whatever git made of it.
"""

from __future__ import annotations

from moorings_core import InvalidInput, LimitExceeded, NotFound
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.repositories import Repository
from moorings_git.running import Git

__all__ = ["commit_of", "commits_of", "head_commit", "is_ancestor"]


async def commit_of(git: Git, repo: Repository, revision: str, what: str) -> str:
    """The sha of the commit `revision` names (a branch, tag, sha, HEAD~2, ...); NotFound if none."""
    ordinary_argument(revision, what)
    result = await git.run(
        repo,
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"],
        accept=(0, 1, 128),
    )
    sha = result.stdout.decode("ascii", "replace").strip()
    if result.returncode or not sha:
        raise NotFound(
            f"{what} {revision!r} names no commit in this repository: no branch, tag or commit is "
            "called that (git_branch and git_log list them)."
        )
    return sha


async def commits_of(git: Git, repo: Repository, revision: str, what: str, *, limit: int) -> list[str]:
    """The commits `revision` names, oldest first: one commit, or every commit of a range A..B."""
    if ".." not in revision:
        return [await commit_of(git, repo, revision, what)]
    ordinary_argument(revision, what)
    output = await git.text(
        repo, ["rev-list", f"--max-count={limit + 1}", "--end-of-options", revision, "--"]
    )
    shas = output.split()
    if not shas:
        raise InvalidInput(
            f"the range {revision!r} holds no commits: its second end has nothing the first lacks."
        )
    if len(shas) > limit:
        raise LimitExceeded(
            f"the range {revision!r} holds more than {limit:,} commits; give a shorter range."
        )
    return shas[::-1]


async def head_commit(git: Git, repo: Repository) -> str | None:
    """The sha HEAD is at, or None on a branch with no commit yet."""
    result = await git.run(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], accept=(0, 1, 128))
    return result.stdout.decode("ascii", "replace").strip() if result.returncode == 0 else None


async def is_ancestor(git: Git, repo: Repository, ancestor: str, descendant: str) -> bool:
    """Whether the commit `ancestor` is in the history of `descendant` (both shas)."""
    result = await git.run(repo, ["merge-base", "--is-ancestor", ancestor, descendant], accept=(0, 1))
    return result.returncode == 0
