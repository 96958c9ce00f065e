"""What every git tool works with: the settings, the repositories it may open, and git itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from moorings_core import InvalidInput, ToolContext
from moorings_core.paging import room_for_items
from moorings_git.recent_outputs import RecentOutputs
from moorings_git.repositories import Repositories, Repository
from moorings_git.running import Git
from moorings_git.settings import GitSettings

__all__ = ["Toolbox"]


@dataclass(frozen=True)
class Toolbox:
    settings: GitSettings
    repositories: Repositories
    git: Git
    outputs: RecentOutputs = field(default_factory=RecentOutputs)

    async def open(self, repo_path: str, ctx: ToolContext) -> Repository:
        """The repository `repo_path` names, checked against the jail of this call."""
        return await self.repositories.open(repo_path, ctx.request_context)

    @property
    def budget(self) -> int:
        """Characters a page of output may take, leaving room for its header and note."""
        return room_for_items(self.settings.max_result_chars)

    def is_protected(self, branch: str) -> bool:
        return branch.removeprefix("refs/heads/") in self.settings.protected_branch

    def require_confirmation(self, confirm: bool, what: str) -> None:
        """Refuse `what` (a sentence saying what the call would do) unless `confirm` is true."""
        if not confirm:
            raise InvalidInput(
                f"This would {what}. Nothing was done: call again with confirm=true to go ahead."
            )
