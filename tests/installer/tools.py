"""What the installer tests need from outside Python: a tool on PATH, or a module of the build toolchain.

Missing ones skip with the reason (how to install them), except under ``VTBRIDGE_REQUIRE_MEDIA=1`` (CI), where
they fail: CI installs all of them, so a skip there would hide a broken installer.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "installer"


def _missing(reason: str):
    if os.environ.get("VTBRIDGE_REQUIRE_MEDIA") == "1":
        pytest.fail(reason + " but VTBRIDGE_REQUIRE_MEDIA=1")
    pytest.skip(reason)


def tool(name: str, how: str, candidates: tuple[str, ...] = ()) -> str:
    """Absolute path of a command-line tool, else skip/fail saying how to get it."""
    found = shutil.which(name) or next((c for c in candidates if Path(c).is_file()), None)
    if not found:
        _missing(f"{name} not found ({how})")
    return found


def module(name: str, how: str) -> None:
    if importlib.util.find_spec(name) is None:
        _missing(f"Python module {name} not installed ({how})")


def load_installer_module(name: str):
    """installer/NAME.py as a module (installer/ is a folder of build scripts, not a package)."""
    if str(INSTALLER) not in sys.path:
        sys.path.insert(0, str(INSTALLER))  # build.py imports its sibling licenses.py
    qualified = f"vtbridge_installer_{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, INSTALLER / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = mod  # dataclasses look their module up there
        spec.loader.exec_module(mod)
    return sys.modules[qualified]
