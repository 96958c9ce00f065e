"""git_show_file: a file or folder as a revision has it; also what git_show shows for REV:PATH.

A file's content comes from `git cat-file blob`, which never runs the repository's filters or
textconv programs, in pages of whole lines (`moorings_git.pages`). A binary file (a NUL in its
first 8,000 bytes, git's own test) is described, not shown. A folder lists its entries from
`git ls-tree`, paged; a submodule is named with the commit it is at. The object is looked up
before anything is read, so a missing path or revision says which of the two is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import mcp_types as types
from pydantic import Field

from moorings_core import (
    InvalidInput,
    MooringsServer,
    NotFound,
    Output,
    PageRequest,
    ToolContext,
    tool_result,
)
from moorings_core.paging import join_notes, with_note
from moorings_core.sandbox.git import ordinary_argument
from moorings_git.pages import read_page
from moorings_git.repositories import Repository
from moorings_git.toolbox import Toolbox
from moorings_git.tools._arguments import Cursor, RepoPath

__all__ = ["StoredEntry", "StoredFile", "StoredObject", "look_up", "missing_at", "register", "show_stored"]

Kind = Literal["file", "folder", "symlink", "submodule"]

_BINARY_PROBE = 8_000  # bytes git itself looks at for a NUL before calling a file binary
_LISTING_BYTES = 16 * 2**20  # a folder's listing read at most; beyond it the count is a lower bound
_ENTRY_ROOM = 60  # characters an entry takes beyond its name, in the text and the structure
_KINDS: dict[str, Kind] = {"blob": "file", "tree": "folder", "commit": "submodule"}
_MODES: dict[str, Kind] = {"120000": "symlink", "160000": "submodule", "040000": "folder"}


class StoredEntry(Output):
    name: str
    kind: Kind
    size: int | None = Field(default=None, description="Bytes, for a file or symlink.")


class StoredFile(Output):
    """A file or folder as a revision has it."""

    name: str = Field(description="What was shown: REV:PATH, or the path relative to the top level.")
    object: str = Field(description="The object's sha (for a submodule, the commit it is at).")
    kind: Kind
    size: int | None = Field(default=None, description="Bytes, for a file or symlink.")
    binary: bool = Field(default=False, description="A binary file: described, its content not shown.")
    entries: list[StoredEntry] | None = Field(default=None, description="A folder's entries (this page).")
    next_cursor: str | None = Field(default=None, description="Pass back as cursor for the next page.")


@dataclass(frozen=True)
class StoredObject:
    sha: str
    kind: Kind
    size: int | None


async def look_up(toolbox: Toolbox, repo: Repository, name: str) -> StoredObject | None:
    """The file or folder `name` (any of git's object names: REV:PATH, :PATH, a sha) names, or
    None when it names nothing, or something else (a commit, a tag).

    The name goes to `git cat-file --batch-check` on stdin, so it can never be read as an option.
    A symlink shows as a file (its content is its target).
    """
    if "\n" in name or "\0" in name:
        raise InvalidInput(f"{name!r} holds a line break or a NUL, which no object name may.")
    result = await toolbox.git.run(repo, ["cat-file", "--batch-check"], stdin=f"{name}\n".encode())
    sha, kind, size = [*result.stdout.decode("utf-8", "replace").strip().rsplit(" ", 2), "", ""][:3]
    if kind not in ("blob", "tree") or not size.isdigit():
        return None
    return StoredObject(sha, _KINDS[kind], int(size) if kind == "blob" else None)


async def show_stored(
    toolbox: Toolbox, repo: Repository, name: str, found: StoredObject, request: PageRequest
) -> tuple[str, StoredFile]:
    """The text and structure showing `found` (a page of a file or of a folder's entries)."""
    if found.kind == "folder":
        return await _folder(toolbox, repo, name, found, request)
    if found.kind == "submodule":
        text = f"{name} is a submodule at commit {found.sha}; its files are in its own repository."
        return text, StoredFile(name=name, object=found.sha, kind="submodule")
    facts = StoredFile(name=name, object=found.sha, kind=found.kind, size=found.size)
    if found.size == 0:
        return "(empty file)", facts
    page = await read_page(
        toolbox,
        repo,
        ["cat-file", "blob", found.sha],
        request,
        budget=toolbox.budget,
        narrow="find the lines you need with git_grep",
    )
    if not page.start and "\0" in page.text[:_BINARY_PROBE]:
        text = f"(binary file, {found.size or 0:,} bytes: not shown)"
        return text, facts.model_copy(update={"binary": True})
    text = with_note(page.text, page.note)
    return text, facts.model_copy(update={"next_cursor": page.next_cursor})


async def _folder(
    toolbox: Toolbox, repo: Repository, name: str, found: StoredObject, request: PageRequest
) -> tuple[str, StoredFile]:
    result = await toolbox.git.run(repo, ["ls-tree", "-z", "--long", found.sha], max_output=_LISTING_BYTES)
    records = result.stdout.decode("utf-8", "replace").split("\0")
    if result.cut:
        records.pop()  # cut short
    pager = request.pager(max_chars=toolbox.budget)
    for record in records:
        if record:
            entry = _tree_entry(record)
            pager.offer(entry, len(entry.name) * 2 + _ENTRY_ROOM)
    page = pager.page(pager.seen, exact=not result.cut)
    entries: list[StoredEntry] = list(page.items)
    lines = [_entry_line(entry) for entry in entries] or (["(empty folder)"] if not page.start else [])
    note = join_notes(request.note(page, "entry", narrow="ask for a folder inside it"))
    facts = StoredFile(
        name=name, object=found.sha, kind="folder", entries=entries, next_cursor=request.next_cursor(page)
    )
    return with_note("\n".join(lines), note), facts


def _tree_entry(record: str) -> StoredEntry:
    found, name = _listed(record)
    return StoredEntry(name=name, kind=found.kind, size=found.size)


def _listed(record: str) -> tuple[StoredObject, str]:
    """One `git ls-tree --long -z` record ("MODE TYPE SHA SIZE<TAB>NAME"): the object and its name."""
    facts, _, name = record.partition("\t")
    mode, kind, sha, size = [*facts.split(), "", "", "", ""][:4]
    shown = _MODES.get(mode) or _KINDS.get(kind, "file")
    return StoredObject(sha, shown, int(size) if size.isdigit() else None), name


def _entry_line(entry: StoredEntry) -> str:
    if entry.kind == "folder":
        return f"{entry.name}/"
    if entry.kind == "submodule":
        return f"{entry.name} (submodule)"
    suffix = " (symlink)" if entry.kind == "symlink" else ""
    return f"{entry.name}{suffix}  {entry.size or 0:,} bytes"


async def missing_at(toolbox: Toolbox, repo: Repository, revision: str, relative: str) -> NotFound:
    """What is missing when REVISION:PATH names nothing: the revision, or the path in it."""
    known = await toolbox.git.run(
        repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{tree}}"], accept=(0, 1)
    )
    if known.returncode:
        return NotFound(f"unknown revision {revision!r}: no branch, tag or commit has that name.")
    return NotFound(f"{relative!r} does not exist at {revision}; git_show_file with path '.' lists the top.")


def register(server: MooringsServer, toolbox: Toolbox) -> None:
    @server.tool(title="A file at a revision", read_only=True)
    async def git_show_file(
        repo_path: RepoPath,
        path: Annotated[
            str,
            Field(
                min_length=1,
                description="The file or folder, relative to the repository's top level or absolute "
                "inside it ('.' for the top level).",
            ),
        ],
        ctx: ToolContext,
        revision: Annotated[
            str,
            Field(
                min_length=1,
                description="The branch, tag or commit to read it from (HEAD~2, v1.0, a sha).",
            ),
        ] = "HEAD",
        cursor: Cursor = None,
    ) -> Annotated[types.CallToolResult, StoredFile]:
        """Show a file's content as it was at a revision (default: the last commit, HEAD), or list a
        folder's entries there. Works for files since deleted or renamed away.

        A binary file is described, not shown; a long file comes in pages of whole lines (pass
        back the cursor). The repository's own filters and diff programs never run.
        """
        ordinary_argument(revision, "revision")
        repo = await toolbox.open(repo_path, ctx)
        relative = repo.relative(path)
        name = f"{revision}:" if relative == "." else f"{revision}:{relative}"
        request = PageRequest(
            "git_show_file", cursor, repo=str(repo.work_tree), path=relative, revision=revision
        )
        found = await _entry_at(toolbox, repo, revision, relative)
        if found is None:
            raise await missing_at(toolbox, repo, revision, relative)
        text, facts = await show_stored(toolbox, repo, name, found, request)
        return tool_result(text, facts)


async def _entry_at(toolbox: Toolbox, repo: Repository, revision: str, relative: str) -> StoredObject | None:
    """The object at `relative` in `revision`, its kind told by its mode (symlinks, submodules)."""
    if relative == ".":
        return await look_up(toolbox, repo, f"{revision}^{{tree}}")
    listed = await toolbox.git.run(
        repo,
        ["ls-tree", "-z", "--long", "--end-of-options", revision, "--", f":(literal){relative}"],
        accept=(0, 128),
    )
    record = listed.stdout.decode("utf-8", "replace").split("\0")[0]
    if listed.returncode or not record:
        return None
    return _listed(record)[0]
