"""Hostile ends of a connection for the fetch tests: a canary that must never be reached, and bad servers.

`serve_canary()` is a real listener that accepts, counts and closes every connection: a test points
hostile URLs at it (its address and port spelled every way a URL can) and asserts it counted none.
Its count is exact when read: connections still waiting in the listen queue are accepted first.

`serve_raw(answers)` is a TCP server that answers HTTP by hand, one request per connection, so it can
misbehave as a real web server will not: trickle a body a byte a second, accept and never answer,
send headers without end or a body without end. `answers` maps a request path to how it is answered;
a path it does not name (robots.txt, mostly) gets a plain 404. Every answer stops when the server does.

`gzip_bomb` and `brotli_bomb` are small bodies that decode to hundreds of megabytes of text.
"""

from __future__ import annotations

import functools
import select
import socket
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import brotli  # type: ignore[import-untyped]

__all__ = [
    "BOMB_SIZE",
    "Answer",
    "Canary",
    "RawServer",
    "brotli_bomb",
    "endless_body",
    "endless_headers",
    "gzip_bomb",
    "never_answer",
    "page",
    "serve_canary",
    "serve_raw",
    "trickle",
]

BOMB_SIZE = 256 * 2**20
_MIB_OF_TEXT = b"a" * 2**20


class Canary:
    """A listener that counts the connections made to it."""

    def __init__(self, host: str, port: int) -> None:
        self._listener = socket.create_server((host, port))
        self._listener.setblocking(False)
        self.host, self.port = str(self._listener.getsockname()[0]), int(self._listener.getsockname()[1])
        self._count = 0
        self._lock = threading.Lock()

    @property
    def connections(self) -> int:
        """Every connection made so far, those not yet accepted included."""
        self._accept_waiting()
        return self._count

    def _accept_waiting(self) -> None:
        with self._lock:
            while True:
                try:
                    connection, _ = self._listener.accept()
                except (BlockingIOError, OSError):
                    return
                self._count += 1
                connection.close()  # a client that got through learns nothing, and fails fast

    def _watch(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if select.select([self._listener], [], [], 0.02)[0]:
                self._accept_waiting()

    def close(self) -> None:
        self._listener.close()


@contextmanager
def serve_canary(host: str = "127.0.0.1", port: int = 0) -> Iterator[Canary]:
    """A canary on `host` (any 127.x.y.z), on a free port or on `port`."""
    canary = Canary(host, port)
    stop = threading.Event()
    watcher = threading.Thread(target=canary._watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        yield canary
    finally:
        stop.set()
        watcher.join()
        canary.close()


Answer = Callable[[socket.socket, threading.Event], None]
"""Answers one request on a connection; returns when done or when the event (the server stopping) is set."""


def _send(connection: socket.socket, data: bytes) -> bool:
    """Send `data`; False once the client has gone."""
    try:
        connection.sendall(data)
    except OSError:
        return False
    return True


def _not_found(connection: socket.socket, stop: threading.Event) -> None:
    _send(connection, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def page(body: bytes, content_type: str = "text/html; charset=utf-8") -> Answer:
    """An ordinary 200 with the whole body at once."""

    def answer(connection: socket.socket, stop: threading.Event) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        _send(connection, head.encode() + b"Connection: close\r\n\r\n" + body)

    return answer


def trickle(body: bytes, content_type: str = "text/plain", per_second: int = 1) -> Answer:
    """A 200 whose headers come at once and whose body comes `per_second` bytes a second."""

    def answer(connection: socket.socket, stop: threading.Event) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        if not _send(connection, head.encode()):
            return
        for start in range(0, len(body), per_second):
            if not _send(connection, body[start : start + per_second]) or stop.wait(1.0):
                return

    return answer


def never_answer(connection: socket.socket, stop: threading.Event) -> None:
    """Accept the request and say nothing until the server stops."""
    stop.wait()


def endless_headers(connection: socket.socket, stop: threading.Event) -> None:
    """A status line, then header lines as fast as the client takes them, never the blank line."""
    if not _send(connection, b"HTTP/1.1 200 OK\r\n"):
        return
    line = b"X-Filler: " + b"f" * 1000 + b"\r\n"
    while not stop.is_set() and _send(connection, line * 16):
        pass


def endless_body(connection: socket.socket, stop: threading.Event) -> None:
    """A text body without a length that goes on as fast as the client takes it."""
    if not _send(connection, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"):
        return
    chunk = b"the tide is high " * 4096
    while not stop.is_set() and _send(connection, chunk):
        pass


class RawServer:
    """A TCP server on 127.0.0.1 answering each request by path, by hand; `asked` lists the paths."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self._answers = answers
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.02)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.asked: list[str] = []

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    data = connection.recv(4096)
                    if not data:
                        return
                    head += data
            except OSError:
                return
            path = head.split(b" ", 2)[1].decode("latin-1") if head.count(b" ") >= 2 else ""
            with self._lock:
                self.asked.append(path)
            self._answers.get(path, _not_found)(connection, self._stop)

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join()


@contextmanager
def serve_raw(answers: dict[str, Answer]) -> Iterator[RawServer]:
    server = RawServer(answers)
    acceptor = threading.Thread(target=server._accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        server.stop()
        acceptor.join()


@functools.cache
def gzip_bomb() -> bytes:
    """BOMB_SIZE bytes of text as gzip, about 260 KB: one compressed MiB, repeated.

    After a full flush deflate starts afresh, so compressing the same MiB again gives the same bytes;
    repeating them is a valid stream (0.2 s to make instead of 1.4 s to compress it all).
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    header = compressor.compress(b"")
    block = compressor.compress(_MIB_OF_TEXT) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(BOMB_SIZE // len(_MIB_OF_TEXT)):
        crc = zlib.crc32(_MIB_OF_TEXT, crc)
    final_empty_block = b"\x03\x00"
    trailer = struct.pack("<II", crc, BOMB_SIZE % 2**32)
    return header + block * (BOMB_SIZE // len(_MIB_OF_TEXT)) + final_empty_block + trailer


@functools.cache
def brotli_bomb() -> bytes:
    """BOMB_SIZE bytes of text as br, about 50 KB (quality 1; 0.1 s to make)."""
    compressor = brotli.Compressor(quality=1)
    parts = [compressor.process(_MIB_OF_TEXT) for _ in range(BOMB_SIZE // len(_MIB_OF_TEXT))]
    return bytes(b"".join(parts) + compressor.finish())
