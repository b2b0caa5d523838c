"""A faithful stand-in for a pyvirtualcam backend (this machine has no virtual camera driver).

It follows pyvirtualcam's ``Backend`` contract exactly: keyword-only ``__init__(width, height, fps, fourcc, device)``,
``send(frame)`` receiving the flattened uint8 frame, ``device()``, ``native_fourcc()``, ``close()`` called once.
Registered with ``pyvirtualcam.register_backend`` so the real ``pyvirtualcam.Camera`` (shape checks, pixel format,
backend selection) runs in front of it.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pyvirtualcam

from pyvirtualcam.util import decode_fourcc


class FakeCam:
    instances: list["FakeCam"] = []
    busy = False  # True: behave like a camera another program holds
    delay = 0.0  # seconds each send takes (a slow driver)
    gate: threading.Event | None = None  # set: sends block until it is set

    def __init__(self, *, width, height, fps, fourcc, device, **kw):
        if FakeCam.busy:
            raise RuntimeError("virtual camera output could not be started")
        self.width, self.height, self.fps = width, height, fps
        self.fmt = decode_fourcc(fourcc)
        self._device = device or "/dev/fakecam0"
        self.frames: list[np.ndarray] = []
        self.times: list[float] = []
        self.closed = 0
        FakeCam.instances.append(self)

    def send(self, frame):
        assert frame.ndim == 1 and frame.dtype == np.uint8  # pyvirtualcam flattens before the backend
        if FakeCam.gate is not None:
            FakeCam.gate.wait()
        if FakeCam.delay:
            time.sleep(FakeCam.delay)
        self.times.append(time.monotonic())
        self.frames.append(frame.reshape(self.height, self.width, 3))

    def device(self):
        return self._device

    def native_fourcc(self):
        return None

    def close(self):
        self.closed += 1


def install(monkeypatch, name: str = "fake"):
    """Register FakeCam (restored after the test) and reset its class state."""
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", dict(pyvirtualcam.camera.BACKENDS))
    pyvirtualcam.register_backend(name, FakeCam)
    FakeCam.instances, FakeCam.busy, FakeCam.delay, FakeCam.gate = [], False, 0.0, None
    return FakeCam
