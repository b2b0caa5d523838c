"""Reduced-precision driving graphs made from the verified float graph, each measured against it.

- ``fp16`` (for GPU providers: DirectML, CUDA, CoreML): weights and arithmetic in float16, float32 inputs and
  outputs (onnxruntime's own float16 converter). Its error is measured here on the CPU; it is kept only when no
  pixel moves more than ``FP16_MAX_ERROR`` (2.5 levels of 255) and the rms error stays under ``FP16_RMS_ERROR``
  (a quarter level), i.e. without visible loss.
- ``bf16`` (OpenVINO on CPUs with bfloat16): not a file but a way to run the two-part graphs, the motion net in
  float32 and the decoder in bfloat16; measured here with the user's weights, used by default only when visually
  lossless (``openvino_backend.picture_error``).
- ``int8`` (for CPUs with VNNI): onnxruntime static QDQ quantization, per-channel int8 weights, uint8 activations
  calibrated on the converter's own driving inputs; the motion-field heads and the final RGB convolution stay float
  (a quantized sampling grid shifts the picture, the last layer sets every pixel). Faster on the CPU but not
  lossless, so the runtime uses it only when asked (``precision: int8``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from vtbridge.convert.onnx_check import cpu_session

KEEP_FLOAT = ("de_conv_block", "f1_motion", "model1_3", "model2_3")
FP16_MAX_ERROR = 0.02  # in the [-1, 1] picture: 2.5 levels of 255
FP16_RMS_ERROR = 0.002


def measure(float_graph: Path, other: Path, checks: list[dict]) -> dict:
    """{"max_error", "rms_error", "signal_rms"} of ``other``'s picture against the float graph's on ``checks``."""
    ref, alt = cpu_session(float_graph), cpu_session(other)
    errs, sig = [], []
    for feeds in checks:
        a, b = ref.run(["image"], feeds)[0], alt.run(["image"], feeds)[0]
        errs.append((a - b).ravel())
        sig.append((a - a.mean()).ravel())
    e, s = np.concatenate(errs), np.concatenate(sig)
    return {"max_error": float(np.abs(e).max()), "rms_error": float(np.sqrt(np.mean(e ** 2))),
            "signal_rms": float(np.sqrt(np.mean(s ** 2)))}


def measure_bf16(float_graph: Path, motion: Path, decode: Path, checks: list[dict]) -> dict | None:
    """The OpenVINO split precision (motion float32, decoder bfloat16) against the float graph, in levels of 255
    (``openvino_backend.picture_error``); None when OpenVINO is missing or this CPU has no bfloat16."""
    from vtbridge.render.f2f import openvino_backend as ovb

    if not ovb.available() or not ovb.cpu_has_bf16():
        return None
    ref = cpu_session(float_graph)
    split = ovb.OvDrive(motion, decode, "bf16")
    want = np.concatenate([ref.run(["image"], feeds)[0].ravel() for feeds in checks])
    got = np.concatenate([split.run(["image"], feeds)[0].ravel() for feeds in checks])
    return ovb.picture_error(want, got)


def make_fp16(float_graph: Path, out: Path) -> None:
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    onnx.save(convert_float_to_float16(onnx.load(str(float_graph)), keep_io_types=True), str(out))


def make_int8(float_graph: Path, out: Path, calibration: list[dict]) -> None:
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(calibration)

        def get_next(self):
            return next(self._it, None)

    graph = onnx.load(str(float_graph))
    keep = [n.name for n in graph.graph.node if n.op_type == "Conv" and any(k in n.name for k in KEEP_FLOAT)]
    del graph
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice to the root logger; the CLI shows its own lines
    try:
        quantize_static(str(float_graph), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["Conv"], nodes_to_exclude=keep, calibrate_method=CalibrationMethod.MinMax)
    finally:
        root.setLevel(level)
