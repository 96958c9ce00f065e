"""The git sandbox, attacked: a repository that names programs, and git run in it through `GitSandbox`.

Every vector is a real repository whose own configuration names a program that writes a marker
when it runs, and the git command that would run it. Each stands beside its control: the same
command with plain git (the program runs: the vector is real), or the legitimate use the sandbox
keeps (hooks when allowed, the user's own credential helper, gpg program, ssh command). Git is the
machine's git; nothing is mocked.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from moorings_core.commands import CommandResult
from moorings_core.errors import InvalidInput, OperationFailed
from moorings_core.sandbox import git as sandbox_git
from moorings_core.sandbox.git import GitSandbox, ordinary_argument
from tests.core.git_repos import FAKE_SIGNATURE, GitWorld

OUTPUT = 4 * 2**20

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or os.name == "nt", reason="needs git, and sh for the hostile programs"
)


@pytest.fixture
def world(tmp_path: Path) -> GitWorld:
    return GitWorld(tmp_path)


async def run(sandbox: GitSandbox, work_tree: Path, *args: str, stdin: bytes | None = None) -> CommandResult:
    return await sandbox.run(work_tree, list(args), max_output=OUTPUT, stdin=stdin)


async def succeeds(sandbox: GitSandbox, work_tree: Path, *args: str) -> str:
    result = await run(sandbox, work_tree, *args)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.error_text}"
    return result.stdout.decode()


# -- ordinary arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["HEAD~1", "main", "a/b", "v1.0^{commit}", "feature/x-y", "HEAD@{2}"])
def test_an_ordinary_name_passes_as_it_is(value: str) -> None:
    assert ordinary_argument(value, "revision") == value


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("-p", "starts with '-'"),
        ("--output=/tmp/x", "starts with '-'"),
        ("main\0--output=x", "NUL or a line break"),
        ("main\n--output=x", "NUL or a line break"),
        ("", "is empty"),
    ],
)
def test_an_argument_git_could_read_otherwise_is_refused(value: str, said: str) -> None:
    with pytest.raises(InvalidInput, match=said):
        ordinary_argument(value, "revision")


# -- the environment ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_callers_git_variables_cannot_point_git_elsewhere_or_add_settings(world: GitWorld) -> None:
    repo = world.repository("repo")
    other = world.repository("other", {"other.txt": "other\n"})
    hostile = {
        "GIT_DIR": str(other / ".git"),
        "GIT_WORK_TREE": str(other),
        "GIT_CONFIG_PARAMETERS": f"'core.fsmonitor={world.program('fsmonitor')}'",
    }
    sandbox = GitSandbox(base_environment={**world.environment(), **hostile})
    assert (await succeeds(sandbox, repo, "rev-parse", "--show-toplevel")).strip() == str(repo)
    assert await succeeds(sandbox, repo, "ls-files") == "a.txt\n"
    assert world.any_ran() == []
    world.plain_git(repo, "status", env=hostile)  # the control: plain git takes them
    assert world.ran("fsmonitor")


# -- fsmonitor ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_repositorys_fsmonitor_never_runs(world: GitWorld) -> None:
    repo = world.repository("repo")
    world.config(repo, "core.fsmonitor", world.program("fsmonitor"))
    assert await succeeds(world.sandbox(), repo, "status", "--porcelain") == ""
    assert world.any_ran() == []
    world.plain_git(repo, "status")
    assert world.ran("fsmonitor")


# -- hooks --------------------------------------------------------------------------------------------

HOOKS = [
    *("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-checkout", "pre-merge-commit"),
    *(
        "post-merge",
        "pre-rebase",
        "post-rewrite",
        "reference-transaction",
        "post-index-change",
        "pre-auto-gc",
    ),
]


def install_hooks(world: GitWorld, repo: Path, where: str) -> None:
    if where == "hooksPath":
        folder = repo / ".githooks"
        world.config(repo, "core.hooksPath", str(folder))
    else:
        folder = repo / ".git" / "hooks"
    for hook in HOOKS:
        world.program(hook, folder=folder)


def diverged(world: GitWorld, repo: Path) -> None:
    """Branch side and main each a commit past where they parted; main is out."""
    world.plain_git(repo, "checkout", "-q", "-b", "side")
    world.commit(repo, {"side.txt": "side\n"}, "side")
    world.plain_git(repo, "checkout", "-q", "main")
    world.commit(repo, {"main.txt": "main\n"}, "main")


async def commit_in(sandbox: GitSandbox, repo: Path) -> None:
    (repo / "a.txt").write_text("changed\n")
    await succeeds(sandbox, repo, "add", "a.txt")
    await succeeds(sandbox, repo, "commit", "-q", "-m", "change")


async def checkout_in(sandbox: GitSandbox, repo: Path) -> None:
    await succeeds(sandbox, repo, "checkout", "-q", "side")


async def merge_in(sandbox: GitSandbox, repo: Path) -> None:
    await succeeds(sandbox, repo, "merge", "--no-ff", "-m", "merge side", "side")


async def rebase_in(sandbox: GitSandbox, repo: Path) -> None:
    await succeeds(sandbox, repo, "rebase", "side")


SCENARIOS = {"commit": commit_in, "checkout": checkout_in, "merge": merge_in, "rebase": rebase_in}


@pytest.mark.anyio
@pytest.mark.parametrize("allow_hooks", [False, True], ids=["hooks-off", "hooks-allowed"])
@pytest.mark.parametrize("where", ["hooks", "hooksPath"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_hooks_run_only_when_allowed(
    world: GitWorld, scenario: str, where: str, allow_hooks: bool
) -> None:
    repo = world.repository("repo")
    diverged(world, repo)
    install_hooks(world, repo, where)
    await SCENARIOS[scenario](world.sandbox(allow_hooks=allow_hooks), repo)
    assert bool(world.any_ran()) == allow_hooks, world.any_ran()


# -- filters ------------------------------------------------------------------------------------------


def filtered_repository(world: GitWorld, kind: str = "clean-smudge", name: str = "evil") -> Path:
    """A repository whose .dat files go through the filter `name`, configured after they were committed."""
    repo = world.repository("repo", {"x.dat": "original\n", ".gitattributes": f"*.dat filter={name}\n"})
    world.plain_git(repo, "checkout", "-q", "-b", "other")
    world.commit(repo, {"x.dat": "on other\n"}, "other")
    world.plain_git(repo, "checkout", "-q", "main")
    if kind == "process":
        world.config(repo, f"filter.{name}.process", world.program("process", "exit 1"))
    else:
        world.config(repo, f"filter.{name}.clean", world.program("clean", "cat"))
        world.config(repo, f"filter.{name}.smudge", world.program("smudge", "cat"))
    world.config(repo, f"filter.{name}.required", "true")
    return repo


def rewrite_same_size(path: Path) -> None:
    """New content of the same size and a new time: git must read the file to tell it changed."""
    before = path.read_text()
    path.write_text(before.upper() if before != before.upper() else before.lower())
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


async def filter_add(world: GitWorld, sandbox: GitSandbox | None, repo: Path) -> None:
    (repo / "new.dat").write_text("new\n")
    await git_or_plain(world, sandbox, repo, "add", "new.dat")


async def filter_status(world: GitWorld, sandbox: GitSandbox | None, repo: Path) -> None:
    rewrite_same_size(repo / "x.dat")
    await git_or_plain(world, sandbox, repo, "status", "--porcelain")


async def filter_checkout(world: GitWorld, sandbox: GitSandbox | None, repo: Path) -> None:
    await git_or_plain(world, sandbox, repo, "checkout", "-q", "other")


async def filter_stash(world: GitWorld, sandbox: GitSandbox | None, repo: Path) -> None:
    (repo / "x.dat").write_text("changed, to be stashed\n")
    await git_or_plain(world, sandbox, repo, "stash")


async def git_or_plain(world: GitWorld, sandbox: GitSandbox | None, repo: Path, *args: str) -> None:
    """Run through the sandbox, which must succeed; or, as the control, with plain git (which may fail)."""
    if sandbox is None:
        world.plain_git(repo, *args, check=False)
    else:
        await succeeds(sandbox, repo, *args)


FILTER_COMMANDS = {
    "add": filter_add,
    "status": filter_status,
    "checkout": filter_checkout,
    "stash": filter_stash,
}


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["clean-smudge", "process"])
@pytest.mark.parametrize("command", list(FILTER_COMMANDS))
async def test_the_repositorys_filters_never_run(world: GitWorld, command: str, kind: str) -> None:
    repo = filtered_repository(world, kind)
    await FILTER_COMMANDS[command](world, world.sandbox(), repo)  # and "required" did not make it fail
    assert world.any_ran() == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["clean-smudge", "process"])
@pytest.mark.parametrize("command", list(FILTER_COMMANDS))
async def test_control_plain_git_runs_the_repositorys_filters(
    world: GitWorld, command: str, kind: str
) -> None:
    repo = filtered_repository(world, kind)
    await FILTER_COMMANDS[command](world, None, repo)
    assert world.any_ran() != []


@pytest.mark.anyio
async def test_a_filter_whose_name_holds_an_equals_sign_never_runs(world: GitWorld) -> None:
    # `-c filter.a=b.clean=` would set "filter.a" to "b.clean="; the variables carry the key whole.
    repo = filtered_repository(world, name="a=b")
    await filter_add(world, world.sandbox(), repo)
    assert world.any_ran() == []
    await filter_add(world, None, repo)
    assert world.ran("clean")


@pytest.mark.anyio
async def test_the_users_own_filter_still_runs(world: GitWorld) -> None:
    repo = filtered_repository(world)
    world.user_config("filter.evil.clean", world.program("user-clean", "cat"))
    await filter_add(world, world.sandbox(), repo)
    assert world.any_ran() == ["user-clean"]


@pytest.mark.anyio
async def test_an_included_file_cannot_bring_a_filter_in(world: GitWorld) -> None:
    repo = world.repository("repo", {".gitattributes": "*.dat filter=inc\n"})
    included = world.root / "elsewhere" / "included.cfg"
    included.parent.mkdir()
    included.write_text(f'[filter "inc"]\n\tclean = {world.program("clean", "cat")}\n')
    world.config(repo, "include.path", str(included))
    await filter_add(world, world.sandbox(), repo)
    assert world.any_ran() == []
    await filter_add(world, None, repo)
    assert world.ran("clean")


# -- diff programs ------------------------------------------------------------------------------------

DIFF_SAFETY = ["--no-textconv", "--no-ext-diff"]


def diffing_repository(world: GitWorld) -> Path:
    repo = world.repository(
        "repo",
        {"a.txt": "one\n", "m.md": "one\n", ".gitattributes": "*.txt diff=conv\n*.md diff=ext\n"},
    )
    world.commit(repo, {"a.txt": "one\ntwo\n", "m.md": "one\ntwo\n"}, "second")
    world.config(repo, "diff.conv.textconv", world.program("textconv", 'cat "$1"'))
    world.config(repo, "diff.ext.command", world.program("diff-command"))
    world.config(repo, "diff.external", world.program("diff-external"))
    return repo


@pytest.mark.anyio
@pytest.mark.parametrize(
    "args",
    [
        ["diff", *DIFF_SAFETY, "HEAD~1"],
        ["log", "-p", *DIFF_SAFETY],
        ["show", *DIFF_SAFETY, "HEAD"],
        ["blame", "--no-textconv", "a.txt"],
        ["annotate", "--no-textconv", "a.txt"],
        ["diff", "--stat", "HEAD~1"],
        ["grep", "-e", "two", "HEAD"],
    ],
    ids=lambda args: " ".join(args),
)
async def test_diff_programs_never_run_with_the_callers_flags(world: GitWorld, args: list[str]) -> None:
    repo = diffing_repository(world)
    output = await succeeds(world.sandbox(), repo, *args)
    assert "two" in output or "2 files changed" in output
    assert world.any_ran() == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "args",
    [
        ["diff", "HEAD~1"],
        ["log", "-p"],
        ["show", "HEAD"],
        ["blame", "a.txt"],
        ["grep", "--textconv", "-e", "two"],
    ],
    ids=lambda args: " ".join(args),
)
async def test_without_the_flags_git_fails_loudly_and_still_runs_nothing(
    world: GitWorld, args: list[str]
) -> None:
    repo = diffing_repository(world)
    result = await run(world.sandbox(), repo, *args)
    assert result.returncode != 0
    assert "cannot run" in result.error_text
    assert world.any_ran() == []
    world.plain_git(repo, *args)  # the control
    assert world.any_ran() != []


# -- merge drivers ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_merge_driver_never_runs_and_the_merge_ends_as_a_plain_conflict(world: GitWorld) -> None:
    repo = world.repository("repo", {"a.txt": "base\n", ".gitattributes": "*.txt merge=evil\n"})
    world.plain_git(repo, "checkout", "-q", "-b", "side")
    world.commit(repo, {"a.txt": "side\n"}, "side")
    world.plain_git(repo, "checkout", "-q", "main")
    world.commit(repo, {"a.txt": "main\n"}, "main")
    world.config(repo, "merge.evil.driver", world.program("merge-driver") + " %O %A %B")
    sandbox = world.sandbox()
    result = await run(sandbox, repo, "merge", "side")
    assert result.returncode == 1
    assert "CONFLICT" in result.stdout.decode()
    assert "UU a.txt" in await succeeds(sandbox, repo, "status", "--porcelain")
    assert world.any_ran() == []
    await succeeds(sandbox, repo, "merge", "--abort")
    world.plain_git(repo, "merge", "side", check=False)
    assert world.ran("merge-driver")


# -- pager and editor ---------------------------------------------------------------------------------


def on_a_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run `argv` with a terminal for stdout, where git would start a pager."""
    import pty  # POSIX only

    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal
        )
        os.close(terminal)
        terminal = -1
        while True:
            try:
                if not os.read(controller, 65536):
                    break
            except OSError:  # EIO: every writer has closed the terminal
                break
        process.wait(timeout=60)
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)


