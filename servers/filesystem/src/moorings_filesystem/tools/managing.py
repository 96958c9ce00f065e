"""Tools that move, copy and delete files and directories.

`move_file`, `copy_file`, `copy_directory`, `delete_file`, `delete_directory`.

Nothing is overwritten unless the call asks for it: a move or a directory copy lands with "rename
without replacing" (`DirectoryHandle.rename_noreplace`), so even an entry that appears meanwhile
survives.
Copies are built under a temporary name beside the destination and renamed into place, so a copy
is whole or absent; a move across file systems is such a copy followed by removing the source.
A directory is deleted by renaming it to a temporary name first (it vanishes at once), then
emptying that; a crash midway leaves a temporary that the next start sweeps away. Symlinks are
moved, copied and deleted as links: their targets are never touched. Parameters and structured
results are camelCase, like the reference's.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import mcp_types as types
from pydantic import Field

from moorings_core import (
    NO_PROGRESS,
    InvalidInput,
    LimitExceeded,
    MooringsError,
    OperationFailed,
    Output,
    PathJail,
    Progress,
    ToolContext,
    ToolRegistry,
    counted,
    reporting_progress,
    run_blocking,
    tool_result,
)
from moorings_core.platform import descriptors
from moorings_core.platform.files import DirectoryHandle, SpecialFile, TreeChanged, links_a_directory
from moorings_filesystem import atomic
from moorings_filesystem.tools.writing import CreateParents, PathArgument, open_parent
from moorings_filesystem.workspace import Workspace

__all__ = ["CopyResult", "DeleteResult", "MoveResult", "register"]

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_MAX_DEPTH = 256  # deeper trees are refused rather than risk the recursion limit
_COUNT_BEFORE_REFUSING = 10_000  # how far a refusal counts what a recursive delete would remove
_SKIPPED_LISTED = 100  # special files named in a copy's result; all are counted


class MoveResult(Output):
    source: str = Field(description="Absolute path the entry had.")
    destination: str = Field(description="Absolute path it has now.")
    kind: str = Field(description="file, directory or symlink.")
    across_filesystems: bool = Field(description="True when it was copied to another file system.")
    created_directories: list[str] = Field(description="Parent directories created first.")


class CopyResult(Output):
    source: str = Field(description="Absolute path of what was copied.")
    destination: str = Field(description="Absolute path of the copy.")
    files: int = Field(description="Regular files copied.")
    directories: int = Field(description="Directories created, the top one included.")
    symlinks: int = Field(description="Symbolic links copied as links.")
    bytes: int = Field(description="Bytes of file content copied.")
    special_files: int = Field(description="Special files (FIFOs, sockets, devices) left out.")
    skipped: list[str] = Field(
        description=f"The special files left out, by path (the first {_SKIPPED_LISTED})."
    )
    overwritten: bool = Field(description="True when an existing file was replaced.")
    created_directories: list[str] = Field(description="Parent directories created first.")


class DeleteResult(Output):
    path: str = Field(description="Absolute path of what was (or would be) deleted.")
    kind: str = Field(description="file, symlink or directory.")
    deleted: bool = Field(description="False for a dry run.")
    files: int = Field(description="Regular files deleted (or that would be).")
    directories: int = Field(description="Directories deleted, the top one included.")
    symlinks: int = Field(description="Symbolic links deleted (their targets are untouched).")
    other: int = Field(description="Special files deleted.")
    bytes: int = Field(description="Bytes of file content freed.")


@dataclass
class _Tally:
    """What a tree holds."""

    files: int = 0
    directories: int = 0
    symlinks: int = 0
    other: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)
    complete: bool = True  # False when counting stopped early

    @property
    def entries(self) -> int:
        return self.files + self.directories + self.symlinks + self.other

    def count(self, entry: os.stat_result) -> None:
        if stat.S_ISREG(entry.st_mode):
            self.files += 1
            self.bytes += entry.st_size
        elif stat.S_ISDIR(entry.st_mode):
            self.directories += 1
        elif stat.S_ISLNK(entry.st_mode):
            self.symlinks += 1
        else:
            self.other += 1

    def describe(self) -> str:
        counts = (
            (self.files, "file", "files"),
            (self.directories, "directory", "directories"),
            (self.symlinks, "symlink", "symlinks"),
            (self.other, "special file", "special files"),
        )
        parts = [f"{count:,} {one if count == 1 else many}" for count, one, many in counts if count]
        size = f", {self.bytes:,} bytes" if self.files else ""
        at_least = "" if self.complete else "at least "
        return f"{at_least}{', '.join(parts) or 'nothing'}{size}"


def _kind(entry: os.stat_result) -> str:
    if stat.S_ISDIR(entry.st_mode):
        return "directory"
    return "symlink" if stat.S_ISLNK(entry.st_mode) else "file"


def _entry_at(directory: DirectoryHandle, name: str) -> os.stat_result | None:
    try:
        return directory.entry(name)
    except FileNotFoundError:
        return None


def _refuse_existing(display: str, existing: os.stat_result, *, hint: str) -> MooringsError:
    kind = {stat.S_IFDIR: " (a directory)", stat.S_IFREG: " (a file)"}.get(stat.S_IFMT(existing.st_mode), "")
    return OperationFailed(f"'{display}' already exists{kind}; nothing was overwritten.", hint=hint)


# -- move ---------------------------------------------------------------------------------------


def _move(jail: PathJail, source: str, destination: str, create_parents: bool) -> MoveResult:
    origin = jail.resolve(source, intent="write", follow_symlinks=False)
    target = jail.resolve(destination, intent="create", follow_symlinks=False)
    source_directory, source_name = jail.open_parent(origin, intent="write")
    with source_directory:
        if target.is_relative_to(origin) and target != origin:
            raise InvalidInput(f"'{source}' cannot be moved into itself ('{destination}' is inside it).")
        target_directory, target_name, made = open_parent(jail, target, destination, create_parents)
        with target_directory:
            entry = source_directory.entry(source_name)
            existing = _entry_at(target_directory, target_name)
            if existing is not None:
                raise _refuse_existing(
                    destination,
                    existing,
                    hint="move_file never overwrites: choose another name, or delete it first. To move "
                    f"into a directory, give the full new path (e.g. '{destination}/{origin.name}').",
                )
            across = _rename_or_copy(
                source_directory, source_name, target_directory, target_name, entry, destination
            )
            atomic.fsync_directory(source_directory, source)
            atomic.fsync_directory(target_directory, destination)
    return MoveResult(
        source=jail.display(origin),
        destination=jail.display(target),
        kind=_kind(entry),
        across_filesystems=across,
        created_directories=made,
    )


def _rename_or_copy(
    source_directory: DirectoryHandle,
    source: str,
    target_directory: DirectoryHandle,
    target: str,
    entry: os.stat_result,
    display: str,
) -> bool:
    """Rename without replacing; across file systems, copy then remove. Return whether it crossed."""
    try:
        source_directory.rename_noreplace(source, target_directory, target)
        return False
    except FileExistsError:
        raise OperationFailed(f"'{display}' appeared meanwhile; nothing was overwritten.") from None
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise atomic.failure(exc, display, "move to") from None
    try:
        _copy_entry(source_directory, source, target_directory, target, entry, display)
    except OSError as exc:
        raise atomic.failure(exc, display, "move to") from None
    _remove_moved_source(source_directory, source, display)
    return True


def _copy_entry(
    source_directory: DirectoryHandle,
    source: str,
    target_directory: DirectoryHandle,
    target: str,
    entry: os.stat_result,
    display: str,
) -> None:
    """Copy one entry (file, symlink or tree) to `target`, whole or not at all, never replacing."""
    if stat.S_ISDIR(entry.st_mode):
        with source_directory.open_directory(source) as directory:
            _copy_tree(directory, target_directory, target, display, NO_PROGRESS)
    elif stat.S_ISLNK(entry.st_mode):
        temporary = atomic.temporary_name()
        with atomic.removed_on_failure(target_directory, temporary, display, "copy to"):
            _copy_link(source_directory, source, target_directory, temporary, entry)
            target_directory.rename_noreplace(temporary, target_directory, target)
    else:
        reader = _open_regular(source_directory, source)
        try:
            atomic.replace_file(
                target_directory,
                target,
                lambda writer: _copy_with_times(reader, writer, entry),
                display=display,
                overwrite=False,
                mode=stat.S_IMODE(entry.st_mode),
            )
        finally:
            os.close(reader)


def _copy_link(
    source_directory: DirectoryHandle,
    source: str,
    target_directory: DirectoryHandle,
    target: str,
    entry: os.stat_result,
) -> None:
    """Make `target` a link holding what the link `source` holds (of the same flavour, on Windows)."""
    text = source_directory.readlink(source)
    target_directory.symlink(text, target, to_directory=links_a_directory(entry))


def _remove_moved_source(directory: DirectoryHandle, name: str, display: str) -> None:
    try:
        _remove_whole(directory, name)
    except OSError as exc:
        raise OperationFailed(
            f"'{display}' was copied to the other file system, but the source could not be removed "
            f"completely: {exc.strerror}. What is left of it is still at its old path."
        ) from None


def _remove_whole(
    directory: DirectoryHandle, name: str, removed: Callable[[int], None] | None = None
) -> None:
    """Remove an entry and all below it: renamed to a temporary first, so it vanishes at once.

    If removing fails midway, what is left is put back under its name (rather than left for the
    sweeper to finish) and the error is raised. `removed` counts the entries as they go.
    """
    temporary = atomic.temporary_name()
    directory.replace(name, directory, temporary)  # a fresh name: nothing there to replace
    try:
        atomic.remove_tree(directory, temporary, removed)
    except OSError:
        with contextlib.suppress(OSError):
            directory.rename_noreplace(temporary, directory, name)
        raise


# -- copy ---------------------------------------------------------------------------------------


def _copy_file(
    jail: PathJail, source: str, destination: str, overwrite: bool, create_parents: bool
) -> CopyResult:
    origin = jail.resolve(source)
    target = jail.resolve(destination, intent="create")
    if target == origin:
        raise InvalidInput(f"'{source}' and '{destination}' are the same file.")
    source_fd = jail.open_file(origin)
    try:
        entry = os.fstat(source_fd)
        target_directory, target_name, made = open_parent(jail, target, destination, create_parents)
        with target_directory:
            existing = _entry_at(target_directory, target_name)
            if existing is not None and not overwrite:
                raise _refuse_existing(destination, existing, hint="Pass overwrite: true to replace it.")

            def fill(fd: int) -> None:
                _copy_with_times(source_fd, fd, entry)

            mode = None if existing is not None else stat.S_IMODE(entry.st_mode)
            replaced = atomic.replace_file(
                target_directory, target_name, fill, display=destination, overwrite=overwrite, mode=mode
            )
    finally:
        os.close(source_fd)
    return CopyResult(
        source=jail.display(origin),
        destination=jail.display(target),
        files=1,
        directories=0,
        symlinks=0,
        bytes=replaced.size,
        special_files=0,
        skipped=[],
        overwritten=not replaced.created,
        created_directories=made,
    )


def _copy_directory(
    jail: PathJail, source: str, destination: str, create_parents: bool, progress: Progress
) -> CopyResult:
    origin = jail.resolve(source)
    target = jail.resolve(destination, intent="create")
    if target.is_relative_to(origin):
        raise InvalidInput(f"'{destination}' is inside '{source}'; a directory cannot be copied into itself.")
    with jail.open_directory(origin) as source_directory:
        target_directory, target_name, made = open_parent(jail, target, destination, create_parents)
        with target_directory:
            existing = _entry_at(target_directory, target_name)
            if existing is not None:
                raise _refuse_existing(
                    destination, existing, hint="copy_directory never overwrites: choose a new name."
                )
            tally = _copy_tree(source_directory, target_directory, target_name, destination, progress)
            atomic.fsync_directory(target_directory, destination)
    return CopyResult(
        source=jail.display(origin),
        destination=jail.display(target),
        files=tally.files,
        directories=tally.directories,
        symlinks=tally.symlinks,
        bytes=tally.bytes,
        special_files=tally.other,
        skipped=tally.skipped,
        overwritten=False,
        created_directories=made,
    )


def _copy_tree(
    source: DirectoryHandle, target_directory: DirectoryHandle, target: str, display: str, progress: Progress
) -> _Tally:
    """Copy the open directory `source` to `target`: built under a temporary name, then renamed."""
    tally = _Tally(directories=1)
    temporary = atomic.temporary_name()
    with atomic.removed_on_failure(target_directory, temporary, display, "copy to"):
        target_directory.mkdir(temporary, 0o700)
        with target_directory.open_directory(temporary) as built:
            _copy_children(source, built, tally, "", 0, progress)
            built.set_mode(stat.S_IMODE(source.status().st_mode))
            built.sync_file_system()  # every copied file on disk before the copy appears
        target_directory.rename_noreplace(temporary, target_directory, target)
    return tally


def _copy_children(
    source: DirectoryHandle,
    target: DirectoryHandle,
    tally: _Tally,
    prefix: str,
    depth: int,
    progress: Progress,
) -> None:
    if depth > _MAX_DEPTH:
        raise LimitExceeded(f"The tree is more than {_MAX_DEPTH} directories deep; nothing was copied.")
    with source.scandir() as scan:
        entries = [(item.name, item.stat(follow_symlinks=False)) for item in scan]
    for name, entry in entries:
        if stat.S_ISDIR(entry.st_mode):
            target.mkdir(name, 0o700)
            with source.open_directory(name) as source_child, target.open_directory(name) as target_child:
                _copy_children(source_child, target_child, tally, f"{prefix}{name}/", depth + 1, progress)
                target_child.set_mode(stat.S_IMODE(entry.st_mode))  # last: it may forbid writing
        elif stat.S_ISLNK(entry.st_mode):
            _copy_link(source, name, target, name, entry)
        elif stat.S_ISREG(entry.st_mode):
            _copy_file_into(source, name, target, name, entry)
        elif len(tally.skipped) < _SKIPPED_LISTED:
            tally.skipped.append(prefix + name)
        tally.count(entry)
        progress.update(tally.entries)


def _copy_file_into(
    source: DirectoryHandle, name: str, target: DirectoryHandle, target_name: str, entry: os.stat_result
) -> None:
    """Copy a regular file to a new name, with its permission bits and modification time."""
    reader = _open_regular(source, name)
    try:
        writer = target.open_file(target_name, _CREATE, 0o600)
        try:
            _copy_with_times(reader, writer, entry)
            descriptors.set_mode(writer, stat.S_IMODE(entry.st_mode))
            descriptors.flush_copy(writer)
        finally:
            os.close(writer)
    finally:
        os.close(reader)


def _open_regular(directory: DirectoryHandle, name: str) -> int:
    """Open `name` for reading if it is still a regular file (never blocking on a FIFO swapped in)."""
    try:
        return directory.open_file(name)
    except (SpecialFile, TreeChanged, IsADirectoryError):
        raise InvalidInput(
            f"'{name}' stopped being a regular file during the copy; nothing was copied."
        ) from None


def _copy_with_times(reader: int, writer: int, entry: os.stat_result) -> None:
    descriptors.copy_contents(reader, writer)
    descriptors.set_times(writer, entry.st_atime_ns, entry.st_mtime_ns)


# -- delete -------------------------------------------------------------------------------------


def _delete_file(jail: PathJail, path: str, dry_run: bool) -> DeleteResult:
    canonical = jail.resolve(path, intent="write", follow_symlinks=False)
    directory, name = jail.open_parent(canonical, intent="write")
    with directory:
        entry = directory.entry(name)
        if stat.S_ISDIR(entry.st_mode):
            raise InvalidInput(f"'{path}' is a directory; delete it with delete_directory.")
        if not dry_run:
            try:
                directory.unlink(name)
            except OSError as exc:
                raise atomic.failure(exc, path, "delete") from None
            atomic.fsync_directory(directory, path)
    tally = _Tally()
    tally.count(entry)
    return _deleted(jail, canonical, entry, tally, dry_run)


def _delete_directory(
    jail: PathJail, path: str, recursive: bool, dry_run: bool, progress: Progress
) -> DeleteResult:
    canonical = jail.resolve(path, intent="write", follow_symlinks=False)
    directory, name = jail.open_parent(canonical, intent="write")
    with directory:
        entry = directory.entry(name)
        if stat.S_ISLNK(entry.st_mode):
            raise InvalidInput(
                f"'{path}' is a symbolic link, not a directory; delete_file removes the link "
                "and leaves what it points to untouched."
            )
        if not stat.S_ISDIR(entry.st_mode):
            raise InvalidInput(f"'{path}' is a file, not a directory; delete it with delete_file.")
        inside = _tally_inside(directory, name, None if recursive else _COUNT_BEFORE_REFUSING, progress)
        if inside.entries and not recursive:
            raise InvalidInput(
                f"'{path}' is not empty: it holds {inside.describe()}; nothing was deleted.",
                hint="Pass recursive: true to delete it with everything in it (dryRun: true to check first).",
            )
        if not dry_run:
            _remove_directory(directory, name, path, _deletion_progress(inside.entries, progress))
    inside.directories += 1  # the directory itself
    return _deleted(jail, canonical, entry, inside, dry_run)


def _tally_inside(parent: DirectoryHandle, name: str, limit: int | None, progress: Progress) -> _Tally:
    """Count what the directory `name` holds, without following symlinks; stop past `limit` entries."""
    tally = _Tally()
    with parent.open_directory(name) as directory:
        _tally_below(directory, tally, limit, 0, progress)
    return tally


def _tally_below(
    directory: DirectoryHandle, tally: _Tally, limit: int | None, depth: int, progress: Progress
) -> None:
    with directory.scandir() as scan:
        for item in scan:
            with contextlib.suppress(FileNotFoundError):  # gone since it was listed
                tally.count(item.stat(follow_symlinks=False))
            progress.update(tally.entries)
            if limit is not None and tally.entries > limit:
                tally.complete = False
                return
            if not item.is_dir(follow_symlinks=False):
                continue
            if depth >= _MAX_DEPTH:
                tally.complete = False
                continue
            with (
                contextlib.suppress(FileNotFoundError, NotADirectoryError),
                directory.open_directory(item.name) as child,
            ):
                _tally_below(child, tally, limit, depth + 1, progress)
            if not tally.complete:
                return


def _deletion_progress(counted: int, progress: Progress) -> Callable[[int], None]:
    """Progress for removing what was just counted. Counting and removing each handle every entry
    once (removing also the directory itself), so the values go on from the count to its double."""
    entries = counted + 1
    removed = 0

    def more_removed(count: int) -> None:
        nonlocal removed
        removed += count
        progress.update(counted + removed, counted + entries, f"{removed:,} of {entries:,} entries deleted")

    return more_removed


def _remove_directory(
    directory: DirectoryHandle, name: str, display: str, removed: Callable[[int], None]
) -> None:
    try:
        _remove_whole(directory, name, removed)
    except OSError as exc:
        raise OperationFailed(
            f"Could not delete all of '{display}': {exc.strerror}. Whatever is left is still at '{display}'."
        ) from None
    atomic.fsync_directory(directory, display)


def _deleted(
    jail: PathJail, canonical: Path, entry: os.stat_result, tally: _Tally, dry_run: bool
) -> DeleteResult:
    return DeleteResult(
        path=jail.display(canonical),
        kind=_kind(entry),
        deleted=not dry_run,
        files=tally.files,
        directories=tally.directories,
        symlinks=tally.symlinks,
        other=tally.other,
        bytes=tally.bytes,
    )


# -- tools --------------------------------------------------------------------------------------


def register(server: ToolRegistry, workspace: Workspace) -> None:
    # Not destructive: it never overwrites, so nothing that existed is lost (the source moves).
    @server.tool(title="Move file", read_only=False)
    async def move_file(
        source: PathArgument,
        destination: PathArgument,
        ctx: ToolContext,
        createParents: CreateParents = False,  # noqa: N803 - client-visible names are camelCase
    ) -> Annotated[types.CallToolResult, MoveResult]:
        """Move or rename a file or directory; never overwrites.

        Works across directories, and renames in place when only the name changes. If the
        destination exists (even an empty directory), the move is refused and nothing changes: to
        move into a directory, give the full new path. A symlink is moved as a link. Across file
        systems the entry is copied whole, then the source removed.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_move, jail, source, destination, createParents)
        return tool_result(f"Successfully moved {source} to {destination}", result)

    @server.tool(title="Copy file", read_only=False, destructive=True)
    async def copy_file(
        source: PathArgument,
        destination: PathArgument,
        ctx: ToolContext,
        overwrite: Annotated[bool, Field(description="Replace the destination file if it exists.")] = False,
        createParents: CreateParents = False,  # noqa: N803
    ) -> Annotated[types.CallToolResult, CopyResult]:
        """Copy a file to a new path, with its permission bits and modification time.

        An existing destination is refused unless overwrite is true (it then keeps its own
        permissions). The copy appears whole or not at all. A symlink source is copied as the file it points
        to. For directories use copy_directory.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_copy_file, jail, source, destination, overwrite, createParents)
        replaced = " (replaced the existing file)" if result.overwritten else ""
        return tool_result(
            f"Successfully copied {source} to {destination}{replaced} ({result.bytes:,} bytes)", result
        )

    @server.tool(title="Copy directory", read_only=False)
    async def copy_directory(
        source: PathArgument,
        destination: PathArgument,
        ctx: ToolContext,
        createParents: CreateParents = False,  # noqa: N803 - client-visible names are camelCase
    ) -> Annotated[types.CallToolResult, CopyResult]:
        """Copy a directory and everything in it to a new path; never overwrites or merges.

        The destination must not exist. Symlinks are copied as links; FIFOs, sockets and devices
        are skipped (and listed). The copy is assembled under a temporary name and appears whole.
        """
        jail = await workspace.jail_for(ctx.request_context)
        async with reporting_progress(ctx, counted("entries copied")) as progress:
            result = await run_blocking(_copy_directory, jail, source, destination, createParents, progress)
        tally = _Tally(result.files, result.directories, result.symlinks, 0, result.bytes)
        skipped = f"; skipped {result.special_files:,} special files" if result.special_files else ""
        return tool_result(
            f"Successfully copied {source} to {destination} ({tally.describe()}{skipped})", result
        )

    @server.tool(title="Delete file", read_only=False, destructive=True)
    async def delete_file(
        path: PathArgument,
        ctx: ToolContext,
        dryRun: Annotated[  # noqa: N803 - named like edit_file's
            bool, Field(description="Only say what would be deleted.")
        ] = False,
    ) -> Annotated[types.CallToolResult, DeleteResult]:
        """Delete one file, permanently. A symlink is deleted as a link: what it points to is untouched.

        Directories are refused (use delete_directory). The result names what was deleted and its
        size; dryRun says the same without deleting.
        """
        jail = await workspace.jail_for(ctx.request_context)
        result = await run_blocking(_delete_file, jail, path, dryRun)
        what = "the symlink" if result.kind == "symlink" else f"the file ({result.bytes:,} bytes)"
        verb = "Would delete" if dryRun else "Deleted"
        return tool_result(f"{verb} {what} {result.path}", result)

    @server.tool(title="Delete directory", read_only=False, destructive=True)
    async def delete_directory(
        path: PathArgument,
        ctx: ToolContext,
        recursive: Annotated[
            bool, Field(description="Also delete everything inside; required for a non-empty directory.")
        ] = False,
        dryRun: Annotated[  # noqa: N803 - named like edit_file's
            bool, Field(description="Only say what would be deleted.")
        ] = False,
    ) -> Annotated[types.CallToolResult, DeleteResult]:
        """Delete a directory, permanently; a non-empty one only with recursive: true.

        Without recursive, a non-empty directory is refused with a count of what it holds.
        Symlinks inside are deleted as links, never followed; a symlink to a directory is not a
        directory (delete it with delete_file). An allowed directory itself cannot be deleted. The
        result counts the files, directories and bytes deleted; dryRun counts without deleting.
        """
        jail = await workspace.jail_for(ctx.request_context)
        async with reporting_progress(ctx, counted("entries counted")) as progress:
            result = await run_blocking(_delete_directory, jail, path, recursive, dryRun, progress)
        tally = _Tally(result.files, result.directories, result.symlinks, result.other, result.bytes)
        verb = "Would delete" if dryRun else "Deleted"
        return tool_result(f"{verb} the directory {result.path} ({tally.describe()})", result)
