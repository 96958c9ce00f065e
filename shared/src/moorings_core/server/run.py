"""Serving a `MooringsServer` over stdio until the client leaves or the process is told to stop.

The process ends cleanly (status 0) on end of input and on SIGTERM or SIGINT
(Ctrl-C or Ctrl-Break on Windows: `moorings_core.platform.signals`). On a
signal, in-flight calls are cancelled, queued responses get a moment to drain,
and if anything is still stuck (a client that stopped reading, a thread blocked
in a system call) the process exits anyway before two seconds are up: a host
that sends SIGTERM waits no longer than that. Nothing is left
half-written on disk because every write in our tools goes through a temporary
file and an atomic rename.
"""

from __future__ import annotations

import gc
import logging
import os
import threading

import anyio
from anyio import CancelScope

from moorings_core.platform.signals import stop_requests
from moorings_core.platform.stdio import StdioStreams
from moorings_core.server.app import MooringsServer
from moorings_core.server.sdk_adapter import LONG_LIVED_REQUESTS
from moorings_core.server.stdio import stdio_message_streams

__all__ = ["serve_stdio"]

logger = logging.getLogger(__name__)

# How long after a signal the process may take to wind down before it exits regardless.
SHUTDOWN_GRACE = 1.5


async def serve_stdio(server: MooringsServer) -> None:
    """Serve `server` on the process's stdin and stdout until the client leaves or a signal stops it.

    The protocol moves to private descriptors meanwhile (see `stdio`).
    """
    _freeze_startup_objects()
    with StdioStreams.claim() as wire:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_stop_on_signal, tasks.cancel_scope)
            try:
                async with stdio_message_streams(
                    wire.wire_in,
                    wire.wire_out,
                    max_message_bytes=server.settings.max_message_bytes,
                    long_lived=LONG_LIVED_REQUESTS,
                ) as (read_stream, write_stream):
                    await server.run_connection(read_stream, write_stream)
            finally:
                tasks.cancel_scope.cancel()
    logger.info("%s stopped", server.name)


def _freeze_startup_objects() -> None:
    """Keep the objects made at start-up out of every later garbage collection, then collect.

    Importing the SDK and building the server leave a few hundred thousand objects
    (models, schemas, validators) that live as long as the process. A call that
    allocates a lot (a page of thousands of entries) sets off full collections
    that walk all of them each time: 50 ms of a 10,000-entry listing went there.
    Console scripts turn collection off while they start (it walks the same
    objects while they are made); it is turned back on here.
    """
    gc.freeze()
    gc.enable()


async def _stop_on_signal(scope: CancelScope) -> None:
    with stop_requests() as requests:
        async for name in requests:
            logger.info("Received %s; shutting down", name)
            _exit_after(SHUTDOWN_GRACE)
            scope.cancel()
            return


def _exit_after(seconds: float) -> None:
    """A last resort: end the process even if a blocked thread would keep it alive."""
    timer = threading.Timer(seconds, os._exit, args=(0,))
    timer.daemon = True
    timer.start()
