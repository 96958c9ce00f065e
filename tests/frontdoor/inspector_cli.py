"""The MCP Inspector's command line: an MCP client of its own (TypeScript SDK), not ours, over stdio.

`inspector/package.json` pins the Inspector and a Node.js new enough to run it, npm's `node`
package (the Inspector needs Node >= 22.19; `npx` on an older Node quietly runs release 0.15
instead, which sends some integers as strings); `inspector/package-lock.json` pins everything
under them, installed once into `.tools/npm/inspector/` (`npm_tree`).

Each method is one run, `mcp-inspector --cli SERVER ARGS... -- OPTIONS...`: the Inspector spawns
the server's console script, connects, runs the method and exits. Everything before `--` is the
server's command line, its flags included; everything after, the Inspector's own options.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moorings_core.testing import HANG_LIMIT
from tests.frontdoor.npm_tree import TOOLS, install_tree

__all__ = ["Inspector", "install_inspector", "text_of"]

PACKAGE = Path(__file__).parent / "inspector"
CACHE = TOOLS / "inspector"
LAUNCHER = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
NODE = "node_modules/node/bin/node"  # put there by the `node` package's install script


@dataclass(frozen=True)
class Inspector:
    node: Path
    launcher: Path

    def list_tools(self, server: Sequence[str], era: str) -> dict[str, dict[str, Any]]:
        """The tools `server` lists, by name. `--strict` fails the listing (exit status 6) when a
        tool's schemas have a problem the Inspector rates an error for portability to clients."""
        listed = self.run(server, era, "--method", "tools/list", "--strict")
        return {tool["name"]: tool for tool in listed["tools"]}

    def call_tool(self, server: Sequence[str], era: str, name: str, *arguments: str) -> dict[str, Any]:
        """The result of a call of `name` that must succeed, with `arguments` as a user types them:
        `key=value`, the value read as JSON if it is JSON (`n=2` is a number), else as text. The
        Inspector then converts text to the type the tool's schema gives the argument, if any."""
        options = [option for argument in arguments for option in ("--tool-arg", argument)]
        return self.run(server, era, "--method", "tools/call", "--tool-name", name, *options)

    def run(self, server: Sequence[str], era: str, *options: str) -> dict[str, Any]:
        """The result of one method (`options`) against `server` (a command line) in protocol era
        `era` (`legacy` or `modern`), as `--format json` prints it; a failure, with what the
        Inspector and the server wrote, if the Inspector exits with any other status than 0."""
        command = [str(self.node), str(self.launcher), "--cli", *server, "--", *options]
        # The server has as long to start as a test call has to answer (HANG_LIMIT), not the
        # Inspector's 15 s: a loaded CI machine can take longer than that to spawn Python.
        command += ["--protocol-era", era, "--format", "json", "--connect-timeout", str(HANG_LIMIT * 1000)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        # A failing tool call still prints its result, but exits with status 5.
        assert done.returncode == 0, (
            f"the Inspector exited with {done.returncode}:\n{done.stdout}{done.stderr}"
        )
        result: dict[str, Any] = json.loads(done.stdout)["result"]
        return result


def install_inspector(npm: str, cache: Path = CACHE) -> Inspector:
    """The Inspector installed in `cache` from the pinned tree, by `npm` first if need be."""
    install_tree(npm, PACKAGE, cache)
    return Inspector(node=cache / NODE, launcher=cache / LAUNCHER)


def text_of(result: dict[str, Any]) -> str:
    """All text blocks of a tool result as the Inspector printed it, joined."""
    return "\n".join(block["text"] for block in result["content"] if block["type"] == "text")
