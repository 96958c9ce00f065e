"""Content-Encoding decoders that never produce more than the caller has room for.

httpx inflates each chunk from the wire in one go, so 64 KiB of gzipped zeros
turns into 64 MiB in memory before any byte cap can look at it. These decoders
are told the most output the caller still wants and stop there, so a bomb ends
at the cap instead of inflating: zlib's `max_length` for gzip and deflate, and
brotli's `output_buffer_limit` (brotli >= 1.2) for br. Brotli's buffer grows in
blocks of 32 KiB doubling up to 16 MiB, so one call holds at most about twice the
limit before it is cut, and its window is at most 16 MiB (large windows are off).

Only the codings we ask for in Accept-Encoding are supported: gzip, deflate and
br. zstd is not: its frames declare their own window size, up to gigabytes, which
would need a decoder-side window limit as well, and Python has no zstd decoder
before 3.14.
"""

from __future__ import annotations

import zlib
from typing import Protocol, cast

import brotli  # type: ignore[import-untyped]  # brotli ships no type information

__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "DecodingError", "decoder_for"]

ACCEPT_ENCODING = "gzip, deflate, br"


class DecodingError(ValueError):
    """The body is not valid data of its Content-Encoding."""


class BodyDecoder(Protocol):
    """Turns body bytes from the wire into content. Raises DecodingError on a corrupt stream."""

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
        try:
            return self._zlib.decompress(data, limit)
        except zlib.error as exc:
            raise DecodingError(str(exc)) from exc


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
            try:
                content += self._member.decompress(data, limit - len(content))
            except zlib.error as exc:
                raise DecodingError(str(exc)) from exc
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
        except DecodingError:
            self._inflate = _Inflate(-zlib.MAX_WBITS)
            return self._inflate.decode(data, limit)


class _BrotliDecompressor(Protocol):
    """What we use of `brotli.Decompressor`."""

    def process(self, data: bytes, output_buffer_limit: int = ...) -> bytes: ...


class _Brotli:
    """A br body; past `limit`, the decompressor keeps the input it has not read and is fed no more."""

    def __init__(self) -> None:
        self._brotli = cast(_BrotliDecompressor, brotli.Decompressor())

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            # Stops growing its output once it holds `limit` bytes; what it made beyond them is dropped.
            return self._brotli.process(data, output_buffer_limit=limit)[:limit]
        except brotli.error as exc:
            raise DecodingError(str(exc).removeprefix("brotli: ")) from exc


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
    if codings == ["br"]:
        return _Brotli()
    return None
