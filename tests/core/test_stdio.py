"""The stdio transport, end to end: a real console script spawned the way a host spawns it.

The abuse cases speak raw JSON-RPC lines (the point is what the SDK client would
never send); the last tests use the SDK client over real stdio in both eras.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moorings_core.server.stdio import FramingError, parse_line
from moorings_core.testing import LEGACY, MODERN, Era, connect_stdio, installed_script
from tests.capabilities import needs_fd_diversion

pytestmark = pytest.mark.stdio


def initialize(capabilities: dict[str, Any]) -> dict[str, Any]:
    params = {
        "protocolVersion": LEGACY,
        "capabilities": capabilities,
        "clientInfo": {"name": "t", "version": "1"},
    }
    return {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params}


INITIALIZE = initialize({})
# A client that offers its roots: the server asks for them (roots/list) before it serves a call.
INITIALIZE_WITH_ROOTS = initialize({"roots": {}})
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def tool_call(request_id: int, tool: str, arguments: dict[str, Any], **params: Any) -> dict[str, Any]:
    params = {"name": tool, "arguments": arguments, **params}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def answers_to_the_client(messages: list[dict[str, Any]]) -> dict[object, dict[str, Any]]:
    """The responses among what the server said (its own requests carry an id too), by id."""
    return {message["id"]: message for message in messages if "method" not in message}


class RawClient:
    """Writes lines to a spawned server and reads its answers, one JSON object per line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [installed_script("moorings-filesystem"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.stdin = self.process.stdin
        self.stdout = self.process.stdout

    def send(self, line: bytes | dict[str, Any]) -> None:
        data = json.dumps(line).encode() if isinstance(line, dict) else line
        self.stdin.write(data + b"\n")
        self.stdin.flush()

    def receive(self) -> dict[str, Any]:
        line = self.stdout.readline()
        assert line, "the server closed its output"
        message: dict[str, Any] = json.loads(line)
        return message

    def handshake(self) -> None:
        self.send(INITIALIZE)
        assert self.receive()["result"]["serverInfo"]["name"] == "moorings-filesystem"
        self.send(INITIALIZED)

    def call(self, request_id: int, tool: str, arguments: dict[str, Any], **params: Any) -> None:
        self.send(tool_call(request_id, tool, arguments, **params))

    def answers_after_exit(self) -> list[dict[str, Any]]:
        """Wait for the server to exit (it must, once its input has ended); then all it said."""
        assert self.process.wait(timeout=10) == 0
        return [json.loads(line) for line in self.stdout]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.stdin, self.stdout, self.process.stderr):
            # Closing stdin flushes what the dead server never read: a broken pipe is expected.
            with contextlib.suppress(BrokenPipeError):
                if stream is not None:
                    stream.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "hello.txt").write_text("hello\n")
    return tmp_path.resolve()


@pytest.fixture
def raw(root: Path) -> Iterator[RawClient]:
    client = RawClient(str(root), "--max-message-bytes", "65536")
    client.handshake()
    yield client
    client.close()


def test_a_line_that_is_not_json_gets_a_parse_error_and_serving_goes_on(raw: RawClient) -> None:
    raw.send(b"this is not json")
    error = raw.receive()
    assert error["id"] is None
    assert error["error"]["code"] == -32700
    raw.send(b'{"jsonrpc": "2.0", "id": 5, "method": ')
    assert raw.receive()["error"]["code"] == -32700
    raw.call(1, "list_allowed_directories", {})
    assert raw.receive()["id"] == 1


@pytest.mark.parametrize(
    ("line", "expected_id"),
    [
        (b'{"id": 7, "method": "tools/list"}', 7),  # no "jsonrpc"
        (b'{"jsonrpc": "2.0", "id": "a", "method": 12}', "a"),  # method not a string
        (b'{"jsonrpc": "1.0", "id": 8, "method": "ping"}', 8),
        (b"[1, 2, 3]", None),  # a batch
        (b"42", None),
    ],
)
def test_json_that_is_not_json_rpc_gets_invalid_request_with_its_id(
    raw: RawClient, line: bytes, expected_id: object
) -> None:
    raw.send(line)
    error = raw.receive()
    assert error["error"]["code"] == -32600
    assert error["id"] == expected_id
    raw.call(2, "list_allowed_directories", {})
    assert raw.receive()["id"] == 2


