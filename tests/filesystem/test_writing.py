"""The writing tools, called the way a client calls them: write, binary write, append, edit, mkdir.

Every test talks to a real server through the SDK client over real files. The reference server's
faults are each pinned by a test (empty oldText, ambiguous oldText, CRLF, BOM and permissions lost),
and hostile paths sit beside legitimate controls: nothing outside the root is ever created or changed.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import MCPError

from moorings_core.testing import ERAS, Era, Sandbox, connect, connect_stdio, text_of
from moorings_filesystem import atomic
from moorings_filesystem.server import build_server
from moorings_filesystem.settings import FilesystemSettings
from moorings_filesystem.tools import managing, writing
from tests.capabilities import TELLS_DEAD_WRITERS, needs_writer_liveness
from tests.filesystem.helpers import FamilyCalls

pytestmark = pytest.mark.anyio
TOOLS = FamilyCalls(writing.register, managing.register)
client_for, call, succeed, refusal = TOOLS.client_for, TOOLS.call, TOOLS.succeed, TOOLS.refusal
WRITE_TOOLS = {"write_file", "write_binary_file", "append_file", "edit_file", "create_directory"}


def temporaries(directory: Path) -> list[str]:
    return [name for name in os.listdir(directory) if atomic.is_temporary(name)]


def permissions(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# -- write_file ---------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_write_file_creates_a_file_in_both_eras(box: Sandbox, era: Era) -> None:
    result = await call(box, "write_file", era=era, path="notes.txt", content="hello\n")

    assert not result.is_error, text_of(result)
    assert text_of(result).startswith("Successfully wrote to notes.txt")
    assert result.structured_content == {
        "path": str(box.root / "notes.txt"),
        "size": 6,
        "created": True,
        "kept": [],
        "createdDirectories": [],
    }
    assert (box.root / "notes.txt").read_bytes() == b"hello\n"
    assert permissions(box.root / "notes.txt") == 0o644 & ~current_umask()
    assert temporaries(box.root) == []


async def test_write_file_replaces_content_and_keeps_permission_bits(box: Sandbox) -> None:
    script = box.root / "run.sh"
    script.write_text("#!/bin/sh\necho old\n")
    script.chmod(0o750)

    _, result = await succeed(box, "write_file", path=str(script), content="#!/bin/sh\necho new\n")

    assert script.read_text() == "#!/bin/sh\necho new\n"
    assert permissions(script) == 0o750
    assert result["created"] is False
    assert "permissions 750" in result["kept"]


async def test_write_file_keeps_crlf_line_endings_and_the_bom(box: Sandbox) -> None:
    target = box.root / "windows.txt"
    target.write_bytes(b"\xef\xbb\xbfold\r\ntext\r\n")

    _, result = await succeed(box, "write_file", path="windows.txt", content="new\ntext\n")

    assert target.read_bytes() == b"\xef\xbb\xbfnew\r\ntext\r\n"
    assert result["kept"][:2] == ["CRLF line endings", "UTF-8 byte-order mark"]


async def test_write_file_writes_crlf_as_given_and_keeps_lf_files_lf(box: Sandbox) -> None:
    (box.root / "unix.txt").write_bytes(b"a\nb\n")
    (box.root / "windows.txt").write_bytes(b"a\r\nb\r\n")

    await succeed(box, "write_file", path="unix.txt", content="c\nd\n")
    await succeed(box, "write_file", path="windows.txt", content="c\r\nd\r\n")

    assert (box.root / "unix.txt").read_bytes() == b"c\nd\n"
    assert (box.root / "windows.txt").read_bytes() == b"c\r\nd\r\n"


async def test_write_file_writes_through_a_symlink_inside_the_root(box: Sandbox) -> None:
    (box.root / "real.txt").write_text("old")
    (box.root / "alias.txt").symlink_to("real.txt")

    await succeed(box, "write_file", path="alias.txt", content="new")

    assert (box.root / "alias.txt").is_symlink()
    assert (box.root / "real.txt").read_text() == "new"


async def test_write_file_needs_the_parent_unless_asked_to_create_it(box: Sandbox) -> None:
    message = await refusal(box, "write_file", path="a/b/c.txt", content="x")
    assert "does not exist" in message
    assert "createParents: true" in message
    assert not (box.root / "a").exists()

    text, result = await succeed(box, "write_file", path="a/b/c.txt", content="x", createParents=True)

    assert (box.root / "a/b/c.txt").read_text() == "x"
    assert result["createdDirectories"] == [str(box.root / "a"), str(box.root / "a/b")]
    assert "Created directories" in text


async def test_write_file_refuses_a_directory(box: Sandbox) -> None:
    (box.root / "folder").mkdir()

    message = await refusal(box, "write_file", path="folder", content="x")

    assert "is a directory" in message
    assert (box.root / "folder").is_dir()


@needs_writer_liveness
async def test_a_write_sweeps_dead_temporaries_and_keeps_live_ones(box: Sandbox) -> None:
    dead = box.root / f"{atomic.TEMPORARY_PREFIX}999999999-1-abcdef"
    dead.write_text("left by a killed writer")
    live = box.root / atomic.temporary_name()  # this test process: alive
    live.write_text("being written right now")

    await succeed(box, "write_file", path="new.txt", content="x")

    assert not dead.exists()
    assert live.exists()


@pytest.mark.skipif(TELLS_DEAD_WRITERS, reason="where a writer can be told dead, its temporaries are swept")
async def test_temporaries_are_kept_where_their_writer_cannot_be_told_dead(box: Sandbox) -> None:
    """Windows (and MOORINGS_PORTABLE=1): a pid may be anyone's now, so nothing is swept by guess."""
    gone = box.root / f"{atomic.TEMPORARY_PREFIX}999999999-0-abcdef"
    gone.write_text("left by a writer that may or may not be running")

    await succeed(box, "write_file", path="new.txt", content="x")

    assert gone.exists()
    assert (box.root / "new.txt").read_text() == "x"


