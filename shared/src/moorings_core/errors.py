"""The failures a model is meant to read.

Every expected failure in a Moorings server is a `MooringsError`. Raised inside a
tool it becomes an `isError: true` result whose text is the message (the SDK logs
it at INFO, without a traceback), so the model can correct itself and the server
keeps serving. Messages say what was wrong and what is allowed instead.

Anything else that escapes a tool is a bug: the SDK shows the model a generic
message and logs the traceback to stderr.
"""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

__all__ = ["AccessDenied", "InvalidInput", "LimitExceeded", "MooringsError", "NotFound", "OperationFailed"]


class MooringsError(ToolError):
    """An anticipated failure, shown to the model as the text of an error result."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}" if hint else message)


class AccessDenied(MooringsError):
    """A sandbox rule refused the request.

    A path outside the roots, a private address, a write in read-only mode.
    """


class InvalidInput(MooringsError):
    """An argument is malformed or out of range (beyond what the input schema can say)."""


class NotFound(MooringsError):
    """The named thing (file, table, ref, URL) does not exist."""


class LimitExceeded(MooringsError):
    """A budget ran out: output size, body size, time."""


class OperationFailed(MooringsError):
    """The operation was valid but the world said no: a full disk, an I/O error, a refused connection."""
