"""The READMEs' host sections: made by the code of `moorings config`, so they cannot drift from it.

Each README marks what is generated with `<!-- generated:NAME -->` ... `<!-- /generated:NAME -->`;
everything outside the markers is written by hand. The examples are for a user whose home is
/home/you and whose uvx is where uv's installer puts it.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote, urlencode

from moorings.catalog import Server
from moorings.hosts import HOSTS, Host
from moorings.launch import Launch, plan_launch
from moorings.places import Place
from moorings.snippets import hidden, host_snippet

from . import catalog
from .sources import REPO, ServerSource, Showing

HOME = "/home/you"
UVX = f"{HOME}/.local/bin/uvx"
_REGION = re.compile(
    r"(<!-- generated:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S
)


def outputs(sources: list[ServerSource]) -> dict[Path, str]:
    shown = [(Server.from_json(catalog.server_entry(source)), source.showing) for source in sources]
    files: dict[Path, str] = {}
    for (server, showing), source in zip(shown, sources, strict=True):
        section = functools.partial(_server_section, server, showing)
        files[source.directory / "README.md"] = _fill(
            source.directory / "README.md", {"host-configuration": section}
        )
    top = REPO / "README.md"
    hosts = functools.partial(_hosts_table, shown[0])  # the first server is the example
    files[top] = _fill(top, {"hosts": hosts, "one-click": functools.partial(_one_click_table, shown)})
    return files


def _fill(path: Path, makers: dict[str, Callable[[], str]]) -> str:
    text = path.read_text("utf-8")
    found = {match["name"] for match in _REGION.finditer(text)}
    if missing := set(makers) - found:
        raise SystemExit(f"{path}: no <!-- generated:{sorted(missing)[0]} --> ... region to fill")
    return _REGION.sub(lambda match: match[1] + makers[match["name"]]() + match[4], text)


def example_launch(server: Server, showing: Showing) -> Launch:
    args = [word.replace("~", HOME, 1) if word.startswith("~") else word for word in showing.example]
    return plan_launch(server, args, uvx=UVX, cwd=PurePosixPath(HOME), environ={})


def install_command(host: str, server: Server, showing: Showing) -> str:
    after_dashes = ["--", *showing.example] if showing.example else []
    return _shell(["uvx", "moorings", "install", host, server.name, *after_dashes])


def _shell(words: list[str]) -> str:
    """A command line as one types it: quoted where the shell needs it, `~` left for it to expand."""
    return " ".join(word if re.fullmatch(r"[\w@%+=:,./~-]+", word) else shlex.quote(word) for word in words)


def _server_section(server: Server, showing: Showing) -> str:
    launch = hidden(example_launch(server, showing))
    hosts = ", ".join(f"`{key}`" for key in HOSTS)
    about_secrets = ""
    if launch.secrets:
        about_secrets = (
            "\n\nThe secret goes to the server in its environment variable, never as an argument. Claude\n"
            "Desktop has no other way, so `moorings install` writes it there (`moorings config` never shows\n"
            "it); VS Code asks for it once and keeps it; hosts that read variables get a reference to it."
        )
    return f"""One command puts the server into a host's configuration, keeping every other entry (and a
backup of the file):

```console
{install_command("claude-desktop", server, showing)}
```

The host is one of:
{hosts}.

