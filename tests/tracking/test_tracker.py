"""Real MediaPipe inference on the shared clips: detection rate, expression signals, roll, Left/Right."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.tracked import tracked
from vtbridge.frames import ARKIT_NAMES, MIRROR_PERMUTATION, UNTRACKED, Frame
from vtbridge.tracking.landmarker import Tracker


@pytest.mark.parametrize("clip", ["drive_d3.mp4", "drive_d6.mp4"])
def test_face_found_on_at_least_99_percent_of_frames(clip):
    _, faces = tracked(clip)
    rate = sum(f.found for f in faces) / len(faces)
    assert len(faces) > 300
    assert rate >= 0.99, f"face found on {rate:.1%} of {clip}"


def test_frame_contents_are_complete_and_canonical(d20):
    _, faces = d20
    face = next(f for f in faces if f.found)
    assert face.blendshapes.shape == (len(ARKIT_NAMES),) and face.blendshapes.dtype == np.float32
    assert face.blendshape("tongueOut") == 0.0 and "tongueOut" in UNTRACKED
    assert face.landmarks.shape == (478, 3)
    assert 0 < face.landmarks[:, :2].min() and face.landmarks[:, :2].max() < 1
    px = face.landmarks_px
    assert px[:, 0].max() <= face.image_size[0] and px[:, 1].max() <= face.image_size[1]
    assert face.head.z < 0  # in front of the camera
    times = [f.t for f in faces]
    assert all(b > a for a, b in zip(times, times[1:]))


def _lip_gap(face) -> float:
    """Inner-lip opening (landmarks 13/14) over face height (10 forehead / 152 chin): geometry, not blendshapes."""
    lm = face.landmarks
    return abs(lm[14, 1] - lm[13, 1]) / abs(lm[152, 1] - lm[10, 1])


def test_jaw_open_is_clearly_higher_on_open_mouth_frames(d20):
    _, faces = d20
    faces = [f for f in faces if f.found]
    gaps = np.array([_lip_gap(f) for f in faces])
    jaw = np.array([f.blendshape("jawOpen") for f in faces])
    open_, closed = gaps >= np.percentile(gaps, 85), gaps <= np.percentile(gaps, 15)
    assert jaw[open_].mean() > jaw[closed].mean() + 0.2, (jaw[open_].mean(), jaw[closed].mean())
    assert np.corrcoef(gaps, jaw)[0, 1] > 0.7


def _track_still(image: np.ndarray):
    with Tracker() as tracker:
        return tracker.process(Frame(image=image, t=0.0, index=0, source="test"))


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)  # positive = counter-clockwise on screen
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def test_roll_of_frames_rotated_plus_minus_20_degrees_differs_by_40(d20):
    frames, faces = d20
    i = int(np.argmin([abs(f.head.roll) + abs(f.head.yaw) for f in faces]))  # the most frontal frame
    plus = _track_still(_rotate(frames[i].image, 20))
    minus = _track_still(_rotate(frames[i].image, -20))
    assert plus.found and minus.found
    assert plus.head.roll - minus.head.roll == pytest.approx(40.0, abs=4.0)  # CCW on screen = roll > 0


def test_mirrored_frames_swap_left_and_right():
    """Tracking the mirrored image must give the subject's Left values in the Right channels and vice versa.
    Judged where the face is asymmetric (|Left - Right| > 0.15), where a wrong convention would show."""
    _, faces = tracked("drive_d3.mp4")
    _, mirrored = tracked("drive_d3.mp4", mirror=True)
    pairs = [(f, m) for f, m in zip(faces, mirrored) if f.found and m.found]
    a = np.stack([f.blendshapes for f, _ in pairs])
    b = np.stack([m.blendshapes for _, m in pairs])
    left = np.array([i for i, n in enumerate(ARKIT_NAMES) if "Left" in n])
    right = MIRROR_PERMUTATION[left]
    asym = np.abs(a[:, left] - a[:, right]) > 0.15
    assert asym.sum() >= 100
    swapped = np.abs(a[:, left] - b[:, right])[asym]  # original Left vs mirrored Right
    same = np.abs(a[:, left] - b[:, left])[asym]  # original Left vs mirrored Left
    assert swapped.mean() < 0.4 * same.mean(), (swapped.mean(), same.mean())
    assert np.mean(swapped < same) >= 0.75
    yaw = np.array([(f.head.yaw, m.head.yaw) for f, m in pairs])
    roll = np.array([(f.head.roll, m.head.roll) for f, m in pairs])
    assert np.abs(yaw.sum(axis=1)).mean() < 2.0 and np.abs(roll.sum(axis=1)).mean() < 2.0  # signs flip
    assert np.abs(yaw[:, 0]).max() > 10  # the clip does turn, so the sign check means something


def test_left_means_the_subjects_own_left():
    """ARKit convention: eyeBlinkLeft is the subject's left eye, i.e. the eye on the right of an unmirrored image.
    Checked against eyelid geometry on a clip with asymmetric blinks."""
    _, faces = tracked("drive_d3.mp4")
    blink, aperture = [], []
    for f in faces:
        if not f.found:
            continue
        lm = f.landmarks
        eyes = sorted([(lm[159, 0], abs(lm[159, 1] - lm[145, 1])), (lm[386, 0], abs(lm[386, 1] - lm[374, 1]))])
        aperture.append(eyes[1][1] - eyes[0][1])  # image-right eye minus image-left eye
        blink.append(f.blendshape("eyeBlinkLeft") - f.blendshape("eyeBlinkRight"))
    blink, aperture = np.array(blink), np.array(aperture)
    asym = np.abs(blink) > 0.2
    assert asym.sum() >= 10
    # more "Left" blink <-> the image-right eye is the more closed one
    assert np.mean(np.sign(blink[asym]) == -np.sign(aperture[asym])) >= 0.9
    assert np.corrcoef(blink, aperture)[0, 1] < -0.7


def test_an_image_without_a_face_gives_face_false():
    image = np.full((360, 480, 3), 127, np.uint8)
    cv2.circle(image, (240, 180), 60, (30, 30, 200), -1)
    face = _track_still(image)
    assert not face.found and face.landmarks is None and float(face.blendshapes.sum()) == 0.0
