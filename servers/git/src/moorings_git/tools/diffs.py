"""git_diff_unstaged, git_diff_staged, git_diff and git_show: changes as patches, stats or names.

Every diff runs with `--no-textconv --no-ext-diff` (the repository's own diff programs never run)
and comes in pages of whole lines (`moorings_git.pages`), so a diff of any size is answered with
its first page and a cursor. The text starts as the reference server's does ("Unstaged changes:",
"Staged changes:", "Diff with <target>:"), so prompts written for it still read it.
"""

from __future__ import annotations

from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import InvalidInput, MooringsServer, NotFound, PageRequest, ToolContext, tool_result
from moorings_core.paging import with_note
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.pages import PagedText, read_page
from moorings_git.repositories import Repository
from moorings_git.running import DIFF_SAFETY
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import ContextLines, Cursor, Paths, RepoPath
from moorings_git.tools.files import look_up, missing_at, show_stored

__all__ = ["register"]

_Stat = Annotated[
    bool, Field(description="Only a summary of changed files with lines added and removed (--stat).")
]
_NameOnly = Annotated[
    bool, Field(description="Only the changed files' names, each with its change letter (--name-status).")
]
_NARROW = "ask for fewer paths, stat=true or name_only=true"

_SHOW_FORMAT = (
    "--format=Commit: %H%nAuthor: %an <%ae>%nDate: %aI%nCommitter: %cn <%ce> %cI%nMessage:%n%w(0,4,4)%B"
)


def diff_options(context_lines: int, stat: bool, name_only: bool) -> list[str]:
    """The options that shape a diff's output, refused when contradictory."""
    if stat and name_only:
        raise InvalidInput("stat and name_only cannot both be true; choose one (or neither, for the patch).")
    shape = ["--stat=200,160"] if stat else ["--name-status"] if name_only else [f"-U{context_lines}"]
    return [*DIFF_SAFETY, "--no-color", *shape]


