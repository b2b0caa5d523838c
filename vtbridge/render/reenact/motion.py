"""Motion transfer: the driver's head motion and expression, moved onto the portrait's own face shape.

Both faces are brought to a frontal, unit-size frame: centred on rigid points, divided by the 3-D distance between
the outer eye corners, and de-rotated by the head pose (refined by a rigid fit on the same points, so pose noise
does not leak into expressions). The driver's expression is its offset from its own neutral in that frame; added to
the portrait's frontal shape, the portrait keeps its face and takes the driver's expression. The driver's rotation
relative to its neutral (limited to what a 2-D warp shows convincingly) is applied in 3-D to the portrait's points,
which are re-projected at the portrait's own scale and place. Image frame throughout: x right, y down, z into the
picture, in pixels (MediaPipe's z is scaled like x).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from vtbridge.frames import FaceFrame, HeadPose
from vtbridge.render.reenact import topology as topo
from vtbridge.rotation import euler_to_matrix, matrix_to_euler

_FLIP = np.diag([1.0, -1.0, -1.0])  # camera frame (y up, z toward the viewer) <-> image frame
_RIGID = np.array(topo.RIGID, dtype=np.int32)


@dataclass(frozen=True)
class MotionLimits:
    """How far the portrait may follow. Beyond these a piecewise warp folds or looks rubbery."""

    yaw: float = 22.0  # degrees
    pitch: float = 18.0
    roll: float = 35.0
    translate: float = 0.6  # head travel, in portrait face widths
    expression_gain: float = 1.0


@dataclass(frozen=True, eq=False)
class FacePose:
    """A face's landmarks in the image frame (pixels, z scaled like x) with its centre, size and rotation."""

    points: np.ndarray  # (478, 3)
    centre: np.ndarray  # (3,)
    scale: float  # outer eye corner distance, pixels
    rotation: np.ndarray  # (3, 3) image-frame rotation of the head

    def frontal(self) -> np.ndarray:
        """The landmarks de-rotated, centred and unit-sized (computed once: the portrait's and the neutral's are
        read every frame). Read-only: callers build new arrays from it."""
        return self._frontal

    @cached_property
    def _frontal(self) -> np.ndarray:
        out = (self.points - self.centre) @ self.rotation / self.scale
        out.flags.writeable = False
        return out


def image_rotation(head: HeadPose) -> np.ndarray:
    """The head rotation of ``head`` (camera frame, as the tracker reports it) in the image frame."""
    return _FLIP @ euler_to_matrix(head.yaw, head.pitch, head.roll) @ _FLIP


def _kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation R minimising |a @ R.T - b| for centred point sets a, b (N, 3)."""
    u, _, vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def face_pose(face: FaceFrame, reference: np.ndarray | None = None) -> FacePose:
    """``FacePose`` of a tracked face. With ``reference`` (a frontal shape), the tracker's rotation is refined by a
    rigid fit of the rigid points onto it."""
    w, h = face.image_size
    lm = np.asarray(face.landmarks, dtype=np.float64)
    points = np.stack([lm[:, 0] * w, lm[:, 1] * h, lm[:, 2] * w], axis=1)
    centre = points[_RIGID].mean(axis=0)
    scale = float(np.linalg.norm(points[33] - points[263]))
    rotation = image_rotation(face.head)
    if reference is not None:
        frontal = (points[_RIGID] - centre) @ rotation / scale
        ref = reference[_RIGID] - reference[_RIGID].mean(axis=0)
        rotation = rotation @ _kabsch(frontal - frontal.mean(axis=0), ref).T
    return FacePose(points=points, centre=centre, scale=max(scale, 1e-6), rotation=rotation)


def _limited(rotation: np.ndarray, limits: MotionLimits) -> np.ndarray:
    yaw, pitch, roll = matrix_to_euler(_FLIP @ rotation @ _FLIP)
    yaw, pitch, roll = (float(np.clip(v, -lim, lim)) for v, lim in
                        ((yaw, limits.yaw), (pitch, limits.pitch), (roll, limits.roll)))
    return _FLIP @ euler_to_matrix(yaw, pitch, roll) @ _FLIP


def _rigid_eyes(offsets: np.ndarray) -> np.ndarray:
    """Eyelid points move with their eye as a whole: blinks are drawn as eyelids, not squeezed out of the eye."""
    out = offsets.copy()
    for eye in (topo.RIGHT_EYE, topo.LEFT_EYE):
        ids = list(eye)
        out[ids] = offsets[ids].mean(axis=0)
    return out


@dataclass(frozen=True, eq=False)
class Retarget:
    """The portrait's target landmarks for one driver frame, and the head rotation actually applied."""

    points: np.ndarray  # (478, 2) pixels in the portrait
    yaw: float
    pitch: float
    roll: float


def retarget(portrait: FacePose, neutral: FacePose, driver: FacePose, limits: MotionLimits = MotionLimits(),
             rotation_scale: float = 1.0) -> Retarget:
    """Where the portrait's landmarks go for this driver frame (``rotation_scale`` < 1 eases the rotation, used
    when the full one would fold the mesh)."""
    expression = (driver.frontal() - neutral.frontal()) * limits.expression_gain
    expression = _rigid_eyes(expression)
    relative = _limited(driver.rotation @ neutral.rotation.T, limits)
    if rotation_scale < 1.0:
        yaw, pitch, roll = matrix_to_euler(_FLIP @ relative @ _FLIP)
        relative = _FLIP @ euler_to_matrix(yaw * rotation_scale, pitch * rotation_scale,
                                           roll * rotation_scale) @ _FLIP
    shape = portrait.frontal() + expression
    moved = (shape @ (relative @ portrait.rotation).T) * portrait.scale
    travel = (driver.centre - neutral.centre) / neutral.scale
    travel = np.clip(travel, -limits.translate, limits.translate) * portrait.scale
    travel[2] = 0.0
    points = moved + portrait.centre + travel
    yaw, pitch, roll = matrix_to_euler(_FLIP @ relative @ _FLIP)
    return Retarget(points=points[:, :2].astype(np.float32), yaw=yaw, pitch=pitch, roll=roll)
