"""Argument types several tool families share (the reference server's names where it has them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

NO_NUL = r"^[^\x00]*$"
"""The pattern of free text that goes on a command line, where a NUL cannot (it would end it)."""

RepoPath = Annotated[
    str,
    Field(
        min_length=1,
        description="The repository: its folder (or any folder inside it), absolute or relative to "
        "the first allowed directory.",
    ),
]
ContextLines = Annotated[
    int, Field(ge=0, le=10_000, description="Lines of context around each change (git's -U).")
]
Cursor = Annotated[
    str | None, Field(description="The cursor a previous page ended with; omit it for the first page.")
]
Paths = Annotated[
    list[str] | None,
    Field(
        max_length=1_000,
        description="Only these paths (files or folders, relative to the repository's top level, or "
        "absolute inside it).",
    ),
]
Confirm = Annotated[
    bool,
    Field(
        description="Set to true to go ahead with an operation that cannot be undone; without it the "
        "call only says what it would do."
    ),
]
