"""`WatchedUris`: which watched URI names which target, and whose listeners hear a target's change."""

from __future__ import annotations

import pytest
from mcp.shared.subscriptions import ResourceUpdated

from moorings_core import ResourceSubscriptions, WatchedUris

pytestmark = pytest.mark.anyio


def updates_of(subscriptions: ResourceSubscriptions) -> list[str]:
    """The URIs the subscriptions will announce as updated, in order, from now on."""
    heard: list[str] = []
    subscriptions.bus.subscribe(
        lambda event: heard.append(event.uri) if isinstance(event, ResourceUpdated) else None
    )
    return heard


async def test_a_change_reaches_every_uri_naming_the_target_and_no_other() -> None:
    subscriptions = ResourceSubscriptions()
    heard = updates_of(subscriptions)
    watched: WatchedUris[str] = WatchedUris(subscriptions)
    watched.add("file:///b", "inode-1")
    watched.add("file:///a", "inode-1")  # another name for the same file
    watched.add("file:///c", "inode-2")
    await watched.publish_updated("inode-1")
    await watched.publish_updated("inode-3")  # nobody watches it: nothing to say
    assert heard == ["file:///a", "file:///b"]


async def test_removing_a_uri_gives_back_its_target_once_and_stops_its_updates() -> None:
    subscriptions = ResourceSubscriptions()
    heard = updates_of(subscriptions)
    watched: WatchedUris[str] = WatchedUris(subscriptions)
    watched.add("file:///a", "inode-1")
    watched.add("file:///b", "inode-1")
    assert watched.remove("file:///a") == "inode-1"
    assert watched.remove("file:///a") is None  # already gone
    assert watched.remove("file:///never") is None
    await watched.publish_updated("inode-1")
    assert watched.remove("file:///b") == "inode-1"
    await watched.publish_updated("inode-1")
    assert heard == ["file:///b"]
