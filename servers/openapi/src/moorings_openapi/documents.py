"""The files an OpenAPI document is made of: read once, parsed into plain JSON data, confined.

A spec is one document, or several when its `$ref`s name other files (`schemas/pet.yaml#/Pet`).
`Documents` holds them by absolute URI (`file:///...`, `https://...`), each parsed once however often
it is referenced, and `load_referenced` reads every file the loaded ones reach before anything
else looks at them, so that following a `$ref` afterwards never reads or waits.

What a `$ref` may reach is confined, because a spec can come from anywhere and its refs are
written by whoever wrote it:

- a spec read from a file may name files under that file's own directory, nothing else: no
  `../` escape, no absolute path, no symlink leading out (checked by the core's `PathJail`), no URL;
- a spec read from a URL may name URLs of the same origin (scheme, host and port), nothing else,
  fetched by the caller's `read_url`, which applies the network policy.

Parsing tries JSON first (the stdlib parser is fast and most large specs are JSON), then YAML with
PyYAML's C loader. YAML is read so that the result is what the JSON spelling would give: mapping
keys stay the text they were written as (`200:` is "200", `on:` is "on", not an int and a bool) and
dates stay strings, since nothing in OpenAPI means a YAML timestamp.

Every problem is a `SpecError`, one line naming the file, the place in it and what is wrong.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from moorings_core.errors import MooringsError
from moorings_core.sandbox.paths import PathJail
from moorings_openapi.refs import child

__all__ = ["Documents", "ReadUrl", "SpecError", "parse_document", "type_name"]

ReadUrl = Callable[[str], Awaitable[bytes]]
"""Reads the body at a URL (the server's passes the network policy's checks)."""


class SpecError(Exception):
    """A document cannot be used as it is: one line for the operator, who must fix it.

    `str(error)` reads `petstore.yaml at /paths/~1pets/get/responses: expected an object, got a list`.
    """

    def __init__(self, document: str, pointer: str, problem: str) -> None:
        self.document = document
        """The file or URL, as the operator knows it."""
        self.pointer = pointer
        """Where in it, as a JSON pointer (`/paths/~1pets/get`); "" for the document as a whole."""
        self.problem = problem
        where = f"{document} at {pointer}" if pointer else document
        super().__init__(f"{where}: {problem}")


def type_name(value: Any) -> str:
    """How a message names the JSON type of a value: "an object", "a list", ..."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__


# -- parsing --------------------------------------------------------------------------------------


def parse_document(data: bytes, label: str) -> Any:
    """Parse a JSON or YAML document into plain JSON data (dicts with string keys, lists, scalars).

    Raises SpecError with the line and column of a syntax error.
    """
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"["):
        try:
            return json.loads(data)
        except json.JSONDecodeError as exc:
            if label.lower().endswith(".json"):
                raise SpecError(
                    label, "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
                ) from None
        except UnicodeDecodeError as exc:
            raise SpecError(label, "", f"not UTF-8 text: {exc.reason}") from None
        except RecursionError:
            raise SpecError(label, "", "nested too deeply to be read (over a thousand levels)") from None
        # Not JSON after all; YAML flow style (`{openapi: 3.1.0}`) starts the same way.
    from moorings_openapi.yaml_reading import parse_yaml  # only YAML documents pay for PyYAML

    return parse_yaml(data, label)


# A `$ref` whose value does not start with `#`: the cheap test that tells whether a document
# names other files, so the walk that finds them is skipped for the common one-file spec.
_EXTERNAL_REF = re.compile(rb"""\$ref["']?\s*:\s*["']?(?=[^#"'\s])""")


# -- the documents of one spec --------------------------------------------------------------------


