"""The authored MediaPipe-478 -> 72 table and the 6-D pose on the official example (real Face Landmarker runs)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.f2f.conftest import F2F_DATA
from vtbridge.frames import Frame
from vtbridge.render.f2f import headpose as hp
from vtbridge.render.f2f import keypoints as kp
from vtbridge.rotation import euler_to_matrix


@pytest.fixture(scope="module")
def tracked():
    from vtbridge.tracking.landmarker import Tracker

    out = {}
    with Tracker() as tracker:
        for i, name in enumerate(("source", "driving")):
            img = cv2.imread(str(F2F_DATA / name / f"{name}.jpg"))
            face = tracker.process(Frame(image=img, t=float(i), index=i, source=name))
            assert face.found
            out[name] = face
    return out


def _mp_pose(face):
    pts = kp.to_72(kp.mediapipe_to_crop(face.landmarks, 512, 512))
    lm = face.landmarks.astype(np.float64) * 2.0  # crop units, z scaled like x
    eyes = np.linalg.norm(lm[[33, 133, 159, 145]].mean(0) - lm[[263, 362, 386, 374]].mean(0))
    rot = euler_to_matrix(face.head.yaw, face.head.pitch, face.head.roll)
    return pts, hp.headpose(rot, pts[kp.NOSE_TIP], eyes)


def test_table_is_a_valid_injective_map():
    assert len(kp.MEDIAPIPE_72) == 72 and len(set(kp.MEDIAPIPE_72)) == 72
    assert all(0 <= i < 468 for i in kp.MEDIAPIPE_72)  # no iris points


@pytest.mark.parametrize("name, measured", [("source", 0.031), ("driving", 0.052)])
def test_nme_on_official_example(tracked, name, measured):
    ref = np.loadtxt(F2F_DATA / name / "original" / "landmark.txt")
    pts, _ = _mp_pose(tracked[name])
    err = kp.nme(pts, ref)
    assert err < kp.NME_BOUND
    assert abs(err - measured) < 0.01  # the documented figures stay true
    flame = np.loadtxt(F2F_DATA / name / "FLAME" / "landmark.txt")
    assert err < kp.nme(flame, ref) + 0.005  # as close as the official DECA/FLAME points


@pytest.mark.parametrize("name", ["source", "driving"])
def test_pose_conversion_on_official_example(tracked, name):
    ref = np.loadtxt(F2F_DATA / name / "original" / "headpose.txt")
    _, pose = _mp_pose(tracked[name])
    assert hp.rotation_error_deg(pose[:3], ref[:3]) < 4.0  # measured 2.0 / 3.4 degrees
    assert abs(pose[3] - ref[3]) < 0.012 and abs(pose[4] - ref[4]) < 0.012  # measured <= 0.0093
    assert abs(pose[5] / ref[5] - 1) < 0.06  # measured 2.5 % / 1.1 % after the eye-distance constant


def test_pose_formulas():
    pose = hp.headpose(np.eye(3), np.array([0.1, -0.2]), 0.3, clamp=False)
    assert np.allclose(pose[:3], 0, atol=1e-7)
    assert pose[3] == pytest.approx(hp.TX_TRANSFORM + 0.256 * 0.1)
    assert pose[4] == pytest.approx(hp.TY_TRANSFORM + 0.256 * 0.2)
    assert pose[5] == pytest.approx(0.3 / hp.EYE_DISTANCE_M / hp.SCALE_TRANSFORM)
    turned = hp.headpose(euler_to_matrix(20.0, 0.0, 0.0), np.zeros(2), 0.3, clamp=False)
    assert turned[1] == pytest.approx(np.radians(20.0), abs=1e-6)  # +yaw (nose to image +x) is +ry
    far = hp.headpose(euler_to_matrix(150.0, 0.0, 0.0), np.zeros(2), 0.3)
    assert far[1] <= hp.LIMITS[1][1]
