"""The comments ruamel.yaml files under the last value of a block.

ruamel stores the comment lines (and blank lines) below a block on the block's deepest last entry, as
the rest of that entry's end-of-line comment. Such lines stand before what follows the block, so when
an entry is appended after the block, or the block replaced, they move to the new last entry.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

Block = CommentedMap | CommentedSeq
Key = str | int


def comments_below(block: Block, key: Key) -> str | None:
    """Take away the lines below the entry at `key`, leaving its own end-of-line comment."""
    holder, slot = _deepest_last(block, key)
    entry = holder.ca.items.get(slot)
    index = _comment_index(holder)
    token = entry[index] if entry is not None and len(entry) > index else None
    if not isinstance(token, CommentToken):
        return None
    own_line, _, below = token.value.partition("\n")
    if not below:
        return None
    if own_line.strip():
        token.value = own_line + "\n"
    else:
        entry[index] = None
    return str(below)


def carry_comments(below: str, block: Block, key: Key) -> None:
    """Put `below` under the entry at `key` (after its end-of-line comment, if it has one)."""
    holder, slot = _deepest_last(block, key)
    index = _comment_index(holder)
    entry = holder.ca.items.setdefault(slot, [None] * (index + 2))
    token = entry[index]
    if isinstance(token, CommentToken):
        token.value = token.value.rstrip("\n") + "\n" + below
    else:
        entry[index] = CommentToken("\n" + below, CommentMark(0), None)


def _deepest_last(block: Block, key: Key) -> tuple[Block, Key]:
    """The entry whose comment slot holds what is below `block[key]`: its last value's, recursively."""
    value = block[key]
    while isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
        block, key = value, (list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
        value = block[key]
    return block, key


def _comment_index(block: Block) -> int:
    return 2 if isinstance(block, CommentedMap) else 0
