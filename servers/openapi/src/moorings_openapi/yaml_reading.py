"""Reading a YAML document as the JSON its author meant, quickly and within bounds.

PyYAML's C loader (`CSafeLoader`) reads it; keys stay the text they were written as (`200:` is
"200", `on:` is "on"), dates stay strings, `!!binary` its base64 text. Imported only for a YAML
document: a JSON one never loads PyYAML.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from moorings_openapi.documents import SpecError

__all__ = ["parse_yaml"]


def parse_yaml(data: bytes, label: str) -> Any:
    """Parse a YAML document into plain JSON data; SpecError with the line and column of a syntax error."""
    try:
        with _no_cycle_collection():
            tree = yaml.load(data, Loader=_JsonLikeLoader)  # noqa: S506 - a safe loader, subclassed
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise SpecError(label, "", f"not valid YAML{at}: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(label, "", f"not valid YAML: {exc}") from None
    _refuse_alias_expansion(tree, label, limit=_MIN_VALUES + len(data))
    return tree


try:
    from yaml import CSafeLoader as _YamlBase
except ImportError:  # PyYAML built without libyaml: the same results, several times slower
    from yaml import SafeLoader as _YamlBase  # type: ignore[assignment]


class _JsonLikeLoader(_YamlBase):
    """YAML read as the JSON the author meant: keys as written, dates as strings, bytes as text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # `<<` merge keys, as the safe loader does
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "expected a string as a mapping key", key_node.start_mark
                )
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping


# Drop the timestamp rule: `2024-05-01` stays the string it was written as.
_JsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _YamlBase.yaml_implicit_resolvers.items()
}
# `!!binary` stays its base64 text and `!!set` is a mapping: JSON has neither bytes nor sets.
_JsonLikeLoader.yaml_constructors = {
    **_YamlBase.yaml_constructors,
    "tag:yaml.org,2002:binary": _YamlBase.construct_scalar,
    "tag:yaml.org,2002:set": _YamlBase.construct_yaml_map,
}


_MIN_VALUES = 100_000


def _refuse_alias_expansion(tree: Any, label: str, *, limit: int) -> None:
    """Refuse a YAML tree that is larger, written out, than `limit` values.

    A YAML alias repeats a node without repeating its text, so a few lines can stand for a billion
    values (an alias bomb) or for a node nested in itself; everything that writes the document out
    (JSON Schemas, the document resource) would then run out of time or memory. Written without
    aliases, a value takes at least a byte of text, so a document's own size bounds its real ones.
    """
    values = 0
    stack = [tree]
    while stack:
        node = stack.pop()
        values += 1
        if values > limit:
            raise SpecError(
                label,
                "",
                f"its YAML aliases (*name) make it more than {limit:,} values written out: an alias bomb "
                "or a node nested in itself; write the repeated parts out, or use $ref",
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused, as a large YAML document is read.

    PyYAML makes a node object, and marks, for every value before it makes the value itself: for a
    670 KB document, over a hundred thousand objects that the collector would scan again and again
    as they accumulate (2.0 s with it, 0.6 s without). Reading makes no garbage cycles for it to
    find; unused objects are freed by reference counting as always.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
