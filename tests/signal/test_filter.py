"""One Euro filter and face-lost handling: less jitter when still, bounded lag when moving."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tracked import tracked
from vtbridge.frames import ARKIT_INDEX, FaceFrame, HeadPose, empty_face, neutral_blendshapes
from vtbridge.signal.face_lost import FaceLostParams, ease_weight
from vtbridge.signal.one_euro import OneEuroFilter, OneEuroParams
from vtbridge.signal.smoothing import FaceSmoother, FilterConfig


def _jitter(x: np.ndarray) -> float:
    """Frame-to-frame jitter: mean |second difference| (a smooth drift or a steady turn scores ~0)."""
    return float(np.mean(np.abs(np.diff(x, n=2))))


def _lag_frames(raw: np.ndarray, filtered: np.ndarray, max_lag: int = 15) -> int:
    errors = [np.mean((raw[: len(raw) - k] - filtered[k:]) ** 2) for k in range(max_lag)]
    return int(np.argmin(errors))


def test_one_euro_reduces_noise_on_a_constant_signal():
    rng = np.random.default_rng(0)
    t = np.arange(300) / 30.0
    x = 5.0 + rng.normal(0, 0.5, size=t.size)
    f = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.0))
    y = np.array([f(np.array([v]), ti)[0] for v, ti in zip(x, t)])
    assert np.std(y[30:]) < 0.4 * np.std(x[30:])  # first-order low-pass at 1 Hz, 30 fps: ~0.3 in theory


def test_one_euro_follows_a_fast_ramp_with_small_lag_thanks_to_beta():
    t = np.arange(90) / 30.0
    x = 60.0 * t  # 60 deg/s head turn
    slow = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.0))
    fast = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.05))
    ys = np.array([slow(np.array([v]), ti)[0] for v, ti in zip(x, t)])
    yf = np.array([fast(np.array([v]), ti)[0] for v, ti in zip(x, t)])
    assert abs(x[-1] - yf[-1]) < 0.5 * abs(x[-1] - ys[-1])
    assert abs(x[-1] - yf[-1]) < 6.0  # < 0.1 s behind at 60 deg/s


def test_one_euro_rejects_invalid_parameters():
    with pytest.raises(ValueError):
        OneEuroParams(min_cutoff=0)


def test_filter_halves_jitter_on_a_still_segment_and_lags_little_on_a_moving_one():
    _, faces = tracked("drive_d3.mp4")
    smoother = FaceSmoother()
    filtered = [smoother.process(f) for f in faces]
    raw = np.array([f.head.yaw for f in faces])
    out = np.array([f.head.yaw for f in filtered])
    window = 30  # one second
    still = int(np.argmin([np.ptp(raw[i:i + window]) for i in range(len(raw) - window)]))
    assert _jitter(out[still:still + window]) < 0.7 * _jitter(raw[still:still + window])
    moving = int(np.argmax([np.ptp(raw[i:i + window]) for i in range(len(raw) - window)]))
    seg = slice(max(0, moving - 10), moving + window + 10)
    assert np.ptp(raw[seg]) > 10  # it really is a head turn
    assert _lag_frames(raw[seg], out[seg]) <= 3  # <= 100 ms at 30 fps
    assert np.abs(raw - out).max() < 6.0


def _face(t: float, yaw: float, jaw: float) -> FaceFrame:
    b = neutral_blendshapes()
    b[ARKIT_INDEX["jawOpen"]] = jaw
    return FaceFrame(t=t, found=True, blendshapes=b, head=HeadPose(yaw=yaw))


def test_face_lost_holds_then_eases_to_neutral_and_flags_it():
    s = FaceSmoother(FilterConfig(enabled=False, face_lost=FaceLostParams(hold_s=0.5, ease_s=1.0)))
    s.process(_face(0.0, 20.0, 0.8))
    held = s.process(empty_face(0.3))
    assert not held.found and held.head.yaw == pytest.approx(20.0) and held.blendshape("jawOpen") == pytest.approx(0.8)
    easing = s.process(empty_face(1.0))
    assert 0.0 < easing.head.yaw < 20.0 and not easing.found
    gone = s.process(empty_face(1.6))
    assert gone.head.yaw == pytest.approx(0.0) and gone.blendshape("jawOpen") == pytest.approx(0.0)


def test_face_regained_after_loss_glides_instead_of_jumping():
    s = FaceSmoother()
    for i in range(30):
        s.process(_face(i / 30, 0.0, 0.0))
    for i in range(30, 120):
        s.process(empty_face(i / 30))
    back = s.process(_face(4.0, 30.0, 0.0))
    assert back.found and 0.0 < back.head.yaw < 30.0


def test_a_face_never_seen_passes_through():
    s = FaceSmoother()
    out = s.process(empty_face(0.0))
    assert not out.found and out.head.yaw == 0.0


@pytest.mark.parametrize("elapsed,expected", [(0.0, 1.0), (0.5, 1.0), (1.0, 0.5), (1.5, 0.0), (9.0, 0.0)])
def test_ease_weight(elapsed, expected):
    assert ease_weight(elapsed, FaceLostParams(hold_s=0.5, ease_s=1.0)) == pytest.approx(expected)
