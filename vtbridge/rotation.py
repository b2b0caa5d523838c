"""Rotation maths for the camera frame: yaw/pitch/roll <-> 3x3 matrices <-> unit quaternions.

The floor of the package (only numpy): the types in ``vtbridge.frames`` and the pose code in ``vtbridge.tracking``
both stand on it. Frame: right-handed camera frame as MediaPipe reports it (x to the image's right, y up, z toward
the camera). Rotation order: R = Ry(yaw) @ Rx(-pitch) @ Rz(roll) (intrinsic Y, then X, then Z), so that yaw > 0
turns the face toward +x (the subject's own left), pitch > 0 tilts it up and roll > 0 is counter-clockwise in the
image. Pure functions, no state.
"""

from __future__ import annotations

import math

import numpy as np


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], dtype=np.float64)


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], dtype=np.float64)


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)


def euler_to_matrix(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """3x3 rotation from angles in degrees."""
    return _ry(math.radians(yaw)) @ _rx(math.radians(-pitch)) @ _rz(math.radians(roll))


def matrix_to_euler(r: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from a 3x3 rotation (the upper-left block of a 4x4 is accepted)."""
    r = np.asarray(r, dtype=np.float64)[:3, :3]
    b = math.asin(max(-1.0, min(1.0, -r[1, 2])))
    if abs(r[1, 2]) < 0.999999:
        a = math.atan2(r[0, 2], r[2, 2])
        c = math.atan2(r[1, 0], r[1, 1])
    else:  # gimbal lock: pitch is +-90; put everything in yaw
        a = math.atan2(-r[2, 0], r[0, 0])
        c = 0.0
    return math.degrees(a), -math.degrees(b), math.degrees(c)


def matrix_to_quaternion(r: np.ndarray) -> tuple[float, float, float, float]:
    """Unit quaternion (x, y, z, w), w >= 0, from a rotation matrix."""
    m = np.asarray(r, dtype=np.float64)[:3, :3]
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = math.sqrt(tr + 1.0) * 2
        w, x, y, z = 0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        w, x, y, z = (m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s
    elif m[1, 1] > m[2, 2]:
        s = math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        w, x, y, z = (m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s
    else:
        s = math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        w, x, y, z = (m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s
    n = math.sqrt(x * x + y * y + z * z + w * w)
    x, y, z, w = x / n, y / n, z / n, w / n
    if w < 0:
        x, y, z, w = -x, -y, -z, -w
    return x, y, z, w


def quaternion_to_matrix(q: tuple[float, float, float, float]) -> np.ndarray:
    x, y, z, w = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ], dtype=np.float64)


def euler_to_quaternion(yaw: float, pitch: float, roll: float) -> tuple[float, float, float, float]:
    return matrix_to_quaternion(euler_to_matrix(yaw, pitch, roll))


def quaternion_to_euler(q: tuple[float, float, float, float]) -> tuple[float, float, float]:
    return matrix_to_euler(quaternion_to_matrix(q))
