"""git_tag: listing, creating and deleting tags.

Two tools of the same name, like git_stash: list only on a read-only server (`register_listing`),
everything otherwise (`register_changes`); server.py registers one or the other.
"""

from __future__ import annotations

from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import (
    InvalidInput,
    NotFound,
    Output,
    PageRequest,
    ToolContext,
    ToolRegistry,
    tool_result,
)
from moorings_core.paging import join_notes, with_note
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.repositories import Repository
from moorings_git.revisions import commit_of
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import NO_NUL, Confirm, Cursor, RepoPath

__all__ = ["Tag", "TagResult", "register_changes", "register_listing"]

_FIELDS = (
    "%(refname:strip=2)",
    "%(objecttype)",
    "%(objectname)",
    "%(*objectname)",
    "%(taggerdate:iso-strict)",
    "%(contents:subject)",
)
_FORMAT = "--format=" + "%1f".join(_FIELDS)
_LISTING_BYTES = 16 * 2**20
_ENTRY_ROOM = 120  # characters a tag's structure adds to its line of text


class Tag(Output):
    name: str
    sha: str = Field(description="The commit it points at (for an annotated tag, the commit it was made on).")
    annotated: bool = Field(
        description="An annotated tag (with a tagger, date and message), not a bare name."
    )
    subject: str = Field(
        description="The first line of the tag's message; for a lightweight tag, of its commit's."
    )
    tagger_date: str | None = Field(default=None, description="When an annotated tag was made (ISO 8601).")


class TagResult(Output):
    """What a git_tag call did or found."""

    action: str
    tags: list[Tag] | None = Field(default=None, description="For list: this page of tags, newest first.")
    next_cursor: str | None = Field(
        default=None, description="For list: pass back as cursor for the next page."
    )
    tag: Tag | None = Field(default=None, description="The tag created or deleted.")


_Pattern = Annotated[
    str | None,
    Field(min_length=1, description="For list: only tags whose name matches this glob (v1.*, release-*)."),
]
_Contains = Annotated[
    str | None, Field(min_length=1, description="For list: only tags that contain this commit.")
]


def register_listing(server: ToolRegistry, toolbox: Toolbox) -> None:
    """git_tag for a read-only server: list only."""

    @server.tool(title="List tags", read_only=True, name="git_tag")
    async def git_tag_listing(
        repo_path: RepoPath,
        ctx: ToolContext,
        action: Annotated[
            Literal["list"], Field(description="list: the tags (this server is read-only).")
        ] = "list",
        pattern: _Pattern = None,
        contains: _Contains = None,
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, TagResult]:
        """List tags, newest first, each with the commit it points at and its message's first line;
        only those matching a glob or containing a commit, if asked. (This server is read-only: it
        cannot create or delete tags.) A long list comes in pages: pass back the cursor."""
        repo = await toolbox.open(repo_path, ctx)
        return await _list(toolbox, repo, pattern, contains, cursor)


def register_changes(server: ToolRegistry, toolbox: Toolbox) -> None:
    """The whole git_tag."""

    @server.tool(title="Tags", read_only=False, destructive=True)
    async def git_tag(
        repo_path: RepoPath,
        ctx: ToolContext,
        action: Annotated[
            Literal["list", "create", "delete"],
            Field(description="list the tags (the default), create one, or delete one (needs confirm)."),
        ] = "list",
        name: Annotated[
            str | None, Field(min_length=1, description="For create and delete: the tag's name (v1.2.0).")
        ] = None,
        target: Annotated[
            str | None,
            Field(min_length=1, description="For create: the commit to tag (default: HEAD)."),
        ] = None,
        message: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=100_000,
                pattern=NO_NUL,
                description="For create: makes an annotated tag with this message (without it, a "
                "lightweight tag: just a name for the commit).",
            ),
        ] = None,
        sign: Annotated[
            bool,
            Field(description="For create: sign the annotated tag with the user's key (needs message)."),
        ] = False,
        pattern: _Pattern = None,
        contains: _Contains = None,
        cursor: Cursor = None,
        confirm: Confirm = False,
    ) -> Annotated[types.CallToolResult, TagResult]:
        """List, create or delete tags.

        list: newest first, each with the commit it points at and its message's first line; filter
        with pattern (a glob) or contains (a commit). create: name, optionally target (default
        HEAD) and message (which makes an annotated tag; sign=true signs it). delete: name, and
        confirm=true, since a deleted tag is gone (a pushed one stays on the remote).
        """
        repo = await toolbox.open(repo_path, ctx)
        if action == "list":
            if name is not None or target is not None or message is not None or sign or confirm:
                raise InvalidInput("list takes only pattern, contains and cursor.")
            return await _list(toolbox, repo, pattern, contains, cursor)
        if pattern is not None or contains is not None or cursor is not None:
            raise InvalidInput("pattern, contains and cursor go with action='list'.")
        if name is None:
            raise InvalidInput(f"{action} needs the tag's name.")
        ordinary_argument(name, "tag name")
        if action == "delete":
            if target is not None or message is not None or sign:
                raise InvalidInput("delete takes only name and confirm.")
            return await _delete(toolbox, repo, name, confirm)
        return await _create(toolbox, repo, name, target, message, sign)


