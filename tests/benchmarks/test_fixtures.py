"""The filesystem benchmarks' fixture: the tree the scenarios count on, the same every time, cached."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.fixtures import NEEDLE, TreeSpec, ensure_fixture

TINY = TreeSpec(
    files=400, subtree_files=60, wide_entries=45, big_file_bytes=64 * 1024, test_files=7, needle_files=3
)


def files_under(directory: Path) -> list[Path]:
    return [Path(parent, name) for parent, _, names in os.walk(directory) for name in names]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in files_under(root)}


def test_the_tree_holds_exactly_what_the_scenarios_count_on(tmp_path: Path) -> None:
    fixture = ensure_fixture(TINY, tmp_path)

    tree = files_under(fixture.tree)
    assert len(tree) == 400
    assert len(files_under(fixture.subtree)) == 60
    assert len(list(fixture.wide.iterdir())) == 45
    tests = [path for path in tree if path.name.startswith("test_") and path.suffix == ".py"]
    needles = [path for path in tree if path.is_file() and NEEDLE.encode() in path.read_bytes()]
    assert len(tests) == 7
    assert len(needles) == 3
    assert all(path.read_bytes().count(NEEDLE.encode()) == 1 for path in needles)
    # What the searches find lies outside what .gitignore excludes, so every tool finds the same.
    assert (fixture.tree / ".gitignore").read_text().splitlines()[1] == "build/"
    assert any((fixture.tree / "build").rglob("*"))
    assert not [path for path in (*tests, *needles) if "build" in path.relative_to(fixture.tree).parts]


def test_the_tree_is_nested_and_mixed_like_a_real_one(tmp_path: Path) -> None:
    fixture = ensure_fixture(TINY, tmp_path)

    tree = files_under(fixture.tree)
    depths = {len(path.relative_to(fixture.tree).parts) for path in tree}
    sizes = [path.stat().st_size for path in tree]
    assert max(depths) >= 4
    assert len({path.suffix for path in tree}) >= 8
    assert max(sizes) > 10 * sorted(sizes)[len(sizes) // 2]  # a long tail of bigger files
    assert any(b"\x00" in path.read_bytes() for path in tree)  # some binary files


def test_the_big_file_is_about_the_size_asked_and_ends_with_distinct_lines(tmp_path: Path) -> None:
    fixture = ensure_fixture(TINY, tmp_path)

    data = fixture.big_file.read_bytes()
    assert 60 * 1024 < len(data) < 68 * 1024
    assert data.endswith(b"closing line 20 of the log\n")
    assert data.splitlines()[0] != data.splitlines()[-1]


def test_the_same_spec_gives_the_same_tree_byte_for_byte(tmp_path: Path) -> None:
    first = ensure_fixture(TINY, tmp_path / "one")
    second = ensure_fixture(TINY, tmp_path / "two")
    other_seed = ensure_fixture(TreeSpec(**{**TINY.__dict__, "seed": 5}), tmp_path / "three")

    assert snapshot(first.root) == snapshot(second.root)
    assert snapshot(first.root) != snapshot(other_seed.root)


def test_a_fixture_is_generated_once_then_reused_and_leaves_no_scratch(tmp_path: Path) -> None:
    fixture = ensure_fixture(TINY, tmp_path)
    (fixture.root / "left-by-the-first-run").touch()

    again = ensure_fixture(TINY, tmp_path)

    assert again.root == fixture.root
    assert (again.root / "left-by-the-first-run").exists()
    assert [path.name for path in tmp_path.iterdir()] == [fixture.root.name]


def test_a_changed_spec_gets_its_own_folder(tmp_path: Path) -> None:
    small = ensure_fixture(TINY, tmp_path)
    wider = ensure_fixture(TreeSpec(**{**TINY.__dict__, "wide_entries": 50}), tmp_path)

    assert small.root != wider.root
    assert len(list(wider.wide.iterdir())) == 50


def test_a_spec_with_no_room_for_its_matches_is_refused() -> None:
    with pytest.raises(ValueError, match="leaves no room"):
        TreeSpec(files=100, subtree_files=50, test_files=40)
