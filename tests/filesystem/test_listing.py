"""The listing tools: list_allowed_directories, list_directory(_with_sizes), directory_tree, get_file_info.

Text results are checked against the reference server's formats; structured results as objects.
Hostile paths sit beside legitimate controls.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from moorings_core.testing import Era, Sandbox, connect, connect_stdio, text_of
from moorings_filesystem.tools import listing
from tests.filesystem.helpers import ServerFactory, call, ok, refused

pytestmark = pytest.mark.anyio


def populate(root: Path) -> None:
    (root / "a.txt").write_text("hello\n")
    (root / "b.md").write_text("# B\n")
    (root / "sub").mkdir()
    (root / "sub" / "c.py").write_text("print(1)\n")
    (root / "sub" / "deeper").mkdir()
    (root / "sub" / "deeper" / "d.txt").write_text("d\n")


def names(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["name"] for entry in entries]


# -- list_allowed_directories ---------------------------------------------------------------------


async def test_list_allowed_directories_in_both_eras(
    make_server: ServerFactory, box: Sandbox, era: Era
) -> None:
    result = await call(make_server, box.root, "list_allowed_directories", era=era)
    assert not result.is_error
    assert text_of(result) == f"Allowed directories:\n{box.root}"
    assert result.structured_content == {"directories": [str(box.root)], "readOnly": False}


async def test_list_allowed_directories_says_read_only(make_server: ServerFactory, box: Sandbox) -> None:
    result = await call(make_server, box.root, "list_allowed_directories", settings={"read_only": True})
    assert text_of(result).startswith(f"Allowed directories:\n{box.root}\n")
    assert "read-only" in text_of(result)
    assert result.structured_content == {"directories": [str(box.root)], "readOnly": True}


# -- list_directory -------------------------------------------------------------------------------


async def test_list_directory_uses_the_reference_format_in_both_eras(
    make_server: ServerFactory, box: Sandbox, era: Era
) -> None:
    populate(box.root)
    result = await call(make_server, box.root, "list_directory", era=era, path=str(box.root))
    assert text_of(result) == "[FILE] a.txt\n[FILE] b.md\n[DIR] sub"
    assert result.structured_content == {
        "path": str(box.root),
        "entries": [
            {"name": "a.txt", "type": "file"},
            {"name": "b.md", "type": "file"},
            {"name": "sub", "type": "directory"},
        ],
        "total": 3,
    }


async def test_list_directory_takes_a_path_relative_to_the_first_root(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    text, _ = await ok(make_server, box.root, "list_directory", path="sub")
    assert text == "[FILE] c.py\n[DIR] deeper"


async def test_list_directory_reports_symlinks_and_special_files_as_such(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    (box.root / "to-a").symlink_to("a.txt")
    (box.root / "to-sub").symlink_to(box.root / "sub")
    (box.root / "dangling").symlink_to("missing.txt")
    (box.root / "secret").symlink_to(box.sentinel)
    os.mkfifo(box.root / "pipe")
    text, structured = await ok(make_server, box.root, "list_directory", path=str(box.root))
    assert text.splitlines() == [
        "[FILE] a.txt",
        "[FILE] b.md",
        "[LINK] dangling -> missing.txt",
        "[FIFO] pipe",
        "[LINK] secret -> (outside the allowed directories)",
        "[DIR] sub",
        "[LINK] to-a -> a.txt",
        f"[LINK] to-sub -> {box.root / 'sub'}",
    ]
    assert str(box.outside) not in text  # where a link out points is not shown
    by_name = {entry["name"]: entry for entry in structured["entries"]}
    assert by_name["pipe"] == {"name": "pipe", "type": "fifo"}
    assert by_name["secret"] == {"name": "secret", "type": "symlink"}
    assert by_name["to-a"] == {"name": "to-a", "type": "symlink", "target": "a.txt"}


async def test_list_directory_of_an_empty_directory_says_so(make_server: ServerFactory, box: Sandbox) -> None:
    text, structured = await ok(make_server, box.root, "list_directory", path=str(box.root))
    assert text == "(empty directory)"
    assert structured["entries"] == []


async def test_list_directory_refuses_hostile_paths_and_serves_the_control(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    sibling = box.root.with_name(box.root.name + "_evil")
    sibling.mkdir()
    (box.root / "escape").symlink_to(box.outside)
    server = make_server(box.root)
    async with connect(server) as client:
        for path in (
            str(box.outside),
            f"{box.root}/../outside",
            "../outside",
            str(sibling),
            str(box.root / "escape"),
            "/",
        ):
            result = await client.call_tool("list_directory", {"path": path})
            assert result.is_error, path
            assert "denied" in text_of(result), path
            assert str(box.root) in text_of(result), "the message says what is allowed"
            assert "secret.txt" not in text_of(result)
        control = await client.call_tool("list_directory", {"path": str(box.root)})
        assert not control.is_error
        assert "[DIR] sub" in text_of(control)


async def test_list_directory_explains_a_file_and_a_missing_path(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    assert "is a file, not a directory" in await refused(
        make_server, box.root, "list_directory", path="a.txt"
    )
    assert "does not exist" in await refused(make_server, box.root, "list_directory", path="nope")


async def test_listing_pages_fit_their_advertised_output_schemas(
    make_server: ServerFactory, tmp_path: Path, era: Era
) -> None:
    # The pages are built in wire form, not through their models: each must still fit its schema.
    from jsonschema import Draft202012Validator

    directory = tmp_path / "mixed"
    directory.mkdir()
    for index in range(300):
        (directory / f"file{index:03d}.txt").write_text("x" * index)
    (directory / "sub").mkdir()
    (directory / "to-file").symlink_to("file001.txt")
    (directory / "dangling").symlink_to("missing.txt")
    (directory / "outside").symlink_to("/etc")
    async with connect(make_server(directory, max_output_chars=2_000), era=era) as client:
        schemas = {tool.name: tool.output_schema for tool in (await client.list_tools()).tools}
        for tool, extra in (("list_directory", {}), ("list_directory_with_sizes", {"sortBy": "size"})):
            validator = Draft202012Validator(schemas[tool] or {})
            cursor: str | None = None
            pages: list[dict[str, Any]] = []
            while True:
                arguments = {"path": ".", **extra} | ({"cursor": cursor} if cursor else {})
                structured = (await client.call_tool(tool, arguments)).structured_content
                assert structured is not None
                assert list(validator.iter_errors(structured)) == [], tool
                pages.append(structured)
                if (cursor := structured.get("nextCursor")) is None:
                    break
            entries = [entry for page in pages for entry in page["entries"]]
            assert len(pages) > 1, tool
            assert len(entries) == 304, tool
            by_name = {entry["name"]: entry for entry in entries}
            assert by_name["to-file"] == {"name": "to-file", "type": "symlink", "target": "file001.txt"}
            assert by_name["outside"] == {"name": "outside", "type": "symlink"}  # target not shown
    assert by_name["file299.txt"]["size"] == 299


async def test_list_directory_pages_a_large_directory(
    make_server: ServerFactory, big_directory: Path
) -> None:
    server = make_server(big_directory, max_output_chars=20_000)
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    async with connect(server) as client:
        while True:
            arguments = {"path": str(big_directory)} | ({"cursor": cursor} if cursor else {})
            result = await client.call_tool("list_directory", arguments)
            assert not result.is_error, text_of(result)
            structured = result.structured_content
            assert structured is not None
            assert structured["total"] == BIG_DIRECTORY_FILES
            assert len(text_of(result)) < 20_000 + 300  # the page and its note
            seen += names(structured["entries"])
            pages += 1
            cursor = structured.get("nextCursor")
            if cursor is None:
                assert "cursor" not in text_of(result)
                break
            assert f'cursor "{cursor}"' in text_of(result)
    assert pages > 1
    assert seen == sorted(f"file{index:05d}.txt" for index in range(BIG_DIRECTORY_FILES))


async def test_pages_of_a_big_directory_come_from_one_listing_until_it_changes(
    make_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The listing kept for the next pages is normally not kept for a directory changed in the last
    # two seconds (coarse timestamps); here every listing is kept, and changes get distinct times.
    monkeypatch.setattr(listing, "_RACY_NS", -(10**12))
    directory = tmp_path / "wide"
    directory.mkdir()
    for index in range(6_000):
        os.close(os.open(directory / f"n{index:05d}", os.O_CREAT | os.O_WRONLY, 0o644))
    async with connect(make_server(directory, max_output_chars=20_000)) as client:

        async def page(cursor: str | None = None) -> dict[str, Any]:
            arguments = {"path": "."} | ({"cursor": cursor} if cursor else {})
            structured: dict[str, Any] | None = (
                await client.call_tool("list_directory", arguments)
            ).structured_content
            assert structured is not None
            return structured

        first = await page()
        second = await page(first["nextCursor"])
        assert (first["total"], second["total"]) == (6_000, 6_000)
        last_of_first = int(first["entries"][-1]["name"][1:])
        assert second["entries"][0]["name"] == f"n{last_of_first + 1:05d}"
        (directory / "a-new-first-entry").write_text("")
        changed_at = os.stat(directory).st_mtime_ns + 10**9
        os.utime(directory, ns=(changed_at, changed_at))
        again = await page(first["nextCursor"])
        assert again["total"] == 6_001
        assert again["entries"][0]["name"] == f"n{last_of_first:05d}"  # everything moved down one


async def test_a_page_holds_as_many_entries_as_the_budget_allows(
    make_server: ServerFactory, big_directory: Path, era: Era
) -> None:
    # "[FILE] file00000.txt" is 20 characters and a newline: 5,000 of them fit in 110,000.
    everything = await call(
        make_server,
        big_directory,
        "list_directory",
        era=era,
        settings={"max_output_chars": 110_000},
        path=".",
    )
    assert everything.structured_content is not None
    assert len(everything.structured_content["entries"]) == BIG_DIRECTORY_FILES
    assert "nextCursor" not in everything.structured_content
    assert "cursor" not in text_of(everything)
    cut = await call(
        make_server, big_directory, "list_directory", era=era, settings={"max_output_chars": 50_000}, path="."
    )
    assert cut.structured_content is not None
    shown = len(cut.structured_content["entries"])
    assert 2_000 < shown < BIG_DIRECTORY_FILES  # filled to the budget, not to a fixed count
    assert len(text_of(cut)) <= 50_000


async def test_pages_with_sizes_agree_on_the_totals_of_their_snapshot(
    make_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "_RACY_NS", -(10**12))  # keep every listing, as above
    directory = tmp_path / "sized"
    directory.mkdir()
    for index in range(3_000):
        (directory / f"f{index:04d}").write_bytes(b"x" * (index % 7))
    async with connect(make_server(directory, max_output_chars=20_000)) as client:
        arguments: dict[str, Any] = {"path": ".", "sortBy": "size"}
        first = (await client.call_tool("list_directory_with_sizes", arguments)).structured_content
        assert first is not None
        (directory / "f0001").write_bytes(b"x" * 10_000)  # a file grows; the directory is unchanged
        second = (
            await client.call_tool("list_directory_with_sizes", arguments | {"cursor": first["nextCursor"]})
        ).structured_content
        assert second is not None
        assert second["combinedSize"] == first["combinedSize"] == sum(i % 7 for i in range(3_000))
        sizes = [entry["size"] for entry in first["entries"] + second["entries"]]
        assert sizes == sorted(sizes, reverse=True)  # one order across the pages
        fresh = (await client.call_tool("list_directory_with_sizes", arguments)).structured_content
        assert fresh is not None
        assert fresh["entries"][0] == {"name": "f0001", "type": "file", "size": 10_000}


async def test_a_listing_cursor_continues_only_the_listing_that_made_it(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        for index in range(300):
            (tmp_path / name / f"file{index:03d}.txt").write_text("")
    async with connect(make_server(tmp_path, max_output_chars=2_000)) as client:
        first = (await client.call_tool("list_directory", {"path": "one"})).structured_content
        assert first is not None
        cursor = first["nextCursor"]
        other_path = await client.call_tool("list_directory", {"path": "two", "cursor": cursor})
        other_tool = await client.call_tool("list_directory_with_sizes", {"path": "one", "cursor": cursor})
        sized = (await client.call_tool("list_directory_with_sizes", {"path": "one"})).structured_content
        assert sized is not None
        other_order = await client.call_tool(
            "list_directory_with_sizes", {"path": "one", "sortBy": "size", "cursor": sized["nextCursor"]}
        )
        second = (
            await client.call_tool("list_directory", {"path": "one", "cursor": cursor})
        ).structured_content
    for refusal in (other_path, other_tool, other_order):
        assert refusal.is_error
        assert "This cursor belongs to another request" in text_of(refusal)
    assert second is not None
    assert second["entries"][0]["name"] == f"file{len(first['entries']):03d}.txt"


def remove_entries(directory: Path, count: int) -> None:
    for path in sorted(directory.iterdir())[:count]:
        path.unlink()


async def test_the_last_page_of_a_listing_says_so_and_a_page_past_it_says_why_it_is_empty(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    for index in range(300):
        (tmp_path / f"file{index:03d}.txt").write_text("")
    async with connect(make_server(tmp_path, max_output_chars=5_000)) as client:
        first = (await client.call_tool("list_directory", {"path": "."})).structured_content
        assert first is not None
        last = await client.call_tool("list_directory", {"path": ".", "cursor": first["nextCursor"]})
        remove_entries(tmp_path, 200)
        past = await client.call_tool("list_directory", {"path": ".", "cursor": first["nextCursor"]})
    shown = len(first["entries"])
    assert text_of(last).endswith(f"[Showed entries {shown + 1:,}-300 of 300, the last.]")
    assert text_of(past) == "[No more entries: all 100 were on earlier pages.]"


async def test_list_directory_refuses_a_forged_cursor(make_server: ServerFactory, box: Sandbox) -> None:
    message = await refused(
        make_server, box.root, "list_directory", path=str(box.root), cursor="not-a-cursor"
    )
    assert "cursor" in message


# -- list_directory_with_sizes --------------------------------------------------------------------


async def test_list_directory_with_sizes_uses_the_reference_table(
    make_server: ServerFactory, box: Sandbox
) -> None:
    (box.root / "empty").write_bytes(b"")
    (box.root / "small").write_bytes(b"x" * 1023)
    (box.root / "kilo").write_bytes(b"x" * 1536)
    with (box.root / "mega").open("wb") as sparse:
        sparse.truncate(3 * 2**20)
    (box.root / "dir").mkdir()
    text, structured = await ok(make_server, box.root, "list_directory_with_sizes", path=str(box.root))
    assert text.splitlines() == [
        f"[DIR] {'dir':<30} ",
        f"[FILE] {'empty':<30} {'0 B':>10}",
        f"[FILE] {'kilo':<30} {'1.50 KB':>10}",
        f"[FILE] {'mega':<30} {'3.00 MB':>10}",
        f"[FILE] {'small':<30} {'1023 B':>10}",
        "",
        "Total: 4 files, 1 directories",
        f"Combined size: {(3 * 2**20 + 1536 + 1023) / 2**20:.2f} MB",
    ]
    assert structured["files"] == 4
    assert structured["directories"] == 1
    assert structured["combinedSize"] == 3 * 2**20 + 1536 + 1023
    assert {"name": "kilo", "type": "file", "size": 1536} in structured["entries"]


async def test_list_directory_with_sizes_sorts_by_size_largest_first(
    make_server: ServerFactory, box: Sandbox, era: Era
) -> None:
    for name, size in (("a", 10), ("b", 300), ("c", 20)):
        (box.root / name).write_bytes(b"x" * size)
    (box.root / "d").mkdir()
    result = await call(make_server, box.root, "list_directory_with_sizes", era=era, path=".", sortBy="size")
    structured = result.structured_content
    assert structured is not None
    assert names(structured["entries"]) == ["b", "c", "a", "d"]
    refusal = await call(make_server, box.root, "list_directory_with_sizes", path=".", sortBy="mtime")
    assert refusal.is_error
    assert "sortBy" in text_of(refusal)


async def test_list_directory_with_sizes_does_not_follow_symlinks(
    make_server: ServerFactory, box: Sandbox
) -> None:
    (box.root / "link").symlink_to(box.sentinel)
    text, structured = await ok(make_server, box.root, "list_directory_with_sizes", path=".")
    assert text.splitlines()[0] == f"[LINK] {'link':<30} -> (outside the allowed directories)"
    assert structured["entries"] == [{"name": "link", "type": "symlink"}]
    assert structured["combinedSize"] == 0


# -- directory_tree -------------------------------------------------------------------------------


async def test_directory_tree_matches_the_reference_json_in_both_eras(
    make_server: ServerFactory, box: Sandbox, era: Era
) -> None:
    populate(box.root)
    result = await call(make_server, box.root, "directory_tree", era=era, path=str(box.root))
    expected = [
        {"name": "a.txt", "type": "file"},
        {"name": "b.md", "type": "file"},
        {
            "name": "sub",
            "type": "directory",
            "children": [
                {"name": "c.py", "type": "file"},
                {"name": "deeper", "type": "directory", "children": [{"name": "d.txt", "type": "file"}]},
            ],
        },
    ]
    assert text_of(result) == json.dumps(expected, indent=2)  # JSON.stringify(tree, null, 2)
    structured = result.structured_content
    assert structured is not None
    assert structured["tree"] == expected
    assert (structured["shown"], structured["total"], structured["complete"]) == (6, 6, True)


async def test_directory_tree_excludes_by_name_at_any_depth_and_by_path(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    (box.root / "node_modules").mkdir()
    (box.root / "node_modules" / "x.js").write_text("")
    (box.root / "sub" / "node_modules").mkdir()
    (box.root / "sub" / "trace.log").write_text("")

    async def tree_names(*patterns: str) -> set[str]:
        _, structured = await ok(
            make_server, box.root, "directory_tree", path=".", excludePatterns=list(patterns)
        )
        return set(_walk_names(structured["tree"]))

    everything = await tree_names()
    assert {"node_modules", "sub/node_modules", "node_modules/x.js", "sub/trace.log"} <= everything
    without_modules = await tree_names("node_modules")
    assert not {path for path in without_modules if "node_modules" in path}
    assert await tree_names("*.log") == everything - {"sub/trace.log"}
    assert await tree_names("sub/deeper") == everything - {"sub/deeper", "sub/deeper/d.txt"}


def _walk_names(nodes: list[dict[str, Any]], prefix: str = "") -> list[str]:
    found: list[str] = []
    for node in nodes:
        path = prefix + node["name"]
        found.append(path)
        found += _walk_names(node.get("children") or [], path + "/")
    return found


async def test_directory_tree_honours_gitignore_files_unless_asked(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    (box.root / ".gitignore").write_text("build/\n*.log\n!keep.log\n")
    (box.root / "build").mkdir()
    (box.root / "build" / "out.bin").write_text("")
    (box.root / "x.log").write_text("")
    (box.root / "keep.log").write_text("")
    (box.root / "sub" / ".gitignore").write_text("deeper\n")
    (box.root / ".git").mkdir()
    (box.root / ".git" / "HEAD").write_text("ref\n")
    text, structured = await ok(make_server, box.root, "directory_tree", path=".")
    shown = set(_walk_names(structured["tree"]))
    assert shown == {".gitignore", "a.txt", "b.md", "keep.log", "sub", "sub/.gitignore", "sub/c.py"}
    assert structured["ignored"] == 4  # build, x.log, .git, sub/deeper
    assert "ignored by .gitignore" in text
    _, everything = await ok(make_server, box.root, "directory_tree", path=".", includeIgnored=True)
    assert {"build/out.bin", "x.log", "sub/deeper/d.txt", ".git/HEAD"} <= set(_walk_names(everything["tree"]))
    unaware = await call(
        make_server, box.root, "directory_tree", settings={"follow_gitignore": False}, path="."
    )
    assert unaware.structured_content is not None
    assert "x.log" in set(_walk_names(unaware.structured_content["tree"]))


async def test_directory_tree_depth_limit_marks_what_was_not_listed(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    _, structured = await ok(make_server, box.root, "directory_tree", path=".", maxDepth=1)
    assert structured["tree"][-1] == {"name": "sub", "type": "directory", "children": [], "truncated": True}
    _, two = await ok(make_server, box.root, "directory_tree", path=".", maxDepth=2)
    sub = two["tree"][-1]
    assert names(sub["children"]) == ["c.py", "deeper"]
    assert sub["children"][1]["truncated"] is True
    assert "truncated" not in sub


async def test_directory_tree_cuts_a_big_tree_shallow_levels_first(
    make_server: ServerFactory, file_tree: Path
) -> None:
    result = await call(
        make_server, file_tree, "directory_tree", settings={"max_output_chars": 20_000}, path="."
    )
    structured = result.structured_content
    assert structured is not None
    assert structured["total"] == TREE_FILES + TREE_DIRECTORIES
    assert 0 < structured["shown"] < structured["total"]
    assert len(text_of(result)) < 20_000 + 500
    top = structured["tree"]
    assert names(top) == [f"d{index:02d}" for index in range(TREE_DIRECTORIES)]  # every top-level entry
    assert any(node.get("truncated") for node in top)
    more = structured["total"] - structured["shown"]
    assert f"{more:,} more not shown" in text_of(result)
    assert "smaller maxDepth" in text_of(result)


async def test_directory_tree_never_follows_symlinks_out_or_around_a_loop(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    (box.root / "sub" / "loop").symlink_to(box.root)
    (box.root / "escape").symlink_to(box.outside)
    os.mkfifo(box.root / "pipe")
    text, structured = await ok(make_server, box.root, "directory_tree", path=".")
    assert "secret.txt" not in text
    shown = set(_walk_names(structured["tree"]))
    assert {"escape", "sub/loop", "pipe"} <= shown
    assert not any(path.startswith(("escape/", "sub/loop/")) for path in shown)
    kinds = {node["name"]: node["type"] for node in structured["tree"]}
    assert (kinds["escape"], kinds["pipe"]) == ("symlink", "fifo")


async def test_directory_tree_refuses_the_outside_and_serves_the_control(
    make_server: ServerFactory, box: Sandbox
) -> None:
    (box.root / "escape").symlink_to(box.outside)
    for path in (str(box.outside), "escape", "../outside"):
        message = await refused(make_server, box.root, "directory_tree", path=path)
        assert "denied" in message
    text, _ = await ok(make_server, box.root, "directory_tree", path=".")
    assert json.loads(text) == [{"name": "escape", "type": "symlink"}]


# -- get_file_info --------------------------------------------------------------------------------


async def test_get_file_info_uses_the_reference_keys_in_both_eras(
    make_server: ServerFactory, box: Sandbox, era: Era
) -> None:
    target = box.root / "a.txt"
    target.write_text("hello\n")
    target.chmod(0o640)
    result = await call(make_server, box.root, "get_file_info", era=era, path=str(target))
    lines = text_of(result).splitlines()
    keys = [line.split(": ", 1)[0] for line in lines]
    assert keys == ["size", "created", "modified", "accessed", "isDirectory", "isFile", "permissions", "type"]
    values = dict(line.split(": ", 1) for line in lines)
    assert (values["size"], values["isDirectory"], values["isFile"]) == ("6", "false", "true")
    assert (values["permissions"], values["type"]) == ("640", "file")
    structured = result.structured_content
    assert structured is not None
    assert structured["size"] == 6
    assert structured["isFile"] is True
    assert structured["path"] == str(target)


async def test_get_file_info_describes_a_directory_and_an_allowed_root(
    make_server: ServerFactory, box: Sandbox
) -> None:
    populate(box.root)
    _, sub = await ok(make_server, box.root, "get_file_info", path="sub")
    assert (sub["type"], sub["isDirectory"], sub["isFile"]) == ("directory", True, False)
    _, root = await ok(make_server, box.root, "get_file_info", path=str(box.root))
    assert root["isDirectory"] is True


async def test_get_file_info_describes_a_symlink_unless_asked_to_follow(
    make_server: ServerFactory, box: Sandbox
) -> None:
    (box.root / "a.txt").write_text("hello\n")
    (box.root / "link").symlink_to("a.txt")
    text, link = await ok(make_server, box.root, "get_file_info", path="link")
    assert (link["type"], link["isFile"], link["target"]) == ("symlink", False, "a.txt")
    assert text.splitlines()[-1] == "target: a.txt"
    _, followed = await ok(make_server, box.root, "get_file_info", path="link", followSymlinks=True)
    assert (followed["type"], followed["size"], followed["path"]) == ("file", 6, str(box.root / "a.txt"))


async def test_get_file_info_never_describes_the_outside(make_server: ServerFactory, box: Sandbox) -> None:
    (box.root / "secret").symlink_to(box.sentinel)
    text, link = await ok(make_server, box.root, "get_file_info", path="secret")
    assert link["type"] == "symlink"
    assert "target" not in link
    assert str(box.outside) not in text
    message = await refused(make_server, box.root, "get_file_info", path="secret", followSymlinks=True)
    assert "denied" in message
    assert "denied" in await refused(make_server, box.root, "get_file_info", path=str(box.sentinel))


async def test_get_file_info_refuses_a_fifo_at_once(make_server: ServerFactory, box: Sandbox) -> None:
    os.mkfifo(box.root / "pipe")
    message = await refused(make_server, box.root, "get_file_info", path="pipe")
    assert "FIFO" in message


def lay_out_links(box: Sandbox) -> None:
    """Files, a FIFO, and symlinks inside the root: to a directory inside and outside, a FIFO,
    nothing, and each other."""
    populate(box.root)
    os.mkfifo(box.root / "pipe")
    (box.root / "to_sub").symlink_to("sub")
    (box.root / "escape").symlink_to(box.outside)
    (box.root / "secret").symlink_to(box.sentinel)
    (box.root / "to_pipe").symlink_to("pipe")
    (box.root / "dangling").symlink_to("missing.txt")
    (box.root / "loop_a").symlink_to("loop_b")
    (box.root / "loop_b").symlink_to("loop_a")


@pytest.mark.parametrize(
    ("path", "follow", "expected"),
    [
        ("../outside/secret.txt", False, "denied"),
        ("sub/../../outside/secret.txt", False, "denied"),
        ("escape/secret.txt", False, "denied"),  # through a symlinked directory that leads outside
        ("escape", True, "denied"),
        ("secret", True, "denied"),
        ("to_pipe", True, "FIFO"),
        ("to_pipe/x", False, "does not exist"),
        ("a.txt/x", False, "does not exist"),
        ("dangling", True, "does not exist"),
        ("loop_a", True, "too many symbolic links"),
        ("a.txt\0", False, "NUL"),
    ],
)
async def test_get_file_info_refuses_what_leads_outside_or_is_not_a_file_or_directory(
    make_server: ServerFactory, box: Sandbox, path: str, follow: bool, expected: str
) -> None:
    lay_out_links(box)
    message = await refused(make_server, box.root, "get_file_info", path=path, followSymlinks=follow)
    assert expected in message
    assert str(box.outside) not in message


@pytest.mark.parametrize(
    ("path", "follow", "kind", "described"),
    [
        ("'a.txt'", False, "file", "a.txt"),  # one pair of stray quotes
        ("sub/../a.txt", False, "file", "a.txt"),
        ("to_sub/c.py", False, "file", "sub/c.py"),  # through a symlinked directory inside
        ("to_sub", True, "directory", "sub"),
        ("to_pipe", False, "symlink", "to_pipe"),  # the link itself, not the FIFO
        ("dangling", False, "symlink", "dangling"),
        ("escape", False, "symlink", "escape"),
        (".", True, "directory", "."),
    ],
)
async def test_get_file_info_describes_the_entry_a_path_leads_to_inside(
    make_server: ServerFactory, box: Sandbox, path: str, follow: bool, kind: str, described: str
) -> None:
    lay_out_links(box)
    _, info = await ok(make_server, box.root, "get_file_info", path=path, followSymlinks=follow)
    assert (info["type"], info["path"]) == (kind, str(box.root / described))


# -- the tools as the model sees them -------------------------------------------------------------


async def test_listing_tools_keep_the_reference_parameters_and_say_they_only_read(
    make_server: ServerFactory, box: Sandbox
) -> None:
    async with connect(make_server(box.root)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    expected = {
        "list_allowed_directories": set(),
        "list_directory": {"path"},
        "list_directory_with_sizes": {"path", "sortBy"},
        "directory_tree": {"path", "excludePatterns"},
        "get_file_info": {"path"},
    }
    for name, reference_parameters in expected.items():
        tool = tools[name]
        assert reference_parameters <= set(tool.input_schema.get("properties", {})), name
        assert set(tool.input_schema.get("required", [])) <= {"path"}, name
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.open_world_hint is False
        assert tool.output_schema is not None, name


@pytest.mark.stdio
async def test_listing_over_real_stdio(box: Sandbox) -> None:
    populate(box.root)
    async with connect_stdio("moorings-filesystem", str(box.root)) as client:
        result = await client.call_tool("list_directory", {"path": str(box.root)})
        assert text_of(result) == "[FILE] a.txt\n[FILE] b.md\n[DIR] sub"
        tree = await client.call_tool("directory_tree", {"path": "sub", "maxDepth": 1})
        assert json.loads(text_of(tree))[0] == {"name": "c.py", "type": "file"}


# -- fixtures -------------------------------------------------------------------------------------

BIG_DIRECTORY_FILES = 5_000
TREE_DIRECTORIES = 50
TREE_FILES = 5_000


@pytest.fixture(scope="module")
def big_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory with 5,000 empty files."""
    directory = tmp_path_factory.mktemp("wide").resolve()
    for index in range(BIG_DIRECTORY_FILES):
        os.close(os.open(directory / f"file{index:05d}.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    return directory


@pytest.fixture(scope="module")
def file_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 directories of 100 empty files each: 5,000 files."""
    root = tmp_path_factory.mktemp("tree").resolve()
    per_directory = TREE_FILES // TREE_DIRECTORIES
    for index in range(TREE_DIRECTORIES):
        directory = root / f"d{index:02d}"
        directory.mkdir()
        for number in range(per_directory):
            os.close(os.open(directory / f"f{number:03d}.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    return root
