"""The filesystem benchmarks' fixture: a big, realistic, deterministic tree, generated once and cached.

`ensure_fixture(spec)` returns the fixture for `spec`, generating it on first use under
``.bench/fixtures/`` (or ``$MOORINGS_BENCH_FIXTURES``). `cached` does the caching for every
fixture: generation writes into a scratch folder that is renamed into place, so a killed run never
leaves half a fixture that a later run would trust; the folder's name carries every parameter and
a layout version, so a changed spec gets a new one.

The fixture folder holds:
- ``tree/``: `spec.files` files in nested directories of uneven depth and fan-out, source-like
  text of mixed sizes (a long tail of bigger files) and a few binary files; a ``.gitignore``
  excluding ``build/`` (generated output, a few percent of the files); exactly `spec.test_files`
  files named ``test_*.py`` (the glob search's matches) and `spec.needle_files` text files holding
  `NEEDLE` once each (the content search's matches), none of them in ignored places, so tools
  that honour .gitignore and tools that do not find the same things; and ``tree/engine/``, a
  subtree of exactly `spec.subtree_files` files.
- ``wide/``: one directory with `spec.wide_entries` entries (empty files and some directories).
- ``big/server.log``: a log file of about `spec.big_file_bytes` bytes.
- ``small/``: two small files, for the untimed warm-up call of each run.

Everything is drawn from one seeded generator, so the same spec gives the same tree everywhere.
Text is sliced from a pool of generated lines rather than generated per file: 50,000 files take a
few seconds to write.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.servers import BENCH_DIR

__all__ = ["NEEDLE", "Fixture", "TreeSpec", "cached", "ensure_fixture", "fixtures_dir"]

NEEDLE = "moorings_needle_7f3a9c"
_LAYOUT_VERSION = 2  # bump on any change to what is generated
_IGNORED_SHARE = 0.03
_BINARY_SHARE = 0.05
_LEAF_FILES = 40  # a directory holding at most this many files gets no subdirectories
_MAX_DEPTH = 7
_MAX_TEXT_FILE = 256 * 1024
_TOP_LEVEL = ("src", "lib", "docs", "tests", "tools", "web", "assets", "examples")
# Every name and line is made of these lower-case words; the scenarios' marker patterns rely on it.
_VOCABULARY = (
    "alpha anchor berth bollard buffer cable channel client config cursor deck dock driver event "
    "fender field filter handler harbor helm hull index kernel keel ledger loader manifest mast "
    "module mooring node offset packet parser pier pilot queue reader record route rudder schema "
    "server session signal socket source stern stream table tide token vessel walker winch "
    "writer"
)
_WORDS = tuple(_VOCABULARY.split())
_TEXT_KINDS = ("py", "py", "py", "js", "ts", "md", "json", "txt", "c", "h", "yaml", "html")
_BINARY_KINDS = ("png", "bin", "woff2")
_BUILD_KINDS = ("o", "js", "map", "log")


@dataclass(frozen=True)
class TreeSpec:
    """What to generate. The defaults are the sizes the issue's benchmarks name."""

    files: int = 50_000
    subtree_files: int = 5_000
    wide_entries: int = 10_000
    big_file_bytes: int = 50 * 2**20
    test_files: int = 500
    needle_files: int = 40
    seed: int = 4

    def __post_init__(self) -> None:
        room = self.files * (1 - _IGNORED_SHARE - _BINARY_SHARE) - self.subtree_files
        if room < 2 * (self.test_files + self.needle_files) or self.subtree_files < 1:
            raise ValueError(f"{self} leaves no room for the test files and needle files")

    @property
    def folder_name(self) -> str:
        parameters = "-".join(str(value) for value in asdict(self).values())
        return f"filesystem-v{_LAYOUT_VERSION}-{parameters}"


@dataclass(frozen=True)
class Fixture:
    """A generated fixture: where each part of it is."""

    root: Path
    spec: TreeSpec

    @property
    def tree(self) -> Path:
        return self.root / "tree"

    @property
    def subtree(self) -> Path:
        return self.tree / "engine"

    @property
    def wide(self) -> Path:
        return self.root / "wide"

    @property
    def big_file(self) -> Path:
        return self.root / "big" / "server.log"

    @property
    def small(self) -> Path:
        return self.root / "small"

    @property
    def small_file(self) -> Path:
        return self.tree / "README.md"


