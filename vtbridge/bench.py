"""``vtbridge bench``: per-stage timings of the real pipeline on a real clip, as ratios to raw MediaPipe inference.

Stages, in pipeline order (each timed with perf_counter around exactly that work):
  decode     read + decode one frame from the file (OpenCV/FFmpeg) and convert BGR -> RGB
  inference  MediaPipe Face Landmarker ``detect_for_video`` only (the reference: ratio 1.0)
  track      MediaPipe result -> FaceFrame (blendshape reorder, landmarks array, matrix -> pose, gaze)
  filter     calibration + One Euro filter + face-lost handling
  map        mapping-profile evaluation (compiled expressions)
  send       VMC datagram building + UDP send to a local receiver (and iFacialMocap text)
  render     annotated preview frame (landmarks, axes, blendshape bars), what the dashboard/preview draws
With ``--vcam`` (the virtual camera's render path, as ``vtbridge render`` would run it on the same frames):
  segment    person mask: MediaPipe Selfie Segmenter + temporal smoothing + feathered upscale
  composite  the person over the blurred or replaced background
  effects    low-light lift, touch-up, auto-framing crop, letterbox to the output size, mirror/flip
  sink       handing the picture to the virtual camera (or, where none exists, encoding it into an MP4 file)
Voice (``vtbridge.audio.probe``): the microphone path runs on its own thread beside this loop, playing a WAV in real
time (``--voice FILE.wav``, or ``--voice`` alone for a synthetic voice); reported are the analysis cost per 16 ms hop and the latency from
a finished audio frame to the packet that first carries it (a lower bound for a live camera, where the packet waits
for the next camera frame: add up to one frame interval, 33 ms at 30 fps).
Latency is decode start -> send end per frame (render runs off the tracking thread in the daemon, so it is not
included). CPU time is process CPU (all threads) per frame; RSS is the process peak.
"""

from __future__ import annotations

import socket
import sys
import time

import numpy as np

from vtbridge.annotate import annotate
from vtbridge.errors import SourceError
from vtbridge.progress import Progress
from vtbridge.signal.calibration import NO_CALIBRATION, apply_calibration
from vtbridge.signal.smoothing import FaceSmoother
from vtbridge.signal.view import DEFAULT_VIEW, apply_view
from vtbridge.sources import open_source
from vtbridge.timing import StageTimes
from vtbridge.tracking.landmarker import Tracker



def peak_rss_mb() -> float | None:
    if sys.platform == "win32":
        try:
            import ctypes
            from ctypes import wintypes

            class PMC(ctypes.Structure):
                _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD)] + [
                    (n, ctypes.c_size_t) for n in ("PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage",
                                                   "QuotaPagedPoolUsage", "QuotaPeakNonPagedPoolUsage",
                                                   "QuotaNonPagedPoolUsage", "PagefileUsage", "PeakPagefileUsage")]
            pmc = PMC()
            pmc.cb = ctypes.sizeof(PMC)
            handle = ctypes.windll.kernel32.GetCurrentProcess()
            ctypes.windll.psapi.GetProcessMemoryInfo(handle, ctypes.byref(pmc), pmc.cb)
            return pmc.PeakWorkingSetSize / 2**20
        except (OSError, AttributeError):
            return None
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50_ms": round(float(np.percentile(a, 50)), 4), "p99_ms": round(float(np.percentile(a, 99)), 4),
            "mean_ms": round(float(a.mean()), 4)}


def _optional_mapper(profile: str):
    try:
        from vtbridge.mapping.profile import load_profile
    except ImportError:
        return None
    return load_profile(profile).mapper()


def _optional_senders(port: int):
    try:
        from vtbridge.outputs.udp import ifm_output, vmc_output
    except ImportError:
        return []
    return [vmc_output([("127.0.0.1", port)]), ifm_output([("127.0.0.1", port)], 1)]


def _vcam_path(settings, clock):
    """The renderer and a sink for ``--vcam``: the real virtual camera when one opens, else an MP4 file."""
    import tempfile
    from pathlib import Path

    from vtbridge.errors import OutputError
    from vtbridge.outputs.vcam_sinks import FileSink, VirtualCameraSink
    from vtbridge.render import make_renderer

    for name in ("decode", "inference", "track", "filter", "map", "send", "render", "segment", "composite", "effects",
                 "sink"):  # report the stages in pipeline order, the virtual camera's after the tracking path
        clock.samples.setdefault(name, [])
    renderer = make_renderer(settings, clock=clock, live=False)  # every frame rendered, so stages are timed
    sink, kind = VirtualCameraSink(), "virtual camera"
    try:
        sink.open(settings.width, settings.height, settings.fps)
    except OutputError:
        folder = tempfile.mkdtemp(prefix="vtbridge-bench-")
        sink, kind = FileSink(Path(folder) / "vcam.mp4"), "mp4 file (no virtual camera on this machine)"
        sink.open(settings.width, settings.height, settings.fps)
    return renderer, sink, kind


