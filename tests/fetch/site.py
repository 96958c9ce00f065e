"""A real web site on 127.0.0.1 for the fetch tests: pages set per path, every request recorded.

`Site.page(path, body, ...)` sets what a path answers; `site.requests(path)` lists what was asked of
it (method and headers), so a test can assert that a page was downloaded once, revalidated with a
conditional request, or never reached at all. A page may answer 304 to a matching validator, send
its body slowly, or redirect.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Page", "Request", "Site", "serve_site"]


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    """Answer 304 without a body to an If-None-Match naming it."""
    chunk_delay: float = 0.0
    """Seconds between 64 KiB chunks of the body."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]


class Site:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._pages: dict[str, Page] = {}
        self._requests: list[Request] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def page(
        self,
        path: str,
        body: bytes | str = b"",
        content_type: str = "text/html; charset=utf-8",
        **options: object,
    ) -> Page:
        data = body.encode() if isinstance(body, str) else body
        headers = {"Content-Type": content_type} if content_type else {}
        extra = options.pop("headers", {})
        assert isinstance(extra, dict)
        page = Page(body=data, headers={**headers, **extra}, **options)  # type: ignore[arg-type]
        self._pages[path] = page
        return page

    def requests(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._requests.append(
                Request(handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()})
            )
        page = self._pages.get(handler.path)
        if page is None:
            page = Page(b"not here", status=404, headers={"Content-Type": "text/plain"})
        if page.etag is not None and handler.headers.get("If-None-Match") == page.etag:
            handler.send_response(304)
            handler.send_header("ETag", page.etag)
            for name, value in page.headers.items():
                if name.lower() == "cache-control":
                    handler.send_header(name, value)
            handler.end_headers()
            return
        handler.send_response(page.status)
        for name, value in page.headers.items():
            handler.send_header(name, value)
        if page.etag is not None:
            handler.send_header("ETag", page.etag)
        handler.send_header("Content-Length", str(len(page.body)))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        for start in range(0, len(page.body), 65536):
            if page.chunk_delay:
                time.sleep(page.chunk_delay)
            handler.wfile.write(page.body[start : start + 65536])


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.site.answer(self)

    def do_HEAD(self) -> None:
        self.server.site.answer(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stops reading a body at its byte cap hangs up on purpose: not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve_site() -> Iterator[Site]:
    server = _SiteServer(("127.0.0.1", 0), _Handler)
    server.site = Site(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()