@pytest.mark.anyio
async def test_the_repositorys_pager_never_runs_even_on_a_terminal(world: GitWorld) -> None:
    repo = world.repository("repo")
    world.config(repo, "core.pager", world.program("core-pager", "cat"))
    world.config(repo, "pager.log", world.program("log-pager", "cat"))
    sandbox = world.sandbox()
    argv, env = await sandbox.command(repo, ["log"])
    on_a_terminal(argv, repo, env)
    assert (await run(sandbox, repo, "log")).returncode == 0
    assert world.any_ran() == []
    on_a_terminal(["git", "log"], repo, world.environment())  # the control
    assert world.ran("log-pager")


@pytest.mark.anyio
async def test_the_repositorys_editors_never_run(world: GitWorld) -> None:
    repo = world.repository("repo")
    world.commit(repo, {"b.txt": "b\n"}, "second")
    world.config(repo, "core.editor", world.program("editor"))
    world.config(repo, "sequence.editor", world.program("sequence-editor"))
    sandbox = world.sandbox()
    await succeeds(sandbox, repo, "commit", "--amend")  # the message, as prepared, is kept
    assert await succeeds(sandbox, repo, "log", "-1", "--format=%s") == "second\n"
    await succeeds(sandbox, repo, "rebase", "-i", "HEAD~1")
    (repo / "b.txt").write_text("changed\n")
    await succeeds(sandbox, repo, "add", "b.txt")
    result = await run(sandbox, repo, "commit")  # no message given, and no editor to write one
    assert result.returncode != 0
    assert "empty commit message" in result.error_text
    assert world.any_ran() == []
    world.plain_git(repo, "commit", "--amend", "--allow-empty")
    assert world.ran("editor")


