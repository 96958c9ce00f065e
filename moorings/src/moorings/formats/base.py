"""What every format's document offers, and the one error a host's unreadable file raises."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

BOM = "\ufeff"


class FormatError(Exception):
    """The existing text cannot be read (or has the wrong shape for the edit): says where and why."""


def located(text: str, offset: int, message: str) -> FormatError:
    """A FormatError naming the 1-based line and column of `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return FormatError(f"line {line}, column {column}: {message}")


class ConfigDocument(Protocol):
    """A host's config file, parsed so that edits keep everything they do not touch."""

    def get(self, path: Sequence[str]) -> object | None:
        """The plain value (dict, list, str, int, float, bool) at `path`; None when absent."""
        ...

    def set(self, path: Sequence[str], value: object) -> None:
        """Put `value` at `path`, creating missing parents; an existing value is replaced where it is."""
        ...

    def remove(self, path: Sequence[str]) -> bool:
        """Delete the entry at `path`; False when there was none."""
        ...

    def get_named(self, path: Sequence[str], name: str, key: str = "name") -> object | None:
        """In the list of mappings at `path`, the first item whose `key` is `name`."""
        ...

    def set_named(
        self, path: Sequence[str], name: str, value: Mapping[str, object], key: str = "name"
    ) -> None:
        """Replace that item where it is, or append `value` (creating the list)."""
        ...

    def text(self) -> str:
        """The whole document with the edits made."""
        ...


def same_value(a: object, b: object) -> bool:
    """Equal and of the same types all the way down (so 1, 1.0 and True stay different)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and isinstance(b, Mapping)
            and a.keys() == b.keys()
            and all(same_value(a[k], b[k]) for k in a)
        )
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (
            isinstance(a, (list, tuple))
            and isinstance(b, (list, tuple))
            and len(a) == len(b)
            and all(same_value(x, y) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b


def nest(path: Sequence[str], value: object) -> object:
    """`value` wrapped in one single-key dict per element of `path`, innermost last."""
    for key in reversed(path):
        value = {key: value}
    return value


def require_path(path: Sequence[str]) -> None:
    if not path:
        raise ValueError("an edit needs a non-empty key path")
    if isinstance(path, str):
        raise TypeError("a key path is a sequence of keys, not one string")


def named_item(name: str, value: Mapping[str, object], key: str) -> dict[str, object]:
    """The list item to store for `name`: `value`, its `key` set to `name` (first, when it was missing)."""
    if key in value and value[key] != name:
        raise ValueError(f"the item's {key!r} is {value[key]!r}, not {name!r}")
    return dict(value) if key in value else {key: name, **value}
