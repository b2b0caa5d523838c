"""Auto-framing: a virtual camera operator that keeps the face centred and at a comfortable size.

It follows the face box from the tracked landmarks. Four rules make it feel calm rather than twitchy:
- a dead zone: the frame only re-aims once the face leaves a small central box;
- the One Euro filter (the one that smooths tracking) moves the crop: slow when nearly still, quick on big moves;
- the zoom is capped (``zoom_max``) and never goes below the whole picture;
- when the face is lost the crop holds, then eases back out to the whole picture.
Pure state machine: ``update(face, image_size, t) -> crop rect``; no image work here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtbridge.frames import FaceFrame
from vtbridge.signal.one_euro import OneEuroFilter, OneEuroParams


@dataclass(frozen=True)
class FramingOptions:
    out_aspect: float = 16 / 9  # width / height of the crop (the output's)
    face_share: float = 0.42  # face height as a share of the crop height
    zoom_max: float = 2.0  # at most 2x: beyond that a webcam's detail runs out
    dead_zone: float = 0.06  # re-aim once the face centre is this far (share of the crop) from the aim
    size_dead_zone: float = 0.15  # re-zoom once the wanted size differs by this share
    head_room: float = 0.08  # put the face centre this share of the crop above the middle (eyes up a bit)
    lost_hold_s: float = 1.5  # keep the crop this long after the face is lost, then show everything
    smoothing: OneEuroParams = OneEuroParams(min_cutoff=0.6, beta=3.0, d_cutoff=1.0)


def face_box(face: FaceFrame) -> tuple[float, float, float, float] | None:
    """(cx, cy, w, h) of the face in pixels of the analysed image, or None without a face."""
    pts = face.landmarks_px if face is not None and face.found else None
    if pts is None or len(pts) == 0:
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2), float(hi[0] - lo[0]), float(hi[1] - lo[1])


class AutoFramer:
    """``update(face, (w, h), t)`` -> (x, y, w, h) crop of the image, with the output's aspect ratio."""

    def __init__(self, options: FramingOptions = FramingOptions()) -> None:
        self.options = options
        self._aim: np.ndarray | None = None  # (cx, cy, crop_h) targeted, in units of the image height
        self._filter = OneEuroFilter(options.smoothing)
        self._last_seen: float | None = None
        self._size: tuple[int, int] | None = None

    def _full(self, w: int, h: int) -> float:
        """Crop height (in image heights) of the largest output-aspect crop inside the image: zoom 1."""
        return min(1.0, (w / h) / self.options.out_aspect)

    def update(self, face: FaceFrame | None, size: tuple[int, int], t: float) -> tuple[float, float, float, float]:
        o = self.options
        w, h = size
        if self._size != size:  # a new camera or resolution: start over
            self._size, self._aim = size, None
            self._filter.reset()
        full = self._full(w, h)
        whole = np.array([w / h / 2, 0.5, full])
        box = face_box(face) if face is not None else None
        if box is not None:
            self._last_seen = t
            cx, cy, _, fh = (v / h for v in box)
            want_h = float(np.clip(fh / o.face_share, full / o.zoom_max, full))
            want = np.array([cx, cy - o.head_room * want_h, want_h])
            if self._aim is None:
                self._aim = want
            else:
                crop_h = self._aim[2]
                off = np.abs(want[:2] - self._aim[:2]) / np.array([crop_h * o.out_aspect, crop_h])
                if off.max() > o.dead_zone:
                    self._aim[:2] = want[:2]
                if abs(want_h - crop_h) / crop_h > o.size_dead_zone:
                    self._aim[2] = want_h
        elif self._aim is None or self._last_seen is None or t - self._last_seen > o.lost_hold_s:
            self._aim = whole.copy()
        cx, cy, ch = self._filter(self._aim, t)
        ch = float(np.clip(ch, full / o.zoom_max, full))
        cw = ch * o.out_aspect
        cx = float(np.clip(cx, cw / 2, w / h - cw / 2))  # keep the crop inside the picture
        cy = float(np.clip(cy, ch / 2, 1.0 - ch / 2))
        return (cx - cw / 2) * h, (cy - ch / 2) * h, cw * h, ch * h
