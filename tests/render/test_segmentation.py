"""Real segmentation (MediaPipe Selfie Segmenter) on real clips: replacement, blur, and mask flicker."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.tracked import tracked
from vtbridge.models import load_manifest, model_path, sha256_file
from vtbridge.render import make_renderer
from vtbridge.render.meeting.segment import MaskOptions, MaskSmoother, PersonSegmenter, flicker
from vtbridge.render.meeting.touchup import regions
from vtbridge.render.settings import RenderSettings

GREEN = (0, 255, 0)  # BGR of "green"


def face_core(face, shape, shrink=0.7):
    """A boolean mask of the inner face (the oval hull shrunk toward its centre): surely the person."""
    pts = face.landmarks_px[regions()["oval"]]
    centre = pts.mean(axis=0)
    hull = cv2.convexHull(((pts - centre) * shrink + centre).astype(np.int32))
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def far_background(mask, px=25):
    """Pixels at least ``px`` away from anything the segmenter half-believes is the person."""
    person = (mask > 0.05).astype(np.uint8)
    grown = cv2.dilate(person, np.ones((2 * px + 1, 2 * px + 1), np.uint8))
    return grown == 0


def native_size(frame):
    w, h = frame.size
    return RenderSettings(width=w, height=h)  # no letterbox: output pixels line up with the camera's


def test_vendored_segmenter_is_checked_like_the_face_model():
    entry = load_manifest()["selfie_segmenter.tflite"]
    path = model_path("selfie_segmenter.tflite")
    assert entry.licence == "Apache-2.0" and sha256_file(path) == entry.sha256
    assert path.stat().st_size == entry.bytes == 249537
    assert (path.parent / "LICENSE-selfie_segmenter.txt").exists()


@pytest.mark.parametrize("clip", ["drive_d12.mp4", "drive_d20.mp4"])
def test_solid_colour_replaces_the_background_and_keeps_the_face(clip):
    frames, faces = tracked(clip, step=6)
    renderer = make_renderer(RenderSettings(**{**native_size(frames[0]).__dict__, "background": "green"}))
    checked = 0
    for frame, face in list(zip(frames, faces))[:12]:
        out = renderer.render(frame, face)
        if not face.found:
            continue
        far = far_background(renderer.last_mask)
        core = face_core(face, out.shape)
        assert far.sum() > 0.05 * far.size, "the clip must show some background"
        # far from the person: exactly the colour asked for
        assert np.abs(out[far].astype(int) - GREEN).max() <= 2
        # inside the face: the camera's own pixels
        diff = np.abs(out[core].astype(int) - frame.image[core].astype(int))
        assert np.percentile(diff, 99) <= 3, f"face pixels changed in frame {frame.index}"
        checked += 1
    renderer.close()
    assert checked >= 8


def _lap_var(image, region):
    lap = cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F)
    return float(lap[region].var())


def test_blur_keeps_the_face_sharp_and_softens_the_room():
    frames, faces = tracked("drive_d12.mp4", step=6)  # a wooden wall and shelves: lots of background detail
    renderer = make_renderer(RenderSettings(**{**native_size(frames[0]).__dict__, "blur": 60}))
    ratios_face, ratios_back = [], []
    for frame, face in list(zip(frames, faces))[:10]:
        out = renderer.render(frame, face)
        if not face.found:
            continue
        core, far = face_core(face, out.shape), far_background(renderer.last_mask)
        ratios_face.append(_lap_var(out, core) / _lap_var(frame.image, core))
        ratios_back.append(_lap_var(out, far) / _lap_var(frame.image, far))
    renderer.close()
    assert len(ratios_face) >= 6
    assert min(ratios_face) > 0.9, ratios_face  # the face keeps its detail
    assert max(ratios_back) < 0.1, ratios_back  # the room loses >90 % of its high-frequency energy


def test_mask_flicker_on_a_still_segment_stays_under_the_bound():
    """drive_d0 opens with the man sitting still in front of a green screen: every mask change there is flicker.
    Bound: 0.05 % mean absolute change per frame, and less than half of the raw model's."""
    frames, _ = tracked("drive_d0.mp4")
    still = frames[:40]
    with PersonSegmenter() as seg:
        raw = [seg.segment(f.image) for f in still]
    smoother = MaskSmoother(MaskOptions())
    smoothed = [smoother.process(m) for m in raw]
    raw_flicker, smooth_flicker = flicker(raw), flicker(smoothed)
    assert smooth_flicker < 0.05, smooth_flicker
    assert smooth_flicker < 0.5 * raw_flicker, (raw_flicker, smooth_flicker)


def test_smoothing_still_follows_real_motion():
    """The motion-adaptive filter must not leave a ghost: a person who moves away is gone within a few frames."""
    frames, _ = tracked("drive_d20.mp4")
    with PersonSegmenter() as seg:
        person = seg.segment(frames[0].image)
    empty = np.zeros_like(person)
    smoother = MaskSmoother()
    for _ in range(10):
        smoother.process(person)
    out = [smoother.process(empty) for _ in range(3)]
    assert float(out[-1].max()) < 0.05


def test_a_corrupt_segmenter_is_refused_by_name(tmp_path, monkeypatch):
    import shutil

    from vtbridge import paths
    from vtbridge.errors import ModelError

    models = tmp_path / "models"
    shutil.copytree(paths.models_dir(), models)
    data = bytearray((models / "selfie_segmenter.tflite").read_bytes())
    data[5000:5008] = b"corrupt!"
    (models / "selfie_segmenter.tflite").write_bytes(bytes(data))
    monkeypatch.setenv("VTBRIDGE_MODELS_DIR", str(models))
    with pytest.raises(ModelError, match="selfie_segmenter.tflite.*corrupt|corrupt.*selfie_segmenter.tflite"):
        PersonSegmenter()
