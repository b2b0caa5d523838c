"""Video files: replayed at their own frame rate (live-like, latest-frame semantics) or as fast as possible
(offline work: every frame, in order). Timestamps are media time, so results are reproducible."""

from __future__ import annotations

import time
from pathlib import Path

import cv2

from vtbridge.errors import SourceError
from vtbridge.frames import Frame
from vtbridge.native import native_stderr_silenced
from vtbridge.sources.base import ThreadedSource

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".wmv", ".flv", ".mpg", ".mpeg", ".ts"}


def open_capture(path: Path) -> cv2.VideoCapture:
    """Open a file with OpenCV's FFmpeg backend and prove it decodes (first frame), or raise SourceError."""
    if not path.exists():
        raise SourceError(f"video source {str(path)!r}: file not found; check the path (relative paths start at "
                          f"the current directory)")
    if path.is_dir():
        raise SourceError(f"video source {str(path)!r} is a folder; give a video or image file")
    with native_stderr_silenced():
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        ok = cap.isOpened()
        if ok:
            ok, _ = cap.read()
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    if not ok:
        cap.release()
        raise SourceError(f"video source {str(path)!r}: cannot decode it as video (corrupt, truncated or not a "
                          f"video); try playing it in a media player or re-encode it to H.264 MP4")
    return cap


class VideoFileSource(ThreadedSource):
    """``realtime=True``: paced at the file's fps on a capture thread, dropping frames if the reader is slow.
    ``realtime=False``: every frame in order, read on the caller's thread. ``loop`` restarts at the end."""

    def __init__(self, path: str | Path, *, realtime: bool = False, loop: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.name = str(self.path)
        self._cap = open_capture(self.path)
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and fps > 1 else 30.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = None if loop or count <= 0 else count
        self.realtime, self.loop = realtime, loop
        self._index = 0  # frames delivered, across loops (timestamps keep increasing)
        self._t0: float | None = None
        if realtime:
            self._start()

    def _next(self) -> Frame | None:
        ok, image = self._cap.read()
        if not ok and self.loop and self._index > 0:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
        if not ok:
            return None
        frame = Frame(image=image, t=self._index / self.fps, index=self._index, source=self.name)
        self._index += 1
        return frame

    def _capture_one(self) -> Frame | None:
        frame = self._next()
        if frame is None:
            return None
        if self._t0 is None:
            self._t0 = time.monotonic()
        delay = self._t0 + frame.t - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)
        return frame

    def _release(self) -> None:
        self._cap.release()

    def read(self, timeout: float | None = None) -> Frame | None:
        if self.realtime:
            return super().read(timeout)
        return self._next()

    def close(self) -> None:
        super().close()
        if not self.realtime:
            self._cap.release()
