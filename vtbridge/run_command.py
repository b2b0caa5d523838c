"""``vtbridge run``: build the outputs the user asked for, start the pipeline, stop cleanly on SIGINT/SIGTERM.

``--demo`` plays the vendored sample clip in real time (looping), so a machine with no camera still shows the whole
thing working: real tracking, real UDP packets to VSeeFace/VNyan's default ports.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from vtbridge.errors import ConfigError, VtbridgeError

_HERE = Path(__file__).resolve().parent
#: The vendored sample clip: in the source tree, or inside the wheel (see setup.py).
DEMO_CLIP = next((p for p in (_HERE.parent / "tests" / "data" / "drive_d20.mp4", _HERE / "_data" / "sample" /
                              "drive_d20.mp4") if p.exists()), _HERE.parent / "tests" / "data" / "drive_d20.mp4")


def register(subparsers) -> None:
    r = subparsers.add_parser("run", help="run the tracking pipeline and send to avatar software",
                              description="Track a camera (or a file) and send to VMC / iFacialMocap / VTube Studio.")
    src = r.add_mutually_exclusive_group()
    src.add_argument("--source", help="camera index (0), camera:NAME, a video file or an image (default: 0)")
    src.add_argument("--demo", action="store_true", help="use the bundled sample clip instead of a camera")
    r.add_argument("--profile", default=None, help="mapping profile for VMC (default: vseeface)")
    r.add_argument("--vmc", nargs="?", action="append", const="127.0.0.1:39539", metavar="HOST:PORT",
                   help="send VMC protocol (VSeeFace/VNyan/Warudo); repeat for several targets "
                        "(default target 127.0.0.1:39539)")
    r.add_argument("--ifm", nargs="?", action="append", const="127.0.0.1:49983", metavar="HOST:PORT",
                   help="send iFacialMocap UDP text (default target 127.0.0.1:49983)")
    r.add_argument("--ifm-version", type=int, choices=(1, 2), default=1, help="iFacialMocap format version")
    r.add_argument("--vts", nargs="?", const="ws://localhost:8001", metavar="URL",
                   help="drive VTube Studio through its plugin API (default ws://localhost:8001)")
    r.add_argument("--vts-profile", default="vtube-studio", help="mapping profile for VTube Studio")
    r.add_argument("--vts-rate", type=float, default=60.0, help="max VTube Studio injections per second")
    r.add_argument("--vts-mode", choices=("set", "add"), default="set")
    r.add_argument("--mirror", action="store_true", help="mirror the camera image (selfie view)")
    r.add_argument("--no-filter", action="store_true", help="no One Euro smoothing")
    r.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    r.add_argument("--no-loop", action="store_true", help="stop at the end of a video file")
    r.add_argument("--status-interval", type=float, default=3.0, metavar="S", help="status line every S seconds")
    r.add_argument("--no-tray", action="store_true", help="headless: no tray icon")
    r.set_defaults(func=cmd_run)


def _source_spec(args) -> str:
    if args.demo:
        if not DEMO_CLIP.exists():
            raise ConfigError(f"--demo needs the sample clip {DEMO_CLIP}; run vtbridge from its source checkout "
                              f"(pip install -e .) or pass --source FILE")
        return str(DEMO_CLIP)
    return args.source or "0"


def build_bindings(args, main_profile: str):
    """The outputs asked for on the command line, each bound to the profile that names its parameters."""
    from vtbridge.daemon.pipeline import Binding
    from vtbridge.outputs.udp import ifm_output, vmc_output

    bindings = []
    if args.vmc:
        bindings.append(Binding(vmc_output(args.vmc), main_profile))
    if args.ifm:
        bindings.append(Binding(ifm_output(args.ifm, args.ifm_version), "ifacialmocap"))
    if args.vts:
        from vtbridge.mapping.profile import load_profile
        from vtbridge.outputs.vts_client import VtsOutput

        # custom parameters get the range the profile clamps them to (default: the value nearest 0)
        ranges = {name: (lo, hi, min(max(0.0, lo), hi))
                  for name, (lo, hi) in load_profile(args.vts_profile).output_ranges().items()}
        bindings.append(Binding(VtsOutput(args.vts, rate=args.vts_rate, mode=args.vts_mode, custom_ranges=ranges),
                                args.vts_profile))
    return bindings


def cmd_run(args) -> int:
    from vtbridge.daemon.pipeline import Pipeline, PipelineOptions
    from vtbridge.signal.smoothing import FilterConfig

    spec = _source_spec(args)
    if not (args.vmc or args.ifm or args.vts):
        args.vmc = ["127.0.0.1:39539"]  # the most common setup: VSeeFace/VNyan on this PC
    main_profile = args.profile or "vseeface"
    bindings = build_bindings(args, main_profile)
    options = PipelineOptions(source=spec, loop=not args.no_loop, mirror=args.mirror,
                              filter=FilterConfig(enabled=not args.no_filter), duration=args.duration,
                              status_interval=args.status_interval)
    try:
        pipeline = Pipeline(options, bindings, main_profile=main_profile, printer=_print)
    except VtbridgeError:
        _close_all(bindings)
        raise
    targets = ", ".join(f"{b.output.name} ({b.profile})" for b in bindings)
    _print(f"vtbridge running: source {spec} -> {targets}; Ctrl+C to stop")
    _install_signal_handlers(pipeline)
    try:
        live = pipeline.run()
    finally:
        _close_all(bindings)
    _print(pipeline.status_line())
    _print(f"stopped after {live.frames} frames ({live.faces} with a face)")
    return 0


def _close_all(bindings) -> None:
    for b in bindings:
        try:
            b.output.close()
        except Exception as exc:  # closing must not hide the real outcome
            _print(f"warning: closing {b.output.name}: {exc}")


def _install_signal_handlers(pipeline) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, _frame):
        pipeline.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if hasattr(signal, "SIGBREAK"):  # Ctrl+Break / console close on Windows
        signal.signal(signal.SIGBREAK, stop)


def _print(line: str) -> None:
    print(line, flush=True)
    sys.stdout.flush()