@needs_writer_liveness
async def test_the_whole_tree_is_swept_in_the_background_after_start(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "SWEEP_DELAY", 0)
    nested = box.root / "a" / "b"
    nested.mkdir(parents=True)
    dead_file = nested / f"{atomic.TEMPORARY_PREFIX}999999999-1-abcdef"
    dead_file.write_text("left by a killed writer")
    dead_tree = box.root / f"{atomic.TEMPORARY_PREFIX}999999999-1-fedcba"  # a half-built copy
    (dead_tree / "inside").mkdir(parents=True)
    (dead_tree / "inside" / "file").write_text("x")
    live = nested / atomic.temporary_name()
    live.write_text("being written right now")
    (box.root / "way_out").symlink_to(box.outside)
    planted = box.outside / f"{atomic.TEMPORARY_PREFIX}999999999-1-0badc0de"
    planted.write_text("outside: never ours to sweep")

    async with client_for(box):
        with anyio.fail_after(10):  # a guard against a hang, not a timing assertion
            while dead_file.exists() or dead_tree.exists():  # noqa: ASYNC110 - no event to wait on
                await anyio.sleep(0.01)

    assert live.exists()
    assert planted.exists()


@pytest.mark.stdio
@pytest.mark.parametrize("era", ERAS)
async def test_write_and_edit_over_real_stdio(box: Sandbox, era: Era) -> None:
    async with connect_stdio("moorings-filesystem", str(box.root), era=era) as client:
        written = await client.call_tool("write_file", {"path": "s.txt", "content": "one\ntwo\n"})
        edited = await client.call_tool(
            "edit_file", {"path": "s.txt", "edits": [{"oldText": "two", "newText": "2"}]}
        )
        outside = await client.call_tool("write_file", {"path": str(box.outside / "x"), "content": "x"})

    assert not written.is_error, text_of(written)
    assert "-two\n+2\n" in text_of(edited)
    assert (box.root / "s.txt").read_text() == "one\n2\n"
    assert outside.is_error
    assert not (box.outside / "x").exists()


