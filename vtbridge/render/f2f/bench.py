"""``vtbridge bench CLIP --f2f MODEL [--f2f MODEL2]``: Face2FaceRHO speed on a real clip, per converted model.

For each model the clip's faces drive a portrait (``--f2f-portrait``, else the clip's first frame with a face)
through the real renderer. Stages per frame: ``drive`` (retargeting, 72 points, pose, three landmark images),
``network`` (the driving graph), ``composite`` (blend into the output). ``fps`` is the sequential rate with one
frame in flight; ``fps_pipelined`` the throughput with two frames in flight (the renderer's ``workers: 2``).
Rows per model: onnxruntime's CPU provider with the float graph first (the reference: the plain way, one frame at
a time on every core), then what ``auto`` picks (fp16 on a GPU provider, OpenVINO with the bf16 decoder where
measured visually lossless), OpenVINO float32 when installed, and the lossy int8 graph when converted.
``x_reference`` is a row's better rate over the reference's one-frame-at-a-time rate.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from vtbridge.errors import SourceError
from vtbridge.render.f2f.model import open_model
from vtbridge.render.f2f.renderer import F2FOptions, F2FRenderer


def _faces(spec: str, frames: int | None):
    from vtbridge.sources import open_source
    from vtbridge.tracking.landmarker import Tracker

    source = open_source(spec)
    images, faces = [], []
    with Tracker() as tracker:
        while (frame := source.read()) is not None and (frames is None or len(faces) < frames):
            face = tracker.process(frame)
            if face.found:
                images.append(frame.image)
                faces.append(face)
    source.close()
    if not faces:
        raise SourceError(f"no face found in {spec!r}; use a clip with a face to benchmark Face2FaceRHO")
    return images, faces


def _ms(values: list[float]) -> float:
    return round(1000.0 * float(np.median(values)), 2)


def bench_model(folder: Path, portrait: Path, faces: list, precision: str, size=(1280, 720),
                provider: str = "auto") -> dict:
    renderer = F2FRenderer(F2FOptions(portrait=portrait, size=size, model=folder, provider=provider,
                                      precision=precision, workers=1))
    drive_t, net_t, comp_t = [], [], []
    renderer.render(None, faces[0])  # warm-up, sets the neutral
    for face in faces:
        t0 = time.perf_counter()
        d = renderer.driving(face)
        t1 = time.perf_counter()
        bgr = renderer.network(d)
        t2 = time.perf_counter()
        renderer.compose(bgr)
        t3 = time.perf_counter()
        drive_t.append(t1 - t0), net_t.append(t2 - t1), comp_t.append(t3 - t2)
    total = _ms([a + b + c for a, b, c in zip(drive_t, net_t, comp_t)])
    out = {"size": renderer.model_size, "provider": renderer.provider, "precision": renderer.precision,
           "drive_ms": _ms(drive_t), "network_ms": _ms(net_t), "composite_ms": _ms(comp_t), "frame_ms": total,
           "fps": round(1000.0 / total, 2)}
    renderer.close()
    piped = F2FRenderer(F2FOptions(portrait=portrait, size=size, model=folder, provider=provider,
                                   precision=precision, workers=2))
    piped.render(None, faces[0])
    start = time.perf_counter()
    for face in faces:
        piped.render(None, face)
    out["fps_pipelined"] = round(len(faces) / (time.perf_counter() - start), 2)
    piped.close()
    return out


def _runs(folder: str) -> list[tuple[str, str]]:
    """(provider, precision) rows for a model: onnxruntime's CPU float graph first (the reference: one frame at a
    time on every core), then what ``auto`` picks, OpenVINO float32 when installed, and the lossy int8 graph."""
    from vtbridge.render.f2f import openvino_backend

    model = open_model(folder)
    runs = [("cpu", "fp32"), ("auto", "auto")]
    if openvino_backend.available() and model.motion is not None:
        runs.append(("openvino", "fp32"))
    if "int8" in model.variants:
        runs.append(("cpu", "int8"))
    return runs


def run_f2f_bench(spec: str, models: list[str], portrait: str | None = None, frames: int | None = 30) -> dict:
    images, faces = _faces(spec, frames)
    with tempfile.TemporaryDirectory() as tmp:
        if portrait is None:
            portrait = str(Path(tmp) / "portrait.png")
            cv2.imwrite(portrait, images[0])
        results = []
        for folder in models:
            rows: list[dict] = []
            for provider, precision in _runs(folder):
                row = bench_model(Path(folder), Path(portrait), faces, precision, provider=provider)
                if any((r["provider"], r["precision"]) == (row["provider"], row["precision"]) for r in rows):
                    continue  # auto picked a row that is already there
                reference = rows[0]["fps"] if rows else row["fps"]
                row["x_reference"] = round(max(row["fps"], row["fps_pipelined"]) / reference, 2)
                rows.append(row)
            results += rows
    return {"source": spec, "frames": len(faces), "f2f": results}


def format_f2f(report: dict) -> str:
    lines = [f"Face2FaceRHO on {report['source']} ({report['frames']} frames with a face)",
             f"{'size':>5} {'provider':<9}{'precision':<10}{'drive':>8}{'network':>9}{'compose':>9}{'frame':>8}"
             f"{'fps':>7}{'fps x2':>8}{'speed':>7}"]
    for r in report["f2f"]:
        lines.append(f"{r['size']:>5} {r['provider']:<9}{r['precision']:<10}{r['drive_ms']:>6.1f}ms"
                     f"{r['network_ms']:>7.1f}ms{r['composite_ms']:>7.1f}ms{r['frame_ms']:>6.1f}ms"
                     f"{r['fps']:>7.1f}{r['fps_pipelined']:>8.1f}{r['x_reference']:>6.2f}x")
    lines.append("fps: one frame in flight; fps x2: two frames in flight (renderer workers: 2); speed: the better of "
                 "the two against the first row of its size (onnxruntime, CPU, float graph, one frame at a time)")
    return "\n".join(lines)
