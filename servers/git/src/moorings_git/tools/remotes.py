"""git_remote, git_fetch, git_pull and git_push: a repository's remotes, and exchanging commits with them.

git_remote only reads the configuration and is always offered. The other three talk to the remote,
so they are offered only when the operator started the server with --allow-network (and not
read-only: each changes refs). The remote is always one of the repository's configured remotes,
never a URL or path given in the call; one on this machine must lie inside the jail (a fetch reads
it, a push writes it), and its own configuration is taken back as the repository's is
(`moorings_git.transport`). Credentials written into a remote's URL are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import (
    InvalidInput,
    MooringsError,
    MooringsServer,
    NotFound,
    OperationFailed,
    Output,
    ToolContext,
    ToolRegistry,
    tool_result,
)
from moorings_core.commands import CommandResult
from moorings_core.sandbox.git import ordinary_argument
from moorings_core.sandbox.paths import Intent
from moorings_git.locations import locate, redact
from moorings_git.repositories import Repository
from moorings_git.running import DIFF_SAFETY
from moorings_git.status import Operation, operation_in_progress
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Confirm, RepoPath
from moorings_git.tools.branches import current_branch
from moorings_git.transport import local_program_option, run_remote_command, unsuccessful

__all__ = ["register", "register_network"]

_MAX_REMOTES = 1_000
_REF_LISTING = 16 * 2**20
_MAX_CONFLICTS = 1_000


class Remote(Output):
    name: str
    fetch_url: str | None = Field(default=None, description="Where fetch and pull read from.")
    push_urls: list[str] = Field(description="Where push writes to (usually the fetch URL).")


class RemoteList(Output):
    remotes: list[Remote]


class RefChange(Output):
    ref: str = Field(description="The remote-tracking branch (origin/main) or tag (v1.0).")
    kind: Literal["branch", "tag"]
    change: Literal["new", "updated", "deleted"]
    old: str | None = Field(default=None, description="The commit it was at before.")
    new: str | None = Field(default=None, description="The commit it is at now.")


class FetchResult(Output):
    remote: str
    url: str = Field(description="The remote's URL, credentials hidden.")
    changes: list[RefChange] | None = Field(
        description="Remote-tracking branches and tags the fetch changed; absent when there are too "
        "many refs to compare."
    )


class PullResult(Output):
    remote: str
    branch: str | None = Field(default=None, description="The local branch pulled into.")
    outcome: Literal["up to date", "fast-forward", "merged", "rebased", "conflict"]
    before: str | None = Field(default=None, description="The commit HEAD was at before.")
    after: str | None = Field(default=None, description="The commit HEAD is at now.")
    conflicts: list[str] = Field(default_factory=list, description="Files left with conflicts.")
    operation: Operation | None = Field(
        default=None, description="The merge or rebase left in progress by a conflict."
    )


class PushedRef(Output):
    ref: str = Field(description="The branch or tag on the remote.")
    status: Literal["new", "fast-forward", "forced", "deleted", "up to date"]
    summary: str = Field(description="git's summary: old..new commits, or what happened.")


class PushResult(Output):
    remote: str
    url: str = Field(description="Where it was pushed, credentials hidden.")
    refs: list[PushedRef]
    upstream: str | None = Field(default=None, description="The upstream the branch now tracks, when set.")


_RemoteName = Annotated[
    str | None,
    Field(
        description="A configured remote's name (see git_remote); default: the current branch's "
        "remote, else origin."
    ),
]


@dataclass(frozen=True)
class _Remote:
    """A configured remote, checked: its name, its URLs as shown (credentials hidden), and the
    option that names the program at its end."""

    name: str
    shown: str
    options: tuple[str, ...]


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="List remotes", read_only=True)
    async def git_remote(
        repo_path: RepoPath, ctx: ToolContext
    ) -> Annotated[types.CallToolResult, RemoteList]:
        """List the repository's remotes with the URLs they fetch from and push to (as `git remote
        -v`). Passwords and tokens written into a URL are shown as ***."""
        repo = await toolbox.open(repo_path, ctx)
        listing = RemoteList(remotes=_parse_remotes(await toolbox.git.text(repo, ["remote", "--verbose"])))
        return tool_result(_describe_remotes(listing), listing)


def register_network(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Fetch from a remote", read_only=False, idempotent=True, open_world=True)
    async def git_fetch(
        repo_path: RepoPath,
        ctx: ToolContext,
        remote: _RemoteName = None,
        branch: Annotated[
            str | None, Field(description="Only this branch of the remote (default: all of them).")
        ] = None,
        prune: Annotated[
            bool,
            Field(description="Also remove remote-tracking branches whose branch is gone from the remote."),
        ] = False,
    ) -> Annotated[types.CallToolResult, FetchResult]:
        """Download commits, branches and tags from a remote and update the remote-tracking branches
        (origin/main...). Local branches and the working tree are not touched: merge or rebase
        afterwards, or use git_pull."""
        repo = await toolbox.open(repo_path, ctx)
        target = await _checked_remote(toolbox, repo, remote, push=False)
        args = ["fetch", "--quiet", *target.options, *(["--prune"] if prune else [])]
        args += ["--end-of-options", target.name]
        if branch is not None:
            args.append(f"refs/heads/{_branch_name(branch)}")
        before = await _tracking_refs(toolbox, repo, target.name)
        await _run(toolbox, repo, args, target)
        changes = _changes(before, await _tracking_refs(toolbox, repo, target.name))
        result = FetchResult(remote=target.name, url=target.shown, changes=changes)
        return tool_result(_describe_fetch(result), result)

    @server.tool(title="Pull from a remote", read_only=False, open_world=True)
    async def git_pull(
        repo_path: RepoPath,
        ctx: ToolContext,
        remote: _RemoteName = None,
        branch: Annotated[
            str | None,
            Field(description="The remote's branch to bring in (default: the current branch's upstream)."),
        ] = None,
        rebase: Annotated[
            bool, Field(description="Rebase local commits onto the remote's instead of merging.")
        ] = False,
        ff_only: Annotated[
            bool, Field(description="Only fast-forward; refuse when a merge or rebase would be needed.")
        ] = False,
    ) -> Annotated[types.CallToolResult, PullResult]:
        """Fetch from a remote and bring its branch into the current one (merge by default; rebase or
        fast-forward only on request). A conflict stops the merge or rebase part-way: the result
        lists the conflicted files and how to finish or abort."""
        if rebase and ff_only:
            raise InvalidInput("Choose one of rebase and ff_only: a fast-forward needs no rebase.")
        repo = await toolbox.open(repo_path, ctx)
        target = await _checked_remote(toolbox, repo, remote, push=False)
        args = ["pull", "--rebase" if rebase else "--no-rebase", *(["--ff-only"] if ff_only else [])]
        args += [*target.options, "--end-of-options", target.name]
        if branch is not None:
            args.append(f"refs/heads/{_branch_name(branch)}")
        local = await current_branch(toolbox, repo)
        before = await _head(toolbox, repo)
        done = await _run(toolbox, repo, args, target, accept=(0, 1, 128))
        operation = operation_in_progress(repo.git_dir)
        if done.returncode and operation is None:
            raise _pull_failure(args, done)
        after = await _head(toolbox, repo)
        if operation is not None:
            conflicts = await _conflicts(toolbox, repo)
            result = PullResult(
                remote=target.name,
                branch=local,
                outcome="conflict",
                before=before,
                after=after,
                conflicts=conflicts,
                operation=operation,
            )
        else:
            outcome = await _pull_outcome(toolbox, repo, before, after, rebase)
            result = PullResult(remote=target.name, branch=local, outcome=outcome, before=before, after=after)
        return tool_result(_describe_pull(result), result)

    @server.tool(title="Push to a remote", read_only=False, destructive=True, open_world=True)
    async def git_push(
        repo_path: RepoPath,
        ctx: ToolContext,
        remote: Annotated[
            str | None,
            Field(
                description="A configured remote's name (see git_remote); default: the branch's push "
                "remote, else its remote, else origin."
            ),
        ] = None,
        branch: Annotated[
            str | None,
            Field(
                description="The local branch to push, to the branch of the same name on the remote "
                "(default: the current one)."
            ),
        ] = None,
        set_upstream: Annotated[
            bool, Field(description="Make the remote's branch the local branch's upstream.")
        ] = False,
        force: Annotated[
            bool,
            Field(
                description="Overwrite the remote's branch even when it has commits the local one lacks "
                "(with a lease: only if it is still where the last fetch saw it). Needs confirm."
            ),
        ] = False,
        tags: Annotated[bool, Field(description="Push every tag as well.")] = False,
        delete: Annotated[
            bool, Field(description="Delete the branch on the remote instead of pushing it. Needs confirm.")
        ] = False,
        confirm: Confirm = False,
    ) -> Annotated[types.CallToolResult, PushResult]:
        """Push a local branch to a remote. A force push, deleting a remote branch, and any push to a
        protected branch (main, master unless configured otherwise) need confirm=true; without it the
        call says what it would do. A push the remote rejects (it has commits you lack) is reported
        with what to do next."""
        if delete and (force or tags or set_upstream):
            raise InvalidInput("delete goes alone: not with force, tags or set_upstream.")
        repo = await toolbox.open(repo_path, ctx)
        name = _branch_name(branch) if branch is not None else await current_branch(toolbox, repo)
        if name is None:
            raise InvalidInput("HEAD is detached, so there is no current branch: name the branch to push.")
        target = await _checked_remote(toolbox, repo, remote, push=True, branch=name)
        if not delete:
            await _require_local_branch(toolbox, repo, name)
        _confirm_push(toolbox, target, name, force=force, delete=delete, confirm=confirm)
        args = ["push", "--porcelain", *target.options]
        args += [*(["--force-with-lease"] if force else []), *(["--set-upstream"] if set_upstream else [])]
        args += [*(["--tags"] if tags else []), "--end-of-options", target.name]
        args.append(f":refs/heads/{name}" if delete else f"refs/heads/{name}:refs/heads/{name}")
        done = await _run(toolbox, repo, args, target, accept=(0, 1))
        if done.returncode:
            raise _push_failure(args, done, target, name)
        result = PushResult(
            remote=target.name,
            url=target.shown,
            refs=_pushed(done.stdout.decode("utf-8", "replace"), done.error_text),
            upstream=f"{target.name}/{name}" if set_upstream else None,
        )
        return tool_result(_describe_push(result), result)


# -- remotes ---------------------------------------------------------------------------------------


async def _checked_remote(
    toolbox: Toolbox, repo: Repository, name: str | None, *, push: bool, branch: str | None = None
) -> _Remote:
    """The configured remote `name` (or the default one), its URLs checked against the jail."""
    names = (await toolbox.git.text(repo, ["remote"])).splitlines()
    if not names:
        raise NotFound(f"The repository {repo.work_tree} has no remotes.")
    if name is None:
        name = await _default_remote(toolbox, repo, names, push=push, branch=branch)
    elif ordinary_argument(name, "remote") not in names:
        raise NotFound(f"There is no remote named {name!r}; this repository has: {', '.join(names)}.")
    direction = ["--push"] if push else []
    urls = (
        await toolbox.git.text(repo, ["remote", "get-url", *direction, "--all", "--end-of-options", name])
    ).splitlines()
    shown = redact(" ".join(urls))
    intent: Intent = "write" if push else "read"
    local = [
        location.inside(repo.jail, repo.work_tree, intent)
        for location in (locate(url, f"URL of the remote {name!r}") for url in urls)
        if location.kind == "local"
    ]
    program: Literal["upload-pack", "receive-pack"] = "receive-pack" if push else "upload-pack"
    if not local:
        # The repository's remote.<name>.uploadpack would otherwise name the command run over
        # ssh, as the user, on the remote's host; git takes the first value it reads, the
        # repository's, over the sandbox's -c. The option wins over both.
        return _Remote(name, shown, (f"--{program}=git-{program}",))
    if len(urls) > 1:
        raise InvalidInput(
            f"The remote {name!r} has several URLs ({shown}), one of them on this machine; "
            "this server works with such a remote only when it has a single URL."
        )
    if not local[0].is_dir():  # a bundle file: read by git itself, no program at the other end
        return _Remote(name, shown, ())
    return _Remote(name, shown, (await local_program_option(toolbox.git.sandbox, local[0], program),))


async def _default_remote(
    toolbox: Toolbox, repo: Repository, names: list[str], *, push: bool, branch: str | None
) -> str:
    """As git chooses: the branch's push remote and remote.pushDefault (for a push), the branch's
    remote, origin, or the only remote there is."""
    branch = branch or await current_branch(toolbox, repo)
    keys = [f"branch.{branch}.pushRemote", "remote.pushDefault"] if push and branch else []
    keys += [f"branch.{branch}.remote"] if branch else []
    for key in keys:
        value = (await toolbox.git.text(repo, ["config", "--get", key], accept=(0, 1))).strip()
        if value in names:
            return value
    if "origin" in names:
        return "origin"
    if len(names) == 1:
        return names[0]
    raise InvalidInput(
        f"Name the remote: this repository has several ({', '.join(names)}) and "
        f"{'the branch' if branch else 'a detached HEAD'} tracks none of them."
    )


def _branch_name(branch: str) -> str:
    """A branch name to put in a refspec: one that cannot read as an option or change the refspec."""
    ordinary_argument(branch, "branch")
    if branch.startswith("+") or any(mark in branch for mark in ":*^~?[\\ "):
        raise InvalidInput(f"{branch!r} is not a branch name git accepts.")
    return branch.removeprefix("refs/heads/")


async def _run(
    toolbox: Toolbox,
    repo: Repository,
    args: list[str],
    target: _Remote,
    *,
    accept: tuple[int, ...] = (0,),
) -> CommandResult:
    return await run_remote_command(
        toolbox.git.sandbox,
        repo.work_tree,
        args,
        call_timeout=toolbox.settings.call_timeout,
        remote=f"the remote {target.name!r} ({target.shown})",
        accept=accept,
    )


async def _require_local_branch(toolbox: Toolbox, repo: Repository, name: str) -> None:
    found = await toolbox.git.text(
        repo, ["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], accept=(0, 1)
    )
    if not found.strip():
        raise NotFound(f"There is no local branch {name!r} to push; git_branch lists them.")


def _parse_remotes(output: str) -> list[Remote]:
    """`git remote --verbose`: "name<TAB>url (fetch)" and one "(push)" line per push URL."""
    remotes: dict[str, Remote] = {}
    for line in output.splitlines():
        name, tab, rest = line.partition("\t")
        url, space, direction = rest.rpartition(" ")
        if not tab or not space or direction not in ("(fetch)", "(push)"):
            continue
        remote = remotes.get(name)
        if remote is None:
            if len(remotes) >= _MAX_REMOTES:
                break
            remote = remotes[name] = Remote(name=name, push_urls=[])
        if direction == "(fetch)":
            remote.fetch_url = redact(url)
        else:
            remote.push_urls.append(redact(url))
    return list(remotes.values())


def _describe_remotes(listing: RemoteList) -> str:
    if not listing.remotes:
        return "(no remotes)"
    lines = []
    for remote in listing.remotes:
        if remote.fetch_url is not None:
            lines.append(f"{remote.name}\t{remote.fetch_url} (fetch)")
        lines += [f"{remote.name}\t{url} (push)" for url in remote.push_urls]
    return "\n".join(lines)


# -- fetch -----------------------------------------------------------------------------------------


async def _tracking_refs(toolbox: Toolbox, repo: Repository, remote: str) -> dict[str, str] | None:
    """The remote's tracking branches and the tags, by name; None when there are too many to list."""
    listed = await toolbox.git.run(
        repo,
        ["for-each-ref", "--format=%(objectname) %(refname)", f"refs/remotes/{remote}/", "refs/tags/"],
        max_output=_REF_LISTING,
    )
    if listed.cut:
        return None
    refs = {}
    for line in listed.stdout.decode("utf-8", "replace").splitlines():
        commit, _, ref = line.partition(" ")
        refs[ref] = commit
    return refs


def _changes(before: dict[str, str] | None, after: dict[str, str] | None) -> list[RefChange] | None:
    if before is None or after is None:
        return None
    changes = []
    for ref in sorted(before.keys() | after.keys()):
        old, new = before.get(ref), after.get(ref)
        if old == new:
            continue
        change: Literal["new", "updated", "deleted"] = (
            "new" if old is None else "deleted" if new is None else "updated"
        )
        tag = ref.startswith("refs/tags/")
        short = ref.removeprefix("refs/tags/" if tag else "refs/remotes/")
        changes.append(RefChange(ref=short, kind="tag" if tag else "branch", change=change, old=old, new=new))
    return changes


def _describe_fetch(result: FetchResult) -> str:
    if result.changes is None:
        return f"Fetched from {result.remote} ({result.url}); it has too many refs to list what changed."
    if not result.changes:
        return f"Fetched from {result.remote} ({result.url}): already up to date."
    lines = [f"Fetched from {result.remote} ({result.url}):"]
    for change in result.changes:
        what = f"{change.kind} {change.ref}"
        if change.change == "new":
            lines.append(f"  new {what} at {(change.new or '')[:12]}")
        elif change.change == "deleted":
            lines.append(f"  deleted {what} (was {(change.old or '')[:12]})")
        else:
            lines.append(f"  updated {what}: {(change.old or '')[:12]}..{(change.new or '')[:12]}")
    return "\n".join(lines)


# -- pull ------------------------------------------------------------------------------------------

_PULL_ADVICE = (
    (
        "Not possible to fast-forward",
        "The branches have diverged: pull without ff_only to merge, or with rebase=true.",
    ),
    (
        "would be overwritten",
        "Commit or stash the local changes to those files first, then pull again.",
    ),
    (
        "You have unstaged changes",
        "Commit or stash the local changes first, then pull again.",
    ),
    (
        "did not specify a branch",
        "The current branch has no upstream on that remote: name the remote's branch with branch.",
    ),
    (
        "no tracking information",
        "The current branch has no upstream: name the remote's branch with branch.",
    ),
)


async def _head(toolbox: Toolbox, repo: Repository) -> str | None:
    found = await toolbox.git.text(repo, ["rev-parse", "--verify", "--quiet", "HEAD"], accept=(0, 1))
    return found.strip() or None


def _pull_failure(args: list[str], done: CommandResult) -> MooringsError:
    error = unsuccessful(args, done)
    for clue, advice in _PULL_ADVICE:
        if clue in error.message:
            return type(error)(error.message, hint=advice)
    return error


async def _conflicts(toolbox: Toolbox, repo: Repository) -> list[str]:
    listed = await toolbox.git.text(repo, ["diff", *DIFF_SAFETY, "--name-only", "--diff-filter=U", "-z"])
    return [path for path in listed.split("\0") if path][:_MAX_CONFLICTS]


async def _pull_outcome(
    toolbox: Toolbox, repo: Repository, before: str | None, after: str | None, rebase: bool
) -> Literal["up to date", "fast-forward", "merged", "rebased"]:
    if before == after:
        return "up to date"
    if before is None or after is None:
        return "fast-forward"
    if rebase:
        ancestor = await toolbox.git.run(repo, ["merge-base", "--is-ancestor", before, after], accept=(0, 1))
        return "fast-forward" if ancestor.returncode == 0 else "rebased"
    parents = (await toolbox.git.text(repo, ["rev-list", "--parents", "-n", "1", after])).split()[1:]
    return "merged" if len(parents) > 1 and parents[0] == before else "fast-forward"


def _describe_pull(result: PullResult) -> str:
    into = f"into {result.branch}" if result.branch else "into the detached HEAD"
    source = f"from {result.remote}"
    before, after = (result.before or "")[:12], (result.after or "")[:12]
    if result.outcome == "conflict" and result.operation is not None:
        files = "\n".join(f"\t{path}" for path in result.conflicts)
        return (
            f"Pulled {source} {into}, but the {result.operation.name} stopped with conflicts in:\n{files}\n"
            f"Next: {result.operation.next_steps}."
        )
    if result.outcome == "up to date":
        return f"Pulled {source}: {result.branch or 'HEAD'} is already up to date."
    if result.outcome == "fast-forward":
        return f"Pulled {source} {into}: fast-forward {before or '(no commit)'}..{after}."
    verb = "merged" if result.outcome == "merged" else "rebased onto it"
    return f"Pulled {source} {into}: {verb}; HEAD is now {after} (was {before})."


# -- push ------------------------------------------------------------------------------------------

_PUSH_STATUS: dict[str, Literal["new", "fast-forward", "forced", "deleted", "up to date"]] = {
    "*": "new",
    " ": "fast-forward",
    "+": "forced",
    "-": "deleted",
    "=": "up to date",
}


def _confirm_push(
    toolbox: Toolbox, target: _Remote, name: str, *, force: bool, delete: bool, confirm: bool
) -> None:
    """Ask for confirm before a push that cannot be taken back, saying exactly what it would do."""
    protected = toolbox.is_protected(name)
    if not (force or delete or protected):
        return
    where = f"the remote {target.name!r} ({target.shown})"
    if delete:
        what = f"delete the branch {name!r} on {where}"
    elif force:
        what = (
            f"force-push the local branch {name!r} to the branch {name!r} on {where}, replacing "
            "the commits it holds there (with a lease: only if it is still where this repository "
            "last fetched it)"
        )
    else:
        what = f"push the local branch {name!r} to the branch {name!r} on {where}"
    if protected:
        what += f"; {name!r} is a protected branch"
    toolbox.require_confirmation(confirm, what)


def _porcelain(stdout: str) -> list[tuple[str, str, str]]:
    """`git push --porcelain`: (flag, destination ref, summary) per ref."""
    refs = []
    for line in stdout.splitlines():
        flag, tab, rest = line.partition("\t")
        if tab and len(flag) == 1:
            spec, _, summary = rest.partition("\t")
            refs.append((flag, spec.rpartition(":")[2], summary))
    return refs


def _pushed(stdout: str, stderr: str) -> list[PushedRef]:
    pushed = []
    for flag, ref, summary in _porcelain(stdout):
        status = _PUSH_STATUS.get(flag)
        if status is None:
            continue
        if status == "deleted" and "deleting a non-existent ref" in stderr:
            summary += " (there was no such branch on the remote)"
        pushed.append(PushedRef(ref=_short_ref(ref), status=status, summary=summary))
    return pushed


def _short_ref(ref: str) -> str:
    return ref.removeprefix("refs/heads/").removeprefix("refs/")


def _push_failure(args: list[str], done: CommandResult, target: _Remote, name: str) -> MooringsError:
    rejected = [
        (ref, summary)
        for flag, ref, summary in _porcelain(done.stdout.decode("utf-8", "replace"))
        if flag == "!"
    ]
    if not rejected:
        return unsuccessful(args, done)
    reasons, hints = [], []
    for ref, summary in rejected:
        reason, hint = _rejection(_short_ref(ref), name, summary)
        reasons.append(reason)
        if hint not in hints:
            hints.append(hint)
    where = f"the remote {target.name!r} ({target.shown})"
    return OperationFailed(
        redact(f"The push to {where} was rejected: {'; '.join(reasons)}. Nothing was changed there."),
        hint=" ".join(hints),
    )


def _rejection(ref: str, name: str, summary: str) -> tuple[str, str]:
    """Why git or the remote refused one ref, and what to do about it."""
    if "(non-fast-forward)" in summary or "(fetch first)" in summary:
        return (
            f"the remote's {ref} has commits that the local {name} does not have",
            "Bring them in with git_pull (a merge, or rebase=true), then push again; or, to throw "
            "them away, push with force=true and confirm=true.",
        )
    if "(stale info)" in summary:
        return (
            f"the remote's {ref} moved since this repository last fetched it, so the force push "
            "(with lease) left it alone",
            "Fetch with git_fetch, look at what changed there, then decide.",
        )
    if "(already exists)" in summary:
        return (f"the tag {ref} already exists on the remote", "Give the tag another name.")
    if summary.startswith("[remote rejected]"):
        reason = summary.removeprefix("[remote rejected]").strip().strip("()")
        return (f"the remote refused to update {ref} ({reason})", "The remote's own rules decide this.")
    return (f"{ref}: {summary}", "See git's reason above.")


def _describe_push(result: PushResult) -> str:
    lines = [f"Pushed to {result.remote} ({result.url}):"]
    lines += [f"  {ref.ref}: {ref.status} {ref.summary}" for ref in result.refs]
    if result.refs and all(ref.status == "up to date" for ref in result.refs):
        lines = [f"Everything up to date on {result.remote} ({result.url})."]
    if result.upstream:
        lines.append(f"The local branch now tracks {result.upstream}.")
    return "\n".join(lines)
