"""Edit TOML (Codex's `config.toml`) with tomlkit, which keeps comments, order and blank lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import AoT, Comment, InlineTable, Item, Table, Whitespace

from moorings.formats.base import FormatError, named_item, require_path, same_value
from moorings.formats.text import Habits

Trivia = Comment | Whitespace  # what a table's body holds besides its entries
TableLike = Container | Table | InlineTable | OutOfOrderTableProxy
_TABLES = (Container, Table, InlineTable, OutOfOrderTableProxy)


class TomlDocument:
    def __init__(self, text: str) -> None:
        self._original = text
        self._habits, body = Habits.split(text)
        self._doc = _parse(body)
        self._changed = False

    def text(self) -> str:
        return self._habits.restore(self._doc.as_string()) if self._changed else self._original

    def get(self, path: Sequence[str]) -> object | None:
        found = self._lookup(path)
        return None if found is None else _plain(found)

    def set(self, path: Sequence[str], value: object) -> None:
        require_path(path)
        parent: TableLike = self._doc
        for depth, key in enumerate(path[:-1]):
            if key not in parent:
                self._put(
                    parent, key, _wrapped(path[depth + 1 :], value, inline=isinstance(parent, InlineTable))
                )
                return
            child = parent[key]
            if not isinstance(child, _TABLES):
                raise FormatError(
                    f"expected a table at {'.'.join(path[: depth + 1])}, found {_plain(child)!r}"
                )
            parent = child
        key = path[-1]
        if key not in parent or not same_value(_plain(parent[key]), value):
            self._put(parent, key, _item(value, inline=isinstance(parent, InlineTable)))

    def remove(self, path: Sequence[str]) -> bool:
        require_path(path)
        parent = self._lookup(path[:-1])
        if not isinstance(parent, _TABLES) or path[-1] not in parent:
            return False
        old = parent[path[-1]]
        if isinstance(old, (Table, AoT)) and isinstance(parent, (Container, Table)):
            _keep_comments_after(old, parent, path[-1])
        del parent[path[-1]]
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
        item_value = named_item(name, value, key)
        items = self._lookup(path)
        if items is None:
            self.set(path, [item_value])
            return
        if not isinstance(items, (AoT, list)):
            raise FormatError(f"expected a list at {'.'.join(path)}, found {_plain(items)!r}")
        index = _index_of(items, name, key)
        if index is not None and same_value(_plain(items[index]), item_value):
            return
        if not isinstance(items, AoT):
            new: Item = _inline(item_value)
        else:
            new = _table(item_value)
            _adopt_layout(new, None if index is None else items[index], items)
        if index is None:
            items.append(new)
        else:
            items[index] = new
        self._changed = True

    def _lookup(self, path: Sequence[str]) -> object | None:
        node: object = self._doc
        for key in path:
            if not isinstance(node, _TABLES) or key not in node:
                return None
            node = node[key]
        return node

    def _put(self, parent: TableLike, key: str, item: Item) -> None:
        if isinstance(item, (Table, AoT)):
            old = parent.get(key)
            _adopt_layout(item, old if isinstance(old, (Table, AoT)) else None, parent)
        parent[key] = item
        self._changed = True


def _parse(body: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(body)
    except ParseError as error:
        message = str(error).rsplit(f" at line {error.line} col {error.col}", 1)[0]
        raise FormatError(f"line {error.line}, column {error.col + 1}: {message}") from None
    except TOMLKitError as error:
        raise FormatError(str(error)) from None
    except RecursionError:
        raise FormatError("nested too deeply to read") from None


def _plain(node: object) -> object:
    unwrap = getattr(node, "unwrap", None)
    return unwrap() if callable(unwrap) else node


def _index_of(items: object, name: str, key: str) -> int | None:
    if not isinstance(items, (AoT, list)):
        return None
    for index, item in enumerate(items):
        plain = _plain(item)
        if isinstance(plain, dict) and same_value(plain.get(key), name):
            return index
    return None


def _item(value: object, *, inline: bool) -> Item:
    """Tables where TOML writes them with a header; inside them, inline tables and arrays."""
    if not inline and isinstance(value, Mapping):
        return _table(value)
    if (
        not inline
        and isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, Mapping) for v in value)
    ):
        return AoT([_table(v) for v in value])
    return _inline(value)


def _wrapped(path: Sequence[str], value: object, *, inline: bool) -> Item:
    """`value` under the keys of `path`: tables whose header is shown only where it holds values."""
    item = _item(value, inline=inline)
    for key in reversed(path):
        wrapper = (
            tomlkit.inline_table() if inline else tomlkit.table(is_super_table=isinstance(item, (Table, AoT)))
        )
        wrapper.append(key, item)
        item = wrapper
    return item


def _table(value: Mapping[str, object]) -> Table:
    table = tomlkit.table()
    for key, item in value.items():
        table.append(key, _inline(item))
    return table


def _inline(value: object) -> Item:
    if value is None:
        raise ValueError("TOML has no null value")
    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        for key, item in value.items():
            table.append(key, _inline(item))
        return table
    if isinstance(value, (list, tuple)):
        array = tomlkit.array()
        array.extend(_inline(item) for item in value)
        return array
    return tomlkit.item(value)


def _adopt_layout(new: Table | AoT, old: Table | AoT | None, parent: TableLike | AoT) -> None:
    """Lay out a new table as the one it replaces, or as the last table of its parent ended.

    The blank lines and comments that end a table's body are what stands before the next table
    (a `# the TUI` above `[tui]`): they move to the end of the new table, so they keep their place.
    """
    first, last = _first_table(new), _deepest_last(new) or _first_table(new)
    if old is not None:
        first.trivia.indent = _first_table(old).trivia.indent
        tail = _take_tail(_deepest_last(old))
    else:
        holder = _deepest_last(parent) if isinstance(parent, (Container, Table, AoT)) else None
        tail = [] if holder is None else _take_tail(holder)
        blank = _leading_blanks(tail)
        if holder is not None:
            for item in blank:
                holder.add(item)
        if not blank and not isinstance(parent, tomlkit.TOMLDocument):
            first.trivia.indent = "\n"  # set apart, as tomlkit does for a new top-level table
    for item in tail:
        last.add(item)


def _first_table(item: Table | AoT) -> Table:
    return item.body[0] if isinstance(item, AoT) else item


def _deepest_last(node: Container | Table | AoT) -> Table | None:
    """The table rendered last within `node` (itself, when it holds no tables)."""
    body = node.body if isinstance(node, (Container, AoT)) else node.value.body
    last = body[-1] if body else None
    child = last[1] if isinstance(last, tuple) else last
    if isinstance(child, (Table, AoT)):
        return _deepest_last(child)
    return node if isinstance(node, Table) else None


def _take_tail(table: Table | None) -> list[Trivia]:
    """Remove and return the blank lines and comments that end `table`'s body."""
    tail: list[Trivia] = []
    if table is None:
        return tail
    body = table.value.body
    while body and body[-1][0] is None and isinstance(body[-1][1], (Whitespace, Comment)):
        tail.insert(0, body.pop()[1])  # type: ignore[arg-type]  # checked just above
    return tail


def _leading_blanks(items: list[Trivia]) -> list[Trivia]:
    """Copies of the blank lines that begin `items`."""
    blanks: list[Trivia] = []
    for item in items:
        if not isinstance(item, Whitespace):
            break
        blanks.append(Whitespace(item.s))
    return blanks


def _keep_comments_after(removed: Table | AoT, parent: Container | Table, key: str) -> None:
    """Hand the comments that end a table about to go (those above the next table) to the table before it."""
    tail = _take_tail(_deepest_last(removed))
    comments = tail[len(_leading_blanks(tail)) :]
    body = parent.body if isinstance(parent, Container) else parent.value.body
    previous: Table | AoT | None = None
    for body_key, item in body:
        if body_key is not None and body_key.key == key:
            break
        if isinstance(item, (Table, AoT)):
            previous = item
    holder = None if previous is None else _deepest_last(previous)
    if holder is not None:
        for item in comments:
            holder.add(item)
