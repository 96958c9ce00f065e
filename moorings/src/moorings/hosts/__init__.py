"""The MCP hosts `moorings` can write entries for, one module each."""

from __future__ import annotations

from moorings.errors import UsageError
from moorings.hosts import (
    claude_code,
    claude_desktop,
    cline,
    codex,
    continue_dev,
    cursor,
    gemini,
    goose,
    lm_studio,
    vscode,
    windsurf,
    zed,
)
from moorings.hosts.host import Entry, Host, Scope

__all__ = ["HOSTS", "Entry", "Host", "Scope", "host_named"]

HOSTS: dict[str, Host] = {
    module.HOST.key: module.HOST
    for module in (
        claude_desktop,
        claude_code,
        vscode,
        cursor,
        windsurf,
        zed,
        codex,
        gemini,
        goose,
        continue_dev,
        cline,
        lm_studio,
    )
}


def host_named(key: str) -> Host:
    host = HOSTS.get(key.lower())
    if host is None:
        raise UsageError(f"there is no host {key!r} that moorings knows; the hosts are: {', '.join(HOSTS)}")
    return host