# -- hostile paths, each beside a control -------------------------------------------------------


async def test_absolute_paths_outside_are_refused_inside_are_written(box: Sandbox) -> None:
    message = await refusal(box, "write_file", path=str(box.outside / "evil.txt"), content="x")
    await succeed(box, "write_file", path=str(box.root / "good.txt"), content="x")

    assert "denied" in message
    assert str(box.root) in message  # says what is allowed
    assert not (box.outside / "evil.txt").exists()
    assert (box.root / "good.txt").exists()


async def test_traversal_out_is_refused_traversal_within_is_fine(box: Sandbox) -> None:
    (box.root / "sub").mkdir()

    message = await refusal(box, "write_file", path="../outside/evil.txt", content="x")
    await succeed(box, "write_file", path="sub/../good.txt", content="x")

    assert "denied" in message
    assert not (box.outside / "evil.txt").exists()
    assert (box.root / "good.txt").read_text() == "x"


async def test_a_symlinked_directory_leading_out_is_refused(box: Sandbox) -> None:
    (box.root / "way_out").symlink_to(box.outside)
    (box.root / "way_in").symlink_to(box.root)

    message = await refusal(box, "write_file", path="way_out/evil.txt", content="x")
    await succeed(box, "write_file", path="way_in/good.txt", content="x")

    assert "symbolic link" in message
    assert sorted(os.listdir(box.outside)) == ["secret.txt"]
    assert (box.root / "good.txt").exists()


async def test_a_symlink_to_a_file_outside_is_not_written_through(box: Sandbox) -> None:
    (box.root / "secret_link").symlink_to(box.sentinel)

    for tool, arguments in (
        ("write_file", {"content": "pwned"}),
        ("append_file", {"content": "pwned"}),
        ("write_binary_file", {"contentBase64": "cHduZWQ="}),
        ("edit_file", {"edits": [{"oldText": "outside", "newText": "pwned"}]}),
    ):
        assert "denied" in await refusal(box, tool, path="secret_link", **arguments), tool

    assert box.sentinel.read_text() == "outside the sandbox\n"
    assert (box.root / "secret_link").is_symlink()


async def test_a_dangling_symlink_pointing_outside_creates_nothing_there(box: Sandbox) -> None:
    (box.root / "dangling").symlink_to(box.outside / "planted.txt")
    (box.root / "dangling_in").symlink_to(box.root / "landed.txt")

    message = await refusal(box, "write_file", path="dangling", content="x")
    await succeed(box, "write_file", path="dangling_in", content="x")

    assert "denied" in message
    assert not (box.outside / "planted.txt").exists()
    assert (box.root / "landed.txt").read_text() == "x"


async def test_a_fifo_is_refused_at_once(box: Sandbox) -> None:
    os.mkfifo(box.root / "pipe")

    for tool, arguments in (
        ("write_file", {"content": "x"}),
        ("append_file", {"content": "x"}),
        ("edit_file", {"edits": [{"oldText": "a", "newText": "b"}]}),
    ):
        assert "FIFO" in await refusal(box, tool, path="pipe", **arguments), tool
    await succeed(box, "write_file", path="regular", content="x")

    assert stat.S_ISFIFO((box.root / "pipe").lstat().st_mode)


async def test_a_nul_byte_in_a_path_is_refused(box: Sandbox) -> None:
    message = await refusal(box, "write_file", path="a\0b.txt", content="x")

    assert "NUL" in message


async def test_read_only_servers_do_not_list_the_write_tools(box: Sandbox) -> None:
    writable = build_server(FilesystemSettings.model_validate({"directories": [box.root]}))
    read_only = build_server(
        FilesystemSettings.model_validate({"directories": [box.root], "read_only": True})
    )

    async with connect(writable) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} >= WRITE_TOOLS
    async with connect(read_only) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("write_file", {"path": "x.txt", "content": "x"})
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("write_files", {"path": "x.txt", "content": "x"})  # no such tool

    assert not listed & WRITE_TOOLS
    assert unknown.value.code == types.INVALID_PARAMS
    assert "Unknown tool 'write_files'" in unknown.value.message
    assert result.is_error
    assert "The tool 'write_file' is not enabled on this server" in text_of(result)
    assert "without --read-only" in text_of(result)  # how the operator enables it
    assert not (box.root / "x.txt").exists()