def test_an_oversized_line_is_refused_with_its_id_and_serving_goes_on(raw: RawClient) -> None:
    huge = {"jsonrpc": "2.0", "id": 42, "method": "tools/call", "params": {"name": "x", "pad": "y" * 300_000}}
    raw.send(huge)
    error = raw.receive()
    assert error["id"] == 42
    assert error["error"]["code"] == -32600
    assert "exceeds the limit of 65,536 bytes" in error["error"]["message"]
    raw.call(3, "read_text_file", {"path": "hello.txt"})
    assert raw.receive()["result"]["content"][0]["text"] == "hello\n"


def test_end_of_input_answers_what_was_asked_then_exits_cleanly(root: Path) -> None:
    client = RawClient(str(root))
    try:
        client.send(INITIALIZE)
        client.send(INITIALIZED)
        client.call(1, "read_text_file", {"path": "hello.txt"})
        client.stdin.close()
        answers = [json.loads(line) for line in client.stdout]
        assert [answer["id"] for answer in answers] == [0, 1]
        assert client.process.wait(timeout=10) == 0
    finally:
        client.close()


def test_end_of_input_after_an_answered_request_still_answers_the_calls_read_since(raw: RawClient) -> None:
    # The handshake was answered before the call was read: the call must not be cut off at end of input.
    raw.call(1, "read_text_file", {"path": "hello.txt"})
    raw.stdin.close()
    answers = answers_to_the_client(raw.answers_after_exit())
    assert answers[1]["result"]["content"][0]["text"] == "hello\n"


def test_input_from_a_regular_file_is_read_to_the_end_and_answered(root: Path, tmp_path: Path) -> None:
    # A regular file cannot be waited on by the event loop; its lines are read in a thread instead.
    requests = tmp_path / "requests.jsonl"
    lines = [INITIALIZE, INITIALIZED, tool_call(1, "read_text_file", {"path": "hello.txt"})]
    requests.write_text("".join(json.dumps(line) + "\n" for line in lines) + "not json")  # no final newline
    with requests.open("rb") as stdin:
        done = subprocess.run(
            [installed_script("moorings-filesystem"), str(root)],
            stdin=stdin,
            capture_output=True,
            timeout=30,
            check=False,
        )
    answers = {answer["id"]: answer for answer in map(json.loads, done.stdout.splitlines())}
    assert done.returncode == 0
    assert sorted(answers, key=str) == [0, 1, None]
    assert answers[0]["result"]["serverInfo"]["name"] == "moorings-filesystem"
    assert answers[1]["result"]["content"][0]["text"] == "hello\n"
    assert answers[None]["error"]["code"] == -32700  # the unterminated last line was read too


