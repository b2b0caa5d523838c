"""The live pipeline: source -> tracker -> calibration -> filter -> profile(s) -> outputs, in one loop on one thread.

This is the only place that calls the stages (they are plain ``process`` objects). It owns the resilience rules:
a failing output never stops tracking or the other outputs (``Output.send`` must not raise, and is isolated anyway);
a lost source is retried with backoff while the status says why; a broken profile edit keeps the last good one.
It also implements the ``Controller`` seam (snapshot / preview / commands) for the tray and the dashboard.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import cv2

from vtbridge.annotate import annotate
from vtbridge.daemon.binding import Binding
from vtbridge.daemon.control import Command, Snapshot
from vtbridge.daemon.stats import OutputRates, snapshot_of
from vtbridge.daemon.voice_control import apply_voice_command, with_voice
from vtbridge.errors import SourceError, VtbridgeError
from vtbridge.frames import FaceFrame, Frame
from vtbridge.mapping.profile import list_profiles
from vtbridge.mapping.watch import ProfileWatcher
from vtbridge.signal.calibration import (NO_CALIBRATION, CalibrationRecorder, apply_calibration, load_calibration,
                                         save_calibration)
from vtbridge.signal.smoothing import FaceSmoother, FilterConfig
from vtbridge.daemon.view_mapping import ViewMappers
from vtbridge.signal.view import DEFAULT_VIEW, VIEWS, resolve_view
from vtbridge.sources import CameraRequest, Source, open_source
from vtbridge.sources.health import SourceHealth
from vtbridge.timing import StageTimes
from vtbridge.tracking.landmarker import Tracker, TrackerOptions

log = logging.getLogger("vtbridge.pipeline")


@dataclass(frozen=True)
class PipelineOptions:
    source: str = "0"
    loop: bool = True  # files restart at the end (re-opened, so a replaced file is picked up)
    flip_input: bool = False  # flip the camera picture before tracking (a camera that delivers a mirrored image)
    view: str = DEFAULT_VIEW  # how avatars follow the user: mirror | camera (outputs may override, Binding.view)
    filter: FilterConfig = FilterConfig()
    calibration: bool = True
    duration: float | None = None  # stop after this many seconds (tests, demos)
    status_interval: float = 5.0  # one status line every N seconds (0: never)
    retry_min: float = 0.5  # source retry backoff, seconds
    retry_max: float = 5.0
    camera: CameraRequest = CameraRequest()


@dataclass
class _Live:
    """Mutable loop state, touched only by the tracking thread (viewers read ``Snapshot``s)."""

    state: str = "starting"
    message: str = ""
    paused: bool = False
    frames: int = 0
    faces: int = 0
    last_frame: Frame | None = None
    last_face: FaceFrame | None = None
    last_values: dict = field(default_factory=dict)
    recorder: CalibrationRecorder | None = None
    source_dropped: int = 0  # frames the source replaced before tracking took them (the tracker fell behind)
    read_at: float = 0.0  # when the current frame left the source (frame -> send latency starts here)


class Pipeline:
    def __init__(self, options: PipelineOptions, bindings: list[Binding], *, main_profile: str,
                 printer=print, on_change: Callable[[Command], None] | None = None, voice=None) -> None:
        self.options = options
        self.voice = voice  # a vtbridge.audio.voice_input.VoiceInput (running when audio is on), or None
        self.bindings = bindings
        self.main_profile = main_profile
        self.print = printer
        self.on_change = on_change  # told about user choices worth remembering (profile, outputs, camera)
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._live = _Live()
        self._snapshot = Snapshot(state="starting", source=options.source, profile=main_profile)
        self._watchers: dict[str, ProfileWatcher] = {}
        for name in {b.profile for b in bindings} | {main_profile}:
            self._watchers[name] = ProfileWatcher(name, on_error=self._profile_error)  # raises if broken at start
        for b in bindings:
            if b.enabled:
                b.build()
                if b.error:
                    self.print(f"{b.name} output not started: {b.error}")
        self.stages = StageTimes()
        self.latency = StageTimes()  # "frame_to_send": from the frame leaving the source to the last send
        self.rates = OutputRates()
        self.calibration = NO_CALIBRATION
        self.cameras: tuple[str, ...] = ()
        self._published_at = 0.0
        self._orient = lambda image: image  # the tracker's view of a frame; set when the tracker starts
        self._profile_names: tuple[float, tuple[str, ...]] = (0.0, ())
        self._reopen = False  # set by a set_camera command: close the source, open the new one
        self.view = options.view
        self._view_mappers = ViewMappers(self._watchers)

    # ---- Controller seam -------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def preview_jpeg(self) -> bytes | None:
        frame, face = self._live.last_frame, self._live.last_face
        if frame is None:
            return None
        image = self._orient(frame.image)
        if face is not None:
            image = annotate(image, face, panel=False)
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 75])
        return buf.tobytes() if ok else None

    def vcam_jpeg(self) -> bytes | None:
        """What the virtual camera sends (the meeting's view), or None when it is off."""
        for b in self.bindings:
            if hasattr(b, "preview_jpeg"):
                return b.preview_jpeg()
        return None

    def submit(self, command: Command) -> None:
        self._commands.put(command)

    def stop(self) -> None:
        self._stop.set()

    # ---- the loop --------------------------------------------------------------------------------------------
    def run(self) -> _Live:
        """Track until stopped (SIGINT/Quit), the duration passes, or a non-looping file ends."""
        opts = self.options
        t_start = time.monotonic()
        next_status = t_start + opts.status_interval if opts.status_interval else float("inf")
        source: Source | None = None
        health = SourceHealth(opts.retry_min, opts.retry_max)  # frames after opening, retry backoff
        retry_at = 0.0
        t_offset, last_t = 0.0, -1.0
        last_frame_at = t_start
        try:
            with Tracker(TrackerOptions(mirror=opts.flip_input)) as tracker:
                self._orient = tracker.oriented
                smoother = FaceSmoother(opts.filter)
                while not self._stop.is_set():
                    now = time.monotonic()
                    if opts.duration is not None and now - t_start >= opts.duration:
                        break
                    self._drain_commands()
                    if self._reopen:
                        self._reopen = False
                        if source is not None:
                            source.close()
                            source = None
                        retry_at = 0.0
                    if now >= next_status:
                        next_status = now + opts.status_interval
                        self.print(self.status_line())
                    if source is None:
                        if now < retry_at:
                            self._stop.wait(min(0.05, retry_at - now))
                            continue
                        try:
                            source = open_source(opts.source, realtime=True, image_fps=30.0, camera=opts.camera)
                            last_frame_at = time.monotonic()
                            self.calibration = self._load_calibration(source.name)
                            health.opened()  # healthy (and the error cleared) only once a frame arrives
                            log.info("source %s open", source.name)
                        except SourceError as err:
                            retry_at = now + self._source_failed(str(err), health)
                            continue
                    try:
                        frame = source.read(timeout=0.25)  # short waits: stop and commands stay responsive
                        last_frame_at = now
                        self._live.read_at = time.monotonic()
                        self._live.source_dropped = getattr(source, "dropped", 0)
                    except TimeoutError:
                        if now - last_frame_at < 2.0:
                            continue
                        err = TimeoutError()
                    except SourceError as exc:
                        err = exc
                    else:
                        err = None
                    if err is not None:
                        source.close()
                        source = None
                        why = "no frame for 2 s" if isinstance(err, TimeoutError) else str(err)
                        retry_at = now + self._source_failed(f"source {opts.source!r} lost: {why}", health)
                        continue
                    if frame is None:  # end of a file
                        source.close()
                        source = None
                        why = health.ended()
                        if why is not None:  # nothing came: an error with backoff, never a busy reopen loop
                            retry_at = now + self._source_failed(f"source {opts.source!r}: {why}", health)
                            continue
                        if not opts.loop:
                            break
                        continue
                    if health.frame():
                        self._set_state("tracking", "")
                    if frame.t + t_offset <= last_t:  # a reopened file restarts at 0: keep time increasing
                        t_offset = last_t + 1.0 / 30.0 - frame.t
                    frame = replace(frame, t=frame.t + t_offset)
                    last_t = frame.t
                    if self._live.paused:
                        self._live.last_frame = frame
                        self._publish(frame.t)
                        continue
                    self._step(tracker, smoother, frame)
        finally:
            if source is not None:
                source.close()
            if self.voice is not None:
                self.voice.close()
            self._set_state("stopped", "")
            self._publish(last_t, force=True)
        return self._live

    def _step(self, tracker: Tracker, smoother: FaceSmoother, frame: Frame) -> None:
        live, clock = self._live, self.stages
        with clock.time("track"):
            face = tracker.process(frame)
        if live.recorder is not None:
            self._feed_calibration(face)
        with clock.time("filter"):
            face = smoother.process(apply_calibration(face, self.calibration))
        face = with_voice(face, self.voice)  # the newest microphone analysis, if any; never waits
        with clock.time("map"):
            for watcher in self._watchers.values():
                watcher.poll()
            mapping = self._view_mappers.for_frame(face)
            main = mapping(self.main_profile, self.view)
            wanted = [(b, None if getattr(b.output, "takes_frames", False) else mapping(b.profile, self.view_of(b)))
                      for b in self.bindings if b.enabled and b.output is not None]
        with clock.time("send"):
            for b, values in wanted:
                try:
                    if values is None:  # the virtual camera: the picture and the face, not mapped values
                        b.output.send_frame(frame, face, mirrored=tracker.options.mirror)
                    else:
                        b.output.send(values)
                except Exception as exc:  # an output bug must never stop tracking
                    log.exception("output %s failed", b.name)
                    self.rates.error(b.name, f"{type(exc).__name__}: {exc}")
        if live.read_at:
            self.latency.record("frame_to_send", (time.monotonic() - live.read_at) * 1000.0)
        live.frames += 1
        live.faces += face.found
        live.last_frame, live.last_face = frame, face
        live.last_values = main.as_dict()
        if live.state in ("tracking", "no_face", "starting"):
            self._set_state("tracking" if face.found else "no_face", "")
        self._publish(frame.t)

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _load_calibration(self, source_name: str):
        if not self.options.calibration:
            return NO_CALIBRATION
        try:
            return load_calibration(source_name)
        except VtbridgeError as err:
            self.print(f"warning: {err}")
            return NO_CALIBRATION

    def _feed_calibration(self, face: FaceFrame) -> None:
        rec = self._live.recorder
        rec.add(face)
        if rec.done:
            self._live.recorder = None
            try:
                self.calibration = rec.finish()
                path = save_calibration(self.calibration)
                self.print(f"calibrated neutral face from {self.calibration.samples} frames -> {path}")
            except (VtbridgeError, OSError) as err:
                self.print(f"calibration failed: {err}")

    def _source_failed(self, message: str, health: SourceHealth) -> float:
        """Report (once per distinct message) and return the seconds to wait before retrying."""
        delay = health.failed()
        if self._live.message != message:
            self.print(f"{message} (retrying every {delay:.1f}s+)")
        self._set_state("error", message)
        self._publish(self._snapshot.t, force=True)
        return delay

    def _profile_error(self, message: str) -> None:
        self.print(f"profile error (keeping the last good version): {message}")

    def _set_state(self, state: str, message: str) -> None:
        self._live.state, self._live.message = state, message

    def _drain_commands(self) -> None:
        while True:
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                self._apply(cmd)
            except Exception:  # a viewer's request must never stop tracking
                log.exception("command %r failed", cmd)
                self.print(f"command {cmd.kind} failed; see the log")

    def _apply(self, cmd: Command) -> None:
        live = self._live
        if cmd.kind in ("pause", "resume"):
            live.paused = cmd.kind == "pause"
            live.last_face = None  # no stale landmarks over the paused preview; the next tracked frame sets it
        elif cmd.kind in ("toggle_output", "set_output"):
            name, value = (cmd.arg, None) if cmd.kind == "toggle_output" else tuple(cmd.arg)
            for b in self.bindings:
                if b.name == name:
                    b.enabled = (not b.enabled) if value is None else bool(value)
                    if b.enabled:
                        b.build_in_background()
                    else:
                        b.release()
                    self._changed(Command("set_output", (name, b.enabled)))
        elif cmd.kind == "set_profile":
            try:
                watcher = ProfileWatcher(str(cmd.arg), on_error=self._profile_error)
            except VtbridgeError as err:
                self.print(f"profile {cmd.arg!r} not loaded, keeping {self.main_profile!r}: {err}")
                return
            self._watchers[str(cmd.arg)] = watcher
            self.main_profile = str(cmd.arg)
            for b in self.bindings:
                if b.follows_main:
                    b.profile = self.main_profile
            used = {b.profile for b in self.bindings} | {self.main_profile}
            for name in [n for n in self._watchers if n not in used]:  # stop mapping profiles nobody reads
                del self._watchers[name]
            self._view_mappers.keep_only(used)
            self._changed(cmd)
        elif cmd.kind == "set_camera":
            self.options = replace(self.options, source=str(cmd.arg))
            self._reopen = True
            self._changed(cmd)
        elif cmd.kind == "set_view":
            if cmd.arg not in VIEWS:
                self.print(f"view {cmd.arg!r} ignored: use mirror or camera")
                return
            self.view = str(cmd.arg)
            self._changed(cmd)
        elif cmd.kind == "set_vcam":
            for b in self.bindings:
                if hasattr(b, "configure"):
                    try:
                        changed = b.configure(dict(cmd.arg))
                    except VtbridgeError as err:  # a missing background picture, an absurd size: say so, keep going
                        self.print(f"virtual camera setting not applied: {err}")
                        return
                    for key, value in changed.items():  # one saved choice per setting
                        self._changed(Command("set_vcam", {key: value}))
        elif cmd.kind == "calibrate":
            name = self._live.last_frame.source if self._live.last_frame else self.options.source
            live.recorder = CalibrationRecorder(2.0, source=name)
            for b in self.bindings:  # renderers with a neutral of their own (a reenacted portrait) take it anew
                recalibrate = getattr(b.output, "recalibrate", None)
                if recalibrate is not None:
                    recalibrate()
            self.print("calibrating: relax your face and look at the screen for 2 s")
        elif cmd.kind in ("set_voice", "calibrate_voice", "set_voice_option") and self.voice is not None:
            chosen = apply_voice_command(self.voice, cmd, self.print)
            if chosen is not None:
                self._changed(chosen)
        elif cmd.kind == "quit":
            self._stop.set()
        else:
            log.warning("ignored unknown command %r", cmd.kind)

    def _changed(self, cmd: Command) -> None:
        if self.on_change is not None:
            self.on_change(cmd)

    def view_of(self, binding: Binding) -> str:
        """The view an output follows: its own setting, or the pipeline's."""
        return resolve_view(binding.view, self.view)

    @property
    def live(self) -> _Live:
        return self._live

    def _publish(self, t: float, force: bool = False) -> None:
        """Rebuild the viewers' snapshot, at most 30 times a second (viewers poll at <= 20 Hz)."""
        now = time.monotonic()
        if force or now - self._published_at >= 1 / 30:
            self._published_at = now
            self._snapshot = snapshot_of(self, t)

    def status_line(self) -> str:
        s = self._snapshot
        outs = " | ".join(f"{o.name}: {o.state} {o.packets_per_s:.0f}/s, {o.packets} sent"
                          + (f" ({o.last_error})" if o.last_error and o.state == "error" else "")
                          for o in s.outputs if o.enabled) or "no outputs on"
        face = "yes" if s.face else "no"
        head = f"{s.state}: {s.message}" if s.state == "error" else f"face {face}"
        mic = f" | mic {s.voice.get('state')}" if s.voice.get("enabled") else ""
        return (f"[vtbridge] {s.fps:5.1f} fps, {s.latency_ms:.1f} ms frame->send, {s.source_dropped} dropped | {head} "
                f"| profile {s.profile} | {outs}{mic}")

    def profile_names(self) -> tuple[str, ...]:
        """Shipped + user profile names, re-listed from disk at most every 2 s."""
        at, names = self._profile_names
        if time.monotonic() - at > 2.0:
            try:
                names = tuple(p.name for p in list_profiles())
            except (VtbridgeError, OSError):
                pass
            self._profile_names = (time.monotonic(), names)
        return names
