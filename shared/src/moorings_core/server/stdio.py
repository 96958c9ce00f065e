"""The stdio transport: newline-delimited JSON-RPC on stdin/stdout, hardened.

The SDK's own stdio transport drops a line it cannot parse without a word, so a
client that sent it waits forever, and it buffers a line of any size whole. Ours
answers every framing problem and never holds more than the configured cap:

- a line that is not JSON gets `-32700 Parse error` (id null);
- JSON that is not a JSON-RPC message gets `-32600 Invalid Request`, with the
  request's id when one can be read from it;
- a line over the cap is skipped as it streams past, never buffered whole, and
  gets `-32600` with the id if it appears early in the line.

End of input (the client closed its end; or stdin was a file, or /dev/null) does
not cut off what was asked: the server stops once every request read has been
answered. What can never be answered is not waited for: a request the client
cancelled, a `subscriptions/listen` stream (it lasts as long as the connection),
and the server's own questions to the client (`roots/list`), which get an error
in the client's place so the call waiting on them goes on.

While serving, the protocol has stdin and stdout to itself (`StdioStreams.claim`
in `moorings_core.platform.stdio`: private descriptors where the OS can duplicate
them, so a child process (git, say) or a stray print cannot corrupt the protocol
stream; Python's own streams redirected on Windows). Reading and writing run on
daemon threads with blocking I/O: non-blocking mode would leak into the host's
end of a shared pipe, and a daemon thread stuck on a silent client never delays
exit. When the loop can wait for the input to be readable (a pipe, as hosts
connect us, on POSIX), it reads there instead, still in blocking mode: a read
after readiness returns what is there, and handing each line over from a thread
cost more than the rest of a cheap call's way through the server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import threading
from collections.abc import AsyncIterator, Collection, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import mcp_types as types
from anyio.abc import ObjectReceiveStream, ObjectSendStream
from mcp.shared.dispatcher import coerce_request_id
from mcp.shared.jsonrpc_dispatcher import cancelled_request_id_from_params
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from moorings_core.platform.stdio import loop_can_wait_readable

__all__ = ["FramingError", "parse_line", "stdio_message_streams"]

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024
# Where to look for an id in a line too long to parse: the head of the line.
_ID_PATTERN = re.compile(rb'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\]|\\.){0,256}")')


@dataclass(frozen=True)
class _Oversized:
    """A line longer than the cap; only its head was kept, to look for an id."""

    head: bytes
    size_at_least: int


@dataclass(frozen=True)
class FramingError:
    """The answer to a line that never reached the server: a JSON-RPC error response."""

    code: int
    message: str
    request_id: types.RequestId | None

    def response(self) -> SessionMessage:
        error = types.ErrorData(code=self.code, message=self.message)
        return SessionMessage(types.JSONRPCError(jsonrpc="2.0", id=self.request_id, error=error))


def _id_of(value: object) -> types.RequestId | None:
    if isinstance(value, dict):
        candidate = value.get("id")
        if isinstance(candidate, str) or (isinstance(candidate, int) and not isinstance(candidate, bool)):
            return candidate
    return None


def _recover_id(head: bytes) -> types.RequestId | None:
    match = _ID_PATTERN.search(head)
    if match is None:
        return None
    with contextlib.suppress(ValueError):
        value = json.loads(match.group(1))
        if isinstance(value, str | int):
            return value
    return None


def parse_line(line: bytes) -> SessionMessage | FramingError:
    """Turn one line from the client into a message for the server, or an error to send back.

    The fast path is one pydantic-core parse; only a line that fails it is parsed
    again, with `json`, to tell a parse error from an invalid request.
    """
    try:
        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError:
        message = None
    # A request whose id is not a string or integer would pass as a notification and go unanswered.
    if message is not None and not (isinstance(message, types.JSONRPCNotification) and b'"id"' in line):
        return SessionMessage(message)
    try:
        value = json.loads(line)
    except ValueError:
        return FramingError(types.PARSE_ERROR, "Parse error: the line is not valid UTF-8 JSON.", None)
    if isinstance(value, list):
        return FramingError(
            types.INVALID_REQUEST, "Invalid Request: JSON-RPC batches are not supported.", None
        )
    if message is not None and isinstance(value, dict) and "id" not in value:
        return SessionMessage(message)  # "id" was only inside the params
    return FramingError(
        types.INVALID_REQUEST,
        'Invalid Request: expected a JSON-RPC 2.0 object with "jsonrpc": "2.0", a string "method" '
        "and, for a request, a string or integer id.",
        _id_of(value),
    )


def _oversized_error(line: _Oversized, limit: int) -> FramingError:
    return FramingError(
        types.INVALID_REQUEST,
        f"Invalid Request: a message of at least {line.size_at_least:,} bytes "
        f"exceeds the limit of {limit:,} bytes.",
        _recover_id(line.head),
    )


class _LineSplitter:
    """Cuts the bytes read from the client into lines (without their newline), never holding more
    than `limit` bytes: a longer line is skipped as it streams past, keeping only its head."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._pending = bytearray()
        self._skipping: _Oversized | None = None

    def feed(self, chunk: bytes) -> list[bytes | _Oversized]:
        """The lines that `chunk` completes."""
        lines: list[bytes | _Oversized] = []
        pending = self._pending
        start = 0
        while start < len(chunk):
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline < 0 else newline
            if self._skipping is not None:
                self._skipping = _Oversized(self._skipping.head, self._skipping.size_at_least + end - start)
            elif len(pending) + end - start > self._limit:
                self._skipping = _Oversized(
                    bytes(pending[:4096] + chunk[start : start + 4096]), len(pending) + end - start
                )
                pending.clear()
            else:
                pending += chunk[start:end]
            if newline < 0:
                break
            if self._skipping is not None:
                lines.append(self._skipping)
                self._skipping = None
            elif pending.strip():
                lines.append(bytes(pending))
            pending.clear()
            start = newline + 1
        return lines

    def finish(self) -> list[bytes | _Oversized]:
        """The last line, when the input ended without a newline."""
        if self._skipping is not None:
            return [self._skipping]
        return [bytes(self._pending)] if self._pending.strip() else []


