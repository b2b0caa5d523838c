"""Where rendered frames go: a virtual camera (pyvirtualcam), an MP4 file, or nowhere but the preview.

A sink is ``open(width, height, fps)``, ``send(bgr_image)``, ``close()``. The virtual-camera sink turns
pyvirtualcam's errors into one line that says what to do on this operating system: install OBS (Windows, macOS),
load v4l2loopback (Linux), or free a camera another program holds.

pyvirtualcam is GPL-2.0; it is an ordinary pip dependency here (see the README on bundles).
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from vtbridge.errors import OutputError

BACKENDS = ("auto", "obs", "unitycapture", "v4l2loopback")

#: What to install, per OS, when no virtual camera exists (facts from pyvirtualcam's README and camera.py: OBS's
#: built-in camera on Windows and macOS, v4l2loopback on Linux; see docs/vcam.md for the sources).
DRIVER_HINTS = {
    "Windows": "install OBS Studio 26.1 or later (https://obsproject.com); it need not be running. Then pick "
               "\"OBS Virtual Camera\" in Zoom, Teams or the browser",
    "Linux": "load the v4l2loopback driver: sudo apt install v4l2loopback-dkms && sudo modprobe v4l2loopback "
             "devices=1 exclusive_caps=1 card_label=vtbridge (exclusive_caps=1 lets Chrome, Zoom and Teams see it)",
    "Darwin": "install OBS Studio (30 or later on macOS 13 Ventura and newer, 28-29 on older macOS), click \"Start "
              "Virtual Camera\" once and stop it so macOS installs the camera, then quit OBS",
}
BUSY_HINT = ("the virtual camera is busy: another program is already sending to it (OBS's own \"Start Virtual "
             "Camera\", another vtbridge); stop that program, or choose another device with outputs.vcam.device")


def driver_hint(system: str | None = None) -> str:
    system = system or platform.system()
    return DRIVER_HINTS.get(system, "install a virtual camera driver supported by pyvirtualcam (OBS Studio's virtual "
                                    "camera, or v4l2loopback on Linux)")


def explain_open_error(text: str, system: str | None = None) -> str:
    """pyvirtualcam's (possibly multi-line) error -> one actionable line."""
    low = text.lower()
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    if "busy" in low or "in use" in low or "could not be started" in low:
        return f"virtual camera not started: {BUSY_HINT} ({first})"
    if "not found" in low or "no v4l2 loopback device" in low or "did you install" in low or "not installed" in low:
        return f"no virtual camera found: {driver_hint(system)}"
    return f"virtual camera not started ({first}); {driver_hint(system)}"


class Sink(Protocol):
    description: str

    def open(self, width: int, height: int, fps: float) -> None: ...

    def send(self, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


class VirtualCameraSink:
    """Frames to the system's virtual camera through pyvirtualcam (BGR in; the backend converts)."""

    def __init__(self, backend: str = "auto", device: str = "") -> None:
        if backend not in BACKENDS:
            raise OutputError(f"virtual camera backend {backend!r} is not one of {', '.join(BACKENDS)}")
        self.backend, self.device = backend, device
        self.description = "virtual camera"
        self._cam = None

    def open(self, width: int, height: int, fps: float) -> None:
        import pyvirtualcam

        registered = tuple(pyvirtualcam.camera.BACKENDS)
        backend = None if self.backend == "auto" else self.backend
        if backend is not None and backend not in registered:
            raise OutputError(f"virtual camera backend {backend!r} does not exist on {platform.system()} (here: "
                              f"{', '.join(registered) or 'none'}); use backend auto")
        if not registered:
            raise OutputError(f"no virtual camera found: {driver_hint()}")
        try:
            self._cam = pyvirtualcam.Camera(width, height, fps, fmt=pyvirtualcam.PixelFormat.BGR,
                                            device=self.device or None, backend=backend)
        except Exception as exc:  # RuntimeError from the native backends, ValueError for a bad size, ...
            raise OutputError(explain_open_error(str(exc))) from None
        self.description = f"{self._cam.device} ({self._cam.backend})"

    def send(self, image: np.ndarray) -> None:
        self._cam.send(image)

    def close(self) -> None:
        cam, self._cam = self._cam, None
        if cam is not None:
            cam.close()


class FileSink:
    """Frames to a video file (MP4 with the mp4v codec OpenCV always has; other suffixes: what OpenCV picks)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.description = str(self.path)
        self._writer: cv2.VideoWriter | None = None
        self.frames = 0

    def open(self, width: int, height: int, fps: float) -> None:
        if self.path.parent and not self.path.parent.exists():
            raise OutputError(f"output {str(self.path)!r}: folder {str(self.path.parent)!r} does not exist; create "
                              f"it or write somewhere else")
        fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.suffix.lower() in (".mp4", ".m4v", ".mov") else
                                          "MJPG"))
        writer = cv2.VideoWriter(str(self.path), fourcc, float(fps), (width, height))
        if not writer.isOpened():
            raise OutputError(f"output {str(self.path)!r} cannot be written (unsupported suffix or no permission); "
                              f"use a .mp4 path in a folder you can write to")
        self._writer = writer

    def send(self, image: np.ndarray) -> None:
        self._writer.write(image)
        self.frames += 1

    def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.release()
