"""The server bootstrap every Moorings server uses.

`MooringsServer` (app) is what a server declares its tools, prompts and resources on; `CallGuard`
(call_guard) checks, times and bounds every tool call; `serve_stdio` (run) serves a server on a hardened
stdio transport (stdio) in both protocol eras; `ResourceProvider` and `SubscribableResources`
(resources) are how a server offers resources, `ResourceSubscriptions` (subscriptions) who listens to
them, and `WatchedUris` (subscriptions) which watched URI names which target of a provider's watcher;
`ClientRoots` (roots) is what a client offers as its roots; `ArgumentChecker` (arguments) keeps tool
arguments honest; `Output` and `tool_result` (results) shape what tools return;
`reporting_progress` (progress) sends the progress of long blocking work to a caller that asked for
it; `page_tool_list` (tool_pages) answers `tools/list` in pages for a server with many tools, and
`metaschema` checks the schemas of tools declared as data, cheaply for a thousand. Every reach past
the SDK's public API is in `sdk_adapter`.
"""

from moorings_core.server.app import MooringsServer, SchemaToolHandler, ToolRegistry, package_version
from moorings_core.server.contexts import RequestContext, ToolContext
from moorings_core.server.progress import NO_PROGRESS, Progress, counted, reporting_progress
from moorings_core.server.resources import (
    ResourceContents,
    ResourceProvider,
    SubscribableResources,
)
from moorings_core.server.results import Output, tool_result
from moorings_core.server.roots import ClientRoots, root_to_path
from moorings_core.server.run import serve_stdio
from moorings_core.server.subscriptions import ResourceSubscriptions, WatchedUris

__all__ = [
    "NO_PROGRESS",
    "ClientRoots",
    "MooringsServer",
    "Output",
    "Progress",
    "RequestContext",
    "ResourceContents",
    "ResourceProvider",
    "ResourceSubscriptions",
    "SchemaToolHandler",
    "SubscribableResources",
    "ToolContext",
    "ToolRegistry",
    "WatchedUris",
    "counted",
    "package_version",
    "reporting_progress",
    "root_to_path",
    "serve_stdio",
    "tool_result",
]