def property_names(schema: Any) -> set[str]:
    """Every property name anywhere in a JSON schema: nested objects, array items and $defs included."""
    if isinstance(schema, list):
        return set().union(*map(property_names, schema))
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties") or {})
    return names.union(*map(property_names, schema.values()))


async def test_every_name_a_client_sees_is_camel_case(box: Sandbox) -> None:
    server = build_server(FilesystemSettings.model_validate({"directories": [box.root]}))
    async with connect(server) as client:
        tools = (await client.list_tools()).tools

    names = {
        (tool.name, name)
        for tool in tools
        for name in property_names(tool.input_schema) | property_names(tool.output_schema)
    }
    assert ("read_text_file", "byteOffset") in names  # the walk reaches parameters,
    assert ("read_multiple_files", "totalLines") in names  # nested result objects
    assert ("edit_file", "replaceAll") in names  # and array items
    assert [(tool, name) for tool, name in sorted(names) if "_" in name or not name[0].islower()] == []


async def test_the_write_tools_are_annotated(box: Sandbox) -> None:
    async with client_for(box) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}

    hints = {
        name: (tool.annotations.destructive_hint, tool.annotations.idempotent_hint)
        for name, tool in tools.items()
        if name in WRITE_TOOLS and tool.annotations is not None
    }
    assert hints == {
        "write_file": (True, True),
        "write_binary_file": (True, True),
        "append_file": (False, False),
        "edit_file": (True, False),
        "create_directory": (False, True),
    }
    assert all(tools[name].annotations.open_world_hint is False for name in WRITE_TOOLS)  # type: ignore[union-attr]


# -- write_binary_file --------------------------------------------------------------------------


async def test_write_binary_file_writes_the_exact_bytes(box: Sandbox) -> None:
    payload = bytes(range(256)) * 4

    _, result = await succeed(
        box, "write_binary_file", path="blob.bin", contentBase64=base64.b64encode(payload).decode()
    )

    assert (box.root / "blob.bin").read_bytes() == payload
    assert result["size"] == len(payload)


async def test_write_binary_file_refuses_invalid_base64(box: Sandbox) -> None:
    message = await refusal(box, "write_binary_file", path="blob.bin", contentBase64="not base64!")

    assert "contentBase64 is not valid base64" in message
    assert not (box.root / "blob.bin").exists()


# -- append_file --------------------------------------------------------------------------------


async def test_append_file_adds_to_the_end_and_keeps_permissions(box: Sandbox) -> None:
    log = box.root / "log.txt"
    log.write_text("one\n")
    log.chmod(0o600)

    text, result = await succeed(box, "append_file", path="log.txt", content="two\n")

    assert log.read_text() == "one\ntwo\n"
    assert permissions(log) == 0o600
    assert result == {
        "path": str(log),
        "appended": 4,
        "size": 8,
        "created": False,
        "createdDirectories": [],
    }
    assert text.startswith("Successfully appended to log.txt")
    assert temporaries(box.root) == []


async def test_append_file_creates_a_missing_file(box: Sandbox) -> None:
    _, result = await succeed(box, "append_file", path="logs/new.txt", content="first\n", createParents=True)

    assert (box.root / "logs/new.txt").read_text() == "first\n"
    assert result["created"] is True


async def test_append_file_follows_the_files_crlf_line_endings(box: Sandbox) -> None:
    (box.root / "w.txt").write_bytes(b"a\r\n")

    await succeed(box, "append_file", path="w.txt", content="b\nc\n")

    assert (box.root / "w.txt").read_bytes() == b"a\r\nb\r\nc\r\n"


