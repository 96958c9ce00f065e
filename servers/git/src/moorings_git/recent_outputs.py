"""Whole outputs of recently paged commands, kept for the pages that follow (see `pages`)."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = ["KEPT_BYTES", "KeptOutput", "RecentOutputs"]

KEPT_BYTES = 32 * 2**20  # the most one output, and all of them together, may hold
_KEPT_OUTPUTS = 8
_KEPT_SECONDS = 300.0


@dataclass
class KeptOutput:
    data: bytes
    whole: bool  # the command's whole output, not a prefix of it
    at: float


@dataclass
class RecentOutputs:
    """Whole outputs of recently paged commands, by repository and command line, for their next pages."""

    _kept: OrderedDict[tuple[str, ...], KeptOutput] = field(default_factory=OrderedDict)

    def get(self, key: tuple[str, ...]) -> KeptOutput | None:
        kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept.at > _KEPT_SECONDS:
            return None
        self._kept.move_to_end(key)
        return kept

    def put(self, key: tuple[str, ...], kept: KeptOutput) -> None:
        self._kept[key] = kept
        self._kept.move_to_end(key)
        while (
            len(self._kept) > _KEPT_OUTPUTS or sum(len(one.data) for one in self._kept.values()) > KEPT_BYTES
        ):
            self._kept.popitem(last=False)
