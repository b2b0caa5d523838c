"""Face2FaceRHO driving step: the plain export against ours, side by side on this machine (a developer benchmark).

    python benchmarks/f2f_speed.py [--sizes 256 512] [--rounds 8] [--frames 6] [--json OUT.json]

Needs the ``convert`` extra (torch) and, for the OpenVINO rows, the ``openvino`` extra. It builds a random checkpoint
with the official layout, exports the *plain* driving graph (the network's own decoder, float output only: what the
issue's 104 ms / 41.5 ms were measured with) and converts ours with ``vtbridge models convert-f2f``'s code. Then it
runs every configuration in interleaved rounds, so that other load on the machine hits them all alike, and reports
the median time per frame and the median of the per-round ratios to the plain export on onnxruntime's CPU provider
with every core on one frame (the issue's setting). Timing noise on a shared machine is large; ratios are the
figure to read.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


def _feeds(names_shapes) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for name, shape in names_shapes:
        shape = [d if isinstance(d, int) else 1 for d in shape]
        out[name] = (np.where(rng.random(shape) < 0.1, 1.0, -1.0) if "lmk" in name
                     else rng.uniform(0, 0.5, shape)).astype(np.float32)
    out["drv_headpose"] = np.array([[0.1, 0.1, 0.0, 0.27, -0.25, 0.0012]], np.float32)
    return out


def _plain_export(checkpoints: Path, size: int, path: Path) -> None:
    import torch

    from vtbridge.convert.f2f import graphs
    from vtbridge.convert.f2f.checkpoint import load_networks

    rendering, motion, _ = load_networks(checkpoints)
    rendering.requires_grad_(False)  # the decode method's module is not registered below: its weights are constants

    class Plain(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.drive = graphs.DriveGraph(rendering, motion)  # no size: the network's own decoder

        def forward(self, *args):
            return self.drive(*args)[0]

    example = graphs.drive_example(graphs.SourceGraph(rendering).eval(), size, torch.Generator().manual_seed(0))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Plain().eval(), example, str(path), input_names=list(graphs.DRIVE_INPUTS),
                          output_names=["image"], opset_version=17, dynamo=False)


def _onnxruntime(path: Path, in_flight: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.intra_op_num_threads = (os.cpu_count() or 1) if in_flight == 1 else 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no spinning threads between rounds
    session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    feeds = _feeds([(i.name, i.shape) for i in session.get_inputs()])
    if in_flight == 1:
        return lambda n: [session.run(None, feeds) for _ in range(n)]
    pool = ThreadPoolExecutor(in_flight)
    return lambda n: list(pool.map(lambda _: session.run(None, feeds), range(n)))


def _openvino(folder: Path, precision: str, in_flight: int = 1):
    from vtbridge.render.f2f.openvino_backend import OvDrive

    drive = OvDrive(folder / "f2f_motion.onnx", folder / "f2f_decode.onnx", precision, streams=in_flight)
    names = drive.motion.inputs + drive.decode.inputs[1:]
    import onnx

    shapes = {}
    for part in ("f2f_motion.onnx", "f2f_decode.onnx"):
        for i in onnx.load(str(folder / part), load_external_data=False).graph.input:
            shapes[i.name] = [d.dim_value for d in i.type.tensor_type.shape.dim]
    feeds = _feeds([(n, shapes[n]) for n in names])
    if in_flight == 1:
        return lambda n: [drive.run(None, feeds) for _ in range(n)]
    pool = ThreadPoolExecutor(in_flight)
    return lambda n: list(pool.map(lambda _: drive.run(None, feeds), range(n)))


def measure(size: int, rounds: int, frames: int, work: Path) -> list[dict]:
    from vtbridge.convert.f2f.export import convert
    from vtbridge.convert.f2f.synthetic import write_random_checkpoints
    from vtbridge.render.f2f import openvino_backend

    checkpoints = write_random_checkpoints(work / "ckpt", seed=0)
    _plain_export(checkpoints, size, work / f"plain{size}.onnx")
    ours = work / f"ours{size}"
    convert(checkpoints, ours, size=size, variants=("bf16",))
    runs = {"plain export, onnxruntime CPU, all cores on one frame": _onnxruntime(work / f"plain{size}.onnx", 1),
            "ours, onnxruntime CPU, all cores on one frame": _onnxruntime(ours / "f2f_drive.onnx", 1),
            "ours, onnxruntime CPU, 2 frames in flight": _onnxruntime(ours / "f2f_drive.onnx", 2)}
    if openvino_backend.available():
        runs["ours, OpenVINO float32"] = _openvino(ours, "fp32")
        runs["ours, OpenVINO float32, 2 frames in flight"] = _openvino(ours, "fp32", 2)
        if openvino_backend.cpu_has_bf16():
            runs["ours, OpenVINO motion fp32 + decoder bf16"] = _openvino(ours, "bf16")
            runs["ours, OpenVINO fp32 + bf16, 2 frames in flight"] = _openvino(ours, "bf16", 2)
    for run in runs.values():
        run(2)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run(frames)
            times[name].append(1000 * (time.perf_counter() - start) / frames)
    base = np.array(times[next(iter(runs))])
    return [{"size": size, "config": name, "median_ms": round(float(np.median(v)), 1),
             "min_ms": round(float(np.min(v)), 1), "speedup": round(float(np.median(base / np.array(v))), 2)}
            for name, v in times.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--frames", type=int, default=6, help="frames per configuration per round")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            rows += measure(size, args.rounds, args.frames, Path(tmp))
    print(f"{'size':>5}  {'configuration':<52}{'median':>9}{'min':>9}{'speedup':>9}")
    for r in rows:
        print(f"{r['size']:>5}  {r['config']:<52}{r['median_ms']:>7.1f}ms{r['min_ms']:>7.1f}ms{r['speedup']:>8.2f}x")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
