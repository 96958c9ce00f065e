"""The operator's secrets never leave in a tool's output: `Redactor` replaces them with `[redacted]`.

A server's settings hold secrets (a `--header` token, a `--proxy-url` or database password, an API
key), each field marked `Secret()`. An upstream can echo one back (an API that repeats the request's
headers in an error, a redirect URL with the key in its query), and a tool would pass it on to the
model. The `CallGuard` scrubs every tool result and error message with one `Redactor` made from the
settings (`Redactor.of_settings`), so no tool has to remember to.

What is redacted is each secret value and the forms it travels in:

- the value as given, and percent-encoded (as it appears in a URL's query);
- of a header line `NAME: VALUE`, the VALUE; of a VALUE `Scheme credentials` (`Bearer x`), the
  credentials; of `Basic` credentials, the `user:password` they encode and its password;
- of a URL with `user:password@` (a proxy, a database DSN), the URL, the password, decoded and not,
  and the base64 of `user:password` that HTTP Basic authentication sends. A URL without a password
  is an address, not a secret, and is left to be shown.

A server that sends a secret in another form registers that too (`MooringsServer.also_secret`).
The server's log lines on stderr are scrubbed the same way (`RedactingFormatter`): the SDK logs a
failed tool's message at INFO, and an upstream's error may quote what it was sent.
Forms shorter than `MIN_SECRET_CHARS` are left alone: redacting every "admin" or "1234" in a result
would garble it and hide little. A server without secrets pays nothing: the guard skips the scrub.
Matching is one compiled alternation, longest form first, so a secret inside a longer one is
redacted whole.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import SplitResult, quote, quote_plus, unquote, urlsplit

from pydantic import BaseModel

from moorings_core.config import Secret

__all__ = ["MIN_SECRET_CHARS", "REDACTED", "RedactingFormatter", "Redactor", "secret_values"]

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 6
"""Shorter values are not redacted: they would match ordinary words and numbers."""

_HEADER_LINE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+:(?!//)[ \t]*(\S.*)", re.DOTALL)  # not a URL
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what JSON writes escaped inside a string
_SCHEMED = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+ +(\S+)")


class Redactor:
    """Replaces every registered secret, in every form it is known in, with `[redacted]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._json_safe = True  # every form is written unchanged inside a JSON string
        for secret in secrets:
            self.add(secret)

    @classmethod
    def of_settings(cls, settings: BaseModel) -> Redactor:
        """A redactor of every `Secret()` value in `settings` (nested models and tables included)."""
        return cls(secret_values(settings))

    def add(self, secret: str) -> None:
        """Redact `secret` and the forms it is written in (see the module's docstring)."""
        self.add_exactly(*_forms_of(secret))

    def add_exactly(self, *forms: str) -> None:
        """Redact these strings as given, and nothing derived from them."""
        kept = {form for form in forms if len(form) >= MIN_SECRET_CHARS} - self._forms
        if kept:
            self._forms |= kept
            self._pattern = None
            self._json_safe = self._json_safe and not any(_JSON_ESCAPED.search(form) for form in kept)

    def __bool__(self) -> bool:
        """Whether there is anything to redact."""
        return bool(self._forms)

    def text(self, text: str) -> str:
        """`text` with every secret replaced."""
        if not self._forms:
            return text
        scrubbed, found = self._compiled().subn(REDACTED, text)
        return scrubbed if found else text  # the same object when clean: callers keep what is unchanged

    def value(self, value: Any) -> Any:
        """A JSON-like value with every string in it (keys too) scrubbed; unchanged parts are kept as is."""
        if not self._forms or value is None:
            return value
        if self._json_safe:
            # One search of its JSON (a C loop) instead of a Python walk over every string (16x
            # faster for 1,000 rows): a form JSON writes unchanged is found there if it is anywhere.
            try:
                whole = json.dumps(value, ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError):
                whole = None
            if whole is not None and self._compiled().search(whole) is None:
                return value
        return self._walked(value)

    def _walked(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            items = [(self._walked(key), self._walked(item)) for key, item in value.items()]
            if all(
                new[0] is old[0] and new[1] is old[1] for new, old in zip(items, value.items(), strict=True)
            ):
                return value
            return dict(items)
        if isinstance(value, list | tuple):
            scrubbed = [self._walked(item) for item in value]
            if all(new is old for new, old in zip(scrubbed, value, strict=True)):
                return value
            return scrubbed if isinstance(value, list) else tuple(scrubbed)
        return value

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            longest_first = sorted(self._forms, key=lambda form: (-len(form), form))
            self._pattern = re.compile("|".join(map(re.escape, longest_first)))
        return self._pattern


class RedactingFormatter(logging.Formatter):
    """Formats log records as `logging.Formatter` does, then redacts the whole line (tracebacks too)."""

    def __init__(self, redactor: Redactor, fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.text(super().format(record))


def secret_values(settings: BaseModel) -> list[str]:
    """The values of every field marked `Secret()` in `settings`, walking nested models, lists and
    tables (`dict[str, Model]`); a secret field's value is taken whole, whatever its shape."""
    return list(dict.fromkeys(_secrets_in(settings)))


def _secrets_in(value: Any, *, secret: bool = False) -> Iterator[str]:
    if isinstance(value, str | bytes):
        if secret:
            yield value if isinstance(value, str) else value.decode(errors="replace")
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            marked = secret or any(isinstance(item, Secret) for item in field.metadata)
            yield from _secrets_in(getattr(value, name), secret=marked)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _secrets_in(item, secret=secret)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _secrets_in(item, secret=secret)
    elif secret and value is not None and hasattr(value, "get_secret_value"):  # pydantic's SecretStr
        yield from _secrets_in(value.get_secret_value(), secret=True)
    elif secret and value is not None and not isinstance(value, bool | int | float):
        yield str(value)  # a URL or a path given as its own type


def _forms_of(secret: str) -> Iterator[str]:
    """`secret` and the forms it travels in."""
    for value in _parts_of(secret):
        yield value
        yield quote(value, safe="")
        yield quote_plus(value, safe="")


def _parts_of(secret: str) -> Iterator[str]:
    url = _url_of(secret.strip())
    if url is not None:
        # A URL is an address with, perhaps, a password in it: only the password makes it secret
        # (a database server names its database by its URL without one, and should go on doing so).
        credentials = list(_url_credentials(url))
        if credentials:
            yield secret
            yield from credentials
        return
    yield secret
    header = _HEADER_LINE.fullmatch(secret.strip())
    value = header.group(1).strip() if header else secret.strip()
    yield value
    schemed = _SCHEMED.fullmatch(value)
    if schemed:
        found = schemed.group(1)
        yield found
        decoded = _basic_credentials(found) if value.lower().startswith("basic ") else None
        if decoded is not None:
            yield decoded
            yield decoded.partition(":")[2]


def _basic_credentials(credentials: str) -> str | None:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if ":" in decoded else None


def _url_of(value: str) -> SplitResult | None:
    """`value` split as a URL, when it is one (a scheme and a host: `postgresql://me@db/shop`)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return parts if parts.scheme and parts.netloc and " " not in value else None


def _url_credentials(url: SplitResult) -> Iterator[str]:
    """Of a URL with `user:password@`, the password (as written and decoded) and the Basic token."""
    try:
        password, user = url.password, url.username
    except ValueError:
        return
    if not password:
        return
    yield password
    plain = unquote(password)
    yield plain
    pair = f"{unquote(user or '')}:{plain}"
    yield pair
    yield base64.b64encode(pair.encode()).decode()