def _split_lines(fd: int, limit: int) -> Iterator[bytes | _Oversized]:
    """Yield the lines read from `fd` (without their newline), never holding more than `limit` bytes."""
    splitter = _LineSplitter(limit)
    while chunk := os.read(fd, _CHUNK):
        yield from splitter.feed(chunk)
    yield from splitter.finish()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class _LineWriter:
    """Writes whole lines to the wire from a daemon thread, in order, never interleaved."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._drain, name="moorings-stdout", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                _write_all(self._fd, data)
            except OSError:  # the client went away; nothing more can be said to it
                return

    def send(self, message: SessionMessage) -> None:
        line = message.message.model_dump_json(by_alias=True, exclude_unset=True)
        self._queue.put(line.encode() + b"\n")

    def close(self, timeout: float) -> None:
        """Finish writing what is queued (up to `timeout` seconds), then stop."""
        self._queue.put(None)
        self._thread.join(timeout)


def _forget_cancelled(unanswered: dict[types.RequestId | None, str], params: dict[str, Any] | None) -> None:
    """The client cancelled a request: it expects no answer, so end of input does not wait for one.

    Ids match as the SDK matches them, where "7" and 7 are one id.
    """
    cancelled = cancelled_request_id_from_params(params)
    if cancelled is None:
        return
    key = coerce_request_id(cancelled)
    for request_id in [
        request_id
        for request_id in unanswered
        if request_id is not None and coerce_request_id(request_id) == key
    ]:
        del unanswered[request_id]


def _client_gone(request_id: types.RequestId) -> SessionMessage:
    """The answer to a server's request that the client can no longer give: its input has ended."""
    error = types.ErrorData(
        code=types.CONNECTION_CLOSED,
        message="Connection closed: the client's input ended before it answered.",
    )
    return SessionMessage(types.JSONRPCError(jsonrpc="2.0", id=request_id, error=error))


