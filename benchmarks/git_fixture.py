"""The git benchmarks' fixture: a repository with a long history and a dirty working tree, cached.

`ensure_repository(spec)` returns the fixture for `spec`, built on first use under
``.bench/fixtures/`` like the filesystem tree (`fixtures.cached`). Its folder holds ``repo/``, the
repository every git server spec serves, and ``fixture.json``, what the scenarios check answers
against (`Manifest`).

The history is written as one `git fast-import` stream from Python, so 20,000 commits take
seconds rather than the minutes one git process per commit would:
- a first commit adds most of the files; the commits after it edit one to four files each (a few
  hot files far more often than the rest) and now and then add one, until HEAD has `spec.files`;
- `spec.merges` short topic branches, each merged back with a merge commit while the main line
  moved on meanwhile (touching other files, so every merge is clean);
- the *large commit*, HEAD~`spec.large_commit_offset`: `spec.large_commit_files` files, three in
  five of them new (a vendored library, about 17 KB each) and the rest heavily rewritten, several
  MB of diff for `git show`;
- every commit is counted: `git rev-list --count HEAD` is `spec.commits`.

Then HEAD is checked out and the working tree made dirty: `spec.modified` files edited,
`spec.deleted` deleted, `spec.untracked` new files beside tracked ones (so `git status` names each
of them rather than a directory). Nothing is staged.

Every file is text, named ``<word>_<serial>.<ext>`` with a serial of five digits that no other
file has, and nothing else in the repository (messages, contents) looks like one: a scenario finds
which files an answer names by their serials, in whatever format it comes.

`git status` must cost the same in every run: an index entry whose file was written in the same
clock tick as the index is "racily clean", and git re-reads such files on every status until the
index is rewritten. So every file's mtime is set to a fixed moment well before the index is last
written (`git update-index --refresh`), and each `ensure_repository` refreshes the index again
(cheap when nothing changed; it rewrites the stat data of a copied or restored cache) and checks
that the dirty state is still the one built, rebuilding the fixture when it is not: the tools the
scenarios call only read, but a person may have run something in the cached repository.

All of it is drawn from one seeded generator, with fixed authors and dates, so the same spec gives
the same commits, byte for byte and sha for sha, everywhere.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import random
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from benchmarks.fixtures import cached, fixtures_dir

__all__ = ["SERIAL", "GitFixture", "GitSpec", "Manifest", "ensure_repository", "git", "serials_in"]

# One match per mention of a fixture file, whatever the format: ``src/deck/helm_00042.py``.
SERIAL = re.compile(r"[a-z]_(\d{5})\.[a-z]+\b")
_LAYOUT_VERSION = 1  # bump on any change to what is generated
_MAX_SERIAL = 99_999
_FIRST_COMMIT_TIME = 1_640_995_200  # 2022-01-01T00:00:00Z
_FIXED_MTIME = 1_700_000_000  # every working-tree file's mtime, long before the index is written
_TOPIC_BRANCH = "refs/heads/topic"
_MAIN_BRANCH = "main"
# A merge episode: up to three commits on a topic branch, two on main meanwhile, then the merge.
_EPISODE_MOST_COMMITS = 3 + 2 + 1
_HOT_FILES = 150  # files that take a third of the edits, as a real project's few busy modules do
_MAX_DEPTH = 5
_FILES_PER_DIRECTORY = 12
_VENDORED = "vendor/harbor"
_LARGE_MESSAGE = "Vendor the harbor toolkit and port the parsers to it\n"
_TOP_LEVEL = ("src", "lib", "docs", "tests", "tools", "web", "examples")
_VOCABULARY = (
    "alpha anchor berth bollard buffer cable channel client config cursor deck dock driver event "
    "fender field filter handler harbor helm hull index kernel keel ledger loader manifest mast "
    "module mooring node offset packet parser pier pilot queue reader record route rudder schema "
    "server session signal socket source stern stream table tide token vessel walker winch writer"
)
_WORDS = tuple(_VOCABULARY.split())
_KINDS = ("py", "py", "py", "js", "ts", "md", "json", "txt", "c", "h", "yaml", "html")
_VERBS = ("Fix", "Add", "Refactor", "Document", "Speed up", "Simplify", "Rename", "Test", "Handle")
_PEOPLE = (
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
    "Ken Thompson",
    "Margaret Hamilton",
    "Dennis Ritchie",
    "Radia Perlman",
    "John Backus",
    "Karen Sparck Jones",
    "Niklaus Wirth",
    "Sophie Wilson",
    "Tony Hoare",
)
# Isolated from the user's and the system's git configuration while building, so nothing there
# (hooks, autocrlf, a default branch name) changes what is built.
_BUILD_ENVIRONMENT = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "LC_ALL": "C",
}


@dataclass(frozen=True)
class GitSpec:
    """What to build. The defaults are the sizes the git benchmarks name."""

    commits: int = 20_000
    files: int = 5_000
    large_commit_files: int = 500
    large_commit_offset: int = 5
    merges: int = 8
    modified: int = 120
    deleted: int = 25
    untracked: int = 40
    seed: int = 7

    def __post_init__(self) -> None:
        if self.large_commit_added < 1 or self.files < 2 * self.large_commit_files:
            raise ValueError(f"{self} has no room for a large commit of {self.large_commit_files} files")
        if self.commits < self.large_commit_offset + 2 + self.merges * _EPISODE_MOST_COMMITS:
            raise ValueError(f"{self} has too few commits for its merges and its large commit")
        if self.modified + self.deleted > self.files - self.large_commit_files:
            raise ValueError(f"{self} dirties more files than it has")
        if self.files + self.untracked > _MAX_SERIAL:
            raise ValueError(f"{self} has more files than five-digit serials can name")

    @property
    def large_commit_added(self) -> int:
        return self.large_commit_files * 3 // 5

    @property
    def folder_name(self) -> str:
        parameters = "-".join(str(value) for value in asdict(self).values())
        return f"git-v{_LAYOUT_VERSION}-{parameters}"


@dataclass(frozen=True)
class Manifest:
    """What the scenarios check answers against, written beside the repository when it is built."""

    head: str
    commits: int
    large_commit: str
    large_commit_serials: frozenset[int]
    modified: tuple[str, ...]
    deleted: tuple[str, ...]
    untracked: tuple[str, ...]
    status: str  # `git status --porcelain` right after building: the dirty state to keep

    @property
    def changed_serials(self) -> frozenset[int]:
        """The serials of the files `git diff` shows: every tracked file modified or deleted."""
        return frozenset(serials_in("\n".join((*self.modified, *self.deleted))))

    @property
    def dirty_serials(self) -> frozenset[int]:
        """The serials of the files `git status` names: the changed ones and the untracked ones."""
        return self.changed_serials | frozenset(serials_in("\n".join(self.untracked)))

    def to_json(self) -> str:
        fields = asdict(self)
        fields["large_commit_serials"] = sorted(self.large_commit_serials)
        return json.dumps(fields, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        fields = json.loads(text)
        return cls(
            head=fields["head"],
            commits=fields["commits"],
            large_commit=fields["large_commit"],
            large_commit_serials=frozenset(fields["large_commit_serials"]),
            modified=tuple(fields["modified"]),
            deleted=tuple(fields["deleted"]),
            untracked=tuple(fields["untracked"]),
            status=fields["status"],
        )


@dataclass(frozen=True)
class GitFixture:
    """A built fixture: its folder, the repository in it, and what was built."""

    root: Path
    spec: GitSpec
    manifest: Manifest

    @property
    def repository(self) -> Path:
        return self.root / "repo"


def serials_in(text: str) -> set[int]:
    """The serials of the fixture files that `text` names, each once however often it appears."""
    return {int(serial) for serial in SERIAL.findall(text)}


def git(repository: Path, *arguments: str) -> str:
    """Run git in `repository`, isolated from any configuration, and return its output."""
    completed = subprocess.run(
        ["git", "-C", str(repository), *arguments],
        env=_BUILD_ENVIRONMENT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"git {' '.join(arguments)} failed: {completed.stderr.strip()}")
    return completed.stdout


def ensure_repository(spec: GitSpec, cache: Path | None = None) -> GitFixture:
    """The fixture for `spec`, built into `cache` (default `fixtures_dir()`) unless already there.

    A cached fixture whose dirty state is no longer the one built is removed and built again.
    """
    cache = cache or fixtures_dir()
    root = cached(spec.folder_name, lambda scratch: _build(scratch, spec), cache)
    fixture = _load(root, spec)
    if _current_status(fixture.repository) != fixture.manifest.status:
        shutil.rmtree(root)
        fixture = _load(cached(spec.folder_name, lambda scratch: _build(scratch, spec), cache), spec)
    return fixture


def _load(root: Path, spec: GitSpec) -> GitFixture:
    return GitFixture(root, spec, Manifest.from_json((root / "fixture.json").read_text()))


def _current_status(repository: Path) -> str:
    """`git status --porcelain` once the index's stat data is fresh (no racily clean entries)."""
    # Exit status 1 lists the modified files as needing an update: that is the dirty tree.
    subprocess.run(
        ["git", "-C", str(repository), "update-index", "-q", "--ignore-missing", "--refresh"],
        env=_BUILD_ENVIRONMENT,
        capture_output=True,
        check=False,
    )
    return git(repository, "status", "--porcelain")


