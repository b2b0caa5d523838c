"""Real MediaPipe runs on real clips, tracked once per test session and shared by the tests that read them."""

from __future__ import annotations

from tests.conftest import media
from vtbridge.sources import open_source
from vtbridge.tracking.landmarker import Tracker, TrackerOptions

_CACHE: dict[tuple[str, bool], tuple[list, list]] = {}


def tracked(name: str, mirror: bool = False, step: int = 1):
    """(frames, faces) of a clip tracked raw (no calibration, no filter). Frames are kept for image tests."""
    key = (name, mirror)
    if key not in _CACHE:
        path = media(name)
        source = open_source(str(path))
        frames, faces = [], []
        with Tracker(TrackerOptions(mirror=mirror)) as tracker:
            while (frame := source.read()) is not None:
                frames.append(frame)
                faces.append(tracker.process(frame))
        source.close()
        _CACHE[key] = (frames, faces)
    frames, faces = _CACHE[key]
    return frames[::step], faces[::step]