@contextlib.asynccontextmanager
async def stdio_message_streams(
    wire_in: int, wire_out: int, *, max_message_bytes: int, long_lived: Collection[str] = frozenset()
) -> AsyncIterator[tuple[ObjectReceiveStream[SessionMessage | Exception], ObjectSendStream[SessionMessage]]]:
    """Serve JSON-RPC over two file descriptors as the pair of streams the SDK's server loop runs on.

    The read side ends (and the server with it) when the client closes its end
    and every request it sent has been answered. Closing the read side earlier
    would make the SDK cancel the requests still running and answer them
    `Connection closed`. Requests whose method is `long_lived` are answered only
    when the connection ends (a listen stream is the response): at end of input
    they are not waited for, and the server ends them as it closes.
    """
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](0)
    writer = _LineWriter(wire_out)
    token = anyio.lowlevel.current_token()

    # The client's requests read but not yet answered (id -> method; None is a possible key only so
    # that an error answer without an id can be looked up), and the server's requests the client has
    # not answered yet: end of input waits for the first and answers the second.
    unanswered: dict[types.RequestId | None, str] = {}
    asked: set[types.RequestId] = set()
    # Made at end of input, when "nothing unanswered" becomes final (until then a request read next
    # can add to it); set by the writer when an answer or a question goes out.
    changed: anyio.Event | None = None

    async def deliver(item: bytes | _Oversized) -> None:
        if isinstance(item, _Oversized):
            parsed: SessionMessage | FramingError = _oversized_error(item, max_message_bytes)
        else:
            parsed = parse_line(item)
        if isinstance(parsed, FramingError):
            logger.warning("Refused a message from the client: %s", parsed.message)
            writer.send(parsed.response())
            return
        message = parsed.message
        if isinstance(message, types.JSONRPCRequest):
            unanswered[message.id] = message.method
        elif isinstance(message, types.JSONRPCNotification):
            if message.method == "notifications/cancelled":
                _forget_cancelled(unanswered, message.params)
        else:
            asked.discard(message.id)  # the client's answer to one of the server's requests
        await read_send.send(parsed)

    async def end_of_input() -> None:
        """End the session once every request read has its answer (the SDK cancels what is left)."""
        nonlocal changed
        for request_id in [key for key, method in unanswered.items() if method in long_lived]:
            del unanswered[request_id]
        while unanswered:
            changed = anyio.Event()
            while asked:  # a handler waiting on the client would wait forever: answer for it
                await read_send.send(_client_gone(asked.pop()))
            await changed.wait()
        await read_send.aclose()

    def read_in_thread() -> None:
        with contextlib.suppress(RuntimeError, OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            for item in _split_lines(wire_in, max_message_bytes):
                anyio.from_thread.run(deliver, item, token=token)
            anyio.from_thread.run(end_of_input, token=token)

    async def read_on_loop() -> None:
        with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            splitter = _LineSplitter(max_message_bytes)
            while True:
                await anyio.wait_readable(wire_in)
                chunk = os.read(wire_in, _CHUNK)
                for item in splitter.feed(chunk) if chunk else splitter.finish():
                    await deliver(item)
                if not chunk:
                    break
            await end_of_input()

    async def write_forever() -> None:
        async with write_recv:
            async for message in write_recv:
                writer.send(message)
                sent = message.message
                if isinstance(sent, types.JSONRPCResponse | types.JSONRPCError):
                    unanswered.pop(sent.id, None)
                    if not unanswered and changed is not None:
                        changed.set()
                elif isinstance(sent, types.JSONRPCRequest):
                    asked.add(sent.id)
                    if changed is not None:
                        changed.set()

    on_loop = loop_can_wait_readable(wire_in)
    if not on_loop:
        threading.Thread(target=read_in_thread, name="moorings-stdin", daemon=True).start()
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(write_forever)
            if on_loop:
                tasks.start_soon(read_on_loop)
            try:
                yield read_recv, write_send
            finally:
                tasks.cancel_scope.cancel()
    finally:
        writer.close(timeout=1.0)