# --- building ----------------------------------------------------------------------------------


def _build(root: Path, spec: GitSpec) -> None:
    repository = root / "repo"
    git(root, "init", "--quiet", "--initial-branch", _MAIN_BRANCH, str(repository))
    rng = random.Random(spec.seed)
    history = _History(spec, rng)
    with subprocess.Popen(
        ["git", "-C", str(repository), "fast-import", "--quiet", "--done"],
        stdin=subprocess.PIPE,
        env=_BUILD_ENVIRONMENT,
    ) as importer:
        assert importer.stdin is not None
        history.write(importer.stdin)
        importer.stdin.close()
        if importer.wait() != 0:
            raise RuntimeError(f"git fast-import exited with status {importer.returncode}")
    git(repository, "update-ref", "-d", _TOPIC_BRANCH)
    git(repository, "reset", "--quiet", "--hard", _MAIN_BRANCH)
    commits = int(git(repository, "rev-list", "--count", "HEAD"))
    if commits != spec.commits:
        raise RuntimeError(f"built {commits} commits, not the {spec.commits} asked")
    dirty = _dirty(repository, history, rng, spec)
    _settle_mtimes(repository)
    manifest = Manifest(
        head=git(repository, "rev-parse", "HEAD").strip(),
        commits=commits,
        large_commit=git(repository, "rev-parse", f"HEAD~{spec.large_commit_offset}").strip(),
        large_commit_serials=frozenset(history.large_commit_serials),
        modified=dirty[0],
        deleted=dirty[1],
        untracked=dirty[2],
        status=_current_status(repository),
    )
    (root / "fixture.json").write_text(manifest.to_json())


