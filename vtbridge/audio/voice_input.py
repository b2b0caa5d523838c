"""The audio driver: a capture thread that opens the microphone (or WAV), analyses every 16 ms hop and keeps only the
newest ``VoiceFrame`` for the tracking pipeline (latest-wins: the pipeline never waits for audio, and audio never
queues up behind a slow frame).

Like a camera, a microphone that is missing, busy or unplugged is a status line, retried with backoff (0.5 s doubling
to 5 s); a PortAudio library that is not installed is reported the same way. Settings can change while it runs
(``set_options``), and a voice calibration can be recorded from the live audio (``calibrate``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable

from vtbridge.audio.analysis import VoiceAnalyzer, VoiceOptions
from vtbridge.audio.calibration import (VoiceCalibration, VoiceCalibrationRecorder, load_voice_calibration,
                                        save_voice_calibration)
from vtbridge.audio.sources import open_audio_source
from vtbridge.errors import SourceError, VtbridgeError
from vtbridge.frames import VoiceFrame

log = logging.getLogger("vtbridge.audio")

#: A voice frame older than this is not joined to a face frame (the microphone stalled or was lost).
MAX_AGE_S = 0.25


@dataclass(frozen=True)
class VoiceStatus:
    state: str  # off | starting | listening | error | ended
    source: str
    message: str = ""
    calibrated: bool = False
    calibrating: str | None = None  # the prompt while a calibration records
    calibration_progress: float = 0.0


class VoiceInput:
    def __init__(self, spec: str, options: VoiceOptions = VoiceOptions(), *, loop: bool = True, realtime: bool = True,
                 printer: Callable[[str], None] = print, backend=None, retry_min: float = 0.5,
                 retry_max: float = 5.0, use_calibration: bool = True) -> None:
        self.spec, self.loop, self.realtime, self.print, self._backend = spec, loop, realtime, printer, backend
        self._options = options
        self.retry_min, self.retry_max = retry_min, retry_max
        self._lock = threading.Lock()
        self._latest: VoiceFrame | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state, self._message = "off", ""
        self._recorder: VoiceCalibrationRecorder | None = None
        self._analyzer: VoiceAnalyzer | None = None
        self.calibration: VoiceCalibration | None = None
        if use_calibration:
            try:
                self.calibration = load_voice_calibration()
            except VtbridgeError as err:
                self.print(f"warning: {err}; using the default vowel templates")
        self.frames = 0

    # ---- control (any thread) ----------------------------------------------------------------------------------
    def start(self) -> "VoiceInput":
        self._stop.clear()
        self._state = "starting"
        self._thread = threading.Thread(target=self._run, name="audio capture", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._thread = None
        self._state = "off"
        with self._lock:
            self._latest = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def options(self) -> VoiceOptions:
        return self._options

    def set_options(self, **changes) -> VoiceOptions:
        self._options = replace(self._options, **changes)
        analyzer = self._analyzer
        if analyzer is not None:
            analyzer.options = self._options
        return self._options

    def calibrate(self) -> None:
        """Record a voice calibration from the live audio; the result is saved and used at once."""
        self._recorder = VoiceCalibrationRecorder()
        self.print(f"voice calibration: follow the prompts for {self._recorder.total_s:.0f} s - "
                   f"{self._recorder.prompt}")

    def latest(self, max_age: float = MAX_AGE_S) -> VoiceFrame | None:
        """The newest analysis, or None when there is none fresh enough (never blocks)."""
        with self._lock:
            frame = self._latest
        if frame is None or time.monotonic() - frame.at > max_age:
            return None
        return frame

    def status(self) -> VoiceStatus:
        rec = self._recorder
        return VoiceStatus(state=self._state, source=self.spec, message=self._message,
                           calibrated=self.calibration is not None,
                           calibrating=rec.prompt if rec is not None else None,
                           calibration_progress=rec.progress if rec is not None else 0.0)

    # ---- the capture thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = self.retry_min
        while not self._stop.is_set():
            try:
                source = open_audio_source(self.spec, realtime=self.realtime, loop=self.loop,
                                           backend=self._backend)
            except SourceError as err:
                self._fail(f"microphone {self.spec!r}: {err}", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.retry_max)
                continue
            except Exception as exc:  # a driver bug must not kill the thread silently
                log.exception("opening audio source %s", self.spec)
                self._fail(f"microphone {self.spec!r}: {type(exc).__name__}: {exc}", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.retry_max)
                continue
            backoff = self.retry_min
            self._set("listening", "")
            log.info("audio source %s open at %d Hz", source.name, source.sample_rate)
            try:
                ended = self._pump(source)
            finally:
                source.close()
            if ended:
                self._set("ended", f"{self.spec} ended")
                return
            self._stop.wait(self.retry_min)  # lost: let a replugged device settle before opening it again

    def _pump(self, source) -> bool:
        """Read and analyse until stopped (False), the file ended (True), or the device failed (False, retried)."""
        cal = self.calibration
        analyzer = VoiceAnalyzer(source.sample_rate, self._options, cal.templates if cal else None,
                                 cal.noise_db if cal else None, tap=self._tap)
        self._analyzer = analyzer
        last = time.monotonic()
        while not self._stop.is_set():
            try:
                chunk = source.read(timeout=0.25)
            except TimeoutError:
                if time.monotonic() - last > 2.0:
                    self._fail(f"microphone {self.spec!r}: no audio for 2 s", self.retry_min)
                    return False
                continue
            except SourceError as err:
                self._fail(f"microphone {self.spec!r} lost: {err}", self.retry_min)
                return False
            if chunk is None:
                if self._recorder is not None:  # a file ended during a calibration: use what it recorded
                    self._finish_calibration(analyzer)
                return True
            last = time.monotonic()
            frames = analyzer.feed(chunk)
            if frames:
                self.frames += len(frames)
                with self._lock:
                    self._latest = frames[-1]
            if self._recorder is not None and self._recorder.done:
                self._finish_calibration(analyzer)
            if self._state != "listening":
                self._set("listening", "")
        return False

    def _tap(self, t: float, db: float, mfcc) -> None:
        rec = self._recorder
        if rec is not None and not rec.done:
            before = rec.step
            rec.add(t, db, mfcc)
            if rec.step != before and rec.step is not None:
                self.print(f"voice calibration: {rec.prompt}")

    def _finish_calibration(self, analyzer: VoiceAnalyzer) -> None:
        rec, self._recorder = self._recorder, None
        try:
            cal = rec.finish(gate_db=self._options.gate_db)
            path = save_voice_calibration(cal)
        except (VtbridgeError, OSError) as err:
            self.print(f"voice calibration failed: {err}")
            return
        self.calibration = cal
        analyzer.templates, analyzer.noise_db = cal.templates, cal.noise_db
        floor = "" if cal.noise_db is None else f", room noise {cal.noise_db:.0f} dBFS"
        self.print(f"voice calibrated{floor} -> {path}")

    def _fail(self, message: str, backoff: float) -> None:
        if message != self._message:
            self.print(f"{message} (retrying every {backoff:.1f}s+)")
        self._set("error", message)
        with self._lock:
            self._latest = None

    def _set(self, state: str, message: str) -> None:
        self._state, self._message = state, message
