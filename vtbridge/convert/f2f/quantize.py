"""The optional int8 driving graph for CPUs (onnxruntime static QDQ quantization, per-channel int8 weights, uint8
activations calibrated on the converter's own random driving inputs).

It is faster on CPUs with VNNI but not lossless, so the runtime uses it only when asked (``precision: int8``).
The motion-field heads and the final RGB convolution stay float: a quantized sampling grid shifts the picture
and the last layer sets every pixel. Its error against the float graph is measured here and kept in the manifest.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

KEEP_FLOAT = ("de_conv_block", "f1_motion", "model1_3", "model2_3")


def quantize_drive(float_graph: Path, out: Path, calibration: list[dict], checks: list[dict]) -> dict:
    """Write the int8 graph to ``out``; returns {"max_error", "rms_error", "signal_rms"} on ``checks``."""
    import onnx
    import onnxruntime as ort
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
    so = ort.SessionOptions()
    so.log_severity_level = 3
    ref = ort.InferenceSession(str(float_graph), so, providers=["CPUExecutionProvider"])
    q = ort.InferenceSession(str(out), so, providers=["CPUExecutionProvider"])
    errs, sig = [], []
    for feeds in checks:
        a, b = ref.run(["image"], feeds)[0], q.run(["image"], feeds)[0]
        errs.append(a - b)
        sig.append(a - a.mean())
    e, s = np.concatenate([x.ravel() for x in errs]), np.concatenate([x.ravel() for x in sig])
    return {"max_error": float(np.abs(e).max()), "rms_error": float(np.sqrt(np.mean(e ** 2))),
            "signal_rms": float(np.sqrt(np.mean(s ** 2)))}
