"""moorings-core: the common library under every Moorings MCP server.

The public API is everything in `__all__`, importable from here (`from moorings_core import
MooringsServer, PathJail`); the modules named in the table of the README are where each name
lives. Names are imported on first use (PEP 562), so a console script pays only for what it
touches, in the order it touches it: `moorings_core.program` pauses garbage collection before the
SDK is imported at all.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moorings_core.blocking import run_blocking, work_deadline
    from moorings_core.commands import CommandResult, run_command
    from moorings_core.config import (
        ConfigError,
        EnvAliases,
        PathPart,
        Positional,
        Secret,
        ServerSettings,
        load_settings,
    )
    from moorings_core.errors import (
        AccessDenied,
        InvalidInput,
        LimitExceeded,
        MooringsError,
        NotFound,
        OperationFailed,
    )
    from moorings_core.limits import Truncated, truncate_text
    from moorings_core.outbound import OutboundSettings
    from moorings_core.paging import NOTE_ROOM, Page, Pager, PageRequest
    from moorings_core.program import ServerProgram, run_program
    from moorings_core.ratelimit import RateLimiter
    from moorings_core.sandbox.git import GitSandbox
    from moorings_core.sandbox.network import GuardedClient, NetworkPolicy, RetryPolicy
    from moorings_core.sandbox.paths import PathJail
    from moorings_core.sandbox.postgres import CheckedStatement, StatementRules
    from moorings_core.sandbox.sqlite import Access, SqliteGuard
    from moorings_core.server import (
        NO_PROGRESS,
        ClientRoots,
        MooringsServer,
        Output,
        Progress,
        RequestContext,
        ResourceContents,
        ResourceProvider,
        ResourceSubscriptions,
        SubscribableResources,
        ToolContext,
        ToolRegistry,
        WatchedUris,
        counted,
        package_version,
        reporting_progress,
        tool_result,
    )
    from moorings_core.watching import FileWatcher, TreeWatcher

# Where each public name lives.
_HOMES = {
    "moorings_core.config": (
        "ConfigError",
        "EnvAliases",
        "PathPart",
        "Positional",
        "Secret",
        "ServerSettings",
        "load_settings",
    ),
    "moorings_core.errors": (
        "AccessDenied",
        "InvalidInput",
        "LimitExceeded",
        "MooringsError",
        "NotFound",
        "OperationFailed",
    ),
    "moorings_core.blocking": ("run_blocking", "work_deadline"),
    "moorings_core.commands": ("CommandResult", "run_command"),
    "moorings_core.limits": ("Truncated", "truncate_text"),
    "moorings_core.outbound": ("OutboundSettings",),
    "moorings_core.paging": ("NOTE_ROOM", "Page", "PageRequest", "Pager"),
    "moorings_core.program": ("ServerProgram", "run_program"),
    "moorings_core.sandbox.git": ("GitSandbox",),
    "moorings_core.ratelimit": ("RateLimiter",),
    "moorings_core.sandbox.network": ("GuardedClient", "NetworkPolicy", "RetryPolicy"),
    "moorings_core.sandbox.paths": ("PathJail",),
    "moorings_core.sandbox.postgres": ("CheckedStatement", "StatementRules"),
    "moorings_core.sandbox.sqlite": ("Access", "SqliteGuard"),
    "moorings_core.server": (
        "NO_PROGRESS",
        "ClientRoots",
        "MooringsServer",
        "Output",
        "Progress",
        "RequestContext",
        "ResourceContents",
        "ResourceProvider",
        "ResourceSubscriptions",
        "SubscribableResources",
        "ToolContext",
        "ToolRegistry",
        "WatchedUris",
        "counted",
        "package_version",
        "reporting_progress",
        "tool_result",
    ),
    "moorings_core.watching": ("FileWatcher", "TreeWatcher"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "NOTE_ROOM",
    "NO_PROGRESS",
    "Access",
    "AccessDenied",
    "CheckedStatement",
    "ClientRoots",
    "CommandResult",
    "ConfigError",
    "EnvAliases",
    "FileWatcher",
    "GitSandbox",
    "GuardedClient",
    "InvalidInput",
    "LimitExceeded",
    "MooringsError",
    "MooringsServer",
    "NetworkPolicy",
    "NotFound",
    "OperationFailed",
    "OutboundSettings",
    "Output",
    "Page",
    "PageRequest",
    "Pager",
    "PathJail",
    "PathPart",
    "Positional",
    "Progress",
    "RateLimiter",
    "RequestContext",
    "ResourceContents",
    "ResourceProvider",
    "ResourceSubscriptions",
    "RetryPolicy",
    "Secret",
    "ServerProgram",
    "ServerSettings",
    "SqliteGuard",
    "StatementRules",
    "SubscribableResources",
    "ToolContext",
    "ToolRegistry",
    "TreeWatcher",
    "Truncated",
    "WatchedUris",
    "counted",
    "load_settings",
    "package_version",
    "reporting_progress",
    "run_blocking",
    "run_command",
    "run_program",
    "tool_result",
    "truncate_text",
    "work_deadline",
]


def __getattr__(name: str) -> object:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'moorings_core' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
