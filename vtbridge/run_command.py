"""``vtbridge run``: the config file, overridden for this run by the flags given, handed to the daemon app.

``--demo`` plays the vendored sample clip in real time (looping), so a machine with no camera still shows the whole
thing working: real tracking, real UDP packets to VSeeFace/VNyan's default ports.
"""

from __future__ import annotations

from pathlib import Path

from vtbridge.errors import ConfigError

_HERE = Path(__file__).resolve().parent
#: The vendored sample clip: in the source tree, or inside the wheel (see setup.py).
DEMO_CLIP = next((p for p in (_HERE.parent / "tests" / "data" / "drive_d20.mp4", _HERE / "_data" / "sample" /
                              "drive_d20.mp4") if p.exists()), _HERE.parent / "tests" / "data" / "drive_d20.mp4")


def register(subparsers) -> None:
    r = subparsers.add_parser(
        "run", help="run the tracking daemon (tray, dashboard) and send to avatar software",
        description="Track a camera (or a file) and send to VMC / iFacialMocap / VTube Studio. Settings come from "
                    "the config file (`vtbridge config show`); flags override them for this run only. When any "
                    "output flag is given, exactly the flagged outputs run.")
    src = r.add_mutually_exclusive_group()
    src.add_argument("--source", help="camera index (0), camera:NAME, a video file or an image")
    src.add_argument("--demo", action="store_true", help="use the bundled sample clip instead of a camera")
    r.add_argument("--profile", default=None, help="mapping profile for VMC (config key: profile)")
    r.add_argument("--vmc", nargs="?", action="append", const="127.0.0.1:39539", metavar="HOST:PORT",
                   help="send VMC protocol (VSeeFace/VNyan/Warudo); repeat for several targets "
                        "(default target 127.0.0.1:39539)")
    r.add_argument("--ifm", nargs="?", action="append", const="127.0.0.1:49983", metavar="HOST:PORT",
                   help="send iFacialMocap UDP text (default target 127.0.0.1:49983)")
    r.add_argument("--ifm-version", type=int, choices=(1, 2), default=None, help="iFacialMocap format version")
    r.add_argument("--vts", nargs="?", const="ws://localhost:8001", metavar="URL",
                   help="drive VTube Studio through its plugin API (default ws://localhost:8001; 'auto' discovers)")
    r.add_argument("--vcam", nargs="?", const="passthrough", metavar="MODE",
                   help="also feed the virtual camera (Zoom, Teams, OBS) with MODE (default passthrough; effects "
                        "from outputs.vcam in the config, see docs/vcam.md)")
    r.add_argument("--vts-profile", default="vtube-studio", help="mapping profile for VTube Studio")
    r.add_argument("--vts-rate", type=float, default=None, help="max VTube Studio injections per second")
    r.add_argument("--vts-mode", choices=("set", "add"), default=None)
    r.add_argument("--mirror", action="store_true", default=None, help="mirror the camera image (selfie view)")
    r.add_argument("--no-filter", action="store_true", help="no One Euro smoothing")
    r.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    r.add_argument("--no-loop", action="store_true", help="stop at the end of a video file")
    r.add_argument("--status-interval", type=float, default=3.0, metavar="S", help="status line every S seconds")
    r.add_argument("--no-tray", action="store_true", help="headless: no tray icon")
    r.add_argument("--no-dashboard", action="store_true", help="do not serve the dashboard")
    r.add_argument("--dashboard-port", type=int, default=None, metavar="PORT", help="dashboard port (0: any)")
    r.add_argument("--verbose", action="store_true", help="more detail on the console")
    r.set_defaults(func=cmd_run)


def overrides_from_args(args) -> dict:
    """Dotted config keys for the flags the user actually gave."""
    o: dict = {}
    if args.demo:
        if not DEMO_CLIP.exists():
            raise ConfigError(f"--demo needs the sample clip {DEMO_CLIP}; reinstall vtbridge or pass --source FILE")
        o["source"] = str(DEMO_CLIP)
    elif args.source is not None:
        o["source"] = args.source
    if args.profile is not None:
        o["profile"] = args.profile
    vcam = getattr(args, "vcam", None)
    if args.vmc or args.ifm or args.vts or vcam:  # the command line says exactly what to send
        o["outputs.vmc.enabled"] = bool(args.vmc)
        o["outputs.ifm.enabled"] = bool(args.ifm)
        o["outputs.vts.enabled"] = bool(args.vts)
        o["outputs.vcam.enabled"] = bool(vcam)
    if vcam:
        o["outputs.vcam.mode"] = vcam
    if args.vmc:
        o["outputs.vmc.targets"] = list(args.vmc)
    if args.ifm:
        o["outputs.ifm.targets"] = list(args.ifm)
    if args.ifm_version is not None:
        o["outputs.ifm.version"] = args.ifm_version
    if args.vts:
        o["outputs.vts.url"] = args.vts
    if args.vts_rate is not None:
        o["outputs.vts.rate"] = args.vts_rate
    if args.vts_mode is not None:
        o["outputs.vts.mode"] = args.vts_mode
    if args.mirror:
        o["mirror"] = True
    if args.no_filter:
        o["filter.enabled"] = False
    if args.no_tray:
        o["tray"] = False
    if args.no_dashboard:
        o["dashboard.enabled"] = False
    if args.dashboard_port is not None:
        o["dashboard.port"] = args.dashboard_port
    return o


def load_last_good():
    """The config file; if it is broken, say so and fall back to its backup (the last version written), else to
    the defaults: a typo in config.json must not keep the daemon from starting."""
    from vtbridge.daemon import config as cfg

    path = cfg.config_path()
    backup = path.with_name(path.name + ".bak")
    last_good = cfg.load_or_default(backup, report=lambda _: None) if backup.exists() else None
    source = f"the backup {backup}" if last_good is not None else "the defaults"
    return cfg.load_or_default(path, last_good=last_good,
                               report=lambda msg: print(f"config error: {msg}; using {source} until it is fixed",
                                                        flush=True))


def cmd_run(args) -> int:
    from vtbridge.daemon import config as cfg
    from vtbridge.daemon.app import AppOptions, run_app

    config = cfg.apply_overrides(load_last_good(), overrides_from_args(args))
    options = AppOptions(duration=args.duration, loop=not args.no_loop, status_interval=args.status_interval,
                         vts_profile=args.vts_profile, verbose=args.verbose)
    return run_app(config, options)
