"""One place that opens onnxruntime sessions for renderers: provider choice, threads, and clear errors.

Provider order for ``auto``: DirectML on Windows (any GPU), then CUDA, then CoreML, then CPU - the first one this
onnxruntime build offers. The chosen provider is returned so status lines can show it. A model that cannot be
loaded raises ``ModelError`` naming the file and why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vtbridge.errors import ModelError

PROVIDERS = {"dml": "DmlExecutionProvider", "cuda": "CUDAExecutionProvider", "coreml": "CoreMLExecutionProvider",
             "cpu": "CPUExecutionProvider"}
_AUTO = ("dml", "cuda", "coreml", "cpu")


@dataclass(frozen=True)
class SessionOptions:
    provider: str = "auto"  # auto | dml | cuda | coreml | cpu
    threads: int = 0  # 0: half the cores (1 to 4): renderers share the machine with tracking


def choose_provider(wanted: str = "auto", available: list[str] | None = None) -> str:
    """The short name of the provider to use; ModelError when an explicitly wanted one is not in this build."""
    import onnxruntime as ort

    available = available if available is not None else ort.get_available_providers()
    if wanted == "auto":
        return next(k for k in _AUTO if PROVIDERS[k] in available or k == "cpu")
    if wanted not in PROVIDERS:
        raise ModelError(f"unknown onnxruntime provider {wanted!r}; use one of auto, {', '.join(PROVIDERS)}")
    if PROVIDERS[wanted] not in available:
        hint = " (install onnxruntime-directml)" if wanted == "dml" else ""
        raise ModelError(f"onnxruntime provider {wanted!r} is not available in this install{hint}; available: "
                         f"{', '.join(available)}; use --provider auto")
    return wanted


def open_session(path: str | Path, options: SessionOptions = SessionOptions()):
    """``(session, provider)`` for the ONNX model at ``path``."""
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"ONNX model {str(path)!r}: file not found; check the path")
    provider = choose_provider(options.provider)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    if options.threads:
        so.intra_op_num_threads = options.threads
    else:
        so.intra_op_num_threads = max(1, min(4, (os.cpu_count() or 2) // 2))
    chain = [PROVIDERS[provider]] + ([PROVIDERS["cpu"]] if provider != "cpu" else [])
    try:
        session = ort.InferenceSession(str(path), sess_options=so, providers=chain)
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"ONNX model {str(path)!r} could not be loaded ({first}); is it an ONNX file?") from None
    used = session.get_providers()[0]
    return session, next((k for k, v in PROVIDERS.items() if v == used), used)
