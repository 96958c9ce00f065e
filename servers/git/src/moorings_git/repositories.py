"""Which repositories a call may touch: always a jail, and `repo_path` must lead into it.

The jail is, first found:
1. the directories given with `--repository` (a repository, or a folder of them);
2. the client's MCP roots, when it offers any;
3. the current directory.
Never "any path on disk", which is what the reference server does without `--repository`.

`repo_path` may be a repository's top level or any folder inside it; the repository's top level
must lie inside the jail too, so a jail of `repo/sub` does not open the rest of `repo`; and so must
its git directory, so a `.git` file pointing elsewhere does not open another repository's history.
Paths are canonical before they are judged (`PathJail`), so `..` and symlinks lead nowhere new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from moorings_core import AccessDenied, ClientRoots, InvalidInput, NotFound, PathJail, RequestContext
from moorings_git.settings import GitSettings

__all__ = ["Repositories", "Repository"]

_KEPT_JAILS = 16  # sets of client roots remembered; more are rare (one per connection at most)


@dataclass(frozen=True)
class Repository:
    """A checked repository: its top level (canonical), its git directory, and the jail it is in."""

    work_tree: Path
    git_dir: Path
    jail: PathJail

    def inside(self, path: str) -> Path:
        """`path` (relative to the top level, or absolute) as a canonical path inside this work tree.

        It need not exist (a deleted file is staged by its path); refused when it leads outside. A
        symlink is the entry itself (git stages the link, not its target), so only its folder is
        resolved.
        """
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.work_tree / candidate
        if candidate.name in ("", ".", ".."):
            resolved = candidate.resolve()
        else:
            resolved = candidate.parent.resolve() / candidate.name
        if resolved != self.work_tree and self.work_tree not in resolved.parents:
            raise AccessDenied(
                f"{path!r} is outside the repository {self.work_tree}; give paths inside it, "
                "relative to its top level or absolute."
            )
        return resolved

    def relative(self, path: str) -> str:
        """`path` as git wants a pathspec: relative to the top level ("." for the top itself)."""
        inside = self.inside(path)
        return inside.relative_to(self.work_tree).as_posix() if inside != self.work_tree else "."


@dataclass
class Repositories:
    """Opens `repo_path` arguments into `Repository` values, within the jail of the request."""

    settings: GitSettings
    roots: ClientRoots
    _jails: dict[tuple[Path, ...], PathJail] = field(default_factory=dict, repr=False)

    async def jail_for(self, request: RequestContext) -> PathJail:
        """The configured repositories, else the client's roots, else the current directory."""
        read_only = self.settings.read_only
        if self.settings.repository:
            return self._jail((*self.settings.repository,), read_only)
        offered = await self.roots.of(request)
        if offered:
            existing = tuple(root for root in offered if root.is_dir())
            if existing:
                return self._jail(existing, read_only)
        return self._jail((Path.cwd(),), read_only)

    async def open(self, repo_path: str, request: RequestContext) -> Repository:
        """The repository at or above `repo_path`, which must lie inside the jail."""
        jail = await self.jail_for(request)
        if not repo_path.strip():
            raise InvalidInput("repo_path is empty; give the path of a repository inside " + _roots(jail))
        folder = jail.resolve(repo_path)
        if not folder.is_dir():
            raise InvalidInput(f"{repo_path} is a file; repo_path is the repository's folder.")
        work_tree = _top_level(folder, jail)
        if work_tree is None:
            raise NotFound(
                f"{repo_path} is not inside a git repository within {_roots(jail)}; "
                "give a repository's folder (git_init creates one)."
            )
        git_dir = _git_dir(work_tree)
        _data_inside(jail, work_tree, git_dir)
        return Repository(work_tree, git_dir, jail)

    def _jail(self, roots: tuple[Path, ...], read_only: bool) -> PathJail:
        jail = self._jails.get(roots)
        if jail is None:
            if len(self._jails) >= _KEPT_JAILS:
                self._jails.clear()
            jail = self._jails[roots] = PathJail(roots, read_only=read_only)
        return jail


def _roots(jail: PathJail) -> str:
    return "the allowed directories (" + ", ".join(str(root) for root in jail.roots) + ")"


def _top_level(folder: Path, jail: PathJail) -> Path | None:
    """The nearest folder at or above `folder`, inside the jail, that holds a `.git` entry."""
    for candidate in (folder, *folder.parents):
        if not jail.is_inside(candidate):
            return None
        if (candidate / ".git").exists():
            return candidate
    return None


def _data_inside(jail: PathJail, work_tree: Path, git_dir: Path) -> None:
    """Refuse a repository whose history lies outside the jail: a `.git` file, a `.git` symlink or
    a `commondir` naming another repository's git directory would open that one's commits and
    files, wherever it is on disk."""
    places = [git_dir.resolve()]
    commondir = git_dir / "commondir"  # a linked worktree's: where the refs and objects are
    if commondir.is_file():
        try:
            places.append((git_dir / commondir.read_text(encoding="utf-8").strip()).resolve())
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{commondir} cannot be read: {exc}") from exc
    for place in places:
        if not jail.is_inside(place):
            raise AccessDenied(
                f"{work_tree} keeps its git data in {place}, outside {_roots(jail)}; "
                "the operator can allow that repository with --repository."
            )


def _git_dir(work_tree: Path) -> Path:
    """The git directory: `.git` itself, or where a `.git` file (a linked worktree, a submodule) points."""
    dot_git = work_tree / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        pointer = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{dot_git} is neither a folder nor a readable gitdir file: {exc}") from exc
    if not pointer.startswith("gitdir:"):
        raise InvalidInput(f"{dot_git} does not say where the git directory is (no 'gitdir:' line).")
    return (work_tree / pointer.removeprefix("gitdir:").strip()).resolve()
