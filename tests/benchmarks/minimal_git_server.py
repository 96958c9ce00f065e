"""A plain git MCP server with the reference's tool names, for the git scenario tests.

Real stdio and the real git CLI, written the obvious way: the scenarios can be tested end to end
without the reference (which lives in .bench/) or our own server. Each tool answers with git's own
text, the log in the reference's entry format. With ``--pages N``, every answer comes in N pages
(of log entries, or of lines), each page's closing note holding the next one's cursor as our
server's notes do; with ``--short-log``, `git_log` leaves out the oldest commit it was asked for.
"""

from __future__ import annotations

import subprocess
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("minimal-git")
_LOG_FORMAT = "--format=Commit: %H%nAuthor: %an%nDate: %ad%nMessage: %B%x00"


def _git(repo_path: str, *arguments: str) -> str:
    return subprocess.run(
        ["git", "-C", repo_path, *arguments], capture_output=True, text=True, check=True
    ).stdout


def _page(tool: str, items: list[str], cursor: str | None) -> str:
    """`items` joined, or with ``--pages N`` the page of them from `cursor` on and a note for the rest."""
    if "--pages" not in sys.argv:
        return "".join(items)
    size = -(-len(items) // int(sys.argv[sys.argv.index("--pages") + 1]))
    start = int(cursor or 0)
    text = "".join(items[start : start + size])
    if start + size < len(items):
        text += f'\n[call {tool} again with the same arguments and cursor "{start + size}" for the next page]'
    return text


@server.tool()
def git_log(repo_path: str, max_count: int = 10, cursor: str | None = None) -> str:
    entries = _git(repo_path, "log", f"--max-count={max_count}", _LOG_FORMAT).split("\0")[:-1]
    if "--short-log" in sys.argv:
        entries.pop()
    return "Commit history:\n" + _page("git_log", entries, cursor)


@server.tool()
def git_status(repo_path: str) -> str:
    return "Repository status:\n" + _git(repo_path, "status")


@server.tool()
def git_diff_unstaged(repo_path: str, context_lines: int = 3, cursor: str | None = None) -> str:
    diff = _git(repo_path, "diff", f"--unified={context_lines}")
    return "Unstaged changes:\n" + _page("git_diff_unstaged", diff.splitlines(keepends=True), cursor)


@server.tool()
def git_show(repo_path: str, revision: str, cursor: str | None = None) -> str:
    shown = _git(repo_path, "show", "--end-of-options", revision)
    return _page("git_show", shown.splitlines(keepends=True), cursor)


if __name__ == "__main__":
    server.run()
