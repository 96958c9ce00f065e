"""Running git on a repository that nobody vouched for, without running anything it names.

A repository's own configuration (`.git/config`, and what it includes) can name programs that git
then runs by itself: an fsmonitor on every status, hooks on commit and checkout, clean and smudge
filters chosen by `.gitattributes`, textconv and external diff drivers, merge drivers, a pager, an
editor, an ssh command, a credential helper, a gpg program, upload-pack on a fetch. Whoever made the
repository (a clone, a download, a colleague's tarball) chose those, not the user. So every git
command runs here with:

- an environment that fixes the rest (`environment`): no system config, no prompts, no pager, no
  editor, no askpass, optional locks off, English messages, only the protocols allowed (no `ext::`,
  no remote helper a repository names, no `git://`: its proxy command comes from config and cannot
  be overridden), and none of the caller's `GIT_*` variables that would point git elsewhere
  (`GIT_DIR`, `GIT_CONFIG_PARAMETERS`, ...);
- fixed `-c` settings, which come last and so win: no fsmonitor, hooks off unless allowed, no
  automatic gc forked in the background, no signature checks in logs;
- for each key that names a program (`_NAMES_A_PROGRAM`) in the repository's own configuration, and
  in that of every submodule checked out in it (status, diff, add... run `git status` inside each,
  and that git reads the submodule's own configuration), a setting that takes it back to the user's
  own value or a harmless one (`RepositoryOverrides`). They reach git as `GIT_CONFIG_COUNT` and
  `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`, a key and its value each in a variable of its own:
  `-c` splits at the first "=", which a subsection may hold, and git hands these variables on to the
  git it runs in a submodule. They come from `git config --list` and `git ls-files --stage` in each
  repository, and are kept until a file they depend on changes: the config files and what they
  include (found or not yet), the index (which submodules there are), HEAD where an include depends
  on the branch;
- a remote whose upload-pack or receive-pack the repository names itself is refused (git takes the
  first value of those keys, which is the repository's unless the user set one): it gets a
  transport `GIT_ALLOW_PROTOCOL` does not allow, so no fetch or push reaches it, unless the command
  names the program (`--upload-pack=`, `--receive-pack=`, `--exec=`), which git reads before any
  config. A caller that does so vouches for every remote the command reaches (`fetch --all` hands
  the option to none of the fetches it starts);
- `--work-tree` when the repository's own configuration sets `core.worktree`: git reads that key
  from the file before any setting, so only the option takes it back to the work tree checked.

The user's global configuration (`~/.gitconfig`, or `GIT_CONFIG_GLOBAL`) is trusted: identity,
signing, credential helpers, an lfs filter.

What only the caller can do, with a flag git has for it:

- diff, log, show and every other command that prints a patch (`stash show -p`) take
  `--no-textconv --no-ext-diff`, blame and annotate `--no-textconv` (grep and cat-file convert only
  when asked to with `--textconv`). Without them, on a repository that names a textconv or diff
  program, git fails loudly: its replacement is "", which git cannot run.
- a push to a repository on this machine (a path, `file://`): git runs `git receive-pack` there, with
  that repository's own configuration and hooks, and clears `-c` and `GIT_CONFIG_COUNT` for it. Such
  a push takes `--receive-pack=` and `shlex.join(await sandbox.argv(that_repository,
  ["receive-pack"]))`, which carries its overrides on the command line (an ssh push must not: a
  forge runs only a plain `git-receive-pack`). A fetch from there runs `git upload-pack`, which runs
  nothing a repository names; naming it the same way (`--upload-pack=`) costs nothing.

Arguments that come from a model are checked by `ordinary_argument` before they reach a command
line, so none is ever read as an option.

Left open: a configuration rewritten by another process in the instant between the check before a
command and the command itself reaches that one command; and a user's credential helper set for
another URL pattern is not asked about a URL the repository names a helper for (the repository's
own helper never is).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from moorings_core.commands import CommandResult, run_command
from moorings_core.errors import InvalidInput, OperationFailed

__all__ = ["GitSandbox", "RepositoryOverrides", "ordinary_argument"]

_CONFIG_LISTING_BYTES = 4 * 2**20
_INDEX_PAGE_BYTES = 16 * 2**20  # `git ls-files --stage` of a large index is read a page at a time
_MAX_REPOSITORIES = 1000  # a repository and its checked-out submodules, nested ones included
_KEPT_REPOSITORIES = 64  # overrides remembered, one set per work tree

# Variables of the caller's environment that git may keep: who the user is, how they reach remotes.
_KEPT_GIT_VARIABLES = frozenset(
    {
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSH_VARIANT",
        "GIT_CONFIG_GLOBAL",
        "GIT_EXEC_PATH",
    }
)

_FIXED_ENVIRONMENT = {
    "GIT_CONFIG_NOSYSTEM": "1",  # the system file is another machine's idea of safe
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",  # a prompt would wait forever on a pipe
    "GIT_ASKPASS": "",  # set and empty: no askpass program, and no fallback to core.askPass
    "SSH_ASKPASS": "",
    "GIT_EDITOR": ":",  # wins over core.editor; ":" accepts the message as prepared
    "GIT_SEQUENCE_EDITOR": ":",
    "GIT_MERGE_AUTOEDIT": "no",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_OPTIONAL_LOCKS": "0",  # a status does not rewrite the index under the user's feet
    "LC_ALL": "C",  # messages the server reads (conflicts, "nothing to commit") in English
    "LANGUAGE": "",
}

_LOCAL_PROTOCOLS = "file"
_NETWORK_PROTOCOLS = "file:http:https:ssh"

# Keys of a repository's own config that name a program git may run, with what takes their place.
# A pattern is matched against the whole key as git lists it (section and name lowercased); the
# user's own value, where they set one, comes back instead of the replacement.
_NAMES_A_PROGRAM: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), replacement)
    for pattern, replacement in (
        (r"core\.sshcommand", "ssh"),
        (r"core\.askpass", ""),  # GIT_ASKPASS="" is read first; this is for a command that reads the key
        (r"core\.alternaterefscommand", ""),
        (r"filter\..+\.(clean|smudge|process)", ""),
        (r"filter\..+\.required", "false"),
        # Diffs pass --no-textconv --no-ext-diff; should one forget, git fails to run "" (loudly).
        (r"diff\..+\.(textconv|command)", ""),
        (r"diff\.external", ""),
        (r"merge\..+\.driver", "false"),  # a conflict, reported as one, rather than someone's program
        (r"(diff|merge)tool\..+\.(cmd|path)", ""),
        (r"gpg\.program", "gpg"),
        (r"gpg\.openpgp\.program", "gpg"),
        (r"gpg\.x509\.program", "gpgsm"),
        (r"gpg\.ssh\.program", "ssh-keygen"),
        (r"gpg\.ssh\.defaultkeycommand", ""),
        (r"credential\.(.+\.)?helper", ""),
        (r"trailer\..+\.(command|cmd)", ""),
        (r"tar\..+\.command", "gzip -cn"),  # git archive's own command for tgz
        (r"alias\..+", ""),  # "!..." is a shell command; a builtin is never an alias, but be sure
        (r"imap\.tunnel", ""),
        (r"sendemail\.(.+\.)?(smtpserver|tocmd|cccmd|headercmd)", ""),
        (r"browser\..+\.(cmd|path)", ""),
    )
)
# Keys whose value is a shell command when it starts with "!"; other values are left alone.
_COMMAND_WHEN_BANG: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"submodule\..+\.update", re.DOTALL), "none"),
)
# Keys git takes the first value of, which a later setting cannot replace: the repository's own comes
# before any of ours (the user's global one before it). Such a remote gets a transport instead, one
# `GIT_ALLOW_PROTOCOL` refuses, so git reaches it neither to fetch nor to push, unless the command
# names the program itself.
_FIRST_VALUE_WINS = re.compile(r"remote\.(.+)\.(uploadpack|receivepack)", re.DOTALL)
_REFUSED_TRANSPORT = "refused-as-the-repository-names-its-own-{}"
# Options by which a command names the program itself: git reads them before any config.
_NAMES_THE_REMOTE_PROGRAM = ("--upload-pack", "--receive-pack", "--exec")
_MULTI_VALUED = re.compile(r"credential\.(.+\.)?helper", re.DOTALL)
_INCLUDE = re.compile(r"include\.path|includeif\.(.+)\.path", re.DOTALL)
_OWN_SCOPES = ("local", "worktree")

_FIXED_SETTINGS = (
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.quotePath", "false"),  # paths in text output as they are, not octal escapes
    ("color.ui", "false"),
    ("log.showSignature", "false"),  # verifying runs gpg; asked for explicitly when wanted
    ("gc.auto", "0"),  # no gc forked into the background, outliving the call
    ("maintenance.auto", "false"),
    ("fetch.recurseSubmodules", "false"),  # a submodule's config is another untrusted repository
    ("submodule.recurse", "false"),
)


def ordinary_argument(value: str, what: str) -> str:
    """`value` if git can only read it as the `what` it is meant to be (a revision, a branch name).

    A leading "-" would make it an option (`--output=/tmp/x` as a diff target), and a NUL or a
    newline has no place in a command-line argument git accepts as a name.
    """
    if not value:
        raise InvalidInput(f"{what} is empty; give a non-empty {what}.")
    if value.startswith("-"):
        raise InvalidInput(
            f"{what} {value!r} starts with '-', which git would read as an option; "
            f"a {what} cannot start with '-'."
        )
    if "\0" in value or "\n" in value:
        raise InvalidInput(f"{what} {value!r} holds a NUL or a line break, which no {what} may.")
    return value


@dataclass(frozen=True)
class RepositoryOverrides:
    """What one repository's own configuration needs taken back, for every command run in it."""

    settings: tuple[tuple[str, str], ...]
    """Keys and the values that replace the repository's, in the order git is to read them."""
    refusals: tuple[tuple[str, str], ...]
    """A refused transport for each remote whose upload-pack or receive-pack the repository names,
    for commands that do not name the program themselves."""
    pin_work_tree: bool
    """The repository's config sets `core.worktree`: `--work-tree` names the work tree checked."""

    def options(self, work_tree: Path) -> list[str]:
        return [f"--work-tree={work_tree}"] if self.pin_work_tree else []

    def environment(self, *, refusing: bool = True) -> dict[str, str]:
        """The settings as git's `GIT_CONFIG_COUNT` variables (read after every file, before `-c`)."""
        settings = self.settings + self.refusals if refusing else self.settings
        variables = {"GIT_CONFIG_COUNT": str(len(settings))}
        for index, (key, value) in enumerate(settings):
            variables[f"GIT_CONFIG_KEY_{index}"] = key
            variables[f"GIT_CONFIG_VALUE_{index}"] = value
        return variables