# -- ssh, upload-pack and receive-pack ----------------------------------------------------------------


def ssh_repository(world: GitWorld) -> Path:
    repo = world.repository("repo")
    world.config(repo, "remote.origin.url", "ssh://git@127.0.0.1:9/nothing.git")
    world.config(repo, "core.sshCommand", world.program("repo-ssh", "exit 1"))
    return repo


@pytest.mark.anyio
async def test_the_repositorys_ssh_command_never_runs(world: GitWorld) -> None:
    repo = ssh_repository(world)
    for sandbox in (world.sandbox(allow_network=True), world.sandbox()):
        assert (await run(sandbox, repo, "fetch", "origin")).returncode != 0
    assert world.any_ran() == []
    world.plain_git(repo, "fetch", "origin", check=False)
    assert world.ran("repo-ssh")


@pytest.mark.anyio
async def test_the_users_ssh_command_is_the_one_used(world: GitWorld) -> None:
    repo = ssh_repository(world)
    world.user_config("core.sshCommand", world.program("user-ssh", "exit 1"))
    assert (await run(world.sandbox(allow_network=True), repo, "fetch", "origin")).returncode != 0
    assert world.any_ran() == ["user-ssh"]


@pytest.mark.anyio
async def test_without_the_network_ssh_is_not_even_tried(world: GitWorld) -> None:
    repo = ssh_repository(world)
    world.user_config("core.sshCommand", world.program("user-ssh", "exit 1"))
    result = await run(world.sandbox(), repo, "fetch", "origin")
    assert "not allowed" in result.error_text
    assert world.any_ran() == []


