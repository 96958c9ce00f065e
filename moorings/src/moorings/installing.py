"""Putting one server's entry into a host's config, keeping everything else the file holds.

Idempotent: the same install twice changes nothing the second time. An entry of the same name
that runs something else (another server, the reference one) is kept unless `force` says to
replace it; an entry that runs the same Moorings server is ours to update. The file is backed up
before it changes, and replaced atomically.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from moorings.entries import server_of
from moorings.errors import MooringsCliError
from moorings.files import back_up, read_text, replace_text
from moorings.formats import ConfigDocument, FormatError, open_document
from moorings.hosts import Entry, Host, Scope
from moorings.launch import Launch
from moorings.places import Place

__all__ = ["Installed", "Refused", "install", "read_entry", "write_entry"]


class Refused(MooringsCliError):
    """The host's file holds a different entry of that name; nothing was changed."""


@dataclass(frozen=True)
class Installed:
    action: Literal["added", "updated", "unchanged"]
    path: Path
    backup: Path | None = None
    command: list[str] | None = None  # the host's own command, when that is what wrote the entry


def install(
    host: Host,
    launch: Launch,
    *,
    name: str,
    scope: Scope,
    place: Place,
    force: bool = False,
    use_host_cli: bool = True,
) -> Installed:
    path = Path(host.config_path(place, scope))
    text = read_text(path)
    document = _open(host, path, text or "")
    entry = host.entry(launch, name)
    existing = read_entry(host, document, name)
    if existing == entry.value and _has_inputs(document, entry):
        return Installed("unchanged", path)
    if existing is not None and not force and server_of(existing) != launch.server:
        raise Refused(
            f"{path} already has an entry {name!r} that runs something else; keep it and choose "
            f"another name with --name, or replace it with --force"
        )
    action: Literal["added", "updated"] = "added" if existing is None else "updated"
    command = host.cli(launch, name, scope, entry) if host.cli and use_host_cli and existing is None else None
    backup = back_up(path) if text is not None else None
    if command is not None and shutil.which(command[0]):
        _run_host_cli(host, command)
        _check_written(host, path, name, entry)
        return Installed(action, path, backup=backup, command=command)
    write_entry(host, document, name, entry)
    replace_text(path, document.text())
    return Installed(action, path, backup=backup)


def read_entry(host: Host, document: ConfigDocument, name: str) -> Any:
    if host.named_list:
        return document.get_named(host.container, name)
    return document.get([*host.container, name])


def _open(host: Host, path: Path, text: str) -> ConfigDocument:
    try:
        return open_document(host.format, text)
    except FormatError as exc:
        raise MooringsCliError(
            f"{path} cannot be read as {host.format.upper()} ({exc}); moorings changes nothing in a file "
            "it cannot read: fix it, or move it aside and install again"
        ) from None


def _has_inputs(document: ConfigDocument, entry: Entry) -> bool:
    return all(document.get_named(["inputs"], item["id"], key="id") == item for item in entry.inputs)


def write_entry(host: Host, document: ConfigDocument, name: str, entry: Entry) -> None:
    """Put the entry (and, first, any prompts it needs: VS Code's files list them above the servers)."""
    for item in entry.inputs:
        document.set_named(["inputs"], item["id"], item, key="id")
    if host.named_list:
        document.set_named(host.container, name, entry.value)
    else:
        document.set([*host.container, name], entry.value)


def _check_written(host: Host, path: Path, name: str, entry: Entry) -> None:
    """A host's command can succeed and still not write our entry where its host reads it (Gemini
    CLI's project scope in the home folder writes nothing at all): read it back to be sure.

    A host whose command may return before the file is written (`Host.cli_grace`) is given time.
    """
    deadline = time.monotonic() + host.cli_grace
    while read_entry(host, _open(host, path, read_text(path) or ""), name) != entry.value:
        if time.monotonic() < deadline:
            time.sleep(0.2)
            continue
        raise MooringsCliError(
            f"{host.title}'s own command reported success, but {path} does not hold the entry "
            f"{name!r} as moorings meant it; run again with --no-host-cli to have moorings edit the "
            "file itself"
        )


def _run_host_cli(host: Host, command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MooringsCliError(f"{command[0]} failed to run: {exc}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise MooringsCliError(
            f"`{' '.join(command[:3])} …` exited with status {done.returncode}"
            + (f": {said[-1]}" if said else "")
            + f"; run again with --no-host-cli to have moorings edit {host.title}'s file itself"
        )
