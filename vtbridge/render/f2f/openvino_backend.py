"""OpenVINO backend for the Face2FaceRHO engine (optional: ``pip install "vtbridge[openvino]"``).

Why a second runtime for this one engine: on a CPU, onnxruntime has no bfloat16 kernels, and the driving step at
512² is compute-bound (≈7 GMAC per frame). OpenVINO runs the same ONNX graphs, in float32 a little faster than
onnxruntime, and on CPUs with bfloat16 instructions (AVX512-BF16 or AMX: AMD Zen 4/5, Intel Xeon since Cooper Lake)
it can run the decoder in bfloat16 at about twice the speed. The motion net stays float32: its output is a sampling
grid, and bfloat16 there moves the picture (measured: most of the error of an all-bfloat16 graph). The split
precision is used only when the conversion measured it with the user's own weights and it passed
``visually_lossless`` (rms error under one level of 255, 99.9 % of pixel values within five levels).

The graphs look like onnxruntime sessions to the engine: ``run(None, feeds) -> [outputs]``; each compiled graph
keeps one infer request per frame in flight.
"""

from __future__ import annotations

import importlib.util
import queue
from pathlib import Path

import numpy as np

from vtbridge.errors import ModelError

INSTALL = 'pip install "vtbridge[openvino]"'
BF16_RMS_LEVELS = 1.0  # rms error, in levels of 255, of the 8-bit picture against the float32 graph's
BF16_P999_LEVELS = 5.0  # 99.9th percentile of the per-value error, levels of 255


def available() -> bool:
    return importlib.util.find_spec("openvino") is not None


def _core():
    if not available():
        raise ModelError(f"the openvino provider needs the OpenVINO runtime: {INSTALL}")
    import openvino as ov

    return ov.Core()


def cpu_has_bf16() -> bool:
    """True when OpenVINO reports bfloat16 arithmetic on this CPU (otherwise a bf16 hint silently runs float32)."""
    try:
        return "BF16" in _core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except ModelError:
        return False


def picture_error(want: np.ndarray, got: np.ndarray) -> dict:
    """Error of ``got`` against ``want`` (float pictures in [-1, 1]) in levels of 255, and whether it is visually
    lossless by the thresholds above."""
    level = lambda a: np.clip((np.asarray(a, np.float64) + 1.0) * 127.5, 0.0, 255.0)  # noqa: E731
    e = np.abs(level(got) - level(want))
    rms = float(np.sqrt(np.mean(e ** 2)))
    out = {"rms_levels": round(rms, 3), "p999_levels": round(float(np.percentile(e, 99.9)), 3),
           "max_levels": round(float(e.max()), 3), "psnr_db": round(float(20 * np.log10(255 / max(rms, 1e-9))), 2)}
    out["visually_lossless"] = out["rms_levels"] < BF16_RMS_LEVELS and out["p999_levels"] <= BF16_P999_LEVELS
    return out


class OvGraph:
    """One ONNX graph compiled for the CPU at ``precision`` ("fp32" or "bf16")."""

    def __init__(self, path: Path, precision: str = "fp32", threads: int = 0, streams: int = 1, core=None) -> None:
        core = core or _core()
        config = {"INFERENCE_PRECISION_HINT": "bf16" if precision == "bf16" else "f32",
                  "PERFORMANCE_HINT": "LATENCY" if streams == 1 else "THROUGHPUT", "NUM_STREAMS": str(streams)}
        if threads:
            config["INFERENCE_NUM_THREADS"] = str(threads)
        try:
            self._compiled = core.compile_model(str(path), "CPU", config)
        except Exception as exc:  # OpenVINO raises RuntimeError with multi-line native messages
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"OpenVINO could not compile {str(path)!r} ({first}); convert the model again") from None
        self.inputs = [p.get_any_name() for p in self._compiled.inputs]
        self.outputs = [p.get_any_name() for p in self._compiled.outputs]
        self._requests: queue.Queue = queue.Queue()
        for _ in range(max(1, streams)):
            self._requests.put(self._compiled.create_infer_request())

    def run(self, names, feeds: dict) -> list[np.ndarray]:
        request = self._requests.get()
        try:
            # share_inputs: OpenVINO reads the arrays in place (the cached features need no copy every frame)
            result = request.infer({name: feeds[name] for name in self.inputs}, share_inputs=True)
            wanted = names or self.outputs
            return [np.array(result[self._compiled.output(name)], copy=True) for name in wanted]
        finally:
            self._requests.put(request)


class OvDrive:
    """The driving step as its two parts: the motion net in float32, the decoder at ``precision``."""

    def __init__(self, motion: Path, decode: Path, precision: str, threads: int = 0, streams: int = 1) -> None:
        core = _core()
        self.motion = OvGraph(motion, "fp32", threads, streams, core)
        self.decode = OvGraph(decode, precision, threads, streams, core)

    def run(self, names, feeds: dict) -> list[np.ndarray]:
        (field,) = self.motion.run(None, feeds)
        return self.decode.run(names, {**feeds, "field": field})


__all__ = ["BF16_P999_LEVELS", "BF16_RMS_LEVELS", "INSTALL", "OvDrive", "OvGraph", "available", "cpu_has_bf16",
           "picture_error"]