def with_local_remote(world: GitWorld) -> tuple[Path, Path]:
    """A repository whose origin is a bare repository on this machine, one commit behind it."""
    repo = world.repository("repo")
    bare = world.root / "origin.git"
    world.plain_git(world.root, "clone", "-q", "--bare", str(repo), str(bare))
    world.config(repo, "remote.origin.url", str(bare))
    world.config(repo, "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*")
    world.commit(repo, {"b.txt": "b\n"}, "second")
    return repo, bare


def head_of(world: GitWorld, repo: Path, ref: str = "HEAD") -> str:
    return world.plain_git(repo, "rev-parse", ref).stdout.strip()


@pytest.mark.anyio
async def test_a_remote_whose_upload_pack_or_receive_pack_the_repository_names_is_refused(
    world: GitWorld,
) -> None:
    # git takes the first value of these keys: the repository's own would win over any later setting.
    repo, bare = with_local_remote(world)
    world.config(repo, "remote.origin.uploadpack", world.program("upload-pack", "exit 1"))
    world.config(repo, "remote.origin.receivepack", world.program("receive-pack", "exit 1"))
    sandbox = world.sandbox()
    for args in (
        ["fetch", "origin"],
        ["push", "origin", "main"],
        ["ls-remote", "origin"],
        ["remote", "update"],
    ):
        result = await run(sandbox, repo, *args)
        assert "not allowed" in result.error_text, args
    assert world.any_ran() == []
    # A command that names the program itself (git reads the option first) reaches the remote.
    await succeeds(sandbox, repo, "fetch", "--upload-pack=git-upload-pack", "origin")
    await succeeds(sandbox, repo, "push", await receive_pack_for(sandbox, bare), "origin", "main")
    assert head_of(world, bare, "main") == head_of(world, repo)
    assert world.any_ran() == []
    world.plain_git(repo, "fetch", "origin", check=False)
    world.plain_git(repo, "push", "origin", "HEAD:refs/heads/other", check=False)
    assert world.any_ran() == ["receive-pack", "upload-pack"]


