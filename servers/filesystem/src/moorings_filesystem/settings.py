"""The filesystem server's settings: the allowed directories and what may be done there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from moorings_core.config import Positional, ServerSettings

__all__ = ["FilesystemSettings"]


class FilesystemSettings(ServerSettings):
    directories: Annotated[list[Path], Positional("DIR")] = Field(
        default_factory=list,
        min_length=1,
        description="The directories the server may touch; everything else is refused.",
    )
    read_only: bool = Field(False, description="Refuse every write.")
    max_read_bytes: int = Field(
        10 * 2**20,
        ge=1024,
        description="Largest file read whole; bigger files must be read by head/tail.",
    )
