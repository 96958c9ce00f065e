"""JSON with comments read into a tree of spans: where each value, key and comma sits in the text.

What VS Code and Zed accept: `//` and `/* */` comments and trailing commas, on top of strict JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal, cast

from moorings.formats.base import located

# Host files are shallow; the cap keeps a hostile file from exhausting the recursion limit.
MAX_DEPTH = 200

_WHITESPACE = re.compile(r"[ \t\r\n]+")
_LINE_COMMENT = re.compile(r"//[^\r\n]*")  # the line break (either kind) is not part of the comment
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_STRING_RUN = re.compile(r'[^"\\\x00-\x1f]*')
_ESCAPE = re.compile(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')


TokenKind = Literal["{", "}", "[", "]", ":", ",", "string", "number", "word", "comment", "other"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    start: int
    end: int


@dataclass
class Entry:
    """An object's member or an array's item."""

    start: int  # where its key (or, in an array, its value) begins
    key: str | None
    value: Node
    comma: int | None  # offset of the comma that follows it


@dataclass
class Node:
    kind: Literal["object", "array", "scalar"]
    start: int
    end: int  # just past the closing bracket or the scalar's last character
    entries: list[Entry] = field(default_factory=list)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if match := _WHITESPACE.match(text, pos):
            pos = match.end()
            continue
        token = _token_at(text, pos)
        tokens.append(token)
        pos = token.end
    return tokens


def _token_at(text: str, pos: int) -> Token:
    char = text[pos]
    if char in "{}[]:,":
        return Token(cast("TokenKind", char), pos, pos + 1)
    if char == '"':
        return Token("string", pos, _string_end(text, pos))
    if text.startswith("//", pos):
        return Token("comment", pos, _end_of(_LINE_COMMENT, text, pos))
    if text.startswith("/*", pos):
        close = text.find("*/", pos + 2)
        if close < 0:
            raise located(text, pos, "unterminated comment: expected */")
        return Token("comment", pos, close + 2)
    if (match := _NUMBER.match(text, pos)) or (match := _WORD.match(text, pos)):
        return Token("number" if char in "-0123456789" else "word", pos, match.end())
    return Token("other", pos, pos + 1)


def _end_of(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where a pattern that cannot fail here (it matches the empty string, or its start was seen) ends."""
    match = pattern.match(text, pos)
    assert match is not None
    return match.end()


def _string_end(text: str, start: int) -> int:
    pos = start + 1
    while True:
        pos = _end_of(_STRING_RUN, text, pos)
        char = text[pos : pos + 1]
        if char == '"':
            return pos + 1
        if char == "\\":
            if not (escape := _ESCAPE.match(text, pos)):
                raise located(
                    text,
                    pos,
                    'invalid escape in string: expected one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX',
                )
            pos = escape.end()
        elif char in ("", "\n", "\r"):
            raise located(text, start, 'unterminated string: expected " before the end of the line')
        else:
            raise located(text, pos, f"control character {char!r} in string: expected it escaped")


def parse(text: str) -> Node | None:
    """The top-level value's tree; None when the text holds nothing but whitespace and comments."""
    tokens = [token for token in tokenize(text) if token.kind != "comment"]
    if not tokens:
        return None
    parser = _Parser(text, tokens)
    root = parser.value(depth=0)
    parser.expect_end()
    return root


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str, expected: str) -> Token:
        token = self.peek()
        if token is None or token.kind != kind:
            raise self.error(token, expected)
        self.index += 1
        return token

    def error(self, token: Token | None, expected: str) -> Exception:
        if token is None:
            return located(self.text, len(self.text), f"expected {expected}, found the end of the file")
        found = self.text[token.start : token.end]
        found = found if len(found) <= 24 else found[:20] + "…"
        return located(self.text, token.start, f"expected {expected}, found {found}")

    def expect_end(self) -> None:
        if (token := self.peek()) is not None:
            raise self.error(token, "the end of the file")

    def value(self, depth: int) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("{", "["):
            if depth >= MAX_DEPTH:
                raise located(self.text, token.start, f"nested deeper than {MAX_DEPTH} levels")
            self.index += 1
            return self.container(token, depth + 1)
        if token is not None and (
            token.kind in ("string", "number")
            or (token.kind == "word" and self.text[token.start : token.end] in ("true", "false", "null"))
        ):
            self.index += 1
            return Node("scalar", token.start, token.end)
        raise self.error(token, "a value")

    def container(self, opening: Token, depth: int) -> Node:
        is_object = opening.kind == "{"
        closing = "}" if is_object else "]"
        node = Node("object" if is_object else "array", opening.start, opening.end)
        while (token := self.peek()) is None or token.kind != closing:
            if is_object:
                key = self.take("string", f"a string key or {closing}")
                self.take(":", ":")
                entry = Entry(key.start, json.loads(self.text[key.start : key.end]), self.value(depth), None)
            else:
                start = token.start if token else len(self.text)
                entry = Entry(start, None, self.value(depth), None)
            node.entries.append(entry)
            after = self.peek()
            if after is not None and after.kind == ",":
                entry.comma = after.start
                self.index += 1
            elif after is None or after.kind != closing:
                raise self.error(after, f", or {closing}")
        self.index += 1
        node.end = token.end
        return node


def to_plain(text: str, node: Node) -> object:
    """The Python value a JSON parser gives for `node` (the last of duplicate keys wins)."""
    if node.kind == "object":
        return {entry.key: to_plain(text, entry.value) for entry in node.entries}
    if node.kind == "array":
        return [to_plain(text, entry.value) for entry in node.entries]
    return json.loads(text[node.start : node.end])


def strip_comments(text: str) -> str:
    """Plain JSON with the same data: comments and trailing commas left out."""
    tokens = [token for token in tokenize(text) if token.kind != "comment"]
    kept = [
        token
        for token, after in zip(tokens, [*tokens[1:], None], strict=True)
        if not (token.kind == "," and after is not None and after.kind in ("}", "]"))
    ]
    return " ".join(text[token.start : token.end] for token in kept)
