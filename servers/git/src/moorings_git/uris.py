"""The `git://` URIs of this server's resources: made, and read back exactly.

    git://{repository}/status                   the repository's status (JSON)
    git://{repository}/commit/{revision}        a commit: header, message, stat and patch (text)
    git://{repository}/file/{revision}/{+path}  a file (or folder) as it was at a revision

`{repository}` is what a tool's `repo_path` takes, percent-encoded whole, slashes and all, into the
URI's one authority component: the listed URIs hold the repository's absolute top level
(`git://%2Fsrv%2Fmy%20repo/status`). An absolute path is the one name that means the same
repository to every client whatever its roots, and it is what every tool result already shows;
encoding it whole (as RFC 6570's `{repository}` does) makes the URI unambiguous however the path is
spelled (`/status` or `/file/` inside a folder name, spaces, `%`, `#`, `?`, any Unicode). The
bytes of the path are encoded, so a name that is not UTF-8 comes back as the same bytes. A path
relative to the first allowed directory works too, as it does for `repo_path`.

`{revision}` is one segment (a branch `feature/x` is `feature%2Fx`), and `{+path}` keeps its
slashes (`file/HEAD/src/app.py`), relative to the repository's top level. Whatever a URI names is
checked where it is used: the repository against the jail (`Repositories.open`), the revision as an
ordinary argument, the path against leaving the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote_to_bytes

from moorings_core import InvalidInput

__all__ = [
    "COMMIT_TEMPLATE",
    "FILE_TEMPLATE",
    "STATUS_TEMPLATE",
    "GitUri",
    "commit_uri",
    "file_uri",
    "parse_uri",
    "status_uri",
]

_SCHEME = "git://"
STATUS_TEMPLATE = "git://{repository}/status"
COMMIT_TEMPLATE = "git://{repository}/commit/{revision}"
FILE_TEMPLATE = "git://{repository}/file/{revision}/{+path}"

ResourceKind = Literal["status", "commit", "file"]


@dataclass(frozen=True)
class GitUri:
    """What a `git://` URI names: a repository (as `repo_path` takes it) and, by kind, more."""

    repository: str
    kind: ResourceKind
    revision: str = ""
    path: str = ""


def status_uri(repository: Path) -> str:
    return f"{_SCHEME}{_segment(repository)}/status"


def commit_uri(repository: Path, revision: str) -> str:
    return f"{_SCHEME}{_segment(repository)}/commit/{_segment(revision)}"


def file_uri(repository: Path, revision: str, path: str) -> str:
    return f"{_SCHEME}{_segment(repository)}/file/{_segment(revision)}/{quote(os.fsencode(path), safe='/')}"


def parse_uri(uri: str) -> GitUri:
    """What `uri` names; refused, saying the three forms, unless it is one of them."""
    if not uri.startswith(_SCHEME):
        raise _not_ours(uri)
    repository, slash, tail = uri.removeprefix(_SCHEME).partition("/")
    kind, _, argument = tail.partition("/")
    if not repository or not slash:
        raise _not_ours(uri)
    if tail == "status":
        return GitUri(_decoded(repository), "status")
    if kind == "commit" and argument:
        # One segment as the template makes it, or the rest of the URI, slashes and all.
        return GitUri(_decoded(repository), "commit", revision=_decoded(argument))
    if kind == "file" and argument:
        revision, _, path = argument.partition("/")
        return GitUri(_decoded(repository), "file", revision=_decoded(revision), path=_decoded(path))
    raise _not_ours(uri)


def _segment(value: str | Path) -> str:
    """`value` as one URI segment: every byte but the unreserved ones percent-encoded."""
    return quote(os.fsencode(value), safe="")


def _decoded(text: str) -> str:
    """Percent-decoded to the bytes they stand for, then to a path string as the OS would give it."""
    return os.fsdecode(unquote_to_bytes(text))


def _not_ours(uri: str) -> InvalidInput:
    return InvalidInput(
        f"'{uri}' is not one of this server's resources. They are {STATUS_TEMPLATE}, "
        f"{COMMIT_TEMPLATE} and {FILE_TEMPLATE}, with the repository's path percent-encoded whole "
        "(resources/list names each repository's status)."
    )
