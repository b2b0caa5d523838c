"""The stylised camera feed: the camera picture painted in a style, the whole frame or only the face or person.

Networks run at a small working height (``work_height``, 256 by default: the 26-style network takes ~21 ms there on
a 2-core laptop CPU, against ~300 ms at 720p) and are scaled back up; the strokes are big anyway. Flicker - the
common complaint about per-frame style transfer - is damped by a motion-aware blend: where the camera picture did
not change, the new stylised frame is blended with the previous one; where it moved, the new one shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from vtbridge.frames import FaceFrame, Frame
from vtbridge.render.onnx_session import SessionOptions
from vtbridge.render.reenact import topology as topo
from vtbridge.render.stylize.cartoon import cartoon
from vtbridge.render.stylize.networks import DEFAULT_STYLE, ImageModel, MultiStyle, looks_like_model

REGIONS = ("frame", "face", "person")


@dataclass(frozen=True)
class StylizeOptions:
    style: str = DEFAULT_STYLE  # name | index | blend "3:0.5,12:0.5" | cartoon | path/to/model.onnx
    region: str = "frame"  # frame | face | person
    strength: float = 1.0  # 0 = the camera picture, 1 = fully stylised
    work_height: int = 256
    temporal: float = 0.6  # 0 = no smoothing .. 0.9 = strong smoothing of still areas
    provider: str = "auto"
    layout: str = "auto"  # user models: NCHW | NHWC | auto
    value_range: str = "0-1"  # user models: 0-1 | -1-1 | 0-255


class StyleRenderer:
    """``render(frame, face) -> image`` at the frame's size. ``person_mask(frame)`` (0..1 float, frame size) is
    needed for ``region="person"``; the virtual camera passes its segmenter."""

    def __init__(self, options: StylizeOptions = StylizeOptions(),
                 person_mask: Callable[[Frame], np.ndarray] | None = None) -> None:
        if options.region not in REGIONS:
            from vtbridge.errors import ConfigError
            raise ConfigError(f"style region {options.region!r}: use one of {', '.join(REGIONS)}")
        self.options = options
        self.person_mask = person_mask
        session = SessionOptions(provider=options.provider)
        if options.style == "cartoon":
            self.network, self.provider = None, "none"
        elif looks_like_model(options.style):
            self.network = ImageModel(options.style, layout=options.layout, value_range=options.value_range,
                                      session=session)
            self.provider = self.network.provider
        else:
            self.network = MultiStyle(options.style, session)
            self.provider = self.network.provider
        self._prev_in: np.ndarray | None = None
        self._prev_out: np.ndarray | None = None

    def stylise(self, image: np.ndarray) -> np.ndarray:
        """The whole picture stylised, at its own size, with temporal damping."""
        h, w = image.shape[:2]
        if self.network is None:
            work = cv2.resize(image, (w * self.options.work_height // h or 1, self.options.work_height),
                              interpolation=cv2.INTER_AREA) if h > self.options.work_height * 2 else image
            styled = cartoon(work)
        else:
            ww, wh = self.network.work_size((w, h), self.options.work_height)
            work = cv2.resize(image, (ww, wh), interpolation=cv2.INTER_AREA)
            styled = self.network.run(work)
        styled = self._damp(work, styled)
        return cv2.resize(styled, (w, h), interpolation=cv2.INTER_LINEAR)

    def _damp(self, work: np.ndarray, styled: np.ndarray) -> np.ndarray:
        t = self.options.temporal
        if t <= 0 or self._prev_out is None or self._prev_out.shape != styled.shape \
                or self._prev_in is None or self._prev_in.shape != work.shape:
            out = styled
        else:
            change = cv2.absdiff(cv2.cvtColor(work, cv2.COLOR_BGR2GRAY), cv2.cvtColor(self._prev_in,
                                                                                      cv2.COLOR_BGR2GRAY))
            change = cv2.resize(cv2.GaussianBlur(change, (5, 5), 0), styled.shape[1::-1])
            fresh = np.clip(change.astype(np.float32) / 24.0, 1.0 - t, 1.0)[..., None]
            out = (styled * fresh + self._prev_out * (1.0 - fresh)).astype(np.uint8)
        self._prev_in, self._prev_out = work, out
        return out

    def _region_mask(self, shape: tuple[int, ...], face: FaceFrame | None,
                     person: np.ndarray | None) -> np.ndarray | None:
        h, w = shape[:2]
        if self.options.region == "frame":
            return None
        if self.options.region == "person":
            return None if person is None else np.clip(person, 0, 1).astype(np.float32)
        mask = np.zeros((h, w), np.float32)
        if face is not None and face.found and face.landmarks is not None:
            pts = face.landmarks[list(topo.FACE_OVAL), :2] * (w, h)
            centre = pts.mean(axis=0)
            pts = centre + (pts - centre) * 1.15  # include the hairline and the jaw's edge
            cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1.0, cv2.LINE_AA)
            k = max(3, (int(np.ptp(pts[:, 0])) // 8) | 1)
            mask = cv2.GaussianBlur(mask, (k, k), 0)
        return mask

    def paint(self, image: np.ndarray, face: FaceFrame | None, person: np.ndarray | None = None) -> np.ndarray:
        """``image`` stylised where the region says (``person``: the person mask, 0..1, same size)."""
        styled = self.stylise(image)
        mask = self._region_mask(image.shape, face, person)
        s = float(np.clip(self.options.strength, 0.0, 1.0))
        if mask is None and s >= 1.0:
            return styled
        alpha = (mask if mask is not None else np.ones(image.shape[:2], np.float32)) * s
        alpha = alpha[..., None]
        return (styled * alpha + image * (1.0 - alpha)).astype(np.uint8)

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray:
        person = self.person_mask(frame) if self.options.region == "person" and self.person_mask else None
        return self.paint(frame.image, face, person)
