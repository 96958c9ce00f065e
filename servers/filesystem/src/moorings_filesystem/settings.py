"""The filesystem server's settings: the allowed directories and what may be done there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from moorings_core.config import Positional, ServerSettings

__all__ = ["FilesystemSettings"]


class FilesystemSettings(ServerSettings):
    directories: Annotated[list[Path], Positional("DIR")] = Field(
        default_factory=list,
        min_length=1,
        description="The directories the server may touch; everything else is refused.",
    )
    read_only: bool = Field(default=False, description="Refuse every write.")
    max_read_bytes: int = Field(
        default=10 * 2**20,
        ge=1024,
        description="Largest file read whole; bigger files must be read by head/tail.",
    )

    @field_validator("directories")
    @classmethod
    def _directories_exist(cls, directories: list[Path]) -> list[Path]:
        for directory in directories:
            if not directory.is_dir():
                raise ValueError(f"{directory} is not an existing directory")
        return directories
