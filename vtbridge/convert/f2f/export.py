"""``vtbridge models convert-f2f``: checkpoints -> two verified ONNX graphs and a manifest of their sha256s.

The graphs are exported at one output size (a multiple of 16; the weights were trained at 512), BatchNorm folded
into the convolutions by onnxruntime's optimiser at load time. Each graph is checked against our PyTorch model on
random inputs (several seeds) through onnxruntime on the CPU; a difference above ``TOLERANCE`` fails the
conversion and nothing is left behind half-written.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vtbridge.convert.f2f import graphs
from vtbridge.convert.f2f.checkpoint import load_networks
from vtbridge.convert.onnx_check import cpu_session
from vtbridge.errors import ModelError
from vtbridge.models import sha256_file
from vtbridge.render.f2f.model import DECODE_FILE, DRIVE_FILE, MANIFEST, MOTION_FILE, SOURCE_FILE, VARIANT_FILES

OPSET = 17
TOLERANCE = 1e-4
FORMAT = 1


@dataclass(frozen=True)
class ConvertResult:
    folder: Path
    size: int
    max_error: float  # largest |onnx - torch| over every float output and seed (divided by max|torch| where > 1)
    seconds: float
    variants: dict = None  # {"fp16"|"int8": error against the float graph} for the reduced graphs kept


def check_size(size: int) -> int:
    if size < 64 or size % 16:
        raise ModelError(f"--size {size}: the output size must be a multiple of 16 and at least 64 (the official "
                         f"networks were trained at 512)")
    return size


def _export(module: torch.nn.Module, example: tuple, names_in, names_out, path: Path) -> None:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes read as constants: the size is fixed per export
        torch.onnx.export(module, example, str(path), input_names=list(names_in), output_names=list(names_out),
                          opset_version=OPSET, do_constant_folding=True, dynamo=False)


def _compare(module: torch.nn.Module, path: Path, examples: list[tuple], names_in) -> float:
    session = cpu_session(path)
    worst = 0.0
    for example in examples:
        with torch.no_grad():
            want = module(*example)
        got = session.run(None, {n: t.numpy() for n, t in zip(names_in, example)})
        for w, g in zip(want, got):
            if w.is_floating_point():  # relative to the tensor's own scale when that exceeds 1 (source features)
                w = w.numpy()
                worst = max(worst, float(np.abs(w - g).max()) / max(1.0, float(np.abs(w).max())))
            else:  # the 8-bit picture: truncation may flip one step where the float lands on an integer
                worst_u8 = int(np.abs(w.numpy().astype(np.int16) - g.astype(np.int16)).max())
                if worst_u8 > 1:
                    raise ModelError(f"{path.name}: 8-bit output differs from PyTorch by {worst_u8} levels")
    return worst


def _compare_parts(reference: torch.nn.Module, folder: Path, examples: list[tuple]) -> float:
    """The motion and decode graphs chained through their ``field`` against the unrewritten drive step."""
    motion, decode = cpu_session(folder / MOTION_FILE), cpu_session(folder / DECODE_FILE)
    worst = 0.0
    for example in examples:
        feeds = _feeds(example)
        (field,) = motion.run(None, {n: feeds[n] for n in graphs.MOTION_INPUTS})
        image = decode.run(["image"], {"field": field, **{n: feeds[n] for n in graphs.DECODE_INPUTS[1:]}})[0]
        with torch.no_grad():
            want = reference(*example)[0].numpy()
        worst = max(worst, float(np.abs(image - want).max()))
    return worst


def write_manifest(folder: Path, size: int, max_error: float, checkpoints: dict[str, Path],
                   variants: dict[str, dict] | None = None) -> Path:
    variants = variants or {}
    names = [SOURCE_FILE, DRIVE_FILE, MOTION_FILE, DECODE_FILE] + [VARIANT_FILES[v] for v in variants
                                                                   if v in VARIANT_FILES]
    entry = {
        "format": FORMAT,
        "engine": "face2facerho",
        "size": size,
        "opset": OPSET,
        "verified_max_error": max_error,
        "files": {name: {"sha256": sha256_file(folder / name), "bytes": (folder / name).stat().st_size}
                  for name in names},
        "variants": {v: VARIANT_FILES[v] for v in variants if v in VARIANT_FILES},
        "variant_errors": variants,
        "checkpoints": {role: {"file": p.name, "sha256": sha256_file(p)} for role, p in checkpoints.items()},
        "licence": "Face2FaceRHO weights: the terms of their authors (NetEase-GameAI/Face2FaceRHO, BSD-3-Clause code); "
                   "user-supplied, not redistributed by vtbridge",
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    return path


def _feeds(example: tuple) -> dict:
    return {n: t.numpy() for n, t in zip(graphs.DRIVE_INPUTS, example)}


def convert(checkpoints: str | Path, out: str | Path, size: int = 512, seeds: int = 2,
            variants: tuple[str, ...] = ("fp16", "bf16", "int8"), log=lambda msg: None) -> ConvertResult:
    """Load, export, verify and record; the folder ``out`` receives the two graphs and ``manifest.json``."""
    started = time.perf_counter()
    size = check_size(size)
    rendering, motion, files = load_networks(checkpoints)
    log(f"loaded {files.rendering.name} and {files.motion.name}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(1234)
    source, drive = graphs.SourceGraph(rendering).eval(), graphs.DriveGraph(rendering, motion, size).eval()
    reference = graphs.DriveGraph(rendering, motion).eval()  # the unrewritten decoder: checks the rewrites too
    with tempfile.TemporaryDirectory(dir=out, prefix=".convert-") as tmp:
        tmp_dir = Path(tmp)
        _export(source, graphs.source_example(size, gen), graphs.SOURCE_INPUTS, graphs.SOURCE_OUTPUTS,
                tmp_dir / SOURCE_FILE)
        example = graphs.drive_example(source, size, gen)
        _export(drive, example, graphs.DRIVE_INPUTS, graphs.DRIVE_OUTPUTS, tmp_dir / DRIVE_FILE)
        _export(drive.motion_part, example[:9], graphs.MOTION_INPUTS, graphs.MOTION_OUTPUTS, tmp_dir / MOTION_FILE)
        with torch.no_grad():
            field = drive.motion_part(*example[:9])
        _export(drive.decode_part, (field, *example[9:]), graphs.DECODE_INPUTS, graphs.DECODE_OUTPUTS,
                tmp_dir / DECODE_FILE)
        log(f"exported {SOURCE_FILE}, {DRIVE_FILE} and its two parts at {size}x{size} (opset {OPSET}); verifying")
        err_src = _compare(source, tmp_dir / SOURCE_FILE, [graphs.source_example(size, gen) for _ in range(seeds)],
                           graphs.SOURCE_INPUTS)
        drive_checks = [graphs.drive_example(source, size, gen) for _ in range(seeds)]
        err_drv = _compare(reference, tmp_dir / DRIVE_FILE, drive_checks, graphs.DRIVE_INPUTS)
        err_parts = _compare_parts(reference, tmp_dir, drive_checks)
        worst = max(err_src, err_drv, err_parts)
        if worst > TOLERANCE:
            raise ModelError(f"the exported graphs differ from PyTorch by {worst:.2e} (> {TOLERANCE:g}); this "
                             f"torch/onnxruntime pair exports them wrongly - try torch 2.13.0")
        kept = _variants(tmp_dir, source, size, gen, variants, log)
        for stale in VARIANT_FILES.values():  # a reduced graph of an earlier conversion must not outlive it
            if (out / stale).exists():
                (out / stale).unlink()
        for name in (SOURCE_FILE, DRIVE_FILE, MOTION_FILE, DECODE_FILE) + tuple(VARIANT_FILES[v] for v in kept
                                                                                if v in VARIANT_FILES):
            os.replace(tmp_dir / name, out / name)
    write_manifest(out, size, worst, {"rendering_net": files.rendering, "motion_net": files.motion}, kept)
    return ConvertResult(folder=out, size=size, max_error=worst, seconds=time.perf_counter() - started,
                         variants=kept)


def _variants(folder: Path, source, size: int, gen, wanted: tuple[str, ...], log) -> dict[str, dict]:
    """Make and measure the reduced-precision driving graphs; fp16 is kept only when it is visually lossless."""
    from vtbridge.convert.f2f import variants as v

    checks = [_feeds(graphs.drive_example(source, size, gen)) for _ in range(2)]
    kept: dict[str, dict] = {}
    if "fp16" in wanted:
        log("making the fp16 driving graph (GPU providers)")
        v.make_fp16(folder / DRIVE_FILE, folder / VARIANT_FILES["fp16"])
        error = v.measure(folder / DRIVE_FILE, folder / VARIANT_FILES["fp16"], checks)
        if error["max_error"] <= v.FP16_MAX_ERROR and error["rms_error"] <= v.FP16_RMS_ERROR:
            kept["fp16"] = error
        else:
            log(f"fp16 graph left out: it differs by up to {error['max_error']:.3f}, rms {error['rms_error']:.4f} "
                f"(limits {v.FP16_MAX_ERROR}, {v.FP16_RMS_ERROR}); GPU providers will run the float graph")
    if "bf16" in wanted:
        error = v.measure_bf16(folder / DRIVE_FILE, folder / MOTION_FILE, folder / DECODE_FILE, checks)
        if error is None:
            log("bf16 decoder not measured (needs the openvino extra and a CPU with bfloat16); the openvino provider "
                "will run float32 - convert again on such a machine to measure it")
        else:
            kept["bf16"] = error
            verdict = "visually lossless" if error["visually_lossless"] else "NOT visually lossless, left off"
            log(f"bf16 decoder on OpenVINO: rms {error['rms_levels']:.2f}, 99.9 % within {error['p999_levels']:.2f} "
                f"levels of 255 ({verdict})")
    if "int8" in wanted:
        log("quantizing the optional int8 driving graph (CPU)")
        calib = [_feeds(graphs.drive_example(source, size, gen)) for _ in range(4)]
        v.make_int8(folder / DRIVE_FILE, folder / VARIANT_FILES["int8"], calib)
        kept["int8"] = v.measure(folder / DRIVE_FILE, folder / VARIANT_FILES["int8"], checks)
    return kept
