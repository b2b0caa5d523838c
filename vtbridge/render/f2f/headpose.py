"""The network's 6-D head pose ``[rx, ry, rz, tx', ty', s']`` with the official normalisation.

- ``rx, ry, rz``: the head rotation as an axis-angle (Rodrigues) vector in radians, in the face model's axes
  (x right, y up, z towards the camera). MediaPipe's camera frame has the same axes and handedness, so its rotation
  matrix converts directly (checked on the official example: +ry turns the nose to image +x, +rx pitches the head
  down, +rz turns it counter-clockwise on screen).
- ``tx' = TX + 0.256 * x30`` and ``ty' = TY - 0.256 * y30``: the nose tip (point 30) in [-1, 1] crop coordinates,
  through the constants of the official ``pose_transform_config.json`` and its hard-coded 0.256 (512 / 2000).
- ``s' = scale / 4122.4`` where ``scale`` is crop units per metre of face: the eye-centre distance in crop units
  over the real eye-centre distance. The official fit uses 0.066 m between FLAME's eye centres; MediaPipe's
  eye centres (mean of the corners and lid mid-points) sit closer together, 0.0626 m in the same units as
  measured on the official example (both images within 2.5 %).
"""

from __future__ import annotations

import cv2
import numpy as np

SCALE_TRANSFORM = 4122.399989645386
TX_TRANSFORM = 0.2582781138863169
TY_TRANSFORM = -0.26074984122168304
T_SCALE = 0.256  # 512 / 2000, hard-coded in the official fitting code
EYE_DISTANCE_M = 0.0626  # MediaPipe lid/corner eye centres (FLAME's: 0.066)
#: What the network saw (VoxCeleb-like ranges, with margin): rotations in radians, tx', ty', s'.
LIMITS = ((-0.9, 0.9), (-1.2, 1.2), (-0.9, 0.9), (0.0, 0.55), (-0.55, 0.0), (0.0004, 0.0030))


def rotation_vector(rotation: np.ndarray) -> np.ndarray:
    """Axis-angle vector of a 3x3 rotation (camera frame: x right, y up, z towards the viewer)."""
    vec, _ = cv2.Rodrigues(np.asarray(rotation, dtype=np.float64))
    return vec.ravel()


def translation(nose_tip: np.ndarray) -> tuple[float, float]:
    x, y = float(nose_tip[0]), float(nose_tip[1])
    return TX_TRANSFORM + T_SCALE * x, TY_TRANSFORM - T_SCALE * y


def scale_from_eyes(eye_distance: float) -> float:
    """``s'`` from the distance between the eye centres in crop units (3-D distance, so head turns do not
    shrink it)."""
    return eye_distance / EYE_DISTANCE_M / SCALE_TRANSFORM


def headpose(rotation: np.ndarray, nose_tip: np.ndarray, eye_distance: float, clamp: bool = True) -> np.ndarray:
    """float32 (6,) pose for the network."""
    pose = np.array([*rotation_vector(rotation), *translation(nose_tip), scale_from_eyes(eye_distance)])
    if clamp:
        pose = np.array([np.clip(v, lo, hi) for v, (lo, hi) in zip(pose, LIMITS)])
    return pose.astype(np.float32)


def rotation_error_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two axis-angle rotations, in degrees."""
    ra, _ = cv2.Rodrigues(np.asarray(a, dtype=np.float64).reshape(3, 1))
    rb, _ = cv2.Rodrigues(np.asarray(b, dtype=np.float64).reshape(3, 1))
    cos = (np.trace(ra.T @ rb) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
