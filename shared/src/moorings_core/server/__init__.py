"""The server bootstrap every Moorings server uses.

`MooringsServer` (app) builds the SDK server with our guarantees; `run_stdio`
(run) serves it on a hardened stdio transport (stdio) in both protocol eras;
`ResourceSubscriptions` (subscriptions) and `ClientRoots` (roots) are opt-in;
`ArgumentChecker` (arguments) keeps tool arguments honest; `Output` and
`tool_result` (results) shape what tools return; `reporting_progress` (progress)
sends the progress of long blocking work to a caller that asked for it.
"""

from moorings_core.server.app import MooringsServer, package_version
from moorings_core.server.progress import NO_PROGRESS, Progress, counted, reporting_progress
from moorings_core.server.results import Output, tool_result
from moorings_core.server.roots import ClientRoots, root_to_path
from moorings_core.server.run import run_stdio, serve
from moorings_core.server.subscriptions import ResourceSubscriptions

__all__ = [
    "NO_PROGRESS",
    "ClientRoots",
    "MooringsServer",
    "Output",
    "Progress",
    "ResourceSubscriptions",
    "counted",
    "package_version",
    "reporting_progress",
    "root_to_path",
    "run_stdio",
    "serve",
    "tool_result",
]
