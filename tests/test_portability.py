"""Every module of the core and of every server imports, and the jail works, without POSIX-only features;
and the calls that differ between platforms sit in `moorings_core.platform` alone.

Windows has no `fcntl`, `termios`, `resource`, `pwd` or `grp`, and `os` there lacks `O_NOFOLLOW`,
`O_DIRECTORY`, `O_CLOEXEC`, `O_NOCTTY`, `O_PATH`, `pread`, `fchmod`... A fresh interpreter loads the
libraries we build on (their portability is their own), takes all of that away, then imports each
of our modules and opens, writes, lists and renames through the jail. The capabilities it detects
must be the portable ones: found missing by looking, not told by `MOORINGS_PORTABLE`.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGES = ["moorings_core", "moorings_filesystem", "moorings_sqlite", "moorings"]
# What our packages import from outside the standard library, loaded before anything is taken away.
LIBRARIES = ["mcp", "mcp_types", "anyio", "pydantic", "httpx", "httpcore", "jsonschema", "pathspec"]
LIBRARIES += ["watchfiles", "aiosqlite", "pytest", "asyncio", "sqlite3", "ctypes", "ssl"]
POSIX_MODULES = ["fcntl", "termios", "resource", "pwd", "grp", "posix"]
POSIX_OS_ATTRIBUTES = [
    *("O_NOFOLLOW", "O_DIRECTORY", "O_CLOEXEC", "O_NOCTTY", "O_PATH", "O_NONBLOCK", "O_DSYNC", "O_SYNC"),
    *("pread", "pwrite", "fchmod", "fchown", "getuid", "getgid", "geteuid", "getegid", "sync"),
    *("copy_file_range", "sendfile", "mkfifo", "fork", "killpg", "setsid", "uname", "statvfs"),
]
POSIX_SIGNALS = ["SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE"]

PROGRAM = textwrap.dedent(
    """
    import importlib, json, os, pkgutil, signal, sys, tempfile
    from pathlib import Path

    settings = json.loads(sys.argv[1])
    for name in settings["libraries"]:
        importlib.import_module(name)
    for name in settings["modules"]:
        sys.modules[name] = None  # `import fcntl` now raises ImportError, as on Windows
    for name in settings["os"]:
        if hasattr(os, name):
            delattr(os, name)
    for name in settings["signals"]:
        if hasattr(signal, name):
            delattr(signal, name)
    os.supports_dir_fd = set()  # no `dir_fd=` anywhere, as on Windows
    os.supports_fd = {os.stat}

    failures = []
    for package in settings["packages"]:
        module = importlib.import_module(package)
        for found in pkgutil.walk_packages(module.__path__, package + "."):
            try:
                importlib.import_module(found.name)
            except Exception as exc:
                failures.append(f"{found.name}: {type(exc).__name__}: {exc}")

    from moorings_core.platform.capabilities import CAPABILITIES
    from moorings_core.sandbox.paths import PathJail
    from moorings_filesystem import atomic
    from moorings_core.platform.descriptors import read_at

    root = Path(tempfile.mkdtemp()).resolve()
    (root / "sub").mkdir()
    jail = PathJail([root])
    with jail.open_parent(root / "sub" / "a.txt")[0] as directory:
        atomic.replace_file(directory, "a.txt", lambda fd: atomic.write_all(fd, b"portable"), display="a.txt")
        directory.rename_noreplace("a.txt", directory, "b.txt")
    fd = jail.open_file(root / "sub" / "b.txt")
    content = read_at(fd, 100, 0)
    os.close(fd)
    with jail.open_directory(root / "sub") as directory:
        names = sorted(entry.name for entry in directory.scandir())
    print(json.dumps({
        "failures": failures,
        "portable": not CAPABILITIES.directory_descriptors and not CAPABILITIES.stdio_diversion
            and not CAPABILITIES.positioned_reads and not CAPABILITIES.forced,
        "used": [content.decode(), names],
    }))
    """
)


def test_every_module_imports_and_the_jail_works_without_posix_only_features(tmp_path: Path) -> None:
    settings = {
        "libraries": LIBRARIES,
        "modules": POSIX_MODULES,
        "os": POSIX_OS_ATTRIBUTES,
        "signals": POSIX_SIGNALS,
        "packages": PACKAGES,
    }
    environment = {key: value for key, value in os.environ.items() if key != "MOORINGS_PORTABLE"}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(settings)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["failures"] == []
    assert report["portable"], "the capabilities should be found missing"
    assert report["used"] == ["portable", ["b.txt"]]


# -- the one place ------------------------------------------------------------------------------

SOURCES = [Path("shared/src"), *Path("servers").glob("*/src")]
PLATFORM_PACKAGE = Path("shared/src/moorings_core/platform")
# Calls that exist on POSIX only, or mean something else on Windows (os.kill ends a process there).
POSIX_ONLY = {"fcntl", "termios", "resource", "pwd", "grp", "signal", "msvcrt"}
POSIX_ONLY_CALLS = {
    *POSIX_OS_ATTRIBUTES,
    *("set_blocking", "kill", "dup2", "getpgid", "lchmod", "fchdir", "syncfs"),
}
AT_KEYWORDS = {"dir_fd", "src_dir_fd", "dst_dir_fd"}


def platform_specific_uses(path: Path) -> list[str]:
    """Each import of a POSIX-only module, `os.<POSIX-only>` and `dir_fd=` argument in a source file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name.partition(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").partition(".")[0]]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            names = [f"os.{node.attr}"] if node.attr in POSIX_ONLY_CALLS else []
        elif isinstance(node, ast.keyword):
            names = [f"{node.arg}="] if node.arg in AT_KEYWORDS else []
        else:
            continue
        found += [
            f"{path}:{node.lineno}: {name}"
            for name in names
            if name in POSIX_ONLY or "." in name or "=" in name
        ]
    return found


def test_platform_specific_calls_sit_only_in_moorings_core_platform() -> None:
    root = Path(__file__).parent.parent
    outside = [
        path
        for source in SOURCES
        for path in sorted((root / source).rglob("*.py"))
        if not path.is_relative_to(root / PLATFORM_PACKAGE)
    ]
    assert len(outside) > 50  # the core and both servers were found
    assert [use for path in outside for use in platform_specific_uses(path)] == []
