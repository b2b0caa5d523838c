"""The onnxruntime session converters check their exports with: CPU provider, default threads, no log noise (the
runtime's own session helper, ``render/onnx_session.py``, chooses providers and threads; a check wants neither)."""

from __future__ import annotations

from pathlib import Path


def cpu_session(path: str | Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=so, providers=["CPUExecutionProvider"])