def _dirty(
    repository: Path, history: _History, rng: random.Random, spec: GitSpec
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Edit, delete and add files in the working tree; return the paths of each, sorted."""
    chosen = rng.sample(sorted(history.files), spec.modified + spec.deleted)
    modified, deleted = sorted(chosen[: spec.modified]), sorted(chosen[spec.modified :])
    for path in modified:
        (repository / path).write_bytes(b"".join(history.text.edited(history.files[path], hunks=2)))
    for path in deleted:
        (repository / path).unlink()
    untracked = []
    for _ in range(spec.untracked):
        # Beside a tracked file, so `git status` lists the file rather than a new directory.
        directory = rng.choice(history.paths).rpartition("/")[0]
        path = history.new_path(directory)
        (repository / path).write_bytes(b"".join(history.text.new_file(median_lines=30)))
        untracked.append(path)
    return tuple(modified), tuple(deleted), tuple(sorted(untracked))


def _settle_mtimes(repository: Path) -> None:
    """Give every working-tree file one fixed mtime, long before the index is next written."""
    for parent, directories, names in os.walk(repository):
        if parent == str(repository):
            directories.remove(".git")
        for name in names:
            os.utime(os.path.join(parent, name), (_FIXED_MTIME, _FIXED_MTIME))


class _Text:
    """Source-like lines; a new file is a run of them, an edit swaps a few in and out."""

    def __init__(self, rng: random.Random, lines: int = 20_000) -> None:
        self._rng = rng
        self._pool = [_source_line(rng) for _ in range(lines)]

    def new_file(self, *, median_lines: int, most_lines: int = 1_500) -> list[bytes]:
        count = max(3, min(most_lines, int(self._rng.lognormvariate(math.log(median_lines), 0.8))))
        start = self._rng.randrange(len(self._pool) - count)
        return self._pool[start : start + count]

    def edited(self, lines: list[bytes], *, hunks: int) -> list[bytes]:
        """`lines` with `hunks` places changed (lines replaced, inserted or removed); never the same."""
        result = list(lines)
        for _ in range(hunks):
            at = self._rng.randrange(len(result) + 1)
            removed = self._rng.randint(0, min(4, len(result) - at)) if len(result) > 5 else 0
            added = [
                self._rng.choice(self._pool) for _ in range(self._rng.randint(1 if removed == 0 else 0, 4))
            ]
            result[at : at + removed] = added
        return result if result != lines else [*result, self._rng.choice(self._pool)]


def _source_line(rng: random.Random) -> bytes:
    indent = "    " * rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
    words = rng.choices(_WORDS, k=rng.randint(1, 8))
    shape = rng.random()
    if shape < 0.15:
        line = f"{indent}def {words[0]}({', '.join(words[1:4])}):"
    elif shape < 0.30:
        line = f"{indent}# {' '.join(words).capitalize()}."
    elif shape < 0.40:
        line = ""
    else:
        line = f"{indent}{words[0]} = {'.'.join(words[1:]) or rng.randint(0, 9999)}"
    return f"{line}\n".encode()


class _History:
    """The fast-import stream's author: main's files as they stand, and the commits to come."""

    def __init__(self, spec: GitSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.text = _Text(rng)
        self.files: dict[str, list[bytes]] = {}  # main's tree at its tip, path -> lines
        self.paths: list[str] = []  # the same paths, in the order added, for drawing at random
        self.large_commit_serials: set[int] = set()
        self._serial = 0
        self._mark = 0
        self._time = _FIRST_COMMIT_TIME
        self._directories = _directories(rng, max(len(_TOP_LEVEL), spec.files // _FILES_PER_DIRECTORY))
        self._out: IO[bytes] | None = None

    def new_path(self, directory: str | None = None) -> str:
        directory = directory or self.rng.choice(self._directories)
        self._serial += 1
        return f"{directory}/{self.rng.choice(_WORDS)}_{self._serial:05d}.{self.rng.choice(_KINDS)}"

    def write(self, out: IO[bytes]) -> None:
        """The whole history, as one fast-import stream, into `out`."""
        self._out = out
        spec = self.spec
        large_index = spec.commits - spec.large_commit_offset - 1
        later = (spec.files - spec.large_commit_added) // 5
        first = spec.files - spec.large_commit_added - later
        additions = _Additions(self.rng, later, large_index)
        episodes = {1 + (k + 1) * (large_index - 1) // (spec.merges + 1) for k in range(spec.merges)}

        self._commit_on_main({self.new_path(): self.text.new_file(median_lines=40) for _ in range(first)})
        made = 1
        while made < large_index:
            if made in episodes and made + _EPISODE_MOST_COMMITS <= large_index:
                made += self._episode()
            else:
                made += 1
                self._commit_on_main(self._regular_changes(additions.due(made)))
        # Whatever files the topic branches' turns put off come with the large commit.
        self._commit_on_main(self._large_changes(additions.due(large_index + 1)), message=_LARGE_MESSAGE)
        for _ in range(spec.large_commit_offset):
            self._commit_on_main(self._regular_changes(0))
        out.write(b"done\n")

    def _regular_changes(
        self, new_files: int, *, avoid: frozenset[str] = frozenset()
    ) -> dict[str, list[bytes]]:
        """One to four files edited (none of `avoid`), and `new_files` new ones."""
        changes: dict[str, list[bytes]] = {}
        for _ in range(self.rng.randint(1, 4)):
            path = self._pick(avoid)
            changes[path] = self.text.edited(
                changes.get(path, self.files[path]), hunks=self.rng.randint(1, 3)
            )
        for _ in range(new_files):
            changes[self.new_path()] = self.text.new_file(median_lines=40)
        return changes

    def _pick(self, avoid: frozenset[str]) -> str:
        while True:
            hot = self.rng.random() < 1 / 3
            path = (
                self.paths[self.rng.randrange(min(_HOT_FILES, len(self.paths)))]
                if hot
                else self.rng.choice(self.paths)
            )
            if path not in avoid:
                return path

    def _large_changes(self, new_files: int) -> dict[str, list[bytes]]:
        """A vendored library added and many files ported to it, plus `new_files` ordinary new files."""
        spec = self.spec
        changes = {
            self.new_path(f"{_VENDORED}/{self.rng.choice(_WORDS)}"): self.text.new_file(median_lines=400)
            for _ in range(spec.large_commit_added)
        }
        rewritten = self.rng.sample(self.paths, spec.large_commit_files - spec.large_commit_added)
        for path in rewritten:
            changes[path] = self.text.edited(self.files[path], hunks=self.rng.randint(4, 12))
        for _ in range(new_files):
            changes[self.new_path()] = self.text.new_file(median_lines=40)
        self.large_commit_serials = serials_in("\n".join(changes))
        return changes

    def _episode(self) -> int:
        """A topic branch from main's tip, main moving on meanwhile, then the merge; the commits made."""
        branch_point = self._mark
        side_commits, main_commits = self.rng.randint(2, 3), self.rng.randint(1, 2)
        topic: dict[str, list[bytes]] = {}
        self._write(f"reset {_TOPIC_BRANCH}\nfrom :{branch_point}\n\n".encode())
        for _ in range(side_commits):
            changes = {}
            for path in self.rng.sample(self.paths, self.rng.randint(1, 3)):
                changes[path] = self.text.edited(topic.get(path, self.files[path]), hunks=1)
            topic.update(changes)
            self._commit(_TOPIC_BRANCH, changes)
        topic_tip = self._mark
        for _ in range(main_commits):
            self._commit_on_main(self._regular_changes(0, avoid=frozenset(topic)))
        self._commit_on_main(topic, message="Merge branch 'topic'\n", merge=topic_tip)
        return side_commits + main_commits + 1

    def _commit_on_main(
        self,
        changes: dict[str, list[bytes]],
        *,
        message: str | None = None,
        merge: int | None = None,
    ) -> None:
        for path, lines in changes.items():
            if path not in self.files:
                self.paths.append(path)
            self.files[path] = lines
        self._commit(f"refs/heads/{_MAIN_BRANCH}", changes, message=message, merge=merge)

    def _commit(
        self,
        ref: str,
        changes: dict[str, list[bytes]],
        *,
        message: str | None = None,
        merge: int | None = None,
    ) -> None:
        self._mark += 1
        self._time += self.rng.randint(120, 8_000)
        person = self.rng.choice(_PEOPLE)
        signature = f"{person} <{person.split()[0].lower()}@example.org> {self._time} +0000"
        text = (message or self._message(changes)).encode()
        header = f"commit {ref}\nmark :{self._mark}\nauthor {signature}\ncommitter {signature}\n"
        self._write(header.encode() + b"data %d\n" % len(text) + text + b"\n")
        if merge is not None:
            self._write(f"merge :{merge}\n".encode())
        for path, lines in changes.items():
            data = b"".join(lines)
            self._write(f"M 100644 inline {path}\n".encode() + b"data %d\n" % len(data) + data + b"\n")
        self._write(b"\n")

    def _message(self, changes: dict[str, list[bytes]]) -> str:
        directory = next(iter(changes)).rpartition("/")[0]
        subject = f"{self.rng.choice(_VERBS)} {' '.join(self.rng.sample(_WORDS, 2))} in {directory}"
        if self.rng.random() < 0.3:
            body = " ".join(self.rng.choices(_WORDS, k=self.rng.randint(8, 30))).capitalize()
            return f"{subject}\n\n{body}.\n"
        return f"{subject}\n"

    def _write(self, data: bytes) -> None:
        assert self._out is not None
        self._out.write(data)


def _directories(rng: random.Random, count: int) -> list[str]:
    """`count` nested directories under the top-level ones, of uneven depth."""
    directories = list(_TOP_LEVEL)
    known = set(directories)
    while len(directories) < count:
        parent = rng.choice(directories)
        child = f"{parent}/{rng.choice(_WORDS)}"
        if child not in known and parent.count("/") < _MAX_DEPTH:
            directories.append(child)
            known.add(child)
    return directories


class _Additions:
    """When the files added after the first commit come: `files` spread over commits 2 to `last`."""

    def __init__(self, rng: random.Random, files: int, last: int) -> None:
        self._at = sorted(rng.randint(2, last) for _ in range(files))
        self._given = 0

    def due(self, commit: int) -> int:
        """How many files commit number `commit` adds: those scheduled up to it and not yet added."""
        due = bisect.bisect_right(self._at, commit) - self._given
        self._given += due
        return due