`moorings install --scope project` writes a project's file where the host has one. The entry pins
this release, names uvx by its absolute path (a host started from the desktop does not search the
shell's PATH), makes every path absolute, and raises the host's start-up time limit where it has
one. `uvx moorings doctor` checks what is installed and starts each server; `uvx moorings config
HOST {server.name} -- ARGS` prints the entry instead. For Claude Desktop, on a machine whose uvx is
`{UVX}`, it prints:

```json
{host_snippet(HOSTS["claude-desktop"], launch, server.name).rstrip()}
```

and for VS Code (`mcp.json`):

```json
{host_snippet(HOSTS["vscode"], launch, server.name).rstrip()}
```{about_secrets}
"""


def _hosts_table(example: tuple[Server, Showing]) -> str:
    rows = [
        "| host | one command | the file it writes (user scope) | project scope |",
        "|---|---|---|---|",
    ]
    for host in HOSTS.values():
        command = install_command(host.key, *example)
        project = str(host.paths(_PLACES["linux"], "project")[0]).removeprefix(f"{HOME}/project/")
        project = f"`{project}`" if "project" in host.scopes else "—"
        rows.append(f"| {host.title} | `{command}` | {_files(host)} | {project} |")
    return "\n".join(rows) + "\n"


_PLACES = {
    "linux": Place(system="linux", home=PurePosixPath("~"), cwd=PurePosixPath(f"{HOME}/project")),
    "darwin": Place(system="darwin", home=PurePosixPath("~"), cwd=PurePosixPath(f"{HOME}/project")),
    "windows": Place(
        system="windows",
        home=PureWindowsPath("%USERPROFILE%"),
        environ={"APPDATA": "%APPDATA%", "LOCALAPPDATA": "%LOCALAPPDATA%"},
    ),
}


def _files(host: Host) -> str:
    """The user-scope file on each system, once when the same everywhere."""
    by_system = {system: str(host.paths(place, "user")[0]) for system, place in _PLACES.items()}
    unix = {by_system["linux"], by_system["darwin"]}
    if len(unix) == 1 and by_system["windows"].replace("%USERPROFILE%\\", "~/").replace("\\", "/") in unix:
        return f"`{by_system['linux']}`"
    shown = [
        f"`{by_system['darwin']}` (macOS)",
        f"`{by_system['windows']}` (Windows)",
        f"`{by_system['linux']}` (Linux)",
    ]
    if len(unix) == 1:
        shown = [f"`{by_system['linux']}`", f"`{by_system['windows']}` (Windows)"]
    if host.key == "claude-desktop":
        shown.append(
            "the Microsoft Store app's own copy under `%LOCALAPPDATA%\\Packages\\` when it is installed"
        )
    return "; ".join(shown)


def _one_click_table(shown: list[tuple[Server, Showing]]) -> str:
    rows = ["| server | VS Code | Cursor |", "|---|---|---|"]
    for server, showing in shown:
        # The secrets the example needs, asked for by the host's own means (VS Code's prompts).
        secrets = dict.fromkeys(example_launch(server, showing).secrets)
        launch = Launch(server=server, command="uvx", server_args=showing.one_click, secrets=secrets)
        vscode = f"[install]({_vscode_link(launch)})"
        cursor = (
            f"[install]({_cursor_link(launch)})"
            if _cursor_can(launch)
            else "`uvx moorings install cursor " + server.name + " -- …`"
        )
        rows.append(f"| `{server.distribution}` | {vscode} | {cursor} |")
    return "\n".join(rows) + "\n"


def _vscode_link(launch: Launch) -> str:
    entry = HOSTS["vscode"].entry(launch, launch.server.name)
    inputs = [*entry.inputs, *_prompts(launch)]
    query = {"name": launch.server.name, "config": json.dumps(entry.value, separators=(",", ":"))}
    if inputs:
        query["inputs"] = json.dumps(inputs, separators=(",", ":"))
    return "https://vscode.dev/redirect/mcp/install?" + urlencode(query, quote_via=quote)


def _prompts(launch: Launch) -> list[dict[str, object]]:
    prompts = []
    for argument in launch.server_args:
        if found := re.fullmatch(r"\$\{input:([a-z-]+)\}", argument):
            option = launch.server.flags["--" + found[1]]
            prompts.append({"type": "promptString", "id": found[1], "description": option.description})
    return prompts


def _cursor_can(launch: Launch) -> bool:
    return not launch.secrets and not any("${input:" in argument for argument in launch.server_args)


def _cursor_link(launch: Launch) -> str:
    entry = HOSTS["cursor"].entry(launch, launch.server.name).value
    config = base64.b64encode(json.dumps(entry, separators=(",", ":")).encode()).decode()
    return "https://cursor.com/en/install-mcp?" + urlencode({"name": launch.server.name, "config": config})
