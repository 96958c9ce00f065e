"""The git server's settings: the repositories it may work in and what it may do there."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from moorings_core import ServerSettings

__all__ = ["GitSettings"]


class GitSettings(ServerSettings):
    repository: list[Path] = Field(
        default_factory=list,
        description="A repository the server may work in (repeat the flag for several); a directory "
        "holding repositories also works. Without any, the client's MCP roots, else the current "
        "directory, are the jail.",
    )
    read_only: bool = Field(
        default=False, description="Refuse every change; the tools that change anything are not even listed."
    )
    allow_network: bool = Field(
        default=False,
        description="Offer git_fetch, git_pull, git_push and git_clone from a URL (https and ssh).",
    )
    allow_hooks: bool = Field(
        default=False,
        description="Run the repository's hooks on commit, checkout, merge and the like; off, none runs.",
    )
    protected_branch: list[str] = Field(
        default_factory=lambda: ["main", "master"],
        description="A branch whose rewriting (reset --hard, force push, deletion, a push to it) needs "
        "confirm: true (repeat the flag for several).",
    )
    max_result_chars: int = Field(
        default=50_000,
        ge=1_000,
        description="Largest page of a diff, log or listing, in characters; a longer one comes in "
        "pages with a cursor.",
    )

    @field_validator("repository")
    @classmethod
    def _directories_exist(cls, repositories: list[Path]) -> list[Path]:
        for repository in repositories:
            if not repository.is_dir():
                raise ValueError(f"{repository} is not a directory")
        return repositories
