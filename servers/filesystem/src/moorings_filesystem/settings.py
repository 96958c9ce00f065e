"""The filesystem server's settings: the allowed directories and what may be done there."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from moorings_core import Positional, ServerSettings

__all__ = ["FilesystemSettings"]


class FilesystemSettings(ServerSettings):
    directories: Annotated[list[Path], Positional("DIR")] = Field(
        default_factory=list,
        min_length=1,
        description="The directories the server may touch; everything else is refused.",
    )
    read_only: bool = Field(default=False, description="Refuse every write; write tools are not even listed.")
    roots_mode: Literal["intersect", "replace", "ignore"] = Field(
        default="intersect",
        description="What client-offered MCP roots do: narrow the directories (intersect), "
        "replace them (replace, as the reference server does), or nothing (ignore).",
    )
    follow_gitignore: bool = Field(
        default=True,
        description="Skip what .gitignore files exclude in searches and directory trees.",
    )
    max_read_bytes: int = Field(
        default=10 * 2**20,
        ge=1024,
        description="Largest file read whole; bigger files must be read by head/tail.",
    )

    @field_validator("directories")
    @classmethod
    def _directories_exist(cls, directories: list[Path]) -> list[Path]:
        for directory in directories:
            problem = _why_not_a_directory(directory)
            if problem:
                raise ValueError(problem)
        return directories


def _why_not_a_directory(path: Path) -> str | None:
    """What keeps `path` from being served, naming it (one of several may be wrong); None if nothing."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return f"{path} does not exist"
    except OSError as exc:  # a parent we may not enter, a symlink loop
        return f"{path} cannot be reached: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return None
    return f"{path} is a file, not a directory" if stat.S_ISREG(mode) else f"{path} is not a directory"