@dataclass
class GitSandbox:
    """How one server runs git: `run(work_tree, args)` with everything above in force.

    `work_tree` is the top level of the repository (or, for `init` and `clone`, the folder they run
    in); `args` start with the git command.
    """

    allow_hooks: bool = False
    allow_network: bool = False
    executable: str = "git"
    base_environment: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _cache: dict[Path, _Cached] = field(default_factory=dict, init=False, repr=False)

    def environment(self) -> dict[str, str]:
        """The environment every git command gets: the caller's, minus `GIT_*` that would redirect
        git, plus the fixed settings."""
        kept = {
            name: value
            for name, value in self.base_environment.items()
            if not name.startswith("GIT_") or name in _KEPT_GIT_VARIABLES
        }
        protocols = _NETWORK_PROTOCOLS if self.allow_network else _LOCAL_PROTOCOLS
        return kept | _FIXED_ENVIRONMENT | {"GIT_ALLOW_PROTOCOL": protocols}

    def fixed_settings(self) -> list[str]:
        """The `-c` arguments every command gets, whatever the repository."""
        settings = [f"{key}={value}" for key, value in _FIXED_SETTINGS]
        if not self.allow_hooks:
            settings.append(f"core.hooksPath={os.devnull}")  # no hook can be found there
        return _as_options(settings)

    async def argv(self, work_tree: Path, args: Sequence[str]) -> list[str]:
        """A command line for `git args` in `work_tree` that carries everything itself, its
        repository's overrides as `-c`: for a git that another git starts with those variables
        cleared, at the other end of a local transport (`--upload-pack=`, `--receive-pack=`).

        Refused (OperationFailed) for a repository that names a program under a key `-c` cannot
        carry (a subsection holding "="): no honest repository does.
        """
        overrides = await self.repository_overrides(work_tree)
        for key, _ in overrides.settings:
            if "=" in key:
                raise OperationFailed(
                    f"the git configuration of {work_tree} names a program under {key!r}, which cannot "
                    "be overridden on a command line; git is not run there this way."
                )
        inline = _as_options([f"{key}={value}" for key, value in overrides.settings])
        return [
            self.executable,
            "--no-pager",
            *self.fixed_settings(),
            *overrides.options(work_tree),
            *inline,
            *args,
        ]

    async def command(self, work_tree: Path, args: Sequence[str]) -> tuple[list[str], dict[str, str]]:
        """The command line and environment `run` uses for `git args` in `work_tree`."""
        overrides = await self.repository_overrides(work_tree)
        argv = [self.executable, "--no-pager", *self.fixed_settings(), *overrides.options(work_tree), *args]
        refusing = not any(arg.startswith(_NAMES_THE_REMOTE_PROGRAM) for arg in args)
        return argv, self.environment() | overrides.environment(refusing=refusing)

    async def run(
        self,
        work_tree: Path,
        args: Sequence[str],
        *,
        max_output: int,
        skip_output: int = 0,
        stdin: bytes | None = None,
    ) -> CommandResult:
        """Run `git args` in `work_tree` (see `moorings_core.commands.run_command`)."""
        argv, env = await self.command(work_tree, args)
        return await run_command(
            argv, cwd=work_tree, env=env, max_output=max_output, skip_output=skip_output, stdin=stdin
        )

    async def repository_overrides(self, work_tree: Path) -> RepositoryOverrides:
        """What the configuration of the repository at `work_tree`, and of its submodules, needs
        taken back; kept until a file it was read from changes."""
        cached = self._cache.get(work_tree)
        if cached is not None and cached.still_valid():
            return cached.overrides
        # Files are looked at before they are read: a change after this is seen next time.
        before = {name: _identity(name) for name in (cached.files() if cached else _first_files(work_tree))}
        overrides, files = await self._read_overrides(work_tree)
        if len(self._cache) >= _KEPT_REPOSITORIES and work_tree not in self._cache:
            self._cache.clear()
        self._cache[work_tree] = _Cached(
            overrides, tuple((name, before.get(name, _UNSEEN)) for name in files)
        )
        return overrides

    async def _read_overrides(self, work_tree: Path) -> tuple[RepositoryOverrides, list[str]]:
        top = await self._read_repository(work_tree, None)
        repositories = [top]
        seen = {top.git_dir}
        for repository in repositories:  # grows as submodules are found
            for folder in repository.submodules:
                submodule = await self._read_repository(folder, folder / ".git")
                if submodule.git_dir in seen:
                    continue
                seen.add(submodule.git_dir)
                repositories.append(submodule)
                if len(repositories) > _MAX_REPOSITORIES:
                    raise OperationFailed(
                        f"{work_tree} has more than {_MAX_REPOSITORIES} repositories checked out in it "
                        "(submodules); git is not run in it."
                    )
        own = [entry for repository in repositories for entry in repository.own]
        trusted = [entry for entry in top.entries if entry.scope not in _OWN_SCOPES]
        overrides = RepositoryOverrides(
            settings=tuple(_neutralising(own, trusted)),
            refusals=tuple(_refusals(own, trusted)),
            pin_work_tree=any(entry.key == "core.worktree" for entry in top.own),
        )
        files = [name for repository in repositories for name in repository.files]
        return overrides, list(dict.fromkeys(files))

    async def _read_repository(self, folder: Path, git_dir: Path | None) -> _Repository:
        """A repository's configuration, its checked-out submodules, and the files both come from.

        `git_dir` is given for a submodule, as git gives it when it runs there (`GIT_DIR=.git`).
        """
        prefix = [self.executable, "--no-pager"] + ([f"--git-dir={git_dir}"] if git_dir else [])
        entries = await self._listed_config(folder, prefix)
        own = [entry for entry in entries if entry.scope in _OWN_SCOPES]
        dot_git = folder / ".git"
        gitlinks = await self._gitlinks(folder, prefix, required=bool(own)) if own or _exists(dot_git) else []
        resolved = _resolved_git_dir(dot_git)
        files = [str(dot_git), *_configuration_files(own, folder)]
        if resolved is not None:
            files += [str(resolved / name) for name in ("config", "config.worktree", "index")]
            if any(entry.key.startswith("includeif.onbranch:") for entry in own):
                files.append(str(resolved / "HEAD"))  # which branch is out decides what is included
        submodules = [folder / link for link in gitlinks]
        files += [str(submodule / ".git") for submodule in submodules]
        populated = [submodule for submodule in submodules if _resolved_git_dir(submodule / ".git")]
        return _Repository(entries, own, populated, files, (resolved or dot_git).resolve())

    async def _listed_config(self, folder: Path, prefix: list[str]) -> list[_Entry]:
        argv = [*prefix, "config", "--list", "--show-scope", "--show-origin", "-z"]
        env = self.environment()
        listed = await run_command(argv, cwd=folder, env=env, max_output=_CONFIG_LISTING_BYTES)
        if listed.cut:
            raise OperationFailed(
                f"the git configuration of {folder} is larger than {_CONFIG_LISTING_BYTES:,} bytes"
            )
        if not listed.ok:
            raise OperationFailed(f"git could not read the configuration of {folder}: {listed.error_text}")
        return _parse_listing(listed)

    async def _gitlinks(self, folder: Path, prefix: list[str], *, required: bool) -> list[str]:
        """The paths of the index's submodules (gitlinks), where git may run `git status`.

        A folder git does not take for a repository (not one, or one another user owns) has none;
        git refuses such a repository to the command too.
        """
        argv = [*prefix, *self.fixed_settings(), "ls-files", "--stage", "-z"]
        links: list[str] = []
        rest = b""
        skip = 0
        while True:
            page = await run_command(
                argv, cwd=folder, env=self.environment(), max_output=_INDEX_PAGE_BYTES, skip_output=skip
            )
            if not page.ok:
                if required:
                    raise OperationFailed(f"git could not list the index of {folder}: {page.error_text}")
                return []
            *records, rest = (rest + page.stdout).split(b"\0")
            links += [_gitlink_path(record) for record in records if record.startswith(b"160000 ")]
            if not page.cut:
                return list(dict.fromkeys(links))  # a conflicted gitlink is listed once per stage
            skip += len(page.stdout)