def fixtures_dir() -> Path:
    """Where fixtures are cached: ``$MOORINGS_BENCH_FIXTURES``, else ``.bench/fixtures``."""
    return Path(os.environ.get("MOORINGS_BENCH_FIXTURES") or BENCH_DIR / "fixtures")


def ensure_fixture(spec: TreeSpec, cache: Path | None = None) -> Fixture:
    """The fixture for `spec`, generated into `cache` (default `fixtures_dir()`) unless already there."""
    root = cached(spec.folder_name, lambda scratch: _generate(Fixture(scratch, spec)), cache)
    return Fixture(root, spec)


def cached(name: str, generate: Callable[[Path], None], cache: Path | None = None) -> Path:
    """The folder `name` in `cache` (default `fixtures_dir()`); `generate` fills it on first use.

    `generate` gets an empty scratch folder, renamed to `name` only once it returns.
    """
    cache = cache or fixtures_dir()
    final = cache / name
    if not final.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        scratch = cache / f".{name}.partial-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        generate(scratch)
        try:
            scratch.rename(final)
        except OSError:
            # Another run finished the same fixture first; theirs is as good as ours.
            shutil.rmtree(scratch, ignore_errors=True)
    return final


def _generate(fixture: Fixture) -> None:
    rng = random.Random(fixture.spec.seed)
    pool = _TextPool(rng, lines=min(100_000, 16_000 + 2 * fixture.spec.files))
    _write_tree(fixture, rng, pool)
    _write_wide(fixture.wide, fixture.spec.wide_entries)
    _write_big_file(fixture.big_file, fixture.spec.big_file_bytes, rng)
    fixture.small.mkdir()
    (fixture.small / "notes.txt").write_text("A small file.\n")
    (fixture.small / "test_small.py").write_text(f"marker = {NEEDLE!r}\n")
    (fixture.root / "fixture.json").write_text(json.dumps(asdict(fixture.spec), indent=2) + "\n")


# --- tree/ -------------------------------------------------------------------------------------


def _write_tree(fixture: Fixture, rng: random.Random, pool: _TextPool) -> None:
    spec = fixture.spec
    ignored = max(1, round(spec.files * _IGNORED_SHARE))
    rest = spec.files - spec.subtree_files - ignored - 2  # README.md and .gitignore
    tree = fixture.tree
    tree.mkdir(parents=True)
    (tree / ".gitignore").write_text("# generated output\nbuild/\n*.log\n")
    (tree / "README.md").write_text("# A benchmark fixture\n\nGenerated by benchmarks/fixtures.py.\n")

    serials = itertools.count()
    build = _spread(rng, tree / "build", ignored)
    subtree = _spread(rng, fixture.subtree, spec.subtree_files)
    shares = _split(rng, rest, len(_TOP_LEVEL))
    sources = [
        slot
        for name, share in zip(_TOP_LEVEL, shares, strict=True)
        for slot in _spread(rng, tree / name, share)
    ]
    for directory in build:
        _write_file(
            directory, f"{rng.choice(_WORDS)}_{next(serials):05d}.{rng.choice(_BUILD_KINDS)}", pool, rng
        )

    # The searches' matches, drawn from the files that no tool skips.
    regular = [*subtree, *sources]
    chosen = rng.sample(range(len(regular)), spec.test_files + spec.needle_files)
    tests, needles = set(chosen[: spec.test_files]), set(chosen[spec.test_files :])
    for index, directory in enumerate(regular):
        serial = next(serials)
        if index in tests:
            _write_file(directory, f"test_{rng.choice(_WORDS)}_{serial:05d}.py", pool, rng)
        elif index in needles:
            _write_file(directory, f"{rng.choice(_WORDS)}_{serial:05d}.py", pool, rng, needle=True)
        elif rng.random() < _BINARY_SHARE:
            _write_binary(directory / f"{rng.choice(_WORDS)}_{serial:05d}.{rng.choice(_BINARY_KINDS)}", rng)
        else:
            kind = rng.choice(_TEXT_KINDS)
            _write_file(directory, f"{rng.choice(_WORDS)}_{serial:05d}.{kind}", pool, rng)


