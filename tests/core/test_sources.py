"""Sources: every frame of a file in order, real-time replay with latest-frame semantics, clear errors."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from tests.conftest import VENDORED_CLIP
from vtbridge.errors import SourceError
from vtbridge.frames import Frame
from vtbridge.sources import LatestSlot, describe_spec, open_source
from vtbridge.sources.camera import backends_for_platform
from vtbridge.sources.devices import CameraInfo, find_camera_by_name, list_linux


def test_video_file_yields_every_frame_with_media_timestamps():
    src = open_source(str(VENDORED_CLIP))
    assert src.fps == pytest.approx(25.0) and src.frame_count == 175
    frames = list(iter(src.read, None))
    assert len(frames) == 175
    assert frames[10].t == pytest.approx(10 / 25) and frames[-1].index == 174
    assert frames[0].image.shape == (480, 480, 3)


def test_looping_video_keeps_timestamps_increasing():
    src = open_source(str(VENDORED_CLIP), loop=True)
    times = [src.read().t for _ in range(400)]
    assert all(b > a for a, b in zip(times, times[1:]))
    src.close()


def test_realtime_replay_drops_stale_frames_for_a_slow_reader():
    src = open_source(str(VENDORED_CLIP), realtime=True)
    got = []
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        frame = src.read(timeout=2)
        got.append(frame)
        time.sleep(0.1)  # a reader 2.5x slower than the 25 fps file
    src.close()
    indices = [f.index for f in got]
    assert all(b > a for a, b in zip(indices, indices[1:]))
    assert max(b - a for a, b in zip(indices, indices[1:])) >= 2  # it skipped ahead instead of queueing
    assert src.dropped > 0


def test_latest_slot_overwrites_and_wakes_the_reader():
    slot = LatestSlot()
    img = np.zeros((2, 2, 3), np.uint8)
    for i in range(3):
        slot.put(Frame(img, i, i, "x"))
    assert slot.get(0.1).index == 2 and slot.dropped == 2
    with pytest.raises(TimeoutError):
        slot.get(0.05)
    threading.Timer(0.05, lambda: slot.put(Frame(img, 9, 9, "x"))).start()
    assert slot.get(2).index == 9
    slot.close(SourceError("gone"))
    with pytest.raises(SourceError, match="gone"):
        slot.get(0.1)


def test_image_source_gives_one_frame_or_repeats(tmp_path):
    cap = cv2.VideoCapture(str(VENDORED_CLIP))
    ok, image = cap.read()
    cap.release()
    path = tmp_path / "face.png"
    cv2.imwrite(str(path), image)
    once = open_source(str(path))
    assert once.read() is not None and once.read() is None
    rep = open_source(str(path), image_fps=100)
    assert [rep.read().index for _ in range(3)] == [0, 1, 2]


@pytest.mark.parametrize("spec,kind", [("0", ("camera", 0)), ("camera:2", ("camera", 2)),
                                       ("camera:Logitech C920", ("camera", "Logitech C920")),
                                       ("clip.mp4", ("video", "clip.mp4")), ("me.JPG", ("image", "me.JPG"))])
def test_source_spec_parsing(spec, kind):
    assert describe_spec(spec) == kind


def _bad_files(tmp_path):
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(VENDORED_CLIP.read_bytes()[:2000])
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    fake_jpg = tmp_path / "photo.jpg"
    fake_jpg.write_bytes(b"not a jpeg at all")
    return truncated, text, fake_jpg


def test_bad_sources_give_one_line_actionable_errors(tmp_path):
    truncated, text, fake_jpg = _bad_files(tmp_path)
    cases = [
        (str(tmp_path / "missing.mp4"), "file not found"),
        (str(truncated), "cannot decode"),
        (str(text), "neither a readable video nor an image"),
        (str(fake_jpg), "not a readable image"),
        (str(tmp_path), "is a folder"),
        ("47", "camera 47 not found"),
    ]
    for spec, expected in cases:
        with pytest.raises(SourceError) as err:
            open_source(spec)
        msg = str(err.value)
        assert expected in msg and "\n" not in msg, msg


def test_camera_lookup_by_name_suggests_close_names():
    cams = [CameraInfo(0, "Integrated Webcam"), CameraInfo(2, "Logitech BRIO")]
    assert find_camera_by_name("brio", cams) == 2
    with pytest.raises(SourceError, match="did you mean 'Logitech BRIO'"):
        find_camera_by_name("Logitech BRI0X", cams)


def test_linux_camera_listing_reads_sysfs(tmp_path):
    for n, name in ((0, "HD Webcam"), (3, "OBS Virtual Camera")):
        node = tmp_path / f"video{n}"
        node.mkdir()
        (node / "name").write_text(name + "\n")
    cams = list_linux(tmp_path)
    assert [(c.index, c.name, c.path) for c in cams] == [(0, "HD Webcam", "/dev/video0"),
                                                          (3, "OBS Virtual Camera", "/dev/video3")]


def test_backend_choice_per_platform():
    assert [b for b, _ in backends_for_platform("win32")] == ["MSMF", "DSHOW"]
    assert [b for b, _ in backends_for_platform("linux")] == ["V4L2"]
    assert [b for b, _ in backends_for_platform("darwin")] == ["AVFoundation"]


class _FakeCapture:
    """Stands in for cv2.VideoCapture where this machine has no camera: opens, but every read fails (busy)."""

    def __init__(self, index, api):
        self.index = index

    def isOpened(self):
        return True

    def set(self, *a):
        return True

    def get(self, prop):
        return 0.0

    def read(self):
        time.sleep(0.01)
        return False, None

    def release(self):
        pass


def test_a_busy_camera_gives_a_clear_error(monkeypatch):
    import vtbridge.sources.camera as camera

    monkeypatch.setattr(camera.cv2, "VideoCapture", _FakeCapture)
    with pytest.raises(SourceError) as err:
        camera.CameraSource(0, first_frame_timeout=0.5)
    msg = str(err.value)
    assert "camera 0" in msg and ("busy" in msg or "in use" in msg) and "\n" not in msg


def _first_frame():
    cap = cv2.VideoCapture(str(VENDORED_CLIP))
    ok, image = cap.read()
    cap.release()
    assert ok
    return image


@pytest.mark.parametrize("fmt,name", [(".jpg", "still.mp4"), (".png", "still.mov"), (".bmp", "still.avi"),
                                      (".webp", "still"), (".tiff", "still.mkv")])
def test_an_image_is_recognised_by_content_whatever_its_name(tmp_path, fmt, name):
    ok, data = cv2.imencode(fmt, _first_frame())
    path = tmp_path / name
    path.write_bytes(data.tobytes())
    assert describe_spec(str(path)) == ("image", str(path))
    src = open_source(str(path), realtime=True, image_fps=100)
    assert [src.read(timeout=1).index for _ in range(3)] == [0, 1, 2]  # a live still, not one frame then silence
    src.close()


def test_a_video_and_text_are_not_taken_for_images(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("BM is how this note starts, but it is no bitmap")
    assert describe_spec(str(VENDORED_CLIP))[0] == "video"
    assert describe_spec(str(text))[0] == "video"
    assert describe_spec(str(tmp_path / "missing.mp4"))[0] == "video"


def test_source_health_rule():
    from vtbridge.sources.health import SourceHealth

    h = SourceHealth(retry_min=0.5, retry_max=5.0)
    h.opened()
    assert h.ended() is not None  # opened, then nothing: a failure
    assert [h.failed() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    h.opened()
    assert h.backoff == 5.0  # opening alone proves nothing: the backoff stays
    assert h.frame() is True and h.frame() is False
    assert h.backoff == 0.5  # frames flow: healthy again
    assert h.ended() is None  # a normal end of a file that played
    h.opened()
    assert "gave no frames" in h.ended()