def test_input_from_dev_null_ends_the_process_cleanly_and_silently(root: Path) -> None:
    with open(os.devnull, "rb") as stdin:
        done = subprocess.run(
            [installed_script("moorings-filesystem"), str(root)],
            stdin=stdin,
            capture_output=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 0
    assert done.stdout == b""


def test_a_call_waiting_on_a_client_whose_input_ended_is_answered(root: Path) -> None:
    # The call asks the client for its roots, which a client whose input has ended can never send:
    # the transport answers that request for it, and the call goes on without narrowing.
    client = RawClient(str(root))
    try:
        client.send(INITIALIZE_WITH_ROOTS)
        client.send(INITIALIZED)
        client.call(1, "list_directory", {"path": str(root)})
        client.stdin.close()
        messages = client.answers_after_exit()
        assert [message["method"] for message in messages if "method" in message] == ["roots/list"]
        answers = answers_to_the_client(messages)
        assert answers[1]["result"]["isError"] is False
        assert "hello.txt" in answers[1]["result"]["content"][0]["text"]
    finally:
        client.close()


@pytest.mark.parametrize("cancelled_id", [1, "1"], ids=["integer id", "same id as a string"])
def test_a_call_the_client_cancelled_is_not_waited_for_at_end_of_input(
    root: Path, cancelled_id: object
) -> None:
    client = RawClient(str(root))
    try:
        client.send(INITIALIZE_WITH_ROOTS)
        client.send(INITIALIZED)
        client.call(1, "list_directory", {"path": str(root)})
        assert client.receive()["id"] == 0
        assert client.receive()["method"] == "roots/list"  # the call now waits for the client
        client.send(
            {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": cancelled_id}}
        )
        client.stdin.close()
        assert 1 not in answers_to_the_client(client.answers_after_exit())  # a cancelled request gets none
    finally:
        client.close()


def test_a_listen_stream_open_at_end_of_input_ends_with_the_connection(root: Path) -> None:
    # A subscriptions/listen response lasts as long as the connection: it is not waited for.
    client = RawClient(str(root))
    try:
        listen = {"notifications": {"resourcesListChanged": True}, "_meta": MODERN_META}
        client.send({"jsonrpc": "2.0", "id": "listen", "method": "subscriptions/listen", "params": listen})
        assert client.receive()["method"] == "notifications/subscriptions/acknowledged"
        client.call(1, "read_text_file", {"path": "hello.txt"}, _meta=MODERN_META)
        client.stdin.close()
        answers = answers_to_the_client(client.answers_after_exit())
        assert answers[1]["result"]["content"][0]["text"] == "hello\n"
        assert answers["listen"]["error"]["code"] == -32000
    finally:
        client.close()


def test_sigterm_ends_the_process_within_two_seconds(raw: RawClient) -> None:
    raw.process.send_signal(signal.SIGTERM)
    assert raw.process.wait(timeout=2) == 0


def test_sigint_ends_the_process_within_two_seconds(raw: RawClient) -> None:
    """Ctrl-C: SIGINT on every platform."""
    raw.process.send_signal(signal.SIGINT)
    assert raw.process.wait(timeout=2) == 0


def test_sigterm_ends_the_process_even_when_the_client_stopped_reading(raw: RawClient) -> None:
    # Fill the pipe to the client with answers nobody reads, so the server's writer blocks.
    def flood() -> None:
        try:
            for request_id in range(100, 3000):
                raw.call(request_id, "list_allowed_directories", {})
        except (BrokenPipeError, ValueError):
            pass

    writer = threading.Thread(target=flood, daemon=True)
    writer.start()
    writer.join(timeout=5)
    raw.process.send_signal(signal.SIGTERM)
    assert raw.process.wait(timeout=2) == 0


@needs_fd_diversion
def test_stray_output_on_fd_1_never_reaches_the_protocol_stream() -> None:
    program = (
        "import os\n"
        "from moorings_core.platform.stdio import StdioStreams\n"
        "with StdioStreams.claim() as wire:\n"
        "    os.write(1, b'stray print\\n')\n"
        "    os.write(wire.wire_out, b'protocol\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, check=True, timeout=30)
    assert done.stdout == b"protocol\n"
    assert b"stray print" in done.stderr


def test_print_and_input_never_touch_the_protocol_streams() -> None:
    """Whatever the platform: Python's stdout goes to stderr and its stdin is empty while claimed."""
    program = (
        "import os, sys\n"
        "from moorings_core.platform.stdio import StdioStreams\n"
        "with StdioStreams.claim() as wire:\n"
        "    print('stray print')\n"
        "    stolen = sys.stdin.read()\n"
        "    os.write(wire.wire_out, os.read(wire.wire_in, 100) + repr(stolen).encode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], input=b"request", capture_output=True, check=True, timeout=30
    )
    assert done.stdout == b"request''"
    assert b"stray print" in done.stderr


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"\xff\xfe not utf-8", -32700),
        (b"{}", -32600),
        (b'{"jsonrpc": "2.0", "id": true, "method": "x"}', -32600),
    ],
)
def test_parse_line_classifies_bad_lines(line: bytes, code: int) -> None:
    parsed = parse_line(line)
    assert isinstance(parsed, FramingError)
    assert parsed.code == code


def test_parse_line_accepts_every_message_kind() -> None:
    for message in (
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 1, "result": {}},
        {"jsonrpc": "2.0", "id": 1, "error": {"code": -1, "message": "no"}},
    ):
        assert not isinstance(parse_line(json.dumps(message).encode()), FramingError)


@pytest.mark.anyio
@pytest.mark.parametrize("era", [LEGACY, MODERN])
async def test_the_sdk_client_works_over_real_stdio_in_both_eras(root: Path, era: Era) -> None:
    async with connect_stdio("moorings-filesystem", str(root), era=era) as client:
        assert client.protocol_version == era
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"list_allowed_directories", "list_directory", "read_text_file"} <= names
        listing = await client.call_tool("list_allowed_directories", {})
        assert listing.structured_content is not None
        assert listing.structured_content["directories"] == [str(root)]


def test_no_output_before_the_first_request(root: Path) -> None:
    """Hosts treat anything on stdout before their first request as a protocol error."""
    client = RawClient(str(root))
    try:
        client.stdin.close()
        assert client.stdout.read() == b""
        assert client.process.wait(timeout=10) == 0
    finally:
        client.close()


def test_the_environment_does_not_leak_into_the_protocol(root: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "always"}
    done = subprocess.run(
        [installed_script("moorings-filesystem"), str(root)],
        input=json.dumps(INITIALIZE).encode() + b"\n",
        capture_output=True,
        env=env,
        timeout=30,
        check=True,
    )
    for line in done.stdout.splitlines():
        assert json.loads(line)["jsonrpc"] == "2.0"