@pytest.mark.anyio
async def test_the_users_own_upload_pack_and_receive_pack_are_read_first_and_used(world: GitWorld) -> None:
    repo, bare = with_local_remote(world)
    world.config(repo, "remote.origin.uploadpack", world.program("upload-pack", "exit 1"))
    world.config(repo, "remote.origin.receivepack", world.program("receive-pack", "exit 1"))
    world.user_config("remote.origin.uploadpack", "git-upload-pack")
    world.user_config("remote.origin.receivepack", "git-receive-pack")
    sandbox = world.sandbox()
    await succeeds(sandbox, repo, "fetch", "origin")
    await succeeds(sandbox, repo, "push", "origin", "main")
    assert head_of(world, bare, "main") == head_of(world, repo)
    assert world.any_ran() == []


REMOTE_HOOKS = ["pre-receive", "update", "post-receive", "post-update", "reference-transaction"]


async def receive_pack_for(sandbox: GitSandbox, repository: Path) -> str:
    return f"--receive-pack={shlex.join(await sandbox.argv(repository, ['receive-pack']))}"


@pytest.mark.anyio
async def test_the_hooks_of_a_repository_pushed_to_on_this_machine_run_only_when_allowed(
    world: GitWorld,
) -> None:
    # git runs receive-pack in the repository pushed to, with its hooks and without our settings,
    # unless the program is named with them.
    repo, bare = with_local_remote(world)
    for hook in REMOTE_HOOKS:
        world.program(hook, folder=bare / "hooks")
    sandbox = world.sandbox()
    await succeeds(sandbox, repo, "push", await receive_pack_for(sandbox, bare), "origin", "main")
    assert head_of(world, bare, "main") == head_of(world, repo)
    assert world.any_ran() == []
    world.commit(repo, {"c.txt": "c\n"}, "third")
    allowing = world.sandbox(allow_hooks=True)
    await succeeds(allowing, repo, "push", await receive_pack_for(allowing, bare), "origin", "main")
    assert world.ran("pre-receive")
    world.forget()
    world.commit(repo, {"d.txt": "d\n"}, "fourth")
    await succeeds(sandbox, repo, "push", "origin", "main")  # the control: without the flag, they run
    assert world.ran("pre-receive")


@pytest.mark.anyio
async def test_a_push_that_checks_files_out_there_runs_none_of_that_repositorys_programs(
    world: GitWorld,
) -> None:
    # `updateInstead` checks the pushed files out in the other repository, through its filters.
    repo = world.repository("repo", {"x.dat": "x\n", ".gitattributes": "*.dat filter=evil\n"})
    target = world.root / "target"
    world.plain_git(world.root, "clone", "-q", str(repo), str(target))
    world.config(target, "receive.denyCurrentBranch", "updateInstead")
    world.config(target, "filter.evil.smudge", world.program("smudge", "cat"))
    world.config(target, "filter.evil.clean", world.program("clean", "cat"))
    world.config(repo, "remote.target.url", str(target))
    world.commit(repo, {"x.dat": "changed\n"}, "second")
    sandbox = world.sandbox()
    await succeeds(sandbox, repo, "push", await receive_pack_for(sandbox, target), "target", "main")
    assert (target / "x.dat").read_text() == "changed\n"  # checked out there, as the repository asks
    assert world.any_ran() == []
    world.commit(repo, {"x.dat": "again\n"}, "third")
    world.plain_git(repo, "push", "target", "main")
    assert world.any_ran() != []


@pytest.mark.anyio
async def test_a_repository_naming_a_program_under_a_key_the_command_line_cannot_carry_is_refused(
    world: GitWorld,
) -> None:
    repo = filtered_repository(world, name="a=b")
    with pytest.raises(OperationFailed, match="cannot be overridden on a command line"):
        await world.sandbox().argv(repo, ["receive-pack"])


# -- credential helpers -------------------------------------------------------------------------------


