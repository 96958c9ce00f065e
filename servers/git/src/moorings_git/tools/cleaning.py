"""git_clean: removing untracked files, always shown first and removed only with confirm.

Without confirm=true the call is a dry run (`git clean --dry-run`) and lists what would go. With
it, the same listing is taken first and then `git clean --force --quiet` removes them: the removal
itself prints nothing, so no output budget can cut it short half-way. Nested repositories are never
removed (git needs --force twice for those, which is never given).
"""

from __future__ import annotations

import re
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import Output, ToolContext, ToolRegistry, tool_result
from moorings_core.paging import with_note
from moorings_git.repositories import Repository
from moorings_git.running import WRITE_OUTPUT
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Confirm, Paths, RepoPath
from moorings_git.tools.diffs import pathspecs

__all__ = ["CleanResult", "register_changes"]

_LISTING_BYTES = 16 * 2**20
_PATH_ROOM = 8  # characters a path adds to the structure beyond itself
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_OCTAL = re.compile(r"[0-7]{3}")


class CleanResult(Output):
    removed: bool = Field(description="The files were removed; false for a dry run (the default).")
    paths: list[str] = Field(
        description="What was (or would be) removed; a folder ends with '/'. Only the first ones "
        "when there are very many."
    )
    total: int = Field(description="How many paths were (or would be) removed.")


def register_changes(server: ToolRegistry, toolbox: Toolbox) -> None:
    @server.tool(title="Remove untracked files", read_only=False, destructive=True, idempotent=True)
    async def git_clean(
        repo_path: RepoPath,
        ctx: ToolContext,
        paths: Paths = None,
        directories: Annotated[
            bool, Field(description="Also remove untracked folders as a whole (git clean -d).")
        ] = False,
        include_ignored: Annotated[
            bool,
            Field(
                description="Also remove files that .gitignore ignores (build output, caches, local "
                "settings such as .env): often precious; look at the dry run first."
            ),
        ] = False,
        confirm: Confirm = False,
    ) -> Annotated[types.CallToolResult, CleanResult]:
        """Remove untracked files from the working tree (git clean). Without confirm=true this is a
        dry run that only lists what would be removed; with it they are deleted, which cannot be
        undone.

        Optionally only under some paths, untracked folders too (directories), and ignored files too
        (include_ignored). Tracked files and nested repositories are never touched.
        """
        repo = await toolbox.open(repo_path, ctx)
        options = [*(["-d"] if directories else []), *(["-x"] if include_ignored else [])]
        scope = pathspecs(repo, paths) or ["--"]
        would = await _would_remove(toolbox, repo, [*options, *scope])
        if confirm and would:
            await toolbox.git.run(
                repo, ["clean", "--force", "--quiet", *options, *scope], max_output=WRITE_OUTPUT
            )
        return _report(would, removed=confirm, budget=toolbox.budget)


async def _would_remove(toolbox: Toolbox, repo: Repository, args: list[str]) -> list[str]:
    result = await toolbox.git.run(repo, ["clean", "--dry-run", *args], max_output=_LISTING_BYTES)
    lines = result.stdout.decode("utf-8", "surrogateescape").split("\n")
    if result.cut:
        lines.pop()
    return [
        _unquoted(line.removeprefix("Would remove ")) for line in lines if line.startswith("Would remove ")
    ]


def _unquoted(path: str) -> str:
    """A path as git prints it: C-quoted ("a\\"b", "new\\nline", octal bytes) when it holds odd characters."""
    if not (len(path) >= 2 and path.startswith('"') and path.endswith('"')):
        return _text(path)
    out = bytearray()
    body = path[1:-1]
    at = 0
    while at < len(body):
        char = body[at]
        if char == "\\" and at + 1 < len(body):
            octal = _OCTAL.match(body, at + 1)
            if octal:
                out.append(int(octal.group(), 8))
                at += 4
                continue
            out.append(_ESCAPES.get(body[at + 1], ord(body[at + 1])))
            at += 2
            continue
        out += char.encode("utf-8", "surrogateescape")
        at += 1
    return out.decode("utf-8", "replace")


def _text(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _report(would: list[str], *, removed: bool, budget: int) -> types.CallToolResult:
    shown: list[str] = []
    spent = 0
    for path in would:
        spent += len(path) * 2 + _PATH_ROOM
        if shown and spent > budget:
            break
        shown.append(path)
    rest = len(would) - len(shown)
    note = f"and {rest:,} more not listed; give paths to see them part by part" if rest else None
    if not would:
        text = "Nothing to remove: no untracked files here (with these options)."
    elif removed:
        text = f"Removed {len(would):,} untracked path{'s' if len(would) != 1 else ''}:\n" + "\n".join(shown)
    else:
        text = (
            f"Would remove {len(would):,} untracked path{'s' if len(would) != 1 else ''} (dry run: nothing "
            "was removed; call again with confirm=true to remove them):\n" + "\n".join(shown)
        )
    result = CleanResult(removed=removed and bool(would), paths=shown, total=len(would))
    return tool_result(with_note(text, note), result)
