"""THA3 off the caller's thread: ``render`` returns the latest finished picture at once.

THA3 takes from ~0.3 s to over a second per frame on a laptop CPU. Called directly, that would stall whoever calls
``render`` - the virtual camera's render thread, which must keep sending at a constant rate. ``LiveAnimeRenderer``
gives each request (frame time + face) to its own worker through a latest-wins slot and hands back the newest
completed picture: the camera repeats it smoothly until the next one is ready, a slow CPU drops poses (counted in
``dropped``), and a picture is swapped whole (one reference), so a frame is never half old and half new.

File rendering (``vtbridge render --out``) wants every frame posed: use ``AnimeRenderer`` directly there.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from vtbridge.frames import FaceFrame, Frame
from vtbridge.sources.base import LatestSlot

log = logging.getLogger("vtbridge.anime")


class LiveAnimeRenderer:
    """Wraps an ``AnimeRenderer`` (same ``render``/``close``/``status``); the first call waits for a first picture
    (up to ``first_timeout`` s) so the output never starts blank when the machine is fast enough."""

    def __init__(self, renderer, first_timeout: float = 5.0) -> None:
        self.inner = renderer
        self.provider = renderer.provider
        self._slot = LatestSlot()
        self._latest: np.ndarray | None = None
        self._ready = threading.Event()
        self.rendered = 0
        self.error: str | None = None
        self._first_timeout = first_timeout
        self._thread = threading.Thread(target=self._work, name="vtbridge-anime", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        return self._slot.dropped

    def _work(self) -> None:
        while True:
            item = self._slot.get()
            if item is None:
                return
            frame, face = item
            try:
                self._latest = self.inner.render(frame, face)
                self.rendered += 1
                self.error = None
            except Exception as exc:  # keep the last good picture; report, never kill the camera
                if self.error is None:
                    log.exception("anime render failed")
                self.error = f"{type(exc).__name__}: {exc}"
            self._ready.set()

    def render(self, frame: Frame, face: FaceFrame | None) -> np.ndarray:
        self._slot.put((frame, face))
        if self._latest is None:
            self._ready.wait(self._first_timeout)
        if self._latest is None:  # still nothing (a very slow first frame): the plain background meanwhile
            w, h = self.inner.options.size
            blank = np.empty((h, w, 3), np.uint8)
            blank[:] = self.inner.options.background[::-1]
            return blank
        return self._latest

    def status(self) -> dict:
        return {**self.inner.status(), "rendered": self.rendered, "dropped": self.dropped, "error": self.error}

    def close(self) -> None:
        self._slot.close()
        self._thread.join(timeout=10.0)
        self.inner.close()
