"""The virtual-camera output through the real pyvirtualcam.Camera in front of a faithful fake backend: size, pace,
latest-wins dropping, a slow driver, the per-OS hints, and a driver that appears while vtbridge runs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tests.conftest import wait as shared_wait
from tests.render.fakecam import install
from tests.tracked import tracked
from vtbridge.errors import OutputError
from vtbridge.frames import Frame
from vtbridge.outputs.vcam import VcamOutput, unmirrored
from vtbridge.outputs.vcam_sinks import BUSY_HINT, FileSink, VirtualCameraSink, driver_hint, explain_open_error
from vtbridge.render.settings import RenderSettings

#: What pyvirtualcam 0.15's real v4l2loopback backend raises on a machine without the module (recipes.md).
V4L2_MISSING = ("'v4l2loopback' backend: No v4l2 loopback device found at /dev/video[0-99]. Did you run "
                "'modprobe v4l2loopback'? See also pyvirtualcam's documentation.")


def wait(predicate):
    return shared_wait(predicate, timeout=20.0, step=0.01)


def feed(output, frames, faces, fps):
    """Offer frames at ``fps`` like a live camera would (the tracking side)."""
    for frame, face in zip(frames, faces):
        output.send_frame(frame, face)
        time.sleep(1.0 / fps)


def test_the_fake_backend_gets_frames_of_the_configured_size_at_the_configured_pace(monkeypatch):
    cam = install(monkeypatch)
    frames, faces = tracked("drive_d20.mp4")
    settings = RenderSettings(width=640, height=360, fps=20)
    out = VcamOutput(settings, [VirtualCameraSink("auto")])
    try:
        feed(out, frames[:50], faces[:50], fps=25)  # a 25 fps camera into a 20 fps virtual camera
        wait(lambda: cam.instances and len(cam.instances[0].frames) >= 30)
        fake = cam.instances[0]
        assert (fake.width, fake.height, fake.fps, fake.fmt) == (640, 360, 20, "24BG")  # BGR, as sent
        assert all(f.shape == (360, 640, 3) for f in fake.frames)
        gaps = np.diff(fake.times)
        assert np.median(gaps) == pytest.approx(1 / 20, rel=0.2)  # paced at 20 fps, not at the camera's 25
        st = out.status()
        assert st.state == "ok" and st.detail["size"] == "640x360" and st.packets >= 30
        assert out.dropped > 0  # 25 in, 20 out: the surplus is dropped, not queued
    finally:
        out.close()
    assert fake.closed == 1


def test_the_last_picture_is_repeated_when_tracking_pauses(monkeypatch):
    cam = install(monkeypatch)
    frames, faces = tracked("drive_d20.mp4")
    out = VcamOutput(RenderSettings(width=320, height=240, fps=30), [VirtualCameraSink("auto")])
    try:
        out.send_frame(frames[0], faces[0])
        wait(lambda: cam.instances and len(cam.instances[0].frames) >= 10)
        assert out.rendered == 1 and out.repeated >= 9
        assert np.array_equal(cam.instances[0].frames[0], cam.instances[0].frames[-1])
    finally:
        out.close()


def test_a_slow_sink_drops_frames_instead_of_delaying_tracking(monkeypatch):
    cam = install(monkeypatch)
    cam.gate = threading.Event()  # the driver hangs until released
    frames, faces = tracked("drive_d20.mp4")
    out = VcamOutput(RenderSettings(width=320, height=240, fps=30), [VirtualCameraSink("auto")])
    try:
        out.send_frame(frames[0], faces[0])
        wait(lambda: out.rendered == 1)  # the render thread is now stuck inside the driver
        for frame, face in zip(frames[1:101], faces[1:101]):  # 100 tracked frames arrive meanwhile
            out.send_frame(frame, face)  # returns at once: the tracking thread never waits
        assert out.dropped == 99  # every frame but the newest was replaced, none queued
        cam.gate.set()
        wait(lambda: out.rendered == 2)
        wait(lambda: len(cam.instances[0].frames) >= 2)
        rendered_last = out.preview()
        assert rendered_last is not None
    finally:
        out.close()


def test_no_driver_is_one_line_with_the_hint_for_each_os():
    linux = explain_open_error(V4L2_MISSING, "Linux")
    assert "\n" not in linux and "modprobe v4l2loopback" in linux and "exclusive_caps=1" in linux
    windows = explain_open_error("'obs' backend: OBS Virtual Camera device not found! Did you install OBS?",
                                 "Windows")
    assert "OBS Studio 26.1 or later" in windows and "need not be running" in windows
    mac = explain_open_error("'obs' backend: OBS Virtual Camera is not installed", "Darwin")
    assert "OBS Studio" in mac and "macOS 13" in mac and "Start Virtual Camera" in mac
    busy = explain_open_error("'obs' backend: virtual camera output could not be started", "Windows")
    assert BUSY_HINT in busy
    assert driver_hint("Linux") in linux


def test_this_machine_without_a_driver_reports_the_linux_hint_through_real_pyvirtualcam():
    import platform

    if platform.system() != "Linux":
        pytest.skip("checks the real v4l2loopback backend")
    sink = VirtualCameraSink("v4l2loopback", "/dev/video99")
    with pytest.raises(OutputError) as err:
        sink.open(640, 360, 30)
    assert "modprobe v4l2loopback" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(OutputError, match="does not exist on Linux"):
        VirtualCameraSink("obs").open(640, 360, 30)


def test_missing_driver_is_a_status_and_a_driver_that_appears_is_used(monkeypatch):
    import pyvirtualcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", dict(pyvirtualcam.camera.BACKENDS))
    for name in list(pyvirtualcam.camera.BACKENDS):
        if name != "v4l2loopback":
            pyvirtualcam.camera.BACKENDS.pop(name)
    frames, faces = tracked("drive_d20.mp4")
    out = VcamOutput(RenderSettings(width=320, height=240, fps=30), [VirtualCameraSink("auto")], retry_s=0.2)
    try:
        out.send_frame(frames[0], faces[0])
        wait(lambda: out.status().state == "error")
        assert out.status().last_error.startswith("no virtual camera found: load the v4l2loopback driver")
        wait(lambda: out.preview() is not None)  # the dashboard still sees what the meeting would see
        from tests.render.fakecam import FakeCam

        FakeCam.instances, FakeCam.busy, FakeCam.delay, FakeCam.gate = [], False, 0.0, None
        pyvirtualcam.register_backend("fake", FakeCam)  # the user installs OBS; no restart
        wait(lambda: out.status().state == "ok")
        assert out.status().last_error is None and FakeCam.instances
    finally:
        out.close()


def test_a_busy_camera_is_reported_and_retried(monkeypatch):
    cam = install(monkeypatch)
    for name in [n for n in __import__("pyvirtualcam").camera.BACKENDS if n != "fake"]:
        __import__("pyvirtualcam").camera.BACKENDS.pop(name)
    cam.busy = True
    frames, faces = tracked("drive_d20.mp4")
    out = VcamOutput(RenderSettings(width=320, height=240, fps=30), [VirtualCameraSink("auto")], retry_s=0.2)
    try:
        out.send_frame(frames[0], faces[0])
        wait(lambda: out.status().state == "error")
        assert BUSY_HINT in out.status().last_error
        cam.busy = False  # the other program lets go
        wait(lambda: out.status().state == "ok")
    finally:
        out.close()


def test_open_now_raises_the_hint_for_the_cli(monkeypatch):
    import pyvirtualcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {})
    with pytest.raises(OutputError, match="no virtual camera found"):
        VcamOutput(RenderSettings(), [VirtualCameraSink("auto")], open_now=True)


def test_file_sink_and_mirrored_faces(tmp_path):
    import cv2

    sink = FileSink(tmp_path / "out.mp4")
    sink.open(320, 240, 25)
    for i in range(10):
        sink.send(np.full((240, 320, 3), i * 20, np.uint8))
    sink.close()
    cap = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 10 and int(cap.get(3)) == 320
    with pytest.raises(OutputError, match="does not exist"):
        FileSink(tmp_path / "nope" / "x.mp4").open(320, 240, 25)
    _, faces = tracked("drive_d20.mp4", step=100)
    flipped = unmirrored(faces[0])
    assert np.allclose(flipped.landmarks[:, 0], 1 - faces[0].landmarks[:, 0])
    assert unmirrored(None) is None


def test_bad_settings_from_the_dashboard_keep_the_old_ones(monkeypatch, tmp_path):
    install(monkeypatch)
    out = VcamOutput(RenderSettings(width=320, height=240), [])
    try:
        from vtbridge.errors import ConfigError

        with pytest.raises(ConfigError):
            out.reconfigure(RenderSettings(width=320, height=240, background=str(tmp_path / "gone.png")))
        out.reconfigure(RenderSettings(width=640, height=360, blur=30))
        frames, faces = tracked("drive_d20.mp4", step=100)
        out.send_frame(Frame(image=frames[0].image, t=0, index=0, source="x"), faces[0])
        wait(lambda: out.preview() is not None)
        assert out.preview().shape == (360, 640, 3) and out.settings.blur == 30
    finally:
        out.close()


def test_a_frame_that_fails_to_render_is_reported_and_the_camera_goes_on(monkeypatch):
    cam = install(monkeypatch)

    class Flaky:
        calls = 0

        def render(self, frame, face):
            Flaky.calls += 1
            if Flaky.calls == 2:
                raise ValueError("odd landmarks")
            return np.full((240, 320, 3), Flaky.calls, np.uint8)

        def close(self):
            pass

    frames, faces = tracked("drive_d20.mp4", step=20)
    out = VcamOutput(RenderSettings(width=320, height=240, fps=30), [VirtualCameraSink("auto")], renderer=Flaky())
    try:
        out.send_frame(frames[0], faces[0])
        wait(lambda: out.rendered == 1)
        out.send_frame(frames[1], faces[1])
        wait(lambda: out.status().state == "error")
        assert "rendering failed: ValueError: odd landmarks" in out.status().last_error
        out.send_frame(frames[2], faces[2])
        wait(lambda: out.rendered == 2 and out.status().state == "ok")
        wait(lambda: int(cam.instances[0].frames[-1][0, 0, 0]) == 3)
    finally:
        out.close()


def test_calibrating_the_face_resets_a_renderers_own_neutral(monkeypatch):
    """The daemon's "Calibrate neutral face" reaches the renderer on its own thread (a reenacted portrait takes the
    user's neutral anew); renderers without a neutral are left alone."""
    install(monkeypatch)
    frames, faces = tracked("drive_d20.mp4", step=10)

    class Neutral:
        def __init__(self):
            self.calibrations, self.rendered = [], 0

        def render(self, frame, face):
            self.rendered += 1
            return np.zeros((360, 640, 3), np.uint8)

        def calibrate(self, face):
            self.calibrations.append(face)

        def close(self):
            pass

    renderer = Neutral()
    out = VcamOutput(RenderSettings(width=640, height=360, fps=30), [VirtualCameraSink("auto")], renderer=renderer)
    try:
        out.send_frame(frames[0], faces[0])
        wait(lambda: renderer.rendered >= 1)
        assert renderer.calibrations == []
        out.recalibrate()
        out.send_frame(frames[1], faces[1])
        wait(lambda: renderer.calibrations == [None])  # None: pick the neutral from the next frames
    finally:
        out.close()


def test_status_says_what_draws_the_picture():
    """A renderer that runs a model says where (the dashboard shows every detail); plain effects say nothing."""
    plain = VcamOutput(RenderSettings(width=320, height=240), [])
    styled = VcamOutput(RenderSettings(mode="stylize", width=320, height=240, provider="cpu"), [])
    try:
        assert "renderer" not in plain.status().detail
        assert styled.status().detail["renderer"] == "stylize on cpu"
    finally:
        plain.close(), styled.close()
