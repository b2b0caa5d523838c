"""VTube Studio ``add`` mode: offsets from the neutral face instead of absolute values.

In ``add`` mode VTS adds an injected value on top of what its own tracking (and other plugins) produce for that
parameter (VTube Studio API README, InjectParameterDataRequest). Absolute values would double head angles and
push 0.5-neutral parameters (MouthSmile, BrowLeftY) to 1; what a second source should add is how far the face is
from rest. The rest values are the profile evaluated on the calibrated neutral face: no blendshape, head and gaze
at the calibrated neutral (angles and x, y = 0 after calibration), 50 cm from the camera.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from vtbridge.frames import FaceFrame, HeadPose, MappedFrame, neutral_blendshapes

#: Distance of the neutral face from the camera (cm): the origin the shipped profiles measure FacePositionZ from.
NEUTRAL_Z_CM = -50.0


class _HasMapper(Protocol):
    def mapper(self): ...


def neutral_face() -> FaceFrame:
    return FaceFrame(t=0.0, found=True, blendshapes=neutral_blendshapes(), head=HeadPose(z=NEUTRAL_Z_CM))


def neutral_values(profile: _HasMapper) -> dict[str, float]:
    """Each output of ``profile`` (a ``mapping.profile.Profile``) at the neutral face."""
    mapped: MappedFrame = profile.mapper().process(neutral_face())
    return mapped.as_dict()


def offsets(values: np.ndarray, neutral: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``values - neutral``, limited to what the parameter's range allows around its neutral."""
    return np.clip(values - neutral, lo - neutral, hi - neutral)
