"""Following `$ref`s: JSON pointers into the loaded documents, chains of refs, cycles, broken targets.

A ref is resolved against the document it is written in (`Documents.locate`, which also confines
it), then its fragment is read as a JSON pointer (RFC 6901: `~1` is `/`, `~0` is `~`, and the
fragment was percent-decoded first, as a URI fragment is). Only pointers are understood: a plain
name fragment (`#Pet`, a 3.1 `$anchor`) is refused with a message saying so.

Pointers are kept in their URI-fragment form, `#/paths/~1pets/get`, like `SchemaNode.pointer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from moorings_openapi.documents import SpecError

__all__ = ["DocumentSet", "Found", "child", "escape", "follow", "is_ref", "resolve", "resolve_pointer"]


class DocumentSet(Protocol):
    """Loaded documents a ref can reach (`documents.Documents`, or the set a converter keeps)."""

    @property
    def trees(self) -> Mapping[str, Any]: ...

    def locate(self, ref: str, *, base: str, pointer: str) -> tuple[str, str]: ...

    def error(self, uri: str, pointer: str, problem: str) -> SpecError: ...


@dataclass(frozen=True)
class Found:
    """A value and where it is: the document's URI and its pointer (`#/components/schemas/Pet`)."""

    value: Any
    document: str
    pointer: str


def escape(token: str) -> str:
    """A key as a JSON pointer token: `/pets` is `~1pets`."""
    return token.replace("~", "~0").replace("/", "~1")


def child(pointer: str, token: str | int) -> str:
    """The pointer to `token` inside the value at `pointer`."""
    return f"{pointer}/{escape(str(token))}"


def is_ref(value: Any) -> bool:
    """Whether a value is a Reference Object (or a schema that is a `$ref`)."""
    return isinstance(value, dict) and isinstance(value.get("$ref"), str)


class _PointerBroken(Exception):
    def __init__(self, at: str, problem: str) -> None:
        super().__init__(problem)
        self.at = at
        self.problem = problem


def resolve_pointer(tree: Any, fragment: str) -> Any:
    """The value a JSON pointer (already percent-decoded, with or without `#`) names in `tree`.

    Raises LookupError saying which step failed.
    """
    fragment = fragment.removeprefix("#")
    if fragment and not fragment.startswith("/"):
        raise LookupError(
            f"#{fragment} is a plain name (an anchor); only JSON pointers (#/...) are supported"
        )
    value, at = tree, ""
    for token in fragment.split("/")[1:] if fragment else ():
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            if key not in value:
                raise LookupError(f"there is no {key!r} in {at or 'the document'}")
            value = value[key]
        elif isinstance(value, list):
            if not (key.isdigit() and int(key) < len(value)):
                raise LookupError(f"{at or 'the document'} has no item {key!r}")
            value = value[int(key)]
        else:
            raise LookupError(f"{at or 'the document'} is not an object or a list")
        at = f"{at}/{token}"
    return value


def resolve(documents: DocumentSet, ref: str, *, document: str, pointer: str) -> Found:
    """What one `$ref`, written at `pointer` in `document`, names (not following it further).

    Raises SpecError at the ref when it leaves what the spec may reach or names nothing.
    """
    target, fragment = documents.locate(ref, base=document, pointer=pointer)
    if target not in documents.trees:
        raise documents.error(document, pointer, f"$ref {ref!r} names a document that was not loaded")
    try:
        value = resolve_pointer(documents.trees[target], fragment)
    except LookupError as exc:
        raise documents.error(document, pointer, f"$ref {ref!r} is broken: {exc}") from None
    return Found(value, target, "#" + fragment)


def follow(documents: DocumentSet, found: Found) -> Found:
    """Follow refs from `found` until a value that is not one; a chain that loops is a SpecError."""
    visited = [found]
    places = {(found.document, found.pointer)}
    while is_ref(found.value):
        found = resolve(documents, found.value["$ref"], document=found.document, pointer=found.pointer)
        if (found.document, found.pointer) in places:
            chain = " -> ".join(seen.value["$ref"] for seen in visited)
            raise documents.error(visited[0].document, visited[0].pointer, f"$ref cycle: {chain}")
        visited.append(found)
        places.add((found.document, found.pointer))
    return found
