"""Shared test fixtures: an isolated user home, and access to real face media.

Media: ``tests/data/drive_d20.mp4`` is vendored; everything else comes from ``../shared/media`` (or
``$VTBRIDGE_SHARED/media``). When it is absent those tests skip with a reason, unless ``VTBRIDGE_REQUIRE_MEDIA=1``
(CI), where a missing file is a failure.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"


def shared_dir() -> Path:
    env = os.environ.get("VTBRIDGE_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def media(name: str) -> Path:
    """Path of a real face clip/portrait; skips (or fails under VTBRIDGE_REQUIRE_MEDIA=1) when unavailable."""
    vendored = DATA / name
    if vendored.exists():
        return vendored
    path = shared_dir() / "media" / name
    if not path.exists():
        reason = f"{name} not found in {path.parent} (shared media absent)"
        if os.environ.get("VTBRIDGE_REQUIRE_MEDIA") == "1":
            pytest.fail(reason + " but VTBRIDGE_REQUIRE_MEDIA=1")
        pytest.skip(reason)
    return path


VENDORED_CLIP = DATA / "drive_d20.mp4"


def wait(predicate, timeout: float = 20.0, what: str = "the condition", step: float = 0.02):
    """Poll ``predicate`` until it is truthy (returned) or ``timeout`` s pass (the test fails, naming ``what``).
    For threads the test cannot join: a daemon, a render thread, a capture thread."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        time.sleep(step)
    return value


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own VTBRIDGE_HOME so no real user config/token/calibration is read or written."""
    home = tmp_path_factory.mktemp("vtbridge_home")
    monkeypatch.setenv("VTBRIDGE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def d20():
    """(frames, faces) of the vendored clip, tracked raw once per session."""
    from tests.tracked import tracked

    return tracked("drive_d20.mp4")
