"""Content-Encoding decoders that never produce more than the caller has room for.

httpx inflates each chunk from the wire in one go, so 64 KiB of gzipped zeros
turns into 64 MiB in memory before any byte cap can look at it. These decoders
are told the most output the caller still wants and stop there (zlib's
`max_length`), so a gzip bomb ends at the cap instead of inflating. Only the
codings we ask for in Accept-Encoding are supported: gzip and deflate.
"""

from __future__ import annotations

import zlib
from typing import Protocol

__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "decoder_for"]

ACCEPT_ENCODING = "gzip, deflate"


class BodyDecoder(Protocol):
    """Turns body bytes from the wire into content. Raises zlib.error on a corrupt stream."""

    def decode(self, data: bytes, limit: int) -> bytes:
        """At most `limit` (>= 1) bytes of content from `data`.

        Getting exactly `limit` bytes back means there may be more: a caller that
        asks for one byte beyond its room learns that the body overflows, and must
        then stop feeding, because the output beyond `limit` is dropped.
        """
        ...


class _Identity:
    def decode(self, data: bytes, limit: int) -> bytes:
        return data[:limit]


class _Inflate:
    def __init__(self, wbits: int) -> None:
        self._zlib = zlib.decompressobj(wbits)

    def decode(self, data: bytes, limit: int) -> bytes:
        # Input left over because the output reached `limit` stays in unconsumed_tail, unread.
        return self._zlib.decompress(data, limit)


class _Gzip:
    """A gzip body may hold several members one after another (RFC 1952 2.2); the content is all of them.

    Each member gets a fresh decompressor under the same `limit`, so a bomb in a later member stops at
    the cap like one in the first. Zero bytes between or after members are padding, as gzip(1) reads them.
    """

    def __init__(self) -> None:
        self._member = _new_gzip_member()

    def decode(self, data: bytes, limit: int) -> bytes:
        content = bytearray()
        while len(content) < limit:
            if self._member.eof:
                data = (self._member.unused_data + data).lstrip(b"\0")
                if not data:
                    break
                self._member = _new_gzip_member()
            content += self._member.decompress(data, limit - len(content))
            data = b""
            if not self._member.eof:
                break
        return bytes(content)


class _Deflate:
    """`deflate` should be zlib-wrapped, but some servers send it raw: the first bytes tell which."""

    def __init__(self) -> None:
        self._inflate = _Inflate(zlib.MAX_WBITS)
        self._started = False

    def decode(self, data: bytes, limit: int) -> bytes:
        if self._started or not data:
            return self._inflate.decode(data, limit)
        self._started = True
        try:
            return self._inflate.decode(data, limit)
        except zlib.error:
            self._inflate = _Inflate(-zlib.MAX_WBITS)
            return self._inflate.decode(data, limit)


def _new_gzip_member() -> zlib._Decompress:
    return zlib.decompressobj(16 + zlib.MAX_WBITS)


def decoder_for(content_encoding: str) -> BodyDecoder | None:
    """The decoder for a Content-Encoding header value, or None when we cannot decode it.

    Stacked codings (`gzip, br`) are not supported: no server sends them unasked.
    """
    codings = [token.strip().lower() for token in content_encoding.split(",")]
    codings = [token for token in codings if token not in ("", "identity")]
    if not codings:
        return _Identity()
    if codings in (["gzip"], ["x-gzip"]):
        return _Gzip()
    if codings == ["deflate"]:
        return _Deflate()
    return None
