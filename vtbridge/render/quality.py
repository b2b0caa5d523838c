"""How well a rendered face follows its driver, measured the way reenactment papers do: by re-tracking the output.

APD (average pose distance): mean |yaw|, |pitch|, |roll| error in degrees between output and driver, after removing
each sequence's median (a portrait looking slightly aside is not an error; failing to turn with the driver is).
AED (average expression distance): mean |output - driver| over the main expression channels; ``aed_centred`` is the
same after removing each sequence's per-channel median (a portrait that smiles in its picture keeps a constant
offset that says nothing about following). All are reported beside the same metrics for a *static* portrait (the first output frame held still), the baseline any renderer must
beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from vtbridge.frames import ARKIT_INDEX, FaceFrame, Frame

EXPRESSION_CHANNELS = ("jawOpen", "eyeBlinkLeft", "eyeBlinkRight", "mouthSmileLeft", "mouthSmileRight",
                       "browInnerUp", "mouthPucker", "mouthFunnel", "browDownLeft", "browDownRight")
_EXPR = np.array([ARKIT_INDEX[n] for n in EXPRESSION_CHANNELS])


@dataclass(frozen=True)
class Quality:
    apd: float  # degrees
    aed: float  # blendshape units (0..1)
    aed_centred: float
    static_apd: float
    static_aed: float
    static_aed_centred: float
    frames: int  # frames where both driver and output had a face
    found: float  # share of output frames where the re-tracker found a face

    def as_dict(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def _angles(faces: list[FaceFrame]) -> np.ndarray:
    return np.array([[f.head.yaw, f.head.pitch, f.head.roll] for f in faces], dtype=np.float64)


def _expressions(faces: list[FaceFrame]) -> np.ndarray:
    return np.array([f.blendshapes[_EXPR] for f in faces], dtype=np.float64)


def apd(driver: list[FaceFrame], output: list[FaceFrame]) -> float:
    a, b = _angles(driver), _angles(output)
    return float(np.abs((b - np.median(b, axis=0)) - (a - np.median(a, axis=0))).mean())


def aed(driver: list[FaceFrame], output: list[FaceFrame], centred: bool = False) -> float:
    a, b = _expressions(driver), _expressions(output)
    if centred:
        a, b = a - np.median(a, axis=0), b - np.median(b, axis=0)
    return float(np.abs(b - a).mean())


def retrack(images: Iterable[np.ndarray], fps: float = 25.0, tracker=None) -> list[FaceFrame]:
    """Track rendered images with a fresh tracker (VIDEO mode, as the live path does)."""
    from vtbridge.tracking.landmarker import Tracker

    own = tracker is None
    tracker = tracker or Tracker()
    try:
        return [tracker.process(Frame(image=img, t=i / fps, index=i, source="rendered"))
                for i, img in enumerate(images)]
    finally:
        if own:
            tracker.close()


def measure(driver: list[FaceFrame], rendered: list[FaceFrame], static: FaceFrame | None = None) -> Quality:
    """Metrics over the frames where both the driver and the rendered output show a face. ``static``: the
    portrait as it is, tracked (default: the first rendered frame)."""
    pairs = [(d, r) for d, r in zip(driver, rendered) if d.found and r.found]
    if not pairs:
        nan = float("nan")
        return Quality(nan, nan, nan, nan, nan, nan, 0, 0.0)
    d, r = [p[0] for p in pairs], [p[1] for p in pairs]
    still = [static if static is not None and static.found else r[0]] * len(r)
    return Quality(apd=apd(d, r), aed=aed(d, r), aed_centred=aed(d, r, centred=True), static_apd=apd(d, still),
                   static_aed=aed(d, still), static_aed_centred=aed(d, still, centred=True), frames=len(pairs),
                   found=sum(f.found for f in rendered) / max(len(rendered), 1))
