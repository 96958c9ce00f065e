"""Edit JSON with comments by splicing text: only the span being changed is rewritten."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from moorings.formats.base import BOM, located, named_item, nest, require_path, same_value
from moorings.formats.jsonc_syntax import Entry, Node, parse, to_plain

_COMMENTS_ON_LINE = re.compile(r"(?:[ \t]*(?://[^\r\n]*|/\*.*?\*/))*", re.DOTALL)
_DEFAULT_UNIT = "  "

Splice = tuple[int, int, str]  # replace text[start:end] with the string


class JsoncDocument:
    def __init__(self, text: str) -> None:
        self._bom = BOM if text.startswith(BOM) else ""
        self._text = text[len(self._bom) :]
        self._root = parse(self._text)
        if self._root is not None and self._root.kind != "object":
            raise located(
                self._text,
                self._root.start,
                f"expected an object at the top level, found {_kind(self._root)}",
            )
        self._newline = _newline_of(self._text)
        self._unit = self._detect_unit()

    def text(self) -> str:
        return self._bom + self._text

    def get(self, path: Sequence[str]) -> object | None:
        node = self._node(path)
        return None if node is None else to_plain(self._text, node)

    def set(self, path: Sequence[str], value: object) -> None:
        require_path(path)
        _render(
            value, "  ", "", "\n", multiline=False
        )  # refuses what JSON cannot hold before anything changes
        if self._root is None:
            self._start_root(nest(path, value))
            return
        node = self._root
        for depth, key in enumerate(path):
            entry = _last_member(node, key)
            if entry is None:
                self._add_entry(node, key, nest(path[depth + 1 :], value))
                return
            if depth == len(path) - 1:
                self._replace(node, entry, value)
                return
            node = self._object_at(entry.value, path[: depth + 1])

    def remove(self, path: Sequence[str]) -> bool:
        require_path(path)
        parent = self._node(path[:-1])
        if parent is None or parent.kind != "object" or _last_member(parent, path[-1]) is None:
            return False
        # Every duplicate goes, so that the key is absent afterwards, not its earlier value revealed.
        while parent is not None and (entry := _last_member(parent, path[-1])) is not None:
            self._splice(self._deletion(parent, entry))
            parent = self._node(path[:-1])
        return True

    def get_named(self, path: Sequence[str], name: str, key: str = "name") -> object | None:
        node = self._node(path)
        item = None if node is None else self._named(node, name, key)
        return None if item is None else to_plain(self._text, item.value)

    def set_named(
        self, path: Sequence[str], name: str, value: Mapping[str, object], key: str = "name"
    ) -> None:
        require_path(path)
        item_value = named_item(name, value, key)
        node = self._node(path)
        if node is None:
            self.set(path, [item_value])
            return
        if node.kind != "array":
            raise located(self._text, node.start, f"expected a list at {'.'.join(path)}, found {_kind(node)}")
        item = self._named(node, name, key)
        if item is None:
            self._add_entry(node, None, item_value)
        else:
            self._replace(node, item, item_value)

    # Finding

    def _node(self, path: Sequence[str]) -> Node | None:
        node = self._root
        for key in path:
            entry = None if node is None or node.kind != "object" else _last_member(node, key)
            node = None if entry is None else entry.value
        return node

    def _object_at(self, node: Node, path: Sequence[str]) -> Node:
        if node.kind != "object":
            raise located(
                self._text, node.start, f"expected an object at {'.'.join(path)}, found {_kind(node)}"
            )
        return node

    def _named(self, array: Node, name: str, key: str) -> Entry | None:
        for item in array.entries:
            member = _last_member(item.value, key) if item.value.kind == "object" else None
            if member is not None and same_value(to_plain(self._text, member.value), name):
                return item
        return None

    # Editing

    def _splice(self, splices: list[Splice]) -> None:
        """Apply edits given in text order, from the last so that earlier offsets stay true; then re-read."""
        text = self._text
        for start, end, new in reversed(splices):
            text = text[:start] + new + text[end:]
        self._root = parse(text)
        self._text = text

    def _replace(self, container: Node, entry: Entry, value: object) -> None:
        if same_value(to_plain(self._text, entry.value), value):
            return  # the file keeps its own spelling of an unchanged value
        indent = _line_lead(self._text, entry.start)
        rendered = _render(value, self._unit, indent, self._newline, self._is_multiline(container))
        self._splice([(entry.value.start, entry.value.end, rendered)])

    def _add_entry(self, container: Node, key: str | None, value: object) -> None:
        text = self._text
        indent = self._entry_indent(container)
        multiline = self._is_multiline(container)
        rendered = _render(value, self._unit, indent, self._newline, multiline)
        new = rendered if key is None else f"{json.dumps(key, ensure_ascii=False)}: {rendered}"
        if not container.entries:
            self._splice([self._fill_empty(container, new, indent)])
            return
        last = container.entries[-1]
        # After the last entry's comments on its line, so that a `// note` cannot swallow what follows.
        at = _after_comments(text, last.value.end if last.comma is None else last.comma + 1)
        separator = self._newline + indent if multiline else " "
        if last.comma is not None:  # the file uses trailing commas: so does the new last entry
            self._splice([(at, at, separator + new + ",")])
        else:
            self._splice([(last.value.end, last.value.end, ","), (at, at, separator + new)])

    def _fill_empty(self, container: Node, new: str, indent: str) -> Splice:
        inside_start, close = container.start + 1, container.end - 1
        at = inside_start + len(self._text[inside_start:close].rstrip(" \t\r\n"))  # after any comments
        if "\n" in self._text[at:close]:
            return (at, at, self._newline + indent + new)
        closing_indent = _line_lead(self._text, container.start)
        return (at, close, self._newline + indent + new + self._newline + closing_indent)

    def _deletion(self, container: Node, entry: Entry) -> list[Splice]:
        text = self._text
        end = _after_comments(text, entry.value.end if entry.comma is None else entry.comma + 1)
        blanks_after = _skip_blanks(text, end)
        line_break = _line_break_at(text, blanks_after)
        indent = _line_indent(text, entry.start)
        if indent is not None and (line_break or blanks_after == len(text)):
            span = (entry.start - len(indent), blanks_after + len(line_break))  # its whole lines
        elif entry.comma is not None:
            span = (entry.start, blanks_after)
        else:
            span = (len(text[: entry.start].rstrip(" \t")), end)  # with the blanks before it
        index = container.entries.index(entry)
        if len(container.entries) == 1:
            rest = text[container.start + 1 : span[0]] + text[span[1] : container.end - 1]
            if not rest.strip():
                return [(container.start + 1, container.end - 1, "")]  # nothing left: `{}`
        previous = container.entries[index - 1] if index > 0 else None
        if entry.comma is None and previous is not None and previous.comma is not None:
            return [(previous.comma, previous.comma + 1, ""), (span[0], span[1], "")]
        return [(span[0], span[1], "")]

    def _start_root(self, value: object) -> None:
        """The first value of a file that had none (empty, or only comments)."""
        before = self._text.rstrip()
        rendered = _render(value, self._unit, "", self._newline, multiline=True)
        self._splice(
            [(0, len(self._text), (before + self._newline if before else "") + rendered + self._newline)]
        )

    # Layout

    def _detect_unit(self) -> str:
        if self._root is not None:
            for entry in self._root.entries:
                if indent := _line_indent(self._text, entry.start):
                    return indent[len(_line_lead(self._text, self._root.start)) :] or _DEFAULT_UNIT
        return _DEFAULT_UNIT

    def _is_multiline(self, container: Node) -> bool:
        return not container.entries or "\n" in self._text[container.start : container.end]

    def _entry_indent(self, container: Node) -> str:
        if (
            container.entries
            and (indent := _line_indent(self._text, container.entries[-1].start)) is not None
        ):
            return indent
        return _line_lead(self._text, container.start) + self._unit


def _last_member(node: Node, key: str) -> Entry | None:
    """The member a JSON parser would read: the last of duplicates."""
    return next((entry for entry in reversed(node.entries) if entry.key == key), None)


def _kind(node: Node) -> str:
    return {"object": "an object", "array": "a list"}.get(node.kind, "a single value")


def _render(value: object, unit: str, indent: str, newline: str, multiline: bool) -> str:
    if not multiline:
        return _compact(value)
    return _pretty(value, unit, indent, newline)


WIDTH = 100
"""A list of plain values stays on one line up to this width, as people write `args` by hand."""


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _pretty(value: object, unit: str, indent: str, newline: str) -> str:
    inner = indent + unit
    if isinstance(value, dict) and value:
        members = [
            f"{_compact(str(key))}: {_pretty(item, unit, inner, newline)}" for key, item in value.items()
        ]
        return "{" + newline + inner + ("," + newline + inner).join(members) + newline + indent + "}"
    if isinstance(value, list) and value:
        flat = _compact(value)
        if not any(isinstance(item, (dict, list)) for item in value) and len(inner) + len(flat) <= WIDTH:
            return flat
        items = [_pretty(item, unit, inner, newline) for item in value]
        return "[" + newline + inner + ("," + newline + inner).join(items) + newline + indent + "]"
    return _compact(value)


def _after_comments(text: str, pos: int) -> int:
    """Past the comments that follow `pos` on its line (not past the blanks after them)."""
    match = _COMMENTS_ON_LINE.match(text, pos)
    return pos if match is None else match.end()


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_lead(text: str, pos: int) -> str:
    """The blanks that begin the line `pos` is on."""
    start = _line_start(text, pos)
    return text[start : _skip_blanks(text, start)]


def _line_indent(text: str, pos: int) -> str | None:
    """The blanks before `pos` on its line, or None when something else comes first."""
    before = text[_line_start(text, pos) : pos]
    return before if not before.strip(" \t") else None


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _newline_of(text: str) -> str:
    """The line break the file uses (its first one), for the lines an edit adds."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _line_break_at(text: str, pos: int) -> str:
    for line_break in ("\r\n", "\n"):
        if text.startswith(line_break, pos):
            return line_break
    return ""
