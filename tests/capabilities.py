"""Marks for tests of a feature that the portable paths do without.

`MOORINGS_PORTABLE=1` (the second pass of `make test`) turns every feature off; these tests are
then skipped, and the tests of what the portable path does instead run.
"""

from __future__ import annotations

import pytest

from moorings_core.platform import files
from moorings_core.platform.capabilities import CAPABILITIES, PORTABLE_VARIABLE, detect

__all__ = [
    "OPENINGS",
    "PORTABLE",
    "TELLS_DEAD_WRITERS",
    "needs_descriptor_walk",
    "needs_fd_diversion",
    "needs_writer_liveness",
    "open_by",
]

PORTABLE = not CAPABILITIES.directory_descriptors
"""Directories are checked paths here (Windows, or forced): the weaker guarantees apply."""

OPENINGS = ["descriptors", "paths"]


def open_by(opening: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the jail open with `opening` for one test: the descriptor walk (where the OS has it) or
    the checked paths Windows uses, so both are shown refusing the same attacks in every run."""
    if opening == "paths":
        monkeypatch.setattr(files, "CAPABILITIES", detect({PORTABLE_VARIABLE: "1"}))
    elif PORTABLE:
        pytest.skip("this OS (or MOORINGS_PORTABLE) has no descriptor walk")


needs_descriptor_walk = pytest.mark.skipif(
    PORTABLE, reason="the race-free descriptor walk's guarantee; without it, weaker ones are tested"
)
needs_fd_diversion = pytest.mark.skipif(
    not CAPABILITIES.stdio_diversion, reason="fd 1 is diverted only where fcntl can duplicate descriptors"
)
TELLS_DEAD_WRITERS = CAPABILITIES.process_start_times or CAPABILITIES.signal_probes
"""Whether a temporary's writer can be told dead here (not on Windows, nor forced portable)."""

needs_writer_liveness = pytest.mark.skipif(
    not TELLS_DEAD_WRITERS, reason="where a writer cannot be told dead, its temporaries are kept, never swept"
)
