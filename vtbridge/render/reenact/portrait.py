"""A portrait, ready to be reenacted: read once, its face found once, framed for the output.

Framing: a head-and-shoulders window around the face (three face heights tall, the face in the upper part), cut
from the picture as far as the picture reaches, then scaled so its height is the output's. A portrait whose window
is smaller than that is upscaled, and the caller is told (``upscaled``) so it can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import SourceError
from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.reenact import topology as topo
from vtbridge.sources.image import read_image

HEAD_HEIGHTS = 3.0  # window height in face heights


@dataclass(frozen=True, eq=False)
class Portrait:
    image: np.ndarray  # BGR, the framed window at working size
    face: FaceFrame  # tracked on ``image`` (landmarks normalised to it)
    path: str
    upscaled: float  # > 1 when the window had to be enlarged to reach the output height

    @property
    def landmarks_px(self) -> np.ndarray:
        return self.face.landmarks_px


def read_portrait(path: str | Path) -> np.ndarray:
    return read_image(Path(path), what="portrait")


def _track_still(tracker, image: np.ndarray) -> FaceFrame:
    return tracker.process(Frame(image=image, t=0.0, index=0, source="portrait"))


def frame_window(face: FaceFrame, size: tuple[int, int], aspect: float) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the head-and-shoulders window, clipped to the picture."""
    w, h = size
    oval = face.landmarks_px[list(topo.FACE_OVAL)]
    (fx0, fy0), (fx1, fy1) = oval.min(axis=0), oval.max(axis=0)
    face_h = fy1 - fy0
    win_h = min(face_h * HEAD_HEIGHTS, h)
    win_w = min(win_h * aspect, w)
    cx, cy = (fx0 + fx1) / 2, fy0 + face_h * 0.55 + win_h * 0.1
    x0 = int(round(min(max(cx - win_w / 2, 0), w - win_w)))
    y0 = int(round(min(max(cy - win_h / 2, 0), h - win_h)))
    return x0, y0, x0 + int(round(win_w)), y0 + int(round(win_h))


def load_portrait(path: str | Path, tracker_factory, out_size: tuple[int, int]) -> Portrait:
    """Read, find the face, frame and scale. ``tracker_factory()`` gives a fresh ``Tracker`` (a context manager)."""
    image = read_portrait(path)
    with tracker_factory() as tracker:
        face = _track_still(tracker, image)
    if not face.found:
        raise SourceError(f"portrait {str(path)!r}: no face found; use a picture where one face looks roughly "
                          f"toward the camera and fills at least a tenth of the picture")
    out_w, out_h = out_size
    x0, y0, x1, y1 = frame_window(face, (image.shape[1], image.shape[0]), out_w / out_h)
    window = image[y0:y1, x0:x1]
    scale = out_h / window.shape[0]
    work = cv2.resize(window, (max(2, int(round(window.shape[1] * scale))), out_h),
                      interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    with tracker_factory() as tracker:  # re-track on the working picture: landmarks exactly where the warp needs them
        face = _track_still(tracker, work)
    if not face.found:
        raise SourceError(f"portrait {str(path)!r}: the face is too small or unclear once framed; use a larger or "
                          f"sharper picture")
    return Portrait(image=work, face=face, path=str(path), upscaled=scale if scale > 1.05 else 1.0)
