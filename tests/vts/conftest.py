"""Fixtures for the VTube Studio tests: an emulator factory, an output factory and a polling helper."""

from __future__ import annotations

import time

import numpy as np
import pytest

from vtbridge.frames import MappedFrame, empty_face
from vtbridge.outputs.vts_client import VtsOutput

from .emulator import VtsEmulator


def wait_until(predicate, timeout: float = 3.0, step: float = 0.01) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns its last truth value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def frame(values: dict[str, float], found: bool = True, t: float = 0.0) -> MappedFrame:
    face = empty_face(t).with_(found=found)
    return MappedFrame(face=face, names=tuple(values), values=np.array(list(values.values()), dtype=np.float32),
                       profile="vtube-studio")


@pytest.fixture
def emulator_factory():
    started: list[VtsEmulator] = []

    def make(**config) -> VtsEmulator:
        emu = VtsEmulator(**config).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def emulator(emulator_factory) -> VtsEmulator:
    return emulator_factory()


@pytest.fixture
def output_factory(isolated_home):
    made: list[VtsOutput] = []

    def make(url: str, **options) -> VtsOutput:
        out = VtsOutput(url, **options)
        made.append(out)
        return out

    yield make
    for out in made:
        out.close()
