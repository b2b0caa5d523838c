"""The built-in portrait reenactment, checked the way reenactment papers check it: by re-tracking the output.

Real clips drive real portraits through the real tracker; nothing is compared with our own motion maths. The
output must follow the driver's head and expression far better than the still portrait does, show blinks and an
open mouth, and keep the portrait's own picture where nothing moves.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import media
from tests.tracked import tracked
from vtbridge.errors import SourceError
from vtbridge.frames import Frame
from vtbridge.render import quality
from vtbridge.render.reenact import topology as topo
from vtbridge.render.reenact.mesh import anchor_targets, build_mesh
from vtbridge.render.reenact.renderer import PortraitReenactor, ReenactOptions
from vtbridge.render.reenact.warp import PiecewiseAffineWarp

SIZE = (640, 360)


@pytest.fixture(scope="module")
def reenacted():
    """d3 (head turns, strong expressions) driving the photo portrait s1: driver faces, outputs, re-tracked."""
    frames, faces = tracked("drive_d3.mp4")
    r = PortraitReenactor(ReenactOptions(portrait=media("portrait_s1.jpg"), size=SIZE))
    outs = [r.render(f, face).copy() for f, face in zip(frames, faces)]
    rendered = quality.retrack(outs)
    still = quality.retrack([r.portrait.image])[0]
    return r, faces, outs, rendered, still


def test_output_follows_the_driver_far_better_than_a_still_portrait(reenacted):
    r, faces, _, rendered, still = reenacted
    q = quality.measure(faces, rendered, static=still)
    assert q.found > 0.98  # the output is still a face the tracker finds
    assert q.apd < 0.4 * q.static_apd, q
    assert q.aed_centred < 0.9 * q.static_aed_centred, q
    assert q.aed < q.static_aed, q


def test_head_turns_follow_in_direction(reenacted):
    _, faces, _, rendered, _ = reenacted
    drv = np.array([f.head.yaw for f in faces])
    out = np.array([f.head.yaw for f in rendered])
    assert np.corrcoef(drv, out)[0, 1] > 0.9
    drv_p = np.array([f.head.pitch for f in faces])
    out_p = np.array([f.head.pitch for f in rendered])
    assert np.corrcoef(drv_p, out_p)[0, 1] > 0.8


@pytest.mark.parametrize("channel", ["jawOpen", "eyeBlinkLeft", "eyeBlinkRight"])
def test_blinks_and_open_mouth_show_in_the_output(reenacted, channel):
    _, faces, _, rendered, _ = reenacted
    drv = np.array([f.blendshape(channel) for f in faces])
    out = np.array([f.blendshape(channel) for f in rendered])
    assert np.corrcoef(drv, out)[0, 1] > 0.6
    top, calm = np.argsort(drv)[-5:], np.argsort(drv)[:30]
    assert out[top].mean() > out[calm].mean() + 0.1


def test_open_mouth_shows_a_dark_interior_not_stretched_lips(reenacted):
    r, faces, outs, rendered, _ = reenacted
    k = int(np.argmax([f.blendshape("jawOpen") for f in faces]))
    assert faces[k].blendshape("jawOpen") > 0.4
    lm = rendered[k].landmarks_px
    inner = np.zeros(outs[k].shape[:2], np.uint8)
    cv2.fillPoly(inner, [np.round(lm[list(topo.INNER_LIPS)]).astype(np.int32)], 255)
    inner = cv2.erode(inner, np.ones((3, 3), np.uint8))
    assert inner.sum() > 0
    lips = np.zeros_like(inner)
    cv2.fillPoly(lips, [np.round(lm[list(topo.OUTER_LIP_UPPER + topo.OUTER_LIP_LOWER[1:-1][::-1])]).astype(np.int32)],
                 255)
    lips[inner > 0] = 0
    grey = cv2.cvtColor(outs[k], cv2.COLOR_BGR2GRAY).astype(float)
    # The interior is clearly darker than the lips around it (stretched lips would be lip-coloured).
    assert grey[inner > 0].mean() < grey[lips > 0].mean() - 15


def test_rest_pose_is_the_portrait_itself(reenacted):
    r, faces, _, _, _ = reenacted
    r.calibrate(faces[0])
    out = r.render(None, faces[0])
    assert np.abs(out.astype(int) - r.portrait.image.astype(int)).mean() < 1.0


def test_warp_is_exact_for_a_pure_shift():
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), (5, 5), 0)
    pts = np.array([[0, 0], [159, 0], [0, 119], [159, 119], [60, 40], [100, 80]], dtype=np.float32)
    tris = np.array([[0, 1, 4], [1, 3, 5], [3, 2, 5], [2, 0, 4], [4, 1, 5], [4, 5, 2]], dtype=np.int32)
    dst = pts.copy()
    dst[4:] += (7, 5)  # move the inner points only
    warp = PiecewiseAffineWarp((160, 120), tris, step=1)
    out = warp.apply(image, pts, dst)
    # The inner point's neighbourhood moved with it; the corners stayed.
    assert np.abs(out[45:50, 67:72].astype(int) - image[40:45, 60:65].astype(int)).mean() < 3
    assert np.array_equal(out[0, 0], image[0, 0]) and np.array_equal(out[119, 159], image[119, 159])


def test_coarse_maps_agree_with_exact_maps(reenacted):
    """The default warp evaluates its maps on a 2x coarser grid: exact inside triangles, close at their edges."""
    r, faces, _, _, _ = reenacted
    from vtbridge.render.reenact.motion import face_pose, retarget

    r.calibrate(faces[0])
    k = int(np.argmax([abs(f.head.yaw) + f.blendshape("jawOpen") * 20 for f in faces]))
    target = retarget(r._pose, r._neutral, face_pose(faces[k], reference=r._neutral.frontal()))
    dst = np.concatenate([target.points, anchor_targets(r.mesh, target.points)])
    exact = PiecewiseAffineWarp(r.size, r.mesh.triangles, step=1).maps(r.mesh.points, dst)
    coarse = PiecewiseAffineWarp(r.size, r.mesh.triangles, step=2).maps(r.mesh.points, dst)
    err = np.hypot(exact[0] - coarse[0], exact[1] - coarse[1])
    assert err.mean() < 0.02 and np.percentile(err, 99.5) < 0.5


def test_mesh_has_no_holes_inside_the_face():
    frames, faces = tracked("drive_d20.mp4", step=50)
    face = next(f for f in faces if f.found)
    w, h = face.image_size
    mesh = build_mesh(face.landmarks_px, (w, h))
    covered = np.zeros((h, w), np.int32)
    for t in mesh.triangles:
        cv2.fillConvexPoly(covered, np.round(mesh.points[t]).astype(np.int32), 1)
    for a, b in ((13, 14), (159, 145), (386, 374)):  # mouth, right eye, left eye centres
        x, y = np.round((face.landmarks_px[a] + face.landmarks_px[b]) / 2).astype(int)
        assert covered[y, x], (a, b)
    assert covered.mean() > 0.99  # border anchors: the whole picture is meshed
    still = anchor_targets(mesh, mesh.points[: topo.N_LANDMARKS])
    assert np.allclose(still, mesh.points[topo.N_LANDMARKS:])


def test_portrait_without_a_face_is_a_clear_error(tmp_path):
    path = tmp_path / "wall.png"
    cv2.imwrite(str(path), np.full((400, 400, 3), (90, 140, 200), np.uint8))
    with pytest.raises(SourceError, match="no face found"):
        PortraitReenactor(ReenactOptions(portrait=path, size=SIZE))


def test_unreadable_portrait_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(SourceError, match="not a readable image"):
        PortraitReenactor(ReenactOptions(portrait=path, size=SIZE))
    with pytest.raises(SourceError, match="file not found"):
        PortraitReenactor(ReenactOptions(portrait=Path(tmp_path / "missing.png"), size=SIZE))


def test_small_portrait_is_upscaled_and_says_so(tmp_path):
    image = cv2.imread(str(media("portrait_s5.jpg")))
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), cv2.resize(image, (200, 200), interpolation=cv2.INTER_AREA))
    r = PortraitReenactor(ReenactOptions(portrait=small, size=SIZE))
    assert r.portrait.upscaled > 1.0
    assert r.size[1] == SIZE[1]
    frame = Frame(image=r.portrait.image, t=0.0, index=0, source="x")
    assert r.render(frame, r.portrait.face).shape == r.portrait.image.shape
