"""``vtbridge render`` as a user runs it: every frame to a file, real time to a (fake) virtual camera, and one clear
line for each kind of bad input."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.conftest import REPO, VENDORED_CLIP, media
from tests.render.fakecam import install
from vtbridge.cli import main


def frames_of(path):
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, image = cap.read()
        if not ok:
            return out
        out.append(image)


def test_out_renders_every_frame_with_a_solid_background(tmp_path, capsys):
    out = tmp_path / "meeting.mp4"
    clip = media("drive_d0.mp4")
    assert main(["render", str(clip), "--out", str(out), "--background", "#0000ff", "--size", "640x360"]) == 0
    written = frames_of(out)
    assert len(written) == 78  # every input frame, offline
    assert written[0].shape == (360, 640, 3)
    # letterboxed, never stretched: a 512x512 clip fills a 360x360 square in the middle, black bars around it
    assert written[10][:, :130].max() < 20 and written[10][:, -130:].max() < 20
    corner = written[10][5:40, 145:180].reshape(-1, 3).mean(axis=0)  # top-left of the picture: the green screen
    assert corner[0] > 200 and corner[1] < 40 and corner[2] < 40  # ...is now blue (#0000ff; OpenCV stores BGR)
    err = capsys.readouterr().err
    assert "78 frames rendered" in err and "render [" in err


def test_picture_in_picture_out(tmp_path):
    out = tmp_path / "still.png"
    assert main(["render", str(media("portrait_s1.jpg")), "--out", str(out), "--blur", "50", "--quiet"]) == 0
    assert cv2.imread(str(out)).shape == (720, 1280, 3)


@pytest.mark.parametrize("flags, expected", [
    (["--background", "nowhere.jpg"], "background 'nowhere.jpg': no such image file, and not a colour"),
    (["--background", "README.md"], "background 'README.md' is not an image"),
    (["--size", "1280by720"], "size '1280by720' is not WIDTHxHEIGHT"),
    (["--size", "9000x720"], "size '9000x720' is out of range"),
    (["--fps", "0"], "fps 0 is out of range"),
    (["--touch-up", "101"], "touch-up 101 is out of range"),
])
def test_bad_input_is_one_line_and_exit_1(flags, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "render", str(VENDORED_CLIP), "--out",
                           str(tmp_path / "x.mp4"), *flags], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in proc.stderr


def test_vcam_without_a_driver_prints_the_hint(monkeypatch, capsys):
    import pyvirtualcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {k: v for k, v in pyvirtualcam.camera.BACKENDS.items()
                                                          if k == "v4l2loopback"})
    if "v4l2loopback" not in pyvirtualcam.camera.BACKENDS:
        pytest.skip("checks the Linux backend's message")
    assert main(["render", str(VENDORED_CLIP), "--vcam"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no virtual camera found" in err[0] and "modprobe v4l2loopback" in err[0]


def test_blur_and_background_are_alternatives():
    with pytest.raises(SystemExit):
        main(["render", str(VENDORED_CLIP), "--out", "x.mp4", "--blur", "5", "--background", "green"])


def test_vcam_sends_the_latest_frame_in_real_time(monkeypatch, capsys):
    cam = install(monkeypatch)
    assert main(["render", str(VENDORED_CLIP), "--vcam", "--blur", "40", "--frame", "auto", "--size", "640x360",
                 "--fps", "25", "--duration", "2.5"]) == 0
    fake = cam.instances[0]
    assert (fake.width, fake.height) == (640, 360) and len(fake.frames) >= 20
    assert fake.closed == 1
    err = capsys.readouterr().err
    assert "virtual camera: passthrough 640x360@25, blur 40, frame auto" in err and "stopped:" in err
    assert np.std(fake.frames[-1]) > 5  # a real picture, not a blank


def test_run_vcam_keeps_tracking_and_says_what_to_install_without_a_driver(tmp_path):
    import os

    env = dict(os.environ, VTBRIDGE_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "run", "--no-tray", "--no-dashboard", "--demo",
                           "--vcam", "--duration", "4", "--status-interval", "1"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    status = [line for line in proc.stdout.splitlines() if line.startswith("[vtbridge]")]
    assert status and "vcam: error" in status[-1] and "no virtual camera found" in status[-1]
    assert "frame->send" in status[-1] and "dropped" in status[-1]
    assert "with a face" in proc.stdout and "Traceback" not in proc.stderr


def test_duration_limits_a_file_render(tmp_path):
    out = tmp_path / "two-seconds.mp4"
    assert main(["render", str(VENDORED_CLIP), "--out", str(out), "--duration", "2", "--quiet", "--size",
                 "320x240"]) == 0
    assert len(frames_of(out)) == 50  # 2 s of a 25 fps clip
