"""Running git on a repository that nobody vouched for, without running anything it names.

A repository's own configuration (`.git/config`, and what it includes) can name programs that git
then runs by itself: an fsmonitor on every status, hooks on commit and checkout, clean and smudge
filters chosen by `.gitattributes`, textconv and external diff drivers, merge drivers, a pager, an
editor, an ssh command, a credential helper, a gpg program, upload-pack on a fetch. Whoever made the
repository (a clone, a download, a colleague's tarball) chose those, not the user. So every git
command runs here with:

- an environment that fixes the rest (`environment`): no system config, no prompts, no pager, no
  editor, no askpass, optional locks off, English messages, only the protocols allowed (no `ext::`,
  no `git://`: its proxy command comes from config and cannot be overridden), and none of the
  caller's `GIT_*` variables that would point git elsewhere (`GIT_DIR`, `GIT_CONFIG_PARAMETERS`, ...);
- fixed `-c` settings, which come last and so win: no fsmonitor, hooks off unless allowed, no
  automatic gc forked in the background, no signature checks in logs;
- for each key of the repository's own scope that names a program (`_NAMES_A_PROGRAM`), a `-c`
  that takes it back to the user's own value or a harmless one (`RepositoryOverrides`), computed
  from `git config --list --show-scope` and cached until a config file changes;
- diff-producing commands also take `--no-textconv --no-ext-diff` (the caller's part).

The user's global configuration (`~/.gitconfig`) is trusted: identity, signing, credential helpers,
an lfs filter. Arguments that come from a model are checked by `ordinary_argument` before they
reach a command line, so none is ever read as an option.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from moorings_core.commands import CommandResult, run_command
from moorings_core.errors import InvalidInput, OperationFailed

__all__ = ["GitSandbox", "ordinary_argument"]

_CONFIG_LISTING_BYTES = 4 * 2**20

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
        (r"core\.alternaterefscommand", ""),
        (r"filter\..+\.(clean|smudge|process)", ""),
        (r"filter\..+\.required", "false"),
        # Diffs pass --no-textconv --no-ext-diff; should one forget, git fails to run "" (loudly).
        (r"diff\..+\.(textconv|command)", ""),
        (r"diff\.external", ""),
        (r"merge\..+\.driver", "false"),  # a conflict, reported as one, rather than someone's program
        (r"gpg\.program", "gpg"),
        (r"gpg\.openpgp\.program", "gpg"),
        (r"gpg\.x509\.program", "gpgsm"),
        (r"gpg\.ssh\.program", "ssh-keygen"),
        (r"gpg\.ssh\.defaultkeycommand", ""),
        (r"credential\.(.+\.)?helper", ""),
        (r"remote\..+\.uploadpack", "git-upload-pack"),
        (r"remote\..+\.receivepack", "git-receive-pack"),
        (r"trailer\..+\.(command|cmd)", ""),
    )
)
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
_MULTI_VALUED = re.compile(r"credential\.(.+\.)?helper", re.DOTALL)


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
class _Entry:
    scope: str
    origin: str
    key: str
    value: str | None


@dataclass
class _Cached:
    files: tuple[tuple[str, tuple[int, ...] | None], ...]
    settings: tuple[str, ...]


@dataclass
class GitSandbox:
    """How one server runs git: `run(work_tree, args)` with everything above in force."""

    allow_hooks: bool = False
    allow_network: bool = False
    executable: str = "git"
    base_environment: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _cache: dict[Path, _Cached] = field(default_factory=dict, repr=False)

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
        """The whole command line for `git args` in `work_tree`, with the repository's overrides."""
        overrides = await self.repository_overrides(work_tree)
        return [self.executable, "--no-pager", *self.fixed_settings(), *overrides, *args]

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
        return await run_command(
            await self.argv(work_tree, args),
            cwd=work_tree,
            env=self.environment(),
            max_output=max_output,
            skip_output=skip_output,
            stdin=stdin,
        )

    async def repository_overrides(self, work_tree: Path) -> list[str]:
        """`-c` arguments that take back every program the repository's own config names."""
        cached = self._cache.get(work_tree)
        if cached is not None and cached.files == _stat_all(cached.files):
            return list(cached.settings)
        entries = await self._listed_config(work_tree)
        settings = _as_options(_neutralising(entries, work_tree))
        files = tuple(dict.fromkeys(_config_files(entries, work_tree)))
        self._cache[work_tree] = _Cached(_stat_all(tuple((name, None) for name in files)), tuple(settings))
        return settings

    async def _listed_config(self, work_tree: Path) -> list[_Entry]:
        argv = [self.executable, "--no-pager", "config", "--list", "--show-scope", "--show-origin", "-z"]
        listed = await run_command(
            argv, cwd=work_tree, env=self.environment(), max_output=_CONFIG_LISTING_BYTES
        )
        if listed.cut:
            raise OperationFailed(
                f"the repository's git configuration is larger than {_CONFIG_LISTING_BYTES:,} bytes"
            )
        if not listed.ok:
            raise OperationFailed(f"git could not read the repository's configuration: {listed.error_text}")
        return _parse_listing(listed)


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


def _neutralising(entries: Sequence[_Entry], work_tree: Path) -> list[str]:
    """The settings that replace what the repository's own scope says about programs."""
    trusted = [entry for entry in entries if entry.scope not in ("local", "worktree")]
    settings: list[str] = []
    for key in dict.fromkeys(entry.key for entry in entries if entry.scope in ("local", "worktree")):
        if key == "core.worktree":  # would move the work tree outside the one that was checked
            settings.append(f"core.worktree={work_tree}")
            continue
        replacement = _replacement_for(key)
        if replacement is None:
            continue
        users = [entry.value for entry in trusted if entry.key == key and entry.value is not None]
        if _MULTI_VALUED.fullmatch(key):
            # An empty value empties the list so far; the user's own helpers then come back.
            settings += [f"{key}=", *(f"{key}={value}" for value in users)]
        else:
            settings.append(f"{key}={users[-1] if users else replacement}")
    return settings


def _replacement_for(key: str) -> str | None:
    for pattern, replacement in _NAMES_A_PROGRAM:
        if pattern.fullmatch(key):
            return replacement
    return None


def _config_files(entries: Sequence[_Entry], work_tree: Path) -> list[str]:
    """The files whose change can change the overrides: those the repository's scope came from."""
    files = []
    for entry in entries:
        if entry.scope in ("local", "worktree") and entry.origin.startswith("file:"):
            files.append(str(work_tree / entry.origin.removeprefix("file:")))
    dot_git = work_tree / ".git"
    files += [str(dot_git), str(dot_git / "config"), str(dot_git / "config.worktree")]
    return files


def _stat_all(
    files: tuple[tuple[str, tuple[int, ...] | None], ...],
) -> tuple[tuple[str, tuple[int, ...] | None], ...]:
    return tuple((name, _identity(name)) for name, _ in files)


def _identity(name: str) -> tuple[int, ...] | None:
    try:
        found = os.stat(name)
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
