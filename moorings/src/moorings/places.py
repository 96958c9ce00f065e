"""Where a machine keeps things: its system, home, environment and the folders apps write to.

Every host's config path is a pure function of a `Place`, so that the paths for macOS and Windows
are computed (and tested) on any machine: `Place.current()` is the one that reads this machine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Literal

__all__ = ["Place", "System"]

System = Literal["linux", "darwin", "windows"]


@dataclass(frozen=True)
class Place:
    system: System
    home: PurePath
    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: PurePath | None = None  # where a project-scope config goes; None: the current directory

    @classmethod
    def current(cls) -> Place:
        system: System = (
            "windows" if sys.platform == "win32" else "darwin" if sys.platform == "darwin" else "linux"
        )
        return cls(system=system, home=Path.home(), environ=dict(os.environ), cwd=Path.cwd())

    def path(self, *parts: str) -> PurePath:
        """A path of this place's system (a Windows path is built right on Linux, and back)."""
        flavour = PureWindowsPath if self.system == "windows" else PurePosixPath
        return flavour(*parts)

    def variable_path(self, name: str, default: PurePath) -> PurePath:
        value = self.environ.get(name, "")
        return self.path(value) if value else default

    @property
    def config_home(self) -> PurePath:
        """`$XDG_CONFIG_HOME`, else `~/.config` (Linux, and the Unix-minded tools on macOS)."""
        return self.variable_path("XDG_CONFIG_HOME", self.home / ".config")

    @property
    def app_data(self) -> PurePath:
        """Where desktop apps keep their settings: AppData\\Roaming, Application Support, ~/.config."""
        if self.system == "windows":
            return self.variable_path("APPDATA", self.home / "AppData" / "Roaming")
        if self.system == "darwin":
            return self.home / "Library" / "Application Support"
        return self.config_home

    @property
    def local_app_data(self) -> PurePath:
        """Windows' AppData\\Local, where packaged (MSIX) apps keep their virtualised files."""
        return self.variable_path("LOCALAPPDATA", self.home / "AppData" / "Local")

    @property
    def project(self) -> PurePath:
        return self.cwd if self.cwd is not None else Path.cwd()
