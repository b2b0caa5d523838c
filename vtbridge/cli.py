"""The ``vtbridge`` command: parse arguments, call the part that does the work, print the result.

User errors (``VtbridgeError``) become one line on stderr and exit status 1; nothing a user can cause prints a
traceback (``--debug`` shows it for bug reports).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from vtbridge import __version__
from vtbridge.errors import VtbridgeError


def _quiet_native_logs() -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    os.environ.setdefault("OPENCV_VIDEOIO_DEBUG", "0")


def cmd_track(args) -> int:
    from vtbridge.signal.calibration import NO_CALIBRATION, load_calibration
    from vtbridge.sources import open_source
    from vtbridge.track import track
    from vtbridge.errors import SourceError

    source = open_source(args.source)
    cal = NO_CALIBRATION if args.no_calibration else load_calibration(source.name)
    summary = track(source, Path(args.out), preview=Path(args.preview) if args.preview else None,
                    use_filter=not args.no_filter, mirror=args.flip_input, calibration=cal, progress=not args.quiet)
    pct = 100.0 * summary.faces / summary.frames
    print(f"{summary.frames} frames, face found in {summary.faces} ({pct:.1f}%) -> {args.out}"
          + (f", preview {args.preview}" if args.preview else ""), file=sys.stderr)
    if summary.faces == 0:
        if source.frame_count == 1:
            raise SourceError(f"no face found in image {args.source!r}; use a photo where one face is clearly "
                              f"visible, roughly frontal and well lit")
        print(f"warning: no face found in any frame of {args.source!r}", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    from vtbridge.bench import format_table, run_bench

    voice = args.voice not in (None, "synthetic")
    vcam = None
    if args.vcam:
        from vtbridge.render_command import settings_from_args

        vcam = settings_from_args(args)
    report = run_bench(args.source, frames=args.frames, profile=args.profile, progress=not args.json,
                       mic=args.voice if voice else None, voice=args.voice is not None, vcam=vcam)
    print(json.dumps(report) if args.json else format_table(report, args.source))
    return 0


def cmd_cameras(args) -> int:
    from vtbridge.sources.devices import list_cameras

    cams = list_cameras()
    if args.json:
        print(json.dumps([{"index": c.index, "name": c.name, "path": c.path, "modes": list(c.modes)} for c in cams]))
        return 0
    if not cams:
        print("no cameras found (plug one in, or use a video file: vtbridge run --demo)")
        return 0
    for c in cams:
        print(f"{c.index}: {c.name}" + (f" ({c.path})" if c.path else ""))
        for mode in c.modes:
            print(f"    {mode}")
    return 0


def cmd_calibrate(args) -> int:
    from vtbridge.calibrate import calibrate_source

    from vtbridge.daemon import config as cfg

    flip = args.flip_input or cfg.load().flip_input  # calibrate the way the daemon will track
    path, cal = calibrate_source(args.source, duration=args.duration, mirror=flip)
    print(f"calibrated {cal.source} from {cal.samples} frames -> {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vtbridge", description="Webcam face capture for VTubers and virtual webcams.")
    p.add_argument("--version", action="version", version=f"vtbridge {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("track", help="track a camera/video/image into a JSON-lines file")
    t.add_argument("source", help="camera index (0), camera:NAME, a video file or an image")
    t.add_argument("--out", required=True, help="output .jsonl file (one JSON object per frame)")
    t.add_argument("--preview", help="also write an annotated video (landmarks, head axes, blendshape bars)")
    t.add_argument("--no-filter", action="store_true", help="raw tracker values (no One Euro smoothing)")
    t.add_argument("--flip-input", "--mirror", dest="flip_input", action="store_true",
                   help="flip the picture horizontally before tracking (a camera that delivers a mirrored image)")
    t.add_argument("--no-calibration", action="store_true", help="ignore the stored neutral-face calibration")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=cmd_track)

    b = sub.add_parser("bench", help="per-stage timings on a video file, as ratios to raw MediaPipe inference")
    b.add_argument("source", help="a video file (or camera index)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.add_argument("--frames", type=int, default=None, help="stop after N frames")
    b.add_argument("--profile", default="vseeface", help="mapping profile for the map/send stages")
    b.add_argument("--voice", nargs="?", const="synthetic", default=None, metavar="FILE.wav",
                   help="also time the microphone path (audio frame -> next packet) on this WAV, or a synthetic "
                        "voice; adds a \"voice\" object to --json")
    b.add_argument("--vcam", action="store_true", help="also time the virtual camera's render path (segment, "
                                                        "composite, effects, sink) with the render flags below")
    from vtbridge.render_command import add_render_flags

    add_render_flags(b)
    b.set_defaults(func=cmd_bench)

    c = sub.add_parser("cameras", help="list cameras and their modes")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_cameras)

    k = sub.add_parser("calibrate", help="capture your neutral face (~2 s) for a camera or file")
    k.add_argument("source", nargs="?", default="0")
    k.add_argument("--duration", type=float, default=2.0)
    k.add_argument("--flip-input", "--mirror", dest="flip_input", action="store_true",
                   help="flip the picture before tracking (default: the config's `flip_input`)")
    k.set_defaults(func=cmd_calibrate)

    for module in ("vtbridge.run_command", "vtbridge.mapping.commands", "vtbridge.daemon.config_commands",
                   "vtbridge.voice_command", "vtbridge.render_command", "vtbridge.daemon.desktop_entry",
                   "vtbridge.anime_commands", "vtbridge.f2f_commands"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError:
            continue
        mod.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    _quiet_native_logs()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except VtbridgeError as exc:
        if args.debug:
            raise
        print(f"vtbridge: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a path the user gave cannot be written/read: say which, no traceback
        if args.debug:
            raise
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"vtbridge: error: {exc.strerror or exc}{where}; check the path and its permissions", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
