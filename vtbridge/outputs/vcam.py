"""The virtual-camera output: the latest camera frame and face in, a rendered picture out to the sinks at a steady
pace, on its own thread.

Why a thread and a latest-wins slot: rendering (segmentation, blur) costs about as much as tracking, and a virtual
camera driver can stall. The tracking thread only drops ``(frame, face)`` into a size-1 slot (``send_frame``
returns at once); the render thread always takes the newest, so a slow renderer or sink drops frames (counted)
instead of delaying tracking, and the camera never shows a frame older than the newest one rendered.

Pacing: a frame is sent as soon as it is rendered if at least half a period has passed since the last one; when no
new frame arrives in time (paused tracking, a slower camera) the last picture is repeated, so meeting apps see a
steady ``fps``. A sink that cannot open (no driver, camera busy) leaves the output in state ``error`` with the
hint, and it is retried every few seconds: installing OBS while vtbridge runs is enough.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import cv2
import numpy as np

from vtbridge.errors import VtbridgeError
from vtbridge.frames import FaceFrame, Frame, MappedFrame
from vtbridge.outputs.base import OutputStatus
from vtbridge.outputs.vcam_sinks import Sink
from vtbridge.render import Renderer, make_renderer
from vtbridge.render.settings import RenderSettings, validate
from vtbridge.sources.base import LatestSlot
from vtbridge.timing import StageTimes

log = logging.getLogger("vtbridge.vcam")


class VcamOutput:
    """``send_frame(frame, face)`` from the tracking thread; everything else happens on the render thread."""

    name = "vcam"
    takes_frames = True  # the pipeline hands this output the camera picture, not only the mapped values

    def __init__(self, settings: RenderSettings, sinks: list[Sink], *, retry_s: float = 3.0,
                 renderer: Renderer | None = None, open_now: bool = False) -> None:
        self.settings = validate(settings)
        self.sinks = list(sinks)
        self.retry_s = retry_s
        self.clock = StageTimes(window=120)  # per-stage times, touched by the render thread only
        self._renderer = renderer or make_renderer(self.settings, clock=self.clock)
        self._pending: RenderSettings | None = None
        self._recalibrate = False
        self._slot = LatestSlot()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._open: list[bool] = [False] * len(self.sinks)
        self._retry_at = 0.0
        self._error: str | None = None  # why a sink is not open (no driver, busy) or settings were refused
        self._render_error: str | None = None  # the last frame could not be rendered
        self._image: np.ndarray | None = None
        self.rendered = 0
        self._render_ms = 0.0  # running mean of one frame's render time (read by status from another thread)
        self.sent = 0
        self.repeated = 0
        self._sent_times: deque = deque(maxlen=90)
        if open_now:  # the CLI: a missing driver is the one-line error at start, not a status later
            self._open_sinks(time.monotonic(), raise_errors=True)
        self._thread = threading.Thread(target=self._run, name="vtbridge-vcam", daemon=True)
        self._thread.start()

    # ---- tracking thread -------------------------------------------------------------------------------------
    def send_frame(self, frame: Frame, face: FaceFrame | None, *, mirrored: bool = False) -> None:
        """Offer the newest frame (never blocks; an unrendered older one is dropped and counted). ``mirrored``:
        the face was tracked on the mirrored picture (the daemon's ``mirror``); the meeting gets the camera's own
        view, and mirrors only if ``outputs.vcam.mirror`` says so."""
        self._slot.put((frame, unmirrored(face) if mirrored else face))

    def send(self, frame: MappedFrame) -> None:
        """Mapped values alone carry no picture: nothing to render (the pipeline calls ``send_frame``)."""

    @property
    def dropped(self) -> int:
        return self._slot.dropped

    def reconfigure(self, settings: RenderSettings) -> None:
        """New effects/size from the tray or dashboard; applied by the render thread before its next frame.
        Raises ConfigError at once for a bad value, so the caller can report it and keep the old settings."""
        validate(settings)
        if settings.background and settings.background != self.settings.background:
            from vtbridge.render.meeting.background import load_background

            load_background(settings.background)  # a missing file is reported now, not on the render thread
        with self._lock:
            self._pending = settings

    def preview(self) -> np.ndarray | None:
        """The last picture sent (what the meeting sees), or None before the first."""
        return self._image

    def preview_jpeg(self, width: int = 640) -> bytes | None:
        image = self._image
        if image is None:
            return None
        h, w = image.shape[:2]
        if w > width:
            image = cv2.resize(image, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 75])
        return buf.tobytes() if ok else None

    def status(self) -> OutputStatus:
        times = list(self._sent_times)
        fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) >= 2 and times[-1] > times[0] else 0.0
        if times and time.monotonic() - times[-1] > 2.0:
            fps = 0.0
        error = self._error or self._render_error
        if error:
            state = "error"
        elif self.sent == 0:
            state = "connecting"
        else:
            state = "ok"
        detail = {"fps": round(fps, 1), "dropped": self.dropped, "rendered": self.rendered,
                  "size": f"{self.settings.width}x{self.settings.height}", "mode": self.settings.mode,
                  "sinks": ", ".join(s.description for s in self.sinks) or "preview only",
                  "render_ms": round(self._render_ms, 1)}
        status_line = getattr(self._renderer, "status_line", None)  # renderers that run models say where
        if callable(status_line):
            detail["renderer"] = status_line()
        return OutputStatus(name=self.name, state=state, packets=self.sent, last_error=error, detail=detail)

    def close(self, timeout: float = 1.0) -> None:
        """Stop rendering; the render thread closes the sinks itself, so a driver that hangs cannot hold up the
        caller (the tracking thread, when the output is switched off) for more than ``timeout``."""
        self._stop.set()
        self._slot.close()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=timeout)

    # ---- render thread ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # a renderer bug: report it in the status, never kill the daemon
            log.exception("virtual camera stopped")
            self._error = f"virtual camera stopped: {type(exc).__name__}: {exc}"
        finally:
            self._close_sinks()
            try:
                self._renderer.close()
            except Exception:
                log.exception("closing the renderer")

    def _loop(self) -> None:
        next_send = time.monotonic()
        while not self._stop.is_set():
            self._apply_pending()
            period = 1.0 / self.settings.fps
            now = time.monotonic()
            self._open_sinks(now)
            earliest = next_send - period / 2
            if now < earliest:  # too soon after the last frame: let the slot keep only the newest
                self._stop.wait(earliest - now)
                continue
            try:
                item = self._slot.get(timeout=max(0.0, next_send - now) if self._image is not None else 0.25)
            except TimeoutError:
                item = None
                if self._image is None:
                    continue
            else:
                if item is None:  # closed
                    return
            if item is not None:
                frame, face = item
                self._apply_pending()  # settings that came while waiting apply to this frame already
                t0 = time.perf_counter()
                try:
                    self._image = self._renderer.render(frame, face)
                except Exception as exc:  # one bad frame must not end the camera: keep the last picture
                    if self._render_error is None:
                        log.exception("virtual camera: rendering a frame failed")
                    self._render_error = f"rendering failed: {type(exc).__name__}: {exc}"
                    continue
                self._render_error = None
                ms = (time.perf_counter() - t0) * 1000.0
                self._render_ms = ms if not self.rendered else self._render_ms + 0.1 * (ms - self._render_ms)
                self.rendered += 1
            else:
                self.repeated += 1
            self._deliver(self._image)
            now = time.monotonic()
            next_send = next_send + period if now - next_send < period else now + period

    def recalibrate(self) -> None:
        """The user calibrates their neutral face: a renderer that keeps a neutral of its own (reenact) picks it
        again from the next frames. Applied by the render thread, like new settings."""
        self._recalibrate = True

    def _apply_pending(self) -> None:
        if self._recalibrate:
            self._recalibrate = False
            calibrate = getattr(self._renderer, "calibrate", None)
            if calibrate is not None:
                calibrate(None)
        with self._lock:
            settings, self._pending = self._pending, None
        if settings is None:
            return
        try:
            renderer = make_renderer(settings, clock=self.clock)
        except VtbridgeError as err:
            self._error = f"settings not applied: {err}"
            return
        old, self._renderer = self._renderer, renderer
        old.close()
        if settings.size != self.settings.size or settings.fps != self.settings.fps:
            self._close_sinks()  # reopened at the new size on the next pass
            self._retry_at = 0.0
        self.settings = settings
        self._image = None

    def _open_sinks(self, now: float, raise_errors: bool = False) -> None:
        if all(self._open) or now < self._retry_at:
            return
        s = self.settings
        for i, sink in enumerate(self.sinks):
            if self._open[i]:
                continue
            try:
                sink.open(s.width, s.height, s.fps)
            except VtbridgeError as err:
                if raise_errors:
                    self._close_sinks()
                    raise
                if self._error != str(err):
                    log.warning("%s", err)
                self._error = str(err)
                self._retry_at = now + self.retry_s
                continue
            self._open[i] = True
            log.info("virtual camera: sending %s to %s", s.summary(), sink.description)
        if all(self._open):
            self._error = None

    def _deliver(self, image: np.ndarray) -> None:
        delivered = not self.sinks  # preview only: the preview is the destination
        for i, sink in enumerate(self.sinks):
            if not self._open[i]:
                continue
            try:
                sink.send(image)
                delivered = True
            except Exception as exc:  # the driver went away: close, report, retry later
                self._error = f"virtual camera: sending failed ({exc}); retrying"
                self._open[i] = False
                self._retry_at = time.monotonic() + self.retry_s
                self._close_one(sink)
        if delivered:
            self.sent += 1
            self._sent_times.append(time.monotonic())

    def _close_one(self, sink: Sink) -> None:
        try:
            sink.close()
        except Exception:
            log.exception("closing %s", sink.description)

    def _close_sinks(self) -> None:
        for i, sink in enumerate(self.sinks):
            if self._open[i]:
                self._open[i] = False
                self._close_one(sink)


def unmirrored(face: FaceFrame | None) -> FaceFrame | None:
    """The face as seen on the camera's own (unmirrored) picture: landmark x flipped back."""
    if face is None or face.landmarks is None:
        return face
    landmarks = face.landmarks.copy()
    landmarks[:, 0] = 1.0 - landmarks[:, 0]
    return face.with_(landmarks=landmarks)
