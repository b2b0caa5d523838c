"""What every source (camera, video file, still image) offers, and the latest-frame slot that decouples capture
from tracking.

A source is read with ``read(timeout)`` which returns the next ``Frame`` or ``None`` at the end of the stream.
Live sources (cameras, video played in real time) capture on their own thread into a ``LatestSlot``: the tracker
always gets the newest frame, a slow tracker drops frames instead of queueing them, so latency never grows.
"""

from __future__ import annotations

import threading
from typing import Protocol

from vtbridge.frames import Frame


class Source(Protocol):
    name: str  # a stable id, e.g. "camera:0" or the file path; calibration is stored per source id
    fps: float | None  # nominal rate, None when unknown
    frame_count: int | None  # known length (files), None for live sources

    def read(self, timeout: float | None = None) -> Frame | None: ...

    def close(self) -> None: ...


class SourceEnded(Exception):
    """Raised inside capture threads to stop them; never escapes a source."""


class LatestSlot:
    """A size-1 mailbox: ``put`` overwrites, ``get`` waits for a frame newer than the last one it returned.

    ``dropped`` counts frames that were overwritten before anyone read them (the cost of staying real-time).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: Frame | None = None
        self._fresh = False
        self._closed = False
        self.error: BaseException | None = None
        self.dropped = 0

    def put(self, item: Frame) -> None:
        with self._cond:
            if self._fresh:
                self.dropped += 1
            self._item, self._fresh = item, True
            self._cond.notify_all()

    def close(self, error: BaseException | None = None) -> None:
        with self._cond:
            self._closed = True
            self.error = error
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> Frame | None:
        """The newest unseen frame; None when closed and drained. Raises TimeoutError when none came in time,
        and re-raises the capture thread's error once the slot is closed and drained."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._fresh or self._closed, timeout):
                raise TimeoutError("no frame within %.1f s" % (timeout or 0))
            if self._fresh:
                self._fresh = False
                return self._item
            if self.error is not None:
                raise self.error
            return None


class ThreadedSource:
    """Runs ``_capture_one()`` in a loop on a daemon thread, publishing into a LatestSlot."""

    name = "source"
    fps: float | None = None
    frame_count: int | None = None

    def __init__(self) -> None:
        self._slot = LatestSlot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"capture {self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        error: BaseException | None = None
        try:
            while not self._stop.is_set():
                frame = self._capture_one()
                if frame is None:
                    break
                self._slot.put(frame)
        except BaseException as exc:  # reported to the reader, never lost in a thread
            error = exc
        finally:
            self._release()
            self._slot.close(error)

    def _capture_one(self) -> Frame | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self) -> None:
        pass

    @property
    def dropped(self) -> int:
        return self._slot.dropped

    def read(self, timeout: float | None = None) -> Frame | None:
        return self._slot.get(timeout)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