async def test_append_file_appends_in_place_beyond_the_copy_limit(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "APPEND_COPY_LIMIT", 4)
    big = box.root / "big.log"
    big.write_text("0123456789\n")
    inode = big.stat().st_ino

    _, result = await succeed(box, "append_file", path="big.log", content="more\n")

    assert big.read_text() == "0123456789\nmore\n"
    assert big.stat().st_ino == inode  # in place, not copied
    assert result["size"] == 16


# -- edit_file ----------------------------------------------------------------------------------


async def test_edit_file_replaces_text_and_returns_a_git_style_diff(box: Sandbox) -> None:
    (box.root / "code.py").write_text("def f():\n    return 1\n")

    text, result = await succeed(
        box, "edit_file", path="code.py", edits=[{"oldText": "return 1", "newText": "return 2"}]
    )

    assert (box.root / "code.py").read_text() == "def f():\n    return 2\n"
    assert text.startswith("```diff\nIndex: code.py\n")
    assert "--- code.py\toriginal\n+++ code.py\tmodified\n@@ -1,2 +1,2 @@\n" in text
    assert "-    return 1\n+    return 2\n" in text
    assert text.endswith("```\n\n")
    assert result["replacements"] == 1
    assert result["written"] is True


async def test_edit_file_dry_run_shows_the_diff_without_writing(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("alpha\n")

    text, result = await succeed(
        box, "edit_file", path="a.txt", edits=[{"oldText": "alpha", "newText": "beta"}], dryRun=True
    )

    assert (box.root / "a.txt").read_text() == "alpha\n"
    assert "-alpha\n+beta\n" in text
    assert "Dry run" in text
    assert result["written"] is False


async def test_edit_file_refuses_an_empty_old_text(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("alpha\n")

    message = await refusal(box, "edit_file", path="a.txt", edits=[{"oldText": "", "newText": "x"}])

    assert "empty oldText" in message
    assert (box.root / "a.txt").read_text() == "alpha\n"


async def test_edit_file_refuses_an_ambiguous_old_text_with_its_lines(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("x = 1\ny = 2\nx = 1\nz = 3\nx = 1\n")

    message = await refusal(box, "edit_file", path="a.txt", edits=[{"oldText": "x = 1", "newText": "x = 9"}])

    assert "matches 3 times" in message
    assert "lines 1, 3, 5" in message
    assert "replaceAll" in message
    assert (box.root / "a.txt").read_text() == "x = 1\ny = 2\nx = 1\nz = 3\nx = 1\n"


async def test_edit_file_replace_all_replaces_every_occurrence(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("x = 1\ny = 2\nx = 1\n")

    _, result = await succeed(
        box, "edit_file", path="a.txt", edits=[{"oldText": "x = 1", "newText": "x = 9", "replaceAll": True}]
    )

    assert (box.root / "a.txt").read_text() == "x = 9\ny = 2\nx = 9\n"
    assert result["replacements"] == 2


async def test_edit_file_shows_the_closest_lines_when_old_text_is_not_found(box: Sandbox) -> None:
    (box.root / "a.py").write_text("import os\n\ndef compute_total(items):\n    return sum(items)\n")

    message = await refusal(
        box, "edit_file", path="a.py", edits=[{"oldText": "def compute_totals(items):", "newText": "x"}]
    )

    assert "not found" in message
    assert "line 3" in message
    assert "3 | def compute_total(items):" in message


async def test_edit_file_matches_lf_old_text_in_a_crlf_file_and_keeps_crlf_bom_and_mode(box: Sandbox) -> None:
    target = box.root / "w.txt"
    target.write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\nthree\r\n")
    target.chmod(0o640)

    text, _ = await succeed(
        box, "edit_file", path="w.txt", edits=[{"oldText": "two\nthree\n", "newText": "2\n3\n"}]
    )

    assert target.read_bytes() == b"\xef\xbb\xbfone\r\n2\r\n3\r\n"
    assert permissions(target) == 0o640
    assert "\r" not in text  # the diff reads as plain lines


async def test_edit_file_matches_ignoring_indentation_and_reindents(box: Sandbox) -> None:
    (box.root / "a.py").write_text("class A:\n    def f(self):\n        return 1\n")

    await succeed(
        box,
        "edit_file",
        path="a.py",
        edits=[{"oldText": "def f(self):\n    return 1", "newText": "def f(self):\n    return 2"}],
    )

    assert (box.root / "a.py").read_text() == "class A:\n    def f(self):\n        return 2\n"


async def test_edit_file_applies_all_edits_or_none(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("alpha\nbeta\n")

    message = await refusal(
        box,
        "edit_file",
        path="a.txt",
        edits=[{"oldText": "alpha", "newText": "ALPHA"}, {"oldText": "gamma", "newText": "GAMMA"}],
    )

    assert "Edit 2" in message
    assert (box.root / "a.txt").read_text() == "alpha\nbeta\n"


async def test_edit_file_applies_edits_in_order(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("one\n")

    await succeed(
        box,
        "edit_file",
        path="a.txt",
        edits=[{"oldText": "one", "newText": "two"}, {"oldText": "two", "newText": "three"}],
    )

    assert (box.root / "a.txt").read_text() == "three\n"


async def test_edit_file_keeps_utf16_files_utf16(box: Sandbox) -> None:
    target = box.root / "u16.txt"
    target.write_bytes(b"\xff\xfe" + "héllo\r\n".encode("utf-16-le"))

    await succeed(box, "edit_file", path="u16.txt", edits=[{"oldText": "héllo", "newText": "wörld"}])

    assert target.read_bytes() == b"\xff\xfe" + "wörld\r\n".encode("utf-16-le")


async def test_edit_file_refuses_binary_content(box: Sandbox) -> None:
    blob = box.root / "blob.bin"
    blob.write_bytes(b"abc\xff\xfe\x00def")

    message = await refusal(box, "edit_file", path="blob.bin", edits=[{"oldText": "abc", "newText": "x"}])

    assert "not UTF-8 text" in message
    assert blob.read_bytes() == b"abc\xff\xfe\x00def"


async def test_edit_file_refuses_files_over_the_read_limit(box: Sandbox) -> None:
    (box.root / "big.txt").write_text("x" * 2048)

    async with client_for(box, max_read_bytes=1024) as client:
        result = await client.call_tool(
            "edit_file", {"path": "big.txt", "edits": [{"oldText": "x", "newText": "y", "replaceAll": True}]}
        )

    assert result.is_error
    assert "1,024" in text_of(result)
    assert (box.root / "big.txt").read_text() == "x" * 2048


async def test_edit_file_refuses_unknown_edit_fields(box: Sandbox) -> None:
    (box.root / "a.txt").write_text("alpha\n")

    message = await refusal(
        box, "edit_file", path="a.txt", edits=[{"oldText": "alpha", "newText": "b", "replace_all": True}]
    )

    assert "replace_all" in message
    assert (box.root / "a.txt").read_text() == "alpha\n"


# -- create_directory ---------------------------------------------------------------------------


async def test_create_directory_makes_parents_and_is_idempotent(box: Sandbox) -> None:
    text, result = await succeed(box, "create_directory", path="a/b/c")
    again, second = await succeed(box, "create_directory", path="a/b/c")

    assert (box.root / "a/b/c").is_dir()
    assert text == "Successfully created directory a/b/c"
    assert result["created"] == [str(box.root / "a"), str(box.root / "a/b"), str(box.root / "a/b/c")]
    assert second["created"] == []
    assert "already existed" in again


async def test_create_directory_refuses_a_file_in_the_way(box: Sandbox) -> None:
    (box.root / "plain").write_text("x")

    at_path = await refusal(box, "create_directory", path="plain")
    below = await refusal(box, "create_directory", path="plain/sub")

    assert "not a directory" in at_path
    assert (box.root / "plain").read_text() == "x"
    assert "file" in below


async def test_create_directory_outside_is_refused(box: Sandbox) -> None:
    message = await refusal(box, "create_directory", path=str(box.outside / "made"))
    await succeed(box, "create_directory", path=str(box.root / "made"))

    assert "denied" in message
    assert not (box.outside / "made").exists()
