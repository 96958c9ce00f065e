"""The searching tools: search_files (globs, like the reference) and search_file_contents (grep).

Walks never follow a symlink and never open a FIFO; .gitignore files are honoured unless asked;
results come in pages with a count of what is left. Hostile paths sit beside legitimate controls.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from moorings_core import blocking
from moorings_core.sandbox.paths import PathJail
from moorings_core.testing import Era, Sandbox, connect, connect_stdio, text_of
from moorings_filesystem.globs import Glob, PathPatterns
from moorings_filesystem.walking import TreeWalk, WalkOptions
from tests.filesystem.helpers import ServerFactory, call, ok, refused

pytestmark = pytest.mark.anyio


def write(root: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def relative(root: Path, paths: list[str]) -> list[str]:
    return [str(Path(path).relative_to(root)) for path in paths]


PROJECT = {
    "README.md": "# Project\n",
    "setup.py": "setup()\n",
    "src/app.py": "import os\n",
    "src/util.ts": "export {}\n",
    "src/deep/er/x.py": "x = 1\n",
    "docs/guide.md": "guide\n",
}


# -- search_files: the reference's glob dialect ---------------------------------------------------


async def test_search_files_matches_globs_like_the_reference_in_both_eras(
    make_server: ServerFactory, box: Sandbox, era: Era
) -> None:
    write(box.root, PROJECT)
    result = await call(make_server, box.root, "search_files", era=era, path=str(box.root), pattern="**/*.py")
    assert text_of(result).splitlines() == [str(box.root / name) for name in ("setup.py", "src/app.py")] + [
        str(box.root / "src/deep/er/x.py")
    ]
    assert result.structured_content == {
        "path": str(box.root),
        "pattern": "**/*.py",
        "matches": [str(box.root / name) for name in ("setup.py", "src/app.py", "src/deep/er/x.py")],
        "total": 3,
        "ignored": 0,
    }


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*.py", ["setup.py"]),  # `*` stays in one directory: only what is directly inside
        ("src/*.py", ["src/app.py"]),
        ("src/**/*.py", ["src/app.py", "src/deep/er/x.py"]),
        ("**/*.{md,ts}", ["README.md", "docs/guide.md", "src/util.ts"]),
        ("src", ["src"]),  # directories match too
        ("src/**", ["src/app.py", "src/deep", "src/util.ts", "src/deep/er", "src/deep/er/x.py"]),
        ("**/er/", ["src/deep/er"]),  # a trailing slash: directories only
        ("?????.py", ["setup.py"]),
        ("[RS]*", ["README.md"]),  # case-sensitive, as minimatch is
    ],
)
async def test_search_files_glob_dialect(
    make_server: ServerFactory, box: Sandbox, pattern: str, expected: list[str]
) -> None:
    write(box.root, PROJECT)
    _, structured = await ok(make_server, box.root, "search_files", path=str(box.root), pattern=pattern)
    assert relative(box.root, structured["matches"]) == expected


async def test_search_files_says_no_matches_like_the_reference_with_a_hint(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(box.root, PROJECT)
    text, structured = await ok(make_server, box.root, "search_files", path=".", pattern="x.py")
    assert text.startswith("No matches found\n")
    assert "'**/x.py'" in text
    assert structured["matches"] == []
    assert structured["total"] == 0


async def test_search_files_excludes_by_name_and_path(make_server: ServerFactory, box: Sandbox) -> None:
    write(box.root, {**PROJECT, "node_modules/m.py": "", "src/node_modules/n.py": ""})
    _, by_name = await ok(
        make_server, box.root, "search_files", path=".", pattern="**/*.py", excludePatterns=["node_modules"]
    )
    assert relative(box.root, by_name["matches"]) == ["setup.py", "src/app.py", "src/deep/er/x.py"]
    _, by_path = await ok(
        make_server,
        box.root,
        "search_files",
        path=".",
        pattern="**/*.py",
        excludePatterns=["src/deep/**", "/*.py"],
    )
    assert relative(box.root, by_path["matches"]) == [
        "node_modules/m.py",
        "src/app.py",
        "src/node_modules/n.py",
    ]


async def test_search_files_honours_nested_gitignore_files(make_server: ServerFactory, box: Sandbox) -> None:
    write(
        box.root,
        {
            ".gitignore": "build/\n*.log\n!keep.log\n/top.txt\n",
            "build/out.log": "",
            "keep.log": "",
            "x.log": "",
            "top.txt": "",
            "sub/top.txt": "",  # `/top.txt` is anchored to the root
            "sub/.gitignore": "*.txt\n!wanted.txt\n",
            "sub/wanted.txt": "",
            "sub/unwanted.txt": "",
            "sub/build": "a file, which `build/` does not name",
            ".git/config": "",
        },
    )
    text, structured = await ok(make_server, box.root, "search_files", path=".", pattern="**")
    assert relative(box.root, structured["matches"]) == [
        ".gitignore",
        "keep.log",
        "sub",
        "sub/.gitignore",
        "sub/build",
        "sub/wanted.txt",
    ]
    assert structured["ignored"] == 6  # .git, build, top.txt, x.log, sub/top.txt, sub/unwanted.txt
    assert "includeIgnored" in text
    _, everything = await ok(
        make_server, box.root, "search_files", path=".", pattern="**", includeIgnored=True
    )
    assert {"build/out.log", "x.log", "sub/unwanted.txt", ".git/config"} <= set(
        relative(box.root, everything["matches"])
    )
    unaware = await call(
        make_server, box.root, "search_files", settings={"follow_gitignore": False}, path=".", pattern="*.log"
    )
    assert unaware.structured_content is not None
    assert relative(box.root, unaware.structured_content["matches"]) == ["keep.log", "x.log"]


async def test_gitignore_files_above_the_searched_directory_apply(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(
        box.root, {".gitignore": "*.tmp\napp/cache/\n", "app/a.tmp": "", "app/b.py": "", "app/cache/c.py": ""}
    )
    _, structured = await ok(make_server, box.root, "search_files", path="app", pattern="**")
    assert relative(box.root, structured["matches"]) == ["app/b.py"]
    # A directory asked for by name is searched even when it is ignored itself.
    _, inside = await ok(make_server, box.root, "search_files", path="app/cache", pattern="*")
    assert relative(box.root, inside["matches"]) == ["app/cache/c.py"]


async def test_search_files_lists_symlinks_and_fifos_but_never_enters_or_opens_them(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(box.root, {"sub/a.txt": "a", "sub/secret.txt": "inside"})
    (box.root / "sub" / "loop").symlink_to(box.root)
    (box.root / "escape").symlink_to(box.outside)
    (box.root / "secret.txt").symlink_to(box.sentinel)
    os.mkfifo(box.root / "sub" / "pipe.txt")
    _, structured = await ok(make_server, box.root, "search_files", path=".", pattern="**/*")
    assert relative(box.root, structured["matches"]) == [
        "escape",
        "secret.txt",
        "sub",
        "sub/a.txt",
        "sub/loop",
        "sub/pipe.txt",
        "sub/secret.txt",
    ]


async def test_search_files_refuses_hostile_paths_and_serves_the_control(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(box.root, PROJECT)
    sibling = box.root.with_name(box.root.name + "_evil")
    sibling.mkdir()
    (sibling / "evil.py").write_text("")
    (box.root / "escape").symlink_to(box.outside)
    async with connect(make_server(box.root)) as client:
        for path in (str(box.outside), "../outside", str(sibling), "escape", f"{box.root}/src/../../outside"):
            result = await client.call_tool("search_files", {"path": path, "pattern": "**"})
            assert result.is_error, path
            assert "denied" in text_of(result)
            assert "secret.txt" not in text_of(result)
        control = await client.call_tool("search_files", {"path": ".", "pattern": "**/*.py"})
        assert not control.is_error
        assert "evil" not in text_of(control)


async def test_search_files_pages_with_a_count_of_what_is_left(
    make_server: ServerFactory, file_tree: Path
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    async with connect(make_server(file_tree)) as client:
        while True:
            arguments: dict[str, Any] = {"path": ".", "pattern": "**/*.txt", "maxResults": 1_500}
            if cursor:
                arguments["cursor"] = cursor
            result = await client.call_tool("search_files", arguments)
            structured = result.structured_content
            assert structured is not None, text_of(result)
            assert structured["total"] == TREE_FILES
            seen += structured["matches"]
            cursor = structured.get("nextCursor")
            if cursor is None:
                break
            assert f"of {TREE_FILES:,} ({TREE_FILES - len(seen):,} more)" in text_of(result)
            assert f'cursor "{cursor}"' in text_of(result)
    assert len(seen) == len(set(seen)) == TREE_FILES
    assert set(relative(file_tree, seen)) == {
        f"d{directory:02d}/f{number:03d}.txt"
        for directory in range(TREE_DIRECTORIES)
        for number in range(TREE_FILES // TREE_DIRECTORIES)
    }


async def test_search_files_keeps_a_page_within_the_output_budget(
    make_server: ServerFactory, file_tree: Path
) -> None:
    result = await call(
        make_server, file_tree, "search_files", settings={"max_output_chars": 5_000}, path=".", pattern="**"
    )
    structured = result.structured_content
    assert structured is not None
    assert 0 < len(structured["matches"]) < 100
    assert len(text_of(result)) < 5_000 + 300
    assert structured["nextCursor"]


async def test_search_files_refuses_a_forged_cursor(make_server: ServerFactory, box: Sandbox) -> None:
    assert "cursor" in await refused(
        make_server, box.root, "search_files", path=".", pattern="*", cursor="%%%"
    )


@pytest.mark.parametrize(
    ("tool", "first", "others"),
    [
        (
            "search_files",
            {"path": ".", "pattern": "**/*.txt", "maxResults": 10},
            [{"pattern": "**/*"}, {"path": "d01"}, {"excludePatterns": ["d00"]}, {"includeIgnored": True}],
        ),
        (
            "search_file_contents",
            {"path": ".", "pattern": "marker", "maxResults": 10},
            [{"pattern": "Marker"}, {"literal": True}, {"path": "d01"}, {"includePatterns": ["*.txt"]}],
        ),
    ],
)
async def test_a_search_cursor_continues_only_the_search_that_made_it(
    make_server: ServerFactory,
    file_tree: Path,
    tool: str,
    first: dict[str, Any],
    others: list[dict[str, Any]],
) -> None:
    async with connect(make_server(file_tree)) as client:
        page = (await client.call_tool(tool, first)).structured_content
        assert page is not None
        cursor = page["nextCursor"]
        for changed in others:
            refusal = await client.call_tool(tool, first | changed | {"cursor": cursor})
            assert refusal.is_error, changed
            assert "This cursor belongs to another request" in text_of(refusal)
            assert f"Call {tool} with the arguments of the call that returned the cursor" in text_of(refusal)
        smaller = (
            await client.call_tool(tool, first | {"maxResults": 5, "cursor": cursor})
        ).structured_content
    assert smaller is not None  # a page size is not part of the request: it may change between pages
    assert smaller["matches"][0] not in page["matches"]


# -- search_file_contents -------------------------------------------------------------------------

SOURCES = {
    "a.py": "import os\nvalue = a.c\nprint(abc)\n",
    "b.txt": "Alpha\nalpha\nALPHA\n",
    "sub/c.py": "def f():\n    return 'abc'\n",
}


async def test_content_search_in_both_eras(make_server: ServerFactory, box: Sandbox, era: Era) -> None:
    write(box.root, SOURCES)
    result = await call(make_server, box.root, "search_file_contents", era=era, path=".", pattern="abc")
    assert text_of(result) == "\n".join(
        [str(box.root / "a.py"), "3:print(abc)", "", str(box.root / "sub/c.py"), "2:    return 'abc'"]
    )
    structured = result.structured_content
    assert structured is not None
    assert structured["matches"] == [
        {"path": str(box.root / "a.py"), "line": 3, "text": "print(abc)"},
        {"path": str(box.root / "sub/c.py"), "line": 2, "text": "    return 'abc'"},
    ]
    assert (structured["total"], structured["complete"], structured["filesSearched"]) == (2, True, 3)


async def test_content_search_regex_versus_literal(make_server: ServerFactory, box: Sandbox) -> None:
    write(box.root, SOURCES)
    _, regex = await ok(make_server, box.root, "search_file_contents", path=".", pattern="a.c")
    assert [match["line"] for match in regex["matches"]] == [2, 3, 2]
    _, literal = await ok(
        make_server, box.root, "search_file_contents", path=".", pattern="a.c", literal=True
    )
    assert [(match["path"], match["line"]) for match in literal["matches"]] == [(str(box.root / "a.py"), 2)]
    _, anchored = await ok(make_server, box.root, "search_file_contents", path=".", pattern=r"^\s+return")
    assert [match["line"] for match in anchored["matches"]] == [2]
    message = await refused(make_server, box.root, "search_file_contents", path=".", pattern="print(")
    assert "not a valid regular expression" in message
    assert "literal" in message


async def test_content_search_case_options(make_server: ServerFactory, box: Sandbox) -> None:
    write(box.root, {**SOURCES, "d.txt": "été\nÉTÉ\n"})

    async def lines(pattern: str, **options: Any) -> list[int]:
        _, structured = await ok(
            make_server, box.root, "search_file_contents", path="b.txt", pattern=pattern, **options
        )
        return [match["line"] for match in structured["matches"]]

    assert await lines("alpha") == [1, 2, 3]  # smart case: all lower case ignores case
    assert await lines("Alpha") == [1]  # an upper-case letter asks for an exact match
    assert await lines("alpha", caseSensitive=True) == [2]
    assert await lines("Alpha", caseSensitive=False) == [1, 2, 3]
    assert await lines("alpha", literal=True) == [1, 2, 3]
    _, unicode = await ok(make_server, box.root, "search_file_contents", path="d.txt", pattern="été")
    assert [match["line"] for match in unicode["matches"]] == [1, 2]


async def test_content_search_include_and_exclude_globs(make_server: ServerFactory, box: Sandbox) -> None:
    write(box.root, SOURCES)
    _, only_py = await ok(
        make_server, box.root, "search_file_contents", path=".", pattern="a", includePatterns=["*.py"]
    )
    assert {Path(match["path"]).name for match in only_py["matches"]} == {"a.py", "c.py"}
    _, not_sub = await ok(
        make_server, box.root, "search_file_contents", path=".", pattern="abc", excludePatterns=["sub"]
    )
    assert [Path(match["path"]).name for match in not_sub["matches"]] == ["a.py"]


async def test_content_search_skips_binary_and_oversized_files_with_a_note(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(
        box.root,
        {
            "binary.dat": b"needle\0\x01\x02",
            "late-nul.txt": b"needle\n" + b"x" * 9000 + b"\0",  # a NUL after the first block: still text
            "big.log": "needle\n" * 4_000,
            "small.txt": "a needle here\n",
        },
    )
    result = await call(
        make_server,
        box.root,
        "search_file_contents",
        settings={"max_read_bytes": 16_384},
        path=".",
        pattern="needle",
    )
    structured = result.structured_content
    assert structured is not None
    assert [Path(match["path"]).name for match in structured["matches"]] == ["late-nul.txt", "small.txt"]
    assert (structured["skippedBinary"], structured["skippedLarge"]) == (1, 1)
    assert "1 binary file skipped" in text_of(result)
    assert "16,384-byte read limit" in text_of(result)
    assert str(box.root / "big.log") in text_of(result)


async def test_content_search_context_lines_merge_and_separate(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(
        box.root,
        {
            "f.txt": "".join(
                f"line {number}{' hit' if number in (3, 5, 12) else ''}\n" for number in range(1, 16)
            )
        },
    )
    text, structured = await ok(
        make_server, box.root, "search_file_contents", path="f.txt", pattern="hit", contextLines=2
    )
    assert text.splitlines() == [
        str(box.root / "f.txt"),
        "1-line 1",
        "2-line 2",
        "3:line 3 hit",
        "4-line 4",
        "5:line 5 hit",
        "6-line 6",
        "7-line 7",
        "--",
        "10-line 10",
        "11-line 11",
        "12:line 12 hit",
        "13-line 13",
        "14-line 14",
    ]
    assert structured["matches"][0] == {
        "path": str(box.root / "f.txt"),
        "line": 3,
        "text": "line 3 hit",
        "before": ["line 1", "line 2"],
        "after": ["line 4", "line 5 hit"],
    }


async def test_content_search_edges_of_lines(make_server: ServerFactory, box: Sandbox) -> None:
    long_line = "x" * 5_000 + "needle" + "y" * 5_000
    write(
        box.root, {"crlf.txt": "one\r\ntwo needle\r\n", "long.txt": long_line + "\n", "last.txt": "a\nneedle"}
    )
    _, crlf = await ok(make_server, box.root, "search_file_contents", path="crlf.txt", pattern="needle")
    assert crlf["matches"][0]["text"] == "two needle"
    _, long = await ok(make_server, box.root, "search_file_contents", path="long.txt", pattern="needle")
    shown = long["matches"][0]["text"]
    assert "needle" in shown
    assert len(shown) < 500
    _, last = await ok(make_server, box.root, "search_file_contents", path="last.txt", pattern="needle$")
    assert [match["line"] for match in last["matches"]] == [2]
    _, every = await ok(make_server, box.root, "search_file_contents", path="crlf.txt", pattern="^")
    assert [match["line"] for match in every["matches"]] == [1, 2]  # no phantom line after the last newline


async def test_content_search_pages_with_a_count_of_what_is_left(
    make_server: ServerFactory, file_tree: Path
) -> None:
    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    async with connect(make_server(file_tree)) as client:
        while True:
            arguments: dict[str, Any] = {"path": ".", "pattern": "marker", "maxResults": 400}
            if cursor:
                arguments["cursor"] = cursor
            result = await client.call_tool("search_file_contents", arguments)
            structured = result.structured_content
            assert structured is not None, text_of(result)
            assert structured["total"] == MARKED_FILES
            seen += [(match["path"], match["line"]) for match in structured["matches"]]
            cursor = structured.get("nextCursor")
            if cursor is None:
                break
            assert f"of {MARKED_FILES:,} ({MARKED_FILES - len(seen):,} more)" in text_of(result)
    assert len(seen) == len(set(seen)) == MARKED_FILES


async def test_content_search_searches_what_gitignore_hides_only_when_asked(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(box.root, {".gitignore": "dist/\n", "dist/bundle.js": "needle\n", "src.js": "needle\n"})
    text, structured = await ok(make_server, box.root, "search_file_contents", path=".", pattern="needle")
    assert [Path(match["path"]).name for match in structured["matches"]] == ["src.js"]
    assert "includeIgnored" in text
    _, everything = await ok(
        make_server, box.root, "search_file_contents", path=".", pattern="needle", includeIgnored=True
    )
    assert len(everything["matches"]) == 2


async def test_content_search_never_follows_symlinks_or_opens_fifos(
    make_server: ServerFactory, box: Sandbox
) -> None:
    (box.sentinel).write_text("needle outside\n")
    write(box.root, {"real.txt": "needle inside\n"})
    (box.root / "secret.txt").symlink_to(box.sentinel)
    (box.root / "escape").symlink_to(box.outside)
    (box.root / "alias.txt").symlink_to("real.txt")
    (box.root / "loop").symlink_to(box.root)
    os.mkfifo(box.root / "pipe.txt")
    text, structured = await ok(make_server, box.root, "search_file_contents", path=".", pattern="needle")
    assert [match["path"] for match in structured["matches"]] == [str(box.root / "real.txt")]
    assert "outside" not in text
    assert "denied" in await refused(
        make_server, box.root, "search_file_contents", path="secret.txt", pattern="n"
    )
    assert "FIFO" in await refused(
        make_server, box.root, "search_file_contents", path="pipe.txt", pattern="n"
    )


async def test_content_search_refuses_hostile_paths_and_serves_the_control(
    make_server: ServerFactory, box: Sandbox
) -> None:
    write(box.root, {"a.txt": "sandbox\n"})
    async with connect(make_server(box.root)) as client:
        for path in (str(box.outside), str(box.sentinel), "../outside", "~", "a.txt\0.py"):
            result = await client.call_tool("search_file_contents", {"path": path, "pattern": "sandbox"})
            assert result.is_error, path
            assert "outside the sandbox" not in text_of(result)
        control = await client.call_tool("search_file_contents", {"path": ".", "pattern": "sandbox"})
        assert text_of(control) == f"{box.root / 'a.txt'}\n1:sandbox"


async def test_searching_tools_say_they_only_read(make_server: ServerFactory, box: Sandbox) -> None:
    async with connect(make_server(box.root)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    search_files = tools["search_files"]
    assert {"path", "pattern", "excludePatterns"} <= set(search_files.input_schema["properties"])
    assert set(search_files.input_schema["required"]) == {"path", "pattern"}
    for name in ("search_files", "search_file_contents"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert (annotations.read_only_hint, annotations.open_world_hint) == (True, False)


@pytest.mark.stdio
async def test_searching_over_real_stdio(box: Sandbox) -> None:
    write(box.root, SOURCES)
    async with connect_stdio("moorings-filesystem", str(box.root)) as client:
        files = await client.call_tool("search_files", {"path": str(box.root), "pattern": "**/*.py"})
        assert text_of(files).splitlines() == [str(box.root / "a.py"), str(box.root / "sub/c.py")]
        contents = await client.call_tool("search_file_contents", {"path": ".", "pattern": "return"})
        assert text_of(contents).splitlines()[-1] == "2:    return 'abc'"


# -- the glob dialect, directly -------------------------------------------------------------------

# Each answer was checked against minimatch(path, pattern, {dot: true}), as the reference calls it.
MINIMATCH = [
    ("a/**", "a", False),
    ("a/**", "a/b/c", True),
    ("**/*.py", "x.py", True),
    ("**/*.py", "a/.b/c.py", True),
    ("*.py", "d/x.py", False),
    ("**", ".git/x", True),
    ("a*", "a/b", False),
    ("a/**/c", "a/c", True),
    ("**/x/**", "d/x", False),
    ("**/x/**", "d/x/y", True),
    ("*.B", "a.b", False),
    ("[!b]", "a", True),
    ("\\[", "[", True),
    ("**b", "a/b", False),
    ("{a,b}{.js,.ts}", "b.ts", True),
    ("*[]]*", "a]b", True),
    ("a[-]b", "a-b", True),
    ("file\\{1\\}.txt", "file{1}.txt", True),
    ("a,b", "a,b", True),
    ("{a,b}", "b", True),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), MINIMATCH)
def test_glob_answers_as_minimatch_does(pattern: str, path: str, expected: bool) -> None:
    directory, _, name = path.rpartition("/")
    assert Glob(pattern).matches(directory, name, is_dir=False) is expected


@pytest.mark.parametrize(
    ("pattern", "directory", "worth_entering"),
    [
        ("*.py", "src", False),
        ("src/*.py", "src", True),
        ("src/*.py", "docs", False),
        ("src/*.py", "src/deep", False),
        ("src/**/*.py", "src/deep/er", True),
        ("**/*.py", "anything/at/all", True),
        ("{src,lib}/*", "lib", True),
    ],
)
def test_glob_prunes_only_directories_that_cannot_hold_a_match(
    pattern: str, directory: str, worth_entering: bool
) -> None:
    assert Glob(pattern).may_match_below(directory) is worth_entering


def test_path_patterns_match_names_anywhere_and_paths_from_the_start() -> None:
    patterns = PathPatterns(["node_modules", "*.log", "src/gen/**", "/build", "cache/"])
    assert patterns.matches("a/b/node_modules", "node_modules", is_dir=True)
    assert patterns.matches("deep/x.log", "x.log", is_dir=False)
    assert patterns.matches("src/gen/a/b.py", "b.py", is_dir=False)
    assert not patterns.matches("lib/src/gen/b.py", "b.py", is_dir=False)
    assert patterns.matches("build", "build", is_dir=True)
    assert not patterns.matches("sub/build", "build", is_dir=True)
    assert patterns.matches("x/cache", "cache", is_dir=True)
    assert not patterns.matches("x/cache", "cache", is_dir=False)


def test_glob_refuses_empty_and_explosive_patterns() -> None:
    with pytest.raises(Exception, match="empty"):
        Glob("")
    with pytest.raises(Exception, match="alternatives"):
        Glob("{a,b}" * 10)


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("search_files", {"pattern": "**/*.txt"}),
        ("search_file_contents", {"pattern": "marker"}),
        ("directory_tree", {}),
    ],
)
async def test_walks_stop_at_the_calls_own_deadline_and_answer_with_what_they_found(
    make_server: ServerFactory,
    file_tree: Path,
    monkeypatch: pytest.MonkeyPatch,
    tool: str,
    arguments: dict[str, Any],
) -> None:
    # Keeping all of the call's time for the answer leaves none for the walk: it stops at once.
    monkeypatch.setattr(blocking, "_ANSWER_SHARE", 1.0)
    result = await call(make_server, file_tree, tool, path=".", **arguments)
    assert not result.is_error
    assert "stopped before the end" in text_of(result)
    structured = result.structured_content
    assert structured is not None
    if tool == "search_files":
        assert structured["total"] < TREE_FILES
    else:
        assert structured["complete"] is False


# -- fixtures -------------------------------------------------------------------------------------

TREE_DIRECTORIES = 50
TREE_FILES = 5_000
MARKED_FILES = 1_250  # every fourth file holds "marker"


@pytest.fixture(scope="module")
def file_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 directories of 100 small files: 5,000 files, a quarter of them with "marker" in them."""
    root = tmp_path_factory.mktemp("tree").resolve()
    per_directory = TREE_FILES // TREE_DIRECTORIES
    for index in range(TREE_DIRECTORIES):
        directory = root / f"d{index:02d}"
        directory.mkdir()
        for number in range(per_directory):
            fd = os.open(directory / f"f{number:03d}.txt", os.O_CREAT | os.O_WRONLY, 0o644)
            os.write(fd, b"line one\nmarker\n" if number % 4 == 0 else b"line one\nline two\n")
            os.close(fd)
    return root


# -- the walk itself ------------------------------------------------------------------------------


def test_a_walk_past_its_deadline_stops_and_says_so(file_tree: Path) -> None:
    jail = PathJail([file_tree])
    with TreeWalk(jail, str(file_tree), WalkOptions(deadline=time.monotonic() - 1)) as walk:
        directories = [directory.path for directory in walk]
        assert walk.timed_out
    assert directories == [""]  # the start was listed; nothing below it was entered
    with TreeWalk(jail, str(file_tree), WalkOptions()) as walk:
        assert len(list(walk)) == TREE_DIRECTORIES + 1
        assert not walk.timed_out


def test_a_walk_closes_its_directories_when_left_early(file_tree: Path) -> None:
    jail = PathJail([file_tree])
    before = len(os.listdir("/proc/self/fd"))
    with TreeWalk(jail, str(file_tree), WalkOptions()) as walk:
        for directory in walk:
            if directory.path:
                break
    assert len(os.listdir("/proc/self/fd")) == before
