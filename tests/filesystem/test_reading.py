"""The reading tools, called the way a client calls them: whole files, parts, several files, media.

Every test talks to a real server through the SDK client over real files. Hostile paths sit beside
legitimate controls, and the reads of a 50 MB file are checked by how many bytes the process read.
"""

from __future__ import annotations

import base64
import io
import os
import re
import struct
import wave
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest

from moorings_core.testing import ERAS, MODERN, Era, Sandbox, connect, connect_stdio, succeeded, text_of
from moorings_filesystem.tools import reading
from tests.filesystem.helpers import FamilyCalls

pytestmark = pytest.mark.anyio
TOOLS = FamilyCalls(reading.register)
client_for, call, refusal = TOOLS.client_for, TOOLS.call, TOOLS.refusal
SMALL_OUTPUT = 1_000  # the smallest max_output_chars the settings accept
BIG_FILE_LINES = 800_000  # 64 bytes each: a 51.2 MB file


async def read(box: Sandbox, content: bytes, *, era: Era = MODERN, **arguments: Any) -> dict[str, Any]:
    """Write `content` to a file, read it with read_text_file, and return the structured result."""
    (box.root / "f.txt").write_bytes(content)
    _, facts = succeeded(await call(box, "read_text_file", era=era, path="f.txt", **arguments))
    return facts


# -- whole files --------------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_a_whole_file_comes_back_as_the_reference_server_sends_it(box: Sandbox, era: Era) -> None:
    (box.root / "notes.txt").write_text("first\nsecond\n")
    result = await call(box, "read_text_file", era=era, path="notes.txt")
    assert text_of(result) == "first\nsecond\n"  # plain text, no note: a prompt for the reference works
    assert result.structured_content is not None
    facts = result.structured_content
    assert facts["content"] == "first\nsecond\n"
    assert facts["path"] == str(box.root / "notes.txt")
    assert (facts["startLine"], facts["endLine"], facts["totalLines"]) == (1, 2, 2)
    assert (facts["partial"], facts["truncated"]) == (False, False)
    assert not {"continuation", "nextOffset"} & set(facts)  # a field with no value is left out


async def test_line_endings_and_a_missing_final_newline_are_kept(box: Sandbox) -> None:
    facts = await read(box, b"a\r\nb\r\nc")
    assert facts["content"] == "a\r\nb\r\nc"
    assert facts["totalLines"] == 3


async def test_a_byte_order_mark_is_left_out_and_reported(box: Sandbox) -> None:
    facts = await read(box, b"\xef\xbb\xbfhello\nworld\n")
    assert facts["content"] == "hello\nworld\n"
    assert facts["bom"] is True
    assert (await read(box, b"\xef\xbb\xbfhello\nworld\n", head=1))["content"] == "hello\n"
    assert (await read(box, b"plain\n"))["bom"] is False


async def test_invalid_utf8_becomes_replacement_characters(box: Sandbox) -> None:
    facts = await read(box, b"ok \xff\xfe end\n")
    assert facts["content"] == "ok \ufffd\ufffd end\n"
    assert facts["replacedInvalidBytes"] is True
    assert (await read(box, "ünïcode\n".encode()))["replacedInvalidBytes"] is False


@pytest.mark.parametrize("ask", [{}, {"head": 3}, {"tail": 3}, {"offset": 1}, {"byteOffset": 0}], ids=str)
async def test_an_empty_file_reads_as_nothing_however_it_is_asked(box: Sandbox, ask: dict[str, Any]) -> None:
    facts = await read(box, b"", **ask)
    assert (facts["content"], facts.get("continuation"), facts["partial"]) == ("", None, False)
    assert facts.get("totalLines") == 0 or "byteOffset" in ask  # a byte range knows nothing of lines


async def test_a_file_over_max_read_bytes_is_refused_whole_but_read_in_parts(box: Sandbox) -> None:
    (box.root / "big.txt").write_text("x" * 99 + "\n" + "line\n" * 400)
    async with client_for(box, max_read_bytes=1024) as client:
        refused = await client.call_tool("read_text_file", {"path": "big.txt"})
        head = await client.call_tool("read_text_file", {"path": "big.txt", "head": 1})
    assert refused.is_error
    message = text_of(refused)
    assert "2,100 bytes" in message
    assert "1,024-byte limit" in message
    for way in ("head", "tail", "offset", "byteOffset"):
        assert way in message
    assert text_of(head).startswith("x" * 99 + "\n")


