"""The path jail, attacked and used: hostile inputs are refused without side effects, honest ones work."""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import stat
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from moorings_core.errors import AccessDenied, InvalidInput, MooringsError, NotFound
from moorings_core.platform.files import SpecialFile, open_beneath
from moorings_core.sandbox.paths import PathJail
from tests.capabilities import OPENINGS, open_by

SECRET = b"outside secret"
INSIDE = b"inside content"
NFC_NAME = unicodedata.normalize("NFC", "café.txt")
NFD_NAME = unicodedata.normalize("NFD", "café.txt")


@dataclass
class World:
    """A root with traps in it, an outside directory holding a secret, and a sibling that shares a prefix."""

    root: Path
    outside: Path
    sibling: Path
    jail: PathJail
    read_only_jail: PathJail
    opening: str  # how the jail opens: "descriptors" (an fd walk) or "paths" (re-checked, as on Windows)


@pytest.fixture(params=OPENINGS)
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[World]:
    open_by(request.param, monkeypatch)
    root, outside, sibling = tmp_path / "root", tmp_path / "outside", tmp_path / "root_evil"
    for directory in (root, root / "sub", outside, sibling):
        directory.mkdir()
    (root / "a.txt").write_bytes(INSIDE)
    (outside / "secret.txt").write_bytes(SECRET)
    (sibling / "x.txt").write_bytes(SECRET)
    (root / "link_out_file").symlink_to(outside / "secret.txt")
    (root / "link_out_dir").symlink_to(outside)
    (root / "dangling_out").symlink_to(outside / "created.txt")
    (root / "sub" / "hop").symlink_to("../../outside")
    (root / "link_dev_null").symlink_to("/dev/null")
    (root / "loop_a").symlink_to("loop_b")
    (root / "loop_b").symlink_to("loop_a")
    os.mkfifo(root / "fifo")
    monkeypatch.chdir(root)  # a unix socket address is short: bind it by a relative name
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind("sock")
        jails = PathJail([root]), PathJail([root], read_only=True)
        yield World(root, outside, sibling, *jails, request.param)


def snapshot(directory: Path) -> dict[str, object]:
    """Everything observable in a tree: names, file contents, link targets, modification times."""
    seen: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            info = path.lstat()
            if path.is_symlink():
                seen[str(path)] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                seen[str(path)] = ("file", path.read_bytes(), info.st_mtime_ns)
            else:
                seen[str(path)] = ("other", stat.S_IFMT(info.st_mode))
    return seen


def read_through(jail: PathJail, path: str) -> bytes:
    fd = jail.open_file(path)
    try:
        return os.read(fd, 1 << 16)
    finally:
        os.close(fd)


