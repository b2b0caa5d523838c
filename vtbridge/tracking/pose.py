"""Head pose from MediaPipe's facial transformation matrix (angles and position); the rotation maths itself lives in
``vtbridge.rotation`` (axes, order and signs are described there). Pure functions, no state.
"""

from __future__ import annotations

import numpy as np

from vtbridge.frames import HeadPose
from vtbridge.rotation import (  # noqa: F401  (re-exported: the pose API in one place)
    euler_to_matrix, euler_to_quaternion, matrix_to_euler, matrix_to_quaternion, quaternion_to_euler,
    quaternion_to_matrix)


def pose_from_matrix(m: np.ndarray) -> HeadPose:
    """HeadPose from MediaPipe's 4x4 facial transformation matrix (rotation + translation in cm)."""
    m = np.asarray(m, dtype=np.float64)
    yaw, pitch, roll = matrix_to_euler(m[:3, :3])
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll, x=float(m[0, 3]), y=float(m[1, 3]), z=float(m[2, 3]))


def mirror_pose(p: HeadPose) -> HeadPose:
    """The pose seen in a horizontally mirrored image: x, yaw and roll change sign."""
    return HeadPose(yaw=-p.yaw, pitch=p.pitch, roll=-p.roll, x=-p.x, y=p.y, z=p.z)