def run_bench(spec: str, *, frames: int | None = None, profile: str = "vseeface", progress: bool = True,
              mic: str | None = None, voice: bool = False, vcam=None) -> dict:
    """``vcam``: RenderSettings to also time the virtual camera's render path (None: tracking only)."""
    source = open_source(spec)
    probe = voice_report = None
    if voice:
        from vtbridge.audio.probe import VoiceProbe

        probe = VoiceProbe(mic)
    total = min(frames, source.frame_count) if frames and source.frame_count else frames or source.frame_count
    clock = StageTimes(window=None)  # every sample, for percentiles
    latency: list[float] = []
    smoother = FaceSmoother()
    mapper = _optional_mapper(profile)
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a real receiver so sends are real UDP deliveries
    sink.bind(("127.0.0.1", 0))
    sink.setblocking(False)
    senders = _optional_senders(sink.getsockname()[1])
    renderer = vcam_sink = None
    if vcam is not None:
        renderer, vcam_sink, sink_kind = _vcam_path(vcam, clock)
    bar = Progress(total, "bench", enabled=progress)
    n = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        with Tracker() as tracker:
            while total is None or n < total:
                t_start = time.perf_counter()
                t_read = time.perf_counter()
                frame = source.read()
                if frame is None:  # end of file: not a decode sample
                    break
                rgb = tracker.prepare(frame)
                clock.record("decode", (time.perf_counter() - t_read) * 1000.0)
                with clock.time("inference"):
                    result = tracker.infer(rgb, frame.t)
                with clock.time("track"):
                    face = tracker.to_face(result, frame)
                with clock.time("filter"):
                    face = smoother.process(apply_calibration(face, NO_CALIBRATION))
                    if probe is not None:
                        face = probe.join(face)
                if mapper is not None:
                    with clock.time("map"):
                        mapped = mapper.process(apply_view(face, DEFAULT_VIEW))  # as the live pipeline does
                    with clock.time("send"):
                        for s in senders:
                            s.send(mapped)
                    if probe is not None:
                        probe.sent()
                latency.append((time.perf_counter() - t_start) * 1000.0)
                with clock.time("render"):
                    annotate(frame.image, face)
                if renderer is not None:
                    picture = renderer.render(frame, face)  # times segment, composite, effects itself
                    with clock.time("sink"):
                        vcam_sink.send(picture)
                _drain(sink)
                n += 1
                bar.update()
    finally:
        bar.close()
        source.close()
        sink.close()
        for s in senders:
            s.close()
        if probe is not None:
            voice_report = probe.report(named=mic is not None)
            probe.close()
        if renderer is not None:
            renderer.close()
            vcam_sink.close()
    if n == 0:
        raise SourceError(f"source {spec!r} produced no frames to measure")
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    inference = float(np.mean(clock.samples["inference"]))
    stages = {}
    for name, ms in clock.samples.items():
        if ms:
            stages[name] = _stats(ms) | {"ratio_to_inference": round(float(np.mean(ms)) / inference, 4)}
    rss = peak_rss_mb()
    report = {"frames": n, "fps": round(n / wall, 2), "cpu_ms_per_frame": round(cpu * 1000 / n, 3),
              "rss_mb": None if rss is None else round(rss, 1), "stages": stages,
              "latency": {k: v for k, v in _stats(latency).items() if k != "mean_ms"}}
    if voice_report is not None:
        report["voice"] = voice_report
    if vcam is not None:
        report["vcam"] = {"size": f"{vcam.width}x{vcam.height}", "effects": vcam.summary(), "sink": sink_kind}
    return report


def _drain(sock: socket.socket) -> None:
    try:
        while True:
            sock.recv(65536)
    except (BlockingIOError, OSError):
        pass


def format_table(report: dict, source: str) -> str:
    lines = [f"vtbridge bench: {source}  {report['frames']} frames  {report['fps']} fps  "
             f"cpu {report['cpu_ms_per_frame']} ms/frame  peak rss {report['rss_mb']} MB",
             f"{'stage':<10} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'x inference':>12}"]
    for name, s in report["stages"].items():
        lines.append(f"{name:<10} {s['p50_ms']:>9.3f} {s['p99_ms']:>9.3f} {s['mean_ms']:>9.3f} "
                     f"{s['ratio_to_inference']:>12.4f}")
    if "vcam" in report:
        v = report["vcam"]
        lines.insert(1, f"virtual camera: {v['effects']} -> {v['sink']}")
    lat = report["latency"]
    lines.append(f"latency (decode -> send): p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms")
    voice = report.get("voice")
    if voice:
        a = voice["analysis_per_hop"]
        line = f"voice ({voice['source']}): analysis p50 {a['p50_ms']:.3f} ms per 16 ms hop"
        if voice["to_packet"]:
            p = voice["to_packet"]
            line += f"; audio frame -> next packet p50 {p['p50_ms']:.2f} ms, p99 {p['p99_ms']:.2f} ms"
        lines.append(line)
    return "\n".join(lines)
