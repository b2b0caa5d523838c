"""A source that opens but yields no frames is an error with backoff and a message, not a busy reopen loop; a still
image with a video's name is tracked as the image it is. Both run the real pipeline with the real tracker."""

from __future__ import annotations

import threading
import time

import cv2
import pytest

from tests.conftest import VENDORED_CLIP
from tests.e2e.test_run_udp import Receiver
from vtbridge.daemon import pipeline as pipeline_module
from vtbridge.daemon.pipeline import Binding, Pipeline, PipelineOptions
from vtbridge.outputs.udp import vmc_output
from vtbridge.sources.video import VideoFileSource


@pytest.fixture
def still_named_mp4(tmp_path):
    cap = cv2.VideoCapture(str(VENDORED_CLIP))
    ok, image = cap.read()
    cap.release()
    path = tmp_path / "me.mp4"
    path.write_bytes(cv2.imencode(".jpg", image)[1].tobytes())
    return path


def run_for(pipe: Pipeline, seconds: float) -> None:
    thread = threading.Thread(target=pipe.run)
    thread.start()
    time.sleep(seconds)
    pipe.stop()
    thread.join(10)
    assert not thread.is_alive()


def test_a_source_that_opens_but_gives_no_frames_backs_off_with_a_message(still_named_mp4, monkeypatch):
    # FFmpeg opens a JPEG named .mp4, decodes one frame to prove it, then yields nothing after the seek back.
    # Forced through the video reader (as before images were recognised by content), it is the real culprit.
    probe = VideoFileSource(still_named_mp4, realtime=True)
    assert probe.read(timeout=2) is None
    probe.close()
    opens = []

    def open_as_video(spec, **kwargs):
        opens.append(time.monotonic())
        return VideoFileSource(spec, realtime=True)

    monkeypatch.setattr(pipeline_module, "open_source", open_as_video)
    lines = []
    pipe = Pipeline(PipelineOptions(source=str(still_named_mp4), status_interval=0, retry_min=0.5, retry_max=5.0),
                    [], main_profile="vseeface", printer=lines.append)
    run_for(pipe, 4.0)
    # Before: ~115 reopens a second and no message. Now: 0.5 + 1 + 2 s of backoff fit in 4 s -> at most 4 opens.
    assert 2 <= len(opens) <= 4, len(opens)
    assert all(b - a >= 0.45 for a, b in zip(opens, opens[1:]))
    failures = [line for line in lines if "gave no frames" in line]
    assert len(failures) == 1 and str(still_named_mp4) in failures[0] and "retrying" in failures[0], lines
    assert pipe.live.frames == 0


def test_the_error_state_shows_while_the_source_gives_nothing(still_named_mp4, monkeypatch):
    monkeypatch.setattr(pipeline_module, "open_source", lambda spec, **kw: VideoFileSource(spec, realtime=True))
    pipe = Pipeline(PipelineOptions(source=str(still_named_mp4), status_interval=0), [], main_profile="vseeface",
                    printer=lambda _: None)
    thread = threading.Thread(target=pipe.run)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while pipe.snapshot().state != "error":
            assert time.monotonic() < deadline, pipe.snapshot()
            time.sleep(0.05)
        assert "gave no frames" in pipe.snapshot().message
    finally:
        pipe.stop()
        thread.join(10)


def test_a_still_image_named_mp4_is_tracked_as_an_image(still_named_mp4):
    receiver = Receiver()
    binding = Binding("vmc", "vseeface", True, factory=lambda: vmc_output([("127.0.0.1", receiver.port)]))
    lines = []
    pipe = Pipeline(PipelineOptions(source=str(still_named_mp4), status_interval=0), [binding],
                    main_profile="vseeface", printer=lines.append)
    try:
        run_for(pipe, 4.0)
    finally:
        binding.close()
        receiver.close()
    assert pipe.live.frames > 10 and pipe.live.faces > 10
    assert not any("gave no frames" in line or "lost" in line for line in lines), lines
    assert len(receiver.packets) > 10
