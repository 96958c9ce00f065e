"""A plain fetch MCP server with the reference's tool and paging contract, for the fetch scenario tests.

Real stdio and real HTTP, written the obvious way: like the reference, every call reads robots.txt,
downloads the page (gzip accepted) and turns it into text (here: the text outside scripts and
styles, a line per block), then answers one page of it with the reference's texts. Options:
``--cache`` keeps each URL's text, so later pages download nothing; ``--slow-later SECONDS`` sleeps
before answering any page after the first; ``--drop-section N`` leaves out the heading of the
article's section N; ``--child`` converts in a child Python process that holds 64 MiB while it works.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser

from mcp.server.mcpserver import MCPServer

server = MCPServer("minimal-fetch")
_cache: dict[str, str] = {}
_BLOCKS = {"p", "li", "h1", "h2", "h3", "tr", "pre", "blockquote", "figcaption", "div", "section"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _option(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def _get(url: str) -> bytes:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"this test server fetches only from the tests' local servers, not {url}")
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body: bytes = response.read()
        return gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body


def _text(html: str) -> str:
    if "--child" in sys.argv:
        # Holds 64 MiB while it works, so that a peak counting children can see it.
        script = "import sys; ballast = bytearray(64 * 2**20); sys.stdout.write(sys.stdin.read())"
        html = subprocess.run(
            [sys.executable, "-c", script], input=html, capture_output=True, text=True
        ).stdout
    parser = _Text()
    parser.feed(html)
    text = "".join(parser.parts)
    dropped = _option("--drop-section")
    if dropped is not None:
        text = text.replace(f"Section {dropped}:", "Section:")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _document(url: str) -> str:
    if url in _cache:
        return _cache[url]
    origin = "/".join(url.split("/", 3)[:3])
    _get(origin + "/robots.txt")
    text = _text(_get(url).decode())
    if "--cache" in sys.argv:
        _cache[url] = text
    return text


@server.tool()
def fetch(url: str, max_length: int = 5000, start_index: int = 0, raw: bool = False) -> str:
    if start_index > 0 and (delay := _option("--slow-later")) is not None:
        time.sleep(float(delay))
    content = _document(url)
    if start_index >= len(content):
        return f"Contents of {url}:\n<error>No more content available.</error>"
    page = content[start_index : start_index + max_length]
    if len(page) == max_length and start_index + max_length < len(content):
        page += (
            "\n\n<error>Content truncated. Call the fetch tool with a start_index of "
            f"{start_index + max_length} to get more content.</error>"
        )
    return f"Contents of {url}:\n{page}"


if __name__ == "__main__":
    server.run()
