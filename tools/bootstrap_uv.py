"""Put uv into FOLDER/bin with nothing but the python3 that runs this script.

`make` runs this once when uv is not on PATH (see the Makefile), so a fresh clone needs only
python3 and git. Nothing is installed into that python3: Debian's and Ubuntu's refuse it
(PEP 668), and many have neither pip nor ensurepip (that is the separate python3-venv package).
Instead pip runs straight from its wheel, which needs no installation: the wheel is downloaded
with the standard library and checked against the digest pinned here, then it installs uv with
`--target` into FOLDER, a folder of this checkout that nothing else uses. Letting pip install uv,
rather than fetching a uv wheel ourselves, leaves choosing the wheel built for this platform to
pip, and honours the user's pip configuration (index, certificates).

FOLDER appears whole or not at all: uv is installed beside it first and moved into place last,
so an interrupted run simply starts over next time.

Usage: python3 tools/bootstrap_uv.py FOLDER
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

UV = "uv==0.13.9"
# The one pip wheel serves every platform and Python >= 3.10. Bump URL and digest together.
PIP_WHEEL_URL = (
    "https://files.pythonhosted.org/packages/07/25/"
    "ee8c38ae72d66b844ce8eb9711ba905dba21ca1a8a0c960057c41cd23337/pip-26.3-py3-none-any.whl"
)
PIP_WHEEL_SHA256 = "f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13"
INSTALL_UV_YOURSELF = "or install uv yourself (https://docs.astral.sh/uv/) and run make again"
USAGE = "usage: python3 tools/bootstrap_uv.py FOLDER"


class BootstrapFailed(Exception):
    """uv could not be installed; the message says why and what to do instead."""


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        install_uv(Path(argv[0]))
    except BootstrapFailed as error:
        print(f"bootstrap_uv: {error}", file=sys.stderr)
        return 1
    return 0


def install_uv(folder: Path) -> None:
    # Whatever python3 comes first runs this, and the pinned pip needs 3.10 too: say so plainly.
    if sys.version_info < (3, 10):  # noqa: UP036
        raise BootstrapFailed(f"Moorings needs Python >= 3.10, and this python3 is {sys.version.split()[0]}")
    print(f"bootstrap_uv: no uv on PATH; installing {UV} into {folder}/ for this checkout", file=sys.stderr)
    staging = folder.with_name(f"{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="moorings-bootstrap-") as scratch:
        pip_wheel = Path(scratch) / PIP_WHEEL_URL.rsplit("/", 1)[1]
        _download(PIP_WHEEL_URL, pip_wheel, PIP_WHEEL_SHA256)
        pip = [sys.executable, str(pip_wheel / "pip"), "--disable-pip-version-check"]
        installed = subprocess.run(
            [*pip, "install", "--quiet", "--root-user-action=ignore", "--target", str(staging), UV],
            check=False,
        )
    if installed.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise BootstrapFailed(f"pip could not install {UV} (its error is above); {INSTALL_UV_YOURSELF}")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def _download(url: str, destination: Path, sha256: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (a fixed https URL)
            content = response.read()
    except OSError as error:
        raise BootstrapFailed(f"could not download {url}: {error}; {INSTALL_UV_YOURSELF}") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256:
        raise BootstrapFailed(f"{url} has sha256 {digest}, expected {sha256}; refusing to run it")
    destination.write_bytes(content)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
