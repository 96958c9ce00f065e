"""What the platform offers, for tests: both ways of opening, and marks for features the portable
paths do without.

`MOORINGS_PORTABLE=1` (the second pass of `make test`) turns every feature off; the marked tests are
then skipped, and the tests of what the portable path does instead run.
"""

from __future__ import annotations

import pytest

from moorings_core.platform import files, processes
from moorings_core.platform.capabilities import CAPABILITIES, PORTABLE_VARIABLE, detect

__all__ = [
    "OPENINGS",
    "STOPPINGS",
    "TELLS_DEAD_WRITERS",
    "needs_fd_diversion",
    "needs_writer_liveness",
    "open_by",
    "stop_by",
]

OPENINGS = ["descriptors", "paths"]
STOPPINGS = ["groups", "child"]


def open_by(opening: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the jail open with `opening` for one test: the descriptor walk (where the OS has it) or
    the checked paths Windows uses, so both are shown refusing the same attacks in every run."""
    if opening == "paths":
        monkeypatch.setattr(files, "CAPABILITIES", detect({PORTABLE_VARIABLE: "1"}))
    elif not CAPABILITIES.directory_descriptors:
        pytest.skip("this OS (or MOORINGS_PORTABLE) has no descriptor walk")


def stop_by(stopping: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make programs run by `run_command` start and stop with `stopping`: in a process group of their
    own, stopped whole (where the OS has groups), or as the lone child Windows stops."""
    if stopping == "child":
        monkeypatch.setattr(processes, "CAPABILITIES", detect({PORTABLE_VARIABLE: "1"}))
    elif not CAPABILITIES.process_groups:
        pytest.skip("this OS (or MOORINGS_PORTABLE) has no process groups")


TELLS_DEAD_WRITERS = CAPABILITIES.process_start_times or CAPABILITIES.signal_probes
"""Whether a temporary's writer can be told dead here (not on Windows, nor forced portable)."""

needs_writer_liveness = pytest.mark.skipif(
    not TELLS_DEAD_WRITERS, reason="where a writer cannot be told dead, its temporaries are kept, never swept"
)
needs_fd_diversion = pytest.mark.skipif(
    not CAPABILITIES.stdio_diversion, reason="fd 1 is diverted only where fcntl can duplicate descriptors"
)