async def test_a_binary_file_is_refused_with_a_pointer_to_read_media_file(box: Sandbox) -> None:
    (box.root / "data.bin").write_bytes(b"text then \x00 binary")
    message = await refusal(box, "read_text_file", path="data.bin")
    assert "binary" in message
    assert "read_media_file" in message


# -- head and tail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", [b"a\nb\nc\nd\n", b"a\nb\nc\nd"], ids=["final-newline", "no-final-newline"]
)
async def test_head_returns_the_first_lines_and_says_where_to_go_on(box: Sandbox, content: bytes) -> None:
    facts = await read(box, content, head=2)
    assert facts["content"] == "a\nb\n"
    assert (facts["startLine"], facts["endLine"], facts["nextOffset"]) == (1, 2, 3)
    assert "offset=3" in facts["continuation"]


@pytest.mark.parametrize(
    ("content", "last_two"),
    [(b"a\nb\nc\nd\n", "c\nd\n"), (b"a\nb\nc\nd", "c\nd"), (b"a\r\nb\r\nc\r\n", "b\r\nc\r\n")],
    ids=["final-newline", "no-final-newline", "crlf"],
)
async def test_tail_returns_the_last_lines_not_one_fewer(box: Sandbox, content: bytes, last_two: str) -> None:
    facts = await read(box, content, tail=2)
    assert facts["content"] == last_two
    assert facts["partial"] is True
    assert "byteOffset=0" in facts["continuation"]


async def test_tail_keeps_a_trailing_empty_line(box: Sandbox) -> None:
    assert (await read(box, b"a\nb\n\n", tail=1))["content"] == "\n"
    assert (await read(box, b"a\nb\n\n", tail=2))["content"] == "b\n\n"


@pytest.mark.parametrize("ask", [{"head": 0}, {"tail": 0}, {"offset": 2, "limit": 0}], ids=str)
async def test_head_and_tail_of_zero_return_nothing(box: Sandbox, ask: dict[str, Any]) -> None:
    facts = await read(box, b"a\nb\n", **ask)
    assert (facts["content"], facts.get("continuation"), facts["partial"]) == ("", None, True)


@pytest.mark.parametrize("ask", [{"head": 10}, {"tail": 10}, {"offset": 1, "limit": 10}], ids=str)
async def test_head_or_tail_beyond_the_file_is_the_whole_file(box: Sandbox, ask: dict[str, Any]) -> None:
    facts = await read(box, b"a\nb\nc\n", **ask)
    assert facts["content"] == "a\nb\nc\n"
    assert (facts["partial"], facts["totalLines"], facts["startLine"], facts["endLine"]) == (
        False,
        3,
        1,
        3,
    )


async def test_head_and_tail_of_a_crlf_file_count_each_line_once(box: Sandbox) -> None:
    assert (await read(box, b"one\r\ntwo\r\nthree\r\n", head=2))["content"] == "one\r\ntwo\r\n"
    assert (await read(box, b"one\r\ntwo\r\nthree\r\n", tail=1))["content"] == "three\r\n"


async def test_a_tail_longer_than_the_budget_keeps_the_last_lines_that_fit(box: Sandbox) -> None:
    lines = [f"line {number:05}\n" for number in range(1, 1001)]
    (box.root / "f.txt").write_text("".join(lines))
    async with client_for(box, max_output_chars=SMALL_OUTPUT) as client:
        result = await client.call_tool("read_text_file", {"path": "f.txt", "tail": 1000})
    facts = result.structured_content
    assert facts is not None
    assert facts["truncated"] is True
    assert facts["content"] == "".join(lines[-facts["content"].count("\n") :])
    assert len(text_of(result)) <= SMALL_OUTPUT
    assert "of the 1,000 asked for" in facts["continuation"]


