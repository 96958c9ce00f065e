"""`benchmarks/` is a folder run as ``python -m benchmarks`` from the repository root, not an
installed package: put the root on the import path so these tests can import its modules."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = str(Path(__file__).resolve().parents[2])
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)
