"""The avatar view as a pure function: the mirror view is the reflection of the frame (an involution), the camera
view leaves it alone, and reflecting the numbers agrees with what the tracker reports for the flipped picture."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tracked import tracked
from vtbridge.frames import ARKIT_INDEX, ARKIT_NAMES, FaceFrame, Gaze, HeadPose
from vtbridge.signal.view import apply_view, mirror_face, resolve_view


def frame() -> FaceFrame:
    bs = np.linspace(0.0, 1.0, len(ARKIT_NAMES), dtype=np.float32)
    return FaceFrame(t=1.0, found=True, blendshapes=bs, head=HeadPose(12.0, -5.0, 7.0, 2.0, -1.0, -48.0),
                     gaze=Gaze(3.0, -2.0, 9.0, 4.0))


def test_mirror_swaps_every_side_and_reflects_head_and_gaze():
    f = frame()
    m = apply_view(f, "mirror")
    for name in ARKIT_NAMES:
        other = name.replace("Left", "#").replace("Right", "Left").replace("#", "Right")
        assert m.blendshape(name) == f.blendshape(other), name
    assert m.blendshape("mouthLeft") == f.blendshape("mouthRight") and m.blendshape("jawRight") == f.blendshape(
        "jawLeft")
    assert m.head == HeadPose(-12.0, -5.0, -7.0, -2.0, -1.0, -48.0)
    assert m.gaze == Gaze(left_yaw=-9.0, left_pitch=4.0, right_yaw=-3.0, right_pitch=-2.0)
    again = mirror_face(m)
    assert np.array_equal(again.blendshapes, f.blendshapes) and again.head == f.head and again.gaze == f.gaze
    assert apply_view(f, "camera") is f
    assert f.blendshape("eyeBlinkLeft") == float(f.blendshapes[ARKIT_INDEX["eyeBlinkLeft"]])  # input untouched


def test_unknown_view_and_per_output_resolution():
    with pytest.raises(ValueError):
        apply_view(frame(), "selfie")
    assert resolve_view("default", "mirror") == "mirror" and resolve_view("camera", "mirror") == "camera"
    assert resolve_view("", "camera") == "camera"


def test_mirror_view_matches_tracking_the_flipped_picture():
    """Independent of our reflection code: MediaPipe run on the horizontally flipped clip reports (nearly) what
    the mirror view computes from the unflipped one."""
    _, faces = tracked("drive_d3.mp4")
    _, flipped = tracked("drive_d3.mp4", mirror=True)
    pairs = [(apply_view(f, "mirror"), g) for f, g in zip(faces, flipped) if f.found and g.found]
    assert len(pairs) > 100
    yaw = np.array([(a.head.yaw, b.head.yaw) for a, b in pairs])
    assert np.abs(yaw[:, 0] - yaw[:, 1]).mean() < 2.0 and np.abs(yaw[:, 1]).max() > 10
    bs = np.array([np.abs(a.blendshapes - b.blendshapes).mean() for a, b in pairs])
    unmirrored = np.array([np.abs(f.blendshapes - g.blendshapes).mean()
                           for f, g in zip(faces, flipped) if f.found and g.found])
    assert bs.mean() < 0.6 * unmirrored.mean()