def write_through(jail: PathJail, path: str, data: bytes = b"written") -> None:
    fd = jail.open_file(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def list_through(jail: PathJail, path: str) -> list[str]:
    with jail.open_directory(path) as directory, directory.scandir() as entries:
        return sorted(entry.name for entry in entries)


def read(w: World, path: str) -> object:
    return read_through(w.jail, path)


def write(w: World, path: str) -> object:
    write_through(w.jail, path)
    return None


def listing(w: World, path: str) -> object:
    return list_through(w.jail, path)


def resolve(w: World, path: str) -> object:
    return w.jail.resolve(path)


def resolve_create(w: World, path: str) -> object:
    return w.jail.resolve(path, intent="create")


def make_directory(w: World, path: str) -> object:
    directory, name = w.jail.open_parent(path)
    with directory:
        directory.mkdir(name)
    return None


def read_only_write(w: World, path: str) -> object:
    write_through(w.read_only_jail, path)
    return None


def read_only_resolve_write(w: World, path: str) -> object:
    return w.read_only_jail.resolve(path, intent="write")


def read_only_mkdir(w: World, path: str) -> object:
    return w.read_only_jail.open_parent(path)


def read_narrowed_to_outside(w: World, path: str) -> object:
    return read_through(w.jail.narrowed_to([w.outside]), path)


def read_narrowed_to_sub(w: World, path: str) -> object:
    return read_through(w.jail.narrowed_to([w.root / "sub"]), path)


Attempt = Callable[[World, str], object]
S = "{outside}/secret.txt"

# (what it is, the attempt, the path ({root}, {outside} and {sibling} filled in), the refusal, and a
# fragment of the message that says what is allowed instead)
HOSTILE: list[tuple[str, Attempt, str, type[MooringsError], str]] = [
    ("prefix sibling read", read, "{sibling}/x.txt", AccessDenied, "{root}"),
    ("prefix sibling write", write, "{sibling}/new.txt", AccessDenied, "{root}"),
    ("dotdot relative", read, "../outside/secret.txt", AccessDenied, "{root}"),
    ("dotdot deep", read, "sub/../../outside/secret.txt", AccessDenied, "{root}"),
    ("dotdot absolute", read, "{root}/../outside/secret.txt", AccessDenied, "{root}"),
    ("absolute outside", read, S, AccessDenied, "{root}"),
    ("absolute outside dir", resolve, "{outside}", AccessDenied, "{root}"),
    ("symlink to file outside", read, "link_out_file", AccessDenied, "{root}"),
    ("write through file link", write, "link_out_file", AccessDenied, "{root}"),
    ("symlink to dir outside", read, "link_out_dir/secret.txt", AccessDenied, "{root}"),
    ("list through dir link", listing, "link_out_dir", AccessDenied, "{root}"),
    ("create through dir link", write, "link_out_dir/new.txt", AccessDenied, "{root}"),
    ("dangling link write", write, "dangling_out", AccessDenied, "{root}"),
    ("dangling link resolve", resolve_create, "dangling_out", AccessDenied, "{root}"),
    ("intermediate link read", read, "sub/hop/secret.txt", AccessDenied, "{root}"),
    ("intermediate link write", write, "sub/hop/new.txt", AccessDenied, "{root}"),
    ("mkdir through dir link", make_directory, "link_out_dir/made", AccessDenied, "{root}"),
    ("quoted outside", read, '"../outside/secret.txt"', AccessDenied, "{root}"),
    ("nul byte", read, "a.txt\0../../outside/secret.txt", InvalidInput, "NUL"),
    ("very long path", resolve, "d/" * 3000 + "a.txt", InvalidInput, "4096 bytes"),
    ("very long name", resolve, "n" * 300, InvalidInput, "255 bytes"),
    ("too long once joined", resolve_create, "d/" * 2040, InvalidInput, "shorter"),
    ("symlink loop", read, "loop_a", InvalidInput, "symbolic links"),
    ("fifo read", read, "fifo", AccessDenied, "regular files"),
    ("fifo write", write, "fifo", AccessDenied, "regular files"),
    ("fifo resolve", resolve, "fifo", AccessDenied, "regular files"),
    ("unix socket read", read, "sock", AccessDenied, "regular files"),
    ("device outside", read, "/dev/null", AccessDenied, "{root}"),
    ("link to device", read, "link_dev_null", AccessDenied, "{root}"),
    ("read-only write", read_only_write, "a.txt", AccessDenied, "read-only"),
    ("read-only create", read_only_write, "new.txt", AccessDenied, "read-only"),
    ("read-only resolve", read_only_resolve_write, "a.txt", AccessDenied, "read-only"),
    ("read-only mkdir", read_only_mkdir, "made", AccessDenied, "read-only"),
    ("replace a root", make_directory, "{root}", AccessDenied, "inside it"),
    ("client root outside", read_narrowed_to_outside, S, AccessDenied, "{root}"),
    ("client root narrows", read_narrowed_to_sub, "{root}/a.txt", AccessDenied, "{root}/sub"),
]


@pytest.mark.parametrize(
    ("attempt", "path", "refusal", "fragment"),
    [pytest.param(*row[1:], id=row[0]) for row in HOSTILE],
)
def test_hostile_input_is_refused_without_side_effect(
    world: World, attempt: Attempt, path: str, refusal: type[MooringsError], fragment: str
) -> None:
    places = {"root": world.root, "outside": world.outside, "sibling": world.sibling}
    before = snapshot(world.root.parent)  # the root, the outside directory and the sibling

    with pytest.raises(refusal) as caught:
        attempt(world, path.format(**places))

    assert fragment.format(**places) in str(caught.value)
    assert snapshot(world.root.parent) == before


def test_home_outside_the_roots_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(world.outside))

    for path in ("~", "~/secret.txt"):
        with pytest.raises(AccessDenied, match="home directory") as caught:
            read_through(world.jail, path)
        assert str(world.root) in str(caught.value)


