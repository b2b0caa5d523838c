"""``vtbridge render``: the virtual camera's picture from any source, to a file (every frame, offline) or to the
virtual camera (real time, latest frame).

  vtbridge render SOURCE (--out OUT.mp4 | --vcam) [--mode passthrough] [--blur N | --background IMG|COLOR]
                  [--frame auto] [--light auto] [--touch-up N] [--size WxH] [--fps N]

Bad input (a background that is not an image, a size that is not WxH, no virtual camera) is one line and exit 1.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from vtbridge.errors import ConfigError, SourceError
from vtbridge.render import describe, modes
from vtbridge.render.settings import PRECISIONS, PROVIDERS, RenderSettings, parse_size, validate

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


def add_render_flags(p, *, defaults: bool = True) -> None:
    """The render flags, shared by ``vtbridge render`` and ``vtbridge bench --vcam``. ``defaults=False`` leaves
    every flag at None so callers can tell which ones the user gave."""
    d = RenderSettings() if defaults else None
    p.add_argument("--mode", choices=modes(), default=d and d.mode,
                   help="what to render: " + "; ".join(f"{m}: {describe(m)}" for m in modes()))
    bg = p.add_mutually_exclusive_group()
    bg.add_argument("--blur", type=int, default=d and d.blur, metavar="N",
                    help="blur the background, strength 1-100 (0: off)")
    bg.add_argument("--background", default=d and d.background, metavar="IMG|COLOR",
                    help="replace the background with a picture (scaled to cover) or a colour: green, #00b140, "
                         "0,177,64")
    p.add_argument("--frame", choices=("auto", "off"), default=d and d.frame,
                   help="auto: keep the face centred and well sized (auto-framing)")
    p.add_argument("--light", choices=("auto", "off"), default=d and d.light,
                   help="auto: lift a dim picture (gamma, plus local contrast when very dark)")
    p.add_argument("--touch-up", type=int, default=d and d.touch_up, metavar="N",
                   help="smooth the skin, strength 1-100 (never eyes, brows or lips)")
    p.add_argument("--size", default=f"{d.width}x{d.height}" if d else None, metavar="WxH",
                   help="output size (default 1280x720; the picture is letterboxed, never stretched)")
    p.add_argument("--fps", type=float, default=None, metavar="N",
                   help="output frames per second (default 30; with --out, the source's own rate)")
    p.add_argument("--portrait", default=d and d.portrait, metavar="IMG",
                   help="reenact: the picture that moves with your face (photo, painting, statue, cartoon)")
    p.add_argument("--engine", choices=("warp", "f2f"), default=d and d.engine,
                   help="reenact: warp (built in, default) or f2f (Face2FaceRHO, after vtbridge models convert-f2f)")
    p.add_argument("--style", default=d and d.style, metavar="NAME|INDEX|MODEL.onnx",
                   help="stylize: a style name (oil, mosaic, sketch, ...), an index 0-25, a blend such as 3:0.5,12:0.5, "
                        "cartoon (no model), or your own image-to-image .onnx model (default: oil)")
    p.add_argument("--style-region", choices=("frame", "face", "person"), default=d and d.style_region,
                   help="stylize: paint the whole frame (default), only the face, or only the person")
    p.add_argument("--character", default=d and d.character, metavar="CHAR.png",
                   help="anime: the character picture (512x512 RGBA; make one with `vtbridge anime prepare`)")
    p.add_argument("--provider", choices=PROVIDERS, default=d and d.provider,
                   help="where models run: auto (DirectML on Windows, CUDA, CoreML, then OpenVINO for f2f when "
                        "installed, then the CPU), dml, cuda, coreml, cpu, or openvino (f2f only)")
    p.add_argument("--precision", choices=PRECISIONS, default=d and d.precision,
                   help="f2f: auto (fp16 on a GPU, bf16 decoder on OpenVINO when measured visually lossless, else "
                        "fp32), fp32, fp16, bf16, or int8 (CPU, lossy)")
    p.add_argument("--mirror", action="store_true", default=None, help="mirror the output (left-right)")
    p.add_argument("--flip", action="store_true", default=None, help="turn the output upside down")


def settings_from_args(args, base: RenderSettings = RenderSettings()) -> RenderSettings:
    """The flags the user gave, over ``base``; validated (one-line ConfigError)."""
    changes = {}
    for name in ("mode", "blur", "background", "frame", "light", "touch_up", "mirror", "flip", "portrait", "engine",
                 "style", "style_region", "character", "provider", "precision"):
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = value
    if getattr(args, "size", None):
        changes["width"], changes["height"] = parse_size(args.size)
    if getattr(args, "fps", None) is not None:
        changes["fps"] = float(args.fps)
    settings = validate(replace(base, **changes))
    if settings.background:
        from vtbridge.render.meeting.background import load_background

        load_background(settings.background)  # a bad file or colour: one line now, before any work
    return settings


def register(subparsers) -> None:
    r = subparsers.add_parser(
        "render", help="render the virtual-camera picture (background blur/replacement, framing, light)",
        description="Render what the virtual camera shows. With --out every input frame is rendered to a video "
                    "file (offline, with a progress bar); with --vcam the latest frame is rendered in real time "
                    "to the virtual camera (OBS Virtual Camera / v4l2loopback) for Zoom, Teams or OBS.")
    r.add_argument("source", help="camera index (0), camera:NAME, a video file or an image")
    dest = r.add_mutually_exclusive_group(required=True)
    dest.add_argument("--out", metavar="OUT.mp4", help="write every rendered frame to this video file")
    dest.add_argument("--vcam", action="store_true", help="send to the virtual camera in real time")
    add_render_flags(r)
    r.add_argument("--backend", default="auto", choices=("auto", "obs", "unitycapture", "v4l2loopback"),
                   help="virtual camera backend (default: the first that works)")
    r.add_argument("--device", default="", help="virtual camera device, e.g. /dev/video10 (default: any free one)")
    r.add_argument("--duration", type=float, default=None, metavar="S",
                   help="stop after S seconds (of the source's time with --out)")
    r.add_argument("--quiet", action="store_true", help="no progress bar or status lines")
    r.add_argument("--report", action="store_true",
                   help="with --out: re-track the rendered video and print how well it follows the driver (APD, "
                        "AED, next to a still portrait's) and the render speed")
    r.add_argument("--strip", metavar="STRIP.png", default=None,
                   help="with --out: save driver frames above the rendered frames at the same moments")
    r.set_defaults(func=cmd_render)


def cmd_render(args) -> int:
    settings = settings_from_args(args)
    if (args.report or args.strip) and not args.out:
        raise ConfigError("--report and --strip measure a rendered file: use them with --out OUT.mp4")
    if args.out:
        return render_file(args.source, Path(args.out), settings, explicit_fps=args.fps is not None,
                           progress=not args.quiet, duration=args.duration, report=args.report,
                           strip=Path(args.strip) if args.strip else None)
    return render_live(args.source, settings, backend=args.backend, device=args.device, duration=args.duration,
                       quiet=args.quiet)


def render_file(spec: str, out: Path, settings: RenderSettings, *, explicit_fps: bool = False,
                progress: bool = True, duration: float | None = None, report: bool = False,
                strip: Path | None = None) -> int:
    """Every frame of ``spec`` tracked and rendered into ``out`` (a video, or a picture for an image source)."""
    from vtbridge.outputs.vcam_sinks import FileSink
    from vtbridge.progress import Progress
    from vtbridge.render import make_renderer
    from vtbridge.sources import open_source
    from vtbridge.tracking.landmarker import Tracker

    source = open_source(spec)
    as_picture = out.suffix.lower() in IMAGE_SUFFIXES
    if as_picture and source.frame_count != 1:
        source.close()
        raise ConfigError(f"--out {str(out)!r} is a picture but {spec!r} is a video; use a .mp4 output")
    if not explicit_fps and source.fps:
        settings = replace(settings, fps=float(source.fps))
    sink = None if as_picture else FileSink(out)
    renderer = make_renderer(settings, live=False)  # a file gets every frame rendered in full
    total = source.frame_count
    if duration is not None and total and source.fps:
        total = min(total, int(duration * source.fps + 0.999))
    bar = Progress(total, "render", enabled=progress)
    collector = None
    if report or strip:
        from vtbridge.render.report import ReportCollector

        collector = ReportCollector(total, fps=settings.fps)
    n, first_t = 0, 0.0
    drawn_by = _drawn_by(renderer)
    try:
        if sink is not None:
            sink.open(settings.width, settings.height, settings.fps)
        with Tracker() as tracker:
            while True:
                frame = source.read()
                if frame is None or duration is not None and n and frame.t - first_t >= duration:
                    break
                if n == 0:
                    first_t = frame.t
                face = tracker.process(frame)
                t0 = time.perf_counter()
                image = renderer.render(frame, face)
                if collector is not None:
                    collector.add(frame.image, face, image, time.perf_counter() - t0)
                if sink is not None:
                    sink.send(image)
                n += 1
                bar.update()
        if as_picture and n:
            import cv2

            if not cv2.imwrite(str(out), image):
                raise ConfigError(f"--out {str(out)!r} cannot be written; check the folder and the suffix")
    finally:
        bar.close()
        source.close()
        renderer.close()
        if sink is not None:
            sink.close()
    if n == 0:
        raise SourceError(f"source {spec!r} produced no frames to render")
    print(f"{n} frames rendered ({settings.summary()}{drawn_by}) -> {out}", file=sys.stderr)
    if collector is not None:
        _finish_report(collector, renderer, report, strip)
    return 0


def _finish_report(collector, renderer, report: bool, strip: Path | None) -> None:
    portrait = getattr(getattr(renderer, "reenactor", None), "portrait", None)
    result = collector.finish(static=getattr(portrait, "face", None))
    if report:
        for line in result.lines():
            print(line)
        print(result.to_json())
    if strip is not None:
        import cv2

        if not cv2.imwrite(str(strip), collector.strip()):
            raise ConfigError(f"--strip {str(strip)!r} cannot be written; check the folder and use .png or .jpg")


def render_live(spec: str, settings: RenderSettings, *, backend: str = "auto", device: str = "",
                duration: float | None = None, quiet: bool = False, sinks=None) -> int:
    """Track ``spec`` in real time and feed the virtual camera with the latest rendered frame until Ctrl+C."""
    from vtbridge.outputs.vcam import VcamOutput
    from vtbridge.outputs.vcam_sinks import VirtualCameraSink
    from vtbridge.sources import open_source
    from vtbridge.tracking.landmarker import Tracker

    if sinks is None:
        sinks = [VirtualCameraSink(backend, device)]
    output = VcamOutput(settings, sinks, open_now=True)  # no driver: the hint, exit 1
    source = None
    frames = 0
    try:
        source = open_source(spec, realtime=True, loop=True, image_fps=settings.fps)
        drawn_by = output.status().detail.get("renderer")
        print(f"virtual camera: {settings.summary()}{'; ' + drawn_by if drawn_by else ''} -> "
              f"{', '.join(s.description for s in sinks)}; Ctrl+C to stop", file=sys.stderr)
        t0 = next_status = time.monotonic()
        with Tracker() as tracker:
            while duration is None or time.monotonic() - t0 < duration:
                try:
                    frame = source.read(timeout=0.5)
                except TimeoutError:
                    continue
                if frame is None:
                    break
                output.send_frame(frame, tracker.process(frame))
                frames += 1
                if not quiet and time.monotonic() >= next_status:
                    next_status = time.monotonic() + 3.0
                    print(status_line(output, frames / max(1e-6, time.monotonic() - t0), source), file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        if source is not None:
            source.close()
        output.close()
    if not quiet:
        print(f"stopped: {frames} frames tracked, {output.sent} sent, {output.dropped} dropped", file=sys.stderr)
    return 0


def _drawn_by(renderer) -> str:
    """"; <what draws the picture>" for renderers that run models (provider, precision), else ""."""
    line = getattr(renderer, "status_line", None)
    return f"; {line()}" if callable(line) else ""


def status_line(output, tracking_fps: float, source=None) -> str:
    st = output.status()
    d = st.detail
    src_drops = getattr(source, "dropped", 0)
    line = (f"[vcam] {d['fps']:5.1f} fps out, tracking {tracking_fps:5.1f} fps | dropped: render {d['dropped']}, "
            f"source {src_drops} | render {d['render_ms']:.1f} ms")
    return line + (f" | {st.last_error}" if st.last_error else "")
