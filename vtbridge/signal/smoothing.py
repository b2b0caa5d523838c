"""The filter stage: One Euro per channel group plus face-lost hold/ease, ``process(FaceFrame) -> FaceFrame``.

Channels are packed into one vector [52 blendshapes | yaw pitch roll | x y z | 4 gaze] so the whole frame is
filtered with a few numpy operations; each group has its own (min_cutoff, beta, d_cutoff) because their units and
noise differ (0..1 coefficients, degrees, centimetres).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vtbridge.frames import ARKIT_NAMES, FaceFrame, Gaze, HeadPose
from vtbridge.signal.face_lost import FaceLostEaser, FaceLostParams
from vtbridge.signal.one_euro import OneEuroFilter, OneEuroParams

NB = len(ARKIT_NAMES)
GROUPS = {"blendshapes": slice(0, NB), "head_rotation": slice(NB, NB + 3),
          "head_position": slice(NB + 3, NB + 6), "gaze": slice(NB + 6, NB + 10)}
WIDTH = NB + 10


@dataclass(frozen=True)
class FilterConfig:
    enabled: bool = True
    blendshapes: OneEuroParams = OneEuroParams(min_cutoff=2.0, beta=5.0, d_cutoff=1.0)
    head_rotation: OneEuroParams = OneEuroParams(min_cutoff=1.0, beta=0.05, d_cutoff=1.0)  # beta per deg/s
    head_position: OneEuroParams = OneEuroParams(min_cutoff=1.0, beta=0.1, d_cutoff=1.0)  # beta per cm/s
    gaze: OneEuroParams = OneEuroParams(min_cutoff=2.0, beta=0.05, d_cutoff=1.0)
    face_lost: FaceLostParams = field(default_factory=FaceLostParams)


def pack(face: FaceFrame) -> np.ndarray:
    h, g = face.head, face.gaze
    v = np.empty(WIDTH, dtype=np.float64)
    v[:NB] = face.blendshapes
    v[NB:] = (h.yaw, h.pitch, h.roll, h.x, h.y, h.z, g.left_yaw, g.left_pitch, g.right_yaw, g.right_pitch)
    return v


def unpack(face: FaceFrame, v: np.ndarray, found: bool) -> FaceFrame:
    blend = np.clip(v[:NB], 0.0, 1.0).astype(np.float32)
    head = HeadPose(*map(float, v[NB:NB + 6]))
    gaze = Gaze(*map(float, v[NB + 6:NB + 10]))
    return face.with_(found=found, blendshapes=blend, head=head, gaze=gaze)


class FaceSmoother:
    """Stateful filter stage. On re-acquiring a face the filters restart from the value being shown, so the
    avatar glides from the eased pose to the new one instead of jumping."""

    def __init__(self, config: FilterConfig = FilterConfig()) -> None:
        self.config = config
        self._filters = {name: OneEuroFilter(getattr(config, name)) for name in GROUPS}
        hold = np.zeros(WIDTH, dtype=bool)
        hold[NB + 5] = True  # head z: ease-to-neutral would pull the face to the camera origin
        self._easer = FaceLostEaser(config.face_lost, hold)
        self._shown: np.ndarray | None = None
        self._shown_t = 0.0

    def process(self, face: FaceFrame) -> FaceFrame:
        if face.found:
            v = pack(face)
            if self.config.enabled:
                out = np.empty_like(v)
                for name, sl in GROUPS.items():
                    f = self._filters[name]
                    if self._easer.lost_since is not None and self._shown is not None:
                        f.reset(self._shown[sl], self._shown_t)
                    out[sl] = f(v[sl], face.t)
                v = out
            self._easer.seen(v, face.t)
            self._shown, self._shown_t = v, face.t
            return unpack(face, v, True)
        v = self._easer.lost(face.t)
        if v is None:
            return face
        self._shown, self._shown_t = v, face.t
        return unpack(face, v, False)