class _Unauthorized(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="moorings"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def asks_for_credentials() -> Iterator[str]:
    """An http server on this machine that answers every request with 401: git asks its helpers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.anyio
@pytest.mark.parametrize("scoped", [False, True], ids=["credential.helper", "credential.<url>.helper"])
async def test_the_repositorys_credential_helper_is_never_asked_the_users_is(
    world: GitWorld, asks_for_credentials: str, scoped: bool
) -> None:
    repo = world.repository("repo")
    world.config(repo, "remote.origin.url", f"{asks_for_credentials}/repo.git")
    key = f"credential.{asks_for_credentials}.helper" if scoped else "credential.helper"
    world.config(repo, key, world.program("repo-helper"))
    world.config(repo, key, "!" + world.program("repo-shell-helper"))
    world.user_config("credential.helper", world.program("user-helper"))
    world.user_config("credential.https://other.invalid.helper", world.program("other-host-helper"))
    result = await run(world.sandbox(allow_network=True), repo, "fetch", "origin")
    assert result.returncode != 0  # no helper gave a password, and there is no prompt
    assert world.any_ran() == ["user-helper"]
    world.forget()
    world.plain_git(repo, "fetch", "origin", check=False)  # the control
    assert world.ran("repo-helper")


@pytest.mark.anyio
async def test_without_a_helper_of_the_users_none_is_asked(
    world: GitWorld, asks_for_credentials: str
) -> None:
    repo = world.repository("repo")
    world.config(repo, "remote.origin.url", f"{asks_for_credentials}/repo.git")
    world.config(repo, "credential.helper", world.program("repo-helper"))
    result = await run(world.sandbox(allow_network=True), repo, "fetch", "origin")
    assert result.returncode != 0
    assert world.any_ran() == []


# -- signing ------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("users", ["default-gpg", "user-gpg"])
async def test_a_signature_the_repository_asks_for_is_made_by_the_users_gpg(
    world: GitWorld, users: str
) -> None:
    repo = world.repository("repo")
    world.config(repo, "commit.gpgSign", "true")
    world.config(repo, "gpg.program", world.program("repo-gpg", FAKE_SIGNATURE))
    if users == "default-gpg":
        world.program("gpg", FAKE_SIGNATURE, folder=world.bin)  # the `gpg` on the user's PATH
    else:
        world.user_config("gpg.program", world.program("user-gpg", FAKE_SIGNATURE))
    await succeeds(world.sandbox(), repo, "commit", "-q", "--allow-empty", "-m", "signed")
    assert world.any_ran() == [{"default-gpg": "gpg"}.get(users, users)]
    assert "BEGIN PGP SIGNATURE" in world.plain_git(repo, "cat-file", "commit", "HEAD").stdout
    world.forget()
    world.plain_git(repo, "commit", "-q", "--allow-empty", "-m", "control")
    assert world.ran("repo-gpg")


# -- the work tree, protocols, aliases, archives ------------------------------------------------------


@pytest.mark.anyio
async def test_a_work_tree_configured_elsewhere_is_taken_back_to_the_one_checked(world: GitWorld) -> None:
    repo = world.repository("repo")
    (repo / "inside.txt").write_text("inside\n")
    outside = world.root / "outside"
    outside.mkdir()
    (outside / "outside.txt").write_text("outside\n")
    world.config(repo, "core.worktree", str(outside))
    sandbox = world.sandbox()
    assert (await succeeds(sandbox, repo, "rev-parse", "--show-toplevel")).strip() == str(repo)
    assert await succeeds(sandbox, repo, "status", "--porcelain") == "?? inside.txt\n"
    await succeeds(sandbox, repo, "add", "--all")
    assert await succeeds(sandbox, repo, "ls-files") == "a.txt\ninside.txt\n"
    control = world.plain_git(repo, "status", "--porcelain").stdout
    assert "outside.txt" in control


@pytest.mark.anyio
@pytest.mark.parametrize("network", [False, True], ids=["network-off", "network-on"])
async def test_a_url_rewritten_to_run_a_command_is_refused(world: GitWorld, network: bool) -> None:
    repo = world.repository("repo")
    world.config(repo, "remote.origin.url", "https://example.invalid/repo.git")
    # ext::<command> <arguments>: the rest of the URL becomes the command's argument.
    world.config(repo, f"url.ext::{world.program('ext-command')} .insteadOf", "https://example.invalid/")
    world.config(repo, "protocol.ext.allow", "always")
    result = await run(world.sandbox(allow_network=network), repo, "fetch", "origin")
    assert "transport 'ext' not allowed" in result.error_text
    assert world.any_ran() == []
    world.plain_git(repo, "fetch", "origin", check=False)
    assert world.ran("ext-command")


@pytest.mark.anyio
async def test_a_remote_helper_the_repository_names_is_refused(world: GitWorld) -> None:
    repo = world.repository("repo")
    world.program("remote-helper", "exit 1", folder=world.bin)
    (world.bin / "remote-helper").rename(world.bin / "git-remote-evil")
    world.config(repo, "remote.origin.url", "anything")
    world.config(repo, "remote.origin.vcs", "evil")
    result = await run(world.sandbox(allow_network=True), repo, "fetch", "origin")
    assert "not allowed" in result.error_text
    assert world.any_ran() == []
    world.plain_git(repo, "fetch", "origin", check=False)
    assert world.ran("remote-helper")


@pytest.mark.anyio
async def test_an_alias_that_runs_a_command_does_not(world: GitWorld) -> None:
    repo = world.repository("repo")
    world.config(repo, "alias.hello", "!" + world.program("alias"))
    assert (await run(world.sandbox(), repo, "hello")).returncode != 0
    assert world.any_ran() == []
    world.plain_git(repo, "hello")
    assert world.ran("alias")


@pytest.mark.anyio
async def test_an_archive_is_compressed_by_gits_own_command(world: GitWorld) -> None:
    repo = world.repository("repo")
    world.config(repo, "tar.tgz.command", world.program("compressor", "cat"))
    result = await run(world.sandbox(), repo, "archive", "--format=tgz", "HEAD")
    assert result.returncode == 0
    assert result.stdout.startswith(b"\x1f\x8b")  # gzip's magic number
    assert world.any_ran() == []
    world.plain_git(repo, "archive", "--format=tgz", "HEAD")
    assert world.ran("compressor")


# -- the cache of overrides ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_overrides_are_kept_while_nothing_changes(world: GitWorld) -> None:
    repo = filtered_repository(world)
    sandbox = world.sandbox()
    first = await sandbox.repository_overrides(repo)
    await sandbox.repository_overrides(repo)  # the files it depends on are now all known
    kept = await sandbox.repository_overrides(repo)
    assert kept is await sandbox.repository_overrides(repo)
    assert kept == first
    assert ("filter.evil.clean", "") in kept.settings


@pytest.mark.anyio
async def test_a_filter_added_to_the_config_after_a_first_command_never_runs(world: GitWorld) -> None:
    repo = world.repository("repo", {".gitattributes": "*.dat filter=evil\n"})
    sandbox = world.sandbox()
    await succeeds(sandbox, repo, "status")
    await succeeds(sandbox, repo, "status")
    world.config(repo, "filter.evil.clean", world.program("clean", "cat"))
    await filter_add(world, sandbox, repo)
    assert world.any_ran() == []


@pytest.mark.anyio
async def test_an_included_file_that_appears_after_a_first_command_cannot_bring_a_filter_in(
    world: GitWorld,
) -> None:
    repo = world.repository("repo", {".gitattributes": "*.dat filter=evil\n"})
    world.config(repo, "include.path", "../later.cfg")  # relative to .git: the work tree's later.cfg
    sandbox = world.sandbox()
    await succeeds(sandbox, repo, "status")
    await succeeds(sandbox, repo, "status")
    (repo / "later.cfg").write_text(f'[filter "evil"]\n\tclean = {world.program("clean", "cat")}\n')
    await filter_add(world, sandbox, repo)
    assert world.any_ran() == []
    await filter_add(world, None, repo)
    assert world.ran("clean")


@pytest.mark.anyio
async def test_a_filter_included_only_on_another_branch_never_runs_once_that_branch_is_out(
    world: GitWorld,
) -> None:
    repo = world.repository("repo", {".gitattributes": "*.dat filter=evil\n"})
    world.plain_git(repo, "branch", "evil")
    (repo / ".git" / "evil.cfg").write_text(f'[filter "evil"]\n\tclean = {world.program("clean", "cat")}\n')
    world.config(repo, "includeIf.onbranch:evil.path", "evil.cfg")
    sandbox = world.sandbox()
    await succeeds(sandbox, repo, "status")
    await succeeds(sandbox, repo, "status")
    await succeeds(sandbox, repo, "symbolic-ref", "HEAD", "refs/heads/evil")  # only HEAD changes
    await filter_add(world, sandbox, repo)
    assert world.any_ran() == []
    await filter_add(world, None, repo)
    assert world.ran("clean")


# -- submodules ---------------------------------------------------------------------------------------


def hostile_inside(world: GitWorld, repo: Path, git_dir: Path | None = None) -> None:
    """Give `repo` a clean filter on a tracked file that git must read to tell it changed."""
    world.commit(repo, {"f.dat": "tracked\n"}, "tracked")
    (repo / ".gitattributes").write_text("*.dat filter=evil\n")
    config = ["--git-dir", str(git_dir)] if git_dir else []
    world.plain_git(repo, *config, "config", "filter.evil.clean", world.program("clean", "cat"))
    rewrite_same_size(repo / "f.dat")


def with_submodule(world: GitWorld) -> tuple[Path, Path]:
    """A superproject with a submodule checked out the usual way (its git directory in .git/modules)."""
    library = world.repository("library")
    superproject = world.repository("super")
    world.plain_git(
        superproject, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib"
    )
    world.plain_git(superproject, "commit", "-q", "-m", "add lib")
    return superproject, superproject / "lib"


def with_embedded_repository(world: GitWorld) -> tuple[Path, Path]:
    """A superproject holding a repository of its own inside its work tree, added as a gitlink."""
    superproject = world.repository("super")
    embedded = superproject / "vendor" / "x"
    embedded.mkdir(parents=True)
    world.plain_git(embedded, "init", "-q")
    world.commit(embedded, {"e.txt": "e\n"}, "embedded")
    world.plain_git(superproject, "add", "vendor/x")
    world.plain_git(superproject, "commit", "-q", "-m", "embed")
    return superproject, embedded


def with_nested_repositories(world: GitWorld) -> tuple[Path, Path]:
    """An embedded repository inside an embedded repository; the hostile one is the innermost."""
    superproject, embedded = with_embedded_repository(world)
    inner = embedded / "inner"
    inner.mkdir()
    world.plain_git(inner, "init", "-q")
    world.commit(inner, {"i.txt": "i\n"}, "inner")
    world.plain_git(embedded, "add", "inner")
    world.plain_git(embedded, "commit", "-q", "-m", "inner")
    world.plain_git(superproject, "add", "vendor/x")
    world.plain_git(superproject, "commit", "-q", "-m", "update x")
    return superproject, inner


LAYOUTS = {
    "submodule": with_submodule,
    "embedded": with_embedded_repository,
    "nested": with_nested_repositories,
}
# The commands that, with plain git, run a filter of a submodule in these layouts (status and diff
# everywhere; add, describe --dirty and diff-index where git's status in the submodule recurses).
LOOKS_INSIDE = [
    *((layout, args) for layout in LAYOUTS for args in (["status"], ["diff"])),
    *(
        ("nested", args)
        for args in (["add", "--all"], ["describe", "--dirty", "--always"], ["diff-index", "HEAD"])
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("layout", "args"), LOOKS_INSIDE, ids=[f"{a}-{' '.join(b)}" for a, b in LOOKS_INSIDE]
)
async def test_a_submodules_own_filter_never_runs_when_git_looks_inside_it(
    tmp_path: Path, layout: str, args: list[str]
) -> None:
    sandboxed, control = GitWorld(tmp_path / "sandboxed"), GitWorld(tmp_path / "control")
    for world in (sandboxed, control):
        superproject, hostile = LAYOUTS[layout](world)
        hostile_inside(world, hostile)
        if world is sandboxed:
            await succeeds(world.sandbox(), superproject, *args)
        else:
            world.plain_git(superproject, *args, check=False)
    assert sandboxed.any_ran() == []
    assert control.ran("clean")


@pytest.mark.anyio
async def test_a_submodule_checked_out_after_a_first_command_is_covered_too(world: GitWorld) -> None:
    superproject = world.repository("super")
    sandbox = world.sandbox()
    await succeeds(sandbox, superproject, "status")
    await succeeds(sandbox, superproject, "status")
    embedded = superproject / "vendor" / "x"
    embedded.mkdir(parents=True)
    world.plain_git(embedded, "init", "-q")
    hostile_inside(world, embedded)
    await succeeds(sandbox, superproject, "add", "vendor/x")  # the index gains a gitlink
    await succeeds(sandbox, superproject, "status")
    assert world.any_ran() == []
    world.plain_git(superproject, "status")
    assert world.ran("clean")


@pytest.mark.anyio
async def test_a_submodule_update_command_the_repository_names_never_runs(world: GitWorld) -> None:
    superproject, library = with_submodule(world)
    world.commit(library, {"later.txt": "later\n"}, "later")  # checked out ahead of what is recorded
    world.config(superproject, "submodule.lib.update", "!" + world.program("update-command"))
    await succeeds(world.sandbox(), superproject, "submodule", "update")
    assert world.any_ran() == []
    world.plain_git(superproject, "submodule", "update", check=False)
    assert world.ran("update-command")


@pytest.mark.anyio
async def test_a_large_index_is_read_a_page_at_a_time_and_no_submodule_is_missed(
    world: GitWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_git, "_INDEX_PAGE_BYTES", 100)  # a record or two per page
    superproject, embedded = with_embedded_repository(world)
    world.commit(superproject, {f"file-{number:03}.txt": "x\n" for number in range(40)}, "many files")
    hostile_inside(world, embedded)
    await succeeds(world.sandbox(), superproject, "status")
    assert world.any_ran() == []
    world.plain_git(superproject, "status")
    assert world.ran("clean")


# -- linked work trees, and folders with no repository yet --------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["config", "config.worktree"])
async def test_a_linked_work_tree_is_covered_by_its_repositorys_config_and_its_own(
    world: GitWorld, where: str
) -> None:
    repo = world.repository("repo", {".gitattributes": "*.dat filter=evil\n"})
    linked = world.root / "linked"
    world.plain_git(repo, "worktree", "add", "-q", "-b", "other", str(linked))
    sandbox = world.sandbox()
    await succeeds(sandbox, linked, "status")
    await succeeds(sandbox, linked, "status")
    clean = world.program("clean", "cat")
    if where == "config.worktree":  # appears after the first commands: it must be noticed
        world.plain_git(repo, "config", "extensions.worktreeConfig", "true")
        world.plain_git(linked, "config", "--worktree", "filter.evil.clean", clean)
    else:
        world.config(repo, "filter.evil.clean", clean)
    await filter_add(world, sandbox, linked)
    assert world.any_ran() == []
    await filter_add(world, None, linked)
    assert world.ran("clean")


@pytest.mark.anyio
async def test_init_and_clone_run_in_a_folder_that_holds_no_repository_yet(world: GitWorld) -> None:
    source = world.repository("source")
    folder = world.root / "projects"
    folder.mkdir()
    sandbox = world.sandbox()
    await succeeds(sandbox, folder, "init", "-q", "fresh")
    await succeeds(sandbox, folder, "clone", "-q", str(source), "copy")
    assert (folder / "fresh" / ".git").is_dir()
    assert await succeeds(sandbox, folder / "copy", "ls-files") == "a.txt\n"