async def test_a_last_line_longer_than_the_budget_comes_back_as_its_end(box: Sandbox) -> None:
    (box.root / "f.txt").write_text("short\n" + "é" * 5000 + "\n")
    async with client_for(box, max_output_chars=SMALL_OUTPUT) as client:
        result = await client.call_tool("read_text_file", {"path": "f.txt", "tail": 1})
    facts = result.structured_content
    assert facts is not None
    assert facts["content"].endswith("éé\n")
    assert set(facts["content"].rstrip("\n")) == {"é"}  # starts on a whole character
    assert "longer than the output budget" in facts["continuation"]


# -- ranges -------------------------------------------------------------------------------------


async def test_offset_and_limit_read_lines_by_number_from_one(box: Sandbox) -> None:
    content = "".join(f"{number}\n" for number in range(1, 11)).encode()
    facts = await read(box, content, offset=3, limit=2)
    assert facts["content"] == "3\n4\n"
    assert (facts["startLine"], facts["endLine"], facts["nextOffset"]) == (3, 4, 5)
    rest = await read(box, content, offset=9)
    assert (rest["content"], rest["totalLines"], rest.get("continuation")) == ("9\n10\n", 10, None)


async def test_an_offset_past_the_end_is_an_error_that_says_how_long_the_file_is(box: Sandbox) -> None:
    assert (await read(box, b"a\nb\n", offset=3))["content"] == ""  # just past the last line
    (box.root / "f.txt").write_bytes(b"a\nb\n")
    message = await refusal(box, "read_text_file", path="f.txt", offset=4)
    assert "has 2 lines" in message


async def test_following_the_continuations_reassembles_the_file(box: Sandbox) -> None:
    original = "".join(f"line {number} {'ü' * (number % 50)}\r\n" for number in range(1, 400))
    (box.root / "f.txt").write_text(original, newline="")
    pieces: list[str] = []
    arguments: dict[str, Any] = {"path": "f.txt"}
    async with client_for(box, max_output_chars=SMALL_OUTPUT) as client:
        while True:
            result = await client.call_tool("read_text_file", arguments)
            facts = result.structured_content
            assert facts is not None
            assert len(text_of(result)) <= SMALL_OUTPUT
            pieces.append(facts["content"])
            if "nextOffset" not in facts:
                break
            assert f"offset={facts['nextOffset']}" in text_of(result)
            arguments = {"path": "f.txt", "offset": facts["nextOffset"]}
    assert "".join(pieces) == original
    assert len(pieces) > 10


async def test_following_byte_continuations_never_splits_a_character(box: Sandbox) -> None:
    original = "".join(f"{number}: ✓✓ ünïcödé 日本語\n" for number in range(300)).encode()
    (box.root / "f.txt").write_bytes(original)
    pieces: list[str] = []
    arguments: dict[str, Any] = {"path": "f.txt", "byteOffset": 0}
    async with client_for(box, max_output_chars=SMALL_OUTPUT) as client:
        while True:
            facts = (await client.call_tool("read_text_file", arguments)).structured_content
            assert facts is not None
            assert facts["replacedInvalidBytes"] is False
            pieces.append(facts["content"])
            if "nextByteOffset" not in facts:
                break
            arguments = {"path": "f.txt", "byteOffset": facts["nextByteOffset"]}
    assert "".join(pieces).encode() == original


async def test_a_byte_range_returns_those_bytes(box: Sandbox) -> None:
    facts = await read(box, b"0123456789", byteOffset=2, byteLimit=3)
    assert facts["content"] == "234"
    assert (facts["startByte"], facts["endByte"], facts["nextByteOffset"]) == (2, 5, 5)
    assert "byteOffset=5" in facts["continuation"]
    (box.root / "f.txt").write_bytes(b"0123456789")
    assert "has 10 bytes" in await refusal(box, "read_text_file", path="f.txt", byteOffset=11)