@dataclass(frozen=True)
class _Entry:
    scope: str
    origin: str
    key: str
    value: str | None


@dataclass(frozen=True)
class _Repository:
    entries: list[_Entry]
    own: list[_Entry]
    """The entries of the repository's own scopes (its config, what that includes, config.worktree)."""
    submodules: list[Path]
    """The work trees of the submodules checked out in it."""
    files: list[str]
    """Where a change could change what it needs taken back."""
    git_dir: Path


_Identity = tuple[int, ...]
_UNSEEN: _Identity = (-1,)  # a file found only by the listing: the next command reads everything again


@dataclass(frozen=True)
class _Cached:
    overrides: RepositoryOverrides
    identities: tuple[tuple[str, _Identity | None], ...]
    """Each file the overrides depend on, as it was before it was read."""

    def still_valid(self) -> bool:
        return all(_identity(name) == identity for name, identity in self.identities)

    def files(self) -> list[str]:
        return [name for name, _ in self.identities]


def _as_options(settings: Sequence[str]) -> list[str]:
    return [part for setting in settings for part in ("-c", setting)]


def _parse_listing(listed: CommandResult) -> list[_Entry]:
    """Entries of `git config --list --show-scope --show-origin -z`: scope, origin, then key and value."""
    fields = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    entries = []
    for at in range(0, len(fields) - 2, 3):
        scope, origin, item = fields[at : at + 3]
        key, newline, value = item.partition("\n")
        entries.append(_Entry(scope, origin, key, value if newline else None))
    return entries


