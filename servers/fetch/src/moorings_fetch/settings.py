"""The fetch server's settings: the reference server's flags, the core's network options, the cache."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from moorings_core import OutboundSettings

if TYPE_CHECKING:
    from moorings_core.sandbox.network import NetworkPolicy

__all__ = ["FetchSettings"]

_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]")


class FetchSettings(OutboundSettings):
    """`--user-agent`, `--proxy-url`, `--allow-host`, `--header`, `--max-bytes` and `--timeout` are the
    core's (`OutboundSettings`); the rest is this server's."""

    ignore_robots_txt: bool = Field(
        default=False, description="Fetch what a site's robots.txt forbids to automated clients."
    )
    allow_private_ips: bool = Field(
        default=False,
        description="The reference server's name for --allow-private-network, accepted so that its "
        "command lines work unchanged; it means the same (cloud metadata stays refused).",
    )
    cache_size: int = Field(
        default=64,
        ge=0,
        le=4096,
        description="Mebibytes of pages kept in memory, so that reading a page in parts downloads it "
        "once; 0 keeps none.",
    )

    @field_validator("user_agent")
    @classmethod
    def _starts_with_a_product_token(cls, value: str | None) -> str | None:
        # robots.txt groups are matched against the agent's leading product token (RFC 9309 §2.2.1).
        if value is not None and not _PRODUCT_TOKEN.match(value):
            raise ValueError("must start with a product name for robots.txt rules, such as MyFetcher/1.0")
        return value

    def network_policy(self, default_user_agent: str) -> NetworkPolicy:
        policy = super().network_policy(default_user_agent)
        if self.allow_private_ips and not policy.allow_private_network:
            return dataclasses.replace(policy, allow_private_network=True)
        return policy