def pathspecs(repo: Repository, paths: list[str] | None) -> list[str]:
    """`--` and the paths as git pathspecs, each checked to lie inside the repository."""
    if not paths:
        return []
    return ["--", *(f":(literal){repo.relative(path)}" for path in paths)]


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    async def diff_page(
        tool: str,
        title: str,
        repo: Repository,
        compared: list[str],
        *,
        context_lines: int,
        paths: list[str] | None,
        stat: bool,
        name_only: bool,
        cursor: str | None,
        **scope: object,
    ) -> types.CallToolResult:
        """A page of `git diff <compared>` (what it compares: --cached, a revision) shaped as asked."""
        args = [
            "diff",
            *diff_options(context_lines, stat, name_only),
            *compared,
            *(pathspecs(repo, paths) or ["--"]),
        ]
        shape = {"context_lines": context_lines, "paths": paths, "stat": stat, "name_only": name_only}
        request = PageRequest(tool, cursor, repo=str(repo.work_tree), **shape, **scope)  # scopes its cursors
        page = await read_page(toolbox, repo, args, request, budget=toolbox.budget, narrow=_NARROW)
        body = page.text if page.text or page.start else "(no changes)\n"
        return tool_result(with_note(f"{title}\n{body}".rstrip("\n"), page.note), page.output(page.text))

    @server.tool(title="Unstaged changes", read_only=True)
    async def git_diff_unstaged(
        repo_path: RepoPath,
        ctx: ToolContext,
        context_lines: ContextLines = 3,
        paths: Paths = None,
        stat: _Stat = False,
        name_only: _NameOnly = False,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, PagedText]:
        """Show changes in the working directory that are not yet staged (git diff).

        Optionally only for some paths, or as a stat summary or a list of names. A long diff comes in
        pages: pass back the cursor from the note at its end.
        """
        repo = await toolbox.open(repo_path, ctx)
        return await diff_page(
            "git_diff_unstaged", "Unstaged changes:", repo, [],
            context_lines=context_lines, paths=paths, stat=stat, name_only=name_only, cursor=cursor,
        )  # fmt: skip

    @server.tool(title="Staged changes", read_only=True)
    async def git_diff_staged(
        repo_path: RepoPath,
        ctx: ToolContext,
        context_lines: ContextLines = 3,
        paths: Paths = None,
        stat: _Stat = False,
        name_only: _NameOnly = False,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, PagedText]:
        """Show changes that are staged for the next commit (git diff --cached).

        Optionally only for some paths, or as a stat summary or a list of names. A long diff comes in
        pages: pass back the cursor from the note at its end.
        """
        repo = await toolbox.open(repo_path, ctx)
        return await diff_page(
            "git_diff_staged", "Staged changes:", repo, ["--cached"],
            context_lines=context_lines, paths=paths, stat=stat, name_only=name_only, cursor=cursor,
        )  # fmt: skip

    @server.tool(title="Diff against a branch or commit", read_only=True)
    async def git_diff(
        repo_path: RepoPath,
        target: Annotated[
            str,
            Field(
                min_length=1,
                description="What to compare the working tree with: a branch, tag or commit (main, "
                "HEAD~2, v1.0), or two of them as A..B (what B has since A) or A...B (since they parted).",
            ),
        ],
        ctx: ToolContext,
        context_lines: ContextLines = 3,
        paths: Paths = None,
        stat: _Stat = False,
        name_only: _NameOnly = False,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, PagedText]:
        """Show differences between branches or commits, or between one and the working tree.

        Optionally only for some paths, or as a stat summary or a list of names. A long diff comes in
        pages: pass back the cursor from the note at its end.
        """
        ordinary_argument(target, "target")
        repo = await toolbox.open(repo_path, ctx)
        return await diff_page(
            "git_diff", f"Diff with {target}:", repo, ["--end-of-options", target], target=target,
            context_lines=context_lines, paths=paths, stat=stat, name_only=name_only, cursor=cursor,
        )  # fmt: skip

    @server.tool(title="Show a commit or a file at a revision", read_only=True)
    async def git_show(
        repo_path: RepoPath,
        revision: Annotated[
            str,
            Field(
                min_length=1,
                description="A commit, branch or tag (HEAD, main~3, v1.0, a sha), or REV:PATH for a "
                "file as it was at that revision (HEAD~2:src/app.py).",
            ),
        ],
        ctx: ToolContext,
        context_lines: ContextLines = 3,
        paths: Paths = None,
        stat: _Stat = False,
        name_only: _NameOnly = False,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, PagedText]:
        """Show a commit: its author, date and message, then its changes. With REV:PATH, show that
        file's content at that revision instead (a folder lists its entries, a binary file is
        described); git_show_file does the same with the path as its own argument.

        Optionally only some paths of the commit, or a stat summary or a list of names instead of the
        patch. A long result comes in pages: pass back the cursor from the note at its end.
        """
        ordinary_argument(revision, "revision")
        repo = await toolbox.open(repo_path, ctx)
        request = PageRequest(
            "git_show",
            cursor,
            repo=str(repo.work_tree),
            revision=revision,
            context_lines=context_lines,
            paths=paths,
            stat=stat,
            name_only=name_only,
        )
        # REV:PATH (or :PATH, the staged version) names a file or folder: shown as git_show_file
        # shows it, a binary file described rather than poured out.
        stored = await look_up(toolbox, repo, revision) if ":" in revision else None
        if stored is not None:
            # The structure is git_show's own; git_show_file gives the file's in full.
            text, facts = await show_stored(toolbox, repo, revision, stored, request)
            paged = PagedText(
                text=text,
                more=facts.next_cursor is not None,
                next_cursor=facts.next_cursor,
            )
            return tool_result(text, paged)
        args = [
            "show",
            _SHOW_FORMAT,
            *diff_options(context_lines, stat, name_only),
            "--end-of-options",
            revision,
            *(pathspecs(repo, paths) or ["--"]),
        ]
        try:
            page = await read_page(toolbox, repo, args, request, budget=toolbox.budget, narrow=_NARROW)
        except NotFound:
            # git says "bad revision 'HEAD:x'"; say whether the revision or the path is missing.
            before, colon, path = revision.partition(":")
            if colon and before and path:
                raise await missing_at(toolbox, repo, before, path) from None
            raise
        return tool_result(with_note(page.text.rstrip("\n"), page.note), page.output(page.text))
