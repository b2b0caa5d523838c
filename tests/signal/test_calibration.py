"""Calibration: a neutral face maps near 0, weak channels can reach 1, the result persists per source."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.tracked import tracked
from vtbridge.errors import ConfigError
from vtbridge.frames import ARKIT_INDEX, ARKIT_NAMES, FaceFrame, HeadPose, neutral_blendshapes
from vtbridge.signal.calibration import (NO_CALIBRATION, Calibration, CalibrationRecorder, apply_calibration,
                                         calibration_path, load_calibration, save_calibration)


def _resting_frames(faces, seconds=2.0, fps=25.0):
    """The calmest stretch of the clip (least blendshape activity), as a user would hold while calibrating."""
    n = int(seconds * fps)
    act = np.array([f.blendshapes.sum() for f in faces])
    start = int(np.argmin([act[i:i + n].sum() for i in range(len(faces) - n)]))
    return faces[start:start + n]


def test_neutral_face_maps_near_zero_after_calibration(d20):
    _, faces = d20
    rest = _resting_frames(faces)
    rec = CalibrationRecorder(duration=1.5, source="test")
    for f in rest:
        rec.add(f)
    assert rec.done
    cal = rec.finish()
    raw = np.stack([f.blendshapes for f in rest])
    calibrated = np.stack([apply_calibration(f, cal).blendshapes for f in rest])
    assert np.median(calibrated, axis=0).max() < 0.05
    assert np.median(raw, axis=0).max() > 0.1  # without calibration the resting face is not at 0
    yaws = [apply_calibration(f, cal).head.yaw for f in rest]
    assert abs(np.median(yaws)) < 1.0
    # expressions still come through
    jaw = max(apply_calibration(f, cal).blendshape("jawOpen") for f in faces)
    assert jaw > 0.4


def test_gain_lets_a_weak_channel_reach_one():
    b = neutral_blendshapes()
    b[ARKIT_INDEX["eyeWideLeft"]] = 0.35
    cal = Calibration(samples=1)
    out = apply_calibration(FaceFrame(t=0, found=True, blendshapes=b), cal)
    assert out.blendshape("eyeWideLeft") == pytest.approx(1.0)  # default gain 3
    assert apply_calibration(FaceFrame(t=0, found=True, blendshapes=b), Calibration(
        gain=np.ones(len(ARKIT_NAMES), np.float32), samples=1)).blendshape("eyeWideLeft") == pytest.approx(0.35)


def test_apply_is_pure():
    b = neutral_blendshapes() + 0.3
    face = FaceFrame(t=0, found=True, blendshapes=b.copy(), head=HeadPose(yaw=5))
    cal = Calibration(baseline=np.full(len(ARKIT_NAMES), 0.2, np.float32), head=HeadPose(yaw=5), samples=3)
    a, c = apply_calibration(face, cal), apply_calibration(face, cal)
    assert np.array_equal(face.blendshapes, b) and face.head.yaw == 5
    assert np.array_equal(a.blendshapes, c.blendshapes) and a.head.yaw == 0


def test_recorder_refuses_without_a_face():
    rec = CalibrationRecorder()
    with pytest.raises(ConfigError, match="needs a visible face"):
        rec.finish()


def test_calibration_persists_per_source_atomically(isolated_home):
    cal = Calibration(baseline=np.linspace(0, 0.5, len(ARKIT_NAMES)).astype(np.float32),
                      head=HeadPose(yaw=3.0, pitch=-2.0), samples=50, source="camera:1")
    path = save_calibration(cal)
    assert path == calibration_path("camera:1") and str(isolated_home) in str(path)
    assert not list(path.parent.glob("*.tmp"))
    loaded = load_calibration("camera:1")
    assert np.allclose(loaded.baseline, cal.baseline, atol=1e-5) and loaded.head.yaw == 3.0
    assert load_calibration("camera:0") is NO_CALIBRATION
    path.write_text("{broken")
    with pytest.raises(ConfigError, match="unreadable calibration"):
        load_calibration("camera:1")
    for hostile in (b"[" * 100000, b'{"samples": ' + b"9" * 5000 + b"}", b'{"samples": NaN}'):
        path.write_bytes(hostile)  # the shared strict reader: an error, never RecursionError or a NaN baseline
        with pytest.raises(ConfigError, match="unreadable calibration.*line 1 column"):
            load_calibration("camera:1")
    path.write_text(json.dumps({"baseline": {"eyeBlinkLeftt": 0.1}}))
    with pytest.raises(ConfigError, match="invalid calibration"):
        load_calibration("camera:1")