def _refusals(own: Sequence[_Entry], trusted: Sequence[_Entry]) -> list[tuple[str, str]]:
    """A refused transport for each remote whose upload-pack or receive-pack only the repository names
    (where the user names one too, git reads the user's first)."""
    refusals: list[tuple[str, str]] = []
    for key in dict.fromkeys(entry.key for entry in own):
        first_wins = _FIRST_VALUE_WINS.fullmatch(key)
        if first_wins and not any(entry.key == key for entry in trusted):
            remote, program = first_wins.groups()
            refusals.append((f"remote.{remote}.vcs", _REFUSED_TRANSPORT.format(program)))
    return refusals


def _neutralising(own: Sequence[_Entry], trusted: Sequence[_Entry]) -> list[tuple[str, str]]:
    """The settings that replace what the repositories' own scopes say about programs."""
    settings: list[tuple[str, str]] = []
    bangs = {entry.key for entry in own if entry.value is not None and entry.value.startswith("!")}
    for key in dict.fromkeys(entry.key for entry in own):
        replacement = _replacement_for(key, bang=key in bangs)
        if replacement is None:
            continue
        if _MULTI_VALUED.fullmatch(key):
            settings += _helpers_taken_back(key, trusted)
            continue
        users = [entry.value for entry in trusted if entry.key == key and entry.value is not None]
        settings.append((key, users[-1] if users else replacement))
    return settings


