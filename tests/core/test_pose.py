"""Head pose maths: angle/matrix/quaternion round trips and sign conventions."""

from __future__ import annotations

import numpy as np
import pytest

from vtbridge.tracking.pose import (euler_to_matrix, euler_to_quaternion, matrix_to_euler, mirror_pose,
                                    pose_from_matrix, quaternion_to_euler)
from vtbridge.frames import HeadPose


@pytest.mark.parametrize("angles", [(0, 0, 0), (30, 0, 0), (0, 20, 0), (0, 0, -45), (25, -15, 10), (-70, 40, 80)])
def test_round_trips(angles):
    assert matrix_to_euler(euler_to_matrix(*angles)) == pytest.approx(angles, abs=1e-9)
    assert quaternion_to_euler(euler_to_quaternion(*angles)) == pytest.approx(angles, abs=1e-9)
    q = euler_to_quaternion(*angles)
    assert np.linalg.norm(q) == pytest.approx(1.0) and q[3] >= 0


def test_sign_conventions():
    forward = np.array([0.0, 0.0, 1.0])  # the face looks toward the camera (+z)
    assert (euler_to_matrix(30, 0, 0) @ forward)[0] > 0.4  # yaw > 0: toward +x (the subject's own left)
    assert (euler_to_matrix(0, 30, 0) @ forward)[1] > 0.4  # pitch > 0: up
    up = np.array([0.0, 1.0, 0.0])
    assert (euler_to_matrix(0, 0, 30) @ up)[0] < -0.4  # roll > 0: top of head to image left (counter-clockwise)


def test_pose_from_matrix_reads_translation_in_cm():
    m = np.eye(4)
    m[:3, :3] = euler_to_matrix(10, -5, 3)
    m[:3, 3] = (1.5, -2.0, -40.0)
    p = pose_from_matrix(m)
    assert (p.yaw, p.pitch, p.roll) == pytest.approx((10, -5, 3)) and (p.x, p.y, p.z) == (1.5, -2.0, -40.0)
    assert mirror_pose(p) == HeadPose(-p.yaw, p.pitch, -p.roll, -1.5, -2.0, -40.0)