def _spread(rng: random.Random, top: Path, files: int) -> list[Path]:
    """One directory per file to come: `files` slots spread over a nested tree under `top`."""
    slots: list[Path] = []
    pending = [(top, files, 0)]
    while pending:
        directory, count, depth = pending.pop()
        directory.mkdir(parents=True, exist_ok=True)
        if count <= _LEAF_FILES or depth >= _MAX_DEPTH:
            slots += [directory] * count
            continue
        here = min(count, rng.randint(3, 20))
        slots += [directory] * here
        children = rng.randint(2, 7)
        names = rng.sample(_WORDS, children)
        for name, share in zip(names, _split(rng, count - here, children), strict=True):
            pending.append((directory / name, share, depth + 1))
    return slots


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` as `parts` uneven non-negative shares (some directories are much bigger)."""
    weights = [rng.paretovariate(1.5) for _ in range(parts)]
    shares = [math.floor(total * weight / sum(weights)) for weight in weights]
    shares[0] += total - sum(shares)
    return shares


def _write_file(
    directory: Path, name: str, pool: _TextPool, rng: random.Random, *, needle: bool = False
) -> None:
    # Median about 1.5 KB with a long tail, as in a source tree; capped so no file dominates.
    size = min(int(rng.lognormvariate(math.log(1500), 1.0)), _MAX_TEXT_FILE)
    text = pool.slice(size)
    if needle:
        middle = text.find(b"\n", len(text) // 2) + 1
        text = text[:middle] + f"    marker = {NEEDLE!r}\n".encode() + text[middle:]
    _create(directory / name, text)


def _write_binary(path: Path, rng: random.Random) -> None:
    size = min(int(rng.lognormvariate(math.log(6000), 1.0)), 512 * 1024)
    _create(path, b"\x89PNG\r\n\x1a\n\x00\x00" + rng.randbytes(size))


def _create(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


class _TextPool:
    """Some MiB of source-like lines; a file's text is a slice of it starting at a line.

    Its size grows with the tree (more variety for more files) up to a cap, so a tiny tree for a
    test does not pay for generating text it would never use.
    """

    def __init__(self, rng: random.Random, *, lines: int) -> None:
        self._rng = rng
        self._text = "".join(itertools.islice(_source_lines(rng), lines)).encode()
        if len(self._text) < 2 * _MAX_TEXT_FILE:
            raise ValueError(f"a pool of {lines} lines is too small to slice files from")

    def slice(self, size: int) -> bytes:
        start = self._rng.randrange(len(self._text) - size - 1)
        start = self._text.find(b"\n", start) + 1
        end = self._text.find(b"\n", start + size) + 1 or len(self._text)
        return self._text[start:end]


def _source_lines(rng: random.Random) -> Iterator[str]:
    while True:
        indent = "    " * rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
        words = rng.choices(_WORDS, k=rng.randint(1, 9))
        shape = rng.random()
        if shape < 0.15:
            yield f"{indent}def {words[0]}_{words[-1]}({', '.join(words[1:4])}):\n"
        elif shape < 0.30:
            yield f"{indent}# {' '.join(words).capitalize()}.\n"
        elif shape < 0.40:
            yield "\n"
        else:
            yield f"{indent}{words[0]} = {'.'.join(words[1:]) or rng.randint(0, 9999)}\n"


# --- wide/ and big/ ----------------------------------------------------------------------------


def _write_wide(wide: Path, entries: int) -> None:
    wide.mkdir(parents=True)
    for number in range(entries):
        if number % 20 == 7:
            (wide / f"item-{number:05d}").mkdir()
        else:
            _create(wide / f"item-{number:05d}.dat", b"")


def _write_big_file(path: Path, size: int, rng: random.Random) -> None:
    """A log of about `size` bytes: a block of lines repeated, then distinct closing lines."""
    path.parent.mkdir(parents=True)
    block = "".join(
        f"2026-05-0{1 + number % 9}T12:{number % 60:02d}:{number % 59:02d}Z INFO "
        f"{rng.choice(_WORDS)} request={number} took={rng.randint(1, 999)}ms\n"
        for number in range(10_000)
    ).encode()
    with path.open("wb") as log:
        for _ in range(size // len(block)):
            log.write(block)
        log.write(block[: block.rfind(b"\n", 0, size % len(block)) + 1])
        log.writelines(f"closing line {number} of the log\n".encode() for number in range(1, 21))