class Documents:
    """The documents of one spec, parsed, by absolute URI; the first is the spec itself."""

    def __init__(self, source: str, *, read_url: ReadUrl | None = None) -> None:
        """`source` is a file path or an http(s) URL, as the operator gave it."""
        self.source = source
        self._read_url = read_url
        self._trees: dict[str, Any] = {}
        self._may_name_others: dict[str, bool] = {}
        if _is_url(source):
            self.root = urllib.parse.urldefrag(source).url
            self._jail: PathJail | None = None
        else:
            path = Path(source).resolve()
            self.root = path.as_uri()
            self._jail = PathJail([path.parent], read_only=True)

    @property
    def trees(self) -> Mapping[str, Any]:
        """Every loaded document's parsed content, by URI."""
        return self._trees

    def label(self, uri: str) -> str:
        """How messages name a document: the spec as given, others relative to its directory."""
        if uri == self.root:
            return self.source
        if self._jail is not None and uri.startswith("file:"):
            path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(uri).path))
            try:
                return path.relative_to(self._jail.roots[0]).as_posix()
            except ValueError:
                return str(path)
        return uri

    def error(self, uri: str, pointer: str, problem: str) -> SpecError:
        """A SpecError at `pointer` (a JSON pointer, `#` or not) in the document `uri`."""
        return SpecError(self.label(uri), pointer.removeprefix("#"), problem)

    def locate(self, ref: str, *, base: str, pointer: str) -> tuple[str, str]:
        """The document URI and the fragment a `$ref` written at `pointer` in `base` names.

        Refuses, with a SpecError at the ref, a document outside what the spec may reach.
        """
        if ref.startswith("#"):  # most refs: skip the URL parsing
            return base, urllib.parse.unquote(ref[1:])
        target, fragment = urllib.parse.urldefrag(urllib.parse.urljoin(base, ref))
        fragment = urllib.parse.unquote(fragment)
        if target == base:
            return base, fragment
        if self._jail is None:
            return self._same_origin(target, ref=ref, base=base, pointer=pointer), fragment
        return self._inside_directory(self._jail, target, ref=ref, base=base, pointer=pointer), fragment

    def _same_origin(self, target: str, *, ref: str, base: str, pointer: str) -> str:
        origin = _origin(self.root)
        if not _is_url(target) or _origin(target) != origin:
            raise self.error(
                base,
                pointer,
                f"$ref {ref!r} leaves the spec's origin {origin[0]}://{origin[1]}:{origin[2]}: "
                "refs may only name documents on the same scheme, host and port",
            )
        return target

    def _inside_directory(self, jail: PathJail, target: str, *, ref: str, base: str, pointer: str) -> str:
        parts = urllib.parse.urlsplit(target)
        path = Path(urllib.request.url2pathname(parts.path))
        if parts.scheme != "file" or not jail.is_inside(path):
            kind = "a file" if parts.scheme == "file" else "a URL"
            raise self.error(
                base,
                pointer,
                f"$ref {ref!r} names {kind} outside the spec's directory {jail.roots[0]}: "
                "refs may only name files under it",
            )
        return Path(os.path.realpath(path)).as_uri()

    async def load(self, uri: str, *, referrer: tuple[str, str, str] | None = None) -> Any:
        """Read and parse the document at `uri` once; `referrer` (document, pointer, ref) for messages."""
        if uri in self._trees:
            return self._trees[uri]
        data = await self._read(uri, referrer)
        tree = parse_document(data, self.label(uri))
        self._trees[uri] = tree
        self._may_name_others[uri] = _EXTERNAL_REF.search(data) is not None
        return tree

    async def load_referenced(self) -> None:
        """Load every document a loaded one names in a `$ref`, and those they name, and so on."""
        pending = list(self._trees)
        while pending:
            uri = pending.pop()
            if not self._may_name_others.get(uri):
                continue
            for ref, pointer in _external_refs(self._trees[uri]).items():
                target, _ = self.locate(ref, base=uri, pointer=pointer)
                if target not in self._trees:
                    await self.load(target, referrer=(uri, pointer, ref))
                    pending.append(target)

    async def _read(self, uri: str, referrer: tuple[str, str, str] | None) -> bytes:
        def failure(reason: str) -> SpecError:
            """`reason` completes "X cannot be read: ..." (of the document) or "...names X, which ..."."""
            if referrer is None:
                return SpecError(self.label(uri), "", f"cannot be read: {reason}")
            document, pointer, ref = referrer
            return self.error(
                document, pointer, f"$ref {ref!r} names {self.label(uri)}, which cannot be read: {reason}"
            )

        if self._jail is None:
            if self._read_url is None:
                raise failure("is a URL, and this server reads no URLs here")
            try:
                return await self._read_url(uri)
            except Exception as exc:  # whatever the reader raises, the operator reads it as the reason
                raise failure(f"cannot be fetched: {exc}") from None
        path = urllib.request.url2pathname(urllib.parse.urlsplit(uri).path)
        try:
            fd = self._jail.open_file(path)
        except MooringsError as exc:
            # The message alone: the jail's hint (where paths are looked up) says nothing to an operator.
            raise failure(exc.message) from None
        with os.fdopen(fd, "rb") as file:
            return file.read()


def _is_url(text: str) -> bool:
    return urllib.parse.urlsplit(text).scheme.lower() in ("http", "https")


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def _external_refs(tree: Any) -> dict[str, str]:
    """Each `$ref` in `tree` that names another document, with where it is first written."""
    found: dict[str, str] = {}
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(tree, "#")]
    while stack:
        node, pointer = stack.pop()
        if not isinstance(node, (dict, list)) or id(node) in seen:
            continue  # YAML aliases can share a node, or even nest it in itself
        seen.add(id(node))
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                found.setdefault(ref, pointer)
            items: list[tuple[str, Any]] = list(node.items())
        else:
            items = [(str(index), value) for index, value in enumerate(node)]
        stack.extend((value, child(pointer, key)) for key, value in reversed(items))
    return found
