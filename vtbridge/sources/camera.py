"""Webcams through OpenCV with the right backend per OS (Media Foundation/DirectShow on Windows, V4L2 on Linux,
AVFoundation on macOS), on a capture thread with latest-frame semantics and monotonic capture timestamps."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import cv2

from vtbridge.errors import SourceError
from vtbridge.frames import Frame
from vtbridge.sources.base import ThreadedSource
from vtbridge.sources.devices import find_camera_by_name


def backends_for_platform(platform: str = sys.platform) -> list[tuple[str, int]]:
    """Backends to try in order. MSMF is fast to open at high resolutions but fails on some drivers, DSHOW is the
    classic fallback; V4L2 and AVFoundation are the native APIs elsewhere."""
    if platform == "win32":
        return [("MSMF", cv2.CAP_MSMF), ("DSHOW", cv2.CAP_DSHOW)]
    if platform == "darwin":
        return [("AVFoundation", cv2.CAP_AVFOUNDATION)]
    return [("V4L2", cv2.CAP_V4L2)]


@dataclass(frozen=True)
class CameraRequest:
    """What the user asked for; the driver may give something else (reported in ``CameraSource.actual``)."""

    width: int | None = 1280
    height: int | None = 720
    fps: float | None = 30.0
    mjpg: bool = True  # MJPG lets USB 2 webcams deliver 720p/1080p at 30 fps; raw YUYV often caps at 5-10 fps


class CameraSource(ThreadedSource):
    def __init__(self, device: int | str, request: CameraRequest = CameraRequest(), *,
                 first_frame_timeout: float = 5.0) -> None:
        super().__init__()
        index = device if isinstance(device, int) else find_camera_by_name(device)
        self.index = index
        self.name = f"camera:{index}"
        self.frame_count = None
        self._cap, self.backend = self._open(index, request)
        self.actual = (int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                       float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0))
        self.fps = self.actual[2] or request.fps
        self._count = 0
        self._start()
        try:
            first = self._slot.get(first_frame_timeout)
        except SourceError:  # the very first read failed: the device exists but will not stream
            first = None
        except TimeoutError:
            self.close()
            raise SourceError(f"camera {index} ({self.backend}) opened but sent no frame in {first_frame_timeout:.0f} s;"
                              f" it is probably in use by another app (close Zoom/OBS/Teams) or needs a replug") from None
        if first is None:
            self.close()
            raise SourceError(f"camera {index} ({self.backend}) opened but cannot be read; it is probably busy in "
                              f"another app (close Zoom/OBS/Teams) or blocked by the OS privacy settings (allow "
                              f"camera access for desktop apps)")
        self._slot.put(first)

    def _open(self, index: int, request: CameraRequest) -> tuple[cv2.VideoCapture, str]:
        tried = []
        for label, api in backends_for_platform():
            cap = cv2.VideoCapture(index, api)
            if cap.isOpened():
                if request.mjpg:
                    cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
                if request.width:
                    cap.set(cv2.CAP_PROP_FRAME_WIDTH, request.width)
                if request.height:
                    cap.set(cv2.CAP_PROP_FRAME_HEIGHT, request.height)
                if request.fps:
                    cap.set(cv2.CAP_PROP_FPS, request.fps)
                cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # do not let the driver queue stale frames
                return cap, label
            cap.release()
            tried.append(label)
        raise SourceError(f"camera {index} not found (tried {', '.join(tried)}); run `vtbridge cameras` to list the "
                          f"cameras this computer has, or check that it is plugged in and not used by another app")

    def _capture_one(self) -> Frame | None:
        ok, image = self._cap.read()
        t = time.monotonic()
        if not ok:
            raise SourceError(f"camera {self.index} ({self.backend}) stopped delivering frames (unplugged or taken "
                              f"by another app)")
        frame = Frame(image=image, t=t, index=self._count, source=self.name)
        self._count += 1
        return frame

    def _release(self) -> None:
        self._cap.release()
