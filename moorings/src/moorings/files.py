"""Reading and replacing a host's config file without ever leaving it half written or lost."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from moorings.errors import MooringsCliError

__all__ = ["back_up", "read_text", "replace_text"]


def read_text(path: Path) -> str | None:
    """The file's text, or None when there is no file yet."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise MooringsCliError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        # newline="" semantics: the bytes decide the line endings, and the editors keep them.
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MooringsCliError(f"{path} is not UTF-8 text; moorings leaves it alone") from None


def back_up(path: Path, now: datetime | None = None) -> Path:
    """Copy `path` beside itself as `NAME.moorings-YYYYMMDDTHHMMSS.bak`, never over an earlier copy."""
    stamp = (now or datetime.now()).strftime("%Y%m%dT%H%M%S")
    for attempt in range(100):
        suffix = "" if attempt == 0 else f"-{attempt}"
        backup = path.with_name(f"{path.name}.moorings-{stamp}{suffix}.bak")
        try:
            with backup.open("xb") as copy, path.open("rb") as original:
                shutil.copyfileobj(original, copy)
        except FileExistsError:
            continue
        shutil.copymode(path, backup)
        return backup
    raise MooringsCliError(f"cannot find a free name to back up {path} beside it")


def replace_text(path: Path, text: str) -> None:
    """Write `text` to `path` atomically: readers see the old file or the new one, never a mix.

    The new file keeps the old one's permissions (`~/.claude.json` is private to its user).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode if path.exists() else None
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