async def test_a_line_longer_than_the_budget_continues_by_bytes(box: Sandbox) -> None:
    line = "x" * 3000
    (box.root / "f.txt").write_text(line + "\nnext\n")
    pieces: list[str] = []
    arguments: dict[str, Any] = {"path": "f.txt", "head": 1}
    async with client_for(box, max_output_chars=SMALL_OUTPUT) as client:
        first = (await client.call_tool("read_text_file", arguments)).structured_content
        assert first is not None
        assert "Line 1 is longer than the output budget" in first["continuation"]
        pieces.append(first["content"])
        offset = first.get("nextByteOffset")
        while offset is not None and offset < len(line) + 1:
            arguments = {"path": "f.txt", "byteOffset": offset}
            facts = (await client.call_tool("read_text_file", arguments)).structured_content
            assert facts is not None
            pieces.append(facts["content"])
            offset = facts.get("nextByteOffset")
    assert "".join(pieces).startswith(line + "\n")


async def test_two_ways_of_choosing_a_part_at_once_are_refused(box: Sandbox) -> None:
    (box.root / "f.txt").write_text("a\n")
    message = await refusal(box, "read_text_file", path="f.txt", head=1, tail=1)
    assert "head, tail" in message
    message = await refusal(box, "read_text_file", path="f.txt", offset=1, byteLimit=4)
    assert "offset/limit, byteOffset/byteLimit" in message


async def test_negative_counts_are_refused_by_the_schema(box: Sandbox) -> None:
    (box.root / "f.txt").write_text("a\n")
    for ask in ({"head": -1}, {"tail": -1}, {"offset": 0}, {"byteOffset": -5}):
        assert "Invalid arguments" in await refusal(box, "read_text_file", path="f.txt", **ask), ask


# -- big files ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root holding a 51 MB file of 800,000 numbered 64-byte lines."""
    root = tmp_path_factory.mktemp("big").resolve()
    with (root / "big.log").open("wb") as out:
        for chunk in range(0, BIG_FILE_LINES, 100_000):
            out.write(b"".join(b"%08d %-54s\n" % (n, b"payload") for n in range(chunk, chunk + 100_000)))
    return root


def _bytes_read_by_this_process() -> int:
    """What the kernel counts as read by this process (all threads), from /proc/self/io."""
    match = re.search(r"^rchar: (\d+)$", Path("/proc/self/io").read_text(), re.MULTILINE)
    assert match is not None
    return int(match.group(1))


