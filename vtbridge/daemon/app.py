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
from dataclasses import dataclass

from vtbridge.daemon import config as cfg
from vtbridge.daemon.control import Command
from vtbridge.daemon.pipeline import Binding, Pipeline, PipelineOptions
from vtbridge.errors import VtbridgeError
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
    from vtbridge.daemon.vcam import VcamBinding
    from vtbridge.outputs.udp import ifm_output, vmc_output

    o = config.outputs

    def make_vts():
        from vtbridge.mapping.profile import load_profile
        from vtbridge.outputs.vts_client import VtsOutput

        # custom parameters get the range the profile clamps them to (default: the value nearest 0)
        ranges = {name: (lo, hi, min(max(0.0, lo), hi))
                  for name, (lo, hi) in load_profile(vts_profile).output_ranges().items()}
        return VtsOutput(o.vts.url, rate=o.vts.rate, mode=o.vts.mode, custom_ranges=ranges)

    return [
        Binding("vmc", config.profile, o.vmc.enabled, factory=lambda: vmc_output(list(o.vmc.targets)),
                follows_main=True),
        Binding("ifm", "ifacialmocap", o.ifm.enabled,
                factory=lambda: ifm_output(list(o.ifm.targets), o.ifm.version, name="ifm")),
        Binding("vts", vts_profile, o.vts.enabled, factory=make_vts),
        VcamBinding(o.vcam, config.profile),  # fed with the camera picture and the face, not the mapped values
    ]


def persist(cmd: Command) -> None:
    """Remember what the user chose in the tray or dashboard (atomic write, previous file kept as .bak)."""
    try:
        if cmd.kind == "set_profile":
            cfg.set_value("profile", str(cmd.arg))
        elif cmd.kind == "set_output":
            name, enabled = cmd.arg
            if name in OUTPUT_NAMES:
                cfg.set_value(f"outputs.{name}.enabled", bool(enabled))
        elif cmd.kind == "set_camera":
            cfg.set_value("source", str(cmd.arg))
        elif cmd.kind == "set_vcam":
            for key, value in dict(cmd.arg).items():
                cfg.set_value(f"outputs.vcam.{key}", value)
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
    dashboard = tray = None
    try:
        bindings = build_bindings(config, options.vts_profile)
        cam = config.camera
        pipeline_options = PipelineOptions(
            source=config.source, loop=options.loop, mirror=config.mirror, filter=cfg.filter_config(config),
            duration=options.duration, status_interval=options.status_interval,
            camera=CameraRequest(width=cam.width or None, height=cam.height or None, fps=cam.fps or None))
        pipeline = Pipeline(pipeline_options, bindings, main_profile=config.profile, printer=_say, on_change=persist)
        pipeline.cameras = _camera_names()
        _reconcile_settings(config)
        url = None
        if config.dashboard.enabled:
            dashboard, url = _start_dashboard(pipeline, config.dashboard.port)
            lock.set_dashboard_url(url)
        enabled = ", ".join(f"{b.name} ({b.profile})" for b in bindings if b.enabled) or "none"
        _say(f"vtbridge running: source {config.source} -> {enabled}; log {log_path}; Ctrl+C to stop")
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
        lock.release()
        close_logging()


def _reconcile_settings(config: cfg.Config) -> None:
    """Settings that live outside the pipeline: the OS autostart entry follows ``autostart`` (so `vtbridge config
    set autostart true` takes effect at the next start)."""
    from vtbridge.daemon import autostart

    try:
        if autostart.is_enabled() != config.autostart:
            autostart.set_enabled(config.autostart)
    except OSError as err:
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
