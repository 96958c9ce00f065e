"""Edit YAML (Goose's and Continue's `config.yaml`) with ruamel.yaml's round trip.

ruamel keeps comments, key order and quotes; what it cannot know, it is told: the indentation the file
uses, a `---` line and what stands above it, and that long lines stay long. A comment below the last
entry of a block is stored on that entry's last value, so an edit there carries it along (`comments`).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Mapping, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from moorings.formats.base import FormatError, named_item, nest, require_path, same_value
from moorings.formats.text import Habits
from moorings.formats.yaml_comments import carry_comments, comments_below

_START = re.compile(
    r"\A(?:[ \t]*(?:#[^\n]*|%[^\n]*)?\n)*---[ \t]*(?:#[^\n]*)?(?:\n|\Z)"
)  # up to a bare `---`
_KEY_LINE = re.compile(r"^(?P<indent> *)(?:- +)?[^#\s][^#]*:[ \t]*(?:#.*)?$")
_ITEM_LINE = re.compile(r"^(?P<indent> *)(?P<dash>- +)")


class YamlDocument:
    def __init__(self, text: str) -> None:
        self._original = text
        self._habits, body = Habits.split(text)
        start = _START.match(body)
        self._prelude = start.group() if start else ""
        self._yaml = _round_trip(body)
        root = _load(self._yaml, body[len(self._prelude) :], self._prelude.count("\n"))
        if root is None:  # blank, or only comments: they stay above what is added
            self._prelude = body.rstrip() + "\n" if body.strip() else ""
            root = CommentedMap()
        if not isinstance(root, CommentedMap):
            raise FormatError(f"line 1, column 1: expected a mapping at the top level, found {_kind(root)}")
        self._root = root
        self._changed = False

    def text(self) -> str:
        if not self._changed:
            return self._original
        out = io.StringIO()
        self._yaml.dump(self._root, out)
        return self._habits.restore(self._prelude + out.getvalue())

    def get(self, path: Sequence[str]) -> object | None:
        return _plain(self._lookup(path))

    def set(self, path: Sequence[str], value: object) -> None:
        require_path(path)
        parent = self._root
        for depth, key in enumerate(path[:-1]):
            child = parent.get(key)
            if child is None:  # absent, or `key:` with nothing after it
                self._put(parent, key, nest(path[depth + 1 :], value))
                return
            if not isinstance(child, CommentedMap):
                raise _shape_error(parent, key, "a mapping", path[: depth + 1])
            parent = child
        if path[-1] not in parent or not same_value(_plain(parent[path[-1]]), value):
            self._put(parent, path[-1], value)

    def remove(self, path: Sequence[str]) -> bool:
        require_path(path)
        parent = self._lookup(path[:-1])
        if not isinstance(parent, CommentedMap) or path[-1] not in parent:
            return False
        keys = list(parent)
        index = keys.index(path[-1])
        below = comments_below(parent, path[-1])
        del parent[path[-1]]
        if index > 0 and below:  # what stood below the last entry stays below the one before it
            carry_comments(below, parent, keys[index - 1])
        self._changed = True
        return True

    def get_named(self, path: Sequence[str], name: str, key: str = "name") -> object | None:
        items = self._lookup(path)
        index = _index_of(items, name, key)
        return None if index is None else _plain(items[index])  # type: ignore[index]

    def set_named(
        self, path: Sequence[str], name: str, value: Mapping[str, object], key: str = "name"
    ) -> None:
        require_path(path)
        item = named_item(name, value, key)
        items = self._lookup(path)
        if items is None:
            self.set(path, [item])
            return
        if not isinstance(items, CommentedSeq):
            parent = self._lookup(path[:-1])
            assert isinstance(parent, CommentedMap)
            raise _shape_error(parent, path[-1], "a list", path)
        index = _index_of(items, name, key)
        if index is None:
            self._put(items, len(items), item)
        elif not same_value(_plain(items[index]), item):
            self._put(items, index, item)

    def _lookup(self, path: Sequence[str]) -> object | None:
        node: object = self._root
        for key in path:
            if not isinstance(node, CommentedMap):
                return None
            node = node.get(key)
        return node

    def _put(self, parent: CommentedMap | CommentedSeq, key: str | int, value: object) -> None:
        """Set or append, moving the comments below the entry replaced (or the last one) below the new."""
        new = _commented(value)
        replacing = key < len(parent) if isinstance(key, int) else key in parent
        below = None
        if replacing:
            below = comments_below(parent, key)
        elif parent:
            below = comments_below(
                parent, list(parent)[-1] if isinstance(parent, CommentedMap) else len(parent) - 1
            )
        if isinstance(parent, CommentedSeq) and not replacing:
            parent.append(new)
        else:
            parent[key] = new
        if below:
            carry_comments(below, parent, key)
        self._changed = True


def _round_trip(body: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # a long command line stays on its line
    yaml.indent(**_indentation(body))
    return yaml


def _load(yaml: YAML, body: str, line_offset: int) -> object:
    try:
        return yaml.load(body)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = "" if mark is None else f"line {mark.line + 1 + line_offset}, column {mark.column + 1}: "
        problem = error.problem or error.context or "unreadable YAML"
        if "another document" in problem:
            problem = "expected one document, found a second (`---`)"
        raise FormatError(f"{where}{problem}") from None
    except (YAMLError, RecursionError) as error:
        raise FormatError(f"unreadable YAML: {error or 'nested too deeply'}") from None


def _indentation(body: str) -> dict[str, int]:
    """The file's own indentation: of mappings, of `-` within their parent, and of an item's content."""
    lines = [line for line in body.split("\n") if line.strip() and not line.lstrip().startswith("#")]
    mapping: int | None = None
    offset: int | None = None
    dash = 2
    for line, following in itertools.pairwise(lines):
        key = _KEY_LINE.match(line)
        if key is None:
            continue
        key_column = len(line) - len(line.lstrip(" -"))
        item = _ITEM_LINE.match(following)
        following_column = len(following) - len(following.lstrip(" "))
        if item is not None and offset is None and following_column >= key_column:
            offset, dash = following_column - key_column, len(item.group("dash"))
        elif item is None and mapping is None and following_column > key_column:
            mapping = following_column - key_column
    mapping = mapping or 2
    offset = 0 if offset is None else offset
    return {"mapping": mapping, "sequence": offset + dash, "offset": offset}


def _commented(value: object) -> object:
    """ruamel's own collections, which carry comments (moved onto them) and block style."""
    if isinstance(value, Mapping):
        return CommentedMap((key, _commented(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return CommentedSeq(_commented(item) for item in value)
    return value


def _plain(node: object) -> object:
    if isinstance(node, Mapping):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, (bool, ScalarBoolean)):
        return bool(node)
    for kind in (int, float, str):  # ruamel's scalar subclasses, which remember their spelling
        if isinstance(node, kind):
            return kind(node)
    return node


def _index_of(items: object, name: str, key: str) -> int | None:
    if isinstance(items, CommentedSeq):
        for index, item in enumerate(items):
            if isinstance(item, CommentedMap) and same_value(_plain(item.get(key)), name):
                return index
    return None


def _kind(node: object) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    return "a list" if isinstance(node, list) else f"the single value {_plain(node)!r}"


def _shape_error(parent: CommentedMap, key: str, expected: str, path: Sequence[str]) -> FormatError:
    line, column = parent.lc.value(key)
    found = _kind(parent[key])
    return FormatError(
        f"line {line + 1}, column {column + 1}: expected {expected} at {'.'.join(path)}, found {found}"
    )