async def _list(
    toolbox: Toolbox, repo: Repository, pattern: str | None, contains: str | None, cursor: str | None
) -> types.CallToolResult:
    request = PageRequest("git_tag", cursor, repo=str(repo.work_tree), pattern=pattern, contains=contains)
    args = ["tag", "--list", "--sort=-creatordate", _FORMAT]
    if contains is not None:
        args.append(f"--contains={ordinary_argument(contains, 'commit')}")
    args += ["--end-of-options", *([ordinary_argument(pattern, "pattern")] if pattern is not None else [])]
    result = await toolbox.git.run(repo, args, max_output=_LISTING_BYTES)
    lines = result.stdout.decode("utf-8", "replace").split("\n")
    if result.cut:
        lines.pop()
    tags = [_parse(line) for line in lines if line.count("\x1f") >= len(_FIELDS) - 1]
    pager = request.pager(max_chars=toolbox.budget)
    texts = []
    for tag in tags:
        text = _line(tag)
        if pager.offer(tag, len(text) * 2 + _ENTRY_ROOM):
            texts.append(text)
    page = pager.page(len(tags), exact=not result.cut)
    note = join_notes(request.note(page, "tag", narrow="narrow it with pattern or contains"))
    text = "\n".join(texts) if tags else "No tags" + (" match." if pattern or contains else ".")
    listing = TagResult(action="list", tags=list(page.items), next_cursor=request.next_cursor(page))
    return tool_result(with_note(text, note), listing)


def _parse(line: str) -> Tag:
    name, kind, sha, peeled, date, subject = line.split("\x1f", len(_FIELDS) - 1)
    return Tag(
        name=name,
        sha=peeled or sha,
        annotated=kind == "tag",
        subject=subject,
        tagger_date=date or None,
    )


def _line(tag: Tag) -> str:
    kind = f"annotated, {tag.tagger_date}" if tag.annotated else "lightweight"
    return f"{tag.name} {tag.sha[:12]} ({kind}) {tag.subject}"


async def _find(toolbox: Toolbox, repo: Repository, name: str) -> Tag | None:
    result = await toolbox.git.run(
        repo, ["for-each-ref", "--count=1", _FORMAT, "--end-of-options", f"refs/tags/{name}"]
    )
    line = result.stdout.decode("utf-8", "replace").rstrip("\n")
    tag = _parse(line) if line.count("\x1f") >= len(_FIELDS) - 1 else None
    # for-each-ref matches a prefix of whole components too: refs/tags/v1 would find v1/beta.
    return tag if tag is not None and tag.name == name else None


async def _create(
    toolbox: Toolbox, repo: Repository, name: str, target: str | None, message: str | None, sign: bool
) -> types.CallToolResult:
    if sign and message is None:
        raise InvalidInput("A signed tag is an annotated one: give its message too.")
    if await _find(toolbox, repo, name) is not None:
        raise InvalidInput(f"The tag {name!r} already exists; delete it first, or choose another name.")
    sha = await commit_of(toolbox.git, repo, target or "HEAD", "target")
    args = ["tag"]
    if message is not None:
        args += ["--annotate", "--file=-", "--cleanup=strip", *(["--sign"] if sign else [])]
    await toolbox.git.run(
        repo,
        [*args, "--end-of-options", name, sha],
        stdin=message.encode() if message is not None else None,
    )
    tag = await _find(toolbox, repo, name)
    if tag is None:  # git said nothing went wrong, yet there is no such tag
        raise NotFound(f"git made no tag {name!r}.")
    kind = "annotated tag" if tag.annotated else "lightweight tag"
    return tool_result(f"Created the {kind} {name} at {sha}.", TagResult(action="create", tag=tag))


async def _delete(toolbox: Toolbox, repo: Repository, name: str, confirm: bool) -> types.CallToolResult:
    tag = await _find(toolbox, repo, name)
    if tag is None:
        raise NotFound(f"There is no tag {name!r} (git_tag with action='list' lists them).")
    toolbox.require_confirmation(confirm, f"delete the tag {name} (at {tag.sha})")
    await toolbox.git.run(repo, ["tag", "--delete", "--end-of-options", name])
    text = f"Deleted the tag {name} (it was at {tag.sha}); a copy pushed to a remote stays there."
    return tool_result(text, TagResult(action="delete", tag=tag))