def _replacement_for(key: str, *, bang: bool) -> str | None:
    for pattern, replacement in _NAMES_A_PROGRAM:
        if pattern.fullmatch(key):
            return replacement
    for pattern, replacement in _COMMAND_WHEN_BANG:
        if bang and pattern.fullmatch(key):
            return replacement
    return None


def _helpers_taken_back(key: str, trusted: Sequence[_Entry]) -> list[tuple[str, str]]:
    """An empty helper empties the list git has gathered for a URL, then the user's helpers come
    back: under `key` itself, since git skips a helper less specific to the URL than one already
    seen, and only the user's general helpers and those for this very pattern (one for another
    host must not be asked about this one)."""
    general = "credential.helper"
    users = [entry.value for entry in trusted if entry.key in (key, general) and entry.value is not None]
    return [(key, ""), *((key, value) for value in users)]


def _configuration_files(own: Sequence[_Entry], folder: Path) -> list[str]:
    """The files the repository's own scopes came from, and those they include (found or not)."""
    files = []
    for entry in own:
        if not entry.origin.startswith("file:"):
            continue
        origin = folder / entry.origin.removeprefix("file:")  # relative to the top level, as git says
        files.append(str(origin))
        if _INCLUDE.fullmatch(entry.key) and entry.value:
            included = Path(entry.value).expanduser()
            files.append(str(included if included.is_absolute() else origin.parent / included))
    return files


