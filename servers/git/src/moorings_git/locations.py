"""Where a repository named by a remote or a clone source is, read the way git reads it.

Git takes a repository location in one of these forms (`transport.c`, `connect.c`):

- `<helper>::<address>`: runs the program `git-remote-<helper>`; `ext::` runs any shell command.
  Always refused here (the sandbox's protocol allow-list refuses it too).
- `<scheme>://...`: `http(s)` and `ssh` (also spelt `git+ssh`, `ssh+git`) reach another machine;
  `file://[host]/path` is a local path, percent-decoded, its host ignored. Anything else (`git://`,
  unencrypted and unauthenticated; `ftp://`; a helper's scheme) is refused.
- `[user@]host:path`, a colon before any slash: ssh in scp's syntax.
- anything else: a path on this machine.

A local location must lie inside the jail: reading a repository outside it (a fetch, a clone) or
writing one (a push) would reach past the directories the operator allowed. Credentials written
into a URL (`https://user:token@host`) never reach the model: `redact` hides them wherever a URL
is shown, git's own messages included.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from moorings_core import InvalidInput, PathJail
from moorings_core.sandbox.paths import Intent

__all__ = ["Location", "locate", "redact"]

_HELPER = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*::")  # git's is_urlschemechar, then "::"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_NETWORK_SCHEMES = frozenset({"http", "https", "ssh", "git+ssh", "ssh+git"})
_REFUSED_SCHEMES = {
    "git": "git:// is neither encrypted nor authenticated; use the https:// or ssh:// address",
}
_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/@:]*)(?::(?P<secret>[^\s/@]*))?@"
)
_TOKEN_LENGTH = 20  # a user name this long, alone in an https URL, is a token (GitHub takes one so)


@dataclass(frozen=True)
class Location:
    """A repository's location: `network`, or a local `path` as git will read it (not yet checked)."""

    kind: Literal["local", "network"]
    address: str
    """The URL for a network location; for a local one, the path (a file:// URL decoded)."""

    def inside(self, jail: PathJail, base: Path, intent: Intent) -> Path:
        """The canonical path of a local location, which must lie inside `jail`.

        A relative path is read from `base`, as git reads it from the directory it runs in.
        """
        path = Path(self.address)
        return jail.resolve(path if path.is_absolute() else base / path, intent=intent)


def locate(source: str, what: str = "repository location") -> Location:
    """What `source` names, or an InvalidInput saying why git must not be given it."""
    if not source:
        raise InvalidInput(f"The {what} is empty.")
    if source.startswith("-"):
        raise InvalidInput(
            f"The {what} {redact(source)!r} starts with '-', which git would read as an option."
        )
    if "\0" in source or "\n" in source:
        raise InvalidInput(f"The {what} holds a NUL or a line break, which no repository location may.")
    if _HELPER.match(source):
        helper = source.split("::", 1)[0]
        raise InvalidInput(
            f"The {what} {redact(source)!r} asks git to run the program git-remote-{helper} "
            "('<transport>::' addresses run a helper; ext:: runs any command). Give a path, or an "
            "https:// or ssh:// URL."
        )
    scheme = _SCHEME.match(source)
    if scheme is not None:
        return _url(source, scheme.group(1).lower(), what)
    colon, slash = source.find(":"), source.find("/")
    if colon != -1 and (slash == -1 or colon < slash) and not _drive_path(source):
        return _scp(source, colon, what)
    return Location("local", source)


def redact(text: str) -> str:
    """`text` with the secrets of every URL in it hidden: `https://user:***@host`.

    A user name alone is kept (`ssh://git@host`), unless an https one is as long as a token.
    """
    return _USERINFO.sub(_hidden, text)


def _hidden(found: re.Match[str]) -> str:
    scheme, user, secret = found["scheme"], found["user"], found["secret"]
    if secret:
        return f"{scheme}{user}:***@"
    if secret is None and len(user) >= _TOKEN_LENGTH and scheme.lower().startswith("http"):
        return f"{scheme}***@"
    return found.group(0)


def _drive_path(source: str) -> bool:
    """`C:\\x` or `C:/x` on Windows, which git reads as a path, not as ssh to host C."""
    return os.name == "nt" and re.match(r"[A-Za-z]:[\\/]", source) is not None


def _url(source: str, scheme: str, what: str) -> Location:
    rest = source[len(scheme) + 3 :]
    if scheme == "file":
        host, slash, path = rest.partition("/")
        if not slash or host not in ("", "localhost"):
            raise InvalidInput(
                f"The {what} {source!r} is not a local file URL git reads as meant; "
                "write it file:///absolute/path, or give the path itself."
            )
        return Location("local", urllib.parse.unquote("/" + path))
    if scheme not in _NETWORK_SCHEMES:
        reason = _REFUSED_SCHEMES.get(scheme, f"{scheme}:// is not a protocol this server speaks")
        raise InvalidInput(f"The {what} {redact(source)!r} is refused: {reason} (https, ssh and paths are).")
    authority = rest.split("/", 1)[0]
    if any(part.startswith(("-", "[-")) for part in (authority, authority.rpartition("@")[2])):
        raise InvalidInput(f"The {what} {redact(source)!r} names a host starting with '-', an option to ssh.")
    return Location("network", source)


def _scp(source: str, colon: int, what: str) -> Location:
    """`[user@]host:path` (or `[host:port]:path`): ssh, whose host must not read as an option."""
    authority = source[:colon]
    if any(part.startswith(("-", "[-")) for part in (authority, authority.rpartition("@")[2])):
        raise InvalidInput(f"The {what} {redact(source)!r} names a host starting with '-', an option to ssh.")
    return Location("network", source)
