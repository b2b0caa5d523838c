"""Skipping rules for tests that need system tools (Xvfb, a tray host, Chromium): skip with the reason locally,
fail under ``VTBRIDGE_REQUIRE_MEDIA=1`` (CI), where a missing tool means the install step is broken."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


def required() -> bool:
    return os.environ.get("VTBRIDGE_REQUIRE_MEDIA") == "1"


def need(programs=(), modules=(), why: str = "") -> None:
    missing = [p for p in programs if not shutil.which(p)] + \
              [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        reason = f"{why}: missing {', '.join(missing)} (see the install lines in docs/dashboard.md)"
        if required():
            pytest.fail(reason + " but VTBRIDGE_REQUIRE_MEDIA=1")
        pytest.skip(reason)
