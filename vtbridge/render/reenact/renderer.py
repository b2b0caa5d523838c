"""The built-in reenactment renderer: a portrait that turns, blinks and talks with the driver. No model, no GPU.

Per frame: driver landmarks -> portrait target landmarks (``motion``), the eyelids lowered in the portrait
(``features``), one dense piecewise-affine warp of the whole picture (``warp``, ``mesh``), then the mouth interior
inside the warped lips. The driver's neutral is taken from the first frames with a face (the calmest, most frontal
one) and again whenever ``calibrate()`` is called, so expressions are offsets from the user's own resting face.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vtbridge.frames import ARKIT_INDEX, FaceFrame, Frame
from vtbridge.render.reenact import features
from vtbridge.render.reenact.mesh import anchor_targets, build_mesh
from vtbridge.render.reenact.motion import FacePose, MotionLimits, face_pose, retarget
from vtbridge.render.reenact.portrait import Portrait, load_portrait
from vtbridge.render.reenact.topology import tessellation
from vtbridge.render.reenact.warp import PiecewiseAffineWarp, folded_share

MAX_FOLDED = 0.05  # share of the face area that may turn its back (silhouette slivers: ~3.5 % at 20° yaw) before easing
NEUTRAL_CANDIDATES = 8  # frames with a face looked at to pick the neutral
_EASE = (1.0, 0.7, 0.45, 0.2, 0.0)  # rotation scales tried when the full rotation would fold the mesh
_CALM = [ARKIT_INDEX[n] for n in ("jawOpen", "eyeBlinkLeft", "eyeBlinkRight", "mouthSmileLeft", "mouthSmileRight")]


@dataclass(frozen=True)
class ReenactOptions:
    portrait: Path
    size: tuple[int, int] = (1280, 720)  # output size: the portrait is framed to this aspect and height
    limits: MotionLimits = field(default_factory=MotionLimits)
    teeth: bool = True


def _default_tracker():
    from vtbridge.tracking.landmarker import Tracker

    return Tracker()


class PortraitReenactor:
    """``render(frame, face) -> image``: the portrait (BGR, framed at the output height) posed like ``face``."""

    def __init__(self, options: ReenactOptions, tracker_factory=_default_tracker) -> None:
        self.options = options
        self.portrait: Portrait = load_portrait(options.portrait, tracker_factory, options.size)
        h, w = self.portrait.image.shape[:2]
        lm = self.portrait.landmarks_px
        self.mesh = build_mesh(lm, (w, h))
        self._warp = PiecewiseAffineWarp((w, h), self.mesh.triangles)
        self._face_tris = self.mesh.triangles[: len(tessellation())]
        self._pose = face_pose(self.portrait.face)
        self._lids = features.prepare_eyelids(self.portrait.image, lm)
        self._mouth = features.mouth_style(self.portrait.image, lm)
        self._neutral: FacePose | None = None
        self._neutral_open = (1.0, 1.0)
        self._candidates: list[FaceFrame] = []
        self._last = self.portrait.image
        self.applied = (0.0, 0.0, 0.0)  # yaw, pitch, roll actually shown (after limits and fold easing)

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.portrait.image.shape[:2]
        return w, h

    def calibrate(self, face: FaceFrame | None = None) -> None:
        """Take ``face`` as the driver's neutral, or pick a new one from the next frames."""
        self._neutral, self._candidates = None, []
        if face is not None and face.found:
            self._set_neutral(face)

    def _set_neutral(self, face: FaceFrame) -> None:
        self._neutral = face_pose(face)
        self._neutral_open = features.eye_openness(self._neutral.points)

    def _collect_neutral(self, face: FaceFrame) -> None:
        self._candidates.append(face)
        if len(self._candidates) >= NEUTRAL_CANDIDATES:
            calmest = min(self._candidates, key=lambda f: abs(f.head.yaw) + abs(f.head.pitch)
                          + 20.0 * float(f.blendshapes[_CALM].sum()))
            self._set_neutral(calmest)
            self._candidates = []

    def render(self, frame: Frame | None, face: FaceFrame) -> np.ndarray:
        if not face.found or face.landmarks is None:
            return self._last
        if self._neutral is None:
            self._collect_neutral(face)
            if self._neutral is None:
                self._set_neutral(face)  # until the pick is made, the first face is the neutral
                self._candidates = self._candidates or [face]
        driver = face_pose(face, reference=self._neutral.frontal())
        src = self.mesh.points
        for scale in _EASE:
            target = retarget(self._pose, self._neutral, driver, self.options.limits, rotation_scale=scale)
            dst = np.concatenate([target.points, anchor_targets(self.mesh, target.points)])
            if folded_share(src, dst, self._face_tris) <= MAX_FOLDED:
                break
        self.applied = (target.yaw, target.pitch, target.roll)
        opened = features.eye_openness(driver.points)
        closures = tuple(features.closure(o, n) for o, n in zip(opened, self._neutral_open))
        source = self.portrait.image.copy()
        features.draw_eyelids(source, self._lids, src, closures)
        out = self._warp.apply(source, src, dst)
        features.draw_mouth(out, self._mouth, dst, teeth=self.options.teeth)
        self._last = out
        return out