async def _bytes_read_during(action: Callable[[], Any]) -> int:
    before = _bytes_read_by_this_process()
    await action()
    return _bytes_read_by_this_process() - before


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io")
async def test_head_and_tail_of_a_50_mb_file_read_only_a_few_blocks(big_root: Path) -> None:
    size = (big_root / "big.log").stat().st_size
    assert size == BIG_FILE_LINES * 64
    async with connect(TOOLS.server(big_root)) as client:
        await client.call_tool("read_text_file", {"path": "big.log", "head": 1})  # first-call imports

        results: dict[str, types.CallToolResult] = {}

        async def ask(name: str, **arguments: Any) -> None:
            results[name] = await client.call_tool("read_text_file", {"path": "big.log", **arguments})

        read_for_head = await _bytes_read_during(lambda: ask("head", head=3))
        read_for_tail = await _bytes_read_during(lambda: ask("tail", tail=3))
        read_for_range = await _bytes_read_during(lambda: ask("range", byteOffset=size // 2, byteLimit=64))
    assert text_of(results["head"]).startswith("00000000 payload")
    assert text_of(results["head"]).endswith(
        "\n\n[Showed lines 1-3 of a 51,200,000-byte file. "
        "Call read_text_file again with offset=4 to continue.]"
    )
    tail = results["tail"].structured_content
    assert tail is not None
    assert tail["content"].splitlines()[0].startswith("00799997 ")
    assert tail["content"].endswith("payload" + " " * 47 + "\n")
    assert results["range"].structured_content is not None
    assert results["range"].structured_content["content"].startswith("00400000 ")
    for bytes_read in (read_for_head, read_for_tail, read_for_range):
        assert bytes_read < 512 * 1024  # the file is 51 MB


async def test_a_big_file_with_huge_line_counts_stays_within_the_budget(big_root: Path) -> None:
    async with connect(TOOLS.server(big_root)) as client:
        head = await client.call_tool("read_text_file", {"path": "big.log", "head": 10**12})
        tail = await client.call_tool("read_text_file", {"path": "big.log", "tail": 10**12})
        deep = await client.call_tool("read_text_file", {"path": "big.log", "offset": 799_999, "limit": 5})
    for result in (head, tail):
        assert result.structured_content is not None
        assert result.structured_content["truncated"] is True
        assert "totalLines" not in result.structured_content  # nothing counted the whole file
        assert 90_000 < len(text_of(result)) <= 100_000
    assert head.structured_content is not None
    assert f"offset={head.structured_content['nextOffset']}" in text_of(head)
    assert deep.structured_content is not None
    assert deep.structured_content["content"].startswith("00799998 ")
    assert (deep.structured_content["endLine"], deep.structured_content["totalLines"]) == (800_000, 800_000)


# -- read_file ----------------------------------------------------------------------------------


async def test_read_file_is_a_deprecated_alias_with_the_same_parameters(box: Sandbox) -> None:
    (box.root / "f.txt").write_text("a\nb\nc\n")
    async with client_for(box) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        alias = await client.call_tool("read_file", {"path": "f.txt", "tail": 1})
        text = await client.call_tool("read_text_file", {"path": "f.txt", "tail": 1})
    assert set(tools) == {"read_text_file", "read_file", "read_multiple_files", "read_media_file"}
    assert "DEPRECATED" in (tools["read_file"].description or "")
    assert tools["read_file"].input_schema["properties"] == tools["read_text_file"].input_schema["properties"]
    assert alias.structured_content is not None
    assert text.structured_content is not None
    assert alias.structured_content["content"] == text.structured_content["content"] == "c\n"
    for tool in tools.values():
        assert tool.annotations is not None
        assert (tool.annotations.read_only_hint, tool.annotations.open_world_hint) == (True, False)


async def test_the_schema_says_how_offsets_count(box: Sandbox) -> None:
    async with client_for(box) as client:
        tool = next(tool for tool in (await client.list_tools()).tools if tool.name == "read_text_file")
    properties = tool.input_schema["properties"]
    assert set(properties) == {"path", "head", "tail", "offset", "limit", "byteOffset", "byteLimit"}
    assert "counting from 1" in properties["offset"]["description"]
    assert "counting from 0" in properties["byteOffset"]["description"]
    assert tool.input_schema["required"] == ["path"]


# -- read_multiple_files ------------------------------------------------------------------------


@pytest.mark.parametrize("era", ERAS)
async def test_each_file_gets_its_content_or_its_own_error(box: Sandbox, era: Era) -> None:
    (box.root / "a.txt").write_text("alpha\n")
    (box.root / "b.txt").write_text("beta\n")
    paths = ["a.txt", "missing.txt", str(box.sentinel), "b.txt"]
    result = await call(box, "read_multiple_files", era=era, paths=paths)
    assert not result.is_error
    text = text_of(result)
    sections = text.split("\n---\n")
    assert sections[0] == "a.txt:\nalpha\n\n"
    assert sections[1].startswith("missing.txt: Error - ")
    assert "does not exist" in sections[1]
    assert sections[2].startswith(f"{box.sentinel}: Error - ")
    assert "outside the allowed directories" in sections[2]
    assert sections[3] == "b.txt:\nbeta\n\n"
    assert "outside the sandbox" not in text
    facts = result.structured_content
    assert facts is not None
    assert (facts["read"], facts["failed"]) == (2, 2)
    assert [file.get("content") for file in facts["files"]] == ["alpha\n", None, None, "beta\n"]


async def test_files_share_the_output_budget_fairly(box: Sandbox) -> None:
    (box.root / "huge.txt").write_text("h\n" * 5000)
    (box.root / "short.txt").write_text("short and complete\n")
    (box.root / "also_huge.txt").write_text("g\n" * 5000)
    async with client_for(box, max_output_chars=2000) as client:
        result = await client.call_tool(
            "read_multiple_files", {"paths": ["huge.txt", "short.txt", "also_huge.txt"]}
        )
    assert len(text_of(result)) <= 2000
    facts = result.structured_content
    assert facts is not None
    huge, short, also_huge = facts["files"]
    assert short["content"] == "short and complete\n"
    assert short["truncated"] is False
    for cut in (huge, also_huge):
        assert cut["truncated"] is True
        assert len(cut["content"]) > 100
        assert "read_text_file" in cut["continuation"]
        assert f"offset={cut['nextOffset']}" in cut["continuation"]


async def test_binary_and_oversized_files_fail_alone(box: Sandbox) -> None:
    (box.root / "ok.txt").write_text("fine\n")
    (box.root / "blob.bin").write_bytes(b"\x00\x01\x02")
    (box.root / "big.txt").write_text("y" * 5000)
    async with client_for(box, max_read_bytes=1024) as client:
        result = await client.call_tool("read_multiple_files", {"paths": ["blob.bin", "big.txt", "ok.txt"]})
    facts = result.structured_content
    assert facts is not None
    blob, big, ok = facts["files"]
    assert "binary" in blob["error"]
    assert "limit" in big["error"]
    assert ok["content"] == "fine\n"


async def test_an_empty_list_of_paths_is_refused(box: Sandbox) -> None:
    assert "Invalid arguments" in await refusal(box, "read_multiple_files", paths=[])


# -- read_media_file ----------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A real 1x1 greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")  # filter type 0, one mid-grey pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """The start of a JFIF file (SOI, APP0) and its end marker."""
    app0 = b"JFIF\x00" + bytes([1, 1, 0, 0, 1, 0, 1, 0, 0])
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def wav_bytes() -> bytes:
    """A real tenth of a second of 8 kHz mono silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


@pytest.mark.parametrize("era", ERAS)
async def test_an_image_comes_back_as_an_image_block(box: Sandbox, era: Era) -> None:
    (box.root / "pixel.png").write_bytes(png_bytes())
    result = await call(box, "read_media_file", era=era, path="pixel.png")
    assert not result.is_error, text_of(result)
    image = result.content[0]
    assert isinstance(image, types.ImageContent)
    assert image.mime_type == "image/png"
    assert base64.b64decode(image.data) == png_bytes()
    assert result.structured_content == {
        "path": str(box.root / "pixel.png"),
        "mimeType": "image/png",
        "kind": "image",
        "size": len(png_bytes()),
        "detectedBy": "content",
    }


async def test_audio_comes_back_as_an_audio_block(box: Sandbox) -> None:
    (box.root / "beep.wav").write_bytes(wav_bytes())
    result = await call(box, "read_media_file", path="beep.wav")
    audio = result.content[0]
    assert isinstance(audio, types.AudioContent)
    assert audio.mime_type == "audio/wav"
    assert base64.b64decode(audio.data) == wav_bytes()


async def test_the_content_decides_the_type_not_the_extension(box: Sandbox) -> None:
    (box.root / "actually_png.jpg").write_bytes(png_bytes())
    (box.root / "photo.dat").write_bytes(jpeg_bytes())
    async with client_for(box) as client:
        renamed = await client.call_tool("read_media_file", {"path": "actually_png.jpg"})
        unnamed = await client.call_tool("read_media_file", {"path": "photo.dat"})
    assert isinstance(renamed.content[0], types.ImageContent)
    assert renamed.content[0].mime_type == "image/png"
    assert isinstance(unnamed.content[0], types.ImageContent)
    assert unnamed.content[0].mime_type == "image/jpeg"


async def test_the_extension_decides_when_the_content_is_unknown(box: Sandbox) -> None:
    (box.root / "song.mp3").write_bytes(b"not a recognisable header")
    result = await call(box, "read_media_file", path="song.mp3")
    assert isinstance(result.content[0], types.AudioContent)
    assert result.content[0].mime_type == "audio/mpeg"
    assert result.structured_content is not None
    assert result.structured_content["detectedBy"] == "extension"


async def test_a_pdf_comes_back_as_an_embedded_blob(box: Sandbox) -> None:
    document = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    (box.root / "doc.pdf").write_bytes(document)
    result = await call(box, "read_media_file", path="doc.pdf")
    embedded = result.content[0]
    assert isinstance(embedded, types.EmbeddedResource)
    assert isinstance(embedded.resource, types.BlobResourceContents)
    assert embedded.resource.mime_type == "application/pdf"
    assert embedded.resource.uri == (box.root / "doc.pdf").as_uri()
    assert base64.b64decode(embedded.resource.blob) == document


async def test_media_over_the_size_limit_or_empty_is_refused(box: Sandbox) -> None:
    (box.root / "large.png").write_bytes(png_bytes() + b"\x00" * 4096)
    (box.root / "empty.png").write_bytes(b"")
    async with client_for(box, max_read_bytes=1024) as client:
        large = await client.call_tool("read_media_file", {"path": "large.png"})
        empty = await client.call_tool("read_media_file", {"path": "empty.png"})
    assert large.is_error
    assert "1,024-byte limit" in text_of(large)
    assert empty.is_error
    assert "empty" in text_of(empty)


# -- hostile paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["read_text_file", "read_file", "read_media_file"])
async def test_paths_outside_the_roots_are_refused_beside_a_working_control(box: Sandbox, tool: str) -> None:
    (box.root / "inside.png").write_bytes(png_bytes())
    (box.root / "inside.txt").write_text("inside\n")
    (box.root / "escape").symlink_to(box.sentinel)
    async with client_for(box) as client:
        for hostile in (str(box.sentinel), "../outside/secret.txt", "escape", "~/../../etc/passwd"):
            result = await client.call_tool(tool, {"path": hostile})
            assert result.is_error, hostile
            assert "outside the sandbox" not in text_of(result)
            assert "denied" in text_of(result), hostile
            assert str(box.root) in text_of(result)  # the message says what is allowed
        control = await client.call_tool(tool, {"path": "inside.png" if "media" in tool else "inside.txt"})
    assert not control.is_error
    assert box.sentinel.read_text() == "outside the sandbox\n"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("tool", ["read_text_file", "read_media_file"])
async def test_a_fifo_is_refused_at_once_and_the_server_keeps_serving(box: Sandbox, tool: str) -> None:
    os.mkfifo(box.root / "pipe")
    (box.root / "ok.txt").write_text("still here\n")
    async with client_for(box) as client:
        fifo = await client.call_tool(tool, {"path": "pipe"})
        multiple = await client.call_tool("read_multiple_files", {"paths": ["pipe", "ok.txt"]})
        control = await client.call_tool("read_text_file", {"path": "ok.txt"})
    assert fifo.is_error
    assert "FIFO" in text_of(fifo)
    assert "FIFO" in text_of(multiple)
    assert "still here" in text_of(multiple)
    assert text_of(control) == "still here\n"


async def test_a_directory_is_not_a_file(box: Sandbox) -> None:
    (box.root / "sub").mkdir()
    assert "is a directory" in await refusal(box, "read_text_file", path="sub")
    assert "is a directory" in await refusal(box, "read_media_file", path="sub")


# -- end to end ---------------------------------------------------------------------------------


@pytest.mark.stdio
@pytest.mark.parametrize("era", ERAS)
async def test_the_installed_server_reads_parts_and_media_over_stdio(box: Sandbox, era: Era) -> None:
    (box.root / "log.txt").write_text("".join(f"entry {number}\n" for number in range(1, 1001)))
    (box.root / "pixel.png").write_bytes(png_bytes())
    async with connect_stdio("moorings-filesystem", str(box.root), "--read-only", era=era) as client:
        head = await client.call_tool("read_text_file", {"path": "log.txt", "head": 2})
        tail = await client.call_tool("read_text_file", {"path": "log.txt", "tail": 2})
        media = await client.call_tool("read_media_file", {"path": "pixel.png"})
        outside = await client.call_tool("read_multiple_files", {"paths": [str(box.sentinel), "log.txt"]})
    assert text_of(head).startswith("entry 1\nentry 2\n\n[Showed lines 1-2 ")
    assert text_of(tail).startswith("entry 999\nentry 1000\n\n[Showed the last 2 lines ")
    assert isinstance(media.content[0], types.ImageContent)
    assert base64.b64decode(media.content[0].data) == png_bytes()
    assert "denied" in text_of(outside)
    assert "entry 1000" in text_of(outside)
    assert "outside the sandbox" not in text_of(outside)
