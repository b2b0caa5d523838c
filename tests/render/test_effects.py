"""Auto-framing on a real head moving across the picture, low-light lift, touch-up, and the output geometry."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.tracked import tracked
from vtbridge.errors import ConfigError
from vtbridge.frames import Frame
from vtbridge.render import make_renderer, modes, register_renderer
from vtbridge.render.compose import cover, letterbox
from vtbridge.render.meeting.background import load_background, parse_colour
from vtbridge.render.meeting.framing import AutoFramer, FramingOptions, face_box
from vtbridge.render.meeting.light import LowLight, mean_luma
from vtbridge.render.meeting.touchup import regions, skin_mask, touch_up
from vtbridge.render.settings import RenderSettings, parse_size
from vtbridge.tracking.landmarker import Tracker

CANVAS = (1280, 720)


def panned(frames, size=360):
    """The clip shrunk to ``size`` and slid across a 1280x720 grey room, left to right and back: a real face that
    moves across the picture (as a person walking along their desk would)."""
    out = []
    n = len(frames)
    for i, f in enumerate(frames):
        phase = i / (n - 1)
        x = int(140 + (CANVAS[0] - size - 280) * (1 - abs(2 * phase - 1)))
        canvas = np.full((CANVAS[1], CANVAS[0], 3), 90, np.uint8)
        canvas[180:180 + size, x:x + size] = cv2.resize(f.image, (size, size), interpolation=cv2.INTER_AREA)
        out.append(Frame(image=canvas, t=f.t, index=f.index, source="panned"))
    return out


def test_auto_framing_keeps_the_face_near_the_centre_while_the_head_moves_across():
    frames, _ = tracked("drive_d20.mp4", step=2)
    moving = panned(frames)
    settings = RenderSettings(frame="auto", width=640, height=360)
    renderer = make_renderer(settings)
    offsets_framed, offsets_plain = [], []
    with Tracker() as tracker, Tracker() as viewer:
        for i, frame in enumerate(moving):
            face = tracker.process(frame)
            out = renderer.render(frame, face)
            assert out.shape == (360, 640, 3)
            cx, cy, _, _ = face_box(face)
            offsets_plain.append(abs(cx / CANVAS[0] - 0.5))
            if i < 10:
                continue  # the first frames settle the aim
            # where is the face in the rendered picture? track it there (independent of the framer's maths)
            seen = viewer.process(Frame(image=out, t=frame.t, index=i, source="out"))
            assert seen.found
            ox, _, _, _ = face_box(seen)
            offsets_framed.append(abs(ox / 640 - 0.5))
    renderer.close()
    assert max(offsets_plain) > 0.2  # without framing the face travels far from the centre
    assert float(np.mean(offsets_framed)) < 0.06, np.round(offsets_framed, 3)
    assert max(offsets_framed) < 0.15, np.round(offsets_framed, 3)


def test_framing_respects_the_zoom_cap_and_goes_back_out_when_the_face_is_lost():
    frames, faces = tracked("drive_d20.mp4", step=10)
    framer = AutoFramer(FramingOptions(out_aspect=16 / 9, zoom_max=1.5, lost_hold_s=0.5))
    w, h = frames[0].size
    full_h = min(1.0, (w / h) / (16 / 9)) * h
    t = 0.0
    for face in faces:
        t += 0.1
        x, y, cw, ch = framer.update(face, (w, h), t)
        assert ch >= full_h / 1.5 - 1e-6 and ch <= full_h + 1e-6
        assert x >= -1e-6 and y >= -1e-6 and x + cw <= w + 1e-6 and y + ch <= h + 1e-6
        assert cw / ch == pytest.approx(16 / 9)
    for _ in range(60):  # face gone for 6 s: back to the whole picture
        t += 0.1
        x, y, cw, ch = framer.update(None, (w, h), t)
    assert ch == pytest.approx(full_h, rel=0.02)


def test_low_light_lift_brightens_a_dim_face_and_leaves_a_lit_one_alone():
    frames, faces = tracked("drive_d20.mp4", step=20)
    frame, face = frames[0], faces[0]
    dim = (frame.image.astype(np.float32) * 0.3).astype(np.uint8)
    light = LowLight()
    for _ in range(30):  # the gamma settles over a second
        out = light.process(dim, face_box(face))
    assert mean_luma(dim, face_box(face)) < 0.2
    assert mean_luma(out, face_box(face)) > 0.38
    lit = LowLight()
    bright = np.clip(frame.image.astype(np.int16) + 60, 0, 255).astype(np.uint8)
    assert mean_luma(bright, face_box(face)) > 0.45
    for _ in range(30):
        again = lit.process(bright, face_box(face))
    assert np.array_equal(again, bright)


def test_touch_up_smooths_skin_but_never_eyes_brows_or_lips():
    frames, faces = tracked("drive_d12.mp4", step=30)
    frame, face = frames[0], faces[0]
    noisy = np.clip(frame.image.astype(np.int16) + np.random.default_rng(1).normal(0, 8, frame.image.shape),
                    0, 255).astype(np.uint8)
    out = touch_up(noisy, face, 100)
    pts = face.landmarks_px
    skin = skin_mask(pts, out.shape[:2], grow=0) > 0.99
    features = np.zeros(out.shape[:2], np.uint8)
    for keep in regions()["keep"]:
        cv2.fillConvexPoly(features, cv2.convexHull(pts[keep].astype(np.int32)), 1)
    features = features.astype(bool)
    lap_in, lap_out = (cv2.Laplacian(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY), cv2.CV_64F) for im in (noisy, out))
    assert lap_out[skin].var() < 0.6 * lap_in[skin].var()  # skin: smoother
    assert np.array_equal(out[features], noisy[features])  # eyes, brows, lips: untouched
    outside = np.ones(out.shape[:2], bool)
    x0, y0 = pts.min(axis=0).astype(int) - 6
    x1, y1 = pts.max(axis=0).astype(int) + 6
    outside[max(0, y0):y1, max(0, x0):x1] = False
    assert np.array_equal(out[outside], noisy[outside])  # nothing outside the face box
    assert touch_up(noisy, None, 100) is noisy


def test_letterbox_never_stretches_and_cover_fills():
    square = np.full((480, 480, 3), 200, np.uint8)
    boxed = letterbox(square, (1280, 720))
    assert boxed.shape == (720, 1280, 3)
    cols = np.where(boxed[360, :, 0] == 200)[0]
    assert cols[0] == 280 and cols[-1] == 999  # 720x720 picture in the middle, bars either side
    filled = cover(np.full((100, 300, 3), 7, np.uint8), (1280, 720))
    assert filled.shape == (720, 1280, 3) and (filled == 7).all()


def test_mirror_and_flip_turn_the_output():
    frames, faces = tracked("drive_d20.mp4", step=50)
    w, h = frames[0].size
    plain = make_renderer(RenderSettings(width=w, height=h)).render(frames[0], faces[0])
    mirrored = make_renderer(RenderSettings(width=w, height=h, mirror=True)).render(frames[0], faces[0])
    flipped = make_renderer(RenderSettings(width=w, height=h, flip=True)).render(frames[0], faces[0])
    assert np.array_equal(mirrored, plain[:, ::-1]) and np.array_equal(flipped, plain[::-1])


def test_sizes_colours_and_backgrounds_parse_or_say_why(tmp_path):
    assert parse_size("1920x1080") == (1920, 1080)
    for bad, why in (("1280*720", "WIDTHxHEIGHT"), ("99999x720", "out of range"), ("10x10", "out of range"),
                     ("1281x720", "even")):
        with pytest.raises(ConfigError, match=why):
            parse_size(bad)
    assert parse_colour("#00ff00") == (0, 255, 0) and parse_colour("255,0,0") == (0, 0, 255)
    assert parse_colour("green") == (0, 255, 0) and parse_colour("nonsense") is None
    with pytest.raises(ConfigError, match="no such image file, and not a colour"):
        load_background(str(tmp_path / "missing.jpg"))
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(ConfigError, match="not an image"):
        load_background(str(text))
    picture = tmp_path / "room.png"
    cv2.imwrite(str(picture), np.full((90, 160, 3), (10, 20, 30), np.uint8))
    assert load_background(str(picture)).at((64, 48)).shape == (48, 64, 3)


def test_modes_are_a_registry_later_renderers_plug_into():
    assert "passthrough" in modes()

    class Negative:
        def __init__(self, settings, clock=None, live=True):
            self.settings = settings

        def render(self, frame, face):
            return letterbox(255 - frame.image, self.settings.size)

        def close(self):
            pass

    register_renderer("negative-test", Negative, "test only")
    try:
        out = make_renderer(RenderSettings(mode="negative-test", width=320, height=240)).render(
            Frame(image=np.zeros((240, 320, 3), np.uint8), t=0, index=0, source="x"), None)
        assert (out == 255).all()
        with pytest.raises(ConfigError, match="does not exist"):
            make_renderer(RenderSettings(mode="anime-not-yet"))
    finally:
        from vtbridge import render

        render._REGISTRY.pop("negative-test")
