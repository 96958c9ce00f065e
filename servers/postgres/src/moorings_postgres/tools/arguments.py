"""Arguments several tools share, described once."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["ConnectionName"]

ConnectionName = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=200,
        description="Which configured database to use, by connection name; omit it for the default one.",
    ),
]
