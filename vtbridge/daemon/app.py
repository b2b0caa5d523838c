"""Assembles the daemon from a validated Config: logs, single-instance lock, outputs, pipeline, dashboard, tray.

This is the one place that knows about everything (with ``cli.py``). It decides what runs on which thread: the
pipeline on the main thread (the tray on its own), except on macOS where the tray must own the main thread. Every
part is started so that its failure is reported and the rest keeps running: no dashboard on a busy port still
tracks, no display still tracks, a failing output still tracks.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from dataclasses import dataclass, replace

from vtbridge.daemon import config as cfg
from vtbridge.daemon.pipeline import Binding, Pipeline, PipelineOptions
from vtbridge.daemon.persist import ChoiceSaver
from vtbridge.daemon.profile_choice import usable_profile
from vtbridge.daemon.vcam import VcamBinding
from vtbridge.errors import ConfigError, VtbridgeError
from vtbridge.sources.camera import CameraRequest

log = logging.getLogger("vtbridge.app")

#: Output slots by name; each name is also its config section under ``outputs`` and its id in the tray/dashboard.
OUTPUT_NAMES = ("vmc", "ifm", "vts", "vcam")


@dataclass(frozen=True)
class AppOptions:
    duration: float | None = None
    loop: bool = True
    status_interval: float = 3.0
    vts_profile: str = "vtube-studio"
    verbose: bool = False


def _say(line: str) -> None:
    print(line, flush=True)
    log.info(line)


def build_bindings(config: cfg.Config, vts_profile: str) -> list[Binding]:
    """Every output the tray can toggle. UDP senders are cheap and made now; the VTube Studio client connects (and
    may ask the user for approval), so it is only made once it is enabled."""
    from vtbridge.outputs.udp import ifm_output, vmc_output
    from vtbridge.protocols.vts_offsets import neutral_values

    o = config.outputs

    def make_vts():
        from vtbridge.mapping.profile import load_profile
        from vtbridge.outputs.vts_client import VtsOutput

        # custom parameters get the range the profile clamps them to (default: the value nearest 0)
        ranges = {name: (lo, hi, min(max(0.0, lo), hi))
                  for name, (lo, hi) in load_profile(vts_profile).output_ranges().items()}
        neutral = neutral_values(load_profile(vts_profile)) if o.vts.mode == "add" else None
        return VtsOutput(o.vts.url, rate=o.vts.rate, mode=o.vts.mode, custom_ranges=ranges, neutral=neutral)

    def make_vmc():
        return vmc_output(list(o.vmc.targets), eye_limit=o.vmc.eye_limit, eye_range=o.vmc.eye_range)

    def make_ifm():
        return ifm_output(list(o.ifm.targets), o.ifm.version, name="ifm", listen=o.ifm.listen, log=_say)

    return [
        Binding("vmc", config.profile, o.vmc.enabled, factory=make_vmc, follows_main=True, view=o.vmc.view),
        Binding("ifm", "ifacialmocap", o.ifm.enabled, factory=make_ifm, view=o.ifm.view),
        Binding("vts", vts_profile, o.vts.enabled, factory=make_vts, view=o.vts.view),
        VcamBinding(o.vcam, config.profile),  # fed with the camera picture and the face, not the mapped values
    ]


def save_choices(changes: dict) -> None:
    """Remember what the user chose in the tray or dashboard (atomic write, previous file kept as .bak). Runs on
    the ``ChoiceSaver`` thread, never on the tracking thread."""
    try:
        cfg.set_values(changes)
    except ConfigError:  # one value the file cannot take (a bad camera string): keep the others
        for key, value in changes.items():
            try:
                cfg.set_value(key, value)
            except (VtbridgeError, OSError) as err:
                _say(f"could not save {key} ({err}); it applies to this run only")
    except (VtbridgeError, OSError) as err:  # disk full, read-only folder, a file locked by another program
        _say(f"could not save the setting ({err}); it applies to this run only")


def _camera_names() -> tuple[str, ...]:
    from vtbridge.sources.devices import list_cameras

    try:
        cams = list_cameras()
    except Exception as exc:  # listing is a convenience; never a reason not to start
        log.info("camera listing failed: %s", exc)
        return ()
    names = [c.name for c in cams]
    # source specs the pipeline can open, readable in the menu; an index where two cameras share a name
    return tuple(f"camera:{c.name}" if names.count(c.name) == 1 else str(c.index) for c in cams)


def run_app(config: cfg.Config, options: AppOptions = AppOptions()) -> int:
    from vtbridge.daemon.instance import InstanceLock
    from vtbridge.daemon.logs import close_logging, setup_logging

    log_path = setup_logging(options.verbose)
    lock = InstanceLock()
    lock.acquire()  # AlreadyRunning: "vtbridge is already running (pid N); its dashboard is at URL"
    bindings: list[Binding] = []
    dashboard = tray = voice = None
    saver = ChoiceSaver(save_choices, report=_say)  # choices are saved off the tracking thread
    try:
        # a configured profile that is missing or broken falls back to the shipped one: the daemon always starts
        config = replace(config, profile=usable_profile(config.profile, _say))
        bindings = build_bindings(config, usable_profile(options.vts_profile, _say, default="vtube-studio"))
        for b in bindings:
            b.profile = usable_profile(b.profile, _say)
            if getattr(b, "problem", None):
                _say(f"virtual camera: {b.problem}")
        cam = config.camera
        pipeline_options = PipelineOptions(
            source=config.source, loop=options.loop, flip_input=config.flip_input, view=config.view,
            filter=cfg.filter_config(config),
            duration=options.duration, status_interval=options.status_interval,
            camera=CameraRequest(width=cam.width or None, height=cam.height or None, fps=cam.fps or None))
        from vtbridge.daemon.voice_control import build_voice

        voice = build_voice(config.audio, _say, loop=options.loop)
        pipeline = Pipeline(pipeline_options, bindings, main_profile=config.profile, printer=_say,
                            on_change=saver.submit, voice=voice)
        pipeline.cameras = _camera_names()
        _reconcile_settings(config)
        url = None
        if config.dashboard.enabled:
            dashboard, url = _start_dashboard(pipeline, config.dashboard.port)
            lock.set_dashboard_url(url)
        enabled = ", ".join(f"{b.name} ({b.profile}, {pipeline.view_of(b)} view)" for b in bindings if b.enabled) \
            or "none"
        mic = f" + microphone {config.audio.source}" if config.audio.enabled else ""
        _say(f"vtbridge running: source {config.source}{mic} -> {enabled}; log {log_path}; Ctrl+C to stop")
        if config.tray:
            tray = _make_tray(pipeline, url)
        _install_signal_handlers(pipeline)
        if tray is not None and sys.platform == "darwin":  # AppKit wants the tray on the main thread
            def track_then_close_tray():
                try:
                    pipeline.run()
                finally:
                    tray.stop(timeout=1.0)  # ends tray.run() below, whatever stopped the pipeline

            worker = threading.Thread(target=track_then_close_tray, name="vtbridge-pipeline")
            worker.start()
            tray.run()
            pipeline.stop()
            worker.join()
        else:
            if tray is not None:
                tray.start()
            pipeline.run()
        live = pipeline.live
        _say(pipeline.status_line())
        _say(f"stopped after {live.frames} frames ({live.faces} with a face)")
        return 0
    finally:
        if tray is not None:
            tray.stop(timeout=1.0)
        if dashboard is not None:
            dashboard.stop()
        for b in bindings:
            b.close()
        saver.close()  # the last choice reaches the file before the lock is released
        if voice is not None:
            voice.close()
        lock.release()
        close_logging()


def _reconcile_settings(config: cfg.Config) -> None:
    """Settings that live outside the pipeline: the OS autostart entry follows ``autostart`` (so `vtbridge config
    set autostart true` takes effect at the next start)."""
    from vtbridge.daemon import autostart

    try:  # the installer, install-desktop or the user may have changed the entry since: see autostart.settle
        autostart.sync_at_start(config.autostart, lambda on: cfg.set_value("autostart", on))
    except (OSError, VtbridgeError) as err:
        _say(f"could not {'add' if config.autostart else 'remove'} the start-with-system entry: {err}")


def _start_dashboard(pipeline: Pipeline, port: int):
    from vtbridge.daemon.dashboard.server import Dashboard

    dashboard = Dashboard(pipeline, port=port)
    try:
        url = dashboard.start()
    except VtbridgeError as err:  # a busy port: say which and which key; tracking goes on without it
        _say(f"dashboard not started: {err}")
        return None, None
    print(f"dashboard: {url}", flush=True)
    log.info("dashboard: %s?token=(printed on the console and kept in the instance file)", url.split("?")[0])
    return dashboard, url


def _make_tray(pipeline: Pipeline, url: str | None):
    from vtbridge.daemon import autostart
    from vtbridge.daemon.tray import TrayApp

    def set_autostart(on: bool) -> bool:
        ok = autostart.set_enabled(on)
        try:
            cfg.set_value("autostart", bool(on))
        except VtbridgeError as err:
            _say(f"could not save autostart ({err})")
        return ok

    return TrayApp(pipeline, url, on_quit=pipeline.stop, set_autostart=set_autostart)


def _install_signal_handlers(pipeline: Pipeline) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, _frame):
        pipeline.stop()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP"):  # SIGHUP: the session (logout) ends
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
