"""The managing tools, called the way a client calls them: move, copy and delete.

Nothing is overwritten unless asked (the reference's `move_file` replaced an existing destination),
symlinks are moved, copied and deleted as links, and hostile paths sit beside legitimate controls.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from moorings_core.testing import ERAS, Era, Sandbox, text_of
from moorings_filesystem import atomic
from moorings_filesystem.tools import managing, writing
from tests.filesystem.helpers import FamilyCalls

pytestmark = pytest.mark.anyio
TOOLS = FamilyCalls(writing.register, managing.register)
client_for, call, succeed, refusal = TOOLS.client_for, TOOLS.call, TOOLS.succeed, TOOLS.refusal
MANAGING_TOOLS = {"move_file", "copy_file", "copy_directory", "delete_file", "delete_directory"}


def tree(directory: Path) -> dict[str, str]:
    """Every entry below `directory`, by relative path: file contents, "dir", or "-> target"."""
    found: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        relative = str(path.relative_to(directory))
        if path.is_symlink():
            found[relative] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[relative] = "dir"
        elif path.is_file():
            found[relative] = path.read_text()
        else:
            found[relative] = "special"
    return found


def no_temporaries(directory: Path) -> bool:
    return not any(atomic.is_temporary(path.name) for path in directory.rglob("*"))


# -- move_file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_move_file_renames_a_file_in_both_eras(box: Sandbox, era: Era) -> None:
    (box.root / "old.txt").write_text("content")

    result = await call(box, "move_file", era=era, source="old.txt", destination="new.txt")

    assert not result.is_error, text_of(result)
    assert text_of(result) == "Successfully moved old.txt to new.txt"
    assert result.structured_content == {
        "source": str(box.root / "old.txt"),
        "destination": str(box.root / "new.txt"),
        "kind": "file",
        "acrossFilesystems": False,
        "createdDirectories": [],
    }
    assert tree(box.root) == {"new.txt": "content"}


async def test_move_file_moves_a_directory_into_new_parents_on_request(box: Sandbox) -> None:
    (box.root / "src").mkdir()
    (box.root / "src/a.txt").write_text("a")

    refused = await refusal(box, "move_file", source="src", destination="x/y/src")
    _, result = await succeed(box, "move_file", source="src", destination="x/y/src", createParents=True)

    assert "createParents: true" in refused
    assert tree(box.root) == {"x": "dir", "x/y": "dir", "x/y/src": "dir", "x/y/src/a.txt": "a"}
    assert result["kind"] == "directory"


async def test_move_file_never_overwrites_a_file(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("a")
    (box.root / "b.txt").write_text("b")

    message = await refusal(box, "move_file", source="a.txt", destination="b.txt")

    assert "already exists" in message
    assert "never overwrites" in message
    assert tree(box.root) == {"a.txt": "a", "b.txt": "b"}


async def test_move_file_never_replaces_an_empty_directory(box: Sandbox) -> None:
    (box.root / "src").mkdir()
    (box.root / "src/a.txt").write_text("a")
    (box.root / "empty").mkdir()

    message = await refusal(box, "move_file", source="src", destination="empty")

    assert "already exists (a directory)" in message
    assert "empty/src" in message  # how to move into it instead
    assert tree(box.root) == {"empty": "dir", "src": "dir", "src/a.txt": "a"}


async def test_move_file_refuses_to_move_a_directory_into_itself(box: Sandbox) -> None:
    (box.root / "d").mkdir()

    message = await refusal(box, "move_file", source="d", destination="d/inner")

    assert "into itself" in message
    assert tree(box.root) == {"d": "dir"}


async def test_move_file_moves_a_symlink_as_a_link(box: Sandbox) -> None:
    (box.root / "link").symlink_to(box.sentinel)

    await succeed(box, "move_file", source="link", destination="moved_link")

    assert tree(box.root) == {"moved_link": f"-> {box.sentinel}"}
    assert box.sentinel.read_text() == "outside the sandbox\n"


async def test_move_file_refuses_paths_outside_either_way(box: Sandbox) -> None:
    (box.root / "mine.txt").write_text("mine")

    into = await refusal(box, "move_file", source="mine.txt", destination=str(box.outside / "stolen.txt"))
    out_of = await refusal(box, "move_file", source=str(box.sentinel), destination="taken.txt")
    through = await refusal(box, "move_file", source="mine.txt", destination="../outside/x.txt")
    await succeed(box, "move_file", source="mine.txt", destination="still_mine.txt")

    assert all("denied" in message for message in (into, out_of, through))
    assert tree(box.outside) == {"secret.txt": "outside the sandbox\n"}
    assert tree(box.root) == {"still_mine.txt": "mine"}


async def test_move_file_refuses_to_move_an_allowed_directory(box: Sandbox) -> None:
    message = await refusal(box, "move_file", source=str(box.root), destination=str(box.root / "elsewhere"))

    assert "allowed directory itself" in message
    assert box.root.is_dir()


# -- copy_file ----------------------------------------------------------------------------------


async def test_copy_file_copies_content_mode_and_time(box: Sandbox) -> None:
    source = box.root / "tool.sh"
    source.write_text("#!/bin/sh\n")
    source.chmod(0o750)
    os.utime(source, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))

    text, result = await succeed(box, "copy_file", source="tool.sh", destination="copy.sh")

    copy = box.root / "copy.sh"
    assert copy.read_text() == "#!/bin/sh\n"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o750
    assert copy.stat().st_mtime_ns == 1_000_000_000_000_000_000
    assert text == "Successfully copied tool.sh to copy.sh (10 bytes)"
    assert result["files"] == 1
    assert result["overwritten"] is False
    assert no_temporaries(box.root)


async def test_copy_file_refuses_an_existing_destination_unless_asked(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("new")
    (box.root / "b.txt").write_text("old")
    (box.root / "b.txt").chmod(0o600)

    message = await refusal(box, "copy_file", source="a.txt", destination="b.txt")
    assert "already exists" in message
    assert "overwrite: true" in message
    assert (box.root / "b.txt").read_text() == "old"

    _, result = await succeed(box, "copy_file", source="a.txt", destination="b.txt", overwrite=True)

    assert (box.root / "b.txt").read_text() == "new"
    assert stat.S_IMODE((box.root / "b.txt").stat().st_mode) == 0o600  # the destination keeps its own
    assert result["overwritten"] is True


async def test_copy_file_refuses_the_same_file_and_a_directory_destination(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("a")
    (box.root / "dir").mkdir()

    same = await refusal(box, "copy_file", source="a.txt", destination="./a.txt", overwrite=True)
    onto_directory = await refusal(box, "copy_file", source="a.txt", destination="dir", overwrite=True)

    assert "same file" in same
    assert "is a directory" in onto_directory
    assert tree(box.root) == {"a.txt": "a", "dir": "dir"}


async def test_copy_file_will_not_copy_out_of_or_into_the_outside(box: Sandbox) -> None:
    (box.root / "link").symlink_to(box.sentinel)
    (box.root / "mine.txt").write_text("mine")

    read_out = await refusal(box, "copy_file", source="link", destination="leak.txt")
    write_out = await refusal(box, "copy_file", source="mine.txt", destination=str(box.outside / "x"))
    await succeed(box, "copy_file", source="mine.txt", destination="ours.txt")

    assert "denied" in read_out
    assert "denied" in write_out
    assert not (box.root / "leak.txt").exists()
    assert tree(box.outside) == {"secret.txt": "outside the sandbox\n"}


async def test_copy_file_refuses_a_fifo(box: Sandbox) -> None:
    os.mkfifo(box.root / "pipe")

    message = await refusal(box, "copy_file", source="pipe", destination="copy")

    assert "FIFO" in message
    assert not (box.root / "copy").exists()


# -- copy_directory -----------------------------------------------------------------------------


async def test_copy_directory_copies_a_tree_with_links_as_links(box: Sandbox) -> None:
    source = box.root / "src"
    (source / "nested/deeper").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "nested/deeper/b.txt").write_text("bb")
    (source / "relative_link").symlink_to("a.txt")
    (source / "outside_link").symlink_to(box.sentinel)
    os.mkfifo(source / "pipe")
    (source / "nested").chmod(0o750)

    text, result = await succeed(box, "copy_directory", source="src", destination="dst")

    copied = tree(box.root / "dst")
    assert copied == {key: value for key, value in tree(source).items() if key != "pipe"}
    assert stat.S_IMODE((box.root / "dst/nested").stat().st_mode) == 0o750
    assert result["files"] == 2
    assert result["directories"] == 3
    assert result["symlinks"] == 2
    assert result["bytes"] == 3
    assert result["specialFiles"] == 1
    assert result["skipped"] == ["pipe"]
    assert "skipped 1 special files" in text
    assert box.sentinel.read_text() == "outside the sandbox\n"
    assert no_temporaries(box.root)


async def test_copy_directory_never_overwrites_or_copies_into_itself(box: Sandbox) -> None:
    (box.root / "src").mkdir()
    (box.root / "src/a.txt").write_text("a")
    (box.root / "taken").mkdir()

    onto = await refusal(box, "copy_directory", source="src", destination="taken")
    inside = await refusal(box, "copy_directory", source="src", destination="src/again")

    assert "already exists" in onto
    assert "into itself" in inside
    assert tree(box.root) == {"src": "dir", "src/a.txt": "a", "taken": "dir"}


async def test_copy_directory_refuses_a_source_outside(box: Sandbox) -> None:
    (box.root / "way_out").symlink_to(box.outside)

    message = await refusal(box, "copy_directory", source="way_out", destination="loot")

    assert "denied" in message
    assert not (box.root / "loot").exists()


# -- delete_file --------------------------------------------------------------------------------


async def test_delete_file_deletes_and_says_what(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("12345")

    text, result = await succeed(box, "delete_file", path="a.txt")

    assert not (box.root / "a.txt").exists()
    assert text == f"Deleted the file (5 bytes) {box.root / 'a.txt'}"
    assert result["kind"] == "file"
    assert result["bytes"] == 5
    assert result["deleted"] is True


async def test_delete_file_dry_run_deletes_nothing(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("12345")

    text, result = await succeed(box, "delete_file", path="a.txt", dryRun=True)

    assert (box.root / "a.txt").exists()
    assert text.startswith("Would delete the file")
    assert result["deleted"] is False


async def test_delete_file_deletes_a_symlink_never_its_target(box: Sandbox) -> None:
    (box.root / "to_secret").symlink_to(box.sentinel)
    (box.root / "dangling").symlink_to(box.outside / "nothing")

    _, result = await succeed(box, "delete_file", path="to_secret")
    await succeed(box, "delete_file", path="dangling")

    assert result["kind"] == "symlink"
    assert tree(box.root) == {}
    assert box.sentinel.read_text() == "outside the sandbox\n"


async def test_delete_file_refuses_a_directory_and_the_outside(box: Sandbox) -> None:
    (box.root / "dir").mkdir()

    directory = await refusal(box, "delete_file", path="dir")
    outside = await refusal(box, "delete_file", path=str(box.sentinel))
    traversal = await refusal(box, "delete_file", path="../outside/secret.txt")

    assert "delete_directory" in directory
    assert "denied" in outside
    assert "denied" in traversal
    assert (box.root / "dir").is_dir()
    assert box.sentinel.exists()


# -- delete_directory ---------------------------------------------------------------------------


async def test_delete_directory_deletes_an_empty_directory(box: Sandbox) -> None:
    (box.root / "empty").mkdir()

    text, result = await succeed(box, "delete_directory", path="empty")

    assert not (box.root / "empty").exists()
    assert text == f"Deleted the directory {box.root / 'empty'} (1 directory)"
    assert result["directories"] == 1


async def test_delete_directory_refuses_a_non_empty_one_with_its_count(box: Sandbox) -> None:
    (box.root / "full/sub").mkdir(parents=True)
    (box.root / "full/a.txt").write_text("aaa")
    (box.root / "full/sub/b.txt").write_text("bb")

    message = await refusal(box, "delete_directory", path="full")

    assert "not empty" in message
    assert "2 files, 1 directory, 5 bytes" in message
    assert "recursive: true" in message
    assert (box.root / "full/sub/b.txt").exists()


async def test_delete_directory_recursive_deletes_everything_and_counts_it(box: Sandbox) -> None:
    (box.root / "full/sub").mkdir(parents=True)
    (box.root / "full/a.txt").write_text("aaa")
    (box.root / "full/sub/b.txt").write_text("bb")
    (box.root / "keep.txt").write_text("keep")

    dry_text, dry = await succeed(box, "delete_directory", path="full", recursive=True, dryRun=True)
    assert (box.root / "full/sub/b.txt").exists()

    text, result = await succeed(box, "delete_directory", path="full", recursive=True)

    assert tree(box.root) == {"keep.txt": "keep"}
    assert dry_text.startswith("Would delete the directory")
    assert "(2 files, 2 directories, 5 bytes)" in text
    assert {key: result[key] for key in ("files", "directories", "bytes", "deleted")} == {
        "files": 2,
        "directories": 2,
        "bytes": 5,
        "deleted": True,
    }
    assert dry["deleted"] is False
    assert no_temporaries(box.root)


async def test_delete_directory_removes_links_inside_but_not_their_targets(box: Sandbox) -> None:
    (box.root / "full").mkdir()
    (box.root / "full/to_outside").symlink_to(box.outside)
    (box.root / "full/to_secret").symlink_to(box.sentinel)

    _, result = await succeed(box, "delete_directory", path="full", recursive=True)

    assert result["symlinks"] == 2
    assert not (box.root / "full").exists()
    assert tree(box.outside) == {"secret.txt": "outside the sandbox\n"}


async def test_delete_directory_refuses_a_symlink_a_file_and_an_allowed_directory(box: Sandbox) -> None:
    (box.root / "real").mkdir()
    (box.root / "alias").symlink_to("real")
    (box.root / "file.txt").write_text("x")

    link = await refusal(box, "delete_directory", path="alias", recursive=True)
    file = await refusal(box, "delete_directory", path="file.txt")
    root = await refusal(box, "delete_directory", path=str(box.root), recursive=True)
    outside = await refusal(box, "delete_directory", path=str(box.outside), recursive=True)

    assert "symbolic link" in link
    assert "delete_file" in file
    assert "allowed directory itself" in root
    assert "denied" in outside
    assert tree(box.root) == {"alias": "-> real", "file.txt": "x", "real": "dir"}
    assert box.sentinel.exists()


async def test_the_managing_tools_are_annotated(box: Sandbox) -> None:
    async with client_for(box) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}

    destructive = {
        name: tool.annotations.destructive_hint
        for name, tool in tools.items()
        if name in MANAGING_TOOLS and tool.annotations is not None
    }
    assert destructive == {
        "move_file": False,  # never overwrites: nothing that existed is lost
        "copy_file": True,
        "copy_directory": False,
        "delete_file": True,
        "delete_directory": True,
    }
    assert "recursive" in (tools["delete_directory"].description or "")
