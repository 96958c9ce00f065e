"""The core's public API: every exported name resolves, and importing the package costs nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

import moorings_core


def test_every_exported_name_resolves_to_the_object_its_module_defines() -> None:
    assert moorings_core.__all__
    for name in moorings_core.__all__:
        assert getattr(moorings_core, name) is not None, name
    assert moorings_core.MooringsServer.__module__ == "moorings_core.server.app"


def test_the_export_list_and_the_homes_agree() -> None:
    homes = {name for names in moorings_core._HOMES.values() for name in names}
    assert set(moorings_core.__all__) == homes


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        getattr(moorings_core, "NoSuchThing")  # noqa: B009 - the lookup under test


def test_importing_the_package_imports_neither_the_sdk_nor_pydantic() -> None:
    # A console script pauses garbage collection before the heavy imports; the package must let it.
    probe = (
        "import sys, moorings_core, moorings_core.program; "
        "print(sorted(m for m in ('mcp', 'pydantic', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
