"""A plain JSON-RPC 2.0 client over a child's stdio pipes: one message per line, nothing else.

The SDK's stdio client is quadratic in the size of one line and adds its own task machinery, so
it would measure itself as much as the server. This client writes a request, then reads lines
from the raw pipe with a deadline until the response with the same id arrives, so a hung server
costs a timeout, not the whole benchmark. Notifications from the server are dropped, and
server-to-client requests are refused with "method not found" so the server is never left
waiting on us.
"""

from __future__ import annotations

import json
import os
import selectors
import time
from collections import deque
from typing import IO, Any

_READ_CHUNK = 1 << 20
_METHOD_NOT_FOUND = -32601


class RpcError(Exception):
    """The server answered a request with a JSON-RPC error object."""

    def __init__(self, method: str, code: int, message: str) -> None:
        super().__init__(f"{method} failed with JSON-RPC error {code}: {message}")
        self.code = code


class ConnectionClosed(Exception):
    """The server closed its stdout (it exited) before answering."""


class _LineReader:
    """Splits a pipe into lines, each byte scanned once, so huge lines cost linear time."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()
        self._lines: deque[bytes] = deque()
        self._selector = selectors.DefaultSelector()
        self._selector.register(fd, selectors.EVENT_READ)

    def readline(self, deadline: float) -> bytes:
        while not self._lines:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the server did not answer in time")
            if self._selector.select(remaining):
                self._read_chunk()
        return self._lines.popleft()

    def close(self) -> None:
        self._selector.close()

    def _read_chunk(self) -> None:
        chunk = os.read(self._fd, _READ_CHUNK)
        if not chunk:
            raise ConnectionClosed("the server closed its stdout")
        # Only the new bytes can hold a newline: the old tail was already scanned.
        start = len(self._buffer)
        self._buffer += chunk
        while (end := self._buffer.find(b"\n", start)) != -1:
            self._lines.append(bytes(self._buffer[:end]))
            del self._buffer[: end + 1]
            start = 0


class JsonRpcClient:
    """Requests and notifications over a pair of pipes, one request in flight at a time."""

    def __init__(self, writer: IO[bytes], reader: IO[bytes], timeout: float) -> None:
        self._writer = writer
        self._reader = _LineReader(reader.fileno())
        self._timeout = timeout
        self._next_id = 1

    def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Send `method` and return the `result` of its response; raise `RpcError` on an error."""
        request_id = self._next_id
        self._next_id += 1
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, **_params(params)})
        deadline = time.monotonic() + self._timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") != request_id or "method" in message:
                self._handle_unsolicited(message)
                continue
            if "error" in message:
                error = message["error"]
                raise RpcError(method, int(error.get("code", 0)), str(error.get("message", "")))
            return message.get("result")

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, **_params(params)})

    def close(self) -> None:
        self._reader.close()

    def _send(self, message: dict[str, Any]) -> None:
        self._writer.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self._writer.flush()

    def _receive(self, deadline: float) -> dict[str, Any]:
        while True:
            line = self._reader.readline(deadline)
            if line.strip():
                message = json.loads(line)
                if isinstance(message, dict):
                    return message

    def _handle_unsolicited(self, message: dict[str, Any]) -> None:
        # A request from the server (roots/list, sampling, ...) must get an answer or it may block.
        if "method" in message and "id" in message:
            self._send(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": _METHOD_NOT_FOUND, "message": "the benchmark client serves nothing"},
                }
            )


def _params(params: dict[str, Any] | None) -> dict[str, Any]:
    return {} if params is None else {"params": params}