def _first_files(work_tree: Path) -> list[str]:
    """What a repository's overrides depend on, before anything is known of it."""
    dot_git = work_tree / ".git"
    return [str(dot_git), *(str(dot_git / name) for name in ("config", "config.worktree", "index"))]


def _resolved_git_dir(dot_git: Path) -> Path | None:
    """The git directory a `.git` entry stands for: itself, or where a gitfile points; None if neither."""
    if dot_git.is_dir():
        return dot_git
    try:
        with dot_git.open("rb") as gitfile:
            pointer = gitfile.read(4096).decode("utf-8", "surrogateescape").strip()
    except OSError:
        return None
    if not pointer.startswith("gitdir:"):
        return None
    target = dot_git.parent / pointer.removeprefix("gitdir:").strip()
    return target if target.is_dir() else None


def _gitlink_path(record: bytes) -> str:
    """The path of one `git ls-files --stage -z` record: "<mode> <object> <stage>\\t<path>"."""
    return os.fsdecode(record.partition(b"\t")[2])


def _exists(path: Path) -> bool:
    try:
        path.lstat()
    except OSError:
        return False
    return True


def _identity(name: str) -> _Identity | None:
    """What changes when a file is written or replaced; for a directory, only which one it is (its
    entries are files of their own, each looked at where it matters)."""
    try:
        found = Path(name).stat()
    except OSError:
        return None
    if stat.S_ISDIR(found.st_mode):
        return (found.st_dev, found.st_ino)
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
