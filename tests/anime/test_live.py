"""LiveAnimeRenderer: the caller never waits for THA3, gets whole finished pictures, and the newest pose wins.

The inner renderer is a stand-in whose ``render`` blocks until the test lets it finish: the threading behaviour is
checked deterministically, without timing thresholds.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np

from tests.conftest import wait
from vtbridge.frames import Frame, empty_face
from vtbridge.render.anime.live import LiveAnimeRenderer


class GatedRenderer:
    """Renders a picture whose every pixel is the frame index, once the gate opens for that call."""

    def __init__(self) -> None:
        self.options = SimpleNamespace(size=(64, 48), background=(0, 255, 0))
        self.provider = "cpu"
        self.gate = threading.Semaphore(0)
        self.started: list[int] = []
        self.closed = False

    def render(self, frame, face):
        self.started.append(frame.index)
        self.gate.acquire()
        if frame.index == 99:
            raise RuntimeError("broken pose")
        return np.full((48, 64, 3), frame.index, np.uint8)

    def status(self) -> dict:
        return {"mode": "anime"}

    def close(self) -> None:
        self.closed = True


def frame(i: int) -> Frame:
    return Frame(image=np.zeros((4, 4, 3), np.uint8), t=i / 30.0, index=i, source="test")


def wait_until(predicate, what: str) -> None:
    wait(predicate, timeout=10.0, what=what, step=0.005)


def test_render_returns_at_once_and_the_newest_pose_wins():
    inner = GatedRenderer()
    live = LiveAnimeRenderer(inner, first_timeout=0.0)
    first = live.render(frame(0), empty_face(0.0))
    assert first.shape == (48, 64, 3) and tuple(first[0, 0]) == (0, 255, 0)  # background (BGR) until a picture exists
    wait_until(lambda: inner.started == [0], "the worker to start frame 0")
    for i in range(1, 6):  # the worker is busy with frame 0: these return immediately, only the newest is kept
        assert tuple(live.render(frame(i), empty_face(i / 30.0))[0, 0]) == (0, 255, 0)
    assert live.dropped == 4
    inner.gate.release()  # frame 0 done; the worker takes frame 5 next
    wait_until(lambda: inner.started == [0, 5], "frame 5")
    inner.gate.release()
    wait_until(lambda: live.rendered == 2, "frame 5 to finish")
    shown = live.render(frame(6), empty_face(0.2))
    assert np.all(shown == 5)  # the newest finished picture, whole
    inner.gate.release()
    wait_until(lambda: live.rendered == 3, "frame 6")
    assert np.all(live.render(frame(7), empty_face(0.3)) == 6)
    inner.gate.release()
    live.close()
    assert inner.closed


def test_a_failing_pose_keeps_the_last_good_picture_and_reports():
    inner = GatedRenderer()
    live = LiveAnimeRenderer(inner, first_timeout=0.0)
    live.render(frame(1), empty_face(0.0))
    inner.gate.release()
    wait_until(lambda: live.rendered == 1, "frame 1")
    live.render(frame(99), empty_face(0.1))
    inner.gate.release()
    wait_until(lambda: live.error is not None, "the error")
    assert "broken pose" in live.status()["error"]
    assert np.all(live.render(frame(2), empty_face(0.2)) == 1)
    inner.gate.release()
    live.close()
