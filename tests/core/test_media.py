"""`moorings_core.media`: what a file's bytes are, by their content first, and a resource of them."""

from __future__ import annotations

import base64
import struct

import mcp_types as types
import pytest

from moorings_core.media import as_text, file_contents, file_type, media_type, sniff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"BM" + b"\x00" * 12 + struct.pack("<I", 40), "image/bmp"),
        (b"II*\x00\x08\x00", "image/tiff"),
        (b"\x00\x00\x01\x00\x01\x00", "image/x-icon"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b"\x00\x00\x00\x1cftypavif", "image/avif"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),
        (b"\xff\xf1\x50\x80", "audio/aac"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"fLaC\x00\x00", "audio/flac"),
        (b"\x00\x00\x00\x20ftypM4A \x00", "audio/mp4"),
        (b"\x00\x00\x00\x20ftypisom\x00", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"%PDF-1.4", "application/pdf"),
        (b"BMW is a car, not a bitmap", None),
        (b"plain text", None),
        (b"", None),
    ],
)
def test_sniffing_recognises_signatures(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected


def test_an_mp4_container_named_m4a_is_audio() -> None:
    assert media_type("voice.m4a", b"\x00\x00\x00\x20ftypisom\x00").mime_type == "audio/mp4"
    assert media_type("film.mp4", b"\x00\x00\x00\x20ftypisom\x00").mime_type == "video/mp4"
    assert media_type("mystery", b"????").mime_type == "application/octet-stream"


# -- a file as a resource ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"plain\n", "plain\n"),
        ("Héllo\n".encode(), "Héllo\n"),
        (b"", ""),
        (b"text\0with a NUL", None),  # valid UTF-8, but no text file holds a NUL
        ("café".encode("latin-1"), None),  # not UTF-8: no guess at another encoding
        (PNG, None),
    ],
)
def test_text_is_utf8_without_nul_bytes(data: bytes, text: str | None) -> None:
    assert as_text(data) == text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.md", "text/markdown"),  # the extra table: Python's does not know it
        ("config.YML", "application/yaml"),
        ("pyproject.toml", "application/toml"),
        ("tool.py", "text/x-python"),
        ("data.json", "application/json"),
        ("icon.svg", "image/svg+xml"),  # +xml is text
        ("README", "text/plain"),
        ("archive.tar.gz", "text/plain"),  # text after all: the name's gzip is not textual
        ("logo.png", "text/plain"),  # a name that claims a binary type does not make text binary
    ],
)
def test_text_is_typed_by_its_name_when_that_names_text(name: str, expected: str) -> None:
    contents = file_contents("x:/f", name, b"some text\n")
    assert isinstance(contents, types.TextResourceContents)
    assert (contents.uri, contents.text, contents.mime_type) == ("x:/f", "some text\n", expected)
    assert file_type(name, b"some text\n") == expected


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("picture", PNG, "image/png"),  # no extension: the signature says what it is
        ("picture.jpg", PNG, "image/png"),  # the content outweighs the name
        ("backup.tar.gz", b"\x1f\x8b\x08\x00", "application/gzip"),  # the outer encoding
        ("latin1.txt", "café".encode("latin-1"), "text/plain"),  # unsniffable: typed by name
        ("data.bin", bytes(range(256)), "application/octet-stream"),
        ("mystery", b"\0\1\2", "application/octet-stream"),
    ],
)
def test_binary_is_a_blob_typed_by_content_then_name(name: str, data: bytes, expected: str) -> None:
    contents = file_contents("x:/f", name, data)
    assert isinstance(contents, types.BlobResourceContents)
    assert base64.b64decode(contents.blob) == data
    assert (contents.uri, contents.mime_type) == ("x:/f", expected)
    assert file_type(name, data) == expected