def test_device_inside_the_root_is_refused(world: World) -> None:
    try:
        os.mknod(world.root / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")

    with pytest.raises(AccessDenied, match="character device"):
        read_through(world.jail, "null")


# -- legitimate controls ------------------------------------------------------------------------


def test_normal_file_inside_is_read(world: World) -> None:
    assert read_through(world.jail, "a.txt") == INSIDE
    assert read_through(world.jail, str(world.root / "a.txt")) == INSIDE
    assert world.jail.resolve("sub/../a.txt") == world.root / "a.txt"


def test_symlinks_inside_pointing_inside_are_followed(world: World) -> None:
    (world.root / "link_in_file").symlink_to("a.txt")
    (world.root / "link_in_dir").symlink_to(world.root / "sub")
    (world.root / "sub" / "b.txt").write_bytes(b"b")

    assert read_through(world.jail, "link_in_file") == INSIDE
    assert read_through(world.jail, "link_in_dir/b.txt") == b"b"
    assert list_through(world.jail, "link_in_dir") == ["b.txt", "hop"]
    assert world.jail.resolve("link_in_dir/b.txt") == world.root / "sub" / "b.txt"


def test_dangling_link_pointing_inside_creates_its_target(world: World) -> None:
    (world.root / "dangling_in").symlink_to("sub/target.txt")

    write_through(world.jail, "dangling_in", b"new")

    assert (world.root / "sub" / "target.txt").read_bytes() == b"new"


@pytest.mark.parametrize(
    ("stored", "asked"), [(NFC_NAME, NFD_NAME), (NFD_NAME, NFC_NAME)], ids=["nfc", "nfd"]
)
def test_other_unicode_spelling_finds_the_stored_file(world: World, stored: str, asked: str) -> None:
    (world.root / stored).write_bytes(b"accented")

    assert read_through(world.jail, asked) == b"accented"
    assert world.jail.resolve(asked) == world.root / stored


def test_exact_unicode_spelling_wins_when_both_exist(world: World) -> None:
    (world.root / NFC_NAME).write_bytes(b"nfc")
    (world.root / NFD_NAME).write_bytes(b"nfd")

    assert read_through(world.jail, NFC_NAME) == b"nfc"
    assert read_through(world.jail, NFD_NAME) == b"nfd"


def test_relative_paths_start_from_the_first_root(world: World, tmp_path: Path) -> None:
    second = tmp_path / "second"
    second.mkdir()
    (second / "a.txt").write_bytes(b"second")
    jail = PathJail([world.root, second])

    assert read_through(jail, "a.txt") == INSIDE
    assert read_through(jail, str(second / "a.txt")) == b"second"


def test_home_is_expanded_when_it_is_a_root(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(world.root))

    assert world.jail.resolve("~") == world.root
    assert read_through(world.jail, "~/a.txt") == INSIDE


@pytest.mark.parametrize("quoted", ['"a.txt"', "'a.txt'"])
def test_one_pair_of_stray_quotes_is_stripped(world: World, quoted: str) -> None:
    assert read_through(world.jail, quoted) == INSIDE


def test_quoted_name_that_exists_is_taken_literally(world: World) -> None:
    (world.root / '"a.txt"').write_bytes(b"literal")

    assert read_through(world.jail, '"a.txt"') == b"literal"
    with pytest.raises(NotFound):
        world.jail.resolve("\"a.txt'")  # quotes that do not match are part of the name


def test_write_creates_inside_and_truncates_after_checking(world: World) -> None:
    write_through(world.jail, "sub/new.txt", b"fresh")
    write_through(world.jail, "a.txt", b"short")

    assert (world.root / "sub" / "new.txt").read_bytes() == b"fresh"
    assert (world.root / "a.txt").read_bytes() == b"short"


def test_read_only_jail_still_reads(world: World) -> None:
    assert read_through(world.read_only_jail, "a.txt") == INSIDE
    assert "a.txt" in list_through(world.read_only_jail, ".")


def test_missing_paths_depend_on_intent(world: World) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        world.jail.resolve("missing.txt")
    with pytest.raises(NotFound):
        world.jail.resolve("missing.txt", intent="write")
    with pytest.raises(NotFound):
        world.jail.resolve("a.txt/inner")

    assert world.jail.resolve("new/deeper.txt", intent="create") == world.root / "new" / "deeper.txt"
    with pytest.raises(NotFound, match="create it first"):
        write_through(world.jail, "new/deeper.txt")


def test_files_and_directories_are_not_confused(world: World) -> None:
    with pytest.raises(InvalidInput, match="is a directory"):
        read_through(world.jail, "sub")
    with pytest.raises(InvalidInput, match="not a directory"):
        list_through(world.jail, "a.txt")


def test_open_parent_changes_the_entry_itself(world: World) -> None:
    directory, name = world.jail.open_parent("sub/made")
    with directory:
        directory.mkdir(name)
    directory, name = world.jail.open_parent("link_out_dir")  # the link inside, not where it points
    with directory:
        directory.unlink(name)

    assert (world.root / "sub" / "made").is_dir()
    assert not (world.root / "link_out_dir").exists()
    assert (world.outside / "secret.txt").read_bytes() == SECRET


def holder_of(jail: PathJail, path: str, *, follow_symlinks: bool = True) -> tuple[Path, os.stat_result]:
    """What `open_holder` gives: the canonical path, and the entry as seen through the held directory."""
    canonical, directory, name = jail.open_holder(path, follow_symlinks=follow_symlinks)
    with directory:
        return canonical, directory.entry(name)


def test_open_holder_gives_an_entry_to_look_at_without_opening_it(world: World) -> None:
    canonical, info = holder_of(world.jail, "a.txt")
    assert (canonical, info.st_size) == (world.root / "a.txt", len(INSIDE))
    canonical, info = holder_of(world.jail, str(world.root))  # an allowed directory itself
    assert canonical == world.root
    assert stat.S_ISDIR(info.st_mode)
    with pytest.raises(AccessDenied, match="FIFO"):  # refused at once, never opened: no hang
        holder_of(world.jail, "fifo")
    canonical, info = holder_of(world.jail, "loop_a", follow_symlinks=False)  # the link itself
    assert canonical == world.root / "loop_a"
    assert stat.S_ISLNK(info.st_mode)


@pytest.mark.parametrize(
    "hostile",
    ["../outside/secret.txt", "link_out_file", "link_out_dir/secret.txt", "sub/hop/secret.txt", "a.txt\0x"],
)
def test_open_holder_refuses_what_leads_outside(world: World, hostile: str) -> None:
    with pytest.raises(MooringsError):
        holder_of(world.jail, hostile)
    assert holder_of(world.jail, "a.txt")[0] == world.root / "a.txt"  # the control still works


def test_is_inside_and_display(world: World) -> None:
    assert world.jail.is_inside(world.root / "sub" / "not-yet")
    assert not world.jail.is_inside(world.sibling)
    assert not world.jail.is_inside(world.root / "link_out_dir" / "secret.txt")
    assert world.jail.display(world.root / "a.txt") == str(world.root / "a.txt")


# -- roots and narrowing ------------------------------------------------------------------------


def test_roots_are_canonical_and_must_be_directories(world: World, tmp_path: Path) -> None:
    (tmp_path / "root_link").symlink_to(world.root)

    assert PathJail([tmp_path / "root_link", world.root]).roots == (world.root,)
    with pytest.raises(InvalidInput, match="does not exist"):
        PathJail([tmp_path / "missing"])
    with pytest.raises(InvalidInput, match="not a directory"):
        PathJail([world.root / "a.txt"])
    with pytest.raises(InvalidInput):
        PathJail([])


def test_client_root_inside_narrows_to_it(world: World) -> None:
    narrowed = world.jail.narrowed_to([world.root / "sub"])

    assert narrowed.roots == (world.root / "sub",)
    with pytest.raises(AccessDenied):
        narrowed.resolve(str(world.root / "a.txt"))


def test_client_root_containing_a_root_keeps_the_root(world: World, tmp_path: Path) -> None:
    assert world.jail.narrowed_to([tmp_path]).roots == (world.root,)


def test_client_roots_outside_are_ignored(world: World) -> None:
    assert world.jail.narrowed_to([world.outside, world.sibling, "relative", "/no/such/dir"]) is world.jail
    assert world.jail.narrowed_to([world.outside, world.root / "sub"]).roots == (world.root / "sub",)


def test_client_roots_may_be_file_urls_and_keep_read_only(world: World) -> None:
    (world.root / "with space").mkdir()

    narrowed = world.read_only_jail.narrowed_to([(world.root / "with space").as_uri()])

    assert narrowed.roots == (world.root / "with space",)
    assert narrowed.read_only


# -- races --------------------------------------------------------------------------------------


class Exchanger(threading.Thread):
    """Swaps two names atomically (renameat2 RENAME_EXCHANGE), as fast as it can, until stopped.

    An exchange means the name always exists, as one kind or the other, so every open races.
    """

    def __init__(self, first: Path, second: Path) -> None:
        super().__init__()
        libc = ctypes.CDLL(None, use_errno=True)
        if not hasattr(libc, "renameat2"):
            pytest.skip("renameat2 is needed to swap a directory and a symlink atomically")
        self._renameat2 = libc.renameat2
        self._names = (os.fsencode(first), os.fsencode(second))
        self._stopping = threading.Event()
        self.exchanges = 0

    def run(self) -> None:
        first, second = self._names
        while not self._stopping.is_set():
            if self._renameat2(_AT_FDCWD, first, _AT_FDCWD, second, _RENAME_EXCHANGE) != 0:
                raise OSError(ctypes.get_errno(), "renameat2 failed")
            self.exchanges += 1

    def __enter__(self) -> Exchanger:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self.join()


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def test_directory_swapped_for_a_symlink_never_leads_outside(world: World) -> None:
    """`flip` keeps trading places with a symlink to the outside while the jail reads, lists and writes.

    No content ever crosses, either way of opening. The checked paths (Windows) promise less than
    the descriptor walk: a swap between a re-check and the call can let a listing show the outside
    directory's names, or leave an empty file created there.
    """
    flip = world.root / "flip"
    flip.mkdir()
    (flip / "f").write_bytes(INSIDE)
    (flip / "only_inside").touch()
    (world.outside / "f").write_bytes(SECRET)
    (world.outside / "only_outside").touch()
    (world.root / "trap").symlink_to(world.outside)
    contents: set[bytes] = set()
    listings: set[str] = set()

    with Exchanger(flip, world.root / "trap") as exchanger:
        for _ in range(2000):
            with contextlib.suppress(MooringsError):
                contents.add(read_through(world.jail, "flip/f"))
            with contextlib.suppress(MooringsError, OSError):  # OSError: changed while being listed
                listings.update(list_through(world.jail, "flip"))
            with contextlib.suppress(MooringsError):
                write_through(world.jail, "flip/new.txt")

    assert exchanger.exchanges > 0
    assert contents == {INSIDE}  # never the secret, and the real directory was reached along the way
    assert (world.outside / "f").read_bytes() == SECRET
    if world.opening == "descriptors":
        assert "only_outside" not in listings
        assert not (world.outside / "new.txt").exists()
    else:
        assert "only_inside" in listings
        assert not (world.outside / "new.txt").exists() or (world.outside / "new.txt").read_bytes() == b""


def test_file_swapped_for_a_symlink_never_leads_outside(world: World) -> None:
    (world.root / "trap").symlink_to(world.outside / "secret.txt")
    contents: set[bytes] = set()

    with Exchanger(world.root / "a.txt", world.root / "trap") as exchanger:
        for _ in range(2000):
            with contextlib.suppress(MooringsError):
                contents.add(read_through(world.jail, "a.txt"))

    assert exchanger.exchanges > 0
    assert contents == {INSIDE}
    assert (world.outside / "secret.txt").read_bytes() == SECRET


@pytest.mark.parametrize("flags", [os.O_RDONLY, os.O_WRONLY, os.O_RDWR | os.O_TRUNC])
def test_fifo_that_slipped_past_the_check_is_refused_by_the_open(world: World, flags: int) -> None:
    """Even if a FIFO replaces a file after the lstat check, the open neither blocks nor succeeds."""
    with open_beneath(str(world.root), (), listable=False) as directory, pytest.raises(SpecialFile):
        directory.open_file("fifo", flags, 0o644)
