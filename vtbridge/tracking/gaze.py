"""Per-eye gaze angles from the ARKit eye-look blendshapes.

MediaPipe derives the eyeLook* coefficients from the iris landmarks relative to the eyelids, so they are already
head-relative and robust to head motion. A coefficient of 1 corresponds to an extreme eye rotation; we map it to
``MAX_YAW`` / ``MAX_PITCH`` degrees (typical human ocular range used by VTuber apps). Pure function.
"""

from __future__ import annotations

import numpy as np

from vtbridge.frames import ARKIT_INDEX, Gaze

MAX_YAW = 30.0
MAX_PITCH = 25.0

_I = ARKIT_INDEX


def gaze_from_blendshapes(b: np.ndarray) -> Gaze:
    """yaw > 0 toward the subject's own left, pitch > 0 up. For the left eye, looking "out" is toward the
    subject's left; for the right eye, looking "in" (toward the nose) is."""
    left_yaw = (b[_I["eyeLookOutLeft"]] - b[_I["eyeLookInLeft"]]) * MAX_YAW
    right_yaw = (b[_I["eyeLookInRight"]] - b[_I["eyeLookOutRight"]]) * MAX_YAW
    left_pitch = (b[_I["eyeLookUpLeft"]] - b[_I["eyeLookDownLeft"]]) * MAX_PITCH
    right_pitch = (b[_I["eyeLookUpRight"]] - b[_I["eyeLookDownRight"]]) * MAX_PITCH
    return Gaze(float(left_yaw), float(left_pitch), float(right_yaw), float(right_pitch))


def gaze_to_array(g: Gaze) -> np.ndarray:
    return np.array([g.left_yaw, g.left_pitch, g.right_yaw, g.right_pitch], dtype=np.float64)


def gaze_from_array(a: np.ndarray) -> Gaze:
    return Gaze(float(a[0]), float(a[1]), float(a[2]), float(a[3]))
