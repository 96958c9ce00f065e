"""Any ASGI app served for real on 127.0.0.1: uvicorn in a background thread, on a port of its own.

The listening socket is bound and listening before the thread starts, so the port is known at once
and a client that connects early waits in the listen queue rather than being refused. uvicorn runs
without websockets or lifespan (neither is used, and both pull in deprecated code) and stops within
two of its 0.1 s ticks: `force_exit` skips the wait for open connections, since a test that is done
has no use for a slow request still running.

Its HTTP protocol adds one ASGI extension, `HANG_UP`: a callable that drops the connection at once,
without a response. ASGI has no message for that, and a server that drops a connection is exactly
what retry tests need.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HANG_UP", "serve_asgi"]

HANG_UP = "moorings.hang_up"
"""The key in `scope["extensions"]` of a callable that drops the request's connection."""


class _HangUpH11Protocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app = self.app

        async def app_that_may_hang_up(scope: Any, receive: Any, send: Any) -> None:
            scope["extensions"] = {**scope.get("extensions", {}), HANG_UP: self.transport.abort}
            await app(scope, receive, send)

        self.app = app_that_may_hang_up


@contextmanager
def serve_asgi(app: Any, host: str = "127.0.0.1") -> Iterator[int]:
    """Serve `app` on `host` while the block runs; yields the port."""
    listener = socket.create_server((host, 0))
    config = uvicorn.Config(
        app, http=_HangUpH11Protocol, ws="none", lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield int(listener.getsockname()[1])
    finally:
        server.should_exit = server.force_exit = True
        thread.join()
        listener.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Return once uvicorn serves, so that a failure to start fails here rather than as a client timeout."""
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped before it started serving")
        time.sleep(0.001)
