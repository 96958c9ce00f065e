"""What the `moorings` command reports as one line and exit status 2, instead of a traceback."""

from __future__ import annotations

__all__ = ["MooringsCliError", "UsageError"]


class MooringsCliError(Exception):
    """A failure the user can act on; the message says what was wrong and what to do."""

    exit_status = 1


class UsageError(MooringsCliError):
    """The command line asks for something that cannot be done as given."""

    exit_status = 2
